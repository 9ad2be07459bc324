"""A column with a single value (``constant_column``; ``target_constant`` for the target),
and a column dominated by one value (``near_constant``).

A constant target is an error (there is nothing to learn); a constant input is a
warning (it carries no information); a nearly constant one is a warning from
:data:`~seqguard.audit.thresholds.NEAR_CONSTANT_WARN` of the values, else a note.
"""

from __future__ import annotations

import math

import numpy as np

from .context import AuditContext
from .formatting import _count, _num, _pct
from .statistics import _Shape
from .thresholds import NEAR_CONSTANT_INFO, NEAR_CONSTANT_WARN


def constant_numeric(ctx: AuditContext, col: str, lo_v: float, n_fin: int) -> None:
    """The numeric column ``col`` takes the single value ``lo_v`` in ``n_fin`` rows."""
    if col == ctx.target:
        ctx.add("target_constant", "error", col,
                f"The target {col!r} takes a single value ({_num(lo_v)}) in all "
                f"{_count(n_fin, 'observed row')}; there is nothing to learn.",
                "Choose another --target, or check the rows kept by the read "
                "options.", value=lo_v, count=n_fin)
    else:
        ctx.add("constant_column", "warning", col,
                f"Column {col!r} takes a single value ({_num(lo_v)}) in all "
                f"{_count(n_fin, 'observed row')}.", ctx.drop_fix(col),
                value=lo_v, count=n_fin)


def constant_categorical(ctx: AuditContext, col: str, value: str, n_obs: int) -> None:
    """The categorical column ``col`` takes the single value ``value`` in ``n_obs`` rows."""
    if col == ctx.target:
        ctx.add("target_constant", "error", col,
                f"The target {col!r} has a single class ({value!r}) in all "
                f"{n_obs} observed rows; there is nothing to learn.",
                "Choose another --target, or check the rows kept by the read "
                "options.", value=value, count=n_obs)
    else:
        ctx.add("constant_column", "warning", col,
                f"Column {col!r} takes a single value ({value!r}) in all {n_obs} "
                "observed rows.", ctx.drop_fix(col), value=value, count=n_obs)


def near_constant(ctx: AuditContext, col: str, fin: np.ndarray, sh: _Shape) -> None:
    """One value is most of the finite values ``fin``, or the relative spread is below 1e-8."""
    is_target = col == ctx.target
    top = int(np.argmax(sh.counts))
    top_v = float(sh.values[top])
    share, n_top = 0.0, 0
    if sh.counts[top] >= NEAR_CONSTANT_INFO * sh.sorted.size:
        n_top = int((fin == top_v).sum())
        share = n_top / fin.size
    mean = float(fin.mean())
    rel = float(fin.std()) / abs(mean) if mean != 0 else math.inf
    if share >= NEAR_CONSTANT_INFO or rel < 1e-8:
        tiny = rel < 1e-8
        sev = "warning" if (tiny or share >= NEAR_CONSTANT_WARN) else "info"
        if tiny:
            msg = (f"Column {col!r} is nearly constant: its standard deviation is "
                   f"{rel:.2g} of its mean {_num(mean)}.")
        else:
            msg = (f"Column {col!r} is nearly constant: {_num(top_v)} is {_pct(share)} of "
                   f"its {fin.size} observed values "
                   f"({_count(fin.size - n_top, 'other value')}).")
        fix = "If it carries a rare but real signal, keep it; otherwise " + ctx.drop_fix_lower(col)
        if is_target:
            fix = "Check that this is the intended --target; a model will mostly predict that value."
        ctx.add("near_constant", sev, col, msg, fix, value=top_v,
                share=round(share, 6), relative_std=rel if math.isfinite(rel) else None)
