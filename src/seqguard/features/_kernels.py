"""Per-series array kernels shared by the feature steps.

Every function here works on float64 arrays holding many series one after the other
(``starts``: the first row of each series, with the total length appended: the
``bounds`` of :mod:`seqguard.layout`) and never lets a value cross from one
series into the next: trailing rolling windows restarted at every series start, the
lag within a series, and the sequence of observed values of a column
(:class:`_Observed`) that the indicators are computed on and held through gaps.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.indexers import BaseIndexer

from .._base import as_groups
from ..layout import block_bounds, last_observed_rows, row_starts


def _series_starts(groups: Any, n: int) -> np.ndarray:
    return block_bounds(as_groups(groups, n))


class _BlockWindow(BaseIndexer):
    """Trailing windows of ``window_size`` rows that stop at their block's first row.

    pandas restarts its running sums where a window does not overlap the previous one,
    so every block is computed exactly as if it were alone (``Series.rolling`` per
    series), in one pass over all blocks.
    """

    def get_window_bounds(self, num_values: int = 0, min_periods: int | None = None,
                          center: bool | None = None, closed: str | None = None,
                          step: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        end = np.arange(1, num_values + 1, dtype=np.int64)
        start = np.maximum(end - self.window_size, self.block_start)  # type: ignore[attr-defined]
        return start.astype(np.int64), end


def _block_rolling(x: np.ndarray, starts: np.ndarray, window: int,
                   min_periods: int) -> Any:
    """``pd.Series(x).rolling(window, min_periods)`` restarted at every block start."""
    return pd.Series(x, copy=False).rolling(
        _BlockWindow(window_size=window, block_start=row_starts(starts)),
        min_periods=min(min_periods, window))


def _lag(x: np.ndarray, starts: np.ndarray, k: int) -> np.ndarray:
    """Value ``k`` rows earlier in the same block; NaN before the block start."""
    n = len(x)
    out = np.full(n, np.nan)
    if k >= n:
        return out
    pos = np.arange(n) - row_starts(starts)
    ok = pos[k:] >= k
    out[k:][ok] = x[:-k][ok]
    return out


class _Observed:
    """The observed values of one column, block by block, and the way back to rows."""

    def __init__(self, x: np.ndarray, starts: np.ndarray) -> None:
        self.n = len(x)
        observed = np.isfinite(x)
        self.idx = np.flatnonzero(observed)
        self.values = x[self.idx]
        self.ostarts = np.searchsorted(self.idx, starts).astype(np.int64)
        self.opos = np.arange(len(self.idx)) - row_starts(self.ostarts)
        # For each row: the latest observed value at or before it in the same block,
        # as its place in the observed sequence (observed rows up to it, minus one).
        last = last_observed_rows(~observed)
        ok = last >= row_starts(starts, dtype=last.dtype)
        self._rows = np.flatnonzero(ok)
        self._from = np.cumsum(observed, dtype=np.int64)[ok] - 1

    def segments(self) -> Iterable[tuple[int, int]]:
        for a, b in zip(self.ostarts[:-1], self.ostarts[1:]):
            if b > a:
                yield int(a), int(b)

    def to_rows(self, vals: np.ndarray) -> np.ndarray:
        """Observed-sequence values spread to rows, held through the gaps."""
        out = np.full(self.n, np.nan)
        out[self._rows] = vals[self._from]
        return out
