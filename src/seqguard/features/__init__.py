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

Where the code lives
--------------------
``lags.py`` (:class:`Lags`), ``rolling.py`` (:class:`RollingStats`),
``indicators.py`` (:class:`Indicators` and the SMA / EMA / RSI / MACD / Bollinger
formulas), ``calendar.py`` (:class:`Calendar`), ``categoricals.py``
(:class:`Categoricals`), ``builder.py`` (:class:`FeatureBuilder`), ``specs.py`` (the
``parse_*`` spec parsers); ``_base.py`` holds the step base class and the argument
checks, ``_kernels.py`` the per-series array kernels (rolling windows, lags, the
observed-value sequence) the steps share. Import from ``seqguard.features``.

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

from .builder import FeatureBuilder
from .calendar import CALENDAR_OFF, CALENDAR_PARTS, Calendar, calendar_enabled
from .categoricals import MISSING, UNKNOWN, Categoricals
from .indicators import INDICATORS, Indicators, parse_indicator
from .lags import Lags
from .rolling import ROLLING_STATS, RollingStats
from .specs import parse_calendar, parse_indicators, parse_lags, parse_rolling

__all__ = [
    "CALENDAR_OFF",
    "CALENDAR_PARTS",
    "INDICATORS",
    "MISSING",
    "ROLLING_STATS",
    "UNKNOWN",
    "Calendar",
    "Categoricals",
    "FeatureBuilder",
    "Indicators",
    "Lags",
    "RollingStats",
    "calendar_enabled",
    "parse_calendar",
    "parse_indicator",
    "parse_indicators",
    "parse_lags",
    "parse_rolling",
]
