"""The series layout: which rows belong to which series, and what each row saw last.

Everywhere in seqguard the rows of a table are sorted by (series, time) and each
series is **one contiguous block** of rows, in time order (:mod:`seqguard.table`
gives that guarantee; :func:`sort_order` is how :func:`seqguard.read` gets there).
The layout is held in one of two forms, and the helpers here go between them:

* ``groups``: one series code per row (any integers; a code may not come back after
  another series started);
* ``bounds``: int64 offsets ``0 = b[0] <= b[1] <= ... <= b[-1] = n_rows``; series
  ``k`` is rows ``b[k]:b[k+1]`` (an empty series is allowed).

What every helper guarantees:

* pure numpy, no copies of the data beyond the arrays it returns, and no heavy
  imports (the audit and the command line load this module);
* **past only, one series at a time**: :func:`last_observed` and
  :func:`last_observed_before` read a row only at or before the row asked about, and
  never a row of an earlier series;
* values are copied, never computed: the results are exact, in the input's dtype
  (:func:`last_observed` float32, :func:`last_observed_before` float64).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import InputError

__all__ = [
    "block_bounds",
    "block_codes",
    "bounds_from_groups",
    "check_bounds",
    "continues_series",
    "groups_from_bounds",
    "index_dtype",
    "last_observed",
    "last_observed_before",
    "last_observed_rows",
    "next_observed_rows",
    "resolve_bounds",
    "row_ends",
    "row_starts",
    "series_of_rows",
    "sort_order",
]


# ----------------------------------------------------------------- the two forms
def block_bounds(codes: Any) -> np.ndarray:
    """Offsets of the runs of equal values in ``codes``, with the length appended.

    No validation: every change of value starts a block (for codes already laid out
    by series; :func:`bounds_from_groups` checks that a series does not come back).

    Examples
    --------
    >>> block_bounds(np.array([0, 0, 1, 1, 1, 2])).tolist()
    [0, 2, 5, 6]
    >>> block_bounds(np.array([], dtype=np.int64)).tolist()
    [0]
    """
    c = np.asarray(codes)
    n = len(c)
    if n == 0:
        return np.zeros(1, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    return np.r_[starts, n].astype(np.int64)


def block_codes(values: Any) -> np.ndarray:
    """int64 code per row, ``0, 1, ...`` in order of appearance of each run of ``values``.

    Examples
    --------
    >>> block_codes(np.array(["b", "b", "a", "c"], dtype=object)).tolist()
    [0, 0, 1, 2]
    """
    s = np.asarray(values)
    change = np.empty(len(s), dtype=bool)
    if len(s):
        change[0] = False
        change[1:] = s[1:] != s[:-1]
    return np.cumsum(change, dtype=np.int64)


def bounds_from_groups(groups: Any) -> np.ndarray:
    """Row offsets of the series blocks from one series code per row.

    Each series must be one contiguous block (codes need not be sorted, but a code
    may not come back after another one started).

    Examples
    --------
    >>> bounds_from_groups([0, 0, 0, 1, 1]).tolist()
    [0, 3, 5]
    """
    g = np.asarray(groups)
    if g.ndim != 1:
        raise InputError(f"groups has shape {g.shape}; expected one series code per row.")
    n = len(g)
    if n == 0:
        return np.zeros(1, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    codes = g[starts]
    if len(np.unique(codes)) != len(codes):
        seen: set = set()
        for c, s in zip(codes.tolist(), starts.tolist()):
            if c in seen:
                raise InputError(
                    f"groups: series {c!r} comes back at row {s} after another series "
                    "started; each series must be one contiguous block. Sort the rows by "
                    "(series, time)."
                )
            seen.add(c)
    return np.r_[starts, n].astype(np.int64)


def groups_from_bounds(bounds: Any) -> np.ndarray:
    """One int64 series code (0, 1, ...) per row from the series offsets.

    Examples
    --------
    >>> groups_from_bounds([0, 3, 5]).tolist()
    [0, 0, 0, 1, 1]
    """
    b = check_bounds(bounds)
    return np.repeat(np.arange(len(b) - 1, dtype=np.int64), np.diff(b))


def check_bounds(bounds: Any, n_rows: int | None = None) -> np.ndarray:
    """Validate series offsets into an int64 array: starts at 0, non-decreasing, ends at ``n_rows``."""
    b = np.asarray(bounds)
    if b.ndim != 1 or len(b) < 1 or (len(b) and b.dtype.kind not in "iu"):
        raise InputError(
            f"bounds must be a 1-D integer array of series offsets (0, ..., n_rows), got "
            f"shape {b.shape} and dtype {b.dtype}. Build it with bounds_from_groups(groups)."
        )
    b = b.astype(np.int64, copy=False)
    if b[0] != 0 or np.any(np.diff(b) < 0):
        raise InputError(
            "bounds must start at 0 and never decrease (series k is rows "
            "bounds[k]:bounds[k+1]). Build it with bounds_from_groups(groups)."
        )
    if n_rows is not None and b[-1] != n_rows:
        raise InputError(
            f"bounds end at row {int(b[-1])} but the data has {n_rows} rows. Pass the "
            "offsets of this data (bounds_from_groups(groups))."
        )
    return b


def resolve_bounds(n_rows: int, groups: Any, bounds: Any) -> np.ndarray:
    """The bounds of ``n_rows`` rows given ``groups`` or ``bounds`` (neither: one series)."""
    if groups is not None and bounds is not None:
        raise InputError("pass either groups or bounds, not both.")
    if bounds is not None:
        return check_bounds(bounds, n_rows)
    if groups is None:
        return np.array([0, n_rows], dtype=np.int64)
    g = np.asarray(groups)
    if g.shape != (n_rows,):
        raise InputError(f"groups has shape {g.shape}, expected ({n_rows},): one series "
                         "code per row.")
    return bounds_from_groups(g)


# ----------------------------------------------------------------- getting there
def sort_order(codes: np.ndarray, t: np.ndarray) -> tuple[int, np.ndarray | None]:
    """How many rows are out of (series, time) order, and the stable order that sorts them.

    The order is ``None`` when the rows are sorted already (nothing to move).

    Examples
    --------
    >>> n, order = sort_order(np.array([0, 1, 0]), np.array([1.0, 0.0, 2.0]))
    >>> n, order.tolist()
    (1, [0, 2, 1])
    """
    out_of_order = (codes[1:] < codes[:-1]) | ((codes[1:] == codes[:-1]) & (t[1:] < t[:-1]))
    n = int(out_of_order.sum())
    return n, (np.lexsort((t, codes)) if n else None)


# ----------------------------------------------------------------- per-row questions
def index_dtype(n: int) -> type[np.signedinteger]:
    """The smallest signed integer type that holds a row index of ``n`` rows (and -1)."""
    return np.int32 if n < 2**31 - 1 else np.int64


def row_starts(bounds: np.ndarray, dtype: Any = np.int64) -> np.ndarray:
    """First row of each row's series (``bounds`` already checked).

    Examples
    --------
    >>> row_starts(np.array([0, 2, 2, 5])).tolist()
    [0, 0, 2, 2, 2]
    """
    start = np.zeros(int(bounds[-1]), dtype=dtype)
    heads = bounds[:-1][np.diff(bounds) > 0]
    start[heads] = heads
    np.maximum.accumulate(start, out=start)
    return start


def row_ends(bounds: np.ndarray, dtype: Any = np.int64) -> np.ndarray:
    """One past the last row of each row's series (``bounds`` already checked).

    Examples
    --------
    >>> row_ends(np.array([0, 2, 2, 5])).tolist()
    [2, 2, 5, 5, 5]
    """
    return np.repeat(bounds[1:].astype(dtype, copy=False), np.diff(bounds))


def continues_series(bounds: np.ndarray) -> np.ndarray:
    """True for each row that follows a row of its own series (False at every series start).

    The rows where a step ``t[i] - t[i-1]`` is a step within one series.

    Examples
    --------
    >>> continues_series(np.array([0, 2, 2, 5, 5])).tolist()
    [False, True, False, True, True]
    """
    within = np.ones(int(bounds[-1]), dtype=bool)
    within[bounds[:-1][np.diff(bounds) > 0]] = False  # an empty series starts no row
    return within


def series_of_rows(bounds: np.ndarray, rows: Any) -> np.ndarray:
    """Series number (0-based, in ``bounds`` order) of each row in ``rows``.

    Examples
    --------
    >>> series_of_rows(np.array([0, 2, 2, 5]), [0, 1, 2, 4]).tolist()
    [0, 0, 2, 2]
    """
    return np.searchsorted(bounds, rows, side="right") - 1


def last_observed_rows(missing: np.ndarray) -> np.ndarray:
    """Row of the last row at or before each row that is not ``missing``; -1 for none.

    Across series: compare with :func:`row_starts` to stay inside one series.

    Examples
    --------
    >>> last_observed_rows(np.array([True, False, True, False])).tolist()
    [-1, 1, 1, 3]
    """
    n = len(missing)
    idx = np.arange(n, dtype=index_dtype(n))
    idx[missing] = -1
    np.maximum.accumulate(idx, out=idx)
    return idx


def next_observed_rows(missing: np.ndarray) -> np.ndarray:
    """Row of the first row at or after each row that is not ``missing``; ``n_rows`` for none.

    The mirror of :func:`last_observed_rows` (it looks forward): compare with
    :func:`row_ends` to stay inside one series.

    Examples
    --------
    >>> next_observed_rows(np.array([True, False, True, True])).tolist()
    [1, 1, 4, 4]
    """
    n = len(missing)
    idx = np.arange(n, dtype=index_dtype(n + 1))
    idx[missing] = n
    np.minimum.accumulate(idx[::-1], out=idx[::-1])
    return idx


def last_observed(y: Any, bounds: Any) -> np.ndarray:
    """Past-only forward fill of ``y`` within each series.

    ``out[i]`` is the last non-NaN ``y[j]`` with ``j <= i`` in the same series, NaN
    when the series has no observed value up to ``i``. Never looks forward, never
    carries a value into the next series.

    Parameters
    ----------
    y : array-like of shape (n_rows,)
    bounds : array-like of int64
        Series offsets.

    Returns
    -------
    ndarray of float32, shape (n_rows,)

    Examples
    --------
    >>> last_observed([np.nan, 1.0, np.nan, 3.0, np.nan, 5.0], [0, 4, 6]).tolist()
    [nan, 1.0, 1.0, 3.0, nan, 5.0]
    """
    yy = np.asarray(y, dtype=np.float32)
    b = check_bounds(bounds, len(yy))
    idx = last_observed_rows(np.isnan(yy))
    start = row_starts(b, dtype=idx.dtype)
    stale = idx < start
    del start
    out = yy[np.maximum(idx, 0)]
    out[stale] = np.nan
    return out


def last_observed_before(y: Any, rows: Any, series_start: Any) -> np.ndarray:
    """The last observed ``y`` at or before each row, within its series.

    Parameters
    ----------
    y : array-like of shape (n_rows,)
        Flat target, NaN where missing.
    rows : array-like of int, shape (n,)
        Absolute rows (e.g. the last input row of each window).
    series_start : int or array-like of int, shape (n,)
        First row of each row's series: nothing before it is read.

    Returns
    -------
    ndarray of float64, shape (n,)
        NaN where the series has no observed value in ``series_start .. row``.

    Examples
    --------
    >>> last_observed_before([1.0, np.nan, 7.0, np.nan], [1, 3, 3], [0, 0, 3]).tolist()
    [1.0, 7.0, nan]
    """
    yy = np.asarray(y, dtype=np.float64)
    r = np.asarray(rows, dtype=np.int64)
    s0 = np.broadcast_to(np.asarray(series_start, dtype=np.int64), r.shape)
    if r.size and (r.min() < 0 or r.max() >= len(yy)):
        raise InputError(f"rows hold {int(r.min())}..{int(r.max())}, outside y's "
                         f"{len(yy)} rows.")
    idx = last_observed_rows(np.isnan(yy))
    src = idx[r] if r.size else r
    out = np.full(r.shape, np.nan)
    ok = src >= s0
    out[ok] = yy[src[ok]]
    return out
