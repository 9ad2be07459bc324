"""A folder of Parquet files (or a partitioned dataset) read series by series.

:class:`ParquetDataset` opens the folder with ``pyarrow.dataset`` and reads it in
**shards**: groups of whole series, consecutive in the table's order (series sorted
by name), each read with a filter on the series column from the files that hold
those series only, then turned into a :class:`~seqguard.table.Table` by
:func:`seqguard.read` with the same schema options as any other input. Memory
holds one shard, never the whole table.

What it guarantees:

* the shards are disjoint and, concatenated in order, hold the rows
  :func:`seqguard.read` gives for the whole folder in memory (:meth:`read_all`);
* every shard's table has the same time column, value columns (numeric and
  categorical, the same kinds) and grid step as the first one; a shard that
  disagrees is an :class:`~seqguard.errors.InputError` naming its series and the
  option that fixes it (``--freq``, ``--features``, ``--categorical``);
* a series is never split between shards: a series longer than ``shard_rows`` is a
  shard of its own.

Listing the series reads the series column once, batch by batch.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..table import Table
from .sources import _split_names

__all__ = ["DEFAULT_SHARD_ROWS", "FOLDER_HINT", "ParquetDataset", "is_parquet_folder",
           "open_folder"]

#: Input rows per shard by default (about 150 MB of float64 for 16 columns).
DEFAULT_SHARD_ROWS = 1_000_000


#: What reads a Parquet folder, for the messages of the commands that read one file.
FOLDER_HINT = (
    "A folder of Parquet files is read shard by shard, never as one table: audit it with "
    "'seqguard audit FOLDER --series-col COLUMN', and fit it through the library "
    "(seqguard.io.ParquetDataset, fit_streaming and prepare_shards, see "
    "docs/out-of-core.md). 'seqguard fit', 'predict' and 'evaluate' read one data file "
    "for now: pass one file.")

#: Read options that apply to text files only, refused for a Parquet folder.
_TEXT_OPTIONS = {"sep": "--delimiter", "thousands": "--thousands", "decimal": "--decimal",
                 "encoding": "--encoding", "strip_units": "--strip-units"}


def open_folder(path: str | os.PathLike[str], *, target: str | None = None,
                shard_rows: int | None = None, **read_options: Any) -> ParquetDataset:
    """A :class:`ParquetDataset` from the options :func:`seqguard.read` takes (as the
    command line gathers them); the options of text files must be unset.

    Raises
    ------
    InputError
        A text-file option given, or anything :class:`ParquetDataset` raises.
    """
    for key, flag in _TEXT_OPTIONS.items():
        if read_options.pop(key, None) not in (None, [], ""):
            raise InputError(f"{flag} applies to text files; the Parquet folder '{path}' "
                             f"has typed columns. Leave {flag} out.")
    keep = ("time_col", "series_col", "features", "categorical", "na_values", "freq",
            "duplicates")
    extra = sorted(k for k in read_options if k not in keep and read_options[k] is not None)
    if extra:
        raise InputError(f"the option {extra[0]!r} does not apply to a Parquet folder "
                         f"('{path}'). Leave it out.")
    opts = {k: read_options[k] for k in keep if read_options.get(k) is not None}
    return ParquetDataset(path, series_col=opts.pop("series_col", None), target=target,
                          shard_rows=shard_rows or DEFAULT_SHARD_ROWS, **opts)


def is_parquet_folder(path: Any) -> bool:
    """True when ``path`` is a folder holding at least one ``.parquet`` / ``.pq`` file
    (at any depth, as a partitioned dataset lays them out)."""
    if not isinstance(path, (str, os.PathLike)) or not Path(path).is_dir():
        return False
    return bool(_parquet_files(Path(path)))


def _parquet_files(folder: Path) -> list[str]:
    """The ``.parquet`` / ``.pq`` files under ``folder`` (names starting with ``.`` or
    ``_`` left out, as pyarrow does), sorted."""
    out = []
    for root, dirs, files in os.walk(str(folder)):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        out += [os.path.join(root, f) for f in sorted(files)
                if f.lower().endswith((".parquet", ".pq")) and not f.startswith((".", "_"))]
    return out


def _unreadable(folder: Path, exc: BaseException) -> InputError:
    return InputError(f"{folder}: cannot read it as a Parquet dataset ({exc}). Fix or "
                      "remove that file.")


class _Shape:
    """What every shard's table must share with the first one (not its rows)."""

    def __init__(self, time_col: str, time_parts: list[str], numeric: list[str],
                 categorical: list[str], freq: str) -> None:
        self.time_col, self.time_parts = time_col, list(time_parts)
        self.numeric, self.categorical, self.freq = list(numeric), list(categorical), freq

    @classmethod
    def of(cls, table: Table) -> _Shape:
        return cls(table.time_col, table.report.time_parts, table.numeric, table.categorical,
                   str(table.freq))

    def check(self, other: _Shape, where: str) -> None:
        """Refuse a shard whose schema differs from the first shard's."""
        if other.time_col != self.time_col:
            raise InputError(f"{where}: the time column is {other.time_col!r}, the first "
                             f"shard's {self.time_col!r}. Pass --time-col.")
        for kind in ("numeric", "categorical"):
            a, b = getattr(self, kind), getattr(other, kind)
            if a != b:
                odd = sorted(set(a) ^ set(b)) or b
                raise InputError(
                    f"{where}: its {kind} columns differ from the first shard's (column "
                    f"{odd[0]!r}). Name the columns with --features and the categories "
                    "with --categorical, so every shard reads the same.")
        if other.freq != self.freq:
            raise InputError(f"{where}: the grid step is {other.freq}, the first shard's "
                             f"{self.freq}. Pass --freq.")


