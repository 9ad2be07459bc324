"""The time grid of datetime tables: calendar steps as pandas offsets.

A grid step is a pandas offset (``Table.freq``). Two kinds are supported:

* **fixed durations**: :class:`~pandas.tseries.offsets.Tick` offsets (``h``,
  ``15min``, ``s``, ...), ``Day`` (``D``, 24 hours) and an unanchored ``Week``.
  Readings are put on the grid ``origin + k * step`` by flooring, as before.
* **calendar steps**: ``MonthBegin`` (``MS``), ``MonthEnd`` (``ME``),
  ``QuarterBegin`` (``QS-JAN`` ...), ``QuarterEnd`` (``QE-DEC`` ...), ``YearBegin``
  (``YS``), ``YearEnd`` (``YE``), an anchored ``Week`` (``W-SUN``, ``W-SAT``, ...)
  and ``BusinessDay`` (``B``), each with a multiple ``n``. A month is a month,
  never a number of hours.

Where a reading lands on a calendar grid (the conventions of ``resample``):

* month / quarter / year **start** steps: the start of the month (quarter, year)
  the reading is in: ``1950-06-15`` is ``1950-06-01`` on ``MS``;
* month / quarter / year **end** steps: the end of that month (quarter, year):
  ``1950-06-15`` is ``1950-06-30`` on ``ME``;
* anchored weeks: the anchor day ending the week (``W-SAT``: the Saturday of the
  Sunday..Saturday week);
* business days: the day itself; a weekend reading lands on the Friday before.

Calendar labels are midnight (a date), as ``pandas.date_range`` makes them; a
time-zone aware column is put on the calendar in its own wall time. Inferred
grids are chosen so that labels of clean data never move: month-start data stays
``MS``, month-end data stays ``ME``, and readings inside a month that are neither
(the 15th, ``"1950-01"`` strings parsed as the 1st) get the month-start label.

Every calendar grid numbers its steps with an integer *step index* (pandas
period ordinals, business days since 1970-01-01), which :func:`step_index` and
:func:`index_labels` convert both ways; ``Table.time_values`` is that index.
"""

from __future__ import annotations

import math
import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from .errors import InputError, did_you_mean
from .layout import continues_series

__all__ = [
    "describe_freq",
    "fixed_ns",
    "freq_from_json",
    "freq_to_json",
    "index_labels",
    "infer_freq",
    "is_calendar",
    "nominal_length",
    "parse_freq",
    "shift_times",
    "span_words",
    "step_index",
    "wall_clock",
]

_DAY_NS = 86_400 * 10**9
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_CALENDAR = (pd.offsets.MonthBegin, pd.offsets.MonthEnd, pd.offsets.QuarterBegin,
             pd.offsets.QuarterEnd, pd.offsets.YearBegin, pd.offsets.YearEnd,
             pd.offsets.Week, pd.offsets.BusinessDay)

#: Plain words and legacy pandas aliases accepted by ``--freq`` (case-sensitive for
#: the one- and two-letter aliases, where case matters: ``MS`` month start, ``ms``
#: millisecond). ``M``, ``Q`` and ``Y`` are the month / quarter / year *end*, as
#: they were in pandas before 2.2.
_ALIASES = {
    "M": "ME", "Q": "QE", "Y": "YE", "A": "YE", "AS": "YS", "BA": "BYE", "H": "h",
    "T": "min", "S": "s", "L": "ms", "U": "us", "N": "ns",
}
_WORDS = {
    "month": "MS", "monthly": "MS", "months": "MS", "quarter": "QS", "quarterly": "QS",
    "quarters": "QS", "year": "YS", "yearly": "YS", "annual": "YS", "years": "YS",
    "week": "W", "weekly": "W", "weeks": "W", "bday": "B", "bdays": "B",
    "businessday": "B", "business-day": "B", "business_day": "B", "day": "D", "daily": "D",
    "days": "D", "hour": "h", "hourly": "h", "hours": "h", "minute": "min", "minutes": "min",
    "second": "s", "seconds": "s",
}
_EXAMPLES = ("month", "MS", "ME", "M", "quarter", "QS", "QE", "year", "YS", "YE", "week",
             "W", "W-SUN", "W-SAT", "B", "bday", "day", "D", "hour", "h", "15min", "30min",
             "min", "s")


