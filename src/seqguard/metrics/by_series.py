"""Per-series scores of a regression run: the ``by_series`` entry of metrics.json.

One global model over many series can beat the baselines on the totals while losing
on a few series; ``by_series`` shows them. Each entry scores one series on the same
targets as the totals (observed targets only, original units):

``series``
    The series name (text).
``n``
    Observed targets scored in that series.
``mae``, ``rmse``
    The model's scores on them.
``baseline``, ``baseline_mae``
    The run's best baseline (metrics.json ``best_baseline``, the lowest total MAE)
    and its MAE on the same targets of that series.
``skill``
    ``1 - mae / baseline_mae`` (``None`` when the baseline's MAE is 0 or missing).

Entries are sorted **worst first**: by ``skill`` ascending (the series where the
model loses most against the baseline the verdict uses come first), series without
a skill after every series with one, then by ``mae`` descending, then by name. A
skill compares like with like across series of different scales, which a raw MAE
does not. Because every target belongs to one series, the ``n``-weighted mean of the
entries' ``mae`` is the total ``test.mae``.

A run with one series has one entry; ``classify`` runs have no ``by_series`` (each
sequence is a series of its own).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import InputError
from .regression import skill

__all__ = ["series_entries", "sort_worst_first"]


def _codes(series: Any) -> tuple[list[str], np.ndarray]:
    """The distinct series names (in order of first appearance) and each row's code."""
    s = np.asarray(series, dtype=object).reshape(-1)
    if not len(s):
        return [], np.empty(0, dtype=np.int64)
    uniq, first, inverse = np.unique(s.astype(str), return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # code k: the k-th series to appear
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[order] = np.arange(len(uniq))
    return [str(uniq[k]) for k in order], rank[inverse.reshape(-1)]


def series_entries(y_true: Any, y_pred: Any, series: Any, baseline: str | None,
                   baseline_pred: Any = None) -> list[dict[str, Any]]:
    """The ``by_series`` entries (see the module docstring), worst first.

    One pass over the rows (sums per series with ``np.bincount``), so thousands of
    series cost about as much as one.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n, horizon) or (n,)
        Targets (NaN where missing) and predictions in original units, as given to
        :func:`~seqguard.metrics.regression_scores`; predictions must be finite where
        the target is observed.
    series : array-like of shape (n,)
        The series of each row of ``y_true``.
    baseline : str or None
        The name of the baseline each series is compared with (the run's
        ``best_baseline``).
    baseline_pred : array-like of the shape of ``y_true``, optional
        That baseline's forecasts; a series where one is not finite at an observed
        target has ``baseline_mae`` ``None``.

    Returns
    -------
    list of dict
        One entry per series with at least one observed target.

    Examples
    --------
    >>> e = series_entries([[1.0], [2.0], [4.0]], [[1.5], [2.0], [1.0]], ["a", "a", "b"],
    ...                    "mean", [[2.0], [3.0], [3.0]])
    >>> [(d["series"], d["n"], d["mae"], d["baseline_mae"], d["skill"]) for d in e]
    [('b', 1, 3.0, 1.0, -2.0), ('a', 2, 0.25, 1.0, 0.75)]
    """
    yt = np.asarray(y_true, dtype=np.float64)
    yp = np.asarray(y_pred, dtype=np.float64)
    if yt.ndim == 1:
        yt = yt[:, None]
    yp = yp.reshape(yt.shape)
    names, codes = _codes(series)
    if len(codes) != len(yt):
        raise InputError(f"series has {len(codes)} entries but y_true has {len(yt)} rows; "
                         "pass one series name per row.")
    k = len(names)
    mask = ~np.isnan(yt)
    if np.any(mask & ~np.isfinite(yp)):
        raise InputError("y_pred is not finite at an observed target; a model's "
                         "predictions must be finite where it is scored.")

    def sums(pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ok = mask & np.isfinite(pred)
        err = np.where(ok, np.nan_to_num(pred) - np.nan_to_num(yt), 0.0)
        ae = np.bincount(codes, weights=np.abs(err).sum(axis=1), minlength=k)
        se = np.bincount(codes, weights=(err * err).sum(axis=1), minlength=k)
        bad = np.bincount(codes, weights=(mask & ~ok).sum(axis=1), minlength=k) > 0
        return ae, se, bad

    n = np.bincount(codes, weights=mask.sum(axis=1), minlength=k).astype(np.int64)
    ae, se, _ = sums(yp)
    base_ae = base_bad = None
    if baseline is not None and baseline_pred is not None:
        bp = np.asarray(baseline_pred, dtype=np.float64).reshape(yt.shape)
        base_ae, _, base_bad = sums(bp)
    out = []
    for j, name in enumerate(names):
        if n[j] == 0:
            continue
        mae = float(ae[j] / n[j])
        ref = None
        if base_ae is not None and base_bad is not None and not base_bad[j]:
            ref = float(base_ae[j] / n[j])
        out.append({"series": name, "n": int(n[j]), "mae": mae,
                    "rmse": math.sqrt(float(se[j] / n[j])), "baseline": baseline,
                    "baseline_mae": ref, "skill": skill(mae, ref)})
    return sort_worst_first(out)


def sort_worst_first(entries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``entries`` sorted worst first: skill ascending (none last), MAE descending, name."""
    def key(e: Mapping[str, Any]) -> tuple[int, float, float, str]:
        sk = e.get("skill")
        mae = e.get("mae")
        has = sk is not None and math.isfinite(float(sk))
        return (0 if has else 1, float(sk) if sk is not None and has else 0.0,
                -float(mae) if mae is not None else 0.0, str(e.get("series")))

    return [dict(e) for e in sorted(entries, key=key)]
