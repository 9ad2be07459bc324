"""Reference predictions every model is compared with.

Forecasting: persistence, seasonal naive, climatology, mean. Tagging: climatology and
mean (:func:`tag_baseline_scores`). Classification: majority class and base rate.

All baselines are computed on the same test windows as the model, in the target's
original units, and scored over observed targets only (see :mod:`seqguard.metrics`).

Guarantees:

* **Past only.** A baseline for a window reads the target only at rows at or before
  the window's last input row ``e`` (``e = target_rows[:, 0] - 1`` for forecast
  windows), never a target row or anything later.
* **One series at a time.** It never reads a row before the first row of the
  window's own series (``series_start``), so it never crosses into another series.
* **Always finite** where the inputs allow it: a seasonal value that is missing or
  lies before the series start falls back to persistence.
* **Climatology and mean read only training targets**: the training-period mean of
  the target (at each season position, :class:`Climatology`), learned at ``fit``
  and reused unchanged on new data; besides that, only the time stamp of the
  target row, which is known in advance.

Layout as everywhere in seqguard: ``y`` is the flat target of the whole table (rows
sorted by series and time, NaN where missing); windows are described by the
absolute row of each target, shape ``(n_windows, horizon)``
(:meth:`seqguard.windows.ForecastWindows.target_rows`).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError
from .metrics import classification_scores, regression_scores
from .table import parse_duration

__all__ = [
    "Climatology",
    "base_rate",
    "baseline_scores",
    "classification_baseline_scores",
    "last_observed_before",
    "majority_class",
    "mean_baseline",
    "persistence",
    "season_from_freq",
    "season_kind",
    "season_position",
    "seasonal_naive",
    "tag_baseline_scores",
]


# ----------------------------------------------------------------- forecasts
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


def last_observed_before(y: Any, rows: Any, series_start: Any) -> np.ndarray:
    """The last observed ``y`` at or before each row, within its series.

    Parameters
    ----------
    y : array-like of shape (n_rows,)
        Flat target, NaN where missing.
    rows : array-like of int, shape (n,)
        Absolute rows (e.g. the last input row of each window).
    series_start : int or array-like of int, shape (n,)
        First row of each row's series: nothing before it is read.

    Returns
    -------
    ndarray of float64, shape (n,)
        NaN where the series has no observed value in ``series_start .. row``.

    Examples
    --------
    >>> last_observed_before([1.0, np.nan, 7.0, np.nan], [1, 3, 3], [0, 0, 3]).tolist()
    [1.0, 7.0, nan]
    """
    yy = np.asarray(y, dtype=np.float64)
    r = np.asarray(rows, dtype=np.int64)
    s0 = np.broadcast_to(np.asarray(series_start, dtype=np.int64), r.shape)
    if r.size and (r.min() < 0 or r.max() >= len(yy)):
        raise InputError(f"rows hold {int(r.min())}..{int(r.max())}, outside y's "
                         f"{len(yy)} rows.")
    idx = np.arange(len(yy), dtype=np.int64)
    idx[np.isnan(yy)] = -1
    np.maximum.accumulate(idx, out=idx)
    src = idx[r] if r.size else r
    out = np.full(r.shape, np.nan)
    ok = src >= s0
    out[ok] = yy[src[ok]]
    return out


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


# ----------------------------------------------------------------- season
_SEASON_BY_ALIAS = {
    "W": 52, "M": 12, "MS": 12, "ME": 12, "BM": 12, "BMS": 12, "BME": 12, "SM": 24,
    "SMS": 24, "SME": 24, "Q": 4, "QS": 4, "QE": 4, "BQ": 4, "BQS": 4, "BQE": 4,
    "A": 1, "Y": 1, "AS": 1, "YS": 1, "YE": 1, "BA": 1, "BY": 1, "BYS": 1, "BYE": 1,
}
_LEGACY_TICKS = {"H": "h", "T": "min", "S": "s", "L": "ms", "U": "us", "N": "ns"}
_DAY = pd.Timedelta(days=1)


def season_from_freq(freq: Any, season: int | None = None) -> int:
    """The default season length (in steps) for a grid step.

    * a step that divides a day evenly, from 1 minute to 12 hours: steps per day
      (1 minute: 1440, 15 minutes: 96, 30 minutes: 48, 1 hour: 24);
    * 1 day: 7 (a week); 1 business day: 5 (a business week: the day-of-week
      pattern is what business-daily data repeats; a business year, about 260 steps,
      would leave seasonal naive too little history); 1 week: 52 (a year);
    * a month (``MS``, ``ME``, or 28..31 days): 12; a quarter: 4; a year: 1;
    * a multiple of a calendar step divides the season when it can (``2MS``: 6,
      ``3MS``: 4), else 1;
    * anything else, and numeric time: 1 (no season: seasonal naive = persistence).

    Parameters
    ----------
    freq : pandas offset (``Table.freq``), pandas.Timedelta, datetime.timedelta, str
        (a ``--freq`` spelling, e.g. ``"h"``, ``"15min"``, ``"D"``, ``"MS"``,
        ``"month"``), or a number (numeric time)
    season : int, optional
        An explicit season (``--season``): returned as is when given (validated).

    Returns
    -------
    int

    Examples
    --------
    >>> season_from_freq("h"), season_from_freq("15min"), season_from_freq("D")
    (24, 96, 7)
    >>> season_from_freq("MS"), season_from_freq("QS"), season_from_freq("B")
    (12, 4, 5)
    >>> season_from_freq(1.0), season_from_freq("h", season=168)
    (1, 168)
    """
    from .grid import fixed_ns, parse_freq

    if season is not None:
        return _positive_int("season", season, flag="--season")
    if freq is None or isinstance(freq, (bool, np.bool_)):
        return 1
    if isinstance(freq, (int, float, np.integer, np.floating)):
        return 1
    if isinstance(freq, str):
        try:
            freq = parse_freq(freq)
        except InputError:
            alias = re.sub(r"-.*$", "", freq.strip())  # 'SMS', 'BME': pandas steps beyond --freq
            m = re.fullmatch(r"(\d*)\s*([A-Za-z]+)", alias)
            if m and m.group(2).upper() in _SEASON_BY_ALIAS and m.group(1) in ("", "1"):
                return _SEASON_BY_ALIAS[m.group(2).upper()]
            td = parse_duration(freq)
            if td is None:
                raise InputError(f"freq {freq!r} is not a time step seqguard understands "
                                 "(e.g. 'h', '15min', 'D', 'W', 'MS'). Pass --season "
                                 "explicitly.") from None
            return _season_from_timedelta(td)
    if isinstance(freq, pd.offsets.BaseOffset):
        per_unit = _SEASON_BY_OFFSET.get(type(freq))
        if type(freq) is pd.offsets.Week and freq.weekday is None:
            per_unit = None
        if per_unit is not None:
            n = int(freq.n)
            return per_unit // n if n > 0 and per_unit % n == 0 else 1
        if isinstance(freq, pd.offsets.Tick) or type(freq) in (pd.offsets.Day,
                                                               pd.offsets.Week):
            return _season_from_timedelta(pd.Timedelta(fixed_ns(freq), unit="ns"))
        name = re.sub(r"-.*$", "", freq.rule_code)
        if freq.n == 1 and name.upper() in _SEASON_BY_ALIAS:
            return _SEASON_BY_ALIAS[name.upper()]
        return 1
    try:
        td = pd.Timedelta(freq)
    except (ValueError, TypeError):
        raise InputError(f"freq {freq!r} is not a time step seqguard understands; pass "
                         "--season explicitly.") from None
    return _season_from_timedelta(td)


_SEASON_BY_OFFSET: dict[type, int] = {
    pd.offsets.MonthBegin: 12, pd.offsets.MonthEnd: 12, pd.offsets.QuarterBegin: 4,
    pd.offsets.QuarterEnd: 4, pd.offsets.YearBegin: 1, pd.offsets.YearEnd: 1,
    pd.offsets.Week: 52, pd.offsets.BusinessDay: 5,
}


def _season_from_timedelta(td: pd.Timedelta) -> int:
    if td <= pd.Timedelta(0):
        return 1
    if td == _DAY:
        return 7
    if td == pd.Timedelta(weeks=1):
        return 52
    if pd.Timedelta(days=28) <= td <= pd.Timedelta(days=31):
        return 12
    if pd.Timedelta(minutes=1) <= td < _DAY and _DAY.value % td.value == 0:
        return int(_DAY.value // td.value)
    return 1


# ----------------------------------------------------------------- climatology
_EPOCH_YEAR = 1970
_POSITION_NAMES = {
    "month": "month of year", "quarter": "quarter of year", "hour": "hour of day",
    "slot": "slot of the day", "weekday": "day of week", "week": "week of year",
    "semimonth": "half-month of year",
}


def _freq_family(freq: Any) -> tuple[str, int, pd.Timedelta | None]:
    """(family, n, fixed step) of a grid step.

    ``family`` is ``"numeric"`` (numbers, or no freq), ``"fixed"`` (a fixed duration:
    a Timedelta, a Tick, ``Day``), or a calendar family of pandas offsets: ``"month"``,
    ``"quarter"``, ``"year"``, ``"week"``, ``"semimonth"``, ``"bday"``, ``"other"``.
    """
    if freq is None or isinstance(freq, (bool, np.bool_, int, float, np.integer,
                                         np.floating)):
        return "numeric", 1, None
    if isinstance(freq, str):
        try:
            freq = pd.tseries.frequencies.to_offset(freq)
        except ValueError:
            td = parse_duration(freq)
            if td is None:
                raise InputError(f"freq {freq!r} is not a time step seqguard understands "
                                 "(e.g. 'h', '15min', 'D', 'W', 'MS').") from None
            return "fixed", 1, td
    if isinstance(freq, pd.offsets.BaseOffset):
        if isinstance(freq, (pd.offsets.Tick, pd.offsets.Day)):
            return "fixed", 1, pd.Timedelta(freq)
        name = re.sub(r"-.*$", "", freq.rule_code).upper()
        n = abs(int(freq.n)) or 1
        if name in ("M", "MS", "ME", "BM", "BMS", "BME", "CBMS", "CBME"):
            return "month", n, None
        if name.startswith(("Q", "BQ")):
            return "quarter", n, None
        if name in ("A", "Y", "AS", "YS", "YE", "BA", "BY", "BYS", "BYE"):
            return "year", n, None
        if name == "W":
            return "week", n, None
        if name.startswith("SM"):
            return "semimonth", n, None
        if name in ("B", "C"):
            return "bday", n, None
        return "other", n, None
    try:
        return "fixed", 1, pd.Timedelta(freq)
    except (ValueError, TypeError):
        raise InputError(f"freq {freq!r} is not a time step seqguard understands (e.g. "
                         "'h', '15min', 'D', 'W', 'MS').") from None


def season_kind(freq: Any, season: int) -> str:
    """How :func:`season_position` places a time stamp in a season of ``season`` steps.

    The calendar position of the grid step when ``season`` is its natural season:
    ``"month"`` (month of year, monthly steps and season 12), ``"quarter"`` (4),
    ``"semimonth"`` (24), ``"week"`` (week of year, weekly steps and 52), ``"weekday"``
    (day of week, daily steps and 7), ``"hour"`` (hour of day, hourly steps and 24),
    ``"slot"`` (slot of the day, a step that divides a day and the number of steps per
    day). Otherwise ``"step"``: the step index modulo the season (numeric time, an
    explicit ``--season`` that is not the calendar one, any other step), and
    ``"none"`` for a season of 1.

    Examples
    --------
    >>> season_kind("MS", 12), season_kind("h", 24), season_kind("h", 168)
    ('month', 'hour', 'step')
    >>> season_kind(pd.Timedelta("15min"), 96), season_kind(1.0, 5), season_kind("D", 1)
    ('slot', 'step', 'none')
    """
    m = _positive_int("season", season)
    if m == 1:
        return "none"
    family, n, td = _freq_family(freq)
    if family == "fixed" and td is not None:
        if td == _DAY:
            return "weekday" if m == 7 else "step"
        if td == pd.Timedelta(weeks=1):
            return "week" if m == 52 else "step"
        if pd.Timedelta(days=28) <= td <= pd.Timedelta(days=31):
            return "month" if m == 12 else "step"
        if pd.Timedelta(minutes=1) <= td < _DAY and _DAY.value % td.value == 0 \
                and m == _DAY.value // td.value:
            return "hour" if td == pd.Timedelta(hours=1) else "slot"
        return "step"
    natural = {"month": 12, "quarter": 4, "week": 52, "semimonth": 24}
    if n == 1 and natural.get(family) == m:
        return family
    return "step"


def season_position(time: Any, freq: Any, season: int) -> np.ndarray:
    """The position of each time stamp in its season, from the time stamp alone.

    With the calendar season of the grid step (see :func:`season_kind`): month of
    year 0..11 (monthly), quarter of year 0..3, half-month 0..23, ISO week of year
    0..52 (weekly), day of week 0..6 (Monday = 0, daily), hour of day 0..23 (hourly),
    slot of the day 0..season-1 (a step that divides a day: 15 minutes gives 96
    slots); calendar positions are read in the time stamps' own time zone. Otherwise
    the step index modulo ``season``: the number of grid steps since 1970-01-01 (or
    ``round(time / freq)`` for numeric time). A season of 1 gives 0 everywhere.

    Because the position depends only on the time stamp, the same time stamp gets
    the same position in any data (training, new data for ``evaluate``).

    Parameters
    ----------
    time : array-like of datetime64 (naive or time-zone aware) or numbers
        Time stamps, e.g. of the target rows (a window's origin + h steps).
    freq : pandas offset, pandas.Timedelta, str (pandas alias) or number
        The grid step (``Table.freq``).
    season : int
        Season length in steps (:func:`season_from_freq`).

    Returns
    -------
    ndarray of int64, the shape of ``time``

    Examples
    --------
    >>> t = pd.to_datetime(["2020-01-01", "2020-02-01", "2021-12-01"])
    >>> season_position(t, pd.offsets.MonthBegin(), 12).tolist()
    [0, 1, 11]
    >>> h = pd.to_datetime(["2020-01-01 00:00", "2020-01-01 13:00", "2020-01-02 23:00"])
    >>> season_position(h, pd.Timedelta(hours=1), 24).tolist()
    [0, 13, 23]
    >>> season_position([0.0, 1.0, 5.0, 7.0], 1.0, 3).tolist()
    [0, 1, 2, 1]
    """
    m = _positive_int("season", season)
    flat, shape = _flat_times(time)
    if m == 1:
        return np.zeros(shape, dtype=np.int64)
    kind = season_kind(freq, m)
    family, n, td = _freq_family(freq)
    is_dt = pd.api.types.is_datetime64_any_dtype(flat)
    if not is_dt:
        if family != "numeric" and len(flat):
            raise InputError("season_position: the time stamps are numbers but freq "
                             f"{freq!r} is a calendar step; pass datetimes.")
        step = 1.0 if freq is None else float(freq)
        idx = np.rint(flat.to_numpy(np.float64) / step).astype(np.int64)
        return (idx % m).reshape(shape)
    dt = flat.dt
    if kind == "month":
        pos = dt.month.to_numpy(np.int64) - 1
    elif kind == "quarter":
        pos = dt.quarter.to_numpy(np.int64) - 1
    elif kind == "semimonth":
        pos = (dt.month.to_numpy(np.int64) - 1) * 2 + (dt.day.to_numpy(np.int64) >= 15)
    elif kind == "week":
        pos = dt.isocalendar()["week"].to_numpy(np.int64) - 1
    elif kind == "weekday":
        pos = dt.day_of_week.to_numpy(np.int64)
    elif kind == "hour":
        pos = dt.hour.to_numpy(np.int64)
    elif kind == "slot":  # season_kind gives "slot" only for a fixed step (td is set)
        since = (flat - dt.normalize()).to_numpy("timedelta64[ns]").astype(np.int64)
        pos = since // (td.value if td is not None else _DAY.value)
    else:
        pos = _step_index(flat, family, n, td) % m
    return np.asarray(pos, dtype=np.int64).reshape(shape)


def _flat_times(time: Any) -> tuple[pd.Series, tuple[int, ...]]:
    """Time stamps as one flat Series (datetimes kept, time zone included), and the
    shape to give the positions back."""
    if isinstance(time, pd.Series):
        return time.reset_index(drop=True), time.shape
    if isinstance(time, pd.Index):
        return pd.Series(time), time.shape
    arr = np.asarray(time)
    flat = pd.Series(arr.reshape(-1))
    if flat.dtype == object and len(flat):
        flat = pd.Series(pd.to_datetime(flat))
    return flat, arr.shape


def _step_index(flat: pd.Series, family: str, n: int, td: pd.Timedelta | None
                ) -> np.ndarray:
    """Grid steps since 1970-01-01 of datetimes (the ``"step"`` position)."""
    dt = flat.dt
    utc = flat.dt.tz_convert("UTC").dt.tz_localize(None) if dt.tz is not None else flat
    ns = utc.to_numpy("datetime64[ns]").astype(np.int64)
    if family == "fixed" and td is not None:
        return np.floor_divide(ns, td.value)
    years = dt.year.to_numpy(np.int64) - _EPOCH_YEAR
    months = years * 12 + dt.month.to_numpy(np.int64) - 1
    if family == "month":
        k = months
    elif family == "quarter":
        k = years * 4 + dt.quarter.to_numpy(np.int64) - 1
    elif family == "year":
        k = years
    elif family == "semimonth":
        k = months * 2 + (dt.day.to_numpy(np.int64) >= 15)
    elif family == "bday":
        k = np.busday_count(np.datetime64("1970-01-01"),
                            utc.to_numpy("datetime64[D]")).astype(np.int64)
    else:  # weeks and anything else: whole days since the epoch
        k = np.floor_divide(ns, _DAY.value)
        if family == "week":
            k = np.floor_divide(k, 7)
    return np.floor_divide(k, n)


class Climatology:
    """The training-period mean of the target at each position of the season.

    ``fit`` learns, from the training rows only, the mean of the observed target at
    each season position (:func:`season_position`: month of year for monthly data,
    hour of day for hourly data, ...); ``predict`` looks up the position of each time
    stamp. A position never seen with an observed target in training falls back to
    the training mean. The learned state is plain JSON (:meth:`to_dict`), so a loaded
    run reuses the table learned at fit.

    Parameters
    ----------
    season : int
        Season length in steps (:func:`season_from_freq`).

    Attributes
    ----------
    kind_ : str
        :func:`season_kind` of the training grid step.
    table_ : dict of int to float
        Training mean of the target per position.
    mean_ : float
        Training mean of the target (the fallback).

    Examples
    --------
    >>> t = pd.date_range("2020-01-01", periods=6, freq="h")
    >>> c = Climatology(24).fit(t, [1.0, 3.0, np.nan, 5.0, 7.0, 9.0], "h")
    >>> c.predict(t + pd.Timedelta(days=1), "h").tolist()
    [1.0, 3.0, 5.0, 5.0, 7.0, 9.0]
    >>> c.position_name
    'hour of day'
    """

    def __init__(self, season: int = 1) -> None:
        self.season = season

    def fit(self, time: Any, y: Any, freq: Any) -> Climatology:
        """Learn the mean of the observed ``y`` (NaN = missing) at each position."""
        m = _positive_int("season", self.season)
        yy = np.asarray(y, dtype=np.float64).reshape(-1)
        pos = season_position(time, freq, m).reshape(-1)
        if pos.shape != yy.shape:
            raise InputError(f"time has {pos.size} stamps but y has {yy.size} values; pass "
                             "one time stamp per target.")
        ok = np.isfinite(yy)
        if not ok.any():
            raise InputError("the training target has no observed value; the climatology "
                             "baseline needs training targets.")
        means = pd.Series(yy[ok]).groupby(pos[ok]).mean()
        self.kind_ = season_kind(freq, m)
        self.table_ = {int(k): float(v) for k, v in means.items()}
        self.mean_ = float(yy[ok].mean())
        return self

    def predict(self, time: Any, freq: Any) -> np.ndarray:
        """The training mean at the season position of each time stamp (float64, the
        shape of ``time``)."""
        if not hasattr(self, "table_"):
            from .errors import NotFittedError

            raise NotFittedError("This Climatology is not fitted yet. Call 'fit' first.")
        pos = season_position(time, freq, int(self.season))
        table = pd.Series(self.table_, dtype=np.float64)
        out = table.reindex(pos.reshape(-1)).to_numpy(np.float64)
        return np.where(np.isnan(out), self.mean_, out).reshape(pos.shape)

    @property
    def position_name(self) -> str:
        """The position in words (``"month of year"``, ``"step index modulo 5"``)."""
        kind = getattr(self, "kind_", "step")
        if kind == "none":
            return "none (season 1: the training mean)"
        return _POSITION_NAMES.get(kind, f"step index modulo {self.season}")

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON learned state (for pipeline.json)."""
        keys = sorted(self.table_)
        return {"season": int(self.season), "kind": self.kind_, "mean": self.mean_,
                "positions": keys, "values": [self.table_[k] for k in keys]}

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> Climatology:
        """Rebuild what :meth:`to_dict` wrote."""
        c = cls(int(state["season"]))
        c.kind_ = str(state["kind"])
        c.mean_ = float(state["mean"])
        c.table_ = {int(k): float(v) for k, v in zip(state["positions"], state["values"],
                                                     strict=True)}
        return c


# ----------------------------------------------------------------- classification
def _train_labels(y_train: Any, n_classes: int | None = None) -> np.ndarray:
    y = np.asarray(y_train, dtype=np.float64).ravel()
    y = y[~np.isnan(y)]
    if y.size == 0:
        raise InputError("y_train has no observed label; the baselines need training "
                         "labels.")
    if np.any(y != np.round(y)) or y.min() < 0 or (n_classes is not None
                                                   and y.max() >= n_classes):
        raise InputError("y_train must hold class codes 0, 1, ... (NaN for missing).")
    return y.astype(np.int64)


def majority_class(y_train: Any) -> int:
    """The most frequent training class (the smallest code on a tie).

    Examples
    --------
    >>> majority_class([0, 2, 2, 1, np.nan, 1])
    1
    """
    lab = _train_labels(y_train)
    return int(np.argmax(np.bincount(lab)))


def base_rate(y_train: Any, n_classes: int) -> np.ndarray:
    """Training class frequencies, shape (n_classes,), summing to 1.

    Examples
    --------
    >>> base_rate([0, 1, 1, 1], 2).tolist()
    [0.25, 0.75]
    """
    K = _positive_int("n_classes", n_classes)
    lab = _train_labels(y_train, K)
    return np.bincount(lab, minlength=K) / lab.size


def classification_baseline_scores(y_true: Any, y_train: Any, n_classes: int
                                   ) -> dict[str, dict[str, Any]]:
    """Majority-class accuracy and base-rate log loss on the test labels.

    Returns
    -------
    dict
        ``{"majority": {"class", "accuracy"}, "base_rate": {"proba", "log_loss"}}``
        (the shape :func:`seqguard.metrics.build_metrics` expects).
    """
    K = _positive_int("n_classes", n_classes)
    maj = majority_class(y_train)
    rate = base_rate(y_train, K)
    yt = np.asarray(y_true, dtype=np.float64)
    onehot = np.zeros((len(yt), K))
    onehot[:, maj] = 1.0
    acc = classification_scores(yt, onehot, n_classes=K, kind="proba")["accuracy"]
    ll = classification_scores(yt, np.tile(rate, (len(yt), 1)), n_classes=K,
                               kind="proba")["log_loss"]
    return {"majority": {"class": maj, "accuracy": acc},
            "base_rate": {"proba": [float(p) for p in rate], "log_loss": ll}}


# ----------------------------------------------------------------- scores
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
    out = {name: _scores_of(yt, p) for name, p in preds.items()}
    out["seasonal_naive"]["season"] = int(season)
    if "climatology" in out:
        out["climatology"]["season"] = int(season)
    return out


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
    out: dict[str, dict[str, Any]] = {}
    if climatology is not None:
        clim = np.asarray(climatology, dtype=np.float64).reshape(-1, 1)
        if clim.shape != yt.shape:
            raise InputError(f"climatology has {clim.shape[0]} values; expected "
                             f"{yt.shape[0]}, one per step.")
        out["climatology"] = _scores_of(yt, clim, by_horizon=False)
    out["mean"] = _scores_of(yt, mean_baseline(float(train_mean), len(yt), 1),
                             by_horizon=False)
    return out


def _positive_int(name: str, value: Any, flag: str | None = None) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value < 1:
        where = f" ({flag})" if flag else ""
        raise InputError(f"The '{name}' parameter{where} must be an integer >= 1. Got "
                         f"{value!r} instead.")
    return int(value)

