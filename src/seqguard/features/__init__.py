"""Past-only features: lags, rolling statistics, indicators, calendar, categoricals.

Where this runs: after ingestion (a :class:`~seqguard.table.Table`) and the time
split, before the missing-data strategy and scaling. ``fit`` sees the training rows
only; ``transform`` sees whole series in time order (train, then validation, then
test rows) with ``groups``, one int64 series code per row, each series contiguous.

Guarantees
----------
* **Past-only by construction.** The value at row ``t`` uses rows ``<= t`` of the
  same series only. No feature crosses a series boundary.
* **Missing stays missing only where there is no history.** ``NaN`` and ``±inf``
  inputs are both treated as missing. A lag of a missing value is missing; a window
  statistic is computed over the observed values in its window; an indicator is
  computed on the sequence of observed values and *holds* its latest value through a
  gap (see below). Nothing is ever filled with zeros; what stays missing goes through
  the missing-data strategy afterwards.
* Outputs are ``float64`` (integer codes of :class:`Categoricals` are ``int64``),
  with the index of the input frame.
* Every step is a :class:`~seqguard._base.SeriesTransform`: ``get_params`` /
  ``clone`` give back the arguments, and ``to_dict`` / ``from_dict`` round-trip
  through JSON exactly.

The steps
---------
:class:`Lags`
    ``Lags({"pm2.5": [1, 2, 24]})`` → ``pm2.5__lag1``, ``pm2.5__lag2``,
    ``pm2.5__lag24``: the value ``k`` rows (grid steps) earlier in the same series,
    ``NaN`` before the series start or where that value is missing. Numeric columns
    only (encode a categorical column with :class:`Categoricals`).
:class:`RollingStats`
    ``RollingStats({"pm2.5": [24]})`` → ``pm2.5__rmean24``, ``pm2.5__rstd24``,
    ``pm2.5__rmin24``, ``pm2.5__rmax24``: statistics of the **observed** values among
    the last ``w`` rows (the current row included), exactly
    ``series.rolling(w, min_periods=min(min_periods, w))`` per series in pandas.
    ``min_periods`` defaults to 1 (a value wherever the window holds any history);
    the standard deviation is the sample one (``ddof=1``), so it needs two observed
    values.
:class:`Indicators`
    ``Indicators({"pm2.5": ["sma:20", "ema:12", "rsi:14", "macd", "bollinger"]})``.
    Each is computed on the sequence of *observed* values of a series, exactly as
    TA-Lib computes it on complete data, and a row whose input is missing holds the
    latest value (TA-Lib instead turns every value after the first ``NaN`` into
    ``NaN``, or into 0 for RSI). Rows before the indicator's warm-up (the ``n``-th observed value of the
    series, as in TA-Lib) are ``NaN``.

    ``sma:n`` (n=20) → ``{col}__sma{n}``
        Mean of the last ``n`` observed values.
    ``ema:n`` (n=20) → ``{col}__ema{n}``
        EMA with ``k = 2/(n+1)``, seeded with the SMA of the first ``n`` values.
    ``rsi:n`` (n=14) → ``{col}__rsi{n}``
        Wilder's RSI: average gain and loss seeded with the mean of the first ``n``,
        then smoothed with ``1/n``; 0 when both averages are (almost, < 1e-8) zero, as
        in TA-Lib.
    ``macd:f/s/g`` (12/26/9) → ``{col}__macd{tag}``, ``…__macdsignal{tag}``, ``…__macdhist{tag}``
        Line = EMA(f) − EMA(s), both EMAs starting at the ``s``-th value (the fast one
        seeded with the mean of the ``f`` values up to there, as TA-Lib does); signal =
        EMA(g) of the line; hist = line − signal. The line is defined from the ``s``-th
        value, the signal and hist from the ``(s + g − 1)``-th (TA-Lib shows all three
        from there). ``{tag}`` is ``{f}_{s}_{g}``, e.g. ``pm2.5__macd12_26_9``.
    ``bollinger:n/k`` (20/2) → ``{col}__bbmid{tag}``, ``{col}__bbup{tag}``, ``{col}__bblow{tag}``
        SMA(n) and SMA(n) ± k · the population standard deviation of the last ``n``
        observed values (TA-Lib's BBANDS with ``matype=0``). ``{tag}`` is ``{n}_{k}``
        with ``k`` written as ``%g``, e.g. ``pm2.5__bbup20_2``, ``pm2.5__bbup20_2.5``.

    Across a gap the recursion simply continues with the next observed value (for
    RSI the change across the gap is one gain or loss), so values after a gap are
    finite. A very long gap is held for its whole length: the missing-data strategy
    should add the input's time-since-observed channel.
:class:`Calendar`
    Sine/cosine pairs of the time column: ``cal__hour_sin`` / ``cal__hour_cos``
    (fractional hour of day / 24), ``cal__dayofweek_*`` (Monday=0, / 7),
    ``cal__month_*`` ((month − 1) / 12) and ``cal__dayofyear_*`` ((day − 1) / days
    in the year). ``"auto"`` (the estimators' default) picks, for the grid step:
    hour of day below a day, day of week below a week, and the position in the year
    below a year: ``dayofyear`` for steps from a week to under a month (weekly data:
    the week of the year, smooth), ``month`` for all others (hourly, daily, monthly,
    quarterly data), each only when the training rows span at least two of its cycles
    (a month feature learned from three weeks would only extrapolate). ``"none"`` makes
    no calendar features. With numeric (non-datetime) time ``"auto"`` makes none,
    silently; parts named explicitly make none with a
    :class:`~seqguard.errors.DataWarning`, as does a named part that does not vary at
    the data's frequency.
:class:`Categoricals`
    One-hot (``{col}__{bucket}``, ``float64`` 0/1) or integer codes (``{col}__code``,
    ``int64``, for embeddings). Buckets learned in ``fit`` on the training rows: index
    0 is ``__unknown__`` (a category unseen in training, or beyond the
    ``max_categories`` most frequent ones), index 1 is ``__missing__`` (a missing
    value; with ``missing="unknown"`` it goes to ``__unknown__`` and this bucket does
    not exist), then the categories by decreasing training frequency (ties by name).
    Never ``NaN``.
:class:`FeatureBuilder`
    Composes the steps above. ``transform`` returns the input frame unchanged with the
    new columns appended (``new_features_`` lists them).

Spec strings (command line)
---------------------------
Column names may not contain ``;`` or ``,``. A spec without ``COLUMN:`` (lags,
rolling) or ``@COLUMN`` (indicators) applies to the target column.

``--lags``        ``COLUMN:K,K,...`` groups separated by ``;`` —
                  ``pm2.5:1,2,24;TEMP:1`` (or ``1,2,24`` for the target).
``--rolling``     ``COLUMN:W,W,...`` groups separated by ``;`` — ``pm2.5:24,168``.
``--indicators``  items separated by ``,``; each ``NAME[:P[/P...]][@COLUMN]`` —
                  ``sma:20,ema:12,rsi:14@TEMP,macd:12/26/9,bollinger:20/2``.
``--calendar``    ``auto``, ``none`` or parts separated by ``,`` — ``hour,dayofweek,dayofyear``.

:func:`parse_lags`, :func:`parse_rolling`, :func:`parse_indicators` and
:func:`parse_calendar` turn them into steps; :meth:`FeatureBuilder.from_specs` into
one builder.

Examples
--------
>>> import numpy as np, pandas as pd
>>> X = pd.DataFrame({"y": [1.0, 2.0, np.nan, 4.0, 5.0, 6.0]})
>>> groups = np.array([0, 0, 0, 1, 1, 1])
>>> Lags({"y": [1]}).fit_transform(X, groups=groups)["y__lag1"].tolist()
[nan, 1.0, 2.0, nan, 4.0, 5.0]
>>> RollingStats({"y": [2]}, stats=["mean"]).fit_transform(X, groups=groups)["y__rmean2"].tolist()
[1.0, 1.5, 2.0, 4.0, 4.5, 5.5]
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.indexers import BaseIndexer
from scipy.signal import lfilter
from sklearn.base import clone

from ._base import SeriesTransform, as_groups, group_starts
from ._serialize import register
from .errors import DataWarning, InputError, did_you_mean, format_list

__all__ = [
    "CALENDAR_PARTS",
    "INDICATORS",
    "Calendar",
    "Categoricals",
    "FeatureBuilder",
    "Indicators",
    "Lags",
    "RollingStats",
    "calendar_enabled",
    "parse_calendar",
    "parse_indicators",
    "parse_lags",
    "parse_rolling",
]

#: Indicator names, their parameters and the defaults.
INDICATORS: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "sma": (("n",), (20,)),
    "ema": (("n",), (20,)),
    "rsi": (("n",), (14,)),
    "macd": (("fast", "slow", "signal"), (12, 26, 9)),
    "bollinger": (("n", "k"), (20, 2)),
}

#: Calendar parts and the length of their cycle.
CALENDAR_PARTS: dict[str, pd.Timedelta] = {
    "hour": pd.Timedelta(days=1),
    "dayofweek": pd.Timedelta(days=7),
    "month": pd.Timedelta(days=365),
    "dayofyear": pd.Timedelta(days=365),
}
#: Steps from a week to under a month place a time stamp in its year by the day of the
#: year (the week of the year: smooth, where a month would give 12 steps); all others
#: by month.
_WEEKLY_STEP = pd.Timedelta(days=7)
#: ``"auto"`` keeps a part only when the training rows span this many of its cycles.
_AUTO_CYCLES = 2
_MONTHLY_STEP = pd.Timedelta(days=28)
#: ``--calendar`` spellings that turn calendar features off.
CALENDAR_OFF = ("none", "off")


def calendar_enabled(spec: Any) -> bool:
    """False for ``None`` and the ``--calendar`` spellings that mean off (``none``)."""
    return spec is not None and str(spec).strip().lower() not in CALENDAR_OFF


def _span(t: pd.Series) -> pd.Timedelta | None:
    """Latest minus earliest time stamp (``None`` when there are none)."""
    lo, hi = t.min(), t.max()
    return None if pd.isna(lo) or pd.isna(hi) else pd.Timedelta(hi - lo)


def _auto_parts(freq: pd.Timedelta | None, span: pd.Timedelta | None = None) -> list[str]:
    """The calendar parts ``"auto"`` picks for a grid step (``None``: unknown step),
    leaving out those whose cycle the training span (when known) does not cover
    twice: their values at prediction time would be ones training never saw."""
    if freq is None:
        parts = ["hour", "dayofweek", "month"]
    else:
        parts = [p for p in ("hour", "dayofweek") if freq < CALENDAR_PARTS[p]]
        if freq < CALENDAR_PARTS["month"]:
            parts.append("dayofyear" if _WEEKLY_STEP <= freq < _MONTHLY_STEP else "month")
    if span is not None:
        parts = [p for p in parts if span >= _AUTO_CYCLES * CALENDAR_PARTS[p]]
    return parts
_INDICATOR_EXAMPLE = "sma:20,ema:12,rsi:14,macd,bollinger"
ROLLING_STATS = ("mean", "std", "min", "max")
UNKNOWN = "__unknown__"
MISSING = "__missing__"


# =========================================================================== kernels
def _series_starts(groups: Any, n: int) -> np.ndarray:
    return group_starts(as_groups(groups, n))


class _BlockWindow(BaseIndexer):
    """Trailing windows of ``window_size`` rows that stop at their block's first row.

    pandas restarts its running sums where a window does not overlap the previous one,
    so every block is computed exactly as if it were alone (``Series.rolling`` per
    series), in one pass over all blocks.
    """

    def get_window_bounds(self, num_values: int = 0, min_periods: int | None = None,
                          center: bool | None = None, closed: str | None = None,
                          step: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        end = np.arange(1, num_values + 1, dtype=np.int64)
        start = np.maximum(end - self.window_size, self.block_start)  # type: ignore[attr-defined]
        return start.astype(np.int64), end


def _block_rolling(x: np.ndarray, starts: np.ndarray, window: int,
                   min_periods: int) -> Any:
    """``pd.Series(x).rolling(window, min_periods)`` restarted at every block start."""
    block_start = np.repeat(starts[:-1], np.diff(starts)).astype(np.int64)
    return pd.Series(x, copy=False).rolling(
        _BlockWindow(window_size=window, block_start=block_start),
        min_periods=min(min_periods, window))


def _as_float(x: pd.Series) -> np.ndarray:
    """Column as float64 with ``±inf`` turned into ``NaN`` (missing)."""
    a = x.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    a[~np.isfinite(a)] = np.nan
    return a


def _lag(x: np.ndarray, starts: np.ndarray, k: int) -> np.ndarray:
    """Value ``k`` rows earlier in the same block; NaN before the block start."""
    n = len(x)
    out = np.full(n, np.nan)
    if k >= n:
        return out
    pos = np.arange(n) - np.repeat(starts[:-1], np.diff(starts))
    ok = pos[k:] >= k
    out[k:][ok] = x[:-k][ok]
    return out


class _Observed:
    """The observed values of one column, block by block, and the way back to rows."""

    def __init__(self, x: np.ndarray, starts: np.ndarray) -> None:
        self.n = len(x)
        self.idx = np.flatnonzero(np.isfinite(x))
        self.values = x[self.idx]
        self.ostarts = np.searchsorted(self.idx, starts).astype(np.int64)
        self.opos = np.arange(len(self.idx)) - np.repeat(self.ostarts[:-1],
                                                          np.diff(self.ostarts))
        # For each row: the latest observed value at or before it in the same block.
        last = np.full(self.n, -1, dtype=np.int64)
        last[self.idx] = np.arange(len(self.idx))
        if self.n:
            last = np.maximum.accumulate(last)
        row_start = np.repeat(starts[:-1], np.diff(starts))
        ok = last >= 0
        ok[ok] = self.idx[last[ok]] >= row_start[ok]
        self._rows = np.flatnonzero(ok)
        self._from = last[ok]

    def segments(self) -> Iterable[tuple[int, int]]:
        for a, b in zip(self.ostarts[:-1], self.ostarts[1:]):
            if b > a:
                yield int(a), int(b)

    def to_rows(self, vals: np.ndarray) -> np.ndarray:
        """Observed-sequence values spread to rows, held through the gaps."""
        out = np.full(self.n, np.nan)
        out[self._rows] = vals[self._from]
        return out


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
    a busy stretch), so windows whose variance is below ``1e-6 * max(x**2)`` of their
    block are recomputed exactly, in two passes.
    """
    var = np.array(_block_rolling(v, starts, n, n).var(ddof=0), dtype=np.float64)
    sizes = np.diff(starts)
    scale = np.zeros(len(v))
    if len(v):
        nonempty = sizes > 0
        block_max = np.maximum.reduceat(v * v, starts[:-1][nonempty])
        scale = np.repeat(block_max, sizes[nonempty])
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