# ----------------------------------------------------------------- parsing
def parse_freq(text: Any, *, option: str = "--freq") -> pd.offsets.BaseOffset:
    """A grid step from a pandas spelling, a plain word or a duration.

    Accepts pandas offsets and aliases (``MS``, ``ME``, ``QS``, ``QE-DEC``, ``YS``,
    ``W-SAT``, ``B``, ``D``, ``h``, ``15min``), legacy aliases (``M`` = month end,
    ``Q``, ``Y``, ``H``, ``T``), words (``month``, ``quarter``, ``year``, ``week``,
    ``bday``, ``day``, ``hour``) with an optional multiple (``2 months``), and
    durations (``"90 minutes"``).

    Raises
    ------
    InputError
        Naming ``option``, with a did-you-mean, for anything else.

    Examples
    --------
    >>> parse_freq("month"), parse_freq("M"), parse_freq("W-SAT"), parse_freq("15min")
    (<MonthBegin>, <MonthEnd>, <Week: weekday=5>, <15 * Minutes>)
    """
    if isinstance(text, pd.offsets.BaseOffset):
        return _check_supported(text, text.freqstr, option)
    if isinstance(text, (pd.Timedelta, np.timedelta64)) or hasattr(text, "total_seconds"):
        return _check_supported(_fixed_offset(int(pd.Timedelta(text).value)), str(text), option)
    raw = str(text).strip()
    m = re.fullmatch(r"(\d*)\s*([A-Za-z][A-Za-z_-]*)", raw)
    offset: pd.offsets.BaseOffset | None = None
    if m:
        mult, alias = m.group(1), m.group(2)
        head, _, anchor = alias.partition("-")
        if alias.lower() in _WORDS:
            alias = _WORDS[alias.lower()]
        elif head in _ALIASES:
            alias = _ALIASES[head] + (f"-{anchor}" if anchor else "")
        offset = _to_offset(f"{mult}{alias}")
    if offset is None:
        try:
            td = pd.Timedelta(raw)
        except (ValueError, TypeError):
            td = None
        if td is not None and td > pd.Timedelta(0):
            offset = _fixed_offset(int(td.value))
    if offset is None:
        guess = did_you_mean(m.group(2) if m else raw, list(_WORDS) + list(_EXAMPLES))
        raise InputError(f"{option} {raw!r} is not a time step.{guess} Pass a pandas step or "
                         f"a word: {', '.join(_EXAMPLES)} (M is the month end).")
    return _check_supported(offset, raw, option)


def _to_offset(text: str) -> pd.offsets.BaseOffset | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return to_offset(text)
    except (ValueError, TypeError):
        return None


def _check_supported(offset: pd.offsets.BaseOffset, raw: str,
                     option: str) -> pd.offsets.BaseOffset:
    if offset.n <= 0:
        raise InputError(f"{option} must be a positive step; got {raw!r}.")
    if is_calendar(offset) or _is_fixed(offset):
        return offset
    raise InputError(f"{option} {raw!r} ({type(offset).__name__}) is not a grid step seqguard "
                     f"supports. Pass one of {', '.join(_EXAMPLES)}.")


def _is_fixed(offset: pd.offsets.BaseOffset) -> bool:
    return isinstance(offset, pd.offsets.Tick) or type(offset) is pd.offsets.Day or (
        type(offset) is pd.offsets.Week and offset.weekday is None)


def is_calendar(freq: Any) -> bool:
    """True for a calendar step (month, quarter, year, anchored week, business day)."""
    if not isinstance(freq, pd.offsets.BaseOffset) or type(freq) not in _CALENDAR:
        return False
    if type(freq) is pd.offsets.Week:
        return freq.weekday is not None
    if type(freq) is pd.offsets.BusinessDay:
        return freq.offset == pd.Timedelta(0)
    return True


