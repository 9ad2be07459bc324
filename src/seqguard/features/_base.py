"""What every feature step shares: the :class:`_FeatureStep` base and the argument checks.

A feature step (:class:`~seqguard.features.Lags`, ...) returns only its new columns;
:class:`~seqguard.features.FeatureBuilder` appends them to the input. The checks here
validate a step's arguments in ``fit`` against the training frame, with the step
named in the message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._base import SeriesTransform
from ..errors import InputError, did_you_mean, format_list


def _check_column(column: Any, X: pd.DataFrame, where: str, numeric: bool = True) -> str:
    """Raise unless ``column`` is a (numeric) column of ``X``; return it as str."""
    cols = [str(c) for c in X.columns]
    if str(column) not in cols:
        raise InputError(
            f"{where}: column {str(column)!r} is not in the data.{did_you_mean(str(column), cols)}"
            f" Choose one of {format_list(cols)}."
        )
    if numeric:
        s = X[str(column)]
        if not (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)):
            raise InputError(
                f"{where}: column {str(column)!r} has dtype {s.dtype}, not numbers. "
                "Use it as a categorical column (--categorical) or pick a numeric column."
            )
    return str(column)


def _int_list(values: Any, where: str, what: str, minimum: int = 1) -> list[int]:
    """Validate a list of positive integers (lags, windows)."""
    if isinstance(values, (int, np.integer)) and not isinstance(values, bool):
        values = [values]
    if not isinstance(values, (list, tuple, np.ndarray)) or len(values) == 0:
        raise InputError(f"{where}: expected a non-empty list of {what}, got {values!r}.")
    out: list[int] = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or int(v) < minimum:
            raise InputError(
                f"{where}: {what} must be whole numbers >= {minimum}, got {v!r}.")
        if int(v) not in out:
            out.append(int(v))
    return out


def _column_map(spec: Any, where: str) -> Mapping[Any, Any]:
    if spec is None:
        return {}
    if not isinstance(spec, Mapping):
        raise InputError(
            f"{where}: expected a mapping {{column: [...]}}, got {type(spec).__name__}. "
            "Example: {'pm2.5': [1, 2, 24]}."
        )
    return spec


class _FeatureStep(SeriesTransform):
    """A step that returns only its new columns (a member of a :class:`FeatureBuilder`)."""

    def fit_transform(self, X: pd.DataFrame, y: Any = None, *,  # type: ignore[override]
                      groups: Any = None) -> pd.DataFrame:
        """``fit`` then ``transform`` on the same rows, with ``groups`` passed to both."""
        return self.fit(X, y, groups=groups).transform(X, groups=groups)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the columns ``transform`` returns."""
        self.check_fitted()
        return np.asarray(self.feature_names_out_, dtype=object)

    def _frame(self, X: pd.DataFrame, data: dict[str, np.ndarray]) -> pd.DataFrame:
        cols = list(self.feature_names_out_)
        if not data:
            return pd.DataFrame(index=X.index)
        return pd.DataFrame({c: data[c] for c in cols}, index=X.index)
