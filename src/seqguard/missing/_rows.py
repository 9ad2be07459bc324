"""Row positions and series bounds of one call, shared by the fills and the channels.

``groups`` holds one series code per row, each series one contiguous block in time
order (see :mod:`seqguard.layout`); :class:`_Rows` gives every row its series' first
row and end, and the last / next observed row of a column within its series.
"""

from __future__ import annotations

import numpy as np

from ..layout import block_bounds, last_observed_rows, next_observed_rows, row_ends, row_starts


class _Rows:
    """Row positions and series bounds shared by every column of one call."""

    def __init__(self, groups: np.ndarray) -> None:
        starts = block_bounds(groups)
        self.n = len(groups)
        self.starts = starts
        self.idx = np.arange(self.n, dtype=np.int64)
        self.start = row_starts(starts)
        self.end = row_ends(starts)

    def last_observed(self, o: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of the last observed row at or before each row, and whether it exists."""
        last = last_observed_rows(~o)
        return last, last >= self.start

    def next_observed(self, o: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of the next observed row at or after each row, and whether it exists."""
        nxt = next_observed_rows(~o)
        return nxt, nxt < self.end
