"""The NaN-aware statistics behind every scaler, for many blocks of rows at once.

:func:`_stats` gives the center, the raw spread and the observed count of each column
in each contiguous block of rows (one block: the global statistics; one block per
series code: ``per="series"``), with numpy's quantiles for ``robust``
(:func:`_grouped_quantiles`). The formulas are in :mod:`seqguard.scaling`.
"""

from __future__ import annotations

import numpy as np


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """numpy's linear interpolation for quantiles (exact at both ends)."""
    diff = b - a
    return np.where(t >= 0.5, b - diff * (1.0 - t), a + diff * t)


def _sorted_in_blocks(values: np.ndarray, block: np.ndarray, starts: np.ndarray,
                     counts: np.ndarray) -> np.ndarray:
    """Each column sorted ascending inside each block of rows (NaN last)."""
    if len(starts) == 1:
        return np.sort(values, axis=0)
    n_blocks, longest = len(starts), int(counts.max())
    if n_blocks * longest <= 2 * len(values) + 4096:  # blocks of similar length: pad
        pos = np.arange(len(values)) - starts[block]
        padded = np.full((n_blocks, longest, values.shape[1]), np.nan)
        padded[block, pos] = values
        padded.sort(axis=1)
        return padded[block, pos]
    out = np.empty_like(values)
    for j in range(values.shape[1]):
        by_value = np.argsort(values[:, j])
        out[:, j] = values[by_value[np.argsort(block[by_value], kind="stable")], j]
    return out


def _grouped_quantiles(values: np.ndarray, block: np.ndarray, starts: np.ndarray,
                       n: np.ndarray, qs: tuple[float, ...]) -> list[np.ndarray]:
    """Quantiles (numpy's "linear" method) of the non-NaN values of each block and column."""
    counts = np.diff(np.r_[starts, len(values)])
    ordered = _sorted_in_blocks(values, block, starts, counts)
    last = np.maximum(n - 1, 0)
    cols = np.arange(values.shape[1])[None, :]
    out = []
    for q in qs:
        virtual = last * q
        below = np.floor(virtual)
        above = np.minimum(below + 1, last)
        a = ordered[starts[:, None] + below.astype(np.int64), cols]
        b = ordered[starts[:, None] + above.astype(np.int64), cols]
        out.append(np.where(n > 0, _lerp(a, b, virtual - below), np.nan))
    return out


def _stats(values: np.ndarray, block: np.ndarray, starts: np.ndarray,
           method: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Center, raw spread and observed count per block and column.

    ``values`` is float64 (rows × columns), NaN for every missing value, its rows
    grouped in contiguous blocks: ``block`` is the block number of each row and
    ``starts`` the first row of each block. Results have shape (blocks × columns).
    A column without observed values gets center 0 and spread NaN; a constant
    column gets its constant as center (exactly) and spread 0.
    """
    obs = ~np.isnan(values)
    n = np.add.reduceat(obs.astype(np.int64), starts, axis=0)
    has = n > 0
    lo = np.minimum.reduceat(np.where(obs, values, np.inf), starts, axis=0)
    hi = np.maximum.reduceat(np.where(obs, values, -np.inf), starts, axis=0)
    constant = has & (lo == hi)
    if method == "none":
        return np.zeros(n.shape), np.where(has, 1.0, np.nan), n
    if method == "standard":
        denom = np.maximum(n, 1)
        center = np.add.reduceat(np.where(obs, values, 0.0), starts, axis=0) / denom
        dev = np.where(obs, values - center[block], 0.0)
        with np.errstate(over="ignore"):  # overflow is reported by _check_finite
            spread = np.sqrt(np.add.reduceat(dev * dev, starts, axis=0) / denom)
    elif method == "minmax":
        center, spread = lo, hi - lo
    else:  # robust
        q25, center, q75 = _grouped_quantiles(values, block, starts, n, (0.25, 0.5, 0.75))
        spread = q75 - q25
    center = np.where(constant, lo, np.where(has, center, 0.0))
    spread = np.where(constant, 0.0, np.where(has, spread, np.nan))
    return center, spread, n
