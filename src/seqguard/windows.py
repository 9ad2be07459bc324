"""Lazy window datasets over flat per-row arrays, and a fast batch loader.

Inputs are the flat arrays of the whole table, laid out as everywhere in seqguard:
rows sorted by (series, time), each series one contiguous block, given by
``bounds`` (series ``k`` is rows ``bounds[k]:bounds[k+1]``;
:func:`seqguard.splits.bounds_from_groups` builds it from per-row codes).

* ``X``: float32 ``(n_rows, n_features)``, finite wherever a window may read it (the
  missing-data strategy already ran). It is **shared, never copied** (a float32
  C-contiguous array is used as is; anything else is converted once).
* ``y``: float32 ``(n_rows,)``, the target in scaled units, NaN where missing.
  Targets are never imputed: a missing target is masked (``y_mask``) out of the loss
  and the scores.
* ``part``: int8 per row from a split (:mod:`seqguard.splits`): 0 train, 1 val,
  2 test, -1 gap.
* ``usable``: bool per row; ``False`` rows never appear in a model input window
  (e.g. the incomplete rows of the ``drop`` missing-data strategy).

Nothing is materialised up front: a dataset holds one int64 start row per valid
window, and :meth:`gather` builds a batch with one fancy index
(``X[starts[:, None] + arange(L)]``, done as ``V[starts]`` on a read-only strided
window view ``V`` of ``X``, which copies only the selected windows), so memory stays
near the size of the data itself, not ``input_len`` times it. Batches are numpy arrays
handed to torch without a copy (``torch.from_numpy``); numpy's single-threaded copy
is both faster and steadier than ``torch.index_select`` on busy CPUs.

Guarantees every dataset gives:

* a window never crosses a series boundary (many series share one model);
* a window assigned to part P has **all its targets in P**; its inputs may look back
  into earlier parts (the past), never forward; windows whose targets straddle a
  boundary (or touch gap rows) are used by no part;
* every window has at least one observed target.

Which loader to use
-------------------
:class:`WindowLoader` is the hot path: an iterable of ready batches (one ``gather``
per batch, no per-item collate), with ``__len__`` and ``set_epoch``; Lightning
accepts it directly as a train/val dataloader. When a real
``torch.utils.data.DataLoader`` is needed (worker processes, pinned memory),
:meth:`WindowLoader.torch_loader` wraps the same :class:`WindowBatchSampler` in one
(``batch_size=None``: each sampled index array is passed to ``dataset[idx]``, which
gathers the whole batch).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

from .errors import InputError
from .splits import PART_NAMES, check_bounds, part_code

__all__ = [
    "ClassifyWindows",
    "ForecastWindows",
    "TagWindows",
    "WindowBatchSampler",
    "WindowLoader",
    "last_observed",
]

_CHUNK_ROWS = 1 << 20


# ----------------------------------------------------------------- helpers
def _as_float32_rows(name: str, a: Any, ndim: int) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim != ndim:
        shape = "(n_rows, n_features)" if ndim == 2 else "(n_rows,)"
        raise InputError(f"{name} has shape {arr.shape}; expected {shape}.")
    if arr.dtype.kind not in "fiub":
        raise InputError(f"{name} has dtype {arr.dtype}; expected numbers (float32).")
    return np.ascontiguousarray(arr, dtype=np.float32)


def _to_torch(a: np.ndarray) -> torch.Tensor:
    """Share ``a``'s memory with a tensor (read-only arrays too: we never write)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "non-writable array" warning
        return torch.from_numpy(a)


def _window_view(a: np.ndarray, length: int) -> np.ndarray:
    """Read-only view ``v[s] == a[s : s+length]`` (no copy).

    Only ever fancy-index it (``v[starts]`` copies just those windows); anything that
    makes it contiguous (``np.take``, ``np.ascontiguousarray``) would materialise
    every window.
    """
    n = a.shape[0]
    shape = (max(n - length + 1, 0), length) + a.shape[1:]
    return np.lib.stride_tricks.as_strided(a, shape, (a.strides[0],) + a.strides,
                                           writeable=False)


