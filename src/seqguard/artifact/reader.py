"""Reading a run directory: :class:`Run`, :func:`load_run` and :func:`verify_run`.

The manifest is checked before anything else is read; weights are read with
safetensors and JSON with ``json.load`` only, so loading a run never runs code.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from safetensors import safe_open

from ..errors import ArtifactError
from ..findings import upgrade_findings
from .layout import HISTORY, JSON_FILES, MODEL
from .manifest import _check_files, _manifest_or_raise, _read_manifest
from .weights import _READ_ERRORS, read_weights


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
    """One JSON file of the run, which must hold an object."""
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
    """``model.safetensors`` on the CPU (finite tensors only)."""
    return read_weights(run_dir / MODEL, run_dir, MODEL)


def _load_history(run_dir: Path) -> pd.DataFrame:
    """``history.csv`` (an empty frame when training logged nothing)."""
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

    Checks that the folder holds plain files only (no symbolic link), the manifest
    (format and version), that every required file is listed and
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
    from ..run_checks import check_entries

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
        audit=upgrade_findings(docs["audit.json"], nan_strings=True),
        diagnosis=upgrade_findings(docs["diagnosis.json"]),
        path=run_dir,
        manifest=m,
    )
