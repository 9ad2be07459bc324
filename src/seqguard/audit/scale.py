"""Scale checks over the input columns: ``scale_disparity`` (robust scales more than
:data:`~seqguard.audit.thresholds.SCALE_RATIO` apart) and ``large_values`` (typical values
so large that, fed unscaled, they saturate an LSTM's gates).

Both read the robust scale and magnitude :func:`~seqguard.audit.numeric.numeric_column`
left in the context, and skip row counters (``row_index``).
"""

from __future__ import annotations

import math

from .context import AuditContext
from .formatting import _num
from .thresholds import LARGE_VALUE, SCALE_RATIO


def scale_disparity(ctx: AuditContext) -> None:
    """Input columns whose robust scales (IQR) differ by more than ``SCALE_RATIO``."""
    scales = {c: s for c, s in ctx.scales.items()
              if c != ctx.target and s > 0 and math.isfinite(s)
              and not ctx.select_codes(c, {"row_index"})}
    if len(scales) < 2:
        return
    big = max(scales, key=scales.__getitem__)
    small = min(scales, key=scales.__getitem__)
    ratio = scales[big] / scales[small]
    if ratio <= SCALE_RATIO:
        return
    ctx.add("scale_disparity", "warning", None,
            f"Input scales differ by {ratio:.3g}x: {big!r} spreads over "
            f"{_num(scales[big])} (IQR) and {small!r} over {_num(scales[small])}.",
            "Keep a scaler (the default --scaler standard, or --scaler robust for "
            "heavy tails); never --scaler none with these inputs.",
            largest=big, largest_scale=scales[big], smallest=small,
            smallest_scale=scales[small], ratio=ratio)


def large_values(ctx: AuditContext) -> None:
    """Inputs whose typical values are so large that, fed raw, they saturate the gates.

    The default scaler turns them into z-scores; this warns before anyone trains
    with ``--scaler none`` (one such column is enough, unlike scale_disparity).
    """
    for col, mag in ctx.magnitudes.items():
        if col == ctx.target or mag < LARGE_VALUE or not math.isfinite(mag) \
                or ctx.select_codes(col, {"row_index"}):
            continue
        ctx.add("large_values", "warning", col,
                f"Column {col!r} has typical values of {_num(mag)} in magnitude (its "
                f"quartiles): fed to an LSTM unscaled, every gate saturates and the "
                "model learns nothing from it.",
                "Keep a scaler (the default --scaler standard, or --scaler robust for "
                "heavy tails); never --scaler none with this column.",
                magnitude=mag)
