"""Finding the time column when nobody named it: by name, by date parts, or by content.

A column named time/timestamp/datetime/date/ds, the parts year, month, day[, hour]
(or year with month, quarter or week), else the first column whose values are dates
in at least 99% of the rows (:func:`_time_by_content`; number columns never are).
"""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

_TIME_NAMES = ("time", "timestamp", "datetime", "date", "ds")
_TIME_PARTS = ("year", "month", "day", "hour", "minute", "second")


def _default_time(frame: pd.DataFrame) -> list[str] | None:
    lower = {str(c).lower(): str(c) for c in frame.columns}
    for name in _TIME_NAMES:
        if name in lower:
            return [lower[name]]
    if all(p in lower for p in ("year", "month", "day")):
        return [lower[p] for p in _TIME_PARTS if p in lower]
    if "year" in lower:  # a coarser calendar: year,month / year,quarter / year,week
        for part in ("month", "quarter", "week"):
            if part in lower:
                return [lower["year"], lower[part]]
    return None


def _pct(frac: float) -> str:
    return f"{frac:.0%}" if frac >= 0.995 or frac <= 0.005 else f"{frac:.1%}"


_DATE_SHARE = 0.99  # a column is the time column when this share of its rows are dates
_YEAR = r"(?<![\d.,])\d{4}(?![\d.,]\d)|\d{1,2}[-/.]\d{1,2}[-/.]\d{2}\b"


def _time_by_content(frame: pd.DataFrame, skip: set[Any]) -> tuple[str, float] | None:
    """The first column whose values are dates in at least 99% of its rows, and the share.

    Number and true/false columns are never taken (a year or an id is not a time).
    Text is tried on a spread sample of 200 values first, so a wide table of text
    columns costs little; only a column that passes is parsed whole.
    """
    n = len(frame)
    if not n:
        return None
    for c in frame.columns:
        if c in skip:
            continue
        col = frame[c]
        if pd.api.types.is_datetime64_any_dtype(col):
            share = float(col.notna().mean())
            if share >= _DATE_SHARE:
                return str(c), share
            continue
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            continue
        text = col.astype("string").str.strip()
        step = max(1, n // 200)
        if _date_share(text.iloc[::step]) < _DATE_SHARE:
            continue
        share = _date_share(text)
        if share >= _DATE_SHARE:
            return str(c), share
    return None


def _date_share(text: pd.Series) -> float:
    """Share of the values that are dates.

    A date names its year (four digits, or d/m/yy): plain numbers, clock times
    (``10:00``), ordinals (``1st``) and numbers with commas (``3,14``) are not dates.
    """
    n = len(text)
    if not n:
        return 0.0
    candidate = text.str.contains(_YEAR, regex=True).fillna(False) & \
        pd.to_numeric(text, errors="coerce").isna()
    if float(candidate.mean()) < _DATE_SHARE:
        return float(candidate.mean())
    values = text[candidate]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stamps = None
        for kwargs in ({}, {"format": "mixed"}, {"format": "mixed", "utc": True}):
            try:
                stamps = pd.to_datetime(values, errors="coerce", **kwargs)
            except (ValueError, TypeError, OverflowError):
                continue
            if float(stamps.notna().sum()) / n >= _DATE_SHARE:
                break
    return float(stamps.notna().sum()) / n if stamps is not None else 0.0