# =========================================================================== helpers
def _fmt(p: float) -> str:
    return f"{p:g}"


def _indicator_names(column: str, name: str, params: tuple[float, ...]) -> list[str]:
    tag = "_".join(_fmt(p) for p in params)
    if name == "macd":
        return [f"{column}__macd{tag}", f"{column}__macdsignal{tag}", f"{column}__macdhist{tag}"]
    if name == "bollinger":
        return [f"{column}__bbmid{tag}", f"{column}__bbup{tag}", f"{column}__bblow{tag}"]
    return [f"{column}__{name}{tag}"]


def _check_column(column: Any, X: pd.DataFrame, where: str, numeric: bool = True) -> str:
    """Raise unless ``column`` is a (numeric) column of ``X``; return it as str."""
    cols = [str(c) for c in X.columns]
    if str(column) not in cols:
        raise InputError(
            f"{where}: column {str(column)!r} is not in the data.{did_you_mean(str(column), cols)}"
            f" Choose one of {format_list(cols)}."
        )
    if numeric:
        s = X[str(column)]
        if not (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)):
            raise InputError(
                f"{where}: column {str(column)!r} has dtype {s.dtype}, not numbers. "
                "Use it as a categorical column (--categorical) or pick a numeric column."
            )
    return str(column)


def _int_list(values: Any, where: str, what: str, minimum: int = 1) -> list[int]:
    """Validate a list of positive integers (lags, windows)."""
    if isinstance(values, (int, np.integer)) and not isinstance(values, bool):
        values = [values]
    if not isinstance(values, (list, tuple, np.ndarray)) or len(values) == 0:
        raise InputError(f"{where}: expected a non-empty list of {what}, got {values!r}.")
    out: list[int] = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or int(v) < minimum:
            raise InputError(
                f"{where}: {what} must be whole numbers >= {minimum}, got {v!r}.")
        if int(v) not in out:
            out.append(int(v))
    return out


