"""Where the rows come from: files, pandas/polars frames and numpy arrays, as one raw frame.

:func:`_load` turns any accepted input into a raw pandas DataFrame, the name of its
source for messages, and the schema the input itself implies (a DatetimeIndex is the
time column, numpy sequences are series with a step column). Nothing is parsed or
typed here; files are read by :mod:`seqguard.files`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..files import read_file


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
        if path.is_dir():
            from .dataset import FOLDER_HINT, is_parquet_folder

            if is_parquet_folder(path):
                raise InputError(f"'{path}' is a folder of Parquet files. {FOLDER_HINT}")
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
