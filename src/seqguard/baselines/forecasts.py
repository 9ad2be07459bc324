"""Forecast baselines: persistence, the training mean and seasonal naive.

Each reads the target only at or before a window's last input row and never before
its series start (the layout of :mod:`seqguard.layout`, whose
:func:`~seqguard.layout.last_observed_before` gives the persistence value).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from ..layout import last_observed_before
from .checks import _positive_int

__all__ = ["mean_baseline", "persistence", "seasonal_naive"]


def persistence(last: Any, horizon: int) -> np.ndarray:
    """Repeat the last observed target value over the horizon.

    Parameters
    ----------
    last : array-like of shape (n_windows,)
        Last observed target at or before each window's last input step (original
        units), e.g. the ``"last"`` of a forecast batch, inverse-scaled.
    horizon : int

    Returns
    -------
    ndarray of float64, shape (n_windows, horizon)

    Examples
    --------
    >>> persistence([1.0, 5.0], 3).tolist()
    [[1.0, 1.0, 1.0], [5.0, 5.0, 5.0]]
    """
    H = _positive_int("horizon", horizon)
    lv = np.asarray(last, dtype=np.float64)
    if lv.ndim != 1:
        raise InputError(f"last has shape {lv.shape}; expected (n_windows,).")
    return np.repeat(lv[:, None], H, axis=1)


def mean_baseline(train_mean: Any, n_windows: int, horizon: int) -> np.ndarray:
    """Predict the training mean of the target everywhere.

    Parameters
    ----------
    train_mean : float, or array-like of shape (n_windows,)
        Mean of the observed training target (one number, or one per window, e.g. the
        training mean of each window's series).
    n_windows, horizon : int

    Returns
    -------
    ndarray of float64, shape (n_windows, horizon)

    Examples
    --------
    >>> mean_baseline(2.5, 2, 2).tolist()
    [[2.5, 2.5], [2.5, 2.5]]
    """
    H = _positive_int("horizon", horizon)
    m = np.asarray(train_mean, dtype=np.float64)
    if m.ndim == 0:
        return np.full((int(n_windows), H), float(m))
    if m.shape != (int(n_windows),):
        raise InputError(f"train_mean has shape {m.shape}; expected a number or "
                         f"({int(n_windows)},), one per window.")
    return np.repeat(m[:, None], H, axis=1)


def seasonal_naive(y: Any, target_rows: Any, series_start: Any, season: int, *,
                   last: Any = None) -> np.ndarray:
    """Seasonal naive forecast: the value one season back, never from the future.

    For a window whose last input row is ``e = target_rows[i, 0] - 1`` and a target
    row ``r``, the forecast is ``y[r - k·season]`` with the smallest ``k >= 1`` such
    that ``r - k·season <= e`` (``k = ceil((r - e) / season)``): the latest value at
    the same phase of the season that the model could have seen. Where that row is
    before ``series_start`` or its value is missing, the forecast falls back to
    persistence (``last``). With ``season = 1`` this *is* persistence.

    Parameters
    ----------
    y : array-like of shape (n_rows,)
        Flat target in original units, NaN where missing.
    target_rows : array-like of int, shape (n_windows, horizon)
        Absolute target rows of each window, consecutive (``target_rows[i, h] =
        target_rows[i, 0] + h``), as :meth:`ForecastWindows.target_rows` gives.
    series_start : int or array-like of int, shape (n_windows,)
        First row of each window's series.
    season : int
        Season length in steps (see :func:`season_from_freq`).
    last : array-like of shape (n_windows,), optional
        Persistence value of each window (last observed target at or before ``e``);
        computed from ``y`` with :func:`last_observed_before` when ``None``.

    Returns
    -------
    ndarray of float64, shape (n_windows, horizon)
        NaN only where persistence too is undefined (no observed target in the
        series up to ``e``; forecast windows never include such a window).

    Raises
    ------
    InputError
        Bad shapes, rows outside ``y``, target rows not consecutive, or a window
        whose last input row is before its series start.

    Examples
    --------
    >>> y = np.array([10.0, 20.0, np.nan, 11.0, 21.0, 31.0, 12.0, 22.0, 32.0])
    >>> seasonal_naive(y, [[4, 5, 6, 7]], 0, season=3).tolist()  # y[2] missing: last
    [[20.0, 11.0, 11.0, 20.0]]
    """
    m = _positive_int("season", season)
    yy = np.asarray(y, dtype=np.float64)
    if yy.ndim != 1:
        raise InputError(f"y has shape {yy.shape}; expected the flat target (n_rows,).")
    tr = np.asarray(target_rows)
    if tr.ndim != 2:
        raise InputError(f"target_rows has shape {tr.shape}; expected (n_windows, "
                         "horizon).")
    if tr.size and tr.dtype.kind not in "iu":
        raise InputError(f"target_rows has dtype {tr.dtype}; expected integer rows.")
    tr = tr.astype(np.int64)
    n, H = tr.shape
    s0 = np.asarray(series_start, dtype=np.int64)
    if s0.ndim == 0:
        s0 = np.full(n, int(s0), dtype=np.int64)
    if s0.shape != (n,):
        raise InputError(f"series_start has shape {s0.shape}; expected a row number or "
                         f"({n},), one per window.")
    if n == 0:
        return np.empty((0, H))
    if tr.min() < 0 or tr.max() >= len(yy):
        raise InputError(f"target_rows hold {int(tr.min())}..{int(tr.max())}, outside y's "
                         f"{len(yy)} rows.")
    if H > 1 and np.any(np.diff(tr, axis=1) != 1):
        i = int(np.flatnonzero(np.any(np.diff(tr, axis=1) != 1, axis=1))[0])
        raise InputError(f"target_rows of window {i} are not consecutive rows "
                         f"({tr[i].tolist()}); pass ForecastWindows.target_rows().")
    e = tr[:, 0] - 1
    if np.any(e < s0):
        i = int(np.flatnonzero(e < s0)[0])
        raise InputError(f"window {i}: its last input row {int(e[i])} is before its series "
                         f"start {int(s0[i])}; a window needs at least one input row in "
                         "its own series.")
    if last is None:
        lv = last_observed_before(yy, e, s0)
    else:
        lv = np.asarray(last, dtype=np.float64)
        if lv.shape != (n,):
            raise InputError(f"last has shape {lv.shape}; expected ({n},).")
    k = -((e[:, None] - tr) // m)  # ceil((r - e) / m) >= 1 because r > e
    src = tr - k * m
    fallback = np.repeat(lv[:, None], H, axis=1)
    inside = src >= s0[:, None]
    vals = np.where(inside, yy[np.maximum(src, 0)], np.nan)
    return np.where(np.isnan(vals), fallback, vals)
