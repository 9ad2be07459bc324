"""Scores in the target's original units, over observed targets only, and metrics.json.

Guarantees every function here gives:

* **Observed targets only.** A NaN in ``y_true`` marks a missing target; it is
  masked out of every score, never imputed. Predictions are read only where the
  target is observed, and must be finite there (a NaN prediction is a failed model,
  not a missing value: it raises :class:`~seqguard.errors.InputError`).
* **Original units.** Inverse-scale predictions and targets before calling these.
* **JSON-safe results.** Every number is a plain Python ``float`` or ``int``; a score
  that cannot be computed is ``None`` (``json.dumps(..., allow_nan=False)`` always
  works on what :func:`build_metrics` returns).

Shapes: regression arrays are ``(n_windows, horizon)`` (a 1-D array is one column);
classification labels are ``(n,)`` class codes ``0 .. n_classes-1`` (NaN = missing)
with scores ``(n, n_classes)``, or ``(n,)`` / ``(n, 1)`` for the positive class of a
binary task.

``metrics.json`` (see DESIGN.md, "Run directory") is built by :func:`build_metrics`:

* forecast: ``task, target, input_len, horizon, test{mae, rmse, smape, mase,
  by_horizon}, baselines{persistence, seasonal_naive, climatology, mean} (each with
  mae, rmse, by_horizon), skill_vs_persistence, best_baseline, skill_vs_best,
  prediction_std_ratio, n_windows{train, val, test}, guard_events``;
* tag: the same keys (:data:`REGRESSION_KEYS`) with ``horizon`` and
  ``test.by_horizon`` ``None`` (a tagger predicts the step it reads, there is no
  horizon), ``baselines{climatology, mean}`` and ``skill_vs_persistence`` ``None``,
  plus ``skill_vs_mean`` (:data:`TAG_KEYS`);

``best_baseline`` names the baseline with the lowest test MAE
(:func:`best_baseline`) and ``skill_vs_best`` is ``1 - MAE / MAE_best``: the verdict
is against it (:func:`beats_baseline`).
* classify: ``task, target, input_len, n_classes, classes, test{accuracy, roc_auc,
  pr_auc, log_loss, notes}, baselines{majority{accuracy}, base_rate{log_loss}},
  skill_vs_base_rate, n_windows{train, val, test}, guard_events``.

docs/metrics.md describes every key.

One idea per module: :mod:`~seqguard.metrics.regression`,
:mod:`~seqguard.metrics.classification`, :mod:`~seqguard.metrics.metrics_json` (the
keys and :func:`build_metrics`), :mod:`~seqguard.metrics.verdict` (beating a baseline,
in sentences) and :mod:`~seqguard.metrics.values` (JSON-safe numbers, input checks).
"""

from __future__ import annotations

from .classification import classification_scores
from .metrics_json import (
    CLASSIFICATION_KEYS,
    REGRESSION_KEYS,
    TAG_KEYS,
    best_baseline,
    build_metrics,
)
from .regression import mase_scale, prediction_std_ratio, regression_scores, skill
from .values import json_safe
from .verdict import SKILL_MARGIN, beats_baseline, verdict_lines

__all__ = [
    "CLASSIFICATION_KEYS",
    "REGRESSION_KEYS",
    "SKILL_MARGIN",
    "TAG_KEYS",
    "beats_baseline",
    "best_baseline",
    "build_metrics",
    "classification_scores",
    "json_safe",
    "mase_scale",
    "prediction_std_ratio",
    "regression_scores",
    "skill",
    "verdict_lines",
]
