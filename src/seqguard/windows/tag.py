"""Tagging windows: one target per input step (many-to-many)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .dataset import (
    _candidate_starts,
    _check_length,
    _indices,
    _prefix_count,
    _range_count,
    _to_torch,
    _window_view,
    _Windows,
)

__all__ = ["TagWindows"]


class TagWindows(_Windows):
    """Many-to-many windows: one target per input step (sequence tagging).

    A window starting at row ``s`` reads ``X[s : s+L]`` and targets ``y[s : s+L]``.
    Starts are ``bounds[k] + j * stride`` inside each series (the window must fit).
    With ``part``, a window belongs to part P only if **all its rows are in P** (its
    targets are its rows, so nothing may cross a boundary); others are dropped as
    ``crosses_boundary``. Windows with every target missing are dropped
    (``no_target``), windows with an unusable row too (``lost_unusable``).

    Parameters
    ----------
    X, y, bounds, part, which, usable, allow_empty, check_finite
        As in :class:`ForecastWindows`.
    input_len : int
        Window length ``L``.
    stride : int, optional
        Step between window starts; ``None`` = ``input_len`` (non-overlapping windows;
        up to ``L - 1`` rows at the end of each series are then in no window). Use 1
        for the most training windows.

    Attributes
    ----------
    starts, n_candidates, n_dropped
        As in :class:`ForecastWindows` (reasons ``crosses_boundary``, ``no_target``,
        ``lost_unusable``).
    """

    kind = "tag"

    def __init__(self, X: Any, y: Any, bounds: Any, input_len: int,
                 stride: int | None = None, part: Any = None, which: int | str = 0,
                 usable: Any = None, *, allow_empty: bool = False,
                 check_finite: bool = True) -> None:
        L = _check_length("input_len", input_len, "--input-len")
        self.stride = L if stride is None else _check_length("stride", stride, "stride")
        self._set_rows(X, y, bounds, part, which, usable)
        self.input_len = self.horizon = L
        self._set_starts(L, "input_len", "--input-len", check_finite=check_finite,
                         allow_empty=allow_empty, hints={
            "crosses_boundary": "windows have rows outside the part",
            "no_target": "windows have every target missing",
            "lost_unusable": "windows have an unusable (incomplete) row",
        })
        self._xv = _window_view(self.X, L)
        self._yv = _window_view(self.y, L)

    def _valid_starts(self) -> np.ndarray:
        L = self.input_len
        s = _candidate_starts(self.bounds, L, self.stride)
        if self.part is not None:
            s = s[self.part[s] == self.which]
        self.n_candidates = len(s)
        dropped = {"crosses_boundary": 0, "no_target": 0, "lost_unusable": 0}
        checks: list[tuple[str, np.ndarray | None, bool]] = [
            ("crosses_boundary", None if self.part is None else self.part == self.which, True),
            ("no_target", ~np.isnan(self.y), False),
            ("lost_unusable", None if self.usable is None else ~self.usable, False),
        ]
        for reason, mask, need_all in checks:
            if mask is None:
                continue
            cnt = _range_count(_prefix_count(mask), s, L)
            bad = cnt < L if need_all else (cnt == 0 if reason == "no_target" else cnt > 0)
            dropped[reason] = int(bad.sum())
            s = s[~bad]
        self.n_dropped = dropped
        return np.ascontiguousarray(s, dtype=np.int64)

    def gather(self, idx: Any) -> dict[str, torch.Tensor]:
        """Build a batch: ``"x"`` (B, L, F) float32, ``"y"`` (B, L) float32 (NaN where
        missing), ``"y_mask"`` (B, L) bool, ``"start"`` (B,) int64; ``"static"`` (B, S)
        float32 when :attr:`static` is set."""
        st = self.starts[_indices(idx, len(self))]
        y = self._yv[st]
        return self._add_static({"x": _to_torch(self._xv[st]), "y": _to_torch(y),
                                 "y_mask": _to_torch(~np.isnan(y)),
                                 "start": _to_torch(st)}, st)

    def target_rows(self, idx: Any = None) -> np.ndarray:
        """Absolute row of every target: shape (n_windows, L) int64 (or (len(idx), L))."""
        s = self.starts if idx is None else self.starts[_indices(idx, len(self))]
        return s[:, None] + np.arange(self.input_len)
