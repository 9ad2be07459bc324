"""Read any accepted input into a :class:`~seqguard.table.Table`.

Accepted inputs: a CSV file (any delimiter, optionally gzip-compressed), a Parquet
file, a pandas or polars DataFrame, a numpy array (2-D: one series, rows are time
steps; 3-D: ``(samples, timesteps, features)`` as Keras users hold it, one series
per sample), a list of variable-length 2-D arrays (one series each), and long
format (time, variable, value[, series]) which is pivoted to wide.

What the returned table guarantees is written in :mod:`seqguard.table`; what
reading did to give those guarantees (sorting, inserted grid rows, aggregated
readings, replaced missing markers) is in ``table.report`` for the audit to show.

One idea per module: :mod:`~seqguard.io.sources` (files, frames and arrays as one raw
frame; the file format options), :mod:`~seqguard.io.schema` (time, series and value
columns), :mod:`~seqguard.io.sniff` (finding the time column),
:mod:`~seqguard.io.timecol` (reading it), :mod:`~seqguard.io.values` (numbers, units
and categories), :mod:`~seqguard.io.long_format` and :mod:`~seqguard.io.regularise`
(the regular grid).

Larger than memory: :class:`~seqguard.io.dataset.ParquetDataset` reads a folder of
Parquet files (or a partitioned dataset) shard by shard,
:func:`~seqguard.io.streaming.fit_streaming` fits a pipeline on it in one pass, and
:func:`~seqguard.io.shard_cache.prepare_shards` writes its windows' arrays for
:class:`~seqguard.windows.ShardWindowLoader` (see docs/out-of-core.md). These are
imported on first use, so ``from seqguard.io import read`` stays light.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import InputError, did_you_mean
from ..files import DEFAULT_NA_VALUES
from ..table import Table
from .schema import _build
from .sources import _check_format_options, _load, _parse_na_values, _split_names

__all__ = ["DEFAULT_NA_VALUES", "DUPLICATE_POLICIES", "ParquetDataset", "fit_streaming",
           "is_parquet_folder", "prepare_shards", "read", "shard_pipeline"]

# out-of-core names -> the module defining them, imported on first use (PEP 562)
_LAZY = {"ParquetDataset": "dataset", "is_parquet_folder": "dataset",
         "fit_streaming": "streaming", "shard_pipeline": "streaming",
         "prepare_shards": "shard_cache"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

DUPLICATE_POLICIES = ("error", "mean", "first", "last")


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
