"""Small seeded datasets, one per classic failure mode of the pathology suite.

Every generator is deterministic (its own ``numpy`` generator and seed) and returns
a pandas DataFrame that :func:`seqguard.read` takes as it is: hourly ``time``
where a test needs a regular grid, a ``series`` column where there are several.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "categorical_shift",
    "collapse_prone",
    "driven",
    "huge_inputs",
    "labelled_sequences",
    "leading_gaps",
    "long_memory",
    "negative_target",
    "per_step_target",
    "percent_target",
    "random_walk",
    "wild_scales",
    "with_nan",
]


def _ar1(rng: np.random.Generator, n: int, phi: float = 0.9) -> np.ndarray:
    e = rng.normal(size=n)
    x = np.zeros(n)
    for i in range(1, n):
        x[i] = phi * x[i - 1] + e[i]
    return x


def _hourly(n: int) -> pd.DatetimeIndex:
    return pd.date_range("2022-01-01", periods=n, freq="h")


def driven(n: int = 800, seed: int = 0) -> pd.DataFrame:
    """``y`` driven by yesterday's covariates ``x1`` and ``x2`` (AR(1) each).

    ``y[t] = 2 x1[t-1] - 1.5 x2[t-1] + noise(0.3)``: persistence is poor (``y`` moves
    with the covariates), a model that reads ``x1`` and ``x2`` does much better.
    """
    rng = np.random.default_rng(seed)
    x1, x2 = _ar1(rng, n), _ar1(rng, n, 0.8)
    y = np.zeros(n)
    y[1:] = 2.0 * x1[:-1] - 1.5 * x2[:-1]
    y += rng.normal(0, 0.3, n)
    return pd.DataFrame({"time": _hourly(n), "x1": x1, "x2": x2, "y": y})


def with_nan(df: pd.DataFrame, columns: list[str], frac: float, seed: int) -> pd.DataFrame:
    """A copy with exactly ``round(frac * len(df))`` cells of each of ``columns``
    set to NaN, at random rows."""
    rng = np.random.default_rng(seed)
    out = df.copy()
    k = round(frac * len(df))
    for col in columns:
        out.loc[rng.choice(len(out), size=k, replace=False), col] = np.nan
    return out


def wild_scales(n: int = 800, seed: int = 1) -> pd.DataFrame:
    """``big`` in the thousands (mean 5000, sd ~2000) next to ``small`` in tenths.

    ``y[t] = (big[t-1] - 5000) / 1000 + 10 small[t-1] + noise``: both inputs matter
    equally, so a model that sees them unscaled would lean on ``big`` only.
    """
    rng = np.random.default_rng(seed)
    big = 5000.0 + 1000.0 * _ar1(rng, n)
    small = 0.1 * _ar1(rng, n)
    y = np.zeros(n)
    y[1:] = (big[:-1] - 5000.0) / 1000.0 + 10.0 * small[:-1]
    y += rng.normal(0, 0.2, n)
    return pd.DataFrame({"time": _hourly(n), "big": big, "small": small, "y": y})


def huge_inputs(n: int = 800, seed: int = 2) -> pd.DataFrame:
    """``price`` near 1e9 (1e9 + 1e7 * AR(1)) next to an ordinary ``volume``; ``y``
    follows yesterday's price move."""
    rng = np.random.default_rng(seed)
    x = _ar1(rng, n)
    volume = rng.normal(100.0, 10.0, n)
    y = np.zeros(n)
    y[1:] = 2.0 * x[:-1]
    y += rng.normal(0, 0.3, n)
    return pd.DataFrame({"time": _hourly(n), "price": 1e9 + 1e7 * x, "volume": volume, "y": y})


def negative_target(n: int = 400, seed: int = 3) -> pd.DataFrame:
    """A temperature-like target around -5 (negative most of the time)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = -5.0 + 4.0 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 0.5, n)
    return pd.DataFrame({"time": _hourly(n), "y": y})


def percent_target(n: int = 400, seed: int = 4) -> pd.DataFrame:
    """A regression target in percent (about 20..80), far outside a sigmoid's [0, 1]."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 50.0 + 25.0 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 2.0, n)
    return pd.DataFrame({"time": _hourly(n), "y": y})


