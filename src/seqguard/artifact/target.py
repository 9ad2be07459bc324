"""What an output folder holds before a run is written there: :func:`folder_state`.

One answer, used by :func:`~seqguard.artifact.save_run` (may it replace the folder?)
and by ``seqguard fit`` before it trains (``--overwrite`` and ``--resume`` decided up
front, not after the training time is spent):

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

from .layout import FAILED_FILES
from .manifest import _is_run

__all__ = ["folder_state", "foreign_entries"]


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
