"""Reference predictions every model is compared with.

Forecasting: persistence, seasonal naive, climatology, mean. Tagging: climatology and
mean (:func:`tag_baseline_scores`). Classification: majority class and base rate.

All baselines are computed on the same test windows as the model, in the target's
original units, and scored over observed targets only (see :mod:`seqguard.metrics`).

Guarantees:

* **Past only.** A baseline for a window reads the target only at rows at or before
  the window's last input row ``e`` (``e = target_rows[:, 0] - 1`` for forecast
  windows), never a target row or anything later.
* **One series at a time.** It never reads a row before the first row of the
  window's own series (``series_start``), so it never crosses into another series.
* **Always finite** where the inputs allow it: a seasonal value that is missing or
  lies before the series start falls back to persistence.
* **Climatology and mean read only training targets**: the training-period mean of
  the target (at each season position, :class:`Climatology`), learned at ``fit``
  and reused unchanged on new data; besides that, only the time stamp of the
  target row, which is known in advance.

Layout as everywhere in seqguard: ``y`` is the flat target of the whole table (rows
sorted by series and time, NaN where missing); windows are described by the
absolute row of each target, shape ``(n_windows, horizon)``
(:meth:`seqguard.windows.ForecastWindows.target_rows`).

One idea per module: :mod:`~seqguard.baselines.forecasts` (persistence, mean, seasonal
naive), :mod:`~seqguard.baselines.season` (season lengths and positions),
:mod:`~seqguard.baselines.climatology`, :mod:`~seqguard.baselines.classification` and
:mod:`~seqguard.baselines.scores` (the ``baselines`` entry of metrics.json).
"""

from __future__ import annotations

from ..layout import last_observed_before
from .classification import base_rate, classification_baseline_scores, majority_class
from .climatology import Climatology
from .forecasts import mean_baseline, persistence, seasonal_naive
from .scores import baseline_scores, tag_baseline_scores
from .season import season_from_freq, season_kind, season_position

__all__ = [
    "Climatology",
    "base_rate",
    "baseline_scores",
    "classification_baseline_scores",
    "last_observed_before",
    "majority_class",
    "mean_baseline",
    "persistence",
    "season_from_freq",
    "season_kind",
    "season_position",
    "seasonal_naive",
    "tag_baseline_scores",
]

