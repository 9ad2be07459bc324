"""What a failed fit (exit 4) saves: :func:`failure_diagnosis`."""

from __future__ import annotations

from typing import Any

__all__ = ["failure_diagnosis"]


def failure_diagnosis(exc: BaseException) -> dict[str, Any]:
    """The ``diagnosis.json`` of a fit that raised ``exc`` (a
    :class:`~seqguard.errors.TrainingFailed`): its message, and the guards' findings,
    events and the per-epoch history it carries (empty lists when it carries none)."""
    result = getattr(exc, "result", None)
    history = getattr(result, "history", None)
    return {"error": str(exc),
            "findings": list(getattr(result, "findings", None) or []),
            "events": list(getattr(result, "events", None) or []),
            "history": history.to_dict("records") if history is not None else []}
