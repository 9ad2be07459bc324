"""Technical indicators: SMA, EMA, RSI, MACD and Bollinger bands (``--indicators``).

The formulas are TA-Lib's, computed on the sequence of observed values of each series
and held through gaps (see :mod:`seqguard.features` for the definitions and the column
names): :data:`INDICATORS` lists the names and default parameters,
:func:`parse_indicator` reads one ``NAME[:P[/P...]]`` item, :class:`Indicators` is the
step. ``_ema_seeded``, ``_rsi_seq`` and ``_macd_seq`` are the recursions on one
series, ``_window_pstd`` the Bollinger bands' standard deviation.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from .._fitting import unfitted_on_error
from .._floats import as_float64
from .._serialize import register
from ..errors import InputError, did_you_mean
from ._base import _check_column, _column_map, _FeatureStep
from ._kernels import _block_rolling, _Observed, _series_starts

#: Indicator names, their parameters and the defaults.
INDICATORS: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "sma": (("n",), (20,)),
    "ema": (("n",), (20,)),
    "rsi": (("n",), (14,)),
    "macd": (("fast", "slow", "signal"), (12, 26, 9)),
    "bollinger": (("n", "k"), (20, 2)),
}


def _ema_seeded(v: np.ndarray, n: int, seed_at: int) -> np.ndarray:
    """EMA(n) of ``v``: at ``seed_at`` the mean of the ``n`` values ending there, then
    ``y_t = k x_t + (1 - k) y_{t-1}`` with ``k = 2 / (n + 1)`` (TA-Lib's EMA)."""
    out = np.full(len(v), np.nan)
    if seed_at >= len(v) or seed_at < n - 1:
        return out
    k = 2.0 / (n + 1)
    seed = float(np.sum(v[seed_at - n + 1:seed_at + 1])) / n
    out[seed_at] = seed
    rest = v[seed_at + 1:]
    if len(rest):
        out[seed_at + 1:] = lfilter([k], [1.0, -(1.0 - k)], rest, zi=[(1.0 - k) * seed])[0]
    return out


def _rsi_seq(v: np.ndarray, n: int) -> np.ndarray:
    """Wilder's RSI(n) as TA-Lib computes it (first value at position ``n``)."""
    out = np.full(len(v), np.nan)
    if len(v) <= n:
        return out
    d = np.diff(v)
    gain = np.where(d > 0, d, 0.0)
    loss = np.where(d < 0, -d, 0.0)
    a = (n - 1.0) / n
    g0 = float(np.sum(gain[:n])) / n
    l0 = float(np.sum(loss[:n])) / n
    ag = np.empty(len(d) - n + 1)
    al = np.empty(len(d) - n + 1)
    ag[0], al[0] = g0, l0
    if len(d) > n:
        ag[1:] = lfilter([1.0 / n], [1.0, -a], gain[n:], zi=[a * g0])[0]
        al[1:] = lfilter([1.0 / n], [1.0, -a], loss[n:], zi=[a * l0])[0]
    tot = ag + al
    with np.errstate(invalid="ignore", divide="ignore"):
        out[n:] = np.where(np.abs(tot) < 1e-8, 0.0, 100.0 * ag / tot)
    return out


def _macd_seq(v: np.ndarray, fast: int, slow: int, signal: int) -> tuple[np.ndarray, ...]:
    """TA-Lib's MACD: both EMAs start at position ``slow - 1``."""
    line = _ema_seeded(v, fast, slow - 1) - _ema_seeded(v, slow, slow - 1)
    sig = np.full(len(v), np.nan)
    if len(v) >= slow:
        sig[slow - 1:] = _ema_seeded(line[slow - 1:], signal, signal - 1)
    return line, sig, line - sig


def _window_pstd(v: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    """Population std of the ``n`` values ending at each position of a block.

    pandas' running variance carries a rounding residue of the order of
    ``1e-16 * max(x**2)`` over the block (1e-6 instead of 0 for a constant window after
    a busy stretch), so windows whose variance is below ``1e-6 * max(x**2)`` of the
    block so far are recomputed exactly, in two passes. The residue comes from the
    values the running sums have seen, so the bound is the running maximum up to each
    row: a later value never changes an earlier band (no look-ahead).
    """
    var = np.array(_block_rolling(v, starts, n, n).var(ddof=0), dtype=np.float64)
    scale = np.zeros(len(v))
    for a, b in itertools.pairwise(starts):
        if b > a:
            scale[a:b] = np.maximum.accumulate(v[a:b] * v[a:b])
    redo = np.flatnonzero(var <= 1e-6 * scale)
    for a in range(0, len(redo), max(1, (1 << 21) // n)):
        rows = redo[a:a + max(1, (1 << 21) // n)]
        w = np.lib.stride_tricks.sliding_window_view(v, n)[rows - n + 1]
        dev = w - w.mean(axis=1, keepdims=True)
        var[rows] = np.einsum("ij,ij->i", dev, dev) / n
    return np.sqrt(np.maximum(var, 0.0))


def _per_segment(obs: _Observed, fn: Callable[[np.ndarray], tuple[np.ndarray, ...]],
                 n_out: int) -> list[np.ndarray]:
    outs = [np.full(len(obs.values), np.nan) for _ in range(n_out)]
    for a, b in obs.segments():
        for o, r in zip(outs, fn(obs.values[a:b])):
            o[a:b] = r
    return outs


def _indicator(obs: _Observed, name: str, params: tuple[float, ...]) -> list[np.ndarray]:
    """Indicator outputs on the observed-value sequence (one value per observation)."""
    if name in ("sma", "bollinger"):
        n = int(params[0])
        mid = _block_rolling(obs.values, obs.ostarts, n, n).mean().to_numpy(np.float64)
        if name == "sma":
            return [mid]
        sd = _window_pstd(obs.values, obs.ostarts, n)
        k = float(params[1])
        return [mid, mid + k * sd, mid - k * sd]
    if name == "ema":
        n = int(params[0])
        return _per_segment(obs, lambda v: (_ema_seeded(v, n, n - 1),), 1)
    if name == "rsi":
        n = int(params[0])
        return _per_segment(obs, lambda v: (_rsi_seq(v, n),), 1)
    if name == "macd":
        f, s, g = (int(p) for p in params)
        return _per_segment(obs, lambda v: _macd_seq(v, f, s, g), 3)
    raise AssertionError(name)  # pragma: no cover - names are validated in fit


def _fmt(p: float) -> str:
    return f"{p:g}"


def _indicator_names(column: str, name: str, params: tuple[float, ...]) -> list[str]:
    tag = "_".join(_fmt(p) for p in params)
    if name == "macd":
        return [f"{column}__macd{tag}", f"{column}__macdsignal{tag}", f"{column}__macdhist{tag}"]
    if name == "bollinger":
        return [f"{column}__bbmid{tag}", f"{column}__bbup{tag}", f"{column}__bblow{tag}"]
    return [f"{column}__{name}{tag}"]


def parse_indicator(item: str, where: str = "indicator") -> tuple[str, tuple[float, ...]]:
    """Parse ``"NAME[:P[/P...]]"`` into ``(name, params)`` with defaults filled in.

    Examples
    --------
    >>> parse_indicator("macd")
    ('macd', (12, 26, 9))
    >>> parse_indicator("bollinger:20/2.5")
    ('bollinger', (20, 2.5))
    """
    text = str(item).strip()
    name, _, args = text.partition(":")
    name = name.strip().lower()
    if name not in INDICATORS:
        raise InputError(
            f"{where}: unknown indicator {name!r} in {text!r}.{did_you_mean(name, INDICATORS)}"
            f" Choose from {', '.join(INDICATORS)}."
        )
    labels, defaults = INDICATORS[name]
    parts = [p.strip() for p in args.split("/")] if args.strip() else []
    if len(parts) > len(labels):
        raise InputError(
            f"{where}: {name} takes at most {len(labels)} parameter(s) "
            f"({'/'.join(labels)}), got {text!r}. Example: {name}:"
            f"{'/'.join(_fmt(d) for d in defaults)}."
        )
    params: list[float] = list(defaults)
    for i, p in enumerate(parts):
        label = labels[i]
        try:
            val = float(p)
        except ValueError:
            val = math.nan
        is_int = math.isfinite(val) and val == int(val)
        if label == "k":
            if not (math.isfinite(val) and val > 0):
                raise InputError(
                    f"{where}: {name} {label} must be a number > 0, got {p!r} in {text!r}.")
            params[i] = int(val) if is_int else val
        else:
            lowest = 1 if label == "signal" else 2
            if not is_int or val < lowest:
                raise InputError(
                    f"{where}: {name} {label} must be a whole number >= {lowest}, "
                    f"got {p!r} in {text!r}.")
            params[i] = int(val)
    if name == "macd" and params[0] >= params[1]:
        raise InputError(
            f"{where}: macd fast period ({params[0]}) must be shorter than the slow one "
            f"({params[1]}) in {text!r}. Example: macd:12/26/9.")
    return name, tuple(params)


def _indicator_spec(name: str, params: tuple[float, ...]) -> str:
    return f"{name}:{'/'.join(_fmt(p) for p in params)}"


@register
class Indicators(_FeatureStep):
    """Technical indicators (SMA, EMA, RSI, MACD, Bollinger) that stay finite through gaps.

    Parameters
    ----------
    indicators : dict
        ``{column: ["sma:20", "ema:12", "rsi:14", "macd:12/26/9", "bollinger:20/2"]}``;
        parameters may be left out (``"macd"``) to use the defaults. See the module
        docstring for the definitions and the column names.

    Attributes
    ----------
    indicators_ : list of [column, name, params]
        The parsed indicators, defaults filled in.
    feature_names_out_ : list of str
    """

    def __init__(self, indicators: Mapping[str, Sequence[str]] | None = None) -> None:
        self.indicators = indicators

    @unfitted_on_error
    def fit(self, X: pd.DataFrame, y: Any = None, *, groups: Any = None) -> Indicators:
        """Parse and validate the indicators and their columns."""
        self._record_columns(X)
        where = "Indicators(indicators=...)"
        parsed: list[list[Any]] = []
        names: list[str] = []
        for col, items in _column_map(self.indicators, where).items():
            c = _check_column(col, X, where)
            if isinstance(items, str):
                items = [items]
            for item in items:
                name, params = parse_indicator(item, f"{where}, column {c!r}")
                out = _indicator_names(c, name, params)
                if out[0] in names:
                    continue
                parsed.append([c, name, list(params)])
                names.extend(out)
        self.indicators_ = parsed
        self.feature_names_out_ = names
        return self

    def transform(self, X: pd.DataFrame, *, groups: Any = None) -> pd.DataFrame:
        """Indicator columns, computed per series on the observed values."""
        self._check_columns(X)
        starts = _series_starts(groups, len(X))
        data: dict[str, np.ndarray] = {}
        observed: dict[str, _Observed] = {}
        for c, name, params in self.indicators_:
            if c not in observed:
                observed[c] = _Observed(as_float64(X[c]), starts)
            obs, p = observed[c], tuple(params)
            for n, v in zip(_indicator_names(c, name, p), _indicator(obs, name, p)):
                data[n] = obs.to_rows(v)
        return self._frame(X, data)
