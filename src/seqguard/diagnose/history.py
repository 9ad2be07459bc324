"""Optimisation checks from the training history (history.csv) and the guard events.

Non-finite training, a too high learning rate, exploding / vanishing gradients by
layer, clipping on most steps, and training that stopped while still improving.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from .findings import _finding, _fmt, _num
from .thresholds import LR_LIMIT, LR_LIMIT_ADAPTIVE

_RECURRENT_GROUP = re.compile(r"(^|\.)l\d+$")


def _history_checks(history: list[dict[str, Any]], events: list[dict[str, Any]],
                    params: Mapping[str, Any], ctx: dict[str, Any]) -> list[dict[str, Any]]:
    """Non-finite losses, learning rate, gradients, clipping and training length."""
    from ..training.gradient_health import GradientHealth

    found: list[dict[str, Any]] = []
    if not history:
        return found
    epochs = [int(_num(r.get("epoch", i + 1))) for i, r in enumerate(history)]
    train = [_num(r.get("train_loss")) for r in history]
    val = [_num(r.get("val_loss")) for r in history]
    lrs = [_num(r.get("lr")) for r in history]
    ctx["lr_schedule"] = [v if math.isfinite(v) else None for v in lrs]
    has_val = any(math.isfinite(v) for v in val)
    rollbacks = [e for e in events if e.get("guard") == "NonFiniteGuard"
                 and e.get("reason") in ("non_finite_loss", "non_finite_gradient")]
    gave_up = any(e.get("guard") == "NonFiniteGuard" and e.get("reason") == "gave_up"
                  for e in events)
    diverged = [e for e in events if e.get("guard") == "DivergenceGuard"
                and e.get("reason") in ("validation_diverged", "gave_up")]
    skipped = int(sum(_num(r.get("skipped_steps")) for r in history
                      if math.isfinite(_num(r.get("skipped_steps")))))
    bad_epochs = [e for e, a, b in zip(epochs, train, val)
                  if not math.isfinite(a) or (has_val and not math.isfinite(b))]
    # ---- non-finite training
    if rollbacks or gave_up or bad_epochs:
        first = rollbacks[0] if rollbacks else None
        epoch = int(first["epoch"]) if first else bad_epochs[0]
        step = int(first["step"]) if first and "step" in first else None
        k = epochs.index(epoch) if epoch in epochs else 0
        lr_before = lrs[k - 1] if k > 0 else _num(params.get("lr"))
        recovered = not gave_up and math.isfinite(train[-1]) and (
            not has_val or math.isfinite(val[-1]))
        what = (f"the loss or gradients became non-finite at epoch {epoch}"
                + (f", step {step}" if step is not None else ""))
        how = (f"; the non-finite guard skipped the step(s), rolled back {len(rollbacks)} "
               f"time(s) and lowered the learning rate from {_fmt(lr_before)} to "
               f"{_fmt(lrs[k])}" if rollbacks else "")
        end = (" Training recovered and ended with a finite loss." if recovered else
               " Training did not recover.")
        found.append(_finding(
            "warning" if recovered else "error", "non_finite_training",
            what + how + "." + end,
            {"epoch": epoch, "step": step, "rollbacks": len(rollbacks),
             "skipped_steps": skipped, "recovered": int(recovered),
             "non_finite_epochs": bad_epochs, "lr_before": lr_before, "lr_after": lrs[k]},
            "Lower --lr (for example by 10x), keep --clip on, and check the inputs and the "
            "target are scaled."))
    # ---- learning rate too high
    optimizer = str(params.get("optimizer", "adamw"))
    lr0 = _num(params.get("lr", lrs[0] if lrs else math.nan))
    limit = LR_LIMIT.get(optimizer, LR_LIMIT_ADAPTIVE)
    fin = [v for v in train if math.isfinite(v)]
    reasons = []
    if math.isfinite(lr0) and lr0 > limit:
        reasons.append(f"lr {_fmt(lr0)} is above {_fmt(limit)}, where {optimizer} steps "
                       "overshoot")
    if rollbacks or gave_up:
        reasons.append(f"the non-finite guard rolled back {len(rollbacks)} time(s)")
    if diverged:
        reasons.append(f"the validation loss ran far above its best and the divergence guard "
                       f"rolled back {sum(e['reason'] == 'validation_diverged' for e in diverged)}"
                       " time(s)")
    if len(fin) >= 2 and (fin[-1] > 1.1 * fin[0] or max(fin) > 10 * fin[0]):
        reasons.append(f"the training loss went from {_fmt(fin[0])} to {_fmt(fin[-1])} "
                       f"(peak {_fmt(max(fin))})")
    if reasons:
        found.append(_finding(
            "error" if (rollbacks or gave_up or diverged) else "warning", "lr_too_high",
            f"the learning rate is too high: {'; '.join(reasons)}.",
            {"lr": lr0, "optimizer": optimizer, "limit": limit, "rollbacks": len(rollbacks),
             "divergence_rollbacks": sum(e["reason"] == "validation_diverged"
                                         for e in diverged),
             "train_loss_first": fin[0] if fin else None,
             "train_loss_last": fin[-1] if fin else None,
             "train_loss_max": max(fin) if fin else None,
             "lr_schedule": ctx["lr_schedule"]},
            f"Lower --lr (try {_fmt(min(1e-3, limit / 10))}) and keep --clip on."))
    # ---- gradients by layer
    gh = GradientHealth()
    total = [_num(r.get("grad_norm_total")) for r in history]
    groups = [c[len("grad_norm_"):] for c in history[0]
              if c.startswith("grad_norm_") and c != "grad_norm_total"]
    base = next((g for g in total if math.isfinite(g) and g > 0), None)
    if any(math.isfinite(g) for g in total):
        ctx.setdefault("covered", set()).update({"exploding_gradients", "vanishing_gradients"})
    if base is not None:
        over = [(e, g) for e, g in zip(epochs, total) if math.isfinite(g) and g > gh.growth * base]
        if over:
            e, g = max(over, key=lambda p: p[1])
            found.append(_finding(
                "warning", "exploding_gradients",
                f"exploding gradients: the mean gradient norm grew from {_fmt(base)} in the "
                f"first epoch to {_fmt(g)} at epoch {e} (more than {gh.growth:g}x).",
                {"first": base, "max": g, "epoch": e, "growth": g / base,
                 "epochs": [p[0] for p in over],
                 "by_layer": {grp: _num(history[epochs.index(e)].get(f"grad_norm_{grp}"))
                              for grp in groups}},
                "Lower the learning rate (--lr), keep gradient clipping on (--clip 1.0) and "
                "check that the inputs and the target are scaled."))
    clip = _num(params.get("clip", math.nan))
    fracs = [_num(r.get("clip_fraction")) for r in history]
    fin_fracs = [f for f in fracs if math.isfinite(f)]
    if fin_fracs and (not math.isfinite(clip) or clip > 0):
        busy = [e for e, f in zip(epochs, fracs) if math.isfinite(f) and f > gh.clip_share]
        if len(busy) * 2 > len(fin_fracs) or (math.isfinite(fracs[-1])
                                              and fracs[-1] > gh.clip_share):
            found.append(_finding(
                "warning", "clipping_most_steps",
                f"gradient clipping{' at ' + _fmt(clip) if math.isfinite(clip) else ''} was "
                f"active on more than {gh.clip_share:.0%} of the steps in {len(busy)} of "
                f"{len(fin_fracs)} epoch(s) (last epoch: {_fmt_share(fracs[-1])}): the "
                "gradients are consistently too large, so every step is cut to the clip norm.",
                {"clip": clip, "clip_fraction": fin_fracs, "epochs": busy,
                 "threshold": gh.clip_share},
                "Find why the gradients are large (unscaled target or inputs, too high --lr) "
                "rather than relying on clipping."))
    recurrent = [g for g in groups if _RECURRENT_GROUP.search(g)]
    if recurrent:
        layer0 = recurrent[0]
        others = [g for g in groups if g not in recurrent]
        ref = recurrent[-1] if len(recurrent) > 1 else (others[-1] if others else None)
        flagged = []
        for e, r in zip(epochs, history):
            v = _num(r.get(f"grad_norm_{layer0}"))
            rv = _num(r.get(f"grad_norm_{ref}")) if ref else math.nan
            if not math.isfinite(v):
                continue
            if v < gh.vanish_abs or (ref and ref != layer0 and math.isfinite(rv) and rv > 0
                                     and v < gh.vanish_rel * rv):
                flagged.append((e, v, rv))
        persistent = flagged and (flagged[-1][0] == epochs[-1] or 2 * len(flagged) > len(epochs))
        if persistent:
            e, v, rv = flagged[-1]
            rel = (f", {_fmt(v / rv)} x that of '{ref}' ({_fmt(rv)})"
                   if math.isfinite(rv) and rv > 0 else "")
            found.append(_finding(
                "warning", "vanishing_gradients",
                f"vanishing gradients by layer: the earliest recurrent layer '{layer0}' had "
                f"gradient norm {_fmt(v)}{rel} at epoch {e} ({len(flagged)} of {len(epochs)} "
                "epoch(s) flagged); that layer barely learns.",
                {"over": "layers", "layer": layer0, "reference": ref, "norm": v,
                 "reference_norm": rv, "epoch": e, "epochs": [f[0] for f in flagged],
                 "threshold_abs": gh.vanish_abs, "threshold_rel": gh.vanish_rel},
                "Use fewer layers (--layers) or a shorter --input-len, and check that the "
                "inputs are scaled (saturated gates pass no gradient)."))
    # ---- still improving at the end
    monitor = val if has_val else train
    fin_m = [(i, v) for i, v in enumerate(monitor) if math.isfinite(v)]
    early_stop = any(e.get("reason") == "early_stopping" for e in events)
    if len(fin_m) >= 2 and not early_stop and not gave_up:
        best = min(fin_m, key=lambda p: p[1])
        prev = min(v for i, v in fin_m[:-1])
        if best[0] == len(monitor) - 1 and best[1] < prev:
            name = "validation loss" if has_val else "training loss"
            found.append(_finding(
                "info", "too_short",
                f"too few epochs: the {name} was still improving at the last epoch "
                f"({epochs[-1]}): {' -> '.join(_fmt_pair(prev, best[1]))}.",
                {"epochs": len(epochs), "last": best[1], "previous_best": prev,
                 "improvement": (prev - best[1]) / abs(prev) if prev else None},
                "Train longer (--epochs); early stopping ends training when it stops "
                "improving."))
    return found


def _fmt_pair(a: float, b: float) -> tuple[str, str]:
    """Two numbers with just enough digits to tell them apart."""
    for digits in range(3, 10):
        sa, sb = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if sa != sb:
            return sa, sb
    return sa, sb


def _fmt_share(v: float) -> str:
    return f"{v:.0%}" if math.isfinite(v) else "n/a"


def _grade_too_short(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``too_short`` is a warning when the model is also collapsed or beaten by a baseline."""
    bad = {"constant_predictions", "no_better_than_mean", "no_better_than_persistence",
           "no_better_than_best_baseline"}
    if any(f["code"] in bad for f in found):
        for f in found:
            if f["code"] == "too_short":
                f["severity"] = "warning"
    return found
