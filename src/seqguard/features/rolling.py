"""Rolling statistics over the observed values of a trailing window: :class:`RollingStats`
(``--rolling``), exactly ``Series.rolling`` per series in pandas."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._fitting import unfitted_on_error
from .._floats import as_float64
from .._serialize import register
from ..errors import InputError, did_you_mean
from ._base import _check_column, _column_map, _FeatureStep, _int_list
from ._kernels import _block_rolling, _series_starts

ROLLING_STATS = ("mean", "std", "min", "max")


@register
class RollingStats(_FeatureStep):
    """Rolling statistics over the observed values of the last ``w`` rows of a series.

    Parameters
    ----------
    windows : dict
        ``{column: [w, ...]}`` window lengths in rows (grid steps), ``w >= 1``.
    stats : list of str, default ``["mean", "std", "min", "max"]``
        Which statistics; names ``{column}__r{stat}{w}``.
    min_periods : int, default 1
        Fewest observed values a window needs (capped at ``w``); fewer gives ``NaN``.
        ``std`` is the sample standard deviation and needs two.

    Attributes
    ----------
    windows_ : dict
        Validated ``{column: [w, ...]}``.
    stats_ : list of str
    feature_names_out_ : list of str
    """

    def __init__(self, windows: Mapping[str, Sequence[int]] | None = None,
                 stats: Sequence[str] = ROLLING_STATS, min_periods: int = 1) -> None:
        self.windows = windows
        self.stats = stats
        self.min_periods = min_periods

    @unfitted_on_error
    def fit(self, X: pd.DataFrame, y: Any = None, *, groups: Any = None) -> RollingStats:
        """Validate columns, windows and statistics."""
        self._record_columns(X)
        where = "RollingStats(windows=...)"
        windows: dict[str, list[int]] = {}
        for col, ws in _column_map(self.windows, where).items():
            c = _check_column(col, X, where)
            windows[c] = _int_list(ws, f"{where}, column {c!r}", "windows")
        stats = [self.stats] if isinstance(self.stats, str) else list(self.stats)
        if not stats:
            raise InputError("RollingStats(stats=...) is empty. Choose from mean, std, min, max.")
        for s in stats:
            if s not in ROLLING_STATS:
                raise InputError(
                    f"RollingStats(stats=...): unknown statistic {s!r}."
                    f"{did_you_mean(s, ROLLING_STATS)} Choose from mean, std, min, max.")
        mp = self.min_periods
        if isinstance(mp, bool) or not isinstance(mp, (int, np.integer)) or mp < 1:
            raise InputError(
                f"RollingStats(min_periods=...) must be a whole number >= 1, got {mp!r}.")
        self.windows_ = windows
        self.stats_ = stats
        self.feature_names_out_ = [f"{c}__r{s}{w}" for c, ws in windows.items()
                                   for w in ws for s in stats]
        return self

    def transform(self, X: pd.DataFrame, *, groups: Any = None) -> pd.DataFrame:
        """Rolling statistics per series (the current row included)."""
        self._check_columns(X)
        starts = _series_starts(groups, len(X))
        data = {}
        for c, ws in self.windows_.items():
            x = as_float64(X[c])
            for w in ws:
                roll = _block_rolling(x, starts, w, int(self.min_periods))
                for s in self.stats_:
                    data[f"{c}__r{s}{w}"] = getattr(roll, s)().to_numpy(np.float64)
        return self._frame(X, data)
