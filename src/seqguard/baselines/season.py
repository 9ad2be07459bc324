"""Seasons of a grid step: how many steps one lasts, and where a time stamp lies in it.

:func:`season_from_freq` gives the default season length (steps per day, per week,
per year, ...); :func:`season_kind` and :func:`season_position` place each time stamp
in its season (month of year, hour of day, ...) for the climatology.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..table import parse_duration
from .checks import _positive_int

__all__ = ["season_from_freq", "season_kind", "season_position"]


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
    from ..grid import fixed_ns, parse_freq

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


_EPOCH_YEAR = 1970


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
