"""Resolving the schema of a raw frame: time, series and value columns, then the table.

:func:`_build` checks the column names, finds or checks the time and series columns,
reads every value column, and hands the result to :func:`~seqguard.io.regularise._regularise`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import pandas as pd

from .. import number_text
from ..errors import InputError, did_you_mean, format_list
from ..table import IngestReport, Table
from .long_format import _looks_long, _pivot_long
from .regularise import _regularise
from .sniff import _default_time, _pct, _time_by_content
from .timecol import _time_column
from .values import _as_category, _as_numeric, _observed_text, _strip_unit


def _build(frame: pd.DataFrame, source: str, *, time_col: list[str] | None,
           series_col: list[str] | None, features: list[str] | None,
           categorical: list[str], target: str | None, markers: list[str],
           freq: str | float | None, duplicates: str, long_format: bool | None,
           thousands: str | None = None, decimal: str | None = None,
           strip_units: list[str] | None = None, time_origin: str | None = None) -> Table:
    report = IngestReport(n_input_rows=len(frame))
    strip_units = strip_units or []
    where = f"file '{source}'" if not source.startswith("<") else source
    if frame.shape[1] == 0 or len(frame) == 0:
        raise InputError(f"{where} holds no data rows. Pass data with at least one row.")
    frame = frame.rename(columns=lambda c: str(c).strip())
    frame = frame.reset_index(drop=True)
    names = list(frame.columns)
    dup_names = sorted({c for c in names if names.count(c) > 1})
    if dup_names:
        raise InputError(f"{where}: column name {dup_names[0]!r} appears more than once. "
                         "Rename the columns so each name is unique.")

    if time_col is not None:
        report.time_col_found = time_origin or "given by --time-col"
    if long_format is None:
        long_format = _looks_long(frame, time_col, series_col)
    if long_format:
        frame, time_col, series_col = _pivot_long(frame, where, time_col, series_col, markers,
                                                  report)
        report.time_col_found = report.time_col_found or "the time key of the long format"

    # ---- resolve the schema
    if time_col is None:
        time_col = _default_time(frame)
        if time_col is not None:
            report.time_col_found = ("by name" if len(time_col) == 1 else
                                     "from the date parts " + ", ".join(time_col))
    if time_col is None:
        skip = {*(series_col or []), *categorical, *strip_units, target}
        found = _time_by_content(frame, skip)
        if found is not None:
            time_col = [found[0]]
            report.time_col_found = f"found by content: {_pct(found[1])} of values are dates"
        else:
            report.time_col_found = "none: the row position is the time"
    for group, option in ((time_col, "--time-col"), (series_col, "--series-col")):
        for c in group or []:
            _need_column(frame, c, where, option)
    if target is not None:
        _need_column(frame, target, where, "--target")
    for c in categorical:
        _need_column(frame, c, where, "--categorical")
    for c in strip_units:
        _need_column(frame, c, where, "--strip-units")
    key_cols = set(time_col or []) | set(series_col or [])
    if features is not None:
        for c in features:
            _need_column(frame, c, where, "--features")
        keep = [c for c in frame.columns if c in features or c == target or c in categorical
                or c in key_cols or c in strip_units]
        frame = frame[keep]
    if target is not None and target in key_cols:
        raise InputError(f"{where}: the target {target!r} is also the time or series column. "
                         "Pass another --target.")

    # ---- time
    row_numbers = np.arange(1, len(frame) + 1)
    with _explain_found_time(report, time_col):
        time_name, tvals, is_dt = _time_column(frame, time_col, where, report)
    # ---- series
    series_name: str | None = None
    if series_col:
        series_name = "+".join(series_col) if len(series_col) > 1 else series_col[0]
        empty = frame[series_col].isna().any(axis=1).to_numpy()
        if empty.any():
            i = int(np.flatnonzero(empty)[0])
            raise InputError(f"{where}, row {row_numbers[i]}: the series column "
                             f"{series_name!r} is empty. Fill it, or drop the row.")
        if len(series_col) == 1:
            series = frame[series_col[0]].to_numpy()  # natural order for numbers
        else:
            svals = frame[series_col[0]].astype("string")
            for c in series_col[1:]:
                svals = svals + "/" + frame[c].astype("string")
            series = svals.to_numpy(dtype=object)
    else:
        series = None

    # ---- values: numeric / categorical, with the extra markers
    value_cols = [c for c in frame.columns if c not in key_cols]
    if not value_cols:
        raise InputError(f"{where} has no value columns besides time and series. Add the "
                         "columns to model.")
    numeric: dict[str, np.ndarray] = {}
    cats: dict[str, pd.Series] = {}
    for c in value_cols:
        col = frame[c]
        if c in categorical:
            if c in strip_units:
                raise InputError(f"{where}, column {c!r} is given by both --categorical and "
                                 "--strip-units. Pass it to one of them.")
            cats[c] = _as_category(col, markers, report)
            continue
        if c in strip_units:
            col = _strip_unit(col, c, where, markers, report, row_numbers)
        arr = _as_numeric(col, c, where, markers, report, row_numbers, thousands=thousands,
                          decimal=decimal, force=c in strip_units)
        if arr is None:
            if c == target:
                unit = number_text.unit_of(_observed_text(col, markers))
                fix = (f"It holds numbers with the unit {unit[0]!r}: pass --strip-units {c}."
                       if unit else "Pick a numeric --target.")
                raise InputError(f"{where}, column {c!r}: the target is text, not numbers. "
                                 f"{fix}")
            cats[c] = _as_category(col, markers, report)
        else:
            numeric[c] = arr
    if thousands or decimal:
        report.number_format = {k: v for k, v in (("thousands", thousands),
                                                  ("decimal", decimal)) if v}
    if target is not None and np.isnan(numeric[target]).all():
        raise InputError(f"{where}, column {target!r}: the target is missing in every row. "
                         "Pick another --target, or fix the data.")

    with _explain_found_time(report, time_col):
        return _regularise(source, where, time_name, tvals, is_dt, series_name, series,
                           numeric, cats, value_cols, freq, duplicates, report, row_numbers,
                           target)


@contextlib.contextmanager
def _explain_found_time(report: IngestReport, time_col: list[str] | None) -> Iterator[None]:
    """Add to a time or grid error that nobody chose the time column it is about."""
    try:
        yield
    except InputError as exc:
        how = report.time_col_found
        if not time_col or not how.startswith("found by content"):
            raise
        raise InputError(f"{exc} (The time column {time_col[0]!r} was {how}; pass "
                         "--time-col to choose another.)") from None


def _need_column(frame: pd.DataFrame, col: str, where: str, option: str) -> None:
    if col not in frame.columns:
        cols = [str(c) for c in frame.columns]
        raise InputError(
            f"{where} has no column {col!r} (given by {option}).{did_you_mean(col, cols)} "
            f"Columns are: {format_list(cols, 12)}."
        )
