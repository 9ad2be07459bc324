"""Split whole series (``classify``: one label per sequence), stratified and seeded.

Every series goes to one part; :meth:`SeriesSplit.transform` spreads the part of each
series over its rows (the layout of :mod:`seqguard.layout`).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from .._serialize import JsonMixin, register
from ..errors import DataWarning, InputError
from ..layout import bounds_from_groups, check_bounds
from .parts import TEST, VAL, part_code

__all__ = ["SeriesSplit"]


@register
class SeriesSplit(JsonMixin, BaseEstimator):
    """Split whole series (one label each) into train, validation and test, stratified.

    For the ``classify`` task: every series is one sequence with one label.

    Parameters
    ----------
    val_frac, test_frac : float
        Fractions of the series given to validation / test (``0`` leaves it empty).
        Counts are rounded up by scikit-learn's ``train_test_split``.
    stratify : bool
        Keep the label proportions in every part. When a class is too small to be
        split so, the split falls back to unstratified with a :class:`DataWarning`.
    seed : int
        Same seed, same labels: same split.

    Attributes
    ----------
    part_ : ndarray of int8
        Part of each series (0 train, 1 val, 2 test).
    n_series_ : int
        Number of series.
    stratified_ : bool
        Whether the split was stratified (False after a fallback).

    Examples
    --------
    >>> split = SeriesSplit(val_frac=0.25, test_frac=0.25).fit([0, 0, 1, 1, 0, 0, 1, 1])
    >>> np.bincount(split.part_).tolist()
    [4, 2, 2]
    """

    def __init__(self, val_frac: float = 0.15, test_frac: float = 0.15,
                 stratify: bool = True, seed: int = 0) -> None:
        self.val_frac = val_frac
        self.test_frac = test_frac
        self.stratify = stratify
        self.seed = seed

    def fit(self, labels: Any) -> SeriesSplit:
        """Assign every series to a part.

        Parameters
        ----------
        labels : array-like of shape (n_series,)
            The label of each series (class codes or names; no missing labels).
        """
        for name in ("val_frac", "test_frac"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                    or not 0 <= float(v) < 1:
                raise InputError(f"{name} must be a number in [0, 1), got {v!r}.")
        if float(self.val_frac) + float(self.test_frac) >= 1:
            raise InputError(
                f"val_frac + test_frac = {float(self.val_frac) + float(self.test_frac):g} "
                "leaves no training series. Keep their sum below 1."
            )
        y = np.asarray(labels)
        if y.ndim != 1:
            raise InputError(f"labels has shape {y.shape}; expected one label per series.")
        missing = pd.isna(y)
        if missing.any():
            raise InputError(
                f"labels: series {int(np.argmax(missing))} has no label "
                f"({int(missing.sum())} missing). Every sequence needs a label: drop the "
                "unlabelled series."
            )
        n = len(y)
        n_parts = 1 + (self.val_frac > 0) + (self.test_frac > 0)
        if n < n_parts:
            raise InputError(f"{n} series cannot be split into {n_parts} parts. Give more "
                             "series, or pass --val-frac 0 (or --test-frac 0 with a test "
                             "set of its own in --test-data).")
        idx = np.arange(n)
        stratified = bool(self.stratify)
        if stratified:
            try:
                train, val, test = self._cut(idx, y, stratify=True)
            except ValueError as err:
                warnings.warn(
                    f"SeriesSplit: cannot stratify by label ({err}); splitting without "
                    "stratification, so a small class may be missing from a part. Give more "
                    "series of the small classes, lower --val-frac / --test-frac, or pass "
                    "a split of your own with --val-data / --test-data (stratify=False in "
                    "Python turns stratification off).", DataWarning, stacklevel=2)
                stratified = False
        if not stratified:
            train, val, test = self._cut(idx, y, stratify=False)
        if len(train) == 0:
            raise InputError(f"{n} series leave no training series with val_frac="
                             f"{self.val_frac} and test_frac={self.test_frac}.")
        part = np.zeros(n, dtype=np.int8)
        part[val] = VAL
        part[test] = TEST
        self.part_ = part
        self.n_series_ = int(n)
        self.stratified_ = bool(stratified)
        return self

    def _cut(self, idx: np.ndarray, y: np.ndarray,
             stratify: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        from sklearn.model_selection import train_test_split

        seed = int(self.seed)
        rest, test = idx, idx[:0]
        if self.test_frac > 0:
            rest, test = train_test_split(idx, test_size=float(self.test_frac),
                                          random_state=seed,
                                          stratify=y[idx] if stratify else None)
        train, val = rest, rest[:0]
        if self.val_frac > 0:
            frac = float(self.val_frac) / (1 - float(self.test_frac))
            train, val = train_test_split(rest, test_size=frac, random_state=seed + 1,
                                          stratify=y[rest] if stratify else None)
        return np.asarray(train), np.asarray(val), np.asarray(test)

    def series(self, which: int | str) -> np.ndarray:
        """Indices of the series in part ``which`` (0/'train', 1/'val', 2/'test')."""
        self.check_fitted()
        return np.flatnonzero(np.asarray(self.part_) == part_code(which)).astype(np.int64)

    def transform(self, groups: Any = None, *, bounds: Any = None) -> np.ndarray:
        """The per-row ``part`` array for data laid out by ``groups`` or ``bounds``."""
        self.check_fitted()
        if groups is None and bounds is None:
            return np.asarray(self.part_, dtype=np.int8).copy()
        if bounds is not None:
            b = check_bounds(bounds)
        else:
            b = bounds_from_groups(groups)
        if len(b) - 1 != self.n_series_:
            raise InputError(f"SeriesSplit was fitted on {self.n_series_} series; this data "
                             f"has {len(b) - 1}. Call fit with this data's labels.")
        return np.repeat(np.asarray(self.part_, dtype=np.int8), np.diff(b))