def wall_clock(freq: Any) -> bool:
    """True for steps counted on the wall clock of a time-zone aware column: calendar
    steps, days and weeks (a day is a calendar day across a daylight-saving change,
    as in pandas 3); hours and shorter steps count elapsed time."""
    return isinstance(freq, pd.offsets.BaseOffset) and (
        is_calendar(freq) or type(freq) in (pd.offsets.Day, pd.offsets.Week))


def fixed_ns(freq: pd.offsets.BaseOffset) -> int:
    """The length of a fixed-duration step in nanoseconds."""
    if type(freq) is pd.offsets.Day:
        return int(freq.n) * _DAY_NS
    if type(freq) is pd.offsets.Week:
        return int(freq.n) * 7 * _DAY_NS
    return int(pd.Timedelta(freq).value)


def nominal_length(freq: pd.offsets.BaseOffset) -> pd.Timedelta:
    """The average length of a step, for comparisons only (a month: 30.44 days)."""
    days = {pd.offsets.MonthBegin: 365.25 / 12, pd.offsets.MonthEnd: 365.25 / 12,
            pd.offsets.QuarterBegin: 365.25 / 4, pd.offsets.QuarterEnd: 365.25 / 4,
            pd.offsets.YearBegin: 365.25, pd.offsets.YearEnd: 365.25,
            pd.offsets.Week: 7.0, pd.offsets.BusinessDay: 7 / 5}.get(type(freq))
    if days is not None:
        return pd.Timedelta(days=days * int(freq.n))
    return pd.Timedelta(fixed_ns(freq), unit="ns")


