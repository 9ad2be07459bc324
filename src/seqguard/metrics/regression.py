"""Regression scores over observed targets: MAE, RMSE, sMAPE, MASE, per step, and skill."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import InputError
from .values import _observed, _opt, _season

__all__ = ["mase_scale", "prediction_std_ratio", "regression_scores", "skill"]


def mase_scale(y_train: Any, season: int = 1) -> float | None:
    """In-sample MAE of the seasonal naive forecast on the training target.

    The mean of ``|y[t] - y[t - season]|`` over every pair where both values are
    observed, pooled over all series (each series paired only with itself).

    Parameters
    ----------
    y_train : array-like of shape (n,), or a list of such arrays (one per series)
        Training target in original units, NaN where missing. Pass a list when there
        are several series, so that no pair crosses from one series into the next.
    season : int
        Seasonal lag (1 = the naive, previous-step forecast).

    Returns
    -------
    float or None
        ``None`` when no pair is observed or the scale is 0 (MASE undefined).

    Examples
    --------
    >>> mase_scale([1.0, 3.0, np.nan, 4.0, 6.0])
    2.0
    >>> mase_scale([[1.0, 2.0], [10.0, 14.0]])
    2.5
    """
    m = _season(season)
    if isinstance(y_train, np.ndarray) and y_train.ndim == 1:
        series: Sequence[Any] = [y_train]
    elif isinstance(y_train, (list, tuple)) and y_train and np.ndim(y_train[0]) >= 1:
        series = y_train
    else:
        series = [y_train]
    total, count = 0.0, 0
    for k, s in enumerate(series):
        a = np.asarray(s, dtype=np.float64)
        if a.ndim != 1:
            raise InputError(f"y_train series {k} has shape {a.shape}; expected a 1-D "
                             "target array (pass a list of arrays for many series).")
        if len(a) <= m:
            continue
        d = np.abs(a[m:] - a[:-m])
        d = d[np.isfinite(d)]
        total += float(d.sum())
        count += int(d.size)
    if count == 0 or total == 0.0:
        return None
    return total / count


def regression_scores(y_true: Any, y_pred: Any, *, y_train: Any = None,
                      season: int = 1) -> dict[str, Any]:
    """MAE, RMSE, sMAPE, MASE and per-step MAE/RMSE over observed targets.

    Parameters
    ----------
    y_true : array-like of shape (n_windows, horizon)
        Targets in original units, NaN where missing (masked out).
    y_pred : array-like of shape (n_windows, horizon)
        Predictions in original units; must be finite wherever the target is observed.
    y_train : array-like or list of array-like, optional
        Training target series for the MASE scale (see :func:`mase_scale`);
        ``mase`` is ``None`` without it.
    season : int
        Seasonal lag of the MASE scale.

    Returns
    -------
    dict
        ``mae``, ``rmse``; ``smape`` in percent (0..200), the mean of
        ``200·|y−ŷ| / (|y|+|ŷ|)`` with a term counted as 0 when both are 0; ``mase``
        (``mae`` / :func:`mase_scale`, ``None`` when not computable); ``by_horizon``:
        ``[{"h": 1, "mae": ..., "rmse": ...}, ...]`` (``None`` for a step with no
        observed target); ``n_observed``.

    Raises
    ------
    InputError
        Shapes differ, no observed target, or a non-finite prediction at an observed
        target.

    Examples
    --------
    >>> s = regression_scores([[1.0, np.nan], [3.0, 4.0]], [[2.0, 9.0], [3.0, 2.0]])
    >>> s["mae"], s["by_horizon"][1]
    (1.0, {'h': 2, 'mae': 2.0, 'rmse': 2.0})
    """
    y, p, mask = _observed(y_true, y_pred)
    err = np.where(mask, p - y, 0.0)
    ae = np.abs(err)
    n = int(mask.sum())
    mae = float(ae.sum() / n)
    rmse = math.sqrt(float((err * err).sum() / n))
    denom = np.abs(np.where(mask, y, 0.0)) + np.abs(np.where(mask, p, 0.0))
    terms = np.divide(200.0 * ae, denom, out=np.zeros_like(ae), where=denom > 0)
    smape = float(terms.sum() / n)
    scale = None if y_train is None else mase_scale(y_train, season)
    mase = None if scale is None else _opt(mae / scale)
    per = mask.sum(axis=0)
    by_h: list[dict[str, Any]] = []
    for h in range(y.shape[1]):
        if per[h] == 0:
            by_h.append({"h": h + 1, "mae": None, "rmse": None})
            continue
        by_h.append({"h": h + 1, "mae": float(ae[:, h].sum() / per[h]),
                     "rmse": math.sqrt(float((err[:, h] ** 2).sum() / per[h]))})
    return {"mae": mae, "rmse": rmse, "smape": smape, "mase": mase, "by_horizon": by_h,
            "n_observed": n}


def prediction_std_ratio(y_true: Any, y_pred: Any) -> float | None:
    """std(predictions) / std(observed targets), both at observed target positions.

    Population standard deviations (``ddof=0``). Near 0 means the model predicts
    (almost) a constant.

    Returns
    -------
    float or None
        Exactly ``0.0`` when the predictions at observed positions are constant;
        otherwise ``None`` when the observed targets are constant (ratio undefined).

    Examples
    --------
    >>> prediction_std_ratio([[1.0, 3.0]], [[2.0, 2.0]])
    0.0
    >>> prediction_std_ratio([[1.0, np.nan, 3.0]], [[0.0, 7.0, 4.0]])
    2.0
    """
    y, p, mask = _observed(y_true, y_pred)
    pv, yv = p[mask], y[mask]
    if np.ptp(pv) == 0:
        return 0.0
    sy = float(np.std(yv, ddof=0))
    if np.ptp(yv) == 0 or sy == 0.0:
        return None
    return _opt(float(np.std(pv, ddof=0)) / sy)


def skill(mae: float | None, mae_ref: float | None) -> float | None:
    """Skill score ``1 - mae / mae_ref`` (1 perfect, 0 as good as the reference).

    ``None`` when either is ``None``/non-finite or ``mae_ref`` is 0.

    Examples
    --------
    >>> skill(5.0, 10.0)
    0.5
    """
    if mae is None or mae_ref is None:
        return None
    a, b = float(mae), float(mae_ref)
    if not (math.isfinite(a) and math.isfinite(b)) or b == 0.0:
        return None
    return _opt(1.0 - a / b)
