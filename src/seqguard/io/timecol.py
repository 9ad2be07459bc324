"""Reading the time column: datetimes, numbers, clock times, or a date assembled from parts.

:func:`_time_column` gives the name, the values (int64 ns, naive UTC, for dates; the
zone is kept in ``report.time_parts``; float64 for numeric time) and whether they are
dates, or raises naming the first cell that is not a time.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..errors import InputError, did_you_mean
from ..table import IngestReport
from .sniff import _TIME_PARTS

_DATE_PARTS = _TIME_PARTS + ("quarter", "week")


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


def _date_from_parts(frame: pd.DataFrame, time_col: list[str], where: str) -> np.ndarray:
    """int64 ns of dates assembled from parts: year,month[,day[,hour...]], year,quarter
    (the quarter's first day) or year,week (the Monday of the ISO week)."""
    lower = {c.lower(): c for c in time_col}
    unknown = [c for c in time_col if c.lower() not in _DATE_PARTS]
    if unknown:
        raise InputError(
            f"--time-col parts must be among {', '.join(_DATE_PARTS)}; got {unknown[0]!r}."
            f"{did_you_mean(unknown[0], _DATE_PARTS)} Pass one datetime column, or the "
            "parts year,month[,day,hour,...], year,quarter or year,week."
        )
    combos = ({"year", "quarter"}, {"year", "week"})
    if ("quarter" in lower or "week" in lower) and set(lower) not in combos:
        raise InputError(f"--time-col {','.join(time_col)}: quarter and week go with year "
                         "alone. Pass year,quarter or year,week (ISO week), or "
                         "year,month[,day,...].")
    if "year" not in lower or not ({"month", "quarter", "week"} & set(lower)):
        raise InputError(f"--time-col {','.join(time_col)}: date parts need a year and a "
                         "month, quarter or week. Pass year,month[,day,...], year,quarter or "
                         "year,week.")
    parts = pd.DataFrame({p: pd.to_numeric(frame[lower[p]], errors="coerce")
                          for p in _DATE_PARTS if p in lower})
    bad = (parts.isna() | (parts != np.floor(parts))).any(axis=1).to_numpy().copy()
    limits = {"month": 12, "quarter": 4, "week": 53}
    for p, top in limits.items():
        if p in parts:
            bad |= ((parts[p] < 1) | (parts[p] > top)).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        col = next((c for c in parts.columns if pd.isna(parts[c].iloc[i])
                    or not 1 <= parts[c].iloc[i] <= limits.get(c, np.inf)
                    or parts[c].iloc[i] != np.floor(parts[c].iloc[i])), parts.columns[0])
        raise InputError(f"{where}, row {i + 1}, column {lower[col]!r}: "
                         f"{str(frame[lower[col]].iloc[i])!r} is not a valid date part. Fix "
                         "the cell, or drop the row.")
    try:
        if "week" in parts:
            year = parts["year"].astype("int64")
            week = parts["week"].astype("int64")
            dec28 = pd.to_datetime(year.astype(str) + "-12-28", format="%Y-%m-%d")
            has = dec28.dt.isocalendar()["week"].to_numpy(np.int64)  # ISO weeks in the year
            wrong = week.to_numpy() > has
            if wrong.any():
                i = int(np.flatnonzero(wrong)[0])
                raise InputError(f"{where}, row {i + 1}: ISO year {int(year.iloc[i])} has "
                                 f"{int(has[i])} weeks, not week {int(week.iloc[i])}. Fix the "
                                 "cell, or drop the row.")
            text = year.astype(str) + "-W" + week.astype(str).str.zfill(2) + "-1"
            stamps = pd.to_datetime(text, format="%G-W%V-%u", errors="raise")
        else:
            if "quarter" in parts:
                parts = pd.DataFrame({"year": parts["year"],
                                      "month": (parts.pop("quarter") - 1) * 3 + 1})
            if "day" not in parts:
                parts["day"] = 1
            stamps = pd.to_datetime(parts[[p for p in _TIME_PARTS if p in parts]],
                                    errors="raise")
    except InputError:
        raise
    except (ValueError, OverflowError) as exc:
        raise InputError(f"{where}: the columns {', '.join(time_col)} do not form valid "
                         f"dates ({_short(exc)}). Fix the cells.") from None
    return np.asarray(stamps.to_numpy("datetime64[ns]").astype(np.int64))


_CLOCK = re.compile(r"^\s*(\d+):(\d{2})(?::(\d{2}))?\s*$")


def _time_column(frame: pd.DataFrame, time_col: list[str] | None, where: str,
                 report: IngestReport) -> tuple[str, np.ndarray, bool]:
    """Return (name, values, is_datetime): int64 ns (UTC-aware kept in name) or float64."""
    n = len(frame)
    if not time_col:
        return "step", np.arange(n, dtype=np.float64), False
    if len(time_col) > 1:
        stamps = _date_from_parts(frame, time_col, where)
        report.time_parts = list(time_col)
        return "time", stamps, True

    name = time_col[0]
    col = frame[name]
    missing = col.isna().to_numpy()
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise InputError(f"{where}, row {i + 1}: the time column {name!r} is empty. Fill it, "
                         "or drop the row.")
    if pd.api.types.is_datetime64_any_dtype(col):
        stamps = col
    elif pd.api.types.is_bool_dtype(col):
        raise InputError(f"{where}, column {name!r}: true/false values are not times. "
                         "Pass another --time-col.")
    elif pd.api.types.is_numeric_dtype(col):
        vals = col.to_numpy(np.float64)
        if not np.isfinite(vals).all():
            i = int(np.flatnonzero(~np.isfinite(vals))[0])
            raise InputError(f"{where}, row {i + 1}, time column {name!r}: {vals[i]} is not a "
                             "finite time. Fix the cell.")
        return name, vals, False
    else:
        text = col.astype("string")
        clock = text.str.match(_CLOCK.pattern)
        if bool(clock.all()):
            hm = text.str.extract(_CLOCK.pattern).astype("float64").fillna(0.0)
            minutes = hm[0] * 60 + hm[1] + hm[2] / 60
            return name, minutes.to_numpy(np.float64), False
        numbers = pd.to_numeric(text, errors="coerce")
        if bool(numbers.notna().all()):
            return name, numbers.to_numpy(np.float64), False
        try:
            stamps = pd.to_datetime(text, errors="coerce", format="mixed")
        except (ValueError, TypeError):
            stamps = pd.to_datetime(text, errors="coerce", utc=True, format="mixed")
        if stamps.isna().any():
            i = int(np.flatnonzero(stamps.isna().to_numpy())[0])
            raise InputError(f"{where}, row {i + 1}, time column {name!r}: {text.iloc[i]!r} is "
                             "not a date or time. Fix the cell, or pass the right --time-col.")
    if getattr(stamps.dt, "tz", None) is not None:
        tz = str(stamps.dt.tz)
        report.time_parts = [f"tz={tz}"]
        values = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
        return name, values.to_numpy("datetime64[ns]").astype(np.int64), True
    return name, stamps.to_numpy("datetime64[ns]").astype(np.int64), True
