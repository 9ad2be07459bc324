"""Read any accepted input into a :class:`~seqguard.table.Table`.

Accepted inputs: a CSV file (any delimiter, optionally gzip-compressed), a Parquet
file, a pandas or polars DataFrame, a numpy array (2-D: one series, rows are time
steps; 3-D: ``(samples, timesteps, features)`` as Keras users hold it, one series
per sample), a list of variable-length 2-D arrays (one series each), and long
format (time, variable, value[, series]) which is pivoted to wide.

What the returned table guarantees is written in :mod:`seqguard.table`; what
reading did to give those guarantees (sorting, inserted grid rows, aggregated
readings, replaced missing markers) is in ``table.report`` for the audit to show.
"""

from __future__ import annotations

import contextlib
import os
import re
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import number_text
from .errors import InputError, did_you_mean, format_list
from .files import DEFAULT_NA_VALUES, read_file
from .grid import fixed_ns as _fixed_ns
from .grid import index_labels, infer_freq, is_calendar, parse_freq, step_index, wall_clock
from .table import IngestReport, Table

__all__ = ["DEFAULT_NA_VALUES", "DUPLICATE_POLICIES", "read"]

DUPLICATE_POLICIES = ("error", "mean", "first", "last")
_TIME_NAMES = ("time", "timestamp", "datetime", "date", "ds")
_TIME_PARTS = ("year", "month", "day", "hour", "minute", "second")
_DATE_PARTS = _TIME_PARTS + ("quarter", "week")
_DAY_NS = 86_400 * 10**9
_MAX_GRID_GROWTH = 20  # a grid may not have more than this many times the input rows


