"""Missing values of one column: ``missing_values`` (inputs), ``target_missing``,
``all_missing`` and ``leading_missing``.

Counts, share, the leading and trailing runs and the longest inner gap per series
(:func:`~seqguard.audit.statistics._runs`). Below
:data:`~seqguard.audit.thresholds.MISSING_WARN_FRACTION` of the rows an input's
missing values are a note; a target with no observed value is an error. With several
series it also runs :func:`~seqguard.audit.series.series_missing`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .context import AuditContext
from .formatting import _count, _pct
from .series import series_missing
from .statistics import _runs
from .thresholds import MISSING_WARN_FRACTION, TARGET_MISSING_WARN_FRACTION


def missing(ctx: AuditContext, col: str, miss: np.ndarray) -> None:
    """The missing values of ``col`` (``miss`` is its missing mask); counts them for the
    summary."""
    n_miss = int(miss.sum())
    ctx.missing_counts[col] = n_miss
    if n_miss == 0 or ctx.n == 0:
        return
    is_target = col == ctx.target
    frac = n_miss / ctx.n
    runs = _runs(miss, ctx.starts, ctx.ends)
    observed = runs["observed"]
    lead = int(runs["leading"][observed].max()) if observed.any() else 0
    trail = int(runs["trailing"][observed].max()) if observed.any() else 0
    gap = runs["gap"]
    n_dead = int((~observed).sum())
    if ctx.multi:
        per = np.add.reduceat(miss.astype(np.int64), ctx.starts)
        series_missing(ctx, col, per / (ctx.ends - ctx.starts))

    ev: dict[str, Any] = {"count": n_miss, "fraction": round(frac, 6),
                          "leading_run": lead, "trailing_run": trail, "longest_gap": gap}
    if ctx.n_inserted:
        ev["inserted_rows"] = ctx.n_inserted
    if ctx.multi:
        ev["series_all_missing"] = n_dead

    if n_miss == ctx.n:
        if is_target:
            ctx.add("target_missing", "error", col,
                    f"The target {col!r} has no observed value in {ctx.n} rows.",
                    "Choose another --target, or check --na-values and the column "
                    "name: every value was read as missing.", **ev)
        else:
            ctx.add("all_missing", "warning", col,
                    f"Column {col!r} has no observed value in {ctx.n} rows.",
                    ctx.drop_fix(col) + " Or check --na-values.", **ev)
        return

    parts = [f"{_count(n_miss, 'missing value')} ({_pct(frac)})"]
    if ctx.n_inserted:
        parts[0] += f", {ctx.n_inserted} of them in inserted grid rows"
    if lead:
        parts.append(f"leading run of {_count(lead, 'missing value')}"
                     + (" (longest across series)" if ctx.multi else ""))
    if gap:
        parts.append(f"longest gap {gap} rows from {ctx.where(runs['gap_start'])}")
    if trail:
        parts.append(f"trailing run of {trail}")
    if n_dead:
        parts.append(f"{n_dead} series with no observed value")
    text = ", ".join(parts)
    if is_target:
        sev = "warning" if frac >= TARGET_MISSING_WARN_FRACTION else "info"
        ctx.add("target_missing", sev, col,
                f"The target {col!r} has {text}; missing targets are left out of "
                "the loss and the scores.",
                "Nothing to do for a few; if most are missing, check --na-values and "
                "--freq (a too fine grid inserts empty rows).", **ev)
    else:
        sev = "warning" if frac >= MISSING_WARN_FRACTION else "info"
        ctx.add("missing_values", sev, col, f"Column {col!r} has {text}.",
                "Keep the default --missing auto (observed-mask channels), or choose "
                "--missing indicators / --missing mask; drop a mostly empty column "
                "with --features.", **ev)
    if lead:
        i = int(runs["first_obs"][observed][np.argmax(runs["leading"][observed])])
        s_name = ctx.names[int(ctx.series_codes[i])] if ctx.multi else None
        ctx.add("leading_missing", "info", col,
                f"Column {col!r} starts with a leading run of {_count(lead, 'missing value')} "
                f"(first observed at {ctx.where(i)}); a past-only fill has nothing to "
                "carry forward there.",
                "Start the data at the first observed value, or keep the default "
                "--missing auto, which fills them with the training mean and marks "
                "them as not observed.", series=s_name,
                leading_run=lead, first_observed_row=i)
