"""Static covariates of per-sequence classification: values recorded once per series.

A column such as a patient's age, sex or height is recorded once, at the start of a
series, and is missing at every later step. Read as a step input it is a spike at
step 0 (or, after the past-only fill, a constant channel the recurrent layers have to
carry for the whole sequence). :class:`StaticCovariates` gives one vector per series
of such columns, which the classifier concatenates to its pooled state before the
output layer: a direct path from, say, the age to the logit. The columns stay step
inputs as well (taking them out of the steps cost 0.04 ROC-AUC on PhysioNet 2012,
docs/classification.md).

The spec (``static=``, ``--static``):

``detect``
    A numeric input column is static when, in the training part, it is observed in
    at least :data:`MIN_SERIES` series and either (a) only ever on a series' first
    row, or (b) on every row of every series with one value per series (a
    per-series constant repeated on each row).
``none``
    No static covariates: every column stays a step input.
``auto``
    The estimator's choice for classification (``SequenceClassifier.AUTO_STATIC``,
    one of the above, measured on PhysioNet 2012: docs/classification.md); the
    :class:`~seqguard.pipeline.Pipeline` reads it as ``detect``.
``COL,COL,...``
    Exactly these columns (numeric inputs of the data).

The value of a static column for a series is its first observed value in that
series (NaN when it has none). It is standardised with the mean and standard
deviation of the training series' values; a missing value becomes 0 (the training
mean), and each static column that is missing in some training series gets an
observed indicator (``<col>__observed``, 1.0 / 0.0) after the values. Every output is
finite. Fitted on the training series only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from ._fitting import unfitted_on_error
from ._serialize import JsonMixin, register
from .errors import InputError, did_you_mean

__all__ = ["MIN_SERIES", "StaticCovariates", "detect_static", "parse_static"]

#: ``detect`` needs a column observed in at least this many training series.
MIN_SERIES = 10


def parse_static(spec: Any) -> str | list[str]:
    """``"auto"``, ``"detect"``, ``"none"`` or the column names of a ``static`` spec."""
    if spec is None:
        return "none"
    if isinstance(spec, (list, tuple)):
        names = [str(c).strip() for c in spec]
    elif isinstance(spec, str):
        text = spec.strip()
        if text.lower() in ("auto", "detect", "none", ""):
            return text.lower() or "none"
        names = [c.strip() for c in text.split(",")]
    else:
        raise InputError(f"The 'static' option (--static) must be 'auto', 'detect', 'none' or "
                         f"column "
                         f"names such as 'Age,Gender'; got {spec!r} instead.")
    if any(not n for n in names):
        raise InputError(f"The 'static' option (--static) has an empty column name in "
                         f"{spec!r}. Pass column names separated by commas, e.g. "
                         "--static Age,Gender.")
    return names


def first_observed(values: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """The first finite value of each series for each column: ``(n_series, n_cols)``."""
    n_series = len(bounds) - 1
    out = np.full((n_series, values.shape[1]), np.nan)
    if not len(values):
        return out
    finite = np.isfinite(values)
    series = np.repeat(np.arange(n_series), np.diff(bounds))
    for j in range(values.shape[1]):
        rows = np.flatnonzero(finite[:, j])
        if not len(rows):
            continue
        s = series[rows]
        first = np.unique(s, return_index=True)
        out[first[0], j] = values[rows[first[1]], j]
    return out


def detect_static(frame: pd.DataFrame, columns: list[str], bounds: np.ndarray) -> list[str]:
    """The columns of ``frame`` (training rows, series blocks ``bounds``) that ``detect``
    calls static (see the module docstring)."""
    n_series = len(bounds) - 1
    if n_series < 1:
        return []
    lengths = np.diff(bounds)
    series = np.repeat(np.arange(n_series), lengths)
    is_first = np.zeros(len(frame), dtype=bool)
    is_first[bounds[:-1][lengths > 0]] = True
    found = []
    for c in columns:
        v = frame[c].to_numpy(np.float64)
        obs = np.isfinite(v)
        n_obs_series = len(np.unique(series[obs]))
        if n_obs_series < MIN_SERIES:
            continue
        if not (obs & ~is_first).any():
            found.append(c)
        elif obs.all():
            first = v[bounds[:-1][lengths > 0]]
            if np.array_equal(v, np.repeat(first, lengths[lengths > 0])):
                found.append(c)
    return found


@register
class StaticCovariates(JsonMixin, BaseEstimator):
    """One standardised vector per series from its static columns.

    Parameters
    ----------
    columns : list of str
        The static columns (already resolved: see :func:`parse_static`).

    Attributes
    ----------
    mean_, scale_ : ndarray (n_columns,)
        Of the training series' first observed values (scale 1 where the spread is 0).
    indicators_ : list of str
        The columns that get an observed indicator.
    feature_names_ : list of str
        The names of the output columns.
    """

    def __init__(self, columns: list[str] | None = None) -> None:
        self.columns = columns

    @unfitted_on_error
    def fit(self, frame: pd.DataFrame, bounds: np.ndarray) -> StaticCovariates:
        cols = list(self.columns or [])
        self._check_frame(frame, cols, "fit")
        values = first_observed(frame[cols].to_numpy(np.float64), bounds) if cols \
            else np.empty((len(bounds) - 1, 0))
        with np.errstate(invalid="ignore"):
            mean = np.nanmean(values, axis=0) if len(values) else np.zeros(len(cols))
            std = np.nanstd(values, axis=0) if len(values) else np.ones(len(cols))
        self.mean_ = np.nan_to_num(mean, nan=0.0)
        self.scale_ = np.where(np.isfinite(std) & (std > 0), std, 1.0)
        self.indicators_ = [c for j, c in enumerate(cols) if np.isnan(values[:, j]).any()]
        self.feature_names_ = cols + [f"{c}__observed" for c in self.indicators_]
        return self

    def _check_frame(self, frame: Any, cols: list[str], where: str) -> None:
        if not isinstance(frame, pd.DataFrame):
            raise InputError(f"StaticCovariates.{where} expects a pandas DataFrame, got "
                             f"{type(frame).__name__}.")
        missing = _missing_columns(frame, cols)
        if missing:
            raise InputError(f"StaticCovariates.{where}: the static column {missing[0]!r} "
                             "is not in the data"
                             f"{did_you_mean(missing[0], [str(c) for c in frame.columns])}. "
                             "Pass data with the columns the covariates were chosen from.")

    def transform(self, frame: pd.DataFrame, bounds: np.ndarray) -> np.ndarray:
        """``(n_series, len(feature_names_))`` float32, finite."""
        self.check_fitted()
        cols = list(self.columns or [])
        self._check_frame(frame, cols, "transform")
        if not cols:
            return np.zeros((len(bounds) - 1, 0), dtype=np.float32)
        values = first_observed(frame[cols].to_numpy(np.float64), bounds)
        z = (values - self.mean_) / self.scale_
        observed = np.isfinite(z)
        z = np.where(observed, z, 0.0)
        ind = [observed[:, cols.index(c)].astype(np.float64) for c in self.indicators_]
        out = np.column_stack([z, *ind]) if ind else z
        return out.astype(np.float32)


def _missing_columns(frame: Any, cols: list[str]) -> list[str]:
    return [c for c in cols if c not in frame.columns]


def resolve_static(spec: Any, frame: pd.DataFrame, numeric: list[str], inputs: list[str],
                   bounds: np.ndarray, source: str) -> list[str]:
    """The static columns of a ``static`` spec on the training rows ``frame``."""
    parsed = parse_static(spec)
    if parsed == "none":
        return []
    candidates = [c for c in inputs if c in numeric]
    if parsed in ("auto", "detect"):
        return detect_static(frame, candidates, bounds)
    for c in parsed:
        if c not in inputs:
            raise InputError(f"{source}: --static names the column {c!r}, which is not an "
                             f"input column of the data.{did_you_mean(c, inputs)}")
        if c not in numeric:
            raise InputError(f"{source}: --static column {c!r} is not numeric; static "
                             "covariates must be numbers (encode the categories as numbers).")
    return list(dict.fromkeys(parsed))
