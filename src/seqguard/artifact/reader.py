"""Reading a run directory: :class:`Run`, :func:`load_run` and :func:`verify_run`.

The manifest is checked before anything else is read; weights are read with
safetensors and JSON with ``json.loads`` only, so loading a run never runs code.
Every file is read through :func:`seqguard.run_checks.read_run_file` (never through
a symbolic link, bounded in size); a JSON file's nesting is bounded before it is
parsed, its saved arrays checked (:func:`~seqguard.run_checks.check_arrays`) and
its fields' types checked (:func:`seqguard.run_schema.check_document`) before
anything uses it.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from ..errors import ArtifactError
from ..findings import upgrade_findings
from ..run_checks import LIMITS, check_arrays, check_entries, json_depth, read_run_file
from ..run_schema import check_document
from .layout import HISTORY, JSON_FILES, MODEL
from .manifest import _check_files, _manifest_or_raise, _read_manifest
from .weights import read_weights


@dataclass
class Run:
    """A loaded run directory.

    Attributes
    ----------
    state_dict : dict of str to Tensor
        Model weights (CPU).
    pipeline, metrics, audit, diagnosis : dict
        The JSON files (the findings of audit and diagnosis in today's codes, see
        :func:`seqguard.findings.upgrade_findings`).
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


def _load_json(run_dir: Path, name: str) -> dict[str, Any]:
    """One JSON file of the run, which must hold an object of the expected shape."""
    where = f"{name} in run directory {str(run_dir)!r}"
    data = read_run_file(run_dir, name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ArtifactError(f"{where} is not UTF-8 text (byte {e.start}). Refit, or "
                            "restore the file.") from None
    depth = json_depth(text)
    if depth > LIMITS["json_depth"]:
        raise ArtifactError(f"{where} is nested {depth:,} levels deep, more than the "
                            f"{LIMITS['json_depth']} a run file may have. Refit.")
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise ArtifactError(f"{where} cannot be read ({e}). Refit, or restore the "
                            "file.") from None
    if not isinstance(doc, dict):
        raise ArtifactError(f"{where} holds a {type(doc).__name__}, not a JSON object. "
                            "Refit.")
    check_arrays(doc, where)
    check_document(name, doc, where)
    return doc


def _load_weights(run_dir: Path) -> dict[str, torch.Tensor]:
    """``model.safetensors`` on the CPU (finite tensors only)."""
    return read_weights(run_dir, MODEL)


def read_history(run_dir: Path, name: str = HISTORY) -> pd.DataFrame:
    """A training log of the run (``history.csv``; an empty frame when training logged
    nothing), read through :func:`~seqguard.run_checks.read_run_file` (bounded)."""
    data = read_run_file(run_dir, name)
    if not data.strip():
        return pd.DataFrame()
    try:
        return pd.read_csv(io.BytesIO(data))
    except (ValueError, pd.errors.ParserError) as e:
        raise ArtifactError(f"{name} in run directory {str(run_dir)!r} cannot be read "
                            f"({e}). Refit, or restore the file.") from None


def _check_contents(run_dir: Path) -> list[str]:
    """Parse every file (after the checksums passed); return problems."""
    problems: list[str] = []
    for name in JSON_FILES:
        try:
            _load_json(run_dir, name)
        except ArtifactError as e:
            problems.append(str(e))
    for read in (_load_weights, read_history):
        try:
            read(run_dir)
        except ArtifactError as e:
            problems.append(str(e))
    return problems


def verify_run(run_dir: str | os.PathLike[str]) -> list[str]:
    """Check a run directory without loading the model; list the problems found.

    Checks that the folder holds plain files only (no symbolic link), the manifest
    (format and version), that every required file is listed and
    present, every listed file's SHA-256 and size, and then that each file parses
    (JSON with its depth, arrays and field types, the weights, the CSV).

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
    links = check_entries(run_dir) if run_dir.is_dir() else []
    m, problems = _read_manifest(run_dir)
    if m is None:
        return links + problems
    problems = links + _check_files(run_dir, m)
    if problems:
        return problems
    return _check_contents(run_dir)


def load_run(run_dir: str | os.PathLike[str]) -> Run:
    """Verify and load a run directory.

    The folder must hold plain files only (a symbolic link is refused, never
    followed); the manifest is checked next (format version, every file present,
    SHA-256); weights are read with safetensors (from bytes) and JSON with
    ``json.loads`` (data formats only: loading a run never runs code from it), each
    JSON file's depth, arrays and field types checked before it is returned.

    Parameters
    ----------
    run_dir : path

    Returns
    -------
    Run

    Raises
    ------
    ArtifactError
        A missing, altered, linked, oversized or unreadable file, a field of the wrong
        type (file and field named), or a run written with another format version
        (both versions named).
    """
    run_dir = Path(run_dir)
    m = _manifest_or_raise(run_dir)
    docs = {name: _load_json(run_dir, name) for name in JSON_FILES}
    return Run(
        state_dict=_load_weights(run_dir),
        pipeline=docs["pipeline.json"],
        metrics=docs["metrics.json"],
        history=read_history(run_dir),
        audit=upgrade_findings(docs["audit.json"], nan_strings=True),
        diagnosis=upgrade_findings(docs["diagnosis.json"]),
        path=run_dir,
        manifest=m,
    )
