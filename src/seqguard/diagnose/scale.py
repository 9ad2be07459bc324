"""Scale checks of the inputs and the target, in the units the model sees.

From data (:func:`_input_checks`, :func:`_target_checks`): non-finite, unscaled,
disparate and constant features; unscaled, constant and out-of-activation-range
targets. Without data (:func:`_pipeline_checks`): from the fitted statistics alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .findings import _finding, _fmt, _num
from .thresholds import NEAR_CONSTANT, SCALE_RATIO, UNSCALED


def _input_checks(rows: np.ndarray, names: list[str], *, skip: Iterable[str] = (),
                  windows: np.ndarray | None = None) -> list[dict[str, Any]]:
    """Missing / infinite values, unscaled, disparate and constant features (2-D rows)."""
    found: list[dict[str, Any]] = []
    rows = np.asarray(rows, dtype=np.float64)
    if rows.size == 0:
        return found
    finite = np.isfinite(rows)
    n_obs = finite.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        filled = np.where(finite, rows, 0.0)
        mean = filled.sum(axis=0) / np.maximum(n_obs, 1)
        var = (np.where(finite, rows - mean, 0.0) ** 2).sum(axis=0) / np.maximum(n_obs, 1)
    std = np.sqrt(var)
    if windows is None and not finite.all():
        j = int(np.flatnonzero(~finite.all(axis=0))[0])
        r = int(np.flatnonzero(~finite[:, j])[0])
        found.append(_finding(
            "error", "non_finite_input",
            f"{int((~finite).sum())} input value(s) reaching the model are NaN / inf (first: "
            f"feature '{names[j]}', row {r}).",
            {"feature": j, "feature_name": names[j], "row": r, "count": int((~finite).sum())},
            "Fill or drop missing inputs before the model (--missing auto)."))
    skip = set(skip)
    cols = [j for j in range(rows.shape[1]) if names[j] not in skip and n_obs[j] > 0]
    unscaled = [j for j in cols if max(abs(mean[j]), std[j]) > UNSCALED]
    if unscaled:
        unscaled.sort(key=lambda j: -max(abs(mean[j]), std[j]))
        shown = ", ".join(f"'{names[j]}' (mean {_fmt(mean[j])}, std {_fmt(std[j])})"
                          for j in unscaled[:5])
        found.append(_finding(
            "warning", "unscaled_feature",
            f"{len(unscaled)} input feature(s) are not scaled as the model sees them: {shown} "
            f"(a scaled feature has |mean| and std near 1, here above {UNSCALED:g}); large "
            "inputs saturate the gates.",
            {"features": [names[j] for j in unscaled], "mean": [float(mean[j]) for j in unscaled],
             "std": [float(std[j]) for j in unscaled], "threshold": UNSCALED},
            "Standardise the inputs on the training part (--scaler standard)."))
    varying = [j for j in cols if std[j] > 1e-12 * max(1.0, abs(mean[j]))]
    if len(varying) >= 2:
        hi = max(varying, key=lambda j: std[j])
        lo = min(varying, key=lambda j: std[j])
        ratio = float(std[hi] / std[lo])
        if ratio > SCALE_RATIO:
            found.append(_finding(
                "warning", "scale_disparity",
                f"the input features differ in scale by a factor of {_fmt(ratio)}: "
                f"'{names[hi]}' has std {_fmt(std[hi])}, '{names[lo]}' {_fmt(std[lo])}; the "
                "small ones are drowned out.",
                {"ratio": ratio, "largest": names[hi], "largest_std": float(std[hi]),
                 "smallest": names[lo], "smallest_std": float(std[lo]),
                 "threshold": SCALE_RATIO},
                "Scale every feature the same way on the training part (--scaler standard)."))
    constant = [j for j in cols if j not in varying]
    if constant:
        shown = ", ".join(f"'{names[j]}' (= {_fmt(mean[j])})" for j in constant[:5])
        found.append(_finding(
            "info", "constant_column",
            f"{len(constant)} input feature(s) never change over the data: {shown}; they "
            "carry no information.",
            {"features": [names[j] for j in constant],
             "values": [float(mean[j]) for j in constant]},
            "Drop them (--features), or check how they were built."))
    return found


def _target_checks(y: np.ndarray, direct: bool, activation: str | None
                   ) -> list[dict[str, Any]]:
    """Unscaled / offset, constant and out-of-activation-range targets (model units)."""
    from ..models.heads import check_activation
    from ..training.collapse import target_scale_cause

    found: list[dict[str, Any]] = []
    y = np.asarray(y, dtype=np.float64)
    y = y[np.isfinite(y)]
    if len(y) < 2:
        return found
    mean, std = float(y.mean()), float(y.std())
    values, counts = np.unique(y, return_counts=True)
    top = float(counts.max() / len(y))
    if top >= NEAR_CONSTANT:
        value = float(values[counts.argmax()])
        whole = len(values) == 1
        found.append(_finding(
            "error" if whole else "warning", "target_constant",
            (f"the target is constant ({_fmt(value)} in all {len(y)} observed values): "
             "there is nothing to learn." if whole else
             f"the target is near-constant: {top:.1%} of the {len(y)} observed values are "
             f"{_fmt(value)}; a model that always predicts it is hard to beat."),
            {"value": value, "share": top, "n": len(y), "distinct": len(values)},
            "Check the target column (is it the right one?), or predict a quantity that "
            "varies."))
    cause = target_scale_cause(mean, std)
    if cause is not None:
        offset = abs(mean) > 1 and abs(mean) > 10 * std
        found.append(_finding(
            "error" if offset and direct else "warning", "unscaled_target",
            cause["message"][0].upper() + cause["message"][1:] + (
                f": |mean| is {_fmt(abs(mean) / std) if std > 0 else 'inf'} standard "
                "deviations from zero, so a model that starts near zero spends its training "
                "reaching the level and predicts a near-constant value (the classic cause "
                "of constant predictions)." if offset else
                ": large target values give large gradients and a poorly conditioned loss."),
            {**cause["evidence"], "mean_over_std": abs(mean) / std if std > 0 else None},
            cause["fix"]))
    msg = check_activation(activation, float(y.min()), float(y.max()))
    if msg is not None:
        found.append(_finding(
            "error", "activation_range", msg,
            {"activation": activation, "y_min": float(y.min()), "y_max": float(y.max())},
            "Drop the output activation (activation=None), or scale the target into its "
            "range."))
    return found


def _pipeline_checks(est: Any, history: list[dict[str, Any]], direct: bool
                     ) -> list[dict[str, Any]]:
    """Scale of the inputs and the target from the fitted statistics alone (no data)."""
    found: list[dict[str, Any]] = []
    pipe = est.pipeline_
    missing = getattr(pipe, "missing_", None)
    means = dict(getattr(missing, "mean_", None) or {})
    big = {str(k): _num(v) for k, v in means.items() if abs(_num(v)) > UNSCALED}
    if big:
        names = sorted(big, key=lambda k: -abs(big[k]))
        shown = ", ".join(f"'{k}' (mean {_fmt(big[k])})" for k in names[:5])
        found.append(_finding(
            "warning", "unscaled_feature",
            f"{len(names)} input feature(s) are not scaled as the model sees them: their "
            f"training means are {shown} (a scaled feature has mean near 0, here above "
            f"{UNSCALED:g} in size); large inputs saturate the gates.",
            {"features": names, "mean": [big[k] for k in names], "threshold": UNSCALED},
            "Standardise the inputs on the training part (--scaler standard)."))
    target = getattr(pipe, "target", None)
    tmean = None
    if target in means:
        try:
            j = list(pipe.scaled_columns_).index(target)
            raw = _num(means[target]) * float(pipe.scaler_.scale_[j]) + float(
                pipe.scaler_.center_[j])
        except (ValueError, AttributeError, IndexError):
            raw = _num(means[target])
        ts = pipe.target_scaler_
        tmean = (raw - float(np.ravel(ts.center_)[0])) / float(np.ravel(ts.scale_)[0])
    loss0 = _num(history[0].get("train_loss")) if history else math.nan
    if tmean is not None and abs(tmean) > UNSCALED:
        found.append(_finding(
            "error" if direct else "warning", "unscaled_target",
            f"The target is not scaled: its training mean is {_fmt(tmean)} in the units the "
            "model predicts (a scaled target has mean 0), so a model that starts near zero "
            "spends its training reaching the level and predicts a near-constant value (the "
            "classic cause of constant predictions).",
            {"mean": tmean, "train_loss_first": loss0 if math.isfinite(loss0) else None},
            "Scale the target (--target-scaler standard) or use the residual head "
            "(--head residual)."))
    elif tmean is None and getattr(pipe.target_scaler_, "method", "") == "none" \
            and math.isfinite(loss0) and loss0 > UNSCALED and direct:
        found.append(_finding(
            "error", "unscaled_target",
            f"The target is not scaled (--target-scaler none) and the training loss started "
            f"at {_fmt(loss0)}, where a scaled target starts near 1: the model has to reach "
            "the target's level first, the classic cause of constant predictions.",
            {"train_loss_first": loss0},
            "Scale the target (--target-scaler standard) or use the residual head "
            "(--head residual)."))
    return found
