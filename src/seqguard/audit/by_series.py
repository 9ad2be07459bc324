"""Per-series figures of the audit: the ``by_series`` entry of audit.json.

With more than one series, the audit gives for each series:

``series``
    Its name (text).
``rows``
    Its rows on the regular grid (inserted grid rows included).
``start``, ``end``
    Its first and last time stamp (text for dates, numbers for numeric time).
``target_missing``
    The share of its rows where the target is missing (``None`` without a target).
``missing``
    The share of its rows where each input column is missing (``{column: share}``).
``worst_input``
    The input column missing most often in it (``None`` when none is ever missing).
``short``
    ``True`` when it is shorter than :data:`~seqguard.audit.thresholds.SHORT_SERIES`
    of the median length (the series the ``short_series`` finding names).

Entries are sorted **worst first**: short series first, then by the share of the
target missing (descending), then by the share of the worst input missing
(descending), then by fewer rows, then by name. The text output shows the first
:data:`SHOWN` of them and counts the rest.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .context import AuditContext
from .thresholds import SHORT_SERIES

__all__ = ["SHOWN", "series_figures", "series_table_rows"]

#: Series the text output of the audit shows (the worst ones); the rest are counted.
SHOWN = 10


def _shares(miss: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    if not len(miss):
        return np.zeros(len(starts))
    return np.add.reduceat(miss.astype(np.int64), starts) / np.maximum(lengths, 1)


def _time(value: Any) -> Any:
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return value.item() if hasattr(value, "item") else value
    if isinstance(value, (np.datetime64, pd.Timestamp)):
        return str(pd.Timestamp(value))
    return str(value)


def series_figures(ctx: AuditContext) -> list[dict[str, Any]] | None:
    """The per-series figures of the table under audit, worst first (see the module
    docstring); ``None`` with a single series."""
    if not ctx.multi or not ctx.n:
        return None
    frame = ctx.table.frame
    starts = np.asarray(ctx.starts, dtype=np.int64)
    lengths = np.asarray(ctx.ends - ctx.starts, dtype=np.int64)
    med = float(np.median(lengths))
    short = lengths < SHORT_SERIES * med
    times = frame[ctx.table.time_col].to_numpy()
    target = None
    if ctx.target is not None and ctx.target in frame.columns:
        target = _shares(pd.isna(frame[ctx.target]).to_numpy(), starts, lengths)
    inputs = [c for c in ctx.features]
    shares = {c: _shares(pd.isna(frame[c]).to_numpy(), starts, lengths) for c in inputs}
    out = []
    for k, name in enumerate(ctx.names):
        miss = {c: round(float(shares[c][k]), 6) for c in inputs}
        worst = max(miss, key=lambda c: miss[c]) if miss else None
        out.append({
            "series": str(name), "rows": int(lengths[k]),
            "start": _time(times[starts[k]]), "end": _time(times[starts[k] + lengths[k] - 1]),
            "target_missing": None if target is None else round(float(target[k]), 6),
            "missing": miss,
            "worst_input": worst if worst is not None and miss[worst] > 0 else None,
            "short": bool(short[k]),
        })

    def key(e: dict[str, Any]) -> tuple[int, float, float, int, str]:
        worst = e["worst_input"]
        return (0 if e["short"] else 1, -(e["target_missing"] or 0.0),
                -(e["missing"][worst] if worst is not None else 0.0), e["rows"], e["series"])

    return sorted(out, key=key)


def series_table_rows(entries: list[dict[str, Any]], shown: int = SHOWN
                      ) -> tuple[list[list[str]], int]:
    """The text rows of the worst ``shown`` series (series, rows, span, target missing,
    worst input, short) and how many series are left out."""
    rows = []
    for e in entries[:shown]:
        worst = e.get("worst_input")
        tm = e.get("target_missing")
        rows.append([
            str(e["series"]), str(e["rows"]), f"{e['start']} .. {e['end']}",
            "-" if tm is None else f"{100 * tm:.1f}%",
            "-" if worst is None else f"{worst} {100 * e['missing'][worst]:.1f}%",
            "yes" if e.get("short") else "",
        ])
    return rows, max(len(entries) - shown, 0)
