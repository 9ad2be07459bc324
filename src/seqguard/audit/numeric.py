"""The checks of one numeric column, in order, and the infinite-value check.

:func:`numeric_column` runs, for one column: missing values
(:mod:`~seqguard.audit.missing`), infinite values (here), a single value
(:mod:`~seqguard.audit.constant`), values standing in for missing data
(:mod:`~seqguard.audit.sentinels`), a dominant value (``near_constant``), outliers
(:mod:`~seqguard.audit.outliers`) and, for inputs, a row counter
(:mod:`~seqguard.audit.row_index`). It records the column's robust scale and
typical magnitude for :mod:`~seqguard.audit.scale`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .constant import constant_numeric, near_constant
from .context import AuditContext
from .formatting import _count
from .missing import missing
from .outliers import outliers
from .row_index import row_index
from .sentinels import find_sentinels
from .statistics import _shape


def numeric_column(ctx: AuditContext, col: str) -> None:
    """Every check of the numeric column ``col``."""
    x = ctx.table.frame[col].to_numpy(dtype=np.float64, copy=False)
    nan = np.isnan(x)
    missing(ctx, col, nan)
    is_target = col == ctx.target
    finite_mask = np.isfinite(x)
    n_fin = int(finite_mask.sum())
    if infinite_values(ctx, col, x, nan, finite_mask):
        return
    if n_fin == 0:
        return
    fin = x[finite_mask] if n_fin < x.size else x
    lo_v, hi_v = float(fin.min()), float(fin.max())
    if lo_v == hi_v:
        constant_numeric(ctx, col, lo_v, n_fin)
        return

    # Quantiles (median, IQR, MAD) and modes of columns longer than
    # QUANTILE_SAMPLE come from a fixed random sample: exact enough for
    # thresholds of 10 IQR, and it keeps the audit cheaper than reading the file.
    sh = _shape(fin)
    sentinels = find_sentinels(ctx, col, fin, sh, lo_v, hi_v)
    if sentinels:
        fin = fin[~np.isin(fin, sentinels)]
        if fin.size == 0:
            return
        sh = _shape(fin)
    med = sh.med
    ctx.scales[col] = sh.scale
    ctx.magnitudes[col] = max(abs(sh.q1), abs(sh.q3))
    near_constant(ctx, col, fin, sh)
    outliers(ctx, col, x, finite_mask, sh.sorted, med, sentinels)
    if not is_target:
        row_index(ctx, col, x, n_fin)


def infinite_values(ctx: AuditContext, col: str, x: np.ndarray, nan: np.ndarray,
                    finite_mask: np.ndarray) -> bool:
    """``infinite_values``: +inf / -inf in a column; ``True`` when nothing finite is left
    of the target (an error: the other checks have nothing to look at)."""
    is_target = col == ctx.target
    n_fin = int(finite_mask.sum())
    n_inf = int(x.size - n_fin - nan.sum())
    if not n_inf:
        return False
    n_pos = int(np.isposinf(x).sum())
    i = int(np.argmax(np.isinf(x)))
    ev: dict[str, Any] = {"count": n_inf, "positive": n_pos,
                          "negative": n_inf - n_pos, "first_row": i}
    if is_target and n_fin == 0:
        ctx.add("infinite_values", "error", col,
                f"The target {col!r} has no finite value: {n_inf} values are "
                f"infinite ({n_pos} +inf, {n_inf - n_pos} -inf).",
                "Fix the source (often a division by zero or a log of 0), or "
                "choose another --target.", **ev)
        return True
    ctx.add("infinite_values", "warning", col,
            f"Column {col!r} has {_count(n_inf, 'infinite value')} ({n_pos} +inf, "
            f"{n_inf - n_pos} -inf), first at {ctx.where(i)}; they are treated as "
            "missing.",
            "Fix the source (often a division by zero or a log of 0); seqguard "
            "treats them as missing, which --missing decides how to fill.", **ev)
    return False
