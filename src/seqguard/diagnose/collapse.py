"""Collapse checks: constant predictions, and the model against the mean and
persistence baselines (on the diagnosed windows, or from metrics.json).

The MAEs in the messages are in the units of the targets given: for a seqguard run,
the target's original units (the diagnosed windows are inverse-scaled first, and
metrics.json is in those units), and the message says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..metrics import SKILL_MARGIN, beats_baseline
from .findings import _finding, _fmt, _num
from .thresholds import COLLAPSE_RATIO


def _collapse_checks(pred: np.ndarray, target: np.ndarray | None, last: np.ndarray | None,
                     train_mean: float, ctx: dict[str, Any],
                     mean_label: str = "the training mean",
                     units: str | None = None,
                     others: Mapping[str, np.ndarray] | None = None) -> list[dict[str, Any]]:
    """Constant predictions and comparison with the mean and persistence baselines.

    ``units``: the name of the target whose original units ``pred``, ``target``,
    ``last`` and ``train_mean`` are in (the messages say so), or ``None``.
    ``others``: more baseline forecasts, the shape of ``pred`` (seasonal naive,
    climatology); the best of all baselines is checked too.
    """
    found: list[dict[str, Any]] = []
    if target is None:
        return found
    pred = pred.reshape(len(pred), -1)
    target = target.reshape(len(target), -1)
    if pred.shape != target.shape:
        return found
    obs = np.isfinite(target) & np.isfinite(pred)
    if obs.sum() < 2:
        return found
    p, t = pred[obs], target[obs]
    ratio = float(p.std() / t.std()) if t.std() > 0 else math.nan
    mae = float(np.abs(p - t).mean())
    scores = {"model": mae, "mean": float(np.abs(train_mean - t).mean())}
    if last is not None and len(last) == len(pred):
        persist = np.broadcast_to(last.reshape(-1, 1), pred.shape)[obs]
        if np.isfinite(persist).all():
            scores["persistence"] = float(np.abs(persist - t).mean())
    for name, forecast in (others or {}).items():
        f = np.asarray(forecast, dtype=np.float64).reshape(pred.shape)[obs]
        if np.isfinite(f).all():
            scores[name] = float(np.abs(f - t).mean())
    ctx["scores"] = dict(scores, prediction_std_ratio=ratio, n_targets=int(obs.sum()))
    if units is not None:
        ctx["scores"]["units"] = f"the target's units ({units!r})"
    if math.isfinite(ratio) and ratio < COLLAPSE_RATIO:
        found.append(_finding(
            "warning", "constant_predictions",
            f"the predictions are nearly constant: std(predictions) / std(targets) = "
            f"{_fmt(ratio)} (below {COLLAPSE_RATIO}); the model predicts about "
            f"{_fmt(float(np.median(p)))} whatever the input.",
            {"ratio": ratio, "prediction_std": float(p.std()), "target_std": float(t.std()),
             "prediction_median": float(np.median(p)), "threshold": COLLAPSE_RATIO},
            "Fix the causes listed above it first (target scaling, learning rate); then "
            "check that the inputs carry signal and train longer."))
    found += _baseline_findings(scores, "the diagnosed windows", mean_label, units)
    return found


def _baseline_findings(scores: Mapping[str, float], where: str,
                       mean_label: str = "the training mean",
                       units: str | None = None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    mae = scores["model"]
    for name, code, what in (("mean", "no_better_than_mean",
                              f"always predicting {mean_label}"),
                             ("persistence", "no_better_than_persistence",
                              "repeating the last observed value (persistence)")):
        base = scores.get(name)
        if base is None or not math.isfinite(base) or not math.isfinite(mae):
            continue
        skill = 1 - mae / base if base > 0 else math.nan
        if beats_baseline(skill):
            continue
        noise = f", a gain under the {SKILL_MARGIN:.0%} margin of noise" if skill > 0 else ""
        in_units = "" if units is None else f", in the target's units ({units!r})"
        found.append(_finding(
            "warning", code,
            f"the model is no better than {what}: MAE {_fmt(mae)} against {_fmt(base)} for "
            f"the {name} baseline on {where}{in_units} (skill {_fmt(skill)}{noise}).",
            {"mae": mae, f"{name}_mae": base, "skill": skill},
            "Fix the findings above it first; if none, the inputs may not carry more "
            "information than the baseline uses: add features, or use the baseline."))
    found += _best_baseline_finding(scores, where, units)
    return found


_OTHER_BASELINES = {
    "seasonal_naive": "repeating the value one season back (seasonal naive)",
    "climatology": "the training mean at the same season position (climatology)",
}


def _best_baseline_finding(scores: Mapping[str, float], where: str,
                           units: str | None) -> list[dict[str, Any]]:
    """``no_better_than_best_baseline`` when a seasonal baseline is the best of all and the
    model does not beat it (mean and persistence have findings of their own)."""
    mae = scores["model"]
    known = {k: v for k, v in scores.items()
             if k in ("mean", "persistence", *_OTHER_BASELINES) and v is not None
             and math.isfinite(v)}
    if not known or not math.isfinite(mae):
        return []
    best = min(known, key=lambda k: known[k])
    base = known[best]
    if best not in _OTHER_BASELINES or base <= 0:
        return []
    skill = 1 - mae / base
    if beats_baseline(skill):
        return []
    in_units = "" if units is None else f", in the target's units ({units!r})"
    return [_finding(
        "warning", "no_better_than_best_baseline",
        f"the model is no better than {_OTHER_BASELINES[best]}, the best baseline: MAE "
        f"{_fmt(mae)} against {_fmt(base)} for the {best} baseline on {where}{in_units} "
        f"(skill {_fmt(skill)}).",
        {"mae": mae, "baseline": best, f"{best}_mae": base, "skill": skill},
        "Give the model the season: an --input-len of at least one season, --calendar "
        "auto, and --lags with the season length (see the verdict of fit).")]


def _metrics_checks(metrics: Mapping[str, Any], task: str, ctx: dict[str, Any]
                    ) -> list[dict[str, Any]]:
    """Constant predictions and baselines from metrics.json (the test part)."""
    found: list[dict[str, Any]] = []
    if task == "classify" or not metrics:
        return found
    ratio = _num(metrics.get("prediction_std_ratio"))
    if math.isfinite(ratio) and ratio < COLLAPSE_RATIO:
        found.append(_finding(
            "warning", "constant_predictions",
            f"the predictions are nearly constant on the test part: std(predictions) / "
            f"std(targets) = {_fmt(ratio)} (below {COLLAPSE_RATIO}).",
            {"ratio": ratio, "threshold": COLLAPSE_RATIO, "part": "test"},
            "Fix the causes listed above it first (target scaling, learning rate); then "
            "check that the inputs carry signal and train longer."))
    test = metrics.get("test") or {}
    base = metrics.get("baselines") or {}
    scores = {"model": _num(test.get("mae"))}
    for name in ("mean", "persistence", *_OTHER_BASELINES):
        if isinstance(base.get(name), Mapping):
            scores[name] = _num(base[name].get("mae"))
    target = metrics.get("target")
    units = None if target is None else str(target)
    ctx["scores"] = dict(scores, part="test")
    if units is not None:
        ctx["scores"]["units"] = f"the target's units ({units!r})"
    found += _baseline_findings(scores, "the test part", units=units)
    return found