def _column_map(spec: Any, where: str) -> Mapping[Any, Any]:
    if spec is None:
        return {}
    if not isinstance(spec, Mapping):
        raise InputError(
            f"{where}: expected a mapping {{column: [...]}}, got {type(spec).__name__}. "
            "Example: {'pm2.5': [1, 2, 24]}."
        )
    return spec


class _FeatureStep(SeriesTransform):
    """A step that returns only its new columns (a member of a :class:`FeatureBuilder`)."""

    def fit_transform(self, X: pd.DataFrame, y: Any = None, *,  # type: ignore[override]
                      groups: Any = None) -> pd.DataFrame:
        """``fit`` then ``transform`` on the same rows, with ``groups`` passed to both."""
        return self.fit(X, y, groups=groups).transform(X, groups=groups)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the columns ``transform`` returns."""
        self.check_fitted()
        return np.asarray(self.feature_names_out_, dtype=object)

    def _frame(self, X: pd.DataFrame, data: dict[str, np.ndarray]) -> pd.DataFrame:
        cols = list(self.feature_names_out_)
        if not data:
            return pd.DataFrame(index=X.index)
        return pd.DataFrame({c: data[c] for c in cols}, index=X.index)


# =========================================================================== lags
@register
class Lags(_FeatureStep):
    """Lagged values of numeric columns, within each series.

    Parameters
    ----------
    lags : dict
        ``{column: [k, ...]}`` with whole numbers ``k >= 1`` (grid steps back).

    Attributes
    ----------
    lags_ : dict
        The validated lags, ``{column: [k, ...]}`` (duplicates removed).
    feature_names_out_ : list of str
        ``{column}__lag{k}`` in the order given.

    Examples
    --------
    >>> X = pd.DataFrame({"y": [1.0, 2.0, 3.0]})
    >>> Lags({"y": [1, 2]}).fit_transform(X).to_numpy().tolist()
    [[nan, nan], [1.0, nan], [2.0, 1.0]]
    """

    def __init__(self, lags: Mapping[str, Sequence[int]] | None = None) -> None:
        self.lags = lags

    def fit(self, X: pd.DataFrame, y: Any = None, *, groups: Any = None) -> Lags:
        """Validate the columns and lags against the training frame ``X``."""
        self._record_columns(X)
        lags: dict[str, list[int]] = {}
        for col, ks in _column_map(self.lags, "Lags(lags=...)").items():
            c = _check_column(col, X, "Lags(lags=...)")
            lags[c] = _int_list(ks, f"Lags(lags=...), column {c!r}", "lags")
        self.lags_ = lags
        self.feature_names_out_ = [f"{c}__lag{k}" for c, ks in lags.items() for k in ks]
        return self

    def transform(self, X: pd.DataFrame, *, groups: Any = None) -> pd.DataFrame:
        """Lagged columns; ``NaN`` before each series start and where the value is missing."""
        self._check_columns(X)
        starts = _series_starts(groups, len(X))
        data = {}
        for c, ks in self.lags_.items():
            x = _as_float(X[c])
            for k in ks:
                data[f"{c}__lag{k}"] = _lag(x, starts, k)
        return self._frame(X, data)


# =========================================================================== rolling
@register
class RollingStats(_FeatureStep):
    """Rolling statistics over the observed values of the last ``w`` rows of a series.

    Parameters
    ----------
    windows : dict
        ``{column: [w, ...]}`` window lengths in rows (grid steps), ``w >= 1``.
    stats : list of str, default ``["mean", "std", "min", "max"]``
        Which statistics; names ``{column}__r{stat}{w}``.
    min_periods : int, default 1
        Fewest observed values a window needs (capped at ``w``); fewer gives ``NaN``.
        ``std`` is the sample standard deviation and needs two.

    Attributes
    ----------
    windows_ : dict
        Validated ``{column: [w, ...]}``.
    stats_ : list of str
    feature_names_out_ : list of str
    """

    def __init__(self, windows: Mapping[str, Sequence[int]] | None = None,
                 stats: Sequence[str] = ROLLING_STATS, min_periods: int = 1) -> None:
        self.windows = windows
        self.stats = stats
        self.min_periods = min_periods

    def fit(self, X: pd.DataFrame, y: Any = None, *, groups: Any = None) -> RollingStats:
        """Validate columns, windows and statistics."""
        self._record_columns(X)
        where = "RollingStats(windows=...)"
        windows: dict[str, list[int]] = {}
        for col, ws in _column_map(self.windows, where).items():
            c = _check_column(col, X, where)
            windows[c] = _int_list(ws, f"{where}, column {c!r}", "windows")
        stats = [self.stats] if isinstance(self.stats, str) else list(self.stats)
        if not stats:
            raise InputError("RollingStats(stats=...) is empty. Choose from mean, std, min, max.")
        for s in stats:
            if s not in ROLLING_STATS:
                raise InputError(
                    f"RollingStats(stats=...): unknown statistic {s!r}."
                    f"{did_you_mean(s, ROLLING_STATS)} Choose from mean, std, min, max.")
        mp = self.min_periods
        if isinstance(mp, bool) or not isinstance(mp, (int, np.integer)) or mp < 1:
            raise InputError(
                f"RollingStats(min_periods=...) must be a whole number >= 1, got {mp!r}.")
        self.windows_ = windows
        self.stats_ = stats
        self.feature_names_out_ = [f"{c}__r{s}{w}" for c, ws in windows.items()
                                   for w in ws for s in stats]
        return self

    def transform(self, X: pd.DataFrame, *, groups: Any = None) -> pd.DataFrame:
        """Rolling statistics per series (the current row included)."""
        self._check_columns(X)
        starts = _series_starts(groups, len(X))
        data = {}
        for c, ws in self.windows_.items():
            x = _as_float(X[c])
            for w in ws:
                roll = _block_rolling(x, starts, w, int(self.min_periods))
                for s in self.stats_:
                    data[f"{c}__r{s}{w}"] = getattr(roll, s)().to_numpy(np.float64)
        return self._frame(X, data)


# =========================================================================== indicators
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
                observed[c] = _Observed(_as_float(X[c]), starts)
            obs, p = observed[c], tuple(params)
            for n, v in zip(_indicator_names(c, name, p), _indicator(obs, name, p)):
                data[n] = obs.to_rows(v)
        return self._frame(X, data)


# =========================================================================== calendar
@register
class Calendar(_FeatureStep):
    """Sine/cosine calendar features of a datetime time column.

    Parameters
    ----------
    parts : "auto" or list of str, default "auto"
        Some of ``hour``, ``dayofweek``, ``month``, ``dayofyear``. ``"auto"`` picks
        them by the grid step (see the module docstring: ``month`` for monthly data,
        ``dayofyear`` for weekly data, ``dayofweek`` and ``month`` for daily data,
        ``hour``, ``dayofweek`` and ``month`` for hourly data). A part
        named explicitly that does not vary (hour for daily data) is left out with a
        :class:`~seqguard.errors.DataWarning`.
    time_col : str or None, default None
        The time column; ``None`` uses the only datetime column of ``X``.
    freq : str or None, default None
        The grid step (``"1h"``, ``"1D"``, ``"W-SUN"``, ``"MS"``: any ``--freq``
        spelling; a calendar step counts as its average length, a month as 30.44
        days, so ``month`` and ``dayofyear`` vary for monthly data and ``dayofweek``
        does not); ``None`` infers it from the training rows (the median step within
        series).

    Attributes
    ----------
    time_col_ : str or None
        The time column used (``None`` when time is not datetime).
    freq_seconds_ : float or None
        The grid step in seconds.
    parts_ : list of str
        The parts produced.
    feature_names_out_ : list of str
        ``cal__{part}_sin``, ``cal__{part}_cos`` for each part.
    """

    def __init__(self, parts: str | Sequence[str] = "auto", time_col: str | None = None,
                 freq: str | None = None) -> None:
        self.parts = parts
        self.time_col = time_col
        self.freq = freq

    def _requested(self) -> list[str] | None:
        if isinstance(self.parts, str) and self.parts == "auto":
            return None
        parts = [self.parts] if isinstance(self.parts, str) else list(self.parts)
        if not parts:
            raise InputError('Calendar(parts=...) is empty. Pass "auto" or some of '
                             f"{', '.join(CALENDAR_PARTS)}.")
        for p in parts:
            if p not in CALENDAR_PARTS:
                raise InputError(
                    f"Calendar(parts=...): unknown part {p!r}."
                    f"{did_you_mean(str(p), CALENDAR_PARTS)}"
                    f" Choose from {', '.join(CALENDAR_PARTS)}, or \"auto\".")
        return list(dict.fromkeys(parts))

    def fit(self, X: pd.DataFrame, y: Any = None, *, groups: Any = None) -> Calendar:
        """Find the time column and its frequency; choose the parts."""
        self._record_columns(X)
        requested = self._requested()
        col: str | None
        if self.time_col is not None:
            col = _check_column(self.time_col, X, "Calendar(time_col=...)", numeric=False)
        else:
            dt = [str(c) for c in X.columns if pd.api.types.is_datetime64_any_dtype(X[c])]
            if len(dt) > 1:
                raise InputError(
                    f"Calendar: several datetime columns ({format_list(dt)}). "
                    "Name the time column with Calendar(time_col=...).")
            col = dt[0] if dt else None
        if col is None or not pd.api.types.is_datetime64_any_dtype(X[col]):
            where = f"time column {col!r}" if col is not None else "the data"
            if requested is not None:  # "auto" makes none for numeric time, silently
                warnings.warn(
                    f"Calendar features need datetime time, but {where} has no datetime "
                    "values; no calendar features are made. Give the time as dates "
                    "(--time-col) or drop --calendar.", DataWarning, stacklevel=2)
            self.time_col_ = None
            self.freq_seconds_ = None
            self.parts_ = []
            self.feature_names_out_ = []
            return self
        freq = self._freq(X[col], groups)
        chosen = []
        skipped = []
        for p in (requested or _auto_parts(freq, _span(X[col]))):
            if freq is None or freq < CALENDAR_PARTS[p]:
                chosen.append(p)
            else:
                skipped.append(p)
        if requested is not None and skipped:
            warnings.warn(
                f"Calendar: {format_list(skipped)} do(es) not vary at the data's frequency "
                f"({freq}); left out. Drop {format_list(skipped)} from --calendar.",
                DataWarning, stacklevel=2)
        self.time_col_ = col
        self.freq_seconds_ = None if freq is None else float(freq.total_seconds())
        self.parts_ = chosen
        self.feature_names_out_ = [f"cal__{p}_{f}" for p in chosen for f in ("sin", "cos")]
        return self

    def _freq(self, t: pd.Series, groups: Any) -> pd.Timedelta | None:
        if self.freq is not None:
            from .grid import nominal_length, parse_freq

            try:
                f = nominal_length(parse_freq(self.freq, option="Calendar(freq=...)"))
            except InputError:
                raise InputError(
                    f"Calendar(freq=...): {self.freq!r} is not a time step. "
                    "Use a pandas frequency such as '1h', '1D', 'W-SUN' or 'MS'.") from None
            if not f > pd.Timedelta(0):
                raise InputError(
                    f"Calendar(freq=...): the step must be positive, got {self.freq!r}.")
            return f
        g = as_groups(groups, len(t))
        ns = t.to_numpy("datetime64[ns]") if t.dt.tz is None else \
            t.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]")
        ns = ns.astype(np.int64)
        ok = (g[1:] == g[:-1]) & (ns[1:] != np.iinfo(np.int64).min) & \
             (ns[:-1] != np.iinfo(np.int64).min)
        d = (ns[1:] - ns[:-1])[ok]
        d = d[d > 0]
        return pd.Timedelta(int(np.median(d)), unit="ns") if len(d) else None

    def transform(self, X: pd.DataFrame, *, groups: Any = None) -> pd.DataFrame:
        """Sine/cosine pairs; values lie in [-1, 1] (``NaN`` where the time is missing)."""
        self._check_columns(X)
        data: dict[str, np.ndarray] = {}
        if self.parts_:
            t = X[self.time_col_].dt
            for p in self.parts_:
                if p == "hour":
                    hours = t.hour + t.minute / 60 + t.second / 3600
                    frac = hours.to_numpy(np.float64, na_value=np.nan) / 24
                elif p == "dayofweek":
                    frac = t.day_of_week.to_numpy(np.float64, na_value=np.nan) / 7
                elif p == "month":
                    frac = (t.month.to_numpy(np.float64, na_value=np.nan) - 1) / 12
                else:
                    days = np.where(t.is_leap_year.to_numpy(bool, na_value=False), 366.0, 365.0)
                    frac = (t.day_of_year.to_numpy(np.float64, na_value=np.nan) - 1) / days
                data[f"cal__{p}_sin"] = np.sin(2 * np.pi * frac)
                data[f"cal__{p}_cos"] = np.cos(2 * np.pi * frac)
        return self._frame(X, data)


# =========================================================================== categoricals
@register
class Categoricals(_FeatureStep):
    """One-hot or integer-code encoding with explicit unknown and missing buckets.

    Parameters
    ----------
    columns : list of str
        The categorical columns (values are compared as strings).
    encoding : {"onehot", "codes"}, default "onehot"
        ``onehot``: one ``float64`` 0/1 column per bucket, ``{col}__{bucket}``;
        ``codes``: one ``int64`` column ``{col}__code`` holding the bucket index (for
        an embedding with ``len(vocabularies_[col])`` rows).
    max_categories : int, default 50
        Keep the most frequent categories of the training rows (ties by name); the
        rest go to ``__unknown__``.
    missing : {"bucket", "unknown"}, default "bucket"
        A missing value gets its own ``__missing__`` bucket, or goes to ``__unknown__``.

    Attributes
    ----------
    categories_ : dict
        ``{column: [category, ...]}`` kept from the training rows, most frequent first.
    vocabularies_ : dict
        ``{column: ["__unknown__", "__missing__", *categories]}``: bucket ``i`` is code ``i``.
    feature_names_out_ : list of str
    """

    def __init__(self, columns: Sequence[str] | None = None, encoding: str = "onehot",
                 max_categories: int = 50, missing: str = "bucket") -> None:
        self.columns = columns
        self.encoding = encoding
        self.max_categories = max_categories
        self.missing = missing

    def fit(self, X: pd.DataFrame, y: Any = None, *, groups: Any = None) -> Categoricals:
        """Learn the categories of each column from the training rows ``X``."""
        self._record_columns(X)
        for name, value, choices in (("encoding", self.encoding, ("onehot", "codes")),
                                     ("missing", self.missing, ("bucket", "unknown"))):
            if value not in choices:
                raise InputError(
                    f"Categoricals({name}=...) must be one of {', '.join(choices)}, got "
                    f"{value!r}.{did_you_mean(str(value), choices)}")
        mc = self.max_categories
        if isinstance(mc, bool) or not isinstance(mc, (int, np.integer)) or mc < 1:
            raise InputError(
                f"Categoricals(max_categories=...) must be a whole number >= 1, got {mc!r}.")
        cols = [] if self.columns is None else (
            [self.columns] if isinstance(self.columns, str) else list(self.columns))
        categories: dict[str, list[str]] = {}
        for col in cols:
            c = _check_column(col, X, "Categoricals(columns=...)", numeric=False)
            s = X[c].astype("string")
            counts = s.dropna().value_counts()
            order = sorted(counts.items(), key=lambda kv: (-int(kv[1]), str(kv[0])))
            kept = [str(k) for k, _ in order[:int(mc)]]
            reserved = [k for k in kept if k in (UNKNOWN, MISSING)]
            if reserved:
                raise InputError(
                    f"Categoricals: column {c!r} holds the value {reserved[0]!r}, a name "
                    "seqguard reserves for its buckets. Rename that category.")
            categories[c] = kept
        self.categories_ = categories
        self.vocabularies_ = {c: self._buckets(k) for c, k in categories.items()}
        if self.encoding == "codes":
            self.feature_names_out_ = [f"{c}__code" for c in categories]
        else:
            self.feature_names_out_ = [f"{c}__{b}" for c, v in self.vocabularies_.items()
                                       for b in v]
        return self

    def _buckets(self, cats: list[str]) -> list[str]:
        return [UNKNOWN] + ([MISSING] if self.missing == "bucket" else []) + list(cats)

    def codes(self, X: pd.DataFrame, column: str) -> np.ndarray:
        """Bucket index of every row of ``column`` (0 = ``__unknown__``)."""
        self.check_fitted()
        vocab = self.vocabularies_[column]
        lookup = {b: i for i, b in enumerate(vocab) if b not in (UNKNOWN, MISSING)}
        s = X[column].astype("string")
        miss = s.isna().to_numpy()
        codes = s.map(lookup).to_numpy(dtype=np.float64, na_value=np.nan)
        out = np.where(np.isnan(codes), 0, codes).astype(np.int64)
        out[miss] = vocab.index(MISSING) if MISSING in vocab else 0
        return out

    def transform(self, X: pd.DataFrame, *, groups: Any = None) -> pd.DataFrame:
        """Encode each row on its own (no history involved)."""
        self._check_columns(X)
        data: dict[str, np.ndarray] = {}
        for c, vocab in self.vocabularies_.items():
            codes = self.codes(X, c)
            if self.encoding == "codes":
                data[f"{c}__code"] = codes
            else:
                onehot = np.zeros((len(X), len(vocab)))
                onehot[np.arange(len(X)), codes] = 1.0
                for j, b in enumerate(vocab):
                    data[f"{c}__{b}"] = onehot[:, j]
        return self._frame(X, data)


# =========================================================================== builder
_STEP_TYPES: dict[str, type] = {"lags": Lags, "rolling": RollingStats,
                                "indicators": Indicators, "calendar": Calendar,
                                "categorical": Categoricals}


@register
class FeatureBuilder(SeriesTransform):
    """All feature steps in one: the input columns, then every new column.

    Parameters
    ----------
    lags, rolling, indicators, calendar, categorical : step or None
        A :class:`Lags`, :class:`RollingStats`, :class:`Indicators`,
        :class:`Calendar` and :class:`Categoricals` (unfitted; ``fit`` fits copies).

    Attributes
    ----------
    steps_ : list
        The fitted copies of the steps given, in the order above.
    new_features_ : list of str
        The columns added to the input.

    Examples
    --------
    >>> X = pd.DataFrame({"y": [1.0, 2.0, 4.0, 8.0]})
    >>> fb = FeatureBuilder(lags=Lags({"y": [1]}), rolling=RollingStats({"y": [2]}, stats=["max"]))
    >>> fb.fit_transform(X).columns.tolist()
    ['y', 'y__lag1', 'y__rmax2']
    """

    def __init__(self, lags: Lags | None = None, rolling: RollingStats | None = None,
                 indicators: Indicators | None = None, calendar: Calendar | None = None,
                 categorical: Categoricals | None = None) -> None:
        self.lags = lags
        self.rolling = rolling
        self.indicators = indicators
        self.calendar = calendar
        self.categorical = categorical

    @classmethod
    def from_specs(cls, *, lags: str | None = None, rolling: str | None = None,
                   indicators: str | None = None, calendar: str | None = None,
                   categorical: Sequence[str] | None = None,
                   categorical_encoding: str = "onehot", target: str | None = None,
                   columns: Sequence[str] | None = None,
                   time_col: str | None = None) -> FeatureBuilder:
        """Build from command-line spec strings (see the module docstring).

        ``target`` is the column for specs that name none; ``columns`` (the data's
        columns), when given, makes unknown columns fail here, naming the option.
        """
        return cls(
            lags=None if lags is None else parse_lags(lags, target, columns),
            rolling=None if rolling is None else parse_rolling(rolling, target, columns),
            indicators=None if indicators is None else parse_indicators(indicators, target,
                                                                        columns),
            calendar=parse_calendar(str(calendar), time_col) if calendar_enabled(calendar)
            else None,
            categorical=Categoricals(list(categorical), encoding=categorical_encoding)
            if categorical else None,
        )

    def fit(self, X: pd.DataFrame, y: Any = None, *, groups: Any = None) -> FeatureBuilder:
        """Fit a copy of each step on the training rows."""
        self._record_columns(X)
        steps = []
        for name, kind in _STEP_TYPES.items():
            step = getattr(self, name)
            if step is None:
                continue
            if not isinstance(step, kind):
                raise InputError(
                    f"FeatureBuilder({name}=...) must be a {kind.__name__} or None, got "
                    f"{type(step).__name__}.")
            steps.append(clone(step).fit(X, y, groups=groups))
        seen = {str(c): "the input" for c in X.columns}
        new: list[str] = []
        for step in steps:
            for col in step.feature_names_out_:
                if col in seen:
                    raise InputError(
                        f"FeatureBuilder: {type(step).__name__} makes column {col!r}, which "
                        f"{seen[col]} already has. Rename the input column or drop one of "
                        "the features.")
                seen[col] = type(step).__name__
                new.append(col)
        self.steps_ = steps
        self.new_features_ = new
        return self

    def transform(self, X: pd.DataFrame, *, groups: Any = None) -> pd.DataFrame:
        """``X`` unchanged with the new feature columns appended."""
        self._check_columns(X)
        parts = [X] + [s.transform(X, groups=groups) for s in self.steps_]
        return pd.concat(parts, axis=1)

    def fit_transform(self, X: pd.DataFrame, y: Any = None, *,  # type: ignore[override]
                      groups: Any = None) -> pd.DataFrame:
        """``fit`` then ``transform`` on the same rows, with ``groups`` passed to both."""
        return self.fit(X, y, groups=groups).transform(X, groups=groups)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Input columns followed by the new ones."""
        self.check_fitted()
        return np.asarray(list(self.feature_names_in_) + list(self.new_features_), dtype=object)


