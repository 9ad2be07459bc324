"""Values far from the median of their column (``outliers``), by a robust z-score.

The z-score is ``|x - median| / (1.4826 MAD)``; values beyond
:data:`~seqguard.audit.thresholds.OUTLIER_Z` are outliers (sentinel values excluded).
A warning when they are frequent or extreme, else a note.
"""

from __future__ import annotations

import numpy as np

from .context import AuditContext
from .formatting import _count, _num, _pct
from .thresholds import OUTLIER_WARN_FRACTION, OUTLIER_WARN_Z, OUTLIER_Z


def outliers(ctx: AuditContext, col: str, x: np.ndarray, finite_mask: np.ndarray, qs: np.ndarray,
             med: float, sentinels: list[float]) -> None:
    """Values more than OUTLIER_Z robust sigmas (1.4826 MAD, from ``qs``) from the median."""
    sigma = 1.4826 * float(np.median(np.abs(qs - med)))
    if sigma <= 0:
        return  # dominated by one value: the robust z is undefined (see near_constant)
    limit = OUTLIER_Z * sigma
    dev = np.abs(x - med)                       # NaN stays NaN, inf stays inf
    out = dev > limit
    out &= finite_mask
    if sentinels:
        out &= ~np.isin(x, sentinels)
    n_out = int(out.sum())
    if not n_out:
        return
    n_obs = int(finite_mask.sum()) - (int(np.isin(x, sentinels).sum()) if sentinels else 0)
    i = int(np.argmax(np.where(out, dev, -1.0)))
    worst = float(x[i])
    z = float(dev[i] / sigma)
    frac = n_out / max(1, n_obs)
    tail = " (a heavy tail)" if frac >= 0.01 else ""
    heavy = frac >= OUTLIER_WARN_FRACTION or z >= OUTLIER_WARN_Z
    ctx.add("outliers", "warning" if heavy else "info", col,
            f"Column {col!r} has {_count(n_out, 'value')} ({_pct(frac)}) more than "
            f"{_num(OUTLIER_Z)} robust standard deviations from its median "
            f"{_num(med)}{tail}; the worst is {_num(worst)} ({z:.0f} sigma) at "
            f"{ctx.where(i)}.",
            "Use --scaler robust; if they are error codes, mark them with --na-values; "
            "check the source otherwise.",
            count=n_out, fraction=round(frac, 6), median=med,
            robust_sigma=sigma, worst_value=worst, worst_row=i, worst_z=round(z, 3))
