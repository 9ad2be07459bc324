"""CollapseGuard: detect predictions that collapsed to a constant, and say why.

Every validation epoch the module records ``collapse_ratio`` =
std(predictions) / std(targets) over the observed targets of the validation
windows (binary classification: predicted probability against the 0/1 label).
A ratio near 0 means the model predicts (almost) the same value everywhere.

Early epochs of a model can legitimately be flat, so the guard judges the model
that training hands back: at the end of training (after
:class:`~seqguard.training.BestState` restored the best weights) it looks at the
ratio of the best epoch, and below ``threshold`` (0.1) it records a
``constant_predictions`` finding with the likely causes it can check:

* ``unscaled_target``: the training target (``target_stats``, else the reference
  batch) has ``|mean| > 10 std`` (and ``|mean| > 1``) or ``std > 10``;
* ``lr_too_high``: rollbacks happened, or the training loss ended higher than it
  started;
* ``dead_units``: more than half the units of the first recurrent layer have ~zero
  variance over a reference batch (forward hook on the layer);
* ``saturated_gates``: more than 30 % of the first layer's LSTM/GRU gate
  pre-activations have ``|z| > 6`` (recomputed from the layer's weights on the
  reference batch);
* ``too_short``: the monitored loss was still improving at the last epoch.

The reference batch is the first validation batch (else the first training batch)
of the run, at most ``max_windows`` windows.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, cast

import lightning as L
import torch
from torch import nn

from ..findings import cause_dict

__all__ = ["GRU_GATES", "LSTM_GATES", "CollapseGuard", "dead_unit_fraction", "gate_saturation",
           "gate_saturation_by_gate", "target_scale_cause"]


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def _first_recurrent(model: nn.Module) -> nn.RNNBase | None:
    for m in model.modules():
        if isinstance(m, (nn.LSTM, nn.GRU)):
            return m
    return None


#: Gate names of layer 0 of an ``nn.LSTM`` / ``nn.GRU`` (torch's order) and which of
#: them go through tanh (the others through sigmoid).
LSTM_GATES = ("input", "forget", "cell", "output")
GRU_GATES = ("reset", "update", "new")
_TANH_GATES = ("cell", "new")


def _gate_preactivations(layer: nn.RNNBase, x: torch.Tensor) -> Iterator[torch.Tensor]:
    """Yield layer 0's gate pre-activations ``(B, G * hidden)`` step by step.

    Recomputes the forward direction of an ``nn.LSTM`` / ``nn.GRU`` from its weights,
    starting from zero state, on input ``x``; the gates are in torch's order
    (:data:`LSTM_GATES` / :data:`GRU_GATES`). For a GRU the ``new`` gate's
    pre-activation includes the reset-gated recurrent part.
    """
    if layer.batch_first:
        x = x.transpose(0, 1)
    x = x.float()
    w_ih = cast(torch.Tensor, layer.weight_ih_l0).detach().float()
    w_hh = cast(torch.Tensor, layer.weight_hh_l0).detach().float()
    zeros_i = torch.zeros(w_ih.shape[0], device=x.device)
    zeros_h = torch.zeros(w_hh.shape[0], device=x.device)
    b_ih = cast(torch.Tensor, layer.bias_ih_l0).detach().float() if layer.bias else zeros_i
    b_hh = cast(torch.Tensor, layer.bias_hh_l0).detach().float() if layer.bias else zeros_h
    hidden = int(w_hh.shape[1])
    h = x.new_zeros(x.shape[1], hidden)
    c = x.new_zeros(x.shape[1], hidden)
    gx = x @ w_ih.T + b_ih
    for t in range(x.shape[0]):
        gh = h @ w_hh.T + b_hh
        if isinstance(layer, nn.LSTM):
            z = gx[t] + gh
            i, f, g, o = z.chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        else:
            xr, xz, xn = gx[t].chunk(3, dim=1)
            hr, hz, hn = gh.chunk(3, dim=1)
            r = xr + hr
            zz = xz + hz
            n = xn + torch.sigmoid(r) * hn
            z = torch.cat([r, zz, n], dim=1)
            u = torch.sigmoid(zz)
            h = (1 - u) * torch.tanh(n) + u * h
        yield z


def gate_saturation(layer: nn.RNNBase, x: torch.Tensor, limit: float = 6.0) -> float:
    """Share of the first layer's gate pre-activations with ``|z| > limit``.

    Recomputes layer 0 (forward direction) of an ``nn.LSTM`` / ``nn.GRU`` step by
    step from its weights, starting from zero state, on input ``x``.
    """
    saturated = 0
    total = 0
    for z in _gate_preactivations(layer, x):
        saturated += int((z.abs() > limit).sum())
        total += z.numel()
    return saturated / max(total, 1)


def gate_saturation_by_gate(layer: nn.RNNBase, x: torch.Tensor,
                            tol: float = 0.01) -> dict[str, float]:
    """Share of each gate's activations of layer 0 within ``tol`` of their bounds.

    A sigmoid gate counts as saturated when its activation is within ``tol`` of 0 or
    1 (``|z| > log((1 - tol) / tol)``), a tanh gate (LSTM ``cell``, GRU ``new``) when
    within ``tol`` of -1 or 1 (``|z| > atanh(1 - tol)``). Saturated gates pass
    (almost) no gradient.

    Returns
    -------
    dict
        ``{gate name: share}`` for every gate, and ``"all"``: the share over every
        gate activation.
    """
    names = LSTM_GATES if isinstance(layer, nn.LSTM) else GRU_GATES
    limits = [math.atanh(1 - tol) if g in _TANH_GATES else math.log((1 - tol) / tol)
              for g in names]
    counts = [0] * len(names)
    total = 0
    for z in _gate_preactivations(layer, x):
        for k, chunk in enumerate(z.chunk(len(names), dim=1)):
            counts[k] += int((chunk.abs() > limits[k]).sum())
        total += z.shape[0] * (z.shape[1] // len(names))
    out = {g: counts[k] / max(total, 1) for k, g in enumerate(names)}
    out["all"] = sum(counts) / max(total * len(names), 1)
    return out


def target_scale_cause(mean: float, std: float) -> dict[str, Any] | None:
    """The ``unscaled_target`` cause when the target the model sees is not scaled.

    ``mean`` and ``std`` are the training target's, in the units the model predicts.
    The target counts as unscaled when ``std > 10``, or when ``|mean| > 1`` and
    ``|mean| > 10 std`` (an offset target: a model that starts near zero spends its
    training reaching the offset and predicts a near-constant value, the classic
    cause of constant predictions).

    Returns
    -------
    dict or None
        ``{"code", "message", "evidence", "fix"}``, or ``None`` when the target is
        scaled.
    """
    if not (math.isfinite(mean) and math.isfinite(std)):
        return None
    if not (std > 10 or (abs(mean) > 1 and abs(mean) > 10 * std)):
        return None
    return cause_dict(
        "unscaled_target",
        f"the target is not scaled (mean {_fmt(mean)}, std {_fmt(std)} "
        "in the units the model sees)",
        {"mean": mean, "std": std},
        "Scale the target (--target-scaler standard) or use the residual "
        "head (--head residual).")


def dead_unit_fraction(output: torch.Tensor, tol: float = 1e-6) -> float:
    """Share of hidden units (last dimension) whose std over everything else is ~0."""
    flat = output.detach().float().reshape(-1, output.shape[-1])
    if flat.shape[0] < 2:
        return math.nan
    return float((flat.std(0) < tol).float().mean())


class CollapseGuard(L.Callback):
    """Flag constant predictions at the end of training, with the likely causes.

    Parameters
    ----------
    threshold : float
        ``collapse_ratio`` below this is a collapse.
    max_windows : int
        Size of the reference batch used for the dead-unit and gate checks.
    """

    name = "CollapseGuard"

    def __init__(self, threshold: float = 0.1, max_windows: int = 256) -> None:
        self.threshold = float(threshold)
        self.max_windows = int(max_windows)
        self._reference: dict[str, torch.Tensor] | None = None
        self._from_val = False

    def _keep(self, batch: dict[str, torch.Tensor], from_val: bool) -> None:
        if self._reference is not None and (self._from_val or not from_val):
            return
        n = self.max_windows
        self._reference = {k: v[:n].detach() for k, v in batch.items()
                           if isinstance(v, torch.Tensor)}
        self._from_val = from_val

    def on_validation_batch_start(self, trainer: L.Trainer, pl_module: Any, batch: Any,
                                  batch_idx: int, dataloader_idx: int = 0) -> None:
        if batch_idx == 0 and not trainer.sanity_checking:
            self._keep(batch, True)

    def on_train_batch_start(self, trainer: L.Trainer, pl_module: Any, batch: Any,
                             batch_idx: int) -> None:
        if self._reference is None:
            self._keep(batch, False)

    def on_train_end(self, trainer: L.Trainer, pl_module: Any) -> None:
        self.judge(pl_module)

    # ---------------------------------------------------------------- judging
    def judge(self, pl_module: Any) -> dict[str, Any] | None:
        """Record a ``constant_predictions`` finding if the kept model collapsed."""
        history = pl_module.history
        if not history:
            return None
        monitor = pl_module.monitor
        scores = [r.get(monitor, math.nan) for r in history]
        finite = [i for i, s in enumerate(scores) if math.isfinite(s)]
        best = min(finite, key=lambda i: scores[i]) if finite else len(history) - 1
        ratio = history[best].get("collapse_ratio", math.nan)
        if not math.isfinite(ratio):
            ratio = self._reference_ratio(pl_module)
        if not (math.isfinite(ratio) and ratio < self.threshold):
            return None
        epoch = history[best]["epoch"]
        causes = self._causes(pl_module, best, finite)
        listed = "; ".join(c["message"] for c in causes) if causes else (
            "none of the checks (target scaling, learning rate, dead units, saturated gates, "
            "training length) explains it; check that the inputs carry signal")
        message = (f"predictions are nearly constant: std(predictions) / std(targets) = "
                   f"{_fmt(ratio)} at epoch {epoch} (below {self.threshold}). Likely causes: "
                   f"{listed}.")
        fixes = [c["fix"] for c in causes] or [
            ("Check the features carry information about the target (seqguard audit) and "
             "compare with the baselines.")]
        evidence = {"ratio": ratio, "epoch": epoch, "threshold": self.threshold,
                    "ratios": [r.get("collapse_ratio", math.nan) for r in history],
                    "causes": causes}
        pl_module.record_event(self.name, "constant_predictions", message)
        return pl_module.add_finding("warning", "constant_predictions", message, evidence,
                                     " ".join(fixes))

    def _reference_ratio(self, pl_module: Any) -> float:
        ref = self._reference
        if ref is None or "y" not in ref or pl_module.task == "classify":
            return math.nan
        pred = self._run(pl_module, ref)
        p, t, w = pl_module._collapse_pairs(pred, ref)
        if p is None or float(w.sum()) < 2:
            return math.nan
        n = w.sum()
        mp, mt = (p * w).sum() / n, (t * w).sum() / n
        vp = (((p - mp) * w) ** 2).sum() / n
        vt = (((t - mt) * w) ** 2).sum() / n
        return float((vp / vt).sqrt()) if float(vt) > 0 else math.nan

    def _run(self, pl_module: Any, batch: dict[str, torch.Tensor],
             hook: Any = None) -> torch.Tensor:
        model = pl_module.model
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                return pl_module(batch)
        finally:
            model.train(was_training)

    def _causes(self, pl_module: Any, best: int, finite: list[int]) -> list[dict[str, Any]]:
        causes: list[dict[str, Any]] = []
        history = pl_module.history
        # -- unscaled target
        stats = pl_module.target_stats
        if stats is None and self._reference is not None and "y" in self._reference:
            y = self._reference["y"].double()
            y = y[torch.isfinite(y)]
            if y.numel() > 1:
                stats = {"mean": float(y.mean()), "std": float(y.std())}
        if stats is not None and pl_module.task != "classify":
            cause = target_scale_cause(float(stats["mean"]), float(stats["std"]))
            if cause is not None:
                causes.append(cause)
        # -- learning rate too high
        rollbacks = [e for e in pl_module.events if e["guard"] == "NonFiniteGuard"]
        losses = [r["train_loss"] for r in history if math.isfinite(r.get("train_loss", math.nan))]
        went_up = len(losses) >= 2 and losses[-1] > losses[0]
        if rollbacks or went_up:
            what = []
            if rollbacks:
                what.append(f"{len(rollbacks)} non-finite rollback(s)")
            if went_up:
                what.append(f"the training loss went up from {_fmt(losses[0])} to "
                            f"{_fmt(losses[-1])}")
            causes.append(cause_dict(
                "lr_too_high", f"the learning rate looks too high ({' and '.join(what)})",
                {"rollbacks": len(rollbacks),
                 "train_loss_first": losses[0] if losses else None,
                 "train_loss_last": losses[-1] if losses else None},
                "Lower --lr (for example by 10x)."))
        # -- dead units and saturated gates on the reference batch
        layer = _first_recurrent(pl_module.model)
        if layer is not None and self._reference is not None:
            captured: dict[str, torch.Tensor] = {}

            def hook(module: nn.Module, args: Any, output: Any) -> None:
                if "out" not in captured and isinstance(args[0], torch.Tensor):
                    captured["in"] = args[0].detach()
                    captured["out"] = output[0].detach()

            handle = layer.register_forward_hook(hook)
            try:
                self._run(pl_module, self._reference)
            finally:
                handle.remove()
            if "out" in captured:
                dead = dead_unit_fraction(captured["out"])
                if math.isfinite(dead) and dead > 0.5:
                    causes.append(cause_dict(
                        "dead_units",
                        f"{dead:.0%} of the hidden units of the last recurrent "
                        "layer do not vary across windows (dead units)",
                        {"dead_fraction": dead},
                        "Lower --lr, scale the inputs, and add --dropout only "
                        "once training works."))
                if getattr(layer, "proj_size", 0) == 0:
                    sat = gate_saturation(layer, captured["in"])
                    if sat > 0.3:
                        causes.append(cause_dict(
                            "saturated_gates",
                            f"{sat:.0%} of the first layer's gate pre-activations "
                            "have |z| > 6 (saturated gates pass no gradient)",
                            {"saturated_share": sat},
                            "Scale the inputs (--scaler standard) and lower --lr."))
        # -- training too short
        if finite and best == len(history) - 1 and len(history) >= 1 \
                and pl_module.stop_reason in (None, "max_epochs"):
            causes.append(cause_dict(
                "too_short", f"the {pl_module.monitor} was still improving at the last "
                f"epoch ({history[-1]['epoch']})",
                {"epochs": len(history)}, "Train longer (--epochs)."))
        return causes
