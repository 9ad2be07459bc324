"""Numbers as float64 with every missing value as NaN: the one conversion of the transforms.

The feature steps, the missing-data strategy and the scalers read their columns with
:func:`as_float64`: pandas ``NA`` / ``None`` become ``NaN`` and, unless ``finite=False``,
so do ``±inf`` (missing, as the docs of each step say). The values are copied, never
computed, so the result is exact.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def as_float64(values: Any, *, finite: bool = True, copy: bool = True,
               observed: np.ndarray | None = None) -> np.ndarray:
    """``values`` (Series, DataFrame or array-like) as a float64 array, NA as ``NaN``.

    Parameters
    ----------
    values : Series, DataFrame or array-like
    finite : bool, default True
        Also turn ``±inf`` (and every other non-finite value) into ``NaN``.
    copy : bool, default True
        Always return a new array. With ``copy=False`` and ``finite=False`` the result
        may share memory with ``values``; with ``finite=True`` it never does.
    observed : bool array of the same shape, optional
        With ``finite``: filled with ``True`` where the value was finite.

    Examples
    --------
    >>> as_float64(pd.Series([1, None, np.inf], dtype="Float64")).tolist()
    [1.0, nan, nan]
    >>> as_float64(np.array([1.0, -np.inf]), finite=False).tolist()
    [1.0, -inf]
    """
    copy = copy and not finite  # np.where makes the finite result a new array anyway
    if isinstance(values, (pd.Series, pd.DataFrame)):
        a = values.to_numpy(dtype=np.float64, na_value=np.nan, copy=copy)
    else:
        a = np.array(values, dtype=np.float64) if copy else np.asarray(values, dtype=np.float64)
    if finite:
        return np.where(np.isfinite(a, out=observed), a, np.nan)
    return a
