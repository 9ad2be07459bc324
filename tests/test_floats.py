"""seqguard._floats.as_float64: the one "float64, NA and ±inf as NaN" conversion."""

from __future__ import annotations

import numpy as np
import pandas as pd

from seqguard._floats import as_float64


def test_pandas_na_and_inf_become_nan_in_a_new_array() -> None:
    s = pd.Series([1.5, np.inf, -np.inf, np.nan, 2.0])
    out = as_float64(s)
    assert out.dtype == np.float64 and not np.shares_memory(out, s.to_numpy())
    np.testing.assert_array_equal(out, [1.5, np.nan, np.nan, np.nan, 2.0])
    assert s.iloc[1] == np.inf  # the input is untouched
    nullable = pd.DataFrame({"a": pd.array([1, None], dtype="Int64"), "b": [np.inf, 3.0]})
    np.testing.assert_array_equal(as_float64(nullable), [[1.0, np.nan], [np.nan, 3.0]])


def test_finite_false_keeps_inf_and_copy_false_may_share() -> None:
    a = np.array([1.0, np.inf, np.nan])
    kept = as_float64(a, finite=False, copy=False)
    assert kept is a or np.shares_memory(kept, a)
    copied = as_float64(a, finite=False)
    assert not np.shares_memory(copied, a)
    np.testing.assert_array_equal(copied, a)
    assert not np.shares_memory(as_float64(a, copy=False), a)  # finite: always new


def test_observed_mask_is_filled() -> None:
    obs = np.empty((3, 2), dtype=bool, order="F")
    out = as_float64(pd.Series([np.inf, 1.0, pd.NA], dtype=object).astype("Float64"),
                     observed=obs[:, 1])
    assert obs[:, 1].tolist() == [False, True, False]
    np.testing.assert_array_equal(out, [np.nan, 1.0, np.nan])