def _check_finite(X: np.ndarray, usable: np.ndarray | None, bounds: np.ndarray) -> None:
    """Raise naming the first non-finite usable input value (checked in row chunks)."""
    n = X.shape[0]
    for a in range(0, n, _CHUNK_ROWS):
        block = X[a:a + _CHUNK_ROWS]
        ok = np.isfinite(block)
        if usable is not None:
            ok |= ~usable[a:a + _CHUNK_ROWS, None]
        if not ok.all():
            r, c = np.argwhere(~ok)[0]
            row = a + int(r)
            k = int(np.searchsorted(bounds, row, side="right") - 1)
            raise InputError(
                f"X row {row} (series {k}), feature {int(c)} is {float(X[row, c])}: model inputs "
                "must be finite. Run a missing-data strategy first (--missing impute or "
                "mask), or mark the row unusable."
            )


def _check_usable(usable: Any, n: int) -> np.ndarray | None:
    if usable is None:
        return None
    u = np.asarray(usable)
    if u.shape != (n,) or u.dtype != bool:
        raise InputError(f"usable must be a bool array of shape ({n},), one flag per row; "
                         f"got shape {u.shape} and dtype {u.dtype}.")
    return u


def _check_part(part: Any, n: int) -> np.ndarray | None:
    if part is None:
        return None
    p = np.asarray(part)
    if p.shape != (n,) or p.dtype.kind not in "iu":
        raise InputError(f"part must be an integer array of shape ({n},) (0 train, 1 val, "
                         f"2 test, -1 gap); got shape {p.shape} and dtype {p.dtype}.")
    return p