def long_memory(n: int = 1400, lag: int = 400, seed: int = 5) -> pd.DataFrame:
    """``y[t] = x[t - lag]`` with white-noise ``x``: with ``input_len=lag`` the
    answer for ``t+1`` is the first step of the input window and nothing later."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = np.full(n, np.nan)
    y[lag:] = x[:-lag] + rng.normal(0, 0.05, n - lag)
    return pd.DataFrame({"time": _hourly(n), "x": x, "y": y})


def collapse_prone(n: int = 800, seed: int = 6) -> pd.DataFrame:
    """The classic Keras setup: a target with mean 1e4 and std ~0.6 that a model
    fed raw values (no scaling, direct head) cannot reach."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = np.full(n, 1e4)
    y[1:] += 0.5 * x[:-1]
    y[2:] += 0.4 * x[:-2]
    y += rng.normal(0, 0.2, n)
    return pd.DataFrame({"time": _hourly(n), "x": x, "y": y})


def leading_gaps(leads: dict[str, tuple[int, int]], n: int = 400,
                 seed: int = 7) -> pd.DataFrame:
    """Several series (long format) whose ``x`` and ``y`` start with missing runs.

    ``leads`` maps a series name to the lengths of its leading gaps in ``x`` and
    in ``y``. ``x`` is around 50 and ``y`` around 20 (never near 0), so an invented
    zero stands out.
    """
    rng = np.random.default_rng(seed)
    parts = []
    for name, (lead_x, lead_y) in leads.items():
        x = 50.0 + 5.0 * _ar1(rng, n)
        y = np.full(n, 20.0)
        y[1:] += 0.5 * (x[:-1] - 50.0)
        y += rng.normal(0, 0.3, n)
        x[:lead_x] = np.nan
        y[:lead_y] = np.nan
        parts.append(pd.DataFrame({"series": name, "time": _hourly(n), "x": x, "y": y}))
    return pd.concat(parts, ignore_index=True)


def labelled_sequences(n_series: int = 300, seed: int = 8) -> pd.DataFrame:
    """Variable-length sequences (10..60 steps), one 0/1 label each.

    Class 1 sequences drift upward (``x`` slope +0.05 per step), class 0 downward;
    the noise (sd 1) is large per step, so the label is in the trend over the whole
    sequence, and the short ones are hard.
    """
    rng = np.random.default_rng(seed)
    parts = []
    for k in range(n_series):
        length = int(rng.integers(10, 61))
        label = int(rng.random() < 0.5)
        slope = 0.05 if label else -0.05
        x = slope * np.arange(length) + rng.normal(0, 1.0, length)
        parts.append(pd.DataFrame({"seq": f"s{k:03d}", "step": np.arange(length),
                                   "x": x, "label": float(label)}))
    return pd.concat(parts, ignore_index=True)


def per_step_target(n: int = 800, seed: int = 9) -> pd.DataFrame:
    """A target at every timestep: ``y[t] = 0.6 x[t] + 0.3 x[t-1] + 0.1 x[t-2]``
    plus noise (a moving average of the input, as in sequence tagging)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = np.convolve(x, [0.6, 0.3, 0.1])[:n] + rng.normal(0, 0.1, n)
    return pd.DataFrame({"time": _hourly(n), "x": x, "y": y})


def categorical_shift(n: int = 800, seed: int = 10) -> pd.DataFrame:
    """A ``regime`` category ("calm" / "busy") that sets the level of ``y``; a third
    value, "holiday", appears only in the last 10 % of the rows (the test part)."""
    rng = np.random.default_rng(seed)
    regime = np.where((np.arange(n) // 48) % 2 == 0, "calm", "busy").astype(object)
    regime[int(n * 0.9):] = "holiday"
    x = _ar1(rng, n)
    level = np.where(regime == "busy", 3.0, 0.0)
    y = np.zeros(n)
    y[1:] = level[1:] + 1.5 * x[:-1]
    y += rng.normal(0, 0.3, n)
    return pd.DataFrame({"time": _hourly(n), "regime": regime, "x": x, "y": y})


def random_walk(n: int = 800, seed: int = 11, noise_features: int = 4) -> pd.DataFrame:
    """A pure random walk ``y`` and some white-noise covariates: the best forecast of
    the next step is the last value (persistence); nothing can beat it."""
    rng = np.random.default_rng(seed)
    data = {"time": _hourly(n), "y": np.cumsum(rng.normal(size=n))}
    for k in range(noise_features):
        data[f"noise{k}"] = rng.normal(size=n)
    return pd.DataFrame(data)
