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


def many_series_frame(n_series: int = 12, n: int = 160, seed: int = 0) -> pd.DataFrame:
    """Many series in long format: series ``s`` (``s00``, ``s01``, ...), time ``t``, an
    input ``x`` with gaps, a per-series constant ``size`` (a static covariate), and a
    target ``y`` = gain × previous ``x`` + level, gain and level differing by series (with
    gaps, more of them in the last series). The last series is a quarter as long as the
    others."""
    rng = np.random.default_rng(seed)
    parts = []
    for k in range(n_series):
        m = n if k < n_series - 1 else max(n // 4, 8)
        x = rng.normal(size=m).cumsum() / 3
        gain, level = 0.5 + k / n_series, 10.0 * k
        y = np.r_[0.0, gain * x[:-1]] + level + 0.2 * rng.normal(size=m)
        x[rng.random(m) < 0.05] = np.nan
        y[rng.random(m) < (0.3 if k == n_series - 1 else 0.03)] = np.nan
        parts.append(pd.DataFrame({"s": f"s{k:02d}", "t": np.arange(m), "x": x,
                                   "size": float(k % 4) + 1.0, "y": y}))
    return pd.concat(parts, ignore_index=True)