def read(
    data: Any,
    *,
    time_col: str | Sequence[str] | None = None,
    series_col: str | Sequence[str] | None = None,
    features: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    target: str | None = None,
    na_values: Sequence[Any] | str | None = None,
    freq: str | float | None = None,
    duplicates: str = "error",
    columns: Sequence[str] | None = None,
    long_format: bool | None = None,
    sep: str | None = None,
    thousands: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    strip_units: str | Sequence[str] | None = None,
) -> Table:
    """Read ``data`` into a sorted, unique, regular :class:`~seqguard.table.Table`.

    Parameters
    ----------
    data : path, DataFrame, numpy array or list of 2-D arrays
        What to read (see the module docstring).
    time_col : str or list of str, optional
        The time column, or the parts of a date (``"year,month,day,hour"``). When
        omitted, a column named time/timestamp/datetime/date/ds or the columns
        year, month, day[, hour] (or year with month, quarter or week) are used if
        present, else the first column whose
        values are dates in at least 99% of the rows (found by content, such as the
        unnamed index column ``DataFrame.to_csv()`` writes; number columns never
        are), else the row position. ``table.report.time_col_found`` says which.
        Also ``"year,month"``, ``"year,quarter"`` and ``"year,week"`` (ISO week,
        labelled by its Monday).
    series_col : str or list of str, optional
        Column(s) naming the series when one table holds many.
    features : list of str, optional
        Value columns to keep (the target is always kept). Default: all.
    categorical : list of str, optional
        Columns to treat as categories even if they look numeric. Text columns
        are categorical automatically.
    target : str, optional
        The target column; it must exist and be numeric.
    na_values : list or comma-separated str, optional
        Extra missing markers, such as ``-200`` or ``-9999``, on top of empty
        cells, NA, NaN, null and ``?``.
    freq : str, pandas offset or float, optional
        Grid step: a pandas step or a word (``"h"``, ``"15min"``, ``"D"``, ``"B"``,
        ``"W-SAT"``, ``"MS"``, ``"ME"`` (``"M"`` is the month end), ``"QS"``,
        ``"YS"``, ``"month"``, ``"week"``; see :func:`seqguard.grid.parse_freq`), or a
        number for numeric time. Several readings inside one given step are averaged
        (and counted in ``report.aggregated_rows``). When omitted, inferred per
        series (:func:`seqguard.grid.infer_freq`: calendar steps for monthly,
        quarterly, yearly, weekly and business-daily data); an inferred step never
        merges readings: an InputError asks for ``--freq`` instead.
    duplicates : {"error", "mean", "first", "last"}
        What to do with rows that share a (series, time) pair.
    columns : list of str, optional
        Feature names for numpy input (default ``x0, x1, ...``).
    long_format : bool, optional
        Treat the input as (time, variable, value[, series]) rows and pivot it.
        Detected automatically when the columns are exactly those.
    sep : str, optional
        CSV delimiter (``--delimiter``); sniffed when omitted.
    thousands : str, optional
        Thousands separator of numbers written as text (``","`` for ``20,123.4``).
        Without it such a column is an error that names this option.
    decimal : str, optional
        Decimal mark when it is not ``"."`` (``","`` for ``3,14``).
    encoding : str, optional
        Text encoding of a CSV file (default UTF-8; a byte that does not decode is
        an error naming its offset).
    strip_units : str or list of str, optional
        Columns of numbers written with a unit (``"23.1 °C"``, ``"45%"``) to read as
        numbers; the unit is recorded in ``table.report.units``.

    Returns
    -------
    Table

    Raises
    ------
    InputError
        For anything in the data or options that cannot be used, naming the
        file, column, row or option and how to fix it.

    Examples
    --------
    >>> import pandas as pd, seqguard
    >>> df = pd.DataFrame({"t": [0, 1, 3], "y": [1.0, None, 3.0]})
    >>> table = seqguard.read(df, time_col="t")
    >>> table.n_rows, int(table.inserted.sum())
    (4, 1)
    """
    if duplicates not in DUPLICATE_POLICIES:
        raise InputError(
            f"The --duplicates option must be one of {', '.join(DUPLICATE_POLICIES)}. "
            f"Got {duplicates!r} instead.{did_you_mean(duplicates, DUPLICATE_POLICIES)}"
        )
    markers = _parse_na_values(na_values)
    sep, thousands, decimal = _check_format_options(sep, thousands, decimal)
    units = _split_names(strip_units) or []
    wanted = None
    if features is not None:
        wanted = {*(_split_names(features) or []), *(_split_names(categorical) or []),
                  *(_split_names(time_col) or []), *(_split_names(series_col) or []),
                  *units, *([target] if target else [])}
    frame, source, defaults = _load(data, markers, columns=columns, sep=sep,
                                    encoding=encoding, decimal=decimal, wanted=wanted)
    origin = "given by --time-col" if time_col is not None else None
    if time_col is None and series_col is None and defaults:
        time_col, series_col = defaults.get("time_col"), defaults.get("series_col")
        origin = defaults.get("origin", "the step number in each array")
    return _build(
        frame, source,
        time_col=_split_names(time_col), series_col=_split_names(series_col),
        features=_split_names(features), categorical=_split_names(categorical) or [],
        target=target, markers=markers, freq=freq, duplicates=duplicates,
        long_format=long_format, thousands=thousands, decimal=decimal, strip_units=units,
        time_origin=origin,
    )


def _check_format_options(sep: str | None, thousands: str | None,
                          decimal: str | None) -> tuple[str | None, str | None, str | None]:
    """Validate --delimiter, --thousands and --decimal (``\\t`` and ``tab`` mean a tab)."""
    if sep is not None:
        sep = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(sep, sep)
        if len(sep) != 1 or sep in "\"\r\n":
            raise InputError(f"--delimiter must be one character, such as ',' ';' '|' or "
                             f"'\\t'; got {sep!r}.")
    for name, value in (("--thousands", thousands), ("--decimal", decimal)):
        if value is not None and (len(value) != 1 or value.isdigit() or value in "+-eE"):
            raise InputError(f"{name} must be one character that is not a digit or sign, "
                             f"such as ',' or '.'; got {value!r}.")
    if decimal == ".":
        decimal = None
    if thousands is not None and thousands == (decimal or "."):
        raise InputError(f"--thousands {thousands} is also the decimal mark. Pass the other "
                         "mark with --decimal (e.g. --thousands . --decimal ,).")
    if sep is not None and decimal is not None and sep == decimal:
        raise InputError(f"--decimal {decimal} is also the --delimiter. A file whose numbers "
                         "use a decimal comma needs another delimiter (or quoted fields).")
    return sep, thousands, decimal


# --------------------------------------------------------------------- loading
def _split_names(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",")]
        return [p for p in parts if p] or None
    return [str(v) for v in value]


