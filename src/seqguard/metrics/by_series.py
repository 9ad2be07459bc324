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
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import InputError
from .regression import regression_scores, skill

__all__ = ["group_rows", "series_entries", "sort_worst_first"]


def group_rows(series: Any) -> list[tuple[str, np.ndarray]]:
    """``(name, rows)`` of each distinct series in ``series`` (one name per window or
    step), in order of first appearance; ``rows`` index into ``series``."""
    s = np.asarray(series, dtype=object).reshape(-1)
    if not len(s):
        return []
    names = np.asarray([str(v) for v in s], dtype=object)
    uniq, first, inverse = np.unique(names, return_index=True, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    cuts = np.cumsum(np.bincount(inverse, minlength=len(uniq)))[:-1]
    groups = dict(zip(range(len(uniq)), np.split(order, cuts), strict=True))
    return [(str(uniq[k]), groups[k]) for k in np.argsort(first, kind="stable")]


def series_entries(y_true: Any, y_pred: Any, series: Any,
                   baseline: str | None,
                   baseline_mae: Callable[[str, np.ndarray], float | None] | None = None,
                   ) -> list[dict[str, Any]]:
    """The ``by_series`` entries (see the module docstring), worst first.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n, horizon) or (n,)
        Targets (NaN where missing) and predictions in original units, as given to
        :func:`~seqguard.metrics.regression_scores`.
    series : array-like of shape (n,)
        The series of each row of ``y_true``.
    baseline : str or None
        The baseline each series is compared with (the run's ``best_baseline``).
    baseline_mae : callable, optional
        ``baseline_mae(name, rows)``: that baseline's MAE on the rows ``rows`` of the
        series ``name`` (``None`` when it cannot be computed).

    Returns
    -------
    list of dict
        One entry per series with at least one observed target.

    Examples
    --------
    >>> e = series_entries([[1.0], [2.0], [4.0]], [[1.5], [2.0], [1.0]], ["a", "a", "b"],
    ...                    "mean", lambda name, rows: 1.0)
    >>> [(d["series"], d["n"], d["mae"], d["skill"]) for d in e]
    [('b', 1, 3.0, -2.0), ('a', 2, 0.25, 0.75)]
    """
    yt = np.asarray(y_true, dtype=np.float64)
    yp = np.asarray(y_pred, dtype=np.float64)
    if yt.ndim == 1:
        yt, yp = yt[:, None], yp.reshape(-1, 1)
    s = np.asarray(series, dtype=object).reshape(-1)
    if len(s) != len(yt):
        raise InputError(f"series has {len(s)} entries but y_true has {len(yt)} rows; pass "
                         "one series name per row.")
    out = []
    for name, rows in group_rows(s):
        n = int(np.isfinite(yt[rows]).sum())
        if n == 0:
            continue
        sc = regression_scores(yt[rows], yp[rows])
        ref = None if baseline is None or baseline_mae is None else baseline_mae(name, rows)
        out.append({"series": name, "n": n, "mae": sc["mae"], "rmse": sc["rmse"],
                    "baseline": baseline, "baseline_mae": ref,
                    "skill": skill(sc["mae"], ref)})
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
