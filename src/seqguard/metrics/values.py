"""Plain JSON-safe numbers, and the checks every regression score makes of its input.

NaN and infinity become ``None`` (:func:`json_safe`); a regression pair is two float64
``(n_windows, horizon)`` arrays and the mask of its observed targets (:func:`_observed`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import InputError

__all__ = ["json_safe"]


def json_safe(value: Any) -> Any:
    """Turn numpy scalars/arrays into plain Python; NaN and ±inf into ``None``.

    The one strict-JSON encoder, :func:`seqguard._serialize.json_value`.

    Examples
    --------
    >>> json_safe({"a": np.float32(1.5), "b": [float("nan"), np.int64(2)]})
    {'a': 1.5, 'b': [None, 2]}
    """
    from .._serialize import json_value

    return json_value(value)


def _opt(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _as_2d(name: str, a: Any) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise InputError(f"{name} has shape {arr.shape}; expected (n_windows, horizon).")
    return arr


def _observed(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate a regression pair; return (y, p, mask) as float64 2-D arrays."""
    y = _as_2d("y_true", y_true)
    p = _as_2d("y_pred", y_pred)
    if y.shape != p.shape:
        raise InputError(f"y_true has shape {y.shape} but y_pred has shape {p.shape}; "
                         "pass one prediction per target.")
    if np.isinf(y).any():
        raise InputError("y_true holds infinite values; targets must be finite or NaN "
                         "(missing).")
    mask = ~np.isnan(y)
    if not mask.any():
        raise InputError("y_true has no observed target (all NaN): there is nothing to "
                         "score. Check the test part and the target column.")
    bad = mask & ~np.isfinite(p)
    if bad.any():
        w, h = np.argwhere(bad)[0]
        raise InputError(
            f"y_pred has {int(bad.sum())} non-finite value(s) at observed targets (first: "
            f"window {int(w)}, step h={int(h) + 1}: {p[w, h]}). The model produced NaN/inf; "
            "run `seqguard diagnose` on the run directory."
        )
    return y, p, mask


def _season(season: Any) -> int:
    if isinstance(season, bool) or not isinstance(season, (int, np.integer)) or season < 1:
        raise InputError(f"The 'season' parameter must be an integer >= 1. Got {season!r} "
                         "instead.")
    return int(season)