def _parse_na_values(na_values: Sequence[Any] | str | None) -> list[str]:
    if na_values is None:
        return []
    if isinstance(na_values, str):
        items = [v.strip() for v in na_values.split(",")]
    elif isinstance(na_values, (int, float)):
        items = [str(na_values)]
    else:
        items = [str(v).strip() for v in na_values]
    return [v for v in items if v != ""]


def _load(data: Any, markers: list[str], *, columns: Sequence[str] | None,
          sep: str | None = None, encoding: str | None = None, decimal: str | None = None,
          wanted: set[str] | None = None) -> tuple[pd.DataFrame, str, dict[str, str]]:
    """Return (raw frame, source name, default schema) for any accepted input."""
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        frame, defaults = _with_index(read_file(path, sep=sep, encoding=encoding,
                                                decimal=decimal, wanted=wanted),
                                      f"file '{path}'")
        return frame, str(path), defaults
    if isinstance(data, pd.DataFrame):
        frame, defaults = _with_index(data)
        return frame, "<DataFrame>", defaults
    if type(data).__module__.split(".")[0] == "polars":
        return data.to_pandas(), "<polars DataFrame>", {}
    if isinstance(data, np.ndarray):
        return _from_arrays(data, columns)
    if isinstance(data, (list, tuple)) and data and all(
            isinstance(a, (np.ndarray, list)) for a in data):
        return _from_arrays(list(data), columns)
    raise InputError(
        f"cannot read data of type {type(data).__name__}. Pass a CSV or Parquet path, a "
        "pandas/polars DataFrame, a numpy array or a list of 2-D arrays."
    )


def _with_index(frame: pd.DataFrame,
                where: str = "<DataFrame>") -> tuple[pd.DataFrame, dict[str, str]]:
    """Turn a meaningful index into columns: nothing the frame holds is dropped.

    A DatetimeIndex becomes the time column; a MultiIndex becomes its levels, the
    (last) datetime level the time and the others the series; a named index becomes
    a column like any other. An unnamed plain index is only row numbers.
    """
    index = frame.index
    if isinstance(index, pd.MultiIndex):
        names = [str(n) if n is not None else f"level_{i}" for i, n in enumerate(index.names)]
        is_dt = [pd.api.types.is_datetime64_any_dtype(index.get_level_values(i))
                 for i in range(index.nlevels)]
        t = max((i for i, d in enumerate(is_dt) if d), default=index.nlevels - 1)
        if index.names[t] is None:
            names[t] = "time"
        others = [i for i in range(index.nlevels) if i != t]
        if len(others) == 1 and index.names[others[0]] is None:
            names[others[0]] = "series"
        taken = [n for n in names if n in frame.columns]
        if taken:
            raise InputError(f"{where}: the index level {taken[0]!r} is also a column "
                             "name. Rename one of them, or reset the index yourself.")
        frame = frame.reset_index(names=names)
        how = "the DataFrame index (levels: " + ", ".join(names) + ")"
        return frame, {"time_col": names[t],
                       "series_col": ",".join(names[i] for i in others), "origin": how}
    if isinstance(index, pd.DatetimeIndex):
        name = str(index.name) if index.name is not None else "time"
        if name in frame.columns:
            raise InputError(f"{where}: the DatetimeIndex is named {name!r} like a "
                             "column. Rename one of them, or reset the index yourself.")
        return frame.reset_index(names=name), {"time_col": name,
                                               "origin": "the DataFrame's DatetimeIndex"}
    if index.name is not None and str(index.name) not in frame.columns \
            and not isinstance(index, pd.RangeIndex):
        return frame.reset_index(), {}
    return frame, {}


