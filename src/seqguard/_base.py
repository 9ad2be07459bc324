"""The contract every preprocessing step follows (scikit-learn's, plus series and JSON).

A step is a :class:`SeriesTransform`:

* ``__init__`` only stores its arguments unchanged (``get_params`` / ``clone`` give
  back exactly what the user passed); validation happens in ``fit``.
* ``fit(X, y=None, *, groups=None)`` sees **only the training part**: ``X`` is a
  pandas DataFrame of training rows, ``groups`` an int64 array (one series code per
  row, each series contiguous and in time order; ``None`` means one series). Learned
  state goes in attributes ending in ``_`` (``feature_names_in_``, ``n_features_in_``
  and the step's own), and "auto" / ``None`` options are resolved into private
  attributes, never written back over the argument.
* ``transform(X, *, groups=None)`` is called on whole series in time order (train,
  then validation, then test rows), so anything past-only (a forward fill, a lag)
  may carry the past across a split boundary but never looks forward. It returns a
  new DataFrame with the same index.
* ``to_dict()`` / ``from_dict()`` round-trip through JSON exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from ._serialize import JsonMixin
from .errors import InputError, did_you_mean, format_list


class SeriesTransform(JsonMixin, TransformerMixin, BaseEstimator):
    """Base class of seqguard's preprocessing steps (see module docstring)."""

    def fit_transform(self, X: pd.DataFrame, y: Any = None, *,  # type: ignore[override]
                      groups: Any = None, **fit_params: Any) -> pd.DataFrame:
        """``fit`` then ``transform`` on the same rows, passing ``groups`` to both.

        (scikit-learn's ``TransformerMixin.fit_transform`` would drop ``groups`` on
        the way to ``transform`` and treat many series as one.)
        """
        return self.fit(X, y, groups=groups, **fit_params).transform(X, groups=groups)

    def _record_columns(self, X: pd.DataFrame) -> None:
        if not isinstance(X, pd.DataFrame):
            raise InputError(
                f"{type(self).__name__}.fit expects a pandas DataFrame with named columns, "
                f"got {type(X).__name__}. Wrap the array: pd.DataFrame(X, columns=[...])."
            )
        self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        self.n_features_in_ = int(X.shape[1])

    def _check_columns(self, X: pd.DataFrame) -> None:
        """Raise naming missing and unexpected columns (at most five of each)."""
        self.check_fitted()
        if not isinstance(X, pd.DataFrame):
            raise InputError(
                f"{type(self).__name__}.transform expects a pandas DataFrame, "
                f"got {type(X).__name__}."
            )
        expected = [str(c) for c in self.feature_names_in_]
        got = [str(c) for c in X.columns]
        if got == expected:
            return
        missing = [c for c in expected if c not in got]
        extra = [c for c in got if c not in expected]
        parts = []
        if missing:
            hint = did_you_mean(missing[0], extra) if extra else ""
            parts.append(f"missing {format_list(missing)}{hint}")
        if extra:
            parts.append(f"unexpected {format_list(extra)}")
        if not parts:
            parts.append("the columns are in another order")
        raise InputError(
            f"{type(self).__name__} was fitted on other columns: {'; '.join(parts)}. "
            "Transform data with the columns used in fit."
        )


def as_groups(groups: Any, n: int) -> np.ndarray:
    """Validate ``groups`` (None → one series) into an int64 array of length ``n``."""
    if groups is None:
        return np.zeros(n, dtype=np.int64)
    g = np.asarray(groups)
    if g.shape != (n,):
        raise InputError(f"groups has shape {g.shape}, expected ({n},): one series code per row.")
    return g.astype(np.int64, copy=False)


def group_starts(groups: np.ndarray) -> np.ndarray:
    """Row offsets of contiguous group blocks, with the total length appended."""
    n = len(groups)
    if n == 0:
        return np.zeros(1, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    return np.r_[starts, n].astype(np.int64)
