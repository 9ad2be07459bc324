"""The missingness channels a model sees beside the filled values.

``<col>__observed`` (:data:`OBSERVED_SUFFIX`, 1.0 where the value was observed) and
``<col>__since`` (:data:`SINCE_SUFFIX`, ``log1p`` of the steps since the last
observation in the series; :func:`since_to_steps` undoes it), as defined in
:mod:`seqguard.missing`; and :func:`timestep_mask`, the per-timestep mask for models
that skip fully missing timesteps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._rows import _Rows

OBSERVED_SUFFIX = "__observed"
SINCE_SUFFIX = "__since"


def timestep_mask(X: pd.DataFrame | np.ndarray, columns: list[str] | None = None) -> np.ndarray:
    """True on rows where at least one feature is observed (finite).

    Call it on the values *before* a strategy fills them. Models that skip fully
    missing timesteps (Keras-style masking) use it; unlike ``Masking(mask_value=...)``
    it never mistakes a real value for a missing one.

    Parameters
    ----------
    X : DataFrame or 2-D array
        The raw (scaled, not yet filled) inputs.
    columns : list of str, optional
        The columns to look at (DataFrame only); all columns by default.

    Returns
    -------
    numpy.ndarray of bool, one per row.

    Examples
    --------
    >>> timestep_mask(np.array([[np.nan, -1.0], [np.nan, np.nan]]))
    array([ True, False])
    """
    if isinstance(X, pd.DataFrame):
        frame = X if columns is None else X[list(columns)]
        values = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        values = np.asarray(X, dtype=np.float64)
        if values.ndim == 1:
            values = values[:, None]
    if values.shape[1] == 0:
        return np.zeros(values.shape[0], dtype=bool)
    return np.isfinite(values).any(axis=1)


def since_to_steps(values: np.ndarray) -> np.ndarray:
    """Undo the ``log1p`` scaling of a ``<col>__since`` channel: whole steps (float64).

    Examples
    --------
    >>> since_to_steps(np.log1p(np.array([0.0, 1.0, 30.0])))
    array([ 0.,  1., 30.])
    """
    return np.rint(np.expm1(np.asarray(values, dtype=np.float64)))


def observed_channel(observed: np.ndarray) -> np.ndarray:
    """The ``<col>__observed`` channel: 1.0 where observed, 0.0 where missing."""
    return observed.astype(np.float64)


def since_channel(rows: _Rows,
                  last_pair: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """The ``<col>__since`` channel: ``log1p`` of the steps since the last observation.

    ``last_pair`` is ``rows.last_observed(observed)``, or ``None`` for a column with
    no missing value (0 steps everywhere). In a leading gap the count runs from the
    series start as if the series had been observed the step before it starts.
    """
    if last_pair is None:
        return np.zeros(rows.n)
    idx, start = rows.idx, rows.start
    steps = np.where(last_pair[1], idx - last_pair[0], idx - start + 1)
    return np.log1p(steps, dtype=np.float64)