def _from_arrays(data: np.ndarray | list[Any],
                 columns: Sequence[str] | None) -> tuple[pd.DataFrame, str, dict[str, str]]:
    if isinstance(data, np.ndarray) and data.ndim == 3:
        arrays = list(data)
        what = "<numpy array>"
    elif isinstance(data, np.ndarray) and data.ndim in (1, 2):
        arrays = [data.reshape(len(data), -1)]
        what = "<numpy array>"
    elif isinstance(data, np.ndarray):
        raise InputError(
            f"a numpy array must have 2 dimensions (time, features) or 3 (samples, "
            f"timesteps, features); got shape {data.shape}. Reshape it."
        )
    else:
        arrays = data
        what = "<list of arrays>"
    parts = []
    n_feat: int | None = None
    for i, a in enumerate(arrays):
        try:
            arr = np.asarray(a, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{what}, sequence {i}: values are not numbers ({exc}). "
                             "Convert it to a float array.") from None
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise InputError(f"{what}, sequence {i} has shape {arr.shape}; each sequence "
                             "must be 2-D (timesteps, features).")
        if n_feat is None:
            n_feat = arr.shape[1]
        elif arr.shape[1] != n_feat:
            raise InputError(f"{what}, sequence {i} has {arr.shape[1]} features but sequence 0 "
                             f"has {n_feat}. Every sequence needs the same features.")
        parts.append(arr)
    if not parts or n_feat is None:
        raise InputError(f"{what} is empty. Pass at least one sequence with one timestep.")
    names = list(columns) if columns is not None else [f"x{j}" for j in range(n_feat)]
    if len(names) != n_feat:
        raise InputError(f"columns names {len(names)} features but the arrays have {n_feat}. "
                         "Pass one name per feature.")
    lengths = [len(p) for p in parts]
    values = np.concatenate(parts) if parts else np.empty((0, n_feat))
    frame = pd.DataFrame(values, columns=names)
    frame.insert(0, "step", np.concatenate([np.arange(n) for n in lengths]).astype(np.float64))
    if len(parts) > 1 or (isinstance(data, np.ndarray) and data.ndim == 3):
        frame.insert(0, "sequence", np.repeat(np.arange(len(parts)), lengths))
        return frame, what, {"time_col": "step", "series_col": "sequence"}
    return frame, what, {"time_col": "step"}


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


# -------------------------------------------------------------------- building
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


def _looks_long(frame: pd.DataFrame, time_col: list[str] | None,
                series_col: list[str] | None) -> bool:
    lower = {str(c).lower() for c in frame.columns}
    return (frame.shape[1] in (3, 4) and bool(lower & {"variable", "parameter"})
            and "value" in lower)


def _pivot_long(frame: pd.DataFrame, where: str, time_col: list[str] | None,
                series_col: list[str] | None, markers: list[str],
                report: IngestReport) -> tuple[pd.DataFrame, list[str] | None, list[str] | None]:
    lower = {str(c).lower(): c for c in frame.columns}
    var = lower.get("variable", lower.get("parameter"))
    val = lower.get("value")
    if var is None or val is None:
        raise InputError(f"{where}: long format needs a 'variable' (or 'parameter') and a "
                         "'value' column. Rename them, or pass wide data.")
    if time_col is None:
        time_col = _default_time(frame)
    if time_col is None:
        others = [c for c in frame.columns if c not in (var, val)]
        time_col = others[:1] or None
    if time_col is None:
        raise InputError(f"{where}: long format needs a time column. Pass --time-col.")
    keys = list(series_col or []) + list(time_col)
    extra = [c for c in frame.columns if c not in keys and c not in (var, val)]
    if extra and series_col is None:
        series_col = extra[:1]
        keys = series_col + list(time_col)
    values = _as_numeric(frame[val], str(val), where, markers, report,
                         np.arange(1, len(frame) + 1))
    work = frame[keys + [var]].copy()
    work["__value__"] = values
    work[var] = work[var].astype("string")
    n_before = len(work)
    wide = work.pivot_table(index=keys, columns=var, values="__value__", aggfunc="mean",
                            dropna=False, sort=False)
    groups = work.groupby(keys + [var], sort=False, dropna=False).size()
    report.aggregated_rows += int((groups - 1).clip(lower=0).sum())
    wide.columns = [str(c) for c in wide.columns]
    wide = wide.reset_index()
    report.n_input_rows = n_before
    return wide, list(time_col), series_col


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


def _as_category(col: pd.Series, markers: list[str], report: IngestReport) -> pd.Series:
    s = col.astype("string").str.strip()
    hits = s.isin(markers)
    if bool(hits.any()):
        report.na_markers[str(col.name)] = report.na_markers.get(str(col.name), 0) + int(hits.sum())
        s = s.mask(hits)
    return s.reset_index(drop=True)