class ParquetDataset:
    """A Parquet folder or partitioned dataset, read shard by shard (module docstring).

    Parameters
    ----------
    path : str or Path
        The folder (files at any depth; ``key=value`` folders are hive partitions,
        and a partition key can be the series column).
    series_col : str
        The column naming the series (required: shards are groups of series).
    time_col, features, categorical, target, na_values, freq, duplicates
        As for :func:`seqguard.read`, applied to every shard.
    shard_rows : int
        Input rows per shard, at most (whole series; at least one series).

    Attributes
    ----------
    series_names : list of str
        Every series, in the table's order.
    series_rows : ndarray of int64
        Input rows of each series (before the regular grid inserts any).
    shards : list of list of str
        The series of each shard.

    Examples
    --------
    >>> import tempfile, pandas as pd, seqguard
    >>> from seqguard.io import ParquetDataset
    >>> d = tempfile.mkdtemp()
    >>> for k in range(3):
    ...     pd.DataFrame({"site": f"s{k}", "t": range(50), "y": range(50)}).to_parquet(
    ...         f"{d}/part{k}.parquet")
    >>> data = ParquetDataset(d, series_col="site", time_col="t", shard_rows=100)
    >>> data.shards, [t.n_rows for t in data.tables()]
    ([['s0', 's1'], ['s2']], [100, 50])
    """

    def __init__(self, path: str | os.PathLike[str], *, series_col: str | None,
                 time_col: str | Sequence[str] | None = None,
                 features: Sequence[str] | None = None,
                 categorical: Sequence[str] | None = None, target: str | None = None,
                 na_values: Sequence[Any] | str | None = None,
                 freq: str | float | None = None, duplicates: str = "error",
                 shard_rows: int = DEFAULT_SHARD_ROWS) -> None:
        import pyarrow as pa
        import pyarrow.dataset as pa_ds

        self.path = Path(path)
        if not is_parquet_folder(self.path):
            raise InputError(f"'{self.path}' is not a folder of Parquet files (.parquet or "
                             ".pq). Pass a folder that holds them, or one data file.")
        names = _split_names(series_col) or []
        if len(names) != 1:
            raise InputError(
                f"{self.path}: a Parquet folder is read series by series, so it needs one "
                "series column: pass --series-col COLUMN (got "
                f"{'none' if not names else ', '.join(names)}).")
        if isinstance(shard_rows, bool) or not isinstance(shard_rows, (int, np.integer)) \
                or shard_rows < 1:
            raise InputError(f"shard_rows must be a whole number of at least 1, got "
                             f"{shard_rows!r}.")
        self.series_col = names[0]
        self.time_col = time_col
        self.features = features
        self.categorical = categorical
        self.target = target
        self.na_values = na_values
        self.freq = freq
        self.duplicates = duplicates
        self.shard_rows = int(shard_rows)
        try:
            self._dataset = pa_ds.dataset(
                _parquet_files(self.path), format="parquet", partition_base_dir=str(self.path),
                partitioning=pa_ds.partitioning(flavor="hive"))
        except (pa.ArrowException, OSError, ValueError) as exc:  # they name the bad file
            raise _unreadable(self.path, exc) from None
        fields = list(self._dataset.schema.names)
        if self.series_col not in fields:
            from ..errors import did_you_mean
            raise InputError(f"{self.path}: no column {self.series_col!r} for --series-col."
                             f"{did_you_mean(self.series_col, fields)}")
        self._columns = self._wanted(fields)
        self._first: _Shape | None = None
        self._list_series()

    # ------------------------------------------------------------------ listing
    def _wanted(self, fields: list[str]) -> list[str] | None:
        if self.features is None:
            return None
        keep = {*(_split_names(self.features) or []), *(_split_names(self.categorical) or []),
                *(_split_names(self.time_col) or []), self.series_col,
                *([self.target] if self.target else [])}
        return [f for f in fields if f in keep]

    def _list_series(self) -> None:
        """One pass over the series column: rows per series and the files holding it."""
        import pyarrow as pa

        rows: dict[str, int] = {}
        values: dict[str, Any] = {}
        where: dict[str, set[int]] = {}
        self._fragments = list(self._dataset.get_fragments())
        index = {f.path: i for i, f in enumerate(self._fragments)}
        scanner = self._dataset.scanner(columns=[self.series_col])
        try:
            for tagged in scanner.scan_batches():  # one batch of the series column at a time
                self._count(tagged, index, rows, values, where)
        except (pa.ArrowException, OSError) as exc:
            raise _unreadable(self.path, exc) from None
        if not rows:
            raise InputError(f"{self.path} holds no data rows. Pass a folder with at least "
                             "one row.")
        self.series_names = sorted(rows)
        self.series_rows = np.asarray([rows[s] for s in self.series_names], dtype=np.int64)
        self._values = values
        self._where = where
        self.shards = []
        current: list[str] = []
        size = 0
        for name, n in zip(self.series_names, self.series_rows.tolist()):
            if current and size + n > self.shard_rows:
                self.shards.append(current)
                current, size = [], 0
            current.append(name)
            size += n
        self.shards.append(current)

    def _count(self, tagged: Any, index: dict[str, int], rows: dict[str, int],
               values: dict[str, Any], where: dict[str, set[int]]) -> None:
        """Add one batch of the series column to the rows and files of each series."""
        column = tagged.record_batch.column(0)
        if column.null_count:
            raise InputError(f"{tagged.fragment.path}: the series column "
                             f"{self.series_col!r} has missing values. Give every row "
                             "a series name.")
        counts = column.value_counts()
        frag = index[tagged.fragment.path]
        for value, n in zip(counts.field(0).to_pylist(), counts.field(1).to_pylist()):
            name = str(value)
            rows[name] = rows.get(name, 0) + int(n)
            values.setdefault(name, value)
            where.setdefault(name, set()).add(frag)

    # ------------------------------------------------------------------ reading
    @property
    def n_rows(self) -> int:
        """Input rows in all."""
        return int(self.series_rows.sum())

    def read_series(self, names: Sequence[str]) -> Table:
        """The table of the series ``names`` (read from the files holding them)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        names = [str(s) for s in names]
        unknown = [s for s in names if s not in self._values]
        if unknown:
            raise InputError(f"{self.path}: no series {unknown[0]!r} in column "
                             f"{self.series_col!r}.")
        expr = pc.field(self.series_col).isin(pa.array([self._values[s] for s in names]))
        frags = sorted(set().union(*(self._where[s] for s in names)))
        try:
            parts = [self._fragments[i].to_table(schema=self._dataset.schema,
                                                 columns=self._columns, filter=expr)
                     for i in frags]
        except (pa.ArrowException, OSError) as exc:
            raise _unreadable(self.path, exc) from None
        arrow = pa.concat_tables(parts)
        del parts
        frame = arrow.to_pandas(split_blocks=True, self_destruct=True)  # frees as it goes
        del arrow
        label = f"{self.path} (series {names[0]!r}" + (
            f" to {names[-1]!r})" if len(names) > 1 else ")")
        return self._table(frame, label)

    def _table(self, frame: pd.DataFrame, label: str) -> Table:
        from . import read

        first = self._first
        time_col = self.time_col
        if first is not None and time_col is None:  # found on the first shard: keep it
            time_col = first.time_parts or first.time_col
        table = read(frame, time_col=time_col, series_col=self.series_col,
                     features=self.features, categorical=self.categorical,
                     target=self.target, na_values=self.na_values, freq=self.freq,
                     duplicates=self.duplicates)
        table.source = label
        shape = _Shape.of(table)
        if first is None:
            self._first = shape
        else:
            first.check(shape, label)
        return table

    def tables(self) -> Iterator[Table]:
        """The table of each shard, in order (one in memory at a time)."""
        for names in self.shards:
            yield self.read_series(names)

    def read_all(self) -> Table:
        """The whole folder as one in-memory table (small data and tests)."""
        from . import read

        frame = self._dataset.to_table(columns=self._columns).to_pandas()
        table = read(frame, time_col=self.time_col, series_col=self.series_col,
                     features=self.features, categorical=self.categorical,
                     target=self.target, na_values=self.na_values, freq=self.freq,
                     duplicates=self.duplicates)
        table.source = str(self.path)
        return table
