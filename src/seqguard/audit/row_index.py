"""A column that counts rows (``row_index``): an id, not a measurement."""

from __future__ import annotations

import numpy as np

from .context import AuditContext
from .formatting import _num


def row_index(ctx: AuditContext, col: str, x: np.ndarray, n_fin: int) -> None:
    """A column that counts rows (1, 2, 3, ... in each series) is an id, not a measurement."""
    if n_fin != x.size or x.size < 10:
        return
    d = np.diff(x)
    if ctx.multi:
        d = d[ctx.series_codes[1:] == ctx.series_codes[:-1]]
    if d.size < 9:
        return
    step = float(d[0])
    if step == 0 or step != round(step) or x[0] != round(x[0]) or not np.all(d == step):
        return
    per = " within each series" if ctx.multi else ""
    ctx.add("row_index", "warning", col,
            f"Column {col!r} goes from {_num(x[0])} to {_num(x[-1])} in steps of "
            f"{_num(step)}{per}: it looks like a row number, not a measurement.",
            ctx.drop_fix(col), first=float(x[0]), step=step)