def _as_numeric(col: pd.Series, name: str, where: str, markers: list[str],
                report: IngestReport, row_numbers: np.ndarray, *,
                thousands: str | None = None, decimal: str | None = None,
                force: bool = False) -> np.ndarray | None:
    """Float64 values of a column, or None if it is text (categorical).

    Numbers written with a thousands separator or a decimal comma are read with
    ``thousands`` / ``decimal``, and are an error naming those options without them.
    ``force`` (``--strip-units``): the column must be numbers; a text cell is an error.
    """
    if pd.api.types.is_bool_dtype(col):
        return col.astype("float64").to_numpy(np.float64)
    if pd.api.types.is_numeric_dtype(col):
        arr = col.to_numpy(dtype=np.float64, na_value=np.nan)
    elif pd.api.types.is_datetime64_any_dtype(col):
        return None
    else:
        raw = col.astype("string").str.strip().reset_index(drop=True)
        text = number_text.normalise(raw, thousands, decimal) if thousands or decimal \
            else raw
        nums = pd.to_numeric(text, errors="coerce")
        bad = (nums.isna() & text.notna() & ~raw.isin(markers)).to_numpy()
        n_obs = int(text.notna().sum())
        if bad.any():
            hint = number_text.format_hint(raw.mask(raw.isin(markers)))
            if hint is not None:
                what, option, i = hint
                raise InputError(
                    f"{where}, column {name!r}, row {row_numbers[i]}: {raw.iloc[i]!r} is a "
                    f"number written with {what}. Pass {option} to read the column as "
                    f"numbers, or --categorical {name} if it is text."
                )
            share_bad = bad.sum() / max(n_obs, 1)
            distinct_bad = text[bad].nunique()
            if not force and (share_bad > 0.05 or distinct_bad > 3):
                return None  # a text column: categorical
            i = int(np.flatnonzero(bad)[0])
            value = raw.iloc[i]
            unit = number_text.unit_of(raw.mask(raw.isin(markers)))
            if unit is not None and not force:
                fix = (f"The column holds numbers with the unit {unit[0]!r}: pass "
                       f"--strip-units {name}.")
            else:
                fix = f"Fix the cell, or pass --na-values {value} to treat it as missing."
            raise InputError(
                f"{where}, column {name!r}, row {row_numbers[i]}: {value!r} is not a number. "
                f"{fix}"
            )
        arr = nums.to_numpy(dtype=np.float64, na_value=np.nan)
        text_hits = int(text.isin(markers).sum()) if markers else 0
        if text_hits:
            report.na_markers[name] = report.na_markers.get(name, 0) + text_hits
            markers = [m for m in markers if not _is_float(m)]
    if markers:
        numbers = [float(m) for m in markers if _is_float(m)]
        if numbers:
            hits = np.isin(arr, numbers)
            if hits.any():
                report.na_markers[name] = report.na_markers.get(name, 0) + int(hits.sum())
                arr = np.where(hits, np.nan, arr)
    return arr


def _observed_text(col: pd.Series, markers: list[str]) -> pd.Series:
    """The column as stripped text with the missing markers as ``<NA>``."""
    text = col.astype("string").str.strip().reset_index(drop=True)
    return text.mask(text.isin(markers))


def _strip_unit(col: pd.Series, name: str, where: str, markers: list[str],
                report: IngestReport, row_numbers: np.ndarray) -> pd.Series:
    """The column with its unit removed (``--strip-units``); the unit goes to the report."""
    if not (pd.api.types.is_string_dtype(col) or pd.api.types.is_object_dtype(col)):
        return col  # already numbers
    text = col.astype("string").str.strip().reset_index(drop=True)
    num, unit = number_text.split_unit(text.mask(text.isin(markers)))
    counts = unit.dropna().value_counts()
    if counts.empty:
        return text
    top = str(counts.index[0])
    other = (unit.notna() & (unit != top)).fillna(False).to_numpy()
    if other.any():
        i = int(np.flatnonzero(other)[0])
        raise InputError(
            f"{where}, column {name!r}, row {row_numbers[i]}: {text.iloc[i]!r} has the unit "
            f"{unit.iloc[i]!r}, but the column's unit is {top!r} ({int(counts.iloc[0])} "
            "rows). Convert the cells to one unit, or fix the cell."
        )
    report.units[name] = top
    return text.where(unit.isna(), num)


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _parse_freq(freq: Any, is_dt: bool) -> pd.offsets.BaseOffset | float | None:
    """The given grid step: a pandas offset for datetimes, a float for numeric time."""
    if freq is None:
        return None
    if isinstance(freq, (int, float)) or _is_float(str(freq)):
        step = float(freq)
        if is_dt:
            raise InputError(f"--freq {freq} is a bare number but the time column holds dates. "
                             f"Pass a step such as 'h', '15min', 'D', 'W-SAT' or 'MS'.")
        if not step > 0:
            raise InputError(f"--freq must be positive; got {freq}.")
        return step
    if not is_dt:
        raise InputError(f"--freq {freq!r} is a duration but the time column holds numbers. "
                         "Pass a number of time units, such as --freq 60.")
    return parse_freq(freq)


