"""New data against the data a pipeline was fitted on: what changed, said once.

:meth:`seqguard.pipeline.Pipeline.transform` (what ``predict``, ``evaluate`` and
``--test-data`` / ``--val-data`` go through) calls :func:`check_changed_data` before
anything is computed, and this is the one place the columns of new data are compared
with the fitted ones:

* **a column now missing**: an :class:`~seqguard.errors.InputError` naming it (and up
  to four more);
* **a column whose type changed**: numbers at fit, text now (``'high'`` where a
  number was), or text categories at fit, only numbers now: an
  :class:`~seqguard.errors.InputError` naming the column, a cell (row and time) and
  the fix;
* **a category never seen at fit** in a categorical column: a
  :class:`~seqguard.errors.DataWarning` naming the column and the values. Predictions
  are still made: the categorical encoding has an ``__unknown__`` bucket for exactly
  this (:class:`seqguard.features.Categoricals`), so refusing would take away a
  designed behaviour; the warning says the model knows nothing about those values.
* **an extra column** is ignored: the model reads the columns it was fitted with only.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import DataWarning, InputError, format_list
from .table import Table

__all__ = ["check_changed_data", "fitted_categories"]

_BUCKETS = ("__unknown__", "__missing__")


def fitted_categories(steps: Iterable[Any]) -> dict[str, list[str]]:
    """``{column: categories}`` learned by the categorical steps among ``steps`` (the
    fitted feature steps), without the ``__unknown__`` / ``__missing__`` buckets."""
    out: dict[str, list[str]] = {}
    for step in steps:
        cats = getattr(step, "categories_", None)
        if isinstance(cats, Mapping):
            for col, values in cats.items():
                out[str(col)] = [str(v) for v in values if str(v) not in _BUCKETS]
    return out


def _first_text(values: pd.Series) -> int | None:
    """Position of the first cell that is present and not a number, or None."""
    present = values.notna().to_numpy()
    numbers = pd.to_numeric(values.where(values.notna()), errors="coerce").notna().to_numpy()
    bad = np.flatnonzero(present & ~numbers)
    return int(bad[0]) if len(bad) else None


def check_changed_data(table: Table, input_columns: Sequence[str],
                       categories: Mapping[str, Sequence[str]], *,
                       stacklevel: int = 3) -> None:
    """Compare ``table`` with the columns a pipeline was fitted on.

    Parameters
    ----------
    table : Table
        The new data, read with the run's read options.
    input_columns : list of str
        The columns the pipeline was fitted with (``input_columns_``).
    categories : dict of str to list of str
        The categorical ones among them and their categories
        (:func:`fitted_categories`); every other input column held numbers.

    Raises
    ------
    InputError
        A fitted column is missing, or its type changed (named, with a cell and the
        fix).

    Warns
    -----
    DataWarning
        A categorical column holds values never seen at fit (they are encoded as
        ``__unknown__``).
    """
    frame = table.frame
    missing = [c for c in input_columns if c not in frame.columns]
    if missing:
        also = f" (and {format_list(missing[1:], 4)})" if len(missing) > 1 else ""
        raise InputError(f"{table.source} lacks the column {missing[0]!r}{also} the "
                         "pipeline was fitted with. Pass data with the training columns "
                         "(extra columns are ignored).")
    for col in input_columns:
        if col in categories:
            if col in table.numeric and col not in table.categorical:
                raise InputError(
                    f"{table.source}: column {col!r} held text categories when the model "
                    "was fitted, and now holds only numbers. Pass the column as it was "
                    f"(categories such as {format_list(categories[col][:3])}), or refit "
                    "on the data as it is now.")
            continue
        if col in table.numeric:
            continue
        pos = _first_text(frame[col])
        if pos is None:  # no cell at all, or numbers kept as text: nothing changed
            continue
        value = str(frame[col].iloc[pos])
        raise InputError(
            f"{table.source}: column {col!r} held numbers when the model was fitted, and "
            f"now holds text ({table.describe_row(pos)}: {value!r}). Fix the column, pass "
            f"--na-values {value} (read_options na_values) to treat such cells as "
            "missing, or refit on the data as it is now.")
    for col, known in categories.items():
        if col not in frame.columns:
            continue
        values = frame[col].dropna().astype(str)
        new = values[~values.isin(set(known))]
        if len(new):
            seen = list(dict.fromkeys(new.tolist()))
            warnings.warn(
                f"{table.source}: column {col!r} holds {len(seen)} categor"
                f"{'y' if len(seen) == 1 else 'ies'} the model never saw at fit "
                f"({format_list(seen)}; {len(new):,} row(s)). They are encoded as "
                "'__unknown__': the model knows nothing about them. Refit on data that "
                "holds them for the model to learn them.", DataWarning,
                stacklevel=stacklevel)
