"""Where a part starts: split points as users write them, read against the time column.

A split point is a date (``"2013-01-01"``, a ``Timestamp``), a numeric time value (a
float), or a row position within each series (an ``int``, or a string of digits such
as ``"-8760"``; negative counts from the end). Time is compared as int64 ns (naive
UTC; a time-zone-aware column keeps its zone for messages) or as float64.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError

_INT_RE = re.compile(r"^\s*[-+]?\d+\s*$")


def is_position(value: Any) -> bool:
    """Whether ``value`` is a row position (an int or a string of digits), not a time."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, np.integer)):
        return True
    return isinstance(value, str) and bool(_INT_RE.match(value))


def time_array(time: Any) -> tuple[np.ndarray | None, str, Any]:
    """Time as int64 ns (datetime, naive UTC) or float64, its kind and time zone."""
    if time is None:
        return None, "position", None
    if isinstance(time, (pd.Series, pd.Index)):
        s = pd.Series(time)
    else:
        arr = np.asarray(time)
        if arr.ndim != 1:
            raise InputError(f"time has shape {arr.shape}; expected one value per row.")
        s = pd.Series(arr)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        tz = getattr(s.dt, "tz", None)
        if tz is not None:
            s = s.dt.tz_convert("UTC").dt.tz_localize(None)
        if s.isna().any():
            raise InputError(f"time has a missing value at row {int(s.isna().argmax())}; "
                             "every row needs a time.")
        return s.to_numpy("datetime64[ns]").astype(np.int64), "datetime", tz
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        t = s.to_numpy(np.float64)
        if not np.all(np.isfinite(t)):
            raise InputError(f"time has a missing value at row "
                             f"{int(np.argmin(np.isfinite(t)))}; every row needs a time.")
        return t, "numeric", None
    raise InputError(f"time has dtype {s.dtype}; expected datetime64 or numbers. Parse "
                     "the time column first (seqguard.read does).")


def date_value(name: str, value: Any, kind: str, tz: Any) -> float | int:
    """The split point ``value`` (option ``name``) as a time of the column's ``kind``."""
    if kind == "position":
        raise InputError(
            f"{name}={value!r} is a date, but there is no time column to compare it "
            "with. Pass a row position (an integer) or the time of each row."
        )
    if kind == "numeric":
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                raise InputError(
                    f"{name}={value!r} is not a number, and the time column is "
                    "numeric. Pass a time value or a row position."
                ) from None
        if isinstance(value, (float, np.floating)):
            return float(value)
        raise InputError(f"{name}={value!r} is a date but the time column is numeric. "
                         "Pass a time value or a row position.")
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise InputError(
            f"{name}={value!r} is not a date. Write it as 2013-01-01 or "
            "'2013-01-01 12:00', or pass a row position (an integer)."
        ) from None
    if isinstance(value, (float, np.floating)) or ts is pd.NaT:
        raise InputError(f"{name}={value!r} is not a date; the time column holds dates.")
    if ts.tz is None and tz is not None:
        ts = ts.tz_localize(tz)
    if ts.tz is not None:
        if tz is None:
            raise InputError(
                f"{name}={value!r} has a time zone but the time column has none. "
                "Drop the time zone from the date."
            )
        ts = ts.tz_convert("UTC").tz_localize(None)
    return int(ts.as_unit("ns").value)


def format_time(v: float, kind: str, tz: Any) -> str:
    """A time of :func:`time_array` as users read it (in the column's zone)."""
    if kind == "datetime":
        ts = pd.Timestamp(int(v))
        if tz is not None:
            ts = ts.tz_localize("UTC").tz_convert(tz)
        return str(ts)
    return f"{v:g}"