def _regularise(source: str, where: str, time_name: str, tvals: np.ndarray, is_dt: bool,
                series_name: str | None, series: np.ndarray | None,
                numeric: dict[str, np.ndarray], cats: dict[str, pd.Series],
                value_cols: list[str], freq: str | float | None, duplicates: str,
                report: IngestReport, row_numbers: np.ndarray, target: str | None) -> Table:
    n = len(tvals)
    if series is not None:
        codes, uniques = pd.factorize(series, sort=True)
        codes = codes.astype(np.int64)
    else:
        codes = np.zeros(n, dtype=np.int64)
        uniques = np.array(["all"], dtype=object)
    t = tvals.astype(np.float64) if not is_dt else tvals.astype(np.int64)

    # ---- sort by (series, time), stable
    out_of_order = (codes[1:] < codes[:-1]) | ((codes[1:] == codes[:-1]) & (t[1:] < t[:-1]))
    report.unsorted_rows = int(out_of_order.sum())
    if report.unsorted_rows:
        order = np.lexsort((t, codes))
        codes, t, row_numbers = codes[order], t[order], row_numbers[order]
        numeric = {k: v[order] for k, v in numeric.items()}
        cats = {k: v.iloc[order].reset_index(drop=True) for k, v in cats.items()}

    # ---- exact duplicates of (series, time)
    same = np.r_[False, (codes[1:] == codes[:-1]) & (t[1:] == t[:-1])]
    if same.any():
        report.duplicate_rows = int(same.sum())
        first = np.flatnonzero(same)[:5]
        report.duplicate_examples = [
            (str(uniques[codes[i]]), _fmt_time(t[i], is_dt)) for i in first
        ]
        if duplicates == "error":
            i = int(first[0])
            place = (f"series {uniques[codes[i]]!r}, " if series is not None else "")
            raise InputError(
                f"{where}: {report.duplicate_rows} rows repeat a ({'series, ' if series is not None else ''}"
                f"time) pair; the first is {place}time {_fmt_time(t[i], is_dt)} (rows "
                f"{row_numbers[i - 1]} and {row_numbers[i]}). Pass --duplicates "
                "mean|first|last to combine them, or remove the duplicates."
            )
        report.duplicates_policy = duplicates
        keep_rows = ~same
        grp = np.cumsum(keep_rows) - 1
        numeric = {k: _combine(v, grp, duplicates) for k, v in numeric.items()}
        cats = {k: _combine_cat(v, grp, duplicates) for k, v in cats.items()}
        codes, t, row_numbers = codes[keep_rows], t[keep_rows], row_numbers[keep_rows]

    # ---- the grid step
    tz = next((p[3:] for p in report.time_parts if p.startswith("tz=")), None)
    wall = _wall_ns(t, tz) if is_dt else t
    given = _parse_freq(freq, is_dt)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    bounds = np.r_[starts, len(codes)]
    within = np.r_[False, codes[1:] == codes[:-1]]
    report.freq_inferred = given is None
    offset: Any
    if given is not None:
        offset = given
    elif is_dt:
        names = [str(uniques[codes[i]]) for i in starts]
        offset = infer_freq(wall, bounds, names, where)
    else:
        diffs = np.diff(t)[within[1:]] if len(t) > 1 else np.empty(0)
        offset = _infer_step(diffs)
    calendar = is_dt and is_calendar(offset)
    # days and weeks count on the wall clock too: local midnight stays local midnight
    on_wall = is_dt and bool(tz) and (calendar or wall_clock(offset))
    tt = wall if on_wall else t

    # ---- snap onto the grid (integer step numbers)
    if calendar:
        unit = step_index(wall, offset)
        mult = int(offset.n)
        origin = float(int(unit.min()) % mult) if len(unit) else 0.0
        bins = (unit - int(origin)) // mult
        step = float(mult)
    else:
        step = float(_fixed_ns(offset)) if is_dt else float(offset)
        origin = float(np.min(tt)) % step if len(tt) else 0.0
        scaled = (tt - origin) / step
        _check_span(scaled, tt, step, is_dt, where, time_name, row_numbers)
        bins = np.floor(scaled + 1e-9).astype(np.int64)
        if is_dt and given is None and step >= _DAY_NS:
            _check_on_grid(tt, bins, step, origin, offset, where, row_numbers)
    if calendar:
        step_diffs = np.diff(bins)[within[1:]] if len(bins) > 1 else np.empty(0)
        report.irregular_steps = int((step_diffs != 1).sum())
    else:
        diffs = np.diff(tt)[within[1:]] if len(tt) > 1 else np.empty(0)
        report.irregular_steps = int((diffs != step).sum())

    # ---- several readings inside one step: averaged when --freq asked for that step
    same_bin = np.r_[False, (codes[1:] == codes[:-1]) & (bins[1:] == bins[:-1])]
    if same_bin.any() and given is None:
        i = int(np.flatnonzero(same_bin)[0])
        place = f"series {uniques[codes[i]]!r}, " if series is not None else ""
        shown = offset.freqstr if is_dt else f"{step:g}"
        raise InputError(
            f"{where}: {place}the readings at {_fmt_time(t[i - 1], is_dt)} and "
            f"{_fmt_time(t[i], is_dt)} (rows {row_numbers[i - 1]} and {row_numbers[i]}) fall "
            f"into one step of the inferred grid {shown}, which would average them. Pass "
            f"--freq {shown} to average the readings inside each step (the audit reports "
            "it), or a finer --freq to keep them apart (--duplicates handles repeated times)."
        )
    if same_bin.any():
        report.aggregated_rows += int(same_bin.sum())
        grp = np.cumsum(~same_bin) - 1
        numeric = {k: _combine(v, grp, "mean") for k, v in numeric.items()}
        cats = {k: _combine_cat(v, grp, "first") for k, v in cats.items()}
        keep = ~same_bin
        codes, bins, row_numbers = codes[keep], bins[keep], row_numbers[keep]
        starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
        bounds = np.r_[starts, len(codes)]

    # ---- explicit grid: insert the missing steps
    first_bin = bins[bounds[:-1]]
    last_bin = bins[bounds[1:] - 1]
    lengths = last_bin - first_bin + 1
    total = int(lengths.sum())
    if total > _MAX_GRID_GROWTH * max(len(bins), 1) + 1000:
        shown = offset.freqstr if is_dt else f"{step:g}"
        raise InputError(
            f"{where}: a regular grid with step {shown} would need {total:,} rows for "
            f"{len(bins):,} readings; the timestamps are too irregular for that step. Pass a "
            "coarser --freq."
        )
    offsets = np.r_[0, np.cumsum(lengths)[:-1]]
    seg = np.repeat(np.arange(len(lengths)), np.diff(bounds))
    pos = offsets[seg] + (bins - first_bin[seg])
    inserted = np.ones(total, dtype=bool)
    inserted[pos] = False
    report.inserted_rows = int(inserted.sum())
    report.largest_inserted_run = _longest_run(inserted)

    grid_codes = np.repeat(np.arange(len(lengths)), lengths)
    grid_bins = (np.arange(total) - offsets[grid_codes]) + first_bin[grid_codes]
    out: dict[str, Any] = {}
    if series is not None:
        present = np.unique(codes)
        labels = np.asarray([str(u) for u in uniques], dtype=object)
        names = pd.array(labels[present][grid_codes], dtype="string")
        out[series_name] = names  # type: ignore[index]
    if calendar:
        labels = index_labels(grid_bins * int(step) + int(origin), offset)
        out[time_name] = pd.to_datetime(labels, unit="ns")
    elif is_dt:
        grid_t = grid_bins * step + origin
        out[time_name] = pd.to_datetime(np.round(grid_t).astype(np.int64), unit="ns")
    else:
        out[time_name] = (grid_bins * step + origin).astype(np.float64)
    for c in value_cols:
        if c in numeric:
            col = np.full(total, np.nan)
            col[pos] = numeric[c]
            out[c] = col
        else:
            full = pd.array([pd.NA] * total, dtype="string")
            full[pos] = cats[c].to_numpy(dtype=object)
            out[c] = full
    frame = pd.DataFrame(out)
    if on_wall:  # calendar and day labels are wall-clock times in the column's zone
        frame[time_name] = frame[time_name].dt.tz_localize(tz, ambiguous="NaT",
                                                           nonexistent="shift_forward")
    elif is_dt and tz:
        frame[time_name] = frame[time_name].dt.tz_localize("UTC").dt.tz_convert(tz)
    freq_value: pd.offsets.BaseOffset | float = offset if is_dt else float(step)
    return Table(frame=frame, time_col=time_name, series_col=series_name,
                 numeric=[c for c in value_cols if c in numeric],
                 categorical=[c for c in value_cols if c in cats], freq=freq_value,
                 inserted=inserted, source=source, report=report, target=target)


