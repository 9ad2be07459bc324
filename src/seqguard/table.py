"""The ingested table: the one data type every later stage relies on.

:func:`seqguard.read` turns any accepted input into a :class:`Table`. Whatever the
input, a ``Table`` guarantees:

* ``frame`` is a pandas DataFrame with a fresh ``RangeIndex`` (row ``i`` is
  position ``i``).
* Column order: the series column (if any), the time column, then the value
  columns in their input order.
* Rows are sorted by (series, time) and the pair is unique: each series is one
  contiguous block of rows, in time order.
* Time is on a regular grid per series: consecutive rows of one series are
  exactly one ``freq`` step apart. For datetime time (``datetime64[ns]``,
  time-zone aware if the input was) ``freq`` is a pandas offset: a fixed duration
  (``Hour``, ``Minute(15)``, ``Day``) or a calendar step (``MonthBegin``,
  ``MonthEnd``, ``QuarterBegin``, ``QuarterEnd``, ``YearBegin``, ``YearEnd``, an
  anchored ``Week``, ``BusinessDay``); a calendar step is a calendar step, never
  a number of hours (see :mod:`seqguard.grid` for where readings land). For
  numeric time ``freq`` is a float; without a time column time is the row
  position within the series and ``freq`` is 1. Grid rows that were not in the
  input were inserted with every value missing; ``inserted`` marks them.
* No two input readings were merged into one grid row unless the user asked for
  that step (``freq`` given; ``report.aggregated_rows`` counts them) or for
  combining repeated times (``duplicates``).
* The series column (when present) is a string column without missing values;
  without one, the whole table is one series and ``series_col`` is ``None``.
* ``numeric`` columns are ``float64``: missing is NaN (the user's extra missing
  markers already replaced), ``+inf`` / ``-inf`` are kept as they were (the audit
  reports them; later stages treat them as missing).
* ``categorical`` columns are pandas ``string`` dtype with ``<NA>`` for missing.
* ``report`` records what ingestion did (sorting, inserted rows, aggregated
  duplicates, replaced markers, irregular steps), so the audit can report it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .layout import block_bounds, block_codes


def parse_duration(text: Any) -> pd.Timedelta | None:
    """A grid step such as ``"h"``, ``"15min"`` or ``"1 day"`` as a Timedelta.

    Pandas offset aliases first, then Timedelta strings; ``None`` when ``text`` is
    neither a fixed duration (callers word the error for their option).

    Examples
    --------
    >>> parse_duration("15min"), parse_duration("2 hours"), parse_duration("MS")
    (Timedelta('0 days 00:15:00'), Timedelta('0 days 02:00:00'), None)
    """
    try:
        return pd.Timedelta(pd.tseries.frequencies.to_offset(text))
    except (ValueError, TypeError):
        try:
            return pd.Timedelta(text)
        except (ValueError, TypeError):
            return None


@dataclass
class IngestReport:
    """What :func:`seqguard.read` did to the input to give the table's guarantees.

    Attributes
    ----------
    n_input_rows : rows in the input, before any change.
    unsorted_rows : input rows that were out of (series, time) order (0 if sorted).
    duplicate_rows : rows sharing a (series, time) pair with an earlier row.
    duplicate_examples : up to five ``(series, time)`` pairs that were duplicated.
    duplicates_policy : how duplicates were resolved (``"mean"``, ``"first"``, ``"last"``)
        or ``None`` when there were none.
    aggregated_rows : input rows merged by mean into one grid step (irregular readings
        inside one ``freq`` step, as in clinical data); only with a given ``freq``
        (an inferred grid raises instead) or long-format pivoting.
    inserted_rows : grid rows inserted to make the time axis regular (all values missing).
    largest_inserted_run : the longest run of consecutive inserted rows.
    irregular_steps : number of consecutive-row time differences that were not ``freq``.
    freq_inferred : ``True`` when ``freq`` was inferred rather than given.
    na_markers : extra missing markers replaced, with the count per column.
    time_parts : the columns a time stamp was assembled from (e.g. year, month, day, hour).
    time_col_found : how the time column was chosen: ``"given by --time-col"``, ``"by
        name"``, ``"from the date parts ..."``, ``"found by content: 100% of values are
        dates"``, from the DataFrame index, or ``"none: the row position is the time"``.
    units : columns read as numbers with their unit removed (``--strip-units``), and
        the unit.
    number_format : the thousands separator and decimal mark used to read numbers
        written as text, when not the plain ``.`` (``--thousands``, ``--decimal``).
    """

    n_input_rows: int = 0
    unsorted_rows: int = 0
    duplicate_rows: int = 0
    duplicate_examples: list[tuple[str, str]] = field(default_factory=list)
    duplicates_policy: str | None = None
    aggregated_rows: int = 0
    inserted_rows: int = 0
    largest_inserted_run: int = 0
    irregular_steps: int = 0
    freq_inferred: bool = True
    na_markers: dict[str, int] = field(default_factory=dict)
    time_parts: list[str] = field(default_factory=list)
    time_col_found: str = ""
    units: dict[str, str] = field(default_factory=dict)
    number_format: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["duplicate_examples"] = [list(map(str, p)) for p in self.duplicate_examples]
        return d


@dataclass
class Table:
    """A regular, sorted, typed table of one or many time series (see module docstring).

    Attributes
    ----------
    frame : the data.
    time_col : name of the time column (always present in ``frame``; created as
        ``"step"`` when the input had none).
    series_col : name of the series column, or ``None`` for a single series.
    numeric : numeric value columns (float64).
    categorical : categorical value columns (pandas string dtype).
    freq : grid step: a pandas offset (``pd.offsets.BaseOffset``) for datetime time, a
        float for numeric time.
    inserted : boolean array, ``True`` for grid rows that were not in the input.
    source : where the data came from (a file path, or ``"<DataFrame>"`` and so on),
        used to name the place in messages.
    report : what ingestion did.
    target : the target column if the caller named one, else ``None``.
    """

    frame: pd.DataFrame
    time_col: str
    series_col: str | None
    numeric: list[str]
    categorical: list[str]
    freq: pd.offsets.BaseOffset | float
    inserted: np.ndarray
    source: str = "<data>"
    report: IngestReport = field(default_factory=IngestReport)
    target: str | None = None

    # ------------------------------------------------------------------ views
    @property
    def n_rows(self) -> int:
        return len(self.frame)

    @property
    def value_columns(self) -> list[str]:
        """Numeric and categorical columns, in frame order."""
        keep = set(self.numeric) | set(self.categorical)
        return [c for c in self.frame.columns if c in keep]

    @property
    def time_is_datetime(self) -> bool:
        return bool(pd.api.types.is_datetime64_any_dtype(self.frame[self.time_col]))

    def series_codes(self) -> np.ndarray:
        """int64 code per row, 0..n_series-1 in order of appearance (= sorted order)."""
        if self.series_col is None:
            return np.zeros(self.n_rows, dtype=np.int64)
        return block_codes(self.frame[self.series_col].to_numpy())

    def series_bounds(self) -> np.ndarray:
        """Row offsets of the series blocks: series ``k`` is rows ``b[k]:b[k+1]``."""
        return block_bounds(self.series_codes())

    def series_names(self) -> list[str]:
        """Name of each series in order (``["all"]`` for a single series)."""
        if self.series_col is None:
            return ["all"]
        b = self.series_bounds()
        col = self.frame[self.series_col].to_numpy()
        return [str(col[i]) for i in b[:-1]]

    def numeric_array(self, columns: list[str] | None = None,
                      dtype: Any = np.float64) -> np.ndarray:
        """The numeric columns as one 2-D array (rows × columns)."""
        cols = self.numeric if columns is None else columns
        if not cols:
            return np.empty((self.n_rows, 0), dtype=dtype)
        return self.frame[cols].to_numpy(dtype=dtype, copy=False)

    def time_values(self) -> np.ndarray:
        """Time as float64 in ``freq`` steps: consecutive grid rows differ by exactly 1.

        Datetime time on a calendar grid: the integer step index of
        :func:`seqguard.grid.step_index` (months since 1970-01 for ``MS``, ...)
        divided by the multiple; on a fixed grid: steps since the epoch; numeric
        time: the values divided by ``freq``.
        """
        from .grid import fixed_ns, is_calendar, step_index, wall_clock

        t = self.frame[self.time_col]
        if self.time_is_datetime:
            freq: Any = self.freq
            if not isinstance(freq, pd.offsets.BaseOffset):  # a Timedelta (older callers)
                freq = pd.tseries.frequencies.to_offset(pd.Timedelta(freq))
            if is_calendar(freq):
                wall = t.dt.tz_localize(None) if t.dt.tz is not None else t
                ns = wall.to_numpy("datetime64[ns]").astype(np.int64)
                return step_index(ns, freq).astype(np.float64) / float(freq.n)
            if t.dt.tz is not None:  # days and weeks count on the wall clock
                t = t.dt.tz_localize(None) if wall_clock(freq) else \
                    t.dt.tz_convert("UTC").dt.tz_localize(None)
            return t.to_numpy("datetime64[ns]").astype(np.int64) / float(fixed_ns(freq))
        return t.to_numpy(np.float64) / float(self.freq)

    def describe_row(self, i: int) -> str:
        """Human name of row ``i`` for messages: series and time."""
        t = self.frame[self.time_col].iloc[i]
        if self.series_col is None:
            return f"time {t}"
        return f"series {self.frame[self.series_col].iloc[i]!r}, time {t}"
