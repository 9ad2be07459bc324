"""Robust statistics of a column for the audit: quartiles, scale, modes, runs, correlation.

Every function works on plain numpy arrays, vectorised over whole columns. Columns
longer than :data:`~seqguard.audit.thresholds.QUANTILE_SAMPLE` are summarised from a
fixed random sample (seed 0), so the same data always gives the same audit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .thresholds import QUANTILE_SAMPLE


def _quartiles(s: np.ndarray) -> tuple[float, float, float]:
    """(Q1, median, Q3) of a sorted, non-empty finite array (numpy's linear method)."""
    n = s.size
    out = []
    for q in (0.25, 0.5, 0.75):
        pos = q * (n - 1)
        i = int(pos)
        frac = pos - i
        lo = float(s[i])
        hi = float(s[min(i + 1, n - 1)])
        out.append(lo + (hi - lo) * frac if frac else lo)
    return out[0], out[1], out[2]


def _robust_scale(s: np.ndarray, med: float, iqr: float) -> float:
    """IQR, else the IQR of the values away from the median, else the std (0 if constant).

    ``s`` is sorted.
    """
    if iqr > 0:
        return iqr
    away = s[s != med]
    if away.size >= 4:
        a1, _, a3 = _quartiles(away)
        if a3 > a1:
            return a3 - a1
    if away.size:
        return float(np.std(s))
    return 0.0


@dataclass
class _Shape:
    """Robust shape of a column, from all its finite values or a fixed sample of them."""

    sorted: np.ndarray
    q1: float
    med: float
    q3: float
    scale: float
    values: np.ndarray       # distinct values of the sample ...
    counts: np.ndarray       # ... and how often each occurs in it


def _shape(fin: np.ndarray) -> _Shape:
    """One sort of at most QUANTILE_SAMPLE values gives quartiles, scale and modes."""
    s = np.sort(_sample(fin, QUANTILE_SAMPLE))
    q1, med, q3 = _quartiles(s)
    new = np.empty(s.size, dtype=bool)
    new[0] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    first = np.flatnonzero(new)
    counts = np.diff(np.append(first, s.size))
    return _Shape(s, q1, med, q3, _robust_scale(s, med, q3 - q1), s[first], counts)


def _sample(x: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """A fixed random sample (with replacement) of ``size`` values, or ``x`` if smaller."""
    if x.size <= size:
        return x
    idx = np.random.default_rng(seed).integers(0, x.size, size)
    return x[idx]


def _runs(missing: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> dict[str, Any]:
    """Run lengths of a missing mask, per series: leading, trailing, longest inner gap."""
    n = missing.size
    obs_idx = np.flatnonzero(~missing)
    k = obs_idx.size
    if k == 0:
        lengths = ends - starts
        return {"leading": lengths, "trailing": lengths, "gap": 0, "gap_start": -1,
                "first_obs": np.full(starts.size, -1), "observed": np.zeros(starts.size, bool)}
    p = np.searchsorted(obs_idx, starts)
    first = obs_idx[np.minimum(p, k - 1)]
    observed = (p < k) & (first < ends)
    first = np.where(observed, first, ends)
    q = np.searchsorted(obs_idx, ends) - 1
    last = np.where(q >= 0, obs_idx[np.maximum(q, 0)], -1)
    last = np.where(observed, last, starts - 1)
    leading = first - starts
    trailing = ends - 1 - last
    gap, gap_start = 0, -1
    if k > 1 and k < n:
        gaps = np.diff(obs_idx)
        # a pair of observations that straddles a series start is not an inner gap
        cross = p[1:] - 1
        gaps[cross[(cross >= 0) & (cross < k - 1)]] = 1
        j = int(np.argmax(gaps))
        if gaps[j] > 1:
            gap, gap_start = int(gaps[j] - 1), int(obs_idx[j] + 1)
    return {"leading": leading, "trailing": trailing, "gap": gap, "gap_start": gap_start,
            "first_obs": np.where(observed, first, -1), "observed": observed}


def _close(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """np.isclose(a, b, rtol=1e-6, atol=1e-12) for finite arrays, without its overhead."""
    return np.abs(a - b) <= 1e-12 + 1e-6 * np.abs(b)


def _corr(x: np.ndarray, y: np.ndarray) -> float | None:
    """Pearson correlation over the rows where both are finite (None if undefined)."""
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return None
    a, b = x[ok], y[ok]
    a = a - a.mean()
    b = b - b.mean()
    # plain ufunc sums: BLAS dot products spin threads and crawl on a busy machine
    den = math.sqrt(float(np.multiply(a, a).sum()) * float(np.multiply(b, b).sum()))
    if den == 0:
        return None
    return float(np.multiply(a, b).sum()) / den
