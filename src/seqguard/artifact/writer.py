"""Writing a run directory: :func:`save_run` (all or nothing) and :func:`update_run`."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from safetensors.torch import save_file

from ..errors import InputError
from .files import _fsync, _write_bytes, _write_json
from .layout import HISTORY, JSON_FILES, MANIFEST, MODEL, REQUIRED_FILES
from .manifest import _manifest, _manifest_or_raise
from .target import check_target, folder_state, foreign_entries
from .weights import _check_state_dict


def _history_frame(history: pd.DataFrame | list[dict[str, Any]] | None) -> pd.DataFrame:
    """The training log as a DataFrame (``None``: empty)."""
    if history is None:
        return pd.DataFrame()
    if isinstance(history, pd.DataFrame):
        return history
    if isinstance(history, list) and all(isinstance(r, Mapping) for r in history):
        return pd.DataFrame(list(history))
    raise InputError(f"history must be a pandas DataFrame or a list of dicts (one per "
                     f"epoch); got {type(history).__name__}.")


def _check_extra_names(extra_files: Mapping[str, Any]) -> None:
    """Extra files must be plain, non-hidden names that save_run does not write itself."""
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


def _check_target(run_dir: Path, overwrite: bool) -> bool:
    """Validate the output path (:func:`~seqguard.artifact.target.check_target`); return
    True when what is there must be replaced (an empty folder, or with ``overwrite`` a
    run or a failed fit's folder)."""
    if check_target(run_dir, overwrite=overwrite) != "missing":
        return True
    if not run_dir.parent.is_dir():
        raise InputError(f"cannot write the run to {str(run_dir)!r}: its parent folder "
                         f"{str(run_dir.parent)!r} does not exist. Create it first.")
    return False


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
        JSON data; NaN and inf are written as ``null``, numpy numbers as numbers.
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
        Non-finite weights (naming the tensor) or a value that is not JSON (naming the
        file); nothing is written.
    InputError
        ``run_dir`` is unusable: a non-empty directory that is not a run, an existing
        run without ``overwrite``, a file, or a missing parent.

    Examples
    --------
    >>> import tempfile, torch
    >>> from seqguard.artifact import load_run, verify_run
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
        # mkdtemp makes the folder private (0700); a run directory is meant to be shared,
        # so it gets the permissions any new folder gets here (the umask's)
        umask = os.umask(0o022)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)
        for name, doc in docs.items():
            _write_json(tmp / name, doc)
        buf = io.StringIO()
        frame.to_csv(buf, index=False)
        _write_bytes(tmp / HISTORY, buf.getvalue())
        for name, data in extra.items():
            _write_bytes(tmp / name, data)
        save_file(tensors, str(tmp / MODEL), metadata={"format": "pt"})
        os.chmod(tmp / MODEL, 0o666 & ~umask)  # safetensors writes it private (0600)
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


# ----------------------------------------------------------------- a failed fit
def save_failed(run_dir: str | os.PathLike[str], diagnosis: dict[str, Any]) -> Path:
    """Save the diagnosis of a failed fit (exit 4) where the run would have gone.

    ``run_dir`` missing, empty, or holding an earlier failed fit: ``diagnosis.json`` is
    written there (a stale ``report.html`` beside it removed). ``run_dir`` holding a
    finished run: that run is kept as it is, and the diagnosis goes to the sibling
    ``<run_dir>.failed`` instead, so a failed retrain loses nothing.

    Returns
    -------
    pathlib.Path
        The folder that holds the new ``diagnosis.json``.

    Raises
    ------
    InputError
        The folder holds files that are not seqguard's, or is not a folder.
    """
    run_dir = Path(run_dir)
    folder = run_dir
    if folder_state(run_dir) == "run":
        folder = run_dir.with_name(run_dir.name + ".failed")
    state = folder_state(folder)
    if state in ("foreign", "file", "run"):
        raise InputError(f"cannot save the diagnosis of the failed fit to {str(folder)!r}: "
                         f"it holds {foreign_entries(folder) if state != 'file' else 'a file'}"
                         ". Choose another --out.")
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        (folder / "report.html").unlink()
    part = folder / f".diagnosis.json.tmp-{os.getpid()}"
    try:
        _write_json(part, diagnosis, name="diagnosis.json")
        os.replace(part, folder / "diagnosis.json")
    except BaseException:
        with contextlib.suppress(OSError):
            part.unlink()
        raise
    _fsync(folder)
    return folder
