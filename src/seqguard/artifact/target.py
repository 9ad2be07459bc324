"""What an output folder holds before a run is written there: :func:`folder_state`.

One answer, and one decision over it (:func:`check_target`), used by
:func:`~seqguard.artifact.save_run` (may it replace the folder?) and by ``seqguard fit``
before it trains (``--overwrite`` and ``--resume`` decided up front, not after the
training time is spent); the two differ only in how the refusal is worded (the
command line's flags, or the Python keyword):

``"missing"``
    Nothing at the path.
``"empty"``
    An empty folder: written into without asking.
``"run"``
    A seqguard run: ``MANIFEST.json`` says so (intact or not). Replaced only with
    ``overwrite``.
``"failed"``
    What a failed fit (exit 4) leaves: ``diagnosis.json`` and perhaps ``report.html``,
    no manifest. Replaced only with ``overwrite`` (or by ``--resume``, which continues
    that fit).
``"foreign"``
    Anything else: never replaced, ``overwrite`` or not (it may be someone's files).
``"file"``
    Not a folder (a file, a symbolic link, a device): never replaced.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from .layout import FAILED_FILES
from .manifest import _is_run

__all__ = ["check_target", "folder_state", "foreign_entries"]


def _entries(path: Path) -> list[str]:
    """The names in ``path``, the temporary files a seqguard writer leaves aside."""
    return sorted(p.name for p in path.iterdir()
                  if not (p.name.startswith(".") and ".tmp" in p.name))


def folder_state(path: str | Path) -> str:
    """One of ``missing``, ``empty``, ``run``, ``failed``, ``foreign``, ``file`` (module
    docstring).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> folder_state(d / "new"), folder_state(d)
    ('missing', 'empty')
    >>> _ = (d / "diagnosis.json").write_text("{}")
    >>> folder_state(d)
    'failed'
    >>> _ = (d / "notes.txt").write_text("mine")
    >>> folder_state(d)
    'foreign'
    """
    path = Path(path)
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        return "file"
    if not path.exists():
        return "missing"
    names = _entries(path)
    if not names:
        return "empty"
    if _is_run(path):
        return "run"
    if set(names) <= FAILED_FILES and "diagnosis.json" in names:
        return "failed"
    return "foreign"


def foreign_entries(path: str | Path, limit: int = 3) -> str:
    """A few of the names in ``path``, for a message (``'a.txt', 'b' and 4 more``)."""
    names = _entries(Path(path))
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


#: Each refusal of :func:`check_target`: what is wrong, and the fix, with the caller's
#: words filled in: ``where`` (the path, with the flag on the command line),
#: ``overwrite`` (``--overwrite`` or ``overwrite=True``), ``resume``, ``only``.
_REFUSALS = {
    "file": "{where} exists and is not a directory (a file or a link). Choose another "
            "folder for the run.",
    "foreign": "{where} is not empty and is not a seqguard run directory (it holds "
               "{entries}); refusing to write into it{only}. Choose a new or empty "
               "directory for the run.",
    "finished": "{where} already holds a finished run; {resume} continues an interrupted "
                "fit only. Pass {overwrite} (with or without {resume}) to train again and "
                "replace it, or choose another directory.",
    "taken": "{where} already holds {what}. Choose another directory, or pass "
             "{overwrite} to replace it.",
}


def check_target(path: str | Path, *, overwrite: bool, resume: bool = False,
                 flag: str | None = None) -> str:
    """Refuse what may not be written over at ``path``; return its :func:`folder_state`.

    A file and someone else's files are never replaced; a run or a failed fit's
    folder only with ``overwrite`` (a failed fit also by ``resume``, which continues it;
    a finished run never by ``resume`` alone).

    Parameters
    ----------
    path : path
    overwrite, resume : bool
    flag : str, optional
        The command-line option that named ``path`` (``"--out"``): the message then
        speaks of ``--overwrite`` and ``--resume``; without it, of ``overwrite=True``.

    Raises
    ------
    InputError

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "notes.txt").write_text("mine")
    >>> check_target(d, overwrite=True, flag="--out")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    seqguard.errors.InputError: --out '...' is not empty and is not a seqguard run directory ...
    """
    path = Path(path)
    state = folder_state(path)
    if state == "file" or state == "foreign":
        key = state
    elif state == "run" and resume and not overwrite:
        key = "finished"
    elif state in ("run", "failed") and not (overwrite or (resume and state == "failed")):
        key = "taken"
    else:
        return state
    words = {"where": f"{flag} '{path}'" if flag else repr(str(path)),
             "overwrite": "--overwrite" if flag else "overwrite=True",
             "resume": "--resume" if flag else "resume",
             "only": " (--overwrite replaces only a seqguard run)" if flag else "",
             "what": "a seqguard run" if state == "run" else "the diagnosis of a failed fit"}
    if key == "foreign":
        words["entries"] = foreign_entries(path)
    raise InputError(_REFUSALS[key].format(**words))
