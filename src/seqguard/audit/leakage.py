"""Leakage checks against the target: ``leakage_correlated`` (an input that is the
target at the same time in another form, |r| > :data:`~seqguard.audit.thresholds.LEAK_CORR`)
and ``leakage_shifted_target`` (an input equal to the target k steps in the future).

Both run on a fixed random sample first and confirm on all rows only what the sample
flags, so they cost little on long tables.
"""

from __future__ import annotations

import numpy as np

from .context import AuditContext
from .formatting import _pct
from .statistics import _close, _corr
from .thresholds import LEAK_CORR, LEAK_MATCH, LEAK_MAX_SHIFT, LEAK_SAMPLE, SAMPLE


def leakage(ctx: AuditContext) -> None:
    """``leakage_correlated`` and ``leakage_shifted_target`` for every numeric input."""
    t = ctx.table
    tgt = ctx.target
    assert tgt is not None
    y = t.frame[tgt].to_numpy(np.float64, copy=False)
    feats = [c for c in t.numeric if c != tgt and not ctx.select_codes(
        c, {"constant_column", "all_missing"})]
    if not feats or ctx.n < 3:
        return
    rng = np.random.default_rng(0)
    idx = np.sort(rng.integers(0, ctx.n, min(ctx.n, SAMPLE)))
    y_s = y[idx]
    lengths = ctx.ends - ctx.starts
    max_k = int(min(LEAK_MAX_SHIFT, lengths.max() - 1))
    # Future targets y[i + k] at a fixed sample of rows i, shared by every feature.
    base = np.sort(rng.integers(0, ctx.n, min(ctx.n, LEAK_SAMPLE)))
    ks = np.arange(1, max_k + 1)
    j = np.minimum(base[None, :] + ks[:, None], ctx.n - 1)        # (K, B)
    y_future = y[j]
    valid = ((base[None, :] + ks[:, None] < ctx.n)
             & (ctx.series_codes[base][None, :] == ctx.series_codes[j]) & np.isfinite(y_future))
    y_future = np.where(valid, y_future, 0.0)
    for col in feats:
        x = t.frame[col].to_numpy(np.float64, copy=False)
        r = _corr(x[idx], y_s)
        if r is not None and abs(r) > 0.99:
            r = _corr(x, y)
        if r is not None and abs(r) > LEAK_CORR:
            ctx.add("leakage_correlated", "warning", col,
                    f"Column {col!r} is almost perfectly correlated with the target "
                    f"{tgt!r} at the same time (r = {r:.6f}); it is probably the "
                    "target in another form.",
                    "Check how it is measured; if it is known only with the target, "
                    + ctx.drop_fix_lower(col),
                    correlation=round(r, 8), lag=0)
            continue
        found = shifted_match(ctx, x, y, base, ks, valid, y_future)
        if found is not None:
            k, frac = found
            ctx.add("leakage_shifted_target", "warning", col,
                    f"Column {col!r} equals the target {tgt!r} {k} steps in the future "
                    f"in {_pct(frac)} of the rows where both are observed: it leaks "
                    "the answer.",
                    ctx.drop_fix(col) + " (Or shift it back by "
                    f"{k} steps at the source.)", shift=k, match_fraction=round(frac, 6))


def shifted_match(ctx: AuditContext, x: np.ndarray, y: np.ndarray, base: np.ndarray, ks: np.ndarray,
                  valid: np.ndarray, y_future: np.ndarray) -> tuple[int, float] | None:
    """The smallest k with x[t] == y[t + k] on >= 95% of rows (sample, then all rows).

    ``y_future[m, b]`` is ``y[base[b] + ks[m]]`` where ``valid`` (same series, finite).
    """
    xb = x[base]
    fx = np.isfinite(xb)
    ok = valid & fx[None, :]
    eq = ok & _close(np.where(fx, xb, 0.0)[None, :], y_future)
    n_ok = ok.sum(axis=1)
    n_eq = eq.sum(axis=1)
    for m in np.flatnonzero((n_ok >= 20) & (n_eq >= LEAK_MATCH * n_ok)):
        k = int(ks[m])
        vals, cnt = np.unique(y_future[m][eq[m]], return_counts=True)
        if vals.size < 3 or cnt.max() > 0.5 * n_eq[m]:
            continue  # matches explained by one common value (e.g. mostly zeros)
        # confirm on all rows
        a, b = x[:-k], y[k:]
        keep = (ctx.series_codes[:-k] == ctx.series_codes[k:]) & np.isfinite(a) & np.isfinite(b)
        frac = float(_close(a[keep], b[keep]).mean())
        if frac >= LEAK_MATCH:
            return k, frac
    return None
