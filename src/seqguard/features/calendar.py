"""Sine/cosine calendar features of the time column: :class:`Calendar` (``--calendar``).

:data:`CALENDAR_PARTS` are the parts and their cycles; ``"auto"`` picks them by the
grid step and the training span (``_auto_parts``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._base import as_groups
from .._fitting import unfitted_on_error
from .._serialize import register
from ..errors import DataWarning, InputError, did_you_mean, format_list
from ..layout import block_bounds, continues_series
from ._base import _check_column, _FeatureStep

#: Calendar parts and the length of their cycle.
CALENDAR_PARTS: dict[str, pd.Timedelta] = {
    "hour": pd.Timedelta(days=1),
    "dayofweek": pd.Timedelta(days=7),
    "month": pd.Timedelta(days=365),
    "dayofyear": pd.Timedelta(days=365),
}
#: Steps from a week to under a month place a time stamp in its year by the day of the
#: year (the week of the year: smooth, where a month would give 12 steps); all others
#: by month.
_WEEKLY_STEP = pd.Timedelta(days=7)
#: ``"auto"`` keeps a part only when the training rows span this many of its cycles.
_AUTO_CYCLES = 2
_MONTHLY_STEP = pd.Timedelta(days=28)
#: ``--calendar`` spellings that turn calendar features off.
CALENDAR_OFF = ("none", "off")


def calendar_enabled(spec: Any) -> bool:
    """False for ``None`` and the ``--calendar`` spellings that mean off (``none``)."""
    return spec is not None and str(spec).strip().lower() not in CALENDAR_OFF


def _span(t: pd.Series) -> pd.Timedelta | None:
    """Latest minus earliest time stamp (``None`` when there are none)."""
    lo, hi = t.min(), t.max()
    return None if pd.isna(lo) or pd.isna(hi) else pd.Timedelta(hi - lo)


def _auto_parts(freq: pd.Timedelta | None, span: pd.Timedelta | None = None) -> list[str]:
    """The calendar parts ``"auto"`` picks for a grid step (``None``: unknown step),
    leaving out those whose cycle the training span (when known) does not cover
    twice: their values at prediction time would be ones training never saw."""
    if freq is None:
        parts = ["hour", "dayofweek", "month"]
    else:
        parts = [p for p in ("hour", "dayofweek") if freq < CALENDAR_PARTS[p]]
        if freq < CALENDAR_PARTS["month"]:
            parts.append("dayofyear" if _WEEKLY_STEP <= freq < _MONTHLY_STEP else "month")
    if span is not None:
        parts = [p for p in parts if span >= _AUTO_CYCLES * CALENDAR_PARTS[p]]
    return parts


@register
class Calendar(_FeatureStep):
    """Sine/cosine calendar features of a datetime time column.

    Parameters
    ----------
    parts : "auto" or list of str, default "auto"
        Some of ``hour``, ``dayofweek``, ``month``, ``dayofyear``. ``"auto"`` picks
        them by the grid step (see the module docstring: ``month`` for monthly data,
        ``dayofyear`` for weekly data, ``dayofweek`` and ``month`` for daily data,
        ``hour``, ``dayofweek`` and ``month`` for hourly data). A part
        named explicitly that does not vary (hour for daily data) is left out with a
        :class:`~seqguard.errors.DataWarning`.
    time_col : str or None, default None
        The time column; ``None`` uses the only datetime column of ``X``.
    freq : str or None, default None
        The grid step (``"1h"``, ``"1D"``, ``"W-SUN"``, ``"MS"``: any ``--freq``
        spelling; a calendar step counts as its average length, a month as 30.44
        days, so ``month`` and ``dayofyear`` vary for monthly data and ``dayofweek``
        does not); ``None`` infers it from the training rows (the median step within
        series).

    Attributes
    ----------
    time_col_ : str or None
        The time column used (``None`` when time is not datetime).
    freq_seconds_ : float or None
        The grid step in seconds.
    parts_ : list of str
        The parts produced.
    feature_names_out_ : list of str
        ``cal__{part}_sin``, ``cal__{part}_cos`` for each part.
    """

    def __init__(self, parts: str | Sequence[str] = "auto", time_col: str | None = None,
                 freq: str | None = None) -> None:
        self.parts = parts
        self.time_col = time_col
        self.freq = freq

    def _requested(self) -> list[str] | None:
        if isinstance(self.parts, str) and self.parts == "auto":
            return None
        parts = [self.parts] if isinstance(self.parts, str) else list(self.parts)
        if not parts:
            raise InputError('Calendar(parts=...) is empty. Pass "auto" or some of '
                             f"{', '.join(CALENDAR_PARTS)}.")
        for p in parts:
            if p not in CALENDAR_PARTS:
                raise InputError(
                    f"Calendar(parts=...): unknown part {p!r}."
                    f"{did_you_mean(str(p), CALENDAR_PARTS)}"
                    f" Choose from {', '.join(CALENDAR_PARTS)}, or \"auto\".")
        return list(dict.fromkeys(parts))

    @unfitted_on_error
    def fit(self, X: pd.DataFrame, y: Any = None, *, groups: Any = None) -> Calendar:
        """Find the time column and its frequency; choose the parts."""
        self._record_columns(X)
        requested = self._requested()
        col: str | None
        if self.time_col is not None:
            col = _check_column(self.time_col, X, "Calendar(time_col=...)", numeric=False)
        else:
            dt = [str(c) for c in X.columns if pd.api.types.is_datetime64_any_dtype(X[c])]
            if len(dt) > 1:
                raise InputError(
                    f"Calendar: several datetime columns ({format_list(dt)}). "
                    "Name the time column with Calendar(time_col=...).")
            col = dt[0] if dt else None
        if col is None or not pd.api.types.is_datetime64_any_dtype(X[col]):
            where = f"time column {col!r}" if col is not None else "the data"
            if requested is not None:  # "auto" makes none for numeric time, silently
                warnings.warn(
                    f"Calendar features need datetime time, but {where} has no datetime "
                    "values; no calendar features are made. Give the time as dates "
                    "(--time-col) or drop --calendar.", DataWarning, stacklevel=2)
            self.time_col_ = None
            self.freq_seconds_ = None
            self.parts_ = []
            self.feature_names_out_ = []
            return self
        freq = self._freq(X[col], groups)
        chosen = []
        skipped = []
        for p in (requested or _auto_parts(freq, _span(X[col]))):
            if freq is None or freq < CALENDAR_PARTS[p]:
                chosen.append(p)
            else:
                skipped.append(p)
        if requested is not None and skipped:
            warnings.warn(
                f"Calendar: {format_list(skipped)} do(es) not vary at the data's frequency "
                f"({freq}); left out. Drop {format_list(skipped)} from --calendar.",
                DataWarning, stacklevel=2)
        self.time_col_ = col
        self.freq_seconds_ = None if freq is None else float(freq.total_seconds())
        self.parts_ = chosen
        self.feature_names_out_ = [f"cal__{p}_{f}" for p in chosen for f in ("sin", "cos")]
        return self

    def _freq(self, t: pd.Series, groups: Any) -> pd.Timedelta | None:
        if self.freq is not None:
            from ..grid import nominal_length, parse_freq

            try:
                f = nominal_length(parse_freq(self.freq, option="Calendar(freq=...)"))
            except InputError:
                raise InputError(
                    f"Calendar(freq=...): {self.freq!r} is not a time step. "
                    "Use a pandas frequency such as '1h', '1D', 'W-SUN' or 'MS'.") from None
            if not f > pd.Timedelta(0):
                raise InputError(
                    f"Calendar(freq=...): the step must be positive, got {self.freq!r}.")
            return f
        g = as_groups(groups, len(t))
        ns = t.to_numpy("datetime64[ns]") if t.dt.tz is None else \
            t.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]")
        ns = ns.astype(np.int64)
        ok = continues_series(block_bounds(g))[1:] & (ns[1:] != np.iinfo(np.int64).min) & \
            (ns[:-1] != np.iinfo(np.int64).min)
        d = (ns[1:] - ns[:-1])[ok]
        d = d[d > 0]
        return pd.Timedelta(int(np.median(d)), unit="ns") if len(d) else None

    def transform(self, X: pd.DataFrame, *, groups: Any = None) -> pd.DataFrame:
        """Sine/cosine pairs; values lie in [-1, 1] (``NaN`` where the time is missing)."""
        self._check_columns(X)
        data: dict[str, np.ndarray] = {}
        if self.parts_:
            t = X[self.time_col_].dt
            for p in self.parts_:
                if p == "hour":
                    hours = t.hour + t.minute / 60 + t.second / 3600
                    frac = hours.to_numpy(np.float64, na_value=np.nan) / 24
                elif p == "dayofweek":
                    frac = t.day_of_week.to_numpy(np.float64, na_value=np.nan) / 7
                elif p == "month":
                    frac = (t.month.to_numpy(np.float64, na_value=np.nan) - 1) / 12
                else:
                    days = np.where(t.is_leap_year.to_numpy(bool, na_value=False), 366.0, 365.0)
                    frac = (t.day_of_year.to_numpy(np.float64, na_value=np.nan) - 1) / days
                data[f"cal__{p}_sin"] = np.sin(2 * np.pi * frac)
                data[f"cal__{p}_cos"] = np.cos(2 * np.pi * frac)
        return self._frame(X, data)
