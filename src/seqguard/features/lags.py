"""Lagged values within each series: :class:`Lags` (``--lags``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .._fitting import unfitted_on_error
from .._floats import as_float64
from .._serialize import register
from ._base import _check_column, _column_map, _FeatureStep, _int_list
from ._kernels import _lag, _series_starts


@register
class Lags(_FeatureStep):
    """Lagged values of numeric columns, within each series.

    Parameters
    ----------
    lags : dict
        ``{column: [k, ...]}`` with whole numbers ``k >= 1`` (grid steps back).

    Attributes
    ----------
    lags_ : dict
        The validated lags, ``{column: [k, ...]}`` (duplicates removed).
    feature_names_out_ : list of str
        ``{column}__lag{k}`` in the order given.

    Examples
    --------
    >>> X = pd.DataFrame({"y": [1.0, 2.0, 3.0]})
    >>> Lags({"y": [1, 2]}).fit_transform(X).to_numpy().tolist()
    [[nan, nan], [1.0, nan], [2.0, 1.0]]
    """

    def __init__(self, lags: Mapping[str, Sequence[int]] | None = None) -> None:
        self.lags = lags

    @unfitted_on_error
    def fit(self, X: pd.DataFrame, y: Any = None, *, groups: Any = None) -> Lags:
        """Validate the columns and lags against the training frame ``X``."""
        self._record_columns(X)
        lags: dict[str, list[int]] = {}
        for col, ks in _column_map(self.lags, "Lags(lags=...)").items():
            c = _check_column(col, X, "Lags(lags=...)")
            lags[c] = _int_list(ks, f"Lags(lags=...), column {c!r}", "lags")
        self.lags_ = lags
        self.feature_names_out_ = [f"{c}__lag{k}" for c, ks in lags.items() for k in ks]
        return self

    def transform(self, X: pd.DataFrame, *, groups: Any = None) -> pd.DataFrame:
        """Lagged columns; ``NaN`` before each series start and where the value is missing."""
        self._check_columns(X)
        starts = _series_starts(groups, len(X))
        data = {}
        for c, ks in self.lags_.items():
            x = as_float64(X[c])
            for k in ks:
                data[f"{c}__lag{k}"] = _lag(x, starts, k)
        return self._frame(X, data)
