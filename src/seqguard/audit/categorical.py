"""The checks of one categorical (text) column: missing values, a single value,
``high_cardinality`` and ``unit_suffix`` (numbers written with a unit, "23.1 °C")."""

from __future__ import annotations

import pandas as pd

from .constant import constant_categorical
from .context import AuditContext
from .formatting import _pct
from .missing import missing
from .thresholds import HIGH_CARDINALITY, QUANTILE_SAMPLE


def categorical_column(ctx: AuditContext, col: str) -> None:
    """Every check of the categorical column ``col``."""
    s = ctx.table.frame[col]
    miss = s.isna().to_numpy(dtype=bool)
    missing(ctx, col, miss)
    n_obs = int(miss.size - miss.sum())
    if n_obs == 0:
        return
    nun = int(s.nunique(dropna=True))
    is_target = col == ctx.target
    if nun == 1:
        constant_categorical(ctx, col, str(s[~miss].iloc[0]), n_obs)
        return
    if is_target:
        return
    if unit_suffix(ctx, col, s, nun):
        return
    if nun > HIGH_CARDINALITY or (n_obs >= 20 and nun > 0.5 * n_obs):
        ctx.add("high_cardinality", "warning", col,
                f"Categorical column {col!r} has {nun} distinct values in {n_obs} "
                f"observed rows ({_pct(nun / n_obs)}); most categories are too rare "
                "to learn from.",
                "If it names the series, pass it as --series-col; if it is an id or "
                "free text, " + ctx.drop_fix_lower(col),
                distinct=nun, observed=n_obs, fraction=round(nun / n_obs, 6))


def unit_suffix(ctx: AuditContext, col: str, s: pd.Series, nun: int) -> bool:
    """A text column of numbers written with a unit ("23.1 °C"): say how to read it."""
    from ..number_text import unit_of

    values = s.dropna().drop_duplicates()
    found = unit_of(values.iloc[:QUANTILE_SAMPLE].astype("string"))
    if found is None:
        return False
    unit, examples = found
    ctx.add("unit_suffix", "warning", col,
            f"Column {col!r} holds numbers written with the unit {unit!r} (e.g. "
            f"{', '.join(repr(e) for e in examples)}); read as text it is a category "
            f"with {nun} values.",
            f"Pass --strip-units {col} to read it as numbers (the unit is removed and "
            "recorded).", unit=unit, examples=examples, distinct=nun)
    return True