# =========================================================================== spec parsers
def _check_spec_column(column: str, columns: Sequence[str] | None, option: str) -> str:
    if columns is not None and column not in [str(c) for c in columns]:
        cols = [str(c) for c in columns]
        raise InputError(
            f"{option}: column {column!r} is not in the data.{did_you_mean(column, cols)} "
            f"Choose one of {format_list(cols)}.")
    return column


def _parse_column_ints(spec: str, target: str | None, columns: Sequence[str] | None,
                       option: str, what: str, example: str) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    if not str(spec).strip():
        raise InputError(f"{option} is empty. Example: {option} {example}.")
    for group in str(spec).split(";"):
        group = group.strip()
        if not group:
            continue
        col, sep, nums = group.rpartition(":")
        col = col.strip()
        if not sep:
            if target is None:
                raise InputError(
                    f"{option} {group!r} names no column and there is no target. "
                    f"Write COLUMN:{what}, e.g. {option} {example}.")
            col = target
        elif not col:
            raise InputError(f"{option} {group!r}: the column name before ':' is empty. "
                             f"Example: {option} {example}.")
        _check_spec_column(col, columns, option)
        ks = []
        for tok in nums.split(","):
            tok = tok.strip()
            if not tok.isdigit() or int(tok) < 1:
                raise InputError(
                    f"{option} {group!r}: {tok!r} is not a whole number >= 1. "
                    f"Example: {option} {example}.")
            ks.append(int(tok))
        out.setdefault(col, [])
        out[col].extend(k for k in ks if k not in out[col])
    if not out:
        raise InputError(f"{option} is empty. Example: {option} {example}.")
    return out


