"""The NaN-aware statistics behind every scaler, for many blocks of rows at once.

:func:`_stats` gives the center, the raw spread and the observed count of each column
in each contiguous block of rows (one block: the global statistics; one block per
series code: ``per="series"``), with numpy's quantiles for ``robust``
(:func:`_grouped_quantiles`). The formulas are in :mod:`seqguard.scaling`.

:class:`SeriesStats` holds the same statistics per series in a mergeable form, for
fitting shard by shard (:mod:`seqguard.io.streaming`): ``standard``, ``minmax`` and
``none`` merge (:data:`MERGEABLE`); ``robust`` needs every value at once.
"""

from __future__ import annotations

import numpy as np

from .._floats import as_float64


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


#: The methods whose statistics merge exactly across shards of whole series.
MERGEABLE = ("standard", "minmax", "none")


def _per_block(values: np.ndarray, codes: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows sorted by code (stable), the block of each sorted row, block starts, codes."""
    order = np.argsort(codes, kind="stable")
    uniq, starts = np.unique(codes[order], return_index=True)
    block = np.repeat(np.arange(len(uniq)), np.diff(np.r_[starts, len(order)]))
    return values[order], block, starts, uniq


class SeriesStats:
    """Mergeable per-series statistics of training rows, for fitting out of core.

    One instance holds, for each series code with training rows in one shard (a
    group of whole series), the observed count, mean, sum of squared deviations,
    minimum and maximum of every column, and the center and raw spread of
    :func:`_stats` for the method. Shards hold disjoint series, so
    :meth:`concat` merges them; the per-series statistics are those an in-memory
    fit computes (the same rows in the same order), and :meth:`global_stats`
    combines them into the global ones (Chan et al.'s pairwise update for the
    standard deviation, equal to the two-pass in-memory value to float64 rounding;
    minimum, maximum and counts exactly).

    Attributes
    ----------
    codes : int64 (k,) sorted series codes.
    n : int64 (k, f) observed values.
    mean, m2, lo, hi : float64 (k, f) (``mean`` and ``m2`` 0, ``lo`` +inf and ``hi``
        -inf where nothing was observed).
    center, spread : float64 (k, f) the method's per-series statistics.
    n_rows : training rows seen.
    """

    def __init__(self, codes: np.ndarray, n: np.ndarray, mean: np.ndarray,
                 m2: np.ndarray, lo: np.ndarray, hi: np.ndarray, center: np.ndarray,
                 spread: np.ndarray, n_rows: int) -> None:
        self.codes, self.n, self.mean, self.m2 = codes, n, mean, m2
        self.lo, self.hi, self.center, self.spread = lo, hi, center, spread
        self.n_rows = int(n_rows)

    @classmethod
    def of_rows(cls, values: np.ndarray, codes: np.ndarray, method: str) -> SeriesStats:
        """The statistics of ``values`` (float64 rows x columns, NaN missing) by the
        series code of each row (``codes``)."""
        values = as_float64(values)  # ±inf are missing, as in fit
        f = values.shape[1]
        if len(values) == 0:
            empty = np.zeros((0, f))
            return cls(np.zeros(0, np.int64), empty.astype(np.int64), empty, empty,
                       empty, empty, empty, empty, 0)
        ordered, block, starts, uniq = _per_block(values, np.asarray(codes, np.int64))
        center, spread, n = _stats(ordered, block, starts, method)
        obs = ~np.isnan(ordered)
        mean = np.add.reduceat(np.where(obs, ordered, 0.0), starts, axis=0) / np.maximum(n, 1)
        dev = np.where(obs, ordered - mean[block], 0.0)
        with np.errstate(over="ignore"):
            m2 = np.add.reduceat(dev * dev, starts, axis=0)
        lo = np.minimum.reduceat(np.where(obs, ordered, np.inf), starts, axis=0)
        hi = np.maximum.reduceat(np.where(obs, ordered, -np.inf), starts, axis=0)
        return cls(uniq.astype(np.int64), n.astype(np.int64), mean, m2, lo, hi, center,
                   spread, len(values))

    @classmethod
    def concat(cls, parts: list[SeriesStats]) -> SeriesStats:
        """The statistics of the shards ``parts`` (disjoint series) together, by code."""
        if not parts:
            raise ValueError("SeriesStats.concat needs at least one part")
        codes = np.concatenate([p.codes for p in parts])
        order = np.argsort(codes, kind="stable")
        if len(np.unique(codes)) != len(codes):
            raise ValueError("SeriesStats.concat: a series code is in two shards")

        def cat(name: str) -> np.ndarray:
            return np.concatenate([getattr(p, name) for p in parts])[order]

        return cls(codes[order], cat("n"), cat("mean"), cat("m2"), cat("lo"), cat("hi"),
                   cat("center"), cat("spread"), sum(p.n_rows for p in parts))

    def global_stats(self, method: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Center, raw spread and observed count per column over every series, with the
        rules of :func:`_stats` (constant column: its constant and 0; none observed:
        0 and NaN)."""
        n = self.n.sum(axis=0)
        has = n > 0
        if method == "none":
            return np.zeros(n.shape), np.where(has, 1.0, np.nan), n
        lo, hi = self.lo.min(axis=0, initial=np.inf), self.hi.max(axis=0, initial=-np.inf)
        constant = has & (lo == hi)
        if method == "standard":
            denom = np.maximum(n, 1)
            center = (self.n * self.mean).sum(axis=0) / denom
            with np.errstate(over="ignore", invalid="ignore"):
                m2 = self.m2.sum(axis=0) + (self.n * (self.mean - center) ** 2).sum(axis=0)
                spread = np.sqrt(m2 / denom)
        else:  # minmax
            center, spread = lo, hi - lo
        center = np.where(constant, lo, np.where(has, center, 0.0))
        spread = np.where(constant, 0.0, np.where(has, spread, np.nan))
        return center, spread, n

    def series_state(self, method: str) -> tuple[np.ndarray, ...]:
        """``(codes, center, spread, n)`` of every series (as ``per="series"`` fits)."""
        return self.codes, self.center, self.spread, self.n

    def take(self, columns: list[int]) -> SeriesStats:
        """The statistics of some columns (by position)."""
        return SeriesStats(self.codes, self.n[:, columns], self.mean[:, columns],
                           self.m2[:, columns], self.lo[:, columns], self.hi[:, columns],
                           self.center[:, columns], self.spread[:, columns], self.n_rows)
