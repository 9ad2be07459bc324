"""Classification windows: one whole sequence per series, one label, padded per batch."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..errors import InputError
from ..layout import check_bounds
from .dataset import (
    _as_float32_rows,
    _check_finite,
    _check_length,
    _indices,
    _to_torch,
    _Windows,
)

__all__ = ["ClassifyWindows"]


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
