"""Long input windows: how much the predictions depend on the start of the window.

``vanishing_gradients`` over time, or ``learned_long_dependency`` (info) when a long
window is used and beats the baselines (see the package docstring).
"""

from __future__ import annotations

import math
from typing import Any

import torch

from .findings import _finding, _fmt
from .thresholds import _TIME_WINDOWS, LEARNED_MARGIN, LONG_INPUT
from .trace import _output_tensor, _Run


def _time_checks(run: _Run, batch: dict[str, Any], history: list[dict[str, Any]],
                 ctx: dict[str, Any]) -> list[dict[str, Any]]:
    """How much the predictions depend on the first 10 % of a long input window."""
    x0 = batch["x"]
    if x0.dim() != 3 or x0.shape[1] < LONG_INPUT:
        return []
    steps = int(x0.shape[1])
    k = max(1, steps // 10)
    sub = {key: (v[:_TIME_WINDOWS] if isinstance(v, torch.Tensor) and v.dim() >= 1 else v)
           for key, v in batch.items()}
    x = sub["x"].detach().clone().requires_grad_(True)
    sub["x"] = x
    was_training = run.model.training
    run.model.eval()
    try:
        with torch.enable_grad():
            out = _output_tensor(run.call(sub))
            if not out.requires_grad or not bool(torch.isfinite(out).all()):
                return []
            (grad,) = torch.autograd.grad(out.sum(), x, allow_unused=True)
    except Exception:  # noqa: BLE001 - a model that cannot be differentiated: no profile
        return []
    finally:
        run.model.train(was_training)
    if grad is None:
        return []
    profile = grad.detach().abs().double().mean(dim=(0, 2))
    early, late = float(profile[:k].mean()), float(profile[-k:].mean())
    ratio = early / late if late > 0 else (math.inf if early > 0 else math.nan)
    ctx["time_profile"] = {"input_len": steps, "early_steps": k, "early_grad": early,
                           "late_grad": late, "early_to_late": ratio}
    from ..training.gradient_health import GradientHealth

    limit = GradientHealth().vanish_rel
    if math.isfinite(ratio) and ratio < limit:
        return [_finding(
            "warning", "vanishing_gradients",
            f"vanishing gradients over time: with {steps} input steps the predictions barely "
            f"depend on the first {k} steps (input gradient {_fmt(ratio)} x that of the last "
            f"{k}, below {limit:g}); the model cannot learn a dependency on the start of "
            "the window.",
            {"over": "time", "input_len": steps, "early_steps": k, "early_grad": early,
             "late_grad": late, "early_to_late": ratio, "threshold": limit},
            "Shorten --input-len to the span that matters, add summary features of the far "
            "past (--lags, --rolling), or use fewer recurrent steps (downsample).")]
    return []


def _long_dependency_verdict(found: list[dict[str, Any]], ctx: dict[str, Any]
                             ) -> list[dict[str, Any]]:
    """``learned_long_dependency`` (info) when a long window is used and beats the baselines;
    otherwise say in the vanishing-gradients finding that it is the reason."""
    prof = ctx.get("time_profile")
    if prof is None or any(f["code"] == "learned_long_dependency" for f in found):
        return found
    vanishing = [f for f in found if f["code"] == "vanishing_gradients"]
    scores = ctx.get("scores", {})
    bases = [v for k, v in scores.items()
             if k in ("mean", "persistence", "seasonal_naive", "climatology")
             and v is not None and math.isfinite(v)]
    mae = scores.get("model")
    if vanishing:
        for f in vanishing:
            if f["evidence"].get("over") == "layers":
                f["message"] += (f" With {prof['input_len']} input steps this is why the model "
                                 "does not learn the long dependency.")
        return found
    if mae is None or not bases or not math.isfinite(mae):
        return found
    best = min(bases)
    if best > 0 and mae <= LEARNED_MARGIN * best:
        gain = 1 - mae / best
        found.append(_finding(
            "info", "learned_long_dependency",
            f"the model learned the long dependency: with {prof['input_len']} input steps it "
            f"beats the best baseline by {gain:.0%} (MAE {_fmt(mae)} vs {_fmt(best)}), its "
            f"predictions still depend on the first {prof['early_steps']} steps (input "
            f"gradient {_fmt(prof['early_to_late'])} x that of the last ones), and no "
            "vanishing gradients were flagged.",
            {"input_len": prof["input_len"], "mae": mae, "best_baseline_mae": best,
             "gain": gain, "early_to_late": prof["early_to_late"]},
            "Nothing to fix."))
    return found


def _probe_time_checks(est: Any, history: list[dict[str, Any]], ctx: dict[str, Any]
                       ) -> list[dict[str, Any]]:
    """The long-window check without data: on standard-normal probe inputs (seqguard's
    inputs are standardised), with ``last`` = 0."""
    steps = int(ctx.get("input_len") or 0)
    n_features = int((getattr(est, "model_config_", {}) or {}).get("n_features") or 0)
    if steps < LONG_INPUT or not n_features or getattr(est, "task", "") == "classify":
        return []
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(16, steps, n_features, generator=gen)
    model = est.model_
    extra = (lambda b: {"y_in": b.get("y_in")}) if getattr(model, "needs_y_in", False) \
        else (lambda b: {})
    run = _Run(model, lambda b: model(b["x"], last=b.get("last"), **extra(b)))
    probe = {"x": x, "last": torch.zeros(16)}
    target = (getattr(est, "model_config_", {}) or {}).get("norm_target")
    if target is not None:  # norm="revin" reads the target over the window too
        probe["y_in"] = x[..., int(target)].clone()
    found = _time_checks(run, probe, history, ctx)
    if "time_profile" in ctx:
        ctx["time_profile"]["probe"] = "standard-normal inputs"
    for f in found:
        f["evidence"]["probe"] = "standard-normal inputs"
    return found