def _check_length(name: str, value: Any, flag: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(f"{name} must be an integer >= {minimum}, got {value!r}. "
                         f"Pass {flag} {max(minimum, 1)} or more.")
    return int(value)


def _prefix_count(mask: np.ndarray) -> np.ndarray:
    """``c[i]`` = number of True in ``mask[:i]`` (length n+1; int32 when it fits)."""
    dtype = np.int32 if len(mask) < 2**31 - 1 else np.int64
    c = np.empty(len(mask) + 1, dtype=dtype)
    c[0] = 0
    np.cumsum(mask, dtype=dtype, out=c[1:])
    return c


def _range_count(c: np.ndarray, lo: np.ndarray, length: int) -> np.ndarray:
    """Number of True in ``mask[lo:lo+length]`` for every ``lo``."""
    return c[lo + length] - c[lo]


def _candidate_starts(bounds: np.ndarray, window: int, stride: int = 1) -> np.ndarray:
    """Every start ``b_k + j*stride`` whose ``window`` rows fit inside series ``k``."""
    lengths = np.diff(bounds)
    counts = np.where(lengths >= window, (lengths - window) // stride + 1, 0)
    out = np.empty(int(counts.sum()), dtype=np.int64)
    o = 0
    for k in np.flatnonzero(counts).tolist():
        c = int(counts[k])
        b = int(bounds[k])
        out[o:o + c] = np.arange(b, b + c * stride, stride, dtype=np.int64)
        o += c
    return out


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
    n = len(yy)
    b = check_bounds(bounds, n)
    itype = np.int32 if n < 2**31 - 1 else np.int64
    idx = np.arange(n, dtype=itype)
    idx[np.isnan(yy)] = -1
    np.maximum.accumulate(idx, out=idx)
    start = np.zeros(n, dtype=itype)
    heads = b[:-1][np.diff(b) > 0]
    start[heads] = heads
    np.maximum.accumulate(start, out=start)
    stale = idx < start
    del start
    out = yy[np.maximum(idx, 0)]
    out[stale] = np.nan
    return out


def _indices(idx: Any, n: int) -> np.ndarray:
    ix = np.asarray(idx)
    if ix.ndim != 1 or (ix.size and ix.dtype.kind not in "iu"):
        raise InputError(f"window indices must be a 1-D integer array, got shape {ix.shape} "
                         f"and dtype {ix.dtype}.")
    ix = ix.astype(np.int64, copy=False)
    if ix.size and (ix.min() < -n or ix.max() >= n):
        bad = ix[(ix < -n) | (ix >= n)][0]
        raise IndexError(f"window index {int(bad)} is out of range for {n} windows.")
    return ix


class _Windows(torch.utils.data.Dataset):
    """Shared machinery: start rows, indexing, loaders."""

    starts: np.ndarray
    bounds: np.ndarray
    part: np.ndarray | None
    which: int
    n_candidates: int
    n_dropped: dict[str, int]
    kind = "window"

    def __len__(self) -> int:
        return len(self.starts)

    def gather(self, idx: Any) -> dict[str, torch.Tensor]:  # pragma: no cover - abstract
        raise NotImplementedError

    def __getitem__(self, i: Any) -> dict[str, torch.Tensor]:
        """One window (an int: tensors without the batch axis) or a batch (an index array)."""
        if isinstance(i, (int, np.integer)) and not isinstance(i, bool):
            n = len(self)
            if not -n <= int(i) < n:
                raise IndexError(f"window index {int(i)} is out of range for {n} windows.")
            batch = self.gather(np.array([int(i)], dtype=np.int64))
            return {k: v[0] for k, v in batch.items()}
        return self.gather(i)

    def series_index(self, idx: Any = None) -> np.ndarray:
        """Series number (0-based, in ``bounds`` order) of each window (or of ``idx``)."""
        s = self.starts if idx is None else self.starts[_indices(idx, len(self))]
        return (np.searchsorted(self.bounds, s, side="right") - 1).astype(np.int64)

    def _no_windows(self, what: str, hints: dict[str, str]) -> InputError:
        part = "the data" if self.part is None else f"the {PART_NAMES[self.which]!r} part"
        reasons = [f"{n} {hints[k]}" for k, n in self.n_dropped.items() if n]
        why = ("; ".join(reasons) if reasons else
               f"no series has {what} rows in this part" if self.part is not None
               else f"no series has {what} usable rows")
        return InputError(
            f"no {self.kind} windows in {part}: {why}. Enlarge the part (--val-frac/"
            "--test-frac or the split dates), lower --input-len/--horizon, or use a "
            "missing-data strategy that keeps rows (--missing impute or mask)."
        )


# ----------------------------------------------------------------- forecast
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
        self.X = _as_float32_rows("X", X, 2)
        n = self.X.shape[0]
        self.y = _as_float32_rows("y", y, 1)
        if len(self.y) != n:
            raise InputError(f"y has {len(self.y)} rows but X has {n}; one target per row.")
        if np.isinf(self.y).any():
            row = int(np.flatnonzero(np.isinf(self.y))[0])
            raise InputError(f"y row {row} is {self.y[row]}: targets must be finite or NaN "
                             "(missing). Treat infinite targets as missing.")
        self.bounds = check_bounds(bounds, n)
        self.input_len, self.horizon = L, H
        self.part = _check_part(part, n)
        self.which = part_code(which)
        self.usable = _check_usable(usable, n)
        if last_obs is None:
            self.last_obs = last_observed(self.y, self.bounds)
        else:
            self.last_obs = _as_float32_rows("last_obs", last_obs, 1)
            if len(self.last_obs) != n:
                raise InputError(f"last_obs has {len(self.last_obs)} rows, expected {n}.")
        W = L + H
        longest = int(np.diff(self.bounds).max()) if len(self.bounds) > 1 else 0
        if longest < W:
            raise InputError(
                f"a forecast window needs input_len + horizon = {L} + {H} = {W} rows, but "
                f"the longest series has {longest} rows. Lower --input-len/--horizon."
            )
        if check_finite:
            _check_finite(self.X, self.usable, self.bounds)
        self.starts = self._valid_starts()
        if not len(self.starts) and not allow_empty:
            raise self._no_windows(f"input_len + horizon = {W}", {
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
            ``"start"`` (B,) int64 absolute start rows.
        """
        st = self.starts[_indices(idx, len(self))]
        L = self.input_len
        y = self._yv[st + L]
        last = self.last_obs[st + (L - 1)] if self.baseline is None else \
            self.baseline(st + (L - 1), self.horizon)
        return {"x": _to_torch(self._xv[st]), "y": _to_torch(y),
                "y_mask": _to_torch(~np.isnan(y)),
                "last": _to_torch(last), "y_in": _to_torch(self._yin[st]),
                "start": _to_torch(st)}

    def target_rows(self, idx: Any = None) -> np.ndarray:
        """Absolute row of every target: shape (n_windows, H) int64 (or (len(idx), H)).

        Maps predictions back to series and time. Materialises ``n_windows × H``
        integers: pass ``idx`` to take a subset.
        """
        s = self.starts if idx is None else self.starts[_indices(idx, len(self))]
        return s[:, None] + np.arange(self.input_len, self.input_len + self.horizon)


# ----------------------------------------------------------------- tagging
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
        self.X = _as_float32_rows("X", X, 2)
        n = self.X.shape[0]
        self.y = _as_float32_rows("y", y, 1)
        if len(self.y) != n:
            raise InputError(f"y has {len(self.y)} rows but X has {n}; one target per row.")
        self.bounds = check_bounds(bounds, n)
        self.input_len = self.horizon = L
        self.part = _check_part(part, n)
        self.which = part_code(which)
        self.usable = _check_usable(usable, n)
        longest = int(np.diff(self.bounds).max()) if len(self.bounds) > 1 else 0
        if longest < L:
            raise InputError(
                f"a tag window needs input_len = {L} rows, but the longest series has "
                f"{longest} rows. Lower --input-len."
            )
        if check_finite:
            _check_finite(self.X, self.usable, self.bounds)
        self.starts = self._valid_starts()
        if not len(self.starts) and not allow_empty:
            raise self._no_windows(f"input_len = {L}", {
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
        missing), ``"y_mask"`` (B, L) bool, ``"start"`` (B,) int64."""
        st = self.starts[_indices(idx, len(self))]
        y = self._yv[st]
        return {"x": _to_torch(self._xv[st]), "y": _to_torch(y),
                "y_mask": _to_torch(~np.isnan(y)), "start": _to_torch(st)}

    def target_rows(self, idx: Any = None) -> np.ndarray:
        """Absolute row of every target: shape (n_windows, L) int64 (or (len(idx), L))."""
        s = self.starts if idx is None else self.starts[_indices(idx, len(self))]
        return s[:, None] + np.arange(self.input_len)


# ----------------------------------------------------------------- classification
class ClassifyWindows(_Windows):
    """One sequence per series with one label: variable lengths, padded per batch.

    Parameters
    ----------
    X : array of float32, shape (n_rows, n_features)
        Inputs of all series (finite). Shared, not copied.
    bounds : array of int64
        Series offsets; series ``k`` is one sequence.
    labels : array-like of shape (n_series,)
        Integer class codes ``0 .. n_classes-1`` (bool or integral floats accepted),
        one per series in ``bounds``.
    max_len : int, optional
        Longest sequence fed to the model; longer ones are truncated. ``None`` keeps
        every step.
    pad : {"right", "left"}
        Where the zeros go when a batch mixes lengths. ``"right"`` (default) is what
        ``pack_padded_sequence`` expects: with packing the padding is never read.
        ``"left"`` aligns the last steps (for models that read the last output
        without packing); those models do read the zeros.
    truncate : {"left", "right"}
        Which end to cut when a sequence exceeds ``max_len``: ``"left"`` (default)
        drops the oldest steps and keeps the most recent ones; ``"right"`` keeps the
        first ``max_len`` steps.
    series : array of int, optional
        The series in this dataset (e.g. ``SeriesSplit().fit(labels).series("val")``);
        ``None``: every series.
    n_classes : int, optional
        Number of classes; ``None`` = ``max(labels) + 1``. Give the value from the
        training labels so that every part agrees. With 2 classes ``"y"`` is float32
        (for a logit with ``BCEWithLogitsLoss``); with more it is int64.
    check_finite : bool
        Check that ``X`` is finite.
    allow_empty : bool
        Allow a dataset with no sequence (an empty validation or test part).
    static : array of float32, shape (n_series, S), optional
        Static covariates, one finite vector per series in ``bounds``
        (:mod:`seqguard.static`); batches then hold ``"static"``.

    Attributes
    ----------
    starts : ndarray of int64 (n_sequences,)
        First row fed to the model of each sequence (after truncation).
    lengths : ndarray of int64 (n_sequences,)
        Steps fed to the model of each sequence.
    series_ids : ndarray of int64 (n_sequences,)
        The series of each sequence.
    n_truncated : int
        Sequences cut to ``max_len``.
    n_dropped : dict
        ``{"empty": number of series with no rows}`` (left out).
    """

    kind = "classify"

    def __init__(self, X: Any, bounds: Any, labels: Any, max_len: int | None = None,
                 pad: str = "right", truncate: str = "left", *, series: Any = None,
                 n_classes: int | None = None, check_finite: bool = True,
                 allow_empty: bool = False, static: Any = None) -> None:
        self.X = _as_float32_rows("X", X, 2)
        n = self.X.shape[0]
        self.bounds = check_bounds(bounds, n)
        n_series = len(self.bounds) - 1
        if pad not in ("right", "left"):
            raise InputError(f"pad must be 'right' or 'left', got {pad!r}.")
        if truncate not in ("left", "right"):
            raise InputError(f"truncate must be 'left' (keep the most recent steps) or "
                             f"'right' (keep the first steps), got {truncate!r}.")
        self.max_len = None if max_len is None else _check_length("max_len", max_len,
                                                                  "--input-len")
        self.pad, self.truncate = pad, truncate
        self.part, self.which = None, 0
        lab = np.asarray(labels)
        if lab.shape != (n_series,):
            raise InputError(f"labels has shape {lab.shape}; expected ({n_series},): one "
                             "label per series.")
        if lab.dtype.kind == "b":
            lab = lab.astype(np.int64)
        if lab.dtype.kind == "f":
            if np.isnan(lab).any():
                raise InputError(f"labels: series {int(np.argmax(np.isnan(lab)))} has no "
                                 "label. Every sequence needs one: drop unlabelled series.")
            if not np.all(lab == np.round(lab)):
                raise InputError("labels must be class codes 0, 1, ...; got fractional "
                                 "values. Encode the classes first (e.g. LabelEncoder).")
        elif lab.dtype.kind not in "iu":
            raise InputError(f"labels has dtype {lab.dtype}; expected class codes 0, 1, ... "
                             "Encode the classes first (e.g. sklearn's LabelEncoder).")
        lab = lab.astype(np.int64)
        if len(lab) and lab.min() < 0:
            raise InputError(f"labels must be class codes >= 0, got {int(lab.min())}.")
        k_classes = int(lab.max()) + 1 if len(lab) else 0
        if n_classes is None:
            n_classes = max(k_classes, 2)
        elif k_classes > int(n_classes):
            raise InputError(f"labels hold class {k_classes - 1} but n_classes={n_classes}. "
                             "Pass the number of classes of the training labels.")
        self.n_classes = int(n_classes)
        self.labels = lab

        ids = np.arange(n_series, dtype=np.int64) if series is None else np.asarray(series)
        if ids.ndim != 1 or (ids.size and ids.dtype.kind not in "iu") or (
                ids.size and (ids.min() < 0 or ids.max() >= n_series)):
            raise InputError(f"series must be indices of series 0..{n_series - 1}.")
        ids = ids.astype(np.int64)
        full = np.diff(self.bounds)[ids]
        self.n_dropped = {"empty": int((full == 0).sum())}
        ids, full = ids[full > 0], full[full > 0]
        if not len(ids) and not allow_empty:
            raise InputError("no sequences to classify: every selected series is empty.")
        if check_finite:
            _check_finite(self.X, None, self.bounds)
        lengths = full if self.max_len is None else np.minimum(full, self.max_len)
        self.n_truncated = int((lengths < full).sum())
        first = self.bounds[ids]
        self.starts = (first + (full - lengths) if truncate == "left" else first).astype(np.int64)
        self.lengths = lengths.astype(np.int64)
        self.series_ids = ids
        self.n_candidates = len(ids)
        y = lab[ids]
        self._y = y.astype(np.float32) if self.n_classes <= 2 else y
        self.static = None
        if static is not None:
            st = np.asarray(static, dtype=np.float32)
            if st.ndim != 2 or st.shape[0] != n_series:
                raise InputError(f"static has shape {st.shape}; expected ({n_series}, S): "
                                 "one vector per series.")
            if not np.isfinite(st).all():
                raise InputError("static holds NaN or inf; fill the static covariates first.")
            self.static = st

    def gather(self, idx: Any) -> dict[str, torch.Tensor]:
        """Build a batch padded to its longest sequence.

        Returns
        -------
        dict of str to Tensor
            ``"x"`` (B, Lmax, F) float32, zeros where padded (``Lmax`` = longest length
            in the batch); ``"lengths"`` (B,) int64; ``"y"`` (B,) float32 with 2
            classes, int64 with more; ``"series"`` (B,) int64 series numbers;
            ``"static"`` (B, S) float32 when the dataset has static covariates.
        """
        ix = _indices(idx, len(self))
        st, ln = self.starts[ix], self.lengths[ix]
        B = len(st)
        Lmax = int(ln.max()) if B else 0
        j = np.arange(Lmax, dtype=np.int64)
        if self.pad == "right":
            offset = np.broadcast_to(j, (B, Lmax))
            valid = offset < ln[:, None]
        else:
            offset = j - (Lmax - ln)[:, None]
            valid = offset >= 0
        rows = np.where(valid, st[:, None] + offset, 0)
        x = np.take(self.X, rows.reshape(-1), axis=0).reshape(B, Lmax, self.X.shape[1])
        if not valid.all():
            x[~valid] = 0.0
        out = {"x": _to_torch(x), "lengths": _to_torch(ln), "y": _to_torch(self._y[ix]),
               "series": _to_torch(self.series_ids[ix])}
        if self.static is not None:
            out["static"] = _to_torch(np.ascontiguousarray(self.static[self.series_ids[ix]]))
        return out


# ----------------------------------------------------------------- loading
class WindowBatchSampler(torch.utils.data.Sampler):
    """Yield batches of window numbers (int64 arrays), shuffled per epoch with a seed.

    Epoch ``e`` of seed ``s`` always gives the same order (``default_rng([s, e])``).
    Each ``__iter__`` uses the current epoch and then advances it; :meth:`set_epoch`
    (called by Lightning when present) sets it explicitly.
    """

    def __init__(self, n: int, batch_size: int, shuffle: bool = False, seed: int = 0,
                 drop_last: bool = False) -> None:
        self.n = int(n)
        self.batch_size = _check_length("batch_size", batch_size, "--batch-size")
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.drop_last = bool(drop_last)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Use epoch ``epoch``'s order on the next pass."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        if self.drop_last:
            return self.n // self.batch_size
        return math.ceil(self.n / self.batch_size)

    def __iter__(self) -> Iterator[np.ndarray]:
        if self.shuffle:
            order = np.random.default_rng([self.seed, self.epoch]).permutation(self.n)
        else:
            order = np.arange(self.n, dtype=np.int64)
        self.epoch += 1
        bs = self.batch_size
        stop = self.n - self.n % bs if self.drop_last else self.n
        for a in range(0, stop, bs):
            yield order[a:a + bs]


def _keep(batch: Any) -> Any:
    """Collate function that leaves an already gathered batch as it is."""
    return batch


class WindowLoader:
    """Iterate ready batches of a window dataset: one :meth:`gather` per batch.

    A drop-in substitute for a ``DataLoader`` in Lightning's ``fit`` (it has
    ``__iter__``, ``__len__``, ``dataset``, ``batch_size``, ``sampler``,
    ``batch_sampler`` and ``set_epoch``).

    Parameters
    ----------
    dataset : ForecastWindows, TagWindows or ClassifyWindows
    batch_size : int
    shuffle : bool
        Shuffle the windows every epoch (training); each window comes exactly once
        per epoch either way.
    seed : int
        Same seed, same sequence of epochs.
    drop_last : bool
        Leave out the last, smaller batch.

    Examples
    --------
    >>> X = np.zeros((50, 3), dtype=np.float32); y = np.ones(50, dtype=np.float32)
    >>> loader = WindowLoader(ForecastWindows(X, y, [0, 50], 8, 2), 16, shuffle=True)
    >>> len(loader), next(iter(loader))["x"].shape
    (3, torch.Size([16, 8, 3]))
    """

    def __init__(self, dataset: _Windows, batch_size: int = 256, shuffle: bool = False,
                 seed: int = 0, drop_last: bool = False) -> None:
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last
        self.sampler = WindowBatchSampler(len(dataset), batch_size, shuffle, seed, drop_last)
        # Lightning reads ``batch_sampler`` of anything that has a ``sampler``; ``None``
        # says, as for a DataLoader with batch_size=None, that ``sampler`` yields batches.
        self.batch_sampler = None

    def set_epoch(self, epoch: int) -> None:
        """Use epoch ``epoch``'s shuffle order on the next pass."""
        self.sampler.set_epoch(epoch)

    def __len__(self) -> int:
        return len(self.sampler)

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        gather = self.dataset.gather
        for idx in self.sampler:
            yield gather(idx)

    def torch_loader(self, num_workers: int = 0, pin_memory: bool = False,
                     **kwargs: Any) -> torch.utils.data.DataLoader:
        """The same batches from a real ``torch.utils.data.DataLoader``.

        Uses this loader's sampler (so ``set_epoch`` and the seed apply) with
        ``batch_size=None``: each batch of indices goes to ``dataset[idx]`` in one
        ``gather``. Extra keyword arguments go to ``DataLoader``.
        """
        return torch.utils.data.DataLoader(
            self.dataset, batch_size=None, sampler=self.sampler, num_workers=num_workers,
            pin_memory=pin_memory, collate_fn=_keep, **kwargs)