def _infer_step(diffs: np.ndarray) -> float:
    """The most common step of numeric time (1 when there is none)."""
    pos = diffs[diffs > 0]
    if not len(pos):
        return 1.0
    values, counts = np.unique(pos, return_counts=True)
    return float(values[np.argmax(counts)])


def _wall_ns(t: np.ndarray, tz: str | None) -> np.ndarray:
    """Wall-clock ns of UTC ns ``t`` in the zone ``tz`` (``t`` itself without one)."""
    if not tz:
        return t
    idx = pd.DatetimeIndex(t.astype("datetime64[ns]")).tz_localize("UTC").tz_convert(tz)
    return np.asarray(idx.tz_localize(None).as_unit("ns").asi8, dtype=np.int64)


def _check_on_grid(t: np.ndarray, bins: np.ndarray, step: float, origin: float,
                   offset: Any, where: str, row_numbers: np.ndarray) -> None:
    """An inferred step of a day or more must hold every reading on a grid point:
    snapping a reading onto the grid would move it without the user asking."""
    off = np.flatnonzero(np.abs(bins * step + origin - t) > 0.5)
    if len(off):
        i = int(off[0])
        raise InputError(
            f"{where}: the reading at {_fmt_time(t[i], True)} (row {row_numbers[i]}) is not on "
            f"the inferred grid {offset.freqstr} (the most common step); putting it there "
            "would move it. Pass --freq with the step you mean (readings inside one step "
            "are then averaged), or fix the time."
        )


