"""A column with a single value (``constant_column``; ``target_constant`` for the target),
and a column dominated by one value (``near_constant``).

A constant target is an error (there is nothing to learn); a constant input is a
warning (it carries no information); a nearly constant one is a warning from
:data:`~seqguard.audit.thresholds.NEAR_CONSTANT_WARN` of the values, else a note.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .context import AuditContext
from .formatting import _count, _num, _pct
from .statistics import _Shape
from .thresholds import NEAR_CONSTANT_INFO, NEAR_CONSTANT_WARN


def _constant(ctx: AuditContext, col: str, value: Any, count: int, shown: str, rows: str,
              target_has: str) -> None:
    """``col`` takes the single ``value`` (``shown`` for people) in all ``count`` observed
    rows (``rows`` for people): an error for the target (it ``target_has`` one value),
    a warning for an input."""
    if col == ctx.target:
        ctx.add("target_constant", "error", col,
                f"The target {col!r} {target_has} ({shown}) in all {rows}; there is "
                "nothing to learn.",
                "Choose another --target, or check the rows kept by the read "
                "options.", value=value, count=count)
    else:
        ctx.add("constant_column", "warning", col,
                f"Column {col!r} takes a single value ({shown}) in all {rows}.",
                ctx.drop_fix(col), value=value, count=count)


def constant_numeric(ctx: AuditContext, col: str, lo_v: float, n_fin: int) -> None:
    """The numeric column ``col`` takes the single value ``lo_v`` in ``n_fin`` rows."""
    _constant(ctx, col, lo_v, n_fin, _num(lo_v), _count(n_fin, "observed row"),
              "takes a single value")


def constant_categorical(ctx: AuditContext, col: str, value: str, n_obs: int) -> None:
    """The categorical column ``col`` takes the single value ``value`` in ``n_obs`` rows."""
    _constant(ctx, col, value, n_obs, repr(value), f"{n_obs} observed rows",
              "has a single class")


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
