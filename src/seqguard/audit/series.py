"""Checks across series: ``series_missing`` (a column much more often missing in a
few series) and ``short_series`` (series too short to give windows)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .context import AuditContext
from .formatting import _num, _pct
from .thresholds import SERIES_BAD_MISSING, SERIES_MISSING_MARGIN, SHORT_SERIES


def _some_series(ctx: AuditContext, order: np.ndarray,
                 detail: Callable[[int], str]) -> tuple[str, dict[str, Any]]:
    """The series ``order`` (indices, in the order to show) for a message: the first
    five with their ``detail`` and how many more; and the evidence that names them
    (``series`` when there is only one, ``series_names``: the first 20)."""
    names = [ctx.names[i] for i in order]
    shown = ", ".join(f"{ctx.names[i]!r} ({detail(i)})" for i in order[:5])
    more = f" and {len(order) - 5} more" if len(order) > 5 else ""
    return shown + more, {"series": names[0] if len(names) == 1 else None,
                          "series_names": names[:20]}


def series_missing(ctx: AuditContext, col: str, fracs: np.ndarray) -> None:
    """Series where ``col`` is missing far more often (``fracs``: share per series)."""
    med = float(np.median(fracs))
    bad = np.flatnonzero((fracs >= SERIES_BAD_MISSING)
                         & (fracs >= med + SERIES_MISSING_MARGIN))
    if not bad.size:
        return
    order = bad[np.argsort(-fracs[bad], kind="stable")]
    shown, where = _some_series(ctx, order, lambda i: _pct(fracs[i]))
    ctx.add("series_missing", "warning", col,
            f"Column {col!r} is much more often missing in {len(order)} series than "
            f"in the others (median {_pct(med)}): {shown}.",
            "Check those series at the source; drop them from the data, or keep "
            "--missing auto so the model sees the mask.",
            **where, missing_fraction=[round(float(fracs[i]), 6) for i in order[:20]],
            median_fraction=round(med, 6))


def short_series(ctx: AuditContext) -> None:
    """Series shorter than ``SHORT_SERIES`` of the median length."""
    lengths = ctx.ends - ctx.starts
    med = float(np.median(lengths))
    short = np.flatnonzero(lengths < SHORT_SERIES * med)
    if not short.size:
        return
    shown, where = _some_series(ctx, short, lambda i: f"{int(lengths[i])} rows")
    ctx.add("short_series", "info", None,
            f"{len(short)} series are shorter than {_pct(SHORT_SERIES)} of the median "
            f"length ({_num(med)} rows): {shown}.",
            "Series shorter than --input-len plus --horizon give no window; drop them "
            "or lower --input-len.",
            **where, lengths=[int(lengths[i]) for i in short[:20]], median_length=med)
