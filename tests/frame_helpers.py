"""Small frames the tests share (built once here, not copied into each test module)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def series_frame(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """One series: a random walk input ``x`` with gaps, a categorical ``c``, and a target
    ``y`` driven by the previous ``x`` (also with gaps); time ``t`` is the row number."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n).cumsum()
    y = np.r_[0.0, x[:-1]] * 2 + rng.normal(size=n)
    x[rng.random(n) < 0.1] = np.nan
    y[rng.random(n) < 0.05] = np.nan
    cat = rng.choice(["a", "b", "c"], size=n).astype(object)
    return pd.DataFrame({"t": np.arange(n), "x": x, "c": cat, "y": y})
