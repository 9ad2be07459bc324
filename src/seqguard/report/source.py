"""What a report is built from: a run directory's files, read even when some are missing.

A complete run is read with :func:`seqguard.artifact.load_run` (verified against its
MANIFEST). A folder that is not a complete run, such as the one a failed fit (exit 4)
leaves with only ``diagnosis.json``, is read file by file through
:func:`seqguard.run_checks.read_run_file` (plain files only, bounded size and JSON
depth); what is absent is listed so the page can say so.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ArtifactError

__all__ = ["RunView", "from_run", "read_folder"]

RUN_FILES = ("pipeline.json", "metrics.json", "history.csv", "audit.json", "diagnosis.json",
             "model.safetensors")


@dataclass
class RunView:
    """The parts of a run a report reads; ``None`` where the file is absent."""

    path: Path | None
    pipeline: dict[str, Any] | None = None
    metrics: dict[str, Any] | None = None
    history: pd.DataFrame | None = None
    audit: dict[str, Any] | None = None
    diagnosis: dict[str, Any] | None = None
    verified: bool = False
    missing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """A failed fit's folder: a diagnosis with an error and no metrics."""
        return self.metrics is None and bool((self.diagnosis or {}).get("error"))

    @property
    def events(self) -> list[dict[str, Any]]:
        return [e for e in (self.diagnosis or {}).get("events", []) or []
                if isinstance(e, dict)]

    @property
    def target(self) -> str | None:
        for src in (self.metrics, (self.audit or {}).get("summary"),
                    (self.pipeline or {}).get("params")):
            if isinstance(src, dict) and src.get("target") is not None:
                return str(src["target"])
        return None

    @property
    def task(self) -> str | None:
        if self.metrics and self.metrics.get("task"):
            return str(self.metrics["task"])
        pipe = ((self.pipeline or {}).get("pipeline") or {}).get("params") or {}
        return pipe.get("task") or (self.pipeline or {}).get("model", {}).get("task")

    @property
    def pipeline_state(self) -> dict[str, Any]:
        """The fitted pipeline's saved state (``pipeline.json`` → pipeline → state)."""
        st = ((self.pipeline or {}).get("pipeline") or {}).get("state")
        return st if isinstance(st, dict) else {}

    def state(self, name: str) -> dict[str, Any]:
        """The saved state of pipeline step ``name`` (``split_``, ``missing_``, ...)."""
        st = self.pipeline_state.get(name)
        if isinstance(st, dict):
            inner = st.get("state")
            return dict(inner) if isinstance(inner, dict) else dict(st)
        return {}


def from_run(run: Any) -> RunView:
    """A :class:`RunView` of a loaded :class:`~seqguard.artifact.Run`."""
    if isinstance(run, RunView):
        return run
    return RunView(path=Path(run.path), pipeline=run.pipeline, metrics=run.metrics,
                   history=run.history, audit=run.audit, diagnosis=run.diagnosis,
                   verified=True)


def _json(folder: Path, name: str) -> dict[str, Any]:
    from ..run_checks import LIMITS, json_depth, read_run_file

    text = read_run_file(folder, name).decode("utf-8", errors="replace")
    if json_depth(text) > LIMITS["json_depth"]:
        raise ArtifactError(f"{folder / name}: nested deeper than {LIMITS['json_depth']}.")
    try:
        value = json.loads(text)
    except ValueError as e:
        raise ArtifactError(f"{folder / name} is not valid JSON ({e}).") from None
    if not isinstance(value, dict):
        raise ArtifactError(f"{folder / name} does not hold a JSON object.")
    return value


def read_folder(run_dir: str | Path) -> RunView:
    """Read ``run_dir`` as a verified run, or else file by file (see module docstring)."""
    from ..artifact import load_run
    from ..run_checks import read_run_file

    folder = Path(run_dir)
    if not folder.is_dir():
        raise ArtifactError(f"{str(folder)!r} is not a directory; pass a run directory "
                            "written by `seqguard fit`.")
    try:
        return from_run(load_run(folder))
    except ArtifactError as e:
        first_problem = str(e)
    view = RunView(path=folder, problems=[first_problem])
    for name in RUN_FILES:
        if not (folder / name).exists():
            view.missing.append(name)
            continue
        if name == "model.safetensors":
            continue
        try:
            if name == "history.csv":
                raw = read_run_file(folder, name)
                view.history = pd.read_csv(io.BytesIO(raw)) if raw.strip() else pd.DataFrame()
            else:
                setattr(view, name.removesuffix(".json"), _json(folder, name))
        except (ArtifactError, ValueError, pd.errors.ParserError) as err:
            view.problems.append(str(err))
            view.missing.append(name)
    if view.history is None and view.diagnosis and view.diagnosis.get("history"):
        rows = [r for r in view.diagnosis["history"] if isinstance(r, dict)]
        view.history = pd.DataFrame(rows) if rows else None
    if all(getattr(view, k) is None for k in ("pipeline", "metrics", "audit", "diagnosis")):
        raise ArtifactError(f"{str(folder)!r} holds none of a run's files (pipeline.json, "
                            "metrics.json, audit.json, diagnosis.json). Pass a run directory "
                            "written by `seqguard fit`.")
    return view