def _fixed_offset(ns: int) -> pd.offsets.BaseOffset:
    if ns % _DAY_NS == 0:
        return pd.offsets.Day(ns // _DAY_NS)
    return to_offset(pd.Timedelta(ns, unit="ns"))


# ----------------------------------------------------------------- JSON
def freq_to_json(freq: Any) -> str | float | None:
    """The grid step for JSON: the pandas freqstr, or a float for numeric time."""
    if freq is None:
        return None
    if isinstance(freq, pd.offsets.BaseOffset):
        return str(freq.freqstr)
    if isinstance(freq, pd.Timedelta):
        return str(_fixed_offset(int(freq.value)).freqstr)
    return float(freq)


def freq_from_json(value: Any) -> pd.offsets.BaseOffset | float | None:
    """Inverse of :func:`freq_to_json`; also reads a stored Timedelta (older runs)."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    offset = _to_offset(str(value))
    if offset is not None:
        return offset
    return _fixed_offset(int(pd.Timedelta(str(value)).value))


# ----------------------------------------------------------------- step index
def _period_code(freq: pd.offsets.BaseOffset) -> tuple[str, str] | None:
    """(pandas period frequency, "start" or "end") of a period-based calendar step."""
    kind = type(freq)
    if kind is pd.offsets.MonthBegin:
        return "M", "start"
    if kind is pd.offsets.MonthEnd:
        return "M", "end"
    if kind is pd.offsets.QuarterBegin:
        return f"Q-{_MONTHS[(freq.startingMonth - 2) % 12]}", "start"
    if kind is pd.offsets.QuarterEnd:
        return f"Q-{_MONTHS[freq.startingMonth - 1]}", "end"
    if kind is pd.offsets.YearBegin:
        return f"Y-{_MONTHS[(freq.month - 2) % 12]}", "start"
    if kind is pd.offsets.YearEnd:
        return f"Y-{_MONTHS[freq.month - 1]}", "end"
    if kind is pd.offsets.Week and freq.weekday is not None:
        return f"W-{_WEEKDAYS[freq.weekday]}", "end"
    return None


def step_index(ns: np.ndarray, freq: pd.offsets.BaseOffset) -> np.ndarray:
    """int64 index of the calendar step (of length 1) holding each wall-clock time (ns).

    Multiples (``n > 1``) are counted by the caller in these unit steps.
    """
    ns = np.asarray(ns, dtype=np.int64)
    code = _period_code(freq)
    if code is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            idx = pd.DatetimeIndex(ns.astype("datetime64[ns]")).to_period(code[0])
        return np.asarray(idx.asi8, dtype=np.int64)
    if type(freq) is pd.offsets.BusinessDay:
        days = ns.astype("datetime64[ns]").astype("datetime64[D]")
        days = np.busday_offset(days, 0, roll="backward")
        return np.busday_count(np.datetime64("1970-01-01", "D"), days).astype(np.int64)
    raise TypeError(f"{freq!r} is not a calendar step")  # pragma: no cover - callers check


def index_labels(index: np.ndarray, freq: pd.offsets.BaseOffset) -> np.ndarray:
    """Wall-clock label (int64 ns, midnight) of each calendar step index."""
    index = np.asarray(index, dtype=np.int64)
    code = _period_code(freq)
    if code is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            periods = pd.PeriodIndex.from_ordinals(index, freq=code[0])
            stamps = periods.to_timestamp(how=code[1])
        if code[1] == "end":
            stamps = stamps.normalize()
        return np.asarray(stamps.as_unit("ns").asi8, dtype=np.int64)
    if type(freq) is pd.offsets.BusinessDay:
        days = np.busday_offset(np.datetime64("1970-01-01", "D"), index, roll="forward")
        return days.astype("datetime64[ns]").astype(np.int64)
    raise TypeError(f"{freq!r} is not a calendar step")  # pragma: no cover


def shift_times(times: pd.Series, steps: np.ndarray, freq: Any) -> pd.Series:
    """``times + steps * freq`` element-wise on the grid (calendar, fixed or numeric)."""
    steps = np.asarray(steps, dtype=np.int64)
    if isinstance(freq, (pd.Timedelta, np.timedelta64)) or hasattr(freq, "total_seconds"):
        freq = _fixed_offset(int(pd.Timedelta(freq).value))  # a Table built by hand
    if not isinstance(freq, pd.offsets.BaseOffset):
        return times + steps * float(freq)
    tz = times.dt.tz
    if not is_calendar(freq) and (tz is None or not wall_clock(freq)):
        return times + pd.to_timedelta(steps * fixed_ns(freq), unit="ns")
    wall = times.dt.tz_localize(None) if tz is not None else times
    ns = wall.to_numpy("datetime64[ns]").astype(np.int64)
    if is_calendar(freq):
        labels = index_labels(step_index(ns, freq) + steps * int(freq.n), freq)
    else:
        labels = ns + steps * fixed_ns(freq)
    out = pd.Series(pd.to_datetime(labels, unit="ns"), index=times.index, name=times.name)
    if tz is not None:
        out = out.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
    return out


# ----------------------------------------------------------------- inference
def infer_freq(ns: np.ndarray, bounds: np.ndarray, names: list[str],
               where: str) -> pd.offsets.BaseOffset:
    """The grid step of sorted, unique wall-clock times (int64 ns) of each series.

    Sub-daily data: the most common step between consecutive readings (a fixed
    duration). Daily or coarser: ``pandas.infer_freq`` per series where it
    recognises the series, else rules: a most common step of 27 days or more, with
    no two readings in one month, is ``g`` months, ``g`` the greatest common divisor
    of the month differences (years when ``g`` is a multiple of 12, quarters when of
    3; month-end readings give end steps, anything else start steps); 7 days on one
    weekday at midnight is an anchored week; 1 day at midnight with no weekend
    reading over two weeks or more is business days; anything else a fixed number
    of days. All series must agree, differ only in the multiple, or be month,
    quarter and year steps of one kind (start or end): the finest grid holding
    every label is taken. Otherwise an InputError asks for ``--freq``.
    """
    within = continues_series(bounds)
    diffs = np.diff(ns)[within[1:]] if len(ns) > 1 else np.empty(0, dtype=np.int64)
    diffs = diffs[diffs > 0]
    if not len(diffs):
        return pd.offsets.Hour(1)
    d = _most_common(diffs)
    if d < _DAY_NS:
        return _fixed_offset(d)
    found: list[tuple[int, pd.offsets.BaseOffset]] = []
    for k in range(len(bounds) - 1):
        s = ns[bounds[k]:bounds[k + 1]]
        if len(s) >= 2:
            found.append((k, _infer_one(s)))
    if not found:
        return _fixed_offset(d)
    offsets = [o for _, o in found]
    first = offsets[0]
    if all(o == first for o in offsets):
        return first
    if all(_is_fixed(o) for o in offsets):
        return _fixed_offset(d)
    bases = {o.base for o in offsets}
    if len(bases) == 1:
        return first.base * math.gcd(*[int(o.n) for o in offsets])
    months = _common_months(offsets, [ns[bounds[k]] for k, _ in found])
    if months is not None:
        return months
    k1, o1 = found[0]
    k2, o2 = next((k, o) for k, o in found if o.base != o1.base)
    raise InputError(f"{where}: series {names[k1]!r} steps {describe_freq(o1)} but series "
                     f"{names[k2]!r} steps {describe_freq(o2)}; one grid cannot hold both "
                     "without moving readings. Pass --freq with the step you mean.")


def _months_offset(idx: pd.DatetimeIndex, g: int,
                   end: bool | None = None) -> pd.offsets.BaseOffset:
    """Readings whose months are ``g`` apart: years, quarters or months, start or end."""
    if end is None:
        end = bool(idx.is_month_end.all()) and not bool((idx.day == 1).all())
    month = int(idx.month[0])
    if g % 12 == 0:
        return pd.offsets.YearEnd(g // 12, month=month) if end else \
            pd.offsets.YearBegin(g // 12, month=month)
    if g % 3 == 0:
        phase = (month - 1) % 3
        return pd.offsets.QuarterEnd(g // 3, startingMonth=phase + 10) if end else \
            pd.offsets.QuarterBegin(g // 3, startingMonth=phase + 1)
    return pd.offsets.MonthEnd(g) if end else pd.offsets.MonthBegin(g)


_MONTH_STEPS = {pd.offsets.MonthBegin: (1, "start"), pd.offsets.QuarterBegin: (3, "start"),
                pd.offsets.YearBegin: (12, "start"), pd.offsets.MonthEnd: (1, "end"),
                pd.offsets.QuarterEnd: (3, "end"), pd.offsets.YearEnd: (12, "end")}


def _common_months(offsets: list[pd.offsets.BaseOffset],
                   firsts: list[int]) -> pd.offsets.BaseOffset | None:
    """One month grid holding series on month, quarter and year steps of one kind
    (all start or all end) without moving a label: ``g`` months, the greatest
    common divisor of their lengths, when their first months agree modulo ``g``."""
    kinds = [_MONTH_STEPS.get(type(o)) for o in offsets]
    if any(k is None for k in kinds) or len({k[1] for k in kinds if k}) != 1:
        return None
    g = math.gcd(*[k[0] * int(o.n) for k, o in zip(kinds, offsets) if k])
    first = pd.DatetimeIndex(np.asarray(firsts, dtype=np.int64).astype("datetime64[ns]"))
    phase = {int(v) % g for v in np.asarray(first.year) * 12 + np.asarray(first.month) - 1}
    if len(phase) != 1:
        g = 1
    end = kinds[0] is not None and kinds[0][1] == "end"
    return _months_offset(first[:1], g, end=end)


def _most_common(diffs: np.ndarray) -> int:
    values, counts = np.unique(diffs, return_counts=True)
    return int(values[np.argmax(counts)])


def _infer_one(s: np.ndarray) -> pd.offsets.BaseOffset:
    midnight = bool((s % _DAY_NS == 0).all())
    if len(s) >= 3:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            name = pd.infer_freq(pd.DatetimeIndex(s.astype("datetime64[ns]")))
        offset = _to_offset(str(name)) if name else None
        if offset is not None and (_is_fixed(offset) or (is_calendar(offset) and (
                midnight or type(offset) not in (pd.offsets.Week, pd.offsets.BusinessDay)))):
            return offset
    d = _most_common(np.diff(s)[np.diff(s) > 0])
    idx = pd.DatetimeIndex(s.astype("datetime64[ns]"))
    if d >= 27 * _DAY_NS:
        months = np.asarray(idx.year, dtype=np.int64) * 12 + np.asarray(idx.month) - 1
        step = np.diff(months)
        if len(step) and step.min() > 0:  # never two readings in one month
            return _months_offset(idx, math.gcd(*[int(v) for v in np.unique(step)]))
    weekday = np.unique(np.asarray(idx.day_of_week))
    if midnight and d == 7 * _DAY_NS and len(weekday) == 1:
        return pd.offsets.Week(weekday=int(weekday[0]))
    if midnight and d == _DAY_NS and weekday.max() < 5 and s[-1] - s[0] >= 14 * _DAY_NS:
        return pd.offsets.BusinessDay()
    return _fixed_offset(d)


# ----------------------------------------------------------------- words
_UNITS = {
    pd.offsets.MonthBegin: ("month", "monthly"), pd.offsets.MonthEnd: ("month", "monthly"),
    pd.offsets.QuarterBegin: ("quarter", "quarterly"),
    pd.offsets.QuarterEnd: ("quarter", "quarterly"),
    pd.offsets.YearBegin: ("year", "yearly"), pd.offsets.YearEnd: ("year", "yearly"),
    pd.offsets.Week: ("week", "weekly"), pd.offsets.BusinessDay: ("business day",
                                                                  "business-daily"),
    pd.offsets.Day: ("day", "daily"), pd.offsets.Hour: ("hour", "hourly"),
    pd.offsets.Minute: ("minute", "minutely"), pd.offsets.Second: ("second", "every second"),
}


def describe_freq(freq: Any) -> str:
    """``"monthly (MS)"``, ``"every 15 minutes (15min)"``, ``"1 time unit"``."""
    if not isinstance(freq, pd.offsets.BaseOffset):
        return f"every {_plural(float(freq), 'time unit')}"
    unit, adjective = _UNITS.get(type(freq), (type(freq).__name__, type(freq).__name__))
    words = adjective if freq.n == 1 else f"every {freq.n} {unit}s"
    return f"{words} ({freq.freqstr})"


def span_words(steps: int, freq: Any) -> str:
    """``steps`` grid steps in time units: ``"4 years"``, ``"2 days"``, ``"90 minutes"``."""
    if not isinstance(freq, pd.offsets.BaseOffset):
        return _plural(steps * float(freq), "time unit")
    total = int(steps) * int(freq.n)
    kind = type(freq)
    if kind in (pd.offsets.MonthBegin, pd.offsets.MonthEnd):
        return _plural(total // 12, "year") if total % 12 == 0 else _plural(total, "month")
    if kind in (pd.offsets.QuarterBegin, pd.offsets.QuarterEnd):
        return _plural(total // 4, "year") if total % 4 == 0 else _plural(total, "quarter")
    if kind in (pd.offsets.YearBegin, pd.offsets.YearEnd):
        return _plural(total, "year")
    if kind is pd.offsets.BusinessDay:
        return _plural(total // 5, "week") if total % 5 == 0 else _plural(total,
                                                                           "business day")
    ns = int(steps) * fixed_ns(freq)
    for size, unit in ((7 * _DAY_NS, "week"), (_DAY_NS, "day"), (3600 * 10**9, "hour"),
                       (60 * 10**9, "minute"), (10**9, "second")):
        if ns % size == 0 and ns >= size:
            return _plural(ns // size, unit)
    return str(pd.Timedelta(ns, unit="ns"))


def _plural(n: float, unit: str) -> str:
    return f"{n:g} {unit}" + ("" if n == 1 else "s")