def _check_span(scaled: np.ndarray, t: np.ndarray, step: float, is_dt: bool, where: str,
                name: str, row_numbers: np.ndarray) -> None:
    """Numeric time too far apart to count in grid steps (1e300) is an input error."""
    if is_dt or not len(scaled):
        return
    far = np.abs(scaled) > 2.0**52
    if far.any():
        i = int(np.flatnonzero(far)[0])
        raise InputError(f"{where}, row {row_numbers[i]}, time column {name!r}: {t[i]:g} is "
                         f"too far from the other times to count in steps of {step:g}. Fix "
                         "the cell, or pass a coarser --freq.")


def _combine(values: np.ndarray, grp: np.ndarray, how: str) -> np.ndarray:
    """Reduce consecutive rows with the same group id (NaN-aware)."""
    s = pd.Series(values).groupby(grp, sort=False)
    if how == "mean":
        return s.mean().to_numpy(np.float64)
    if how == "first":
        return s.first().to_numpy(np.float64)
    return s.last().to_numpy(np.float64)


def _combine_cat(values: pd.Series, grp: np.ndarray, how: str) -> pd.Series:
    s = values.reset_index(drop=True).groupby(grp, sort=False)
    res = s.last() if how == "last" else s.first()
    return res.reset_index(drop=True).astype("string")


def _longest_run(mask: np.ndarray) -> int:
    if not mask.any():
        return 0
    padded = np.r_[False, mask, False].astype(np.int8)
    d = np.diff(padded)
    return int((np.flatnonzero(d == -1) - np.flatnonzero(d == 1)).max())


def _fmt_time(value: float, is_dt: bool) -> str:
    if is_dt:
        return str(pd.Timestamp(int(value), unit="ns"))
    return f"{value:g}"
