"""Row positions and series bounds of one call, shared by the fills and the channels.

``groups`` holds one series code per row, each series one contiguous block in time
order (see :mod:`seqguard._base`); :class:`_Rows` gives every row its series' first
row and end, and the last / next observed row of a column within its series.
"""

from __future__ import annotations

import numpy as np

from .._base import group_starts


class _Rows:
    """Row positions and series bounds shared by every column of one call."""

    def __init__(self, groups: np.ndarray) -> None:
        starts = group_starts(groups)
        lengths = np.diff(starts)
        self.n = len(groups)
        self.starts = starts
        self.idx = np.arange(self.n, dtype=np.int64)
        self.start = np.repeat(starts[:-1], lengths)
        self.end = np.repeat(starts[1:], lengths)

    def last_observed(self, o: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of the last observed row at or before each row, and whether it exists."""
        last = np.maximum.accumulate(np.where(o, self.idx, -1)) if self.n else self.idx
        return last, last >= self.start

    def next_observed(self, o: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of the next observed row at or after each row, and whether it exists."""
        if not self.n:
            return self.idx, np.zeros(0, dtype=bool)
        nxt = np.minimum.accumulate(np.where(o, self.idx, self.n)[::-1])[::-1]
        return nxt, nxt < self.end
