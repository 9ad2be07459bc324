"""The ``baselines`` entry of metrics.json: every baseline scored on the model's windows."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from ..layout import last_observed_before
from ..metrics import regression_scores
from .forecasts import mean_baseline, persistence, seasonal_naive

__all__ = ["baseline_forecasts", "baseline_scores", "tag_baseline_forecasts",
           "tag_baseline_scores"]


def baseline_scores(y_true: Any, *, y: Any, target_rows: Any, series_start: Any,
                    season: int, train_mean: Any, last: Any = None,
                    climatology: Any = None) -> dict[str, dict[str, Any]]:
    """Score persistence, seasonal naive, climatology and mean on the test windows.

    Parameters
    ----------
    y_true : array-like of shape (n_windows, horizon)
        Test targets in original units, NaN where missing.
    y : array-like of shape (n_rows,)
        Flat target in original units, NaN where missing.
    target_rows : array-like of int, shape (n_windows, horizon)
        Absolute target rows of each test window.
    series_start : int or array-like of int, shape (n_windows,)
        First row of each window's series.
    season : int
        Season length in steps.
    train_mean : float or array-like of shape (n_windows,)
        Training mean of the target (see :func:`mean_baseline`).
    last : array-like of shape (n_windows,), optional
        Persistence value of each window; computed from ``y`` when ``None``.
    climatology : array-like of shape (n_windows, horizon), optional
        The climatology forecast of each target (:meth:`Climatology.predict` on the
        target rows' time stamps); without it there is no ``climatology`` entry.

    Returns
    -------
    dict
        ``{"persistence": {"mae", "rmse", "by_horizon"}, "seasonal_naive": {...,
        "season"}, "climatology": {...}, "mean": {...}}``, the ``baselines`` entry of
        metrics.json (``by_horizon`` as in :func:`seqguard.metrics.regression_scores`).

    Examples
    --------
    >>> y = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    >>> s = baseline_scores([[4.0, 5.0]], y=y, target_rows=[[3, 4]], series_start=0,
    ...                     season=1, train_mean=2.0)
    >>> s["persistence"]["mae"], s["mean"]["by_horizon"]
    (1.5, [{'h': 1, 'mae': 2.0, 'rmse': 2.0}, {'h': 2, 'mae': 3.0, 'rmse': 3.0}])
    """
    yt = np.asarray(y_true, dtype=np.float64)
    if yt.ndim == 1:
        yt = yt[:, None]
    preds = baseline_forecasts(yt, y=y, target_rows=target_rows, series_start=series_start,
                               season=season, train_mean=train_mean, last=last,
                               climatology=climatology)
    out = {name: _scores_of(yt, p) for name, p in preds.items()}
    out["seasonal_naive"]["season"] = int(season)
    if "climatology" in out:
        out["climatology"]["season"] = int(season)
    return out


def baseline_forecasts(y_true: Any, *, y: Any, target_rows: Any, series_start: Any,
                       season: int, train_mean: Any, last: Any = None,
                       climatology: Any = None) -> dict[str, np.ndarray]:
    """The forecasts :func:`baseline_scores` scores: ``{name: (n_windows, horizon)}``
    (same parameters), so that they can be scored on any subset of the windows (per
    series: :mod:`seqguard.metrics.by_series`)."""
    yt = np.asarray(y_true, dtype=np.float64)
    if yt.ndim == 1:
        yt = yt[:, None]
    tr = np.asarray(target_rows)
    if tr.shape != yt.shape:
        raise InputError(f"target_rows has shape {tr.shape} but y_true has shape "
                         f"{yt.shape}; pass one row number per target.")
    n, H = yt.shape
    sn = seasonal_naive(y, tr, series_start, season, last=last)
    if last is None:
        s0 = np.broadcast_to(np.asarray(series_start, dtype=np.int64), (n,))
        last = last_observed_before(y, tr[:, 0] - 1, s0)
    preds = {
        "persistence": persistence(last, H),
        "seasonal_naive": sn,
    }
    if climatology is not None:
        clim = np.asarray(climatology, dtype=np.float64).reshape(-1, H) if yt.size else \
            np.empty((0, H))
        if clim.shape != yt.shape:
            raise InputError(f"climatology has shape {clim.shape}; expected {yt.shape}, "
                             "one forecast per target.")
        preds["climatology"] = clim
    preds["mean"] = mean_baseline(train_mean, n, H)
    return preds


def _scores_of(y_true: np.ndarray, pred: np.ndarray, by_horizon: bool = True
               ) -> dict[str, Any]:
    """MAE, RMSE (and per step) of one baseline; ``None`` where it is not finite."""
    mask = ~np.isnan(y_true)
    if np.any(mask & ~np.isfinite(pred)):
        per = [{"h": h + 1, "mae": None, "rmse": None} for h in range(y_true.shape[1])]
        return {"mae": None, "rmse": None, "by_horizon": per if by_horizon else None}
    s = regression_scores(y_true, pred)
    return {"mae": s["mae"], "rmse": s["rmse"],
            "by_horizon": s["by_horizon"] if by_horizon else None}


def tag_baseline_scores(y_true: Any, *, train_mean: float, climatology: Any = None
                        ) -> dict[str, dict[str, Any]]:
    """Score the baselines of sequence tagging: climatology and the training mean.

    A tagger never reads the target (at a step it is the answer), so a baseline that
    reads earlier targets (persistence, seasonal naive) would use information the
    model does not have; tagging is compared with the baselines that read only the
    training targets: the ``climatology`` (the training mean at the step's season
    position, which depends only on its time stamp) and the ``mean``. There is no
    horizon, so ``by_horizon`` is ``None``, as in the model's ``test`` entry.

    Parameters
    ----------
    y_true : array-like of shape (n_steps,)
        Scored targets in original units, NaN where missing.
    train_mean : float
        Mean of the observed training target.
    climatology : array-like of shape (n_steps,), optional
        The climatology forecast of each step (:meth:`Climatology.predict`); without
        it there is no ``climatology`` entry.

    Returns
    -------
    dict
        ``{"climatology": {"mae", "rmse", "by_horizon"}, "mean": {...}}``, the
        ``baselines`` entry of a tag metrics.json.

    Examples
    --------
    >>> tag_baseline_scores([1.0, np.nan, 3.0], train_mean=2.0)
    {'mean': {'mae': 1.0, 'rmse': 1.0, 'by_horizon': None}}
    """
    yt = np.asarray(y_true, dtype=np.float64).reshape(-1, 1)
    preds = tag_baseline_forecasts(yt, train_mean=train_mean, climatology=climatology)
    return {name: _scores_of(yt, p, by_horizon=False) for name, p in preds.items()}


def tag_baseline_forecasts(y_true: Any, *, train_mean: float, climatology: Any = None
                           ) -> dict[str, np.ndarray]:
    """The forecasts :func:`tag_baseline_scores` scores: ``{name: (n_steps, 1)}``."""
    yt = np.asarray(y_true, dtype=np.float64).reshape(-1, 1)
    out: dict[str, np.ndarray] = {}
    if climatology is not None:
        clim = np.asarray(climatology, dtype=np.float64).reshape(-1, 1)
        if clim.shape != yt.shape:
            raise InputError(f"climatology has {clim.shape[0]} values; expected "
                             f"{yt.shape[0]}, one per step.")
        out["climatology"] = clim
    out["mean"] = mean_baseline(float(train_mean), len(yt), 1)
    return out
