"""The sentinel check: numbers that stand for missing data (``sentinel_value``).

-200 in an air-quality export, -9999 in a weather file: a value repeated far outside
the typical range of the others (median ± :data:`~seqguard.audit.thresholds.RANGE_IQRS`
IQR), the single negative value of an otherwise non-negative column, or an extreme
value frequent enough to distort the quantiles. A candidate is reported only when it
is much more frequent than any other value of its tail (a heavy tail is not a marker),
and never for a flag or sign column (fewer than three other values). The fix names
``--na-values``.
"""

from __future__ import annotations

import math

import numpy as np

from .context import AuditContext
from .formatting import _num, _pct
from .statistics import _sample, _Shape, _shape
from .thresholds import (
    RANGE_IQRS,
    SENTINEL_DOMINANCE,
    SENTINEL_MIN_COUNT,
    SENTINEL_MIN_SHARE,
)


def find_sentinels(ctx: AuditContext, col: str, fin: np.ndarray, sh: _Shape, lo_v: float,
                   hi_v: float) -> list[float]:
    """Values standing in for missing data; adds one finding per value found."""
    n = fin.size
    med, scale, s_vals, s_counts = sh.med, sh.scale, sh.values, sh.counts
    min_count = max(SENTINEL_MIN_COUNT, math.ceil(SENTINEL_MIN_SHARE * n))
    cands: dict[float, str] = {}
    # (a) repeated values outside the typical range median ± 10 IQR
    lo, hi = med - RANGE_IQRS * scale, med + RANGE_IQRS * scale
    tail_mask = (fin < lo) | (fin > hi) if scale > 0 else np.zeros(n, bool)
    tail = fin[tail_mask] if scale > 0 else fin[:0]
    t_vals, t_counts = np.unique(_sample(tail, 200_000), return_counts=True) \
        if tail.size else (np.empty(0), np.empty(0, np.int64))
    if tail.size > 200_000:  # scale sample counts back up
        t_counts = np.round(t_counts * tail.size / 200_000).astype(np.int64)
    # only the most frequent tail value of each side can dominate its side
    for side in (t_vals < lo, t_vals > hi):
        if side.any():
            j = np.flatnonzero(side)[np.argmax(t_counts[side])]
            if t_counts[j] >= min_count:
                cands[float(t_vals[j])] = "range"
    # (b) the single negative value of an otherwise non-negative column
    if lo_v < 0:
        neg_hi = float(fin[fin < 0].max())
        if neg_hi == lo_v and lo_v == round(lo_v):
            cands.setdefault(lo_v, "negative")
    # (c) an extreme value frequent enough to distort the quantiles
    share = s_counts / max(1, s_counts.sum())
    for v in s_vals[share >= 0.1]:
        if v in (lo_v, hi_v):
            cands.setdefault(float(v), "extreme")

    found: list[float] = []
    for v, why in sorted(cands.items(), key=lambda kv: kv[0]):
        if v == 0 and lo_v >= 0:
            continue  # 0 at the floor of a non-negative column: a count, an off state
        is_v = fin == v
        c = int(is_v.sum())
        if c < min_count:
            continue
        rest = fin[~is_v]
        if rest.size < 3:
            continue
        rest_sh = _shape(rest)
        if rest_sh.values.size < 3:
            continue  # a flag or sign column (0/1, -1/+1, -1/0/1): values, not markers
        a, r_med, b, r_scale = rest_sh.q1, rest_sh.med, rest_sh.q3, rest_sh.scale
        if r_scale == 0:
            continue
        r_lo, r_hi = r_med - RANGE_IQRS * r_scale, r_med + RANGE_IQRS * r_scale
        if why == "negative":
            others = np.empty(0, np.int64)  # no other negative value by construction
        else:
            if r_lo <= v <= r_hi:
                continue
            if b == a:
                # the spread came from a fallback (one value dominates): also ask
                # for a clear gap, so a rare large count is not taken for a marker
                r_min, r_max = float(rest.min()), float(rest.max())
                gap = r_min - v if v < r_min else v - r_max
                if gap < 0.5 * (r_max - r_min):
                    continue
            side = rest[rest < r_lo] if v < r_lo else rest[rest > r_hi]
            others = np.unique(_sample(side, 200_000), return_counts=True)[1] \
                if side.size else np.empty(0, np.int64)
        m = int(others.max()) if others.size else 0
        if c < SENTINEL_DOMINANCE * m:
            continue  # a heavy tail, not a marker
        found.append(v)
        first = int(np.flatnonzero(ctx.table.frame[col].to_numpy(np.float64, copy=False)
                                   == v)[0])
        where = ("it is the only negative value of a column that is otherwise "
                 "non-negative" if why == "negative" else
                 f"far outside the typical range of the other values "
                 f"({_num(r_lo)} to {_num(r_hi)}, median ± {_num(RANGE_IQRS)} IQR)")
        ctx.add("sentinel_value", "warning", col,
                f"Column {col!r} holds the value {_num(v)} {c} times ({_pct(c / n)}); "
                f"{where}, so it probably stands for missing data (first at "
                f"{ctx.where(first)}).",
                f"Pass --na-values {_num(v)} to read it as missing.",
                value=v, count=c, fraction=round(c / n, 6), median=r_med,
                typical_low=r_lo, typical_high=r_hi, first_row=first,
                reason=why, next_most_frequent_tail_count=m)
        if len(found) >= 5:
            break
    if found:
        ctx.sentinels[col] = found
    return found