def parse_lags(spec: str, target: str | None = None,
               columns: Sequence[str] | None = None) -> Lags:
    """Parse ``--lags`` (``"pm2.5:1,2,24;TEMP:1"``, or ``"1,2,24"`` for the target).

    Examples
    --------
    >>> parse_lags("pm2.5:1,2,24;TEMP:1").lags
    {'pm2.5': [1, 2, 24], 'TEMP': [1]}
    """
    return Lags(_parse_column_ints(spec, target, columns, "--lags", "lags", "pm2.5:1,2,24"))


def parse_rolling(spec: str, target: str | None = None,
                  columns: Sequence[str] | None = None) -> RollingStats:
    """Parse ``--rolling`` (``"pm2.5:24,168"``, or ``"24,168"`` for the target).

    Examples
    --------
    >>> parse_rolling("24", target="y").windows
    {'y': [24]}
    """
    return RollingStats(_parse_column_ints(spec, target, columns, "--rolling", "windows",
                                           "pm2.5:24,168"))


def parse_indicators(spec: str, target: str | None = None,
                     columns: Sequence[str] | None = None) -> Indicators:
    """Parse ``--indicators`` (``"sma:20,ema:12,rsi:14@TEMP,macd,bollinger:20/2"``).

    Items without ``@COLUMN`` apply to ``target``.

    Examples
    --------
    >>> parse_indicators("sma:20,rsi@TEMP,macd", target="pm2.5").indicators
    {'pm2.5': ['sma:20', 'macd:12/26/9'], 'TEMP': ['rsi:14']}
    """
    option = "--indicators"
    if not str(spec).strip():
        raise InputError(f"{option} is empty. Example: {option} {_INDICATOR_EXAMPLE}.")
    out: dict[str, list[str]] = {}
    for item in str(spec).split(","):
        item = item.strip()
        if not item:
            continue
        body, at, col = item.partition("@")
        col = col.strip()
        if not at:
            if target is None:
                raise InputError(
                    f"{option} {item!r} names no column and there is no target. "
                    f"Write {item}@COLUMN.")
            col = target
        elif not col:
            raise InputError(f"{option} {item!r}: the column after '@' is empty.")
        if body.strip().isdigit():
            raise InputError(
                f"{option}: {body.strip()!r} is not an indicator; separate an indicator's "
                "parameters with '/' (macd:12/26/9) and repeat the name for several periods "
                "(sma:20,sma:50).")
        name, params = parse_indicator(body, option)
        _check_spec_column(col, columns, option)
        canon = _indicator_spec(name, params)
        out.setdefault(col, [])
        if canon not in out[col]:
            out[col].append(canon)
    if not out:
        raise InputError(f"{option} is empty. Example: {option} {_INDICATOR_EXAMPLE}.")
    return Indicators(out)


def parse_calendar(spec: str = "auto", time_col: str | None = None) -> Calendar:
    """Parse ``--calendar`` (``"auto"`` or ``"hour,dayofweek,month,dayofyear"``).

    Examples
    --------
    >>> parse_calendar("hour,dayofweek").parts
    ['hour', 'dayofweek']
    """
    text = str(spec).strip()
    if text.lower() in CALENDAR_OFF:
        raise InputError(f"--calendar {text}: no calendar features; leave the step out "
                         "(FeatureBuilder.from_specs does so for 'none').")
    if text in ("", "auto"):
        return Calendar("auto", time_col=time_col)
    parts = []
    for p in text.split(","):
        p = p.strip().lower()
        if p not in CALENDAR_PARTS:
            raise InputError(
                f"--calendar: unknown part {p!r}.{did_you_mean(p, CALENDAR_PARTS)} Choose from "
                f"{', '.join(CALENDAR_PARTS)}, or auto.")
        if p not in parts:
            parts.append(p)
    return Calendar(parts, time_col=time_col)
