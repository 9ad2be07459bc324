"""Forecast windows: ``input_len`` steps in, the next ``horizon`` target steps out."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..errors import InputError
from ..layout import last_observed
from .dataset import (
    _as_float32_rows,
    _candidate_starts,
    _check_length,
    _indices,
    _prefix_count,
    _range_count,
    _to_torch,
    _window_view,
    _Windows,
)

__all__ = ["ForecastWindows"]


class ForecastWindows(_Windows):
    """Forecast windows: ``input_len`` steps in, the next ``horizon`` target steps out.

    A window starting at absolute row ``s`` reads inputs ``X[s : s+L]`` and targets
    ``y[s+L : s+L+H]`` (``L = input_len``, ``H = horizon``; ``H = 1`` is
    many-to-one). Start ``s`` is valid iff

    1. all ``L + H`` rows are in one series;
    2. (with ``part``) every target row is in part ``which`` — inputs may lie in
       earlier parts (the past);
    3. at least one target in the horizon is observed (non-NaN);
    4. a target was observed at or before the last input step, so the "last
       observed value" (``last``) exists: windows before the first observed target of
       their series are **excluded** (the residual-on-persistence head and the
       persistence baseline need it);
    5. (with ``usable``) every input row is usable.

    Parameters
    ----------
    X : array of float32, shape (n_rows, n_features)
        Model inputs, finite on usable rows. Shared, not copied.
    y : array of float32, shape (n_rows,)
        Target (scaled), NaN where missing.
    bounds : array of int64, shape (n_series + 1,)
        Series offsets.
    input_len, horizon : int
        Window lengths (>= 1).
    part : array of int8, shape (n_rows,), optional
        Part of each row from a split; ``None`` uses every window.
    which : int or str
        The part this dataset holds (0/'train', 1/'val', 2/'test'). A window belongs
        to the part of its first target row.
    usable : array of bool, shape (n_rows,), optional
        ``False`` rows never appear in an input window.
    last_obs : array of float32, shape (n_rows,), optional
        Precomputed :func:`last_observed` of ``y`` (share it between the train, val
        and test datasets to save the work); computed when ``None``.
    allow_empty : bool
        Return an empty dataset instead of raising when no window is valid.
    check_finite : bool
        Check that ``X`` is finite on usable rows (chunked; a few hundred ms for
        10 million rows × 16 features).
    require_target : bool
        Drop windows whose targets are all missing (``no_target``: nothing to learn
        or score). ``False`` keeps them, for predicting every forecast origin.

    Attributes
    ----------
    starts : ndarray of int64, shape (n_windows,)
        Absolute start row of every window, ascending.
    n_candidates : int
        Windows that fit in a series and whose first target is in the part.
    n_dropped : dict of str to int
        Candidates not used, by the first reason that applies, in this order:
        ``crosses_boundary`` (targets leave the part), ``no_target`` (every target
        missing), ``no_history`` (no target observed yet at the last input step),
        ``lost_unusable`` (an input row is unusable: the windows the ``drop``
        strategy lost). ``len(self) == n_candidates - sum(n_dropped.values())``.

    Raises
    ------
    InputError
        Bad lengths or shapes, a non-finite input, series all shorter than
        ``input_len + horizon``, no valid window in the part.

    Examples
    --------
    >>> X = np.arange(20, dtype=np.float32).reshape(10, 2)
    >>> y = np.arange(10, dtype=np.float32)
    >>> ds = ForecastWindows(X, y, [0, 10], input_len=3, horizon=2)
    >>> len(ds), ds.gather(np.array([0]))["y"].tolist()
    (6, [[3.0, 4.0]])
    """

    kind = "forecast"

    def __init__(self, X: Any, y: Any, bounds: Any, input_len: int, horizon: int = 1,
                 part: Any = None, which: int | str = 0, usable: Any = None,
                 last_obs: Any = None, *, allow_empty: bool = False,
                 check_finite: bool = True, require_target: bool = True) -> None:
        L = _check_length("input_len", input_len, "--input-len")
        H = _check_length("horizon", horizon, "--horizon")
        self.require_target = bool(require_target)
        self._set_rows(X, y, bounds, part, which, usable, finite_y=True)
        n = self.X.shape[0]
        self.input_len, self.horizon = L, H
        if last_obs is None:
            self.last_obs = last_observed(self.y, self.bounds)
        else:
            self.last_obs = _as_float32_rows("last_obs", last_obs, 1)
            if len(self.last_obs) != n:
                raise InputError(f"last_obs has {len(self.last_obs)} rows, expected {n}.")
        self._set_starts(L + H, "input_len + horizon", "--input-len/--horizon",
                         sum_of=f"{L} + {H}", check_finite=check_finite,
                         allow_empty=allow_empty, hints={
            "crosses_boundary": "windows have targets crossing the part's boundary",
            "no_target": "windows have every target missing",
            "no_history": "windows come before the first observed target",
            "lost_unusable": "windows have an unusable (incomplete) input row",
        })
        self._xv = _window_view(self.X, L)
        self._yv = _window_view(self.y, H)
        self._yin = _window_view(self.y, L)
        #: Optional ``f(ends, horizon) -> (B, C, H)`` float32: the baselines' forecasts
        #: given as ``"last"`` instead of the last observed value (see
        #: :mod:`seqguard.residual_base`); set by the pipeline.
        self.baseline: Any = None

    def _valid_starts(self) -> np.ndarray:
        L, H = self.input_len, self.horizon
        s = _candidate_starts(self.bounds, L + H)
        if self.part is not None:
            s = s[self.part[s + L] == self.which]
        self.n_candidates = len(s)
        dropped = {"crosses_boundary": 0, "no_target": 0, "no_history": 0,
                   "lost_unusable": 0}

        def drop(reason: str, bad: np.ndarray) -> np.ndarray:
            dropped[reason] = int(bad.sum())
            return s[~bad]

        if self.part is not None and H > 1:
            c = _prefix_count(self.part == self.which)
            s = drop("crosses_boundary", _range_count(c, s + L, H) < H)
            del c
        if self.require_target:
            c = _prefix_count(~np.isnan(self.y))
            s = drop("no_target", _range_count(c, s + L, H) == 0)
            del c
        s = drop("no_history", np.isnan(self.last_obs[s + (L - 1)]))
        if self.usable is not None:
            c = _prefix_count(~self.usable)
            s = drop("lost_unusable", _range_count(c, s, L) > 0)
            del c
        self.n_dropped = dropped
        return np.ascontiguousarray(s, dtype=np.int64)

    def gather(self, idx: Any) -> dict[str, torch.Tensor]:
        """Build a batch of windows.

        Parameters
        ----------
        idx : 1-D integer array
            Window numbers (``0 <= i < len(self)``; negative counts from the end).

        Returns
        -------
        dict of str to Tensor
            ``"x"`` (B, L, F) float32 inputs; ``"y"`` (B, H) float32 targets, NaN where
            missing; ``"y_mask"`` (B, H) bool, True where observed; ``"last"`` (B,)
            float32, the last observed target at or before the last input step (with
            a :attr:`baseline`: ``(B, C, H)``, the baselines' forecasts, channel 0 the
            one the residual head starts from); ``"y_in"`` (B, L) float32, the target
            over the input window, NaN where missing (for ``norm="revin"``);
            ``"start"`` (B,) int64 absolute start rows; ``"static"`` (B, S) float32
            when :attr:`static` is set.
        """
        st = self.starts[_indices(idx, len(self))]
        L = self.input_len
        y = self._yv[st + L]
        last = self.last_obs[st + (L - 1)] if self.baseline is None else \
            self.baseline(st + (L - 1), self.horizon)
        return self._add_static({"x": _to_torch(self._xv[st]), "y": _to_torch(y),
                                 "y_mask": _to_torch(~np.isnan(y)),
                                 "last": _to_torch(last), "y_in": _to_torch(self._yin[st]),
                                 "start": _to_torch(st)}, st)

    def target_rows(self, idx: Any = None) -> np.ndarray:
        """Absolute row of every target: shape (n_windows, H) int64 (or (len(idx), H)).

        Maps predictions back to series and time. Materialises ``n_windows × H``
        integers: pass ``idx`` to take a subset.
        """
        s = self.starts if idx is None else self.starts[_indices(idx, len(self))]
        return s[:, None] + np.arange(self.input_len, self.input_len + self.horizon)
