"""What every window dataset shares: input checks, strided views, start rows, indexing.

The arrays are the flat per-row arrays of :mod:`seqguard.windows` (``X`` float32,
``y`` float32 with NaN, ``part`` int8, ``usable`` bool) over the series layout of
:mod:`seqguard.layout`. Nothing here copies ``X``: :func:`_window_view` is a read-only
strided view, and only the windows a batch selects are ever copied.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch

from ..errors import InputError
from ..layout import check_bounds, series_of_rows
from ..splits.parts import PART_NAMES, part_code

_CHUNK_ROWS = 1 << 20


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
            k = int(series_of_rows(bounds, row))
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

    X: np.ndarray
    y: np.ndarray
    usable: np.ndarray | None
    starts: np.ndarray
    bounds: np.ndarray
    part: np.ndarray | None
    which: int
    n_candidates: int
    n_dropped: dict[str, int]
    kind = "window"
    #: Optional per-series rows ``(n_series, S)`` float32 (forecast and tag): given in
    #: every batch as ``"static"``, the row of each window's series (static covariates
    #: and the series code, see :mod:`seqguard.static`); set by the pipeline or the
    #: estimator, ``None``: no ``"static"``.
    static: np.ndarray | None = None

    def _add_static(self, batch: dict[str, torch.Tensor], starts: np.ndarray
                    ) -> dict[str, torch.Tensor]:
        """``batch`` with ``"static"``, the :attr:`static` row of each window's series."""
        if self.static is not None:
            rows = series_of_rows(self.bounds, starts)
            batch["static"] = _to_torch(np.ascontiguousarray(self.static[rows]))
        return batch

    def __len__(self) -> int:
        return len(self.starts)

    def gather(self, idx: Any) -> dict[str, torch.Tensor]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _valid_starts(self) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _set_rows(self, X: Any, y: Any, bounds: Any, part: Any, which: int | str,
                  usable: Any, *, finite_y: bool = False) -> None:
        """Check and keep the flat per-row arrays of a window dataset with targets:
        ``X`` (n, F), ``y`` (n,) with one target per row (``finite_y``: NaN for missing,
        never ±inf), the series ``bounds``, the ``part`` of each row and ``usable``."""
        self.X = _as_float32_rows("X", X, 2)
        n = self.X.shape[0]
        self.y = _as_float32_rows("y", y, 1)
        if len(self.y) != n:
            raise InputError(f"y has {len(self.y)} rows but X has {n}; one target per row.")
        if finite_y and np.isinf(self.y).any():
            row = int(np.flatnonzero(np.isinf(self.y))[0])
            raise InputError(f"y row {row} is {self.y[row]}: targets must be finite or NaN "
                             "(missing). Treat infinite targets as missing.")
        self.bounds = check_bounds(bounds, n)
        self.part = _check_part(part, n)
        self.which = part_code(which)
        self.usable = _check_usable(usable, n)

    def _set_starts(self, window: int, name: str, flags: str, *, check_finite: bool,
                    allow_empty: bool, hints: dict[str, str], sum_of: str = "") -> None:
        """Refuse a ``window`` of rows longer than every series (``name``: the
        parameters it is made of, ``sum_of`` their values, ``flags`` the options to
        lower), check the usable inputs are finite, and find the valid starts; no valid
        start is an error naming why (``hints``: reason -> what it means) unless
        ``allow_empty``."""
        need = f"{name} = {sum_of + ' = ' if sum_of else ''}{window}"
        longest = int(np.diff(self.bounds).max()) if len(self.bounds) > 1 else 0
        if longest < window:
            raise InputError(
                f"a {self.kind} window needs {need} rows, but the longest series has "
                f"{longest} rows. Lower {flags}."
            )
        if check_finite:
            _check_finite(self.X, self.usable, self.bounds)
        self.starts = self._valid_starts()
        if not len(self.starts) and not allow_empty:
            raise self._no_windows(f"{name} = {window}", hints)

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
        return series_of_rows(self.bounds, s).astype(np.int64)

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

