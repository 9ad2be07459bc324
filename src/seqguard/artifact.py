"""The run directory: save it atomically, verify it, load it back; data formats only.

A run directory holds (DESIGN.md, "Run directory")::

    RUN_DIR/
      model.safetensors   weights (safetensors only: loading runs no code)
      pipeline.json       schema, fitted preprocessing, options, versions
      metrics.json        scores (seqguard.metrics.build_metrics)
      history.csv         per-epoch training log
      audit.json          audit findings of the training data
      diagnosis.json      guard and diagnose findings
      report.html         optional (an extra file)
      model.K.safetensors, history.K.csv
                          member K >= 1 of an ensemble (``--ensemble``; extra files,
                          see :func:`member_files`); member 0 is model.safetensors
      MANIFEST.json       written last: SHA-256 and size of every file above

Guarantees:

* **All or nothing.** :func:`save_run` writes into a temporary sibling directory
  (``.<name>.tmp-<pid>-<random>`` in the same parent), checks it, writes
  ``MANIFEST.json`` last and renames the directory into place. On any failure the
  temporary directory is removed and ``RUN_DIR`` is left as it was.
* **Finite weights only.** A tensor with NaN or ±inf is refused before anything is
  written.
* **Tamper-evident.** :func:`load_run` checks the manifest (format, version, every
  file present with its SHA-256) before reading anything else, and reads weights with
  ``safetensors.torch.load_file`` and JSON with ``json.load`` only.
* **Strict JSON.** Every JSON file is written with ``allow_nan=False``, ``indent=2``
  (``MANIFEST.json`` and ``pipeline.json`` with sorted keys), UTF-8.

Errors: a problem with an existing run directory (missing file, altered file,
unknown format version, unreadable content) is an
:class:`~seqguard.errors.ArtifactError`; an output path that cannot be used (a
non-empty directory that is not a run, an existing run without ``overwrite``) is an
:class:`~seqguard.errors.InputError`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from .errors import ArtifactError, InputError

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MANIFEST",
    "REQUIRED_FILES",
    "Run",
    "load_member",
    "load_run",
    "member_files",
    "save_run",
    "update_run",
    "verify_run",
]

FORMAT = "seqguard-run"
FORMAT_VERSION = 1
MANIFEST = "MANIFEST.json"
MODEL = "model.safetensors"
HISTORY = "history.csv"
#: JSON files every run has, with the argument of :func:`save_run` that fills them.
JSON_FILES = ("pipeline.json", "metrics.json", "audit.json", "diagnosis.json")
#: Every file a run directory must hold besides the manifest.
REQUIRED_FILES: tuple[str, ...] = (MODEL, *JSON_FILES, HISTORY)
_SORTED_JSON = {"pipeline.json", MANIFEST}
_CHUNK = 1 << 20
# What reading a corrupt safetensors file can raise (never a bare traceback to users).
_READ_ERRORS = (SafetensorError, OSError, ValueError, RuntimeError, TypeError, KeyError)


@dataclass
class Run:
    """A loaded run directory.

    Attributes
    ----------
    state_dict : dict of str to Tensor
        Model weights (CPU).
    pipeline, metrics, audit, diagnosis : dict
        The JSON files.
    history : pandas.DataFrame
        ``history.csv`` (empty when training logged nothing).
    path : pathlib.Path
        The run directory.
    manifest : dict
        ``MANIFEST.json``.
    """

    state_dict: dict[str, torch.Tensor]
    pipeline: dict[str, Any]
    metrics: dict[str, Any]
    history: pd.DataFrame
    audit: dict[str, Any]
    diagnosis: dict[str, Any]
    path: Path
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def files(self) -> list[str]:
        """Names of the files listed in the manifest."""
        return sorted(self.manifest.get("files", {}))


# ----------------------------------------------------------------- helpers
def _version() -> str:
    from . import __version__

    return str(__version__)


def _sha256(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _fsync(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system syncs a directory
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_json(path: Path, obj: Any, name: str | None = None) -> None:
    """Write strict JSON; ``name`` (default: the file name) is the run file it becomes."""
    name = path.name if name is None else name
    with open(path, "w", encoding="utf-8") as f:
        try:
            json.dump(obj, f, allow_nan=False, indent=2, sort_keys=name in _SORTED_JSON,
                      ensure_ascii=False)
        except ValueError as e:
            raise ArtifactError(
                f"cannot write {name}: {e}. Use None for a value that is missing or not "
                "computable (seqguard.metrics.json_safe converts NaN/inf)."
            ) from e
        except TypeError as e:
            raise ArtifactError(f"cannot write {name}: {e}. Only plain JSON values "
                                "(dict, list, str, number, bool, None) can be saved.") from e
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())


def _write_bytes(path: Path, data: bytes | str) -> None:
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    with open(path, "wb") as f:
        f.write(raw)
        f.flush()
        os.fsync(f.fileno())


def _history_frame(history: pd.DataFrame | list[dict[str, Any]] | None) -> pd.DataFrame:
    if history is None:
        return pd.DataFrame()
    if isinstance(history, pd.DataFrame):
        return history
    if isinstance(history, list) and all(isinstance(r, Mapping) for r in history):
        return pd.DataFrame(list(history))
    raise InputError(f"history must be a pandas DataFrame or a list of dicts (one per "
                     f"epoch); got {type(history).__name__}.")


def _check_state_dict(state_dict: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    if not isinstance(state_dict, Mapping):
        raise InputError(f"state_dict must be a dict of str to torch.Tensor; got "
                         f"{type(state_dict).__name__}.")
    out: dict[str, torch.Tensor] = {}
    bad: list[str] = []
    for name, t in state_dict.items():
        if not isinstance(name, str) or not isinstance(t, torch.Tensor):
            raise InputError(f"state_dict entry {name!r} is a {type(t).__name__}; every "
                             "entry must be a torch.Tensor with a str name.")
        t = t.detach().to("cpu")
        if (t.is_floating_point() or t.is_complex()) and not bool(torch.isfinite(t).all()):
            bad.append(name)
        out[name] = t.contiguous().clone()  # no shared storage: safetensors refuses it
    if bad:
        shown = ", ".join(repr(b) for b in bad[:5]) + (f" and {len(bad) - 5} more"
                                                       if len(bad) > 5 else "")
        raise ArtifactError(
            f"refusing to save non-finite weights: tensor {shown} holds NaN or inf. The "
            "training diverged; save the last good state (the guards restore it) and see "
            "diagnosis.json."
        )
    return out


def _check_extra_names(extra_files: Mapping[str, Any]) -> None:
    reserved = {*REQUIRED_FILES, MANIFEST}
    for name in extra_files:
        if (not isinstance(name, str) or not name or name in (".", "..")
                or "/" in name or "\\" in name or name.startswith(".")):
            raise InputError(f"extra file name {name!r} is not a plain file name; use a "
                             "name like 'report.html' (no folders, not hidden).")
        if name in reserved:
            raise InputError(f"extra file {name!r} would overwrite a file save_run writes "
                             "itself; pass it through its own argument.")
        if not isinstance(extra_files[name], (bytes, bytearray, str)):
            raise InputError(f"extra file {name!r} must be bytes or str; got "
                             f"{type(extra_files[name]).__name__}.")


def _is_run(path: Path) -> bool:
    """True when ``path`` holds a manifest that says it is a seqguard run."""
    try:
        with open(path / MANIFEST, encoding="utf-8") as f:
            m = json.load(f)
    except (OSError, ValueError):
        return False
    return isinstance(m, dict) and m.get("format") == FORMAT


def _check_target(run_dir: Path, overwrite: bool) -> bool:
    """Validate the output path; return True when an old run/empty dir must be replaced."""
    if not run_dir.exists() and not run_dir.is_symlink():
        if not run_dir.parent.is_dir():
            raise InputError(f"cannot write the run to {str(run_dir)!r}: its parent folder "
                             f"{str(run_dir.parent)!r} does not exist. Create it first.")
        return False
    if not run_dir.is_dir() or run_dir.is_symlink():
        raise InputError(f"cannot write the run to {str(run_dir)!r}: it exists and is not a "
                         "directory. Choose another output directory.")
    if not any(run_dir.iterdir()):
        return True
    if not _is_run(run_dir):
        raise InputError(f"{str(run_dir)!r} is not empty and is not a seqguard run "
                         "directory; refusing to write into it. Choose a new or empty "
                         "directory for the run.")
    if not overwrite:
        raise InputError(f"{str(run_dir)!r} already holds a seqguard run. Choose another "
                         "directory, or pass overwrite=True to replace it.")
    return True


# ----------------------------------------------------------------- save
def save_run(run_dir: str | os.PathLike[str], *, state_dict: Mapping[str, torch.Tensor],
             pipeline: dict[str, Any], metrics: dict[str, Any],
             history: pd.DataFrame | list[dict[str, Any]] | None, audit: dict[str, Any],
             diagnosis: dict[str, Any],
             extra_files: Mapping[str, bytes | str] | None = None,
             overwrite: bool = False) -> Path:
    """Write a complete run directory atomically.

    Parameters
    ----------
    run_dir : path
        The run directory to create. Its parent must exist.
    state_dict : dict of str to Tensor
        Model weights; every floating tensor must be finite.
    pipeline, metrics, audit, diagnosis : dict
        Plain JSON data (no NaN/inf: use ``None``).
    history : DataFrame or list of dict
        Per-epoch log, written as ``history.csv`` (NaN cells are written empty).
    extra_files : dict of str to bytes or str, optional
        More files to include and checksum, e.g. ``{"report.html": html}``.
    overwrite : bool
        Replace ``run_dir`` when it already holds a seqguard run.

    Returns
    -------
    pathlib.Path
        The run directory.

    Raises
    ------
    ArtifactError
        Non-finite weights (naming the tensor) or a JSON value that cannot be written
        (naming the file); nothing is written.
    InputError
        ``run_dir`` is unusable: a non-empty directory that is not a run, an existing
        run without ``overwrite``, a file, or a missing parent.

    Examples
    --------
    >>> import tempfile, torch
    >>> d = Path(tempfile.mkdtemp()) / "run"
    >>> _ = save_run(d, state_dict={"w": torch.ones(2)}, pipeline={}, metrics={},
    ...              history=[{"epoch": 0, "loss": 1.0}], audit={}, diagnosis={})
    >>> verify_run(d), load_run(d).state_dict["w"].tolist()
    ([], [1.0, 1.0])
    """
    run_dir = Path(run_dir)
    replace = _check_target(run_dir, overwrite)
    tensors = _check_state_dict(state_dict)
    frame = _history_frame(history)
    extra = dict(extra_files or {})
    _check_extra_names(extra)
    docs = {"pipeline.json": pipeline, "metrics.json": metrics, "audit.json": audit,
            "diagnosis.json": diagnosis}
    for name, doc in docs.items():
        if not isinstance(doc, dict):
            raise InputError(f"{name} must hold a dict; got {type(doc).__name__}.")

    parent = run_dir.parent
    tmp = Path(tempfile.mkdtemp(prefix=f".{run_dir.name}.tmp-{os.getpid()}-", dir=parent))
    old: Path | None = None
    try:
        for name, doc in docs.items():
            _write_json(tmp / name, doc)
        buf = io.StringIO()
        frame.to_csv(buf, index=False)
        _write_bytes(tmp / HISTORY, buf.getvalue())
        for name, data in extra.items():
            _write_bytes(tmp / name, data)
        save_file(tensors, str(tmp / MODEL), metadata={"format": "pt"})
        _fsync(tmp / MODEL)
        _write_json(tmp / MANIFEST, _manifest(tmp, [*REQUIRED_FILES, *extra]))
        _fsync(tmp)
        if replace:
            old = Path(tempfile.mkdtemp(prefix=f".{run_dir.name}.old-{os.getpid()}-",
                                        dir=parent))
            os.rmdir(old)
            os.rename(run_dir, old)
        try:
            os.rename(tmp, run_dir)
        except BaseException:
            if old is not None:
                os.rename(old, run_dir)
                old = None
            raise
        _fsync(parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return run_dir


def _manifest(directory: Path, names: list[str]) -> dict[str, Any]:
    """The manifest of ``names`` (files in ``directory``)."""
    files = {}
    for name in sorted(names):
        sha, size = _sha256(directory / name)
        files[name] = {"sha256": sha, "bytes": size}
    return {"format": FORMAT, "format_version": FORMAT_VERSION,
            "seqguard_version": _version(), "files": files}


def update_run(run_dir: str | os.PathLike[str], files: Mapping[str, Any]) -> Path:
    """Add or replace files of an existing, intact run and refresh its manifest.

    For commands that work on a saved run (``report`` writes ``report.html``,
    ``diagnose`` rewrites ``diagnosis.json``). The run is verified first. Each file is
    written to a temporary name and renamed into place; the manifest is rewritten
    last, so an interrupted update leaves a run that :func:`load_run` refuses (a
    checksum mismatch naming the file) rather than one silently inconsistent.

    Parameters
    ----------
    run_dir : path
    files : dict of str to (dict | bytes | str)
        A dict is written as JSON (only for names ending in ``.json``); bytes/str as is.
        ``model.safetensors``, ``history.csv`` and ``MANIFEST.json`` cannot be replaced
        this way: save a new run.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ArtifactError
        The run fails verification, or a JSON value cannot be written.
    InputError
        A file name that is not allowed.
    """
    run_dir = Path(run_dir)
    manifest = _manifest_or_raise(run_dir)
    frozen = {MODEL, HISTORY, MANIFEST}
    for name, data in files.items():
        if name in frozen:
            raise InputError(f"update_run cannot replace {name!r}; save a new run with "
                             "save_run instead.")
        if isinstance(data, dict) and not str(name).endswith(".json"):
            raise InputError(f"{name!r}: a dict can only be written to a .json file.")
    _check_extra_names({k: (v if not isinstance(v, dict) else "")
                        for k, v in files.items() if k not in JSON_FILES})
    written: list[Path] = []
    try:
        for name, data in files.items():
            part = run_dir / f".{name}.tmp-{os.getpid()}"
            written.append(part)
            if isinstance(data, dict):
                _write_json(part, data, name)
            else:
                _write_bytes(part, data)
        for name in files:
            os.replace(run_dir / f".{name}.tmp-{os.getpid()}", run_dir / name)
    except BaseException:
        for p in written:
            with contextlib.suppress(OSError):
                p.unlink()
        raise
    names = sorted({*manifest["files"], *files})
    part = run_dir / f".{MANIFEST}.tmp-{os.getpid()}"
    try:
        _write_json(part, _manifest(run_dir, names), MANIFEST)
        os.replace(part, run_dir / MANIFEST)
    except BaseException:
        with contextlib.suppress(OSError):
            part.unlink()
        raise
    _fsync(run_dir)
    return run_dir


# ----------------------------------------------------------------- verify / load
def _read_manifest(run_dir: Path) -> tuple[dict[str, Any] | None, list[str]]:
    """Parse and check MANIFEST.json; return (manifest or None, problems)."""
    where = str(run_dir)
    m, problem = None, None
    if not run_dir.exists():
        problem = (f"run directory {where!r} does not exist. Check the path, or fit a "
                   "model with `seqguard fit ... --out` first.")
    elif not run_dir.is_dir():
        problem = (f"{where!r} is not a directory; a run is a directory written by "
                   "`seqguard fit`.")
    elif not (run_dir / MANIFEST).is_file():
        problem = (f"{MANIFEST} is missing in {where!r}: it is not a seqguard run "
                   "directory, or it was not written completely. Refit.")
    else:
        try:
            with open(run_dir / MANIFEST, encoding="utf-8") as f:
                m = json.load(f)
        except (OSError, ValueError) as e:
            problem = (f"{MANIFEST} in {where!r} cannot be read ({e}). Refit, or restore "
                       "the file.")
    if problem is not None:
        return None, [problem]
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        got = m.get("format") if isinstance(m, dict) else type(m).__name__
        problem = (f"{MANIFEST} in {where!r} does not describe a seqguard run (format "
                   f"{got!r}, expected {FORMAT!r}).")
        return None, [problem]
    fv = m.get("format_version")
    if isinstance(fv, bool) or not isinstance(fv, int):
        problem = (f"{MANIFEST} in {where!r} has format_version {fv!r}; expected an "
                   "integer. Refit with this seqguard version.")
    elif fv != FORMAT_VERSION:
        newer = "a newer" if fv > FORMAT_VERSION else "an older"
        problem = (f"{where!r} is run format version {fv} (written by seqguard "
                   f"{m.get('seqguard_version', '?')}), but this seqguard {_version()} "
                   f"reads version {FORMAT_VERSION} only: it comes from {newer} "
                   "seqguard. Install a matching seqguard version, or refit.")
    elif not isinstance(m.get("files"), dict):
        problem = f"{MANIFEST} in {where!r} has no 'files' table. Refit."
    if problem is not None:
        return None, [problem]
    return m, []


def _check_files(run_dir: Path, m: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    files: dict[str, Any] = m["files"]
    where = str(run_dir)
    for name in REQUIRED_FILES:
        if name not in files:
            problems.append(f"{MANIFEST} in {where!r} does not list {name}; the run is "
                            "incomplete. Refit.")
    for name in sorted(files):
        entry = files[name]
        if (not isinstance(name, str) or "/" in name or "\\" in name
                or name in ("", ".", "..", MANIFEST)):
            problems.append(f"{MANIFEST} in {where!r} lists an invalid file name {name!r}. "
                            "Refit.")
            continue
        path = run_dir / name
        if not path.is_file():
            problems.append(f"{name} is missing from run directory {where!r}. Restore the "
                            "file, or refit.")
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
            problems.append(f"{MANIFEST} in {where!r} has no SHA-256 for {name}. Refit.")
            continue
        sha, size = _sha256(path)
        if sha != entry["sha256"] or (entry.get("bytes") is not None
                                      and size != entry["bytes"]):
            problems.append(f"{name} was altered after it was written (SHA-256 mismatch) "
                            f"in run directory {where!r}. Refit, or restore the file.")
    return problems


def _manifest_or_raise(run_dir: Path) -> dict[str, Any]:
    m, problems = _read_manifest(run_dir)
    if m is not None:
        problems = _check_files(run_dir, m)
    if m is None or problems:
        more = (f" ({len(problems) - 1} more problem(s); `seqguard verify` / verify_run "
                "lists them)") if len(problems) > 1 else ""
        raise ArtifactError(problems[0] + more)
    return m


def _load_json(run_dir: Path, name: str) -> dict[str, Any]:
    try:
        with open(run_dir / name, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise ArtifactError(f"{name} in run directory {str(run_dir)!r} cannot be read "
                            f"({e}). Refit, or restore the file.") from None
    if not isinstance(doc, dict):
        raise ArtifactError(f"{name} in run directory {str(run_dir)!r} holds a "
                            f"{type(doc).__name__}, not a JSON object. Refit.")
    return doc


def _load_weights(run_dir: Path) -> dict[str, torch.Tensor]:
    try:
        tensors = load_file(str(run_dir / MODEL), device="cpu")
    except _READ_ERRORS as e:
        raise ArtifactError(f"{MODEL} in run directory {str(run_dir)!r} cannot be read "
                            f"({type(e).__name__}: {e}). Refit, or restore the file."
                            ) from None
    bad = [k for k, t in tensors.items()
           if (t.is_floating_point() or t.is_complex()) and not bool(torch.isfinite(t).all())]
    if bad:
        raise ArtifactError(f"{MODEL} in run directory {str(run_dir)!r} holds non-finite "
                            f"weights (tensor {bad[0]!r}). Refit.")
    return dict(tensors)


def _load_history(run_dir: Path) -> pd.DataFrame:
    path = run_dir / HISTORY
    try:
        if not path.read_text(encoding="utf-8").strip():
            return pd.DataFrame()
        return pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as e:
        raise ArtifactError(f"{HISTORY} in run directory {str(run_dir)!r} cannot be read "
                            f"({e}). Refit, or restore the file.") from None


def _check_contents(run_dir: Path) -> list[str]:
    """Parse every file (after the checksums passed); return problems."""
    problems: list[str] = []
    for name in JSON_FILES:
        try:
            _load_json(run_dir, name)
        except ArtifactError as e:
            problems.append(str(e))
    try:
        with safe_open(str(run_dir / MODEL), framework="pt") as f:
            for key in f.keys():  # noqa: SIM118 - safe_open has no __iter__
                f.get_slice(key)
    except _READ_ERRORS as e:
        problems.append(f"{MODEL} in run directory {str(run_dir)!r} cannot be read "
                        f"({type(e).__name__}: {e}). Refit, or restore the file.")
    try:
        _load_history(run_dir)
    except ArtifactError as e:
        problems.append(str(e))
    return problems


def verify_run(run_dir: str | os.PathLike[str]) -> list[str]:
    """Check a run directory without loading the model; list the problems found.

    Checks the manifest (format and version), that every required file is listed and
    present, every listed file's SHA-256 and size, and then that each file parses
    (JSON, the safetensors header, the CSV).

    Parameters
    ----------
    run_dir : path

    Returns
    -------
    list of str
        One sentence per problem, naming the file and the fix; empty when the run is
        intact.
    """
    run_dir = Path(run_dir)
    m, problems = _read_manifest(run_dir)
    if m is None:
        return problems
    problems = _check_files(run_dir, m)
    if problems:
        return problems
    return _check_contents(run_dir)


def load_run(run_dir: str | os.PathLike[str]) -> Run:
    """Verify and load a run directory.

    The manifest is checked first (format version, every file present, SHA-256);
    weights are read with ``safetensors.torch.load_file`` and JSON with ``json.load``
    (data formats only: loading a run never runs code from it).

    Parameters
    ----------
    run_dir : path

    Returns
    -------
    Run

    Raises
    ------
    ArtifactError
        A missing, altered or unreadable file (named), or a run written with another
        format version (both versions named).
    """
    run_dir = Path(run_dir)
    m = _manifest_or_raise(run_dir)
    docs = {name: _load_json(run_dir, name) for name in JSON_FILES}
    return Run(
        state_dict=_load_weights(run_dir),
        pipeline=docs["pipeline.json"],
        metrics=docs["metrics.json"],
        history=_load_history(run_dir),
        audit=docs["audit.json"],
        diagnosis=docs["diagnosis.json"],
        path=run_dir,
        manifest=m,
    )



# ----------------------------------------------------------------- ensembles
def member_weights_name(k: int) -> str:
    """The weights file of ensemble member ``k`` >= 1 (member 0: ``model.safetensors``)."""
    return f"model.{int(k)}.safetensors"


def member_history_name(k: int) -> str:
    """The training log of ensemble member ``k`` >= 1 (member 0: ``history.csv``)."""
    return f"history.{int(k)}.csv"


def member_files(state_dicts: list[Mapping[str, torch.Tensor]],
                 histories: list[pd.DataFrame | list[dict[str, Any]] | None]
                 ) -> dict[str, bytes | str]:
    """The extra files of ensemble members 1..K-1, for ``save_run(extra_files=...)``.

    Weights are safetensors bytes (finite only, as ``model.safetensors``), logs CSV.
    """
    from safetensors.torch import save

    out: dict[str, bytes | str] = {}
    for k, sd in enumerate(state_dicts, start=1):
        out[member_weights_name(k)] = save(_check_state_dict(sd), metadata={"format": "pt"})
        history = histories[k - 1] if k - 1 < len(histories) else None
        buf = io.StringIO()
        _history_frame(history).to_csv(buf, index=False)
        out[member_history_name(k)] = buf.getvalue()
    return out


def load_member(run: Run, k: int) -> tuple[dict[str, torch.Tensor], pd.DataFrame]:
    """Weights and training log of ensemble member ``k`` >= 1 of a loaded run.

    Raises
    ------
    ArtifactError
        The member's weights are not listed in the manifest (checked, with their
        SHA-256, by :func:`load_run`), cannot be read or are not finite.
    """
    name = member_weights_name(k)
    if name not in run.manifest.get("files", {}):
        raise ArtifactError(f"{name} is missing from run directory {str(run.path)!r} "
                            f"(pipeline.json says the run is an ensemble with member {k}). "
                            "Refit, or restore the file.")
    try:
        tensors = load_file(str(run.path / name), device="cpu")
    except _READ_ERRORS as e:
        raise ArtifactError(f"{name} in run directory {str(run.path)!r} cannot be read "
                            f"({type(e).__name__}: {e}). Refit, or restore the file."
                            ) from None
    if any((t.is_floating_point() or t.is_complex()) and not bool(torch.isfinite(t).all())
           for t in tensors.values()):
        raise ArtifactError(f"{name} in run directory {str(run.path)!r} holds non-finite "
                            "weights. Refit.")
    history = pd.DataFrame()
    path = run.path / member_history_name(k)
    if path.is_file() and path.read_text(encoding="utf-8").strip():
        history = pd.read_csv(path)
    return dict(tensors), history
