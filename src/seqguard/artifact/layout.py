"""The names of the files in a run directory (see the package docstring)."""

from __future__ import annotations

FORMAT = "seqguard-run"
FORMAT_VERSION = 1
MANIFEST = "MANIFEST.json"
MODEL = "model.safetensors"
HISTORY = "history.csv"
#: JSON files every run has, with the argument of :func:`save_run` that fills them.
JSON_FILES = ("pipeline.json", "metrics.json", "audit.json", "diagnosis.json")
#: Every file a run directory must hold besides the manifest.
REQUIRED_FILES: tuple[str, ...] = (MODEL, *JSON_FILES, HISTORY)
#: What a failed fit (exit 4) leaves in its output folder, and nothing else.
FAILED_FILES = frozenset({"diagnosis.json", "report.html"})
_SORTED_JSON = {"pipeline.json", MANIFEST}
_CHUNK = 1 << 20


def member_weights_name(k: int) -> str:
    """The weights file of ensemble member ``k`` >= 1 (member 0: ``model.safetensors``)."""
    return f"model.{int(k)}.safetensors"


def member_history_name(k: int) -> str:
    """The training log of ensemble member ``k`` >= 1 (member 0: ``history.csv``)."""
    return f"history.{int(k)}.csv"
