"""GradientHealth: per-layer gradient norms each epoch; flags exploding and vanishing.

The module measures (on every good step, on the device, no extra sync) the
pre-clipping gradient norm of every parameter group: one group per recurrent layer
(``"rnn.l0"``, ``"rnn.l1"``; both directions together) and one per other top-level
module (``"head"``). The history gets their epoch means as ``grad_norm_<group>``,
plus ``grad_norm_total`` and ``clip_fraction`` (share of steps whose total norm
exceeded ``clip``). This callback judges them at the end of every epoch:

* **exploding**: the mean total norm grew more than ``growth`` times over its value
  in the first epoch, or clipping was active on more than ``clip_share`` of the
  steps;
* **vanishing**: the earliest recurrent layer's norm is below ``vanish_abs``, or
  below ``vanish_rel`` times the reference layer's: the last recurrent layer when
  there are several, otherwise the last non-recurrent group (the head), in two
  consecutive epochs. One epoch is not enough: the residual head starts at zero
  (an untrained model is persistence), so the recurrent layers get almost no
  gradient until the head has grown; that passes within the first epoch.

Each flag adds a guard event for that epoch and one finding per kind (the latest
evidence wins).
"""

from __future__ import annotations

import math
from typing import Any

import lightning as L

__all__ = ["GradientHealth"]


def _fmt(x: float) -> str:
    return f"{x:.3g}"


class GradientHealth(L.Callback):
    """Judge the gradient norms the module measured over each epoch.

    Parameters
    ----------
    growth : float
        Flag exploding gradients when the total norm exceeds ``growth`` x the first
        epoch's.
    clip_share : float
        Flag exploding gradients when clipping was active on more than this share of
        the steps.
    vanish_abs, vanish_rel : float
        Flag vanishing gradients when the earliest recurrent layer's norm is below
        ``vanish_abs``, or below ``vanish_rel`` x the reference layer's.
    """

    name = "GradientHealth"

    def __init__(self, growth: float = 10.0, clip_share: float = 0.5,
                 vanish_abs: float = 1e-6, vanish_rel: float = 1e-3) -> None:
        self.growth = float(growth)
        self.clip_share = float(clip_share)
        self.vanish_abs = float(vanish_abs)
        self.vanish_rel = float(vanish_rel)
        self.baseline: float | None = None
        self.flags: dict[str, list[int]] = {}
        self.vanishing_epochs: list[int] = []

    def state_dict(self) -> dict[str, Any]:
        return {"baseline": self.baseline, "flags": {k: list(v) for k, v in self.flags.items()},
                "vanishing_epochs": list(self.vanishing_epochs)}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        b = state_dict.get("baseline")
        self.baseline = None if b is None else float(b)
        self.flags = {k: [int(e) for e in v] for k, v in state_dict.get("flags", {}).items()}
        self.vanishing_epochs = [int(e) for e in state_dict.get("vanishing_epochs", [])]

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: Any) -> None:
        st = pl_module.epoch_train_stats()
        if st.steps == 0 or not math.isfinite(st.grad_norm_total):
            return
        epoch = pl_module.epoch_number
        evidence: dict[str, Any] = {"epoch": epoch, "grad_norm_total": st.grad_norm_total,
                                    "grad_norms": dict(st.grad_norms),
                                    "clip_fraction": st.clip_fraction, "clip": pl_module.clip}
        if self.baseline is None:
            self.baseline = st.grad_norm_total
        reasons = []
        if self.baseline > 0 and st.grad_norm_total > self.growth * self.baseline:
            reasons.append(f"the mean gradient norm grew from {_fmt(self.baseline)} in the "
                           f"first epoch to {_fmt(st.grad_norm_total)}")
        if pl_module.clip > 0 and st.clip_fraction > self.clip_share:
            reasons.append(f"clipping at {_fmt(pl_module.clip)} was active on "
                           f"{st.clip_fraction:.0%} of the steps")
        if reasons:
            self._flag(pl_module, "exploding_gradients", epoch, evidence,
                       f"exploding gradients at epoch {epoch}: {' and '.join(reasons)}.",
                       "Lower the learning rate (--lr), keep gradient clipping on (--clip 1.0) "
                       "and check that the inputs and the target are scaled.")
        self._check_vanishing(pl_module, epoch, st.grad_norms, evidence)

    def _check_vanishing(self, pl_module: Any, epoch: int, norms: dict[str, float],
                         evidence: dict[str, Any]) -> None:
        groups = list(pl_module.grad_groups)
        recurrent = [g for g, r in zip(groups, pl_module.grad_group_recurrent) if r]
        if not recurrent:
            return
        first = recurrent[0]
        others = [g for g in groups if g not in recurrent]
        ref = recurrent[-1] if len(recurrent) > 1 else (others[-1] if others else None)
        v = norms.get(first, math.nan)
        if not math.isfinite(v):
            return
        why = None
        if v < self.vanish_abs:
            why = f"the earliest recurrent layer '{first}' has gradient norm {_fmt(v)}"
        elif ref is not None and ref != first:
            r = norms.get(ref, math.nan)
            if math.isfinite(r) and r > 0 and v < self.vanish_rel * r:
                why = (f"the earliest recurrent layer '{first}' has gradient norm {_fmt(v)}, "
                       f"{_fmt(v / r)} x that of '{ref}' ({_fmt(r)})")
        if why is None:
            return
        self.vanishing_epochs.append(epoch)
        if epoch - 1 not in self.vanishing_epochs:
            return  # not yet persistent (see the module docstring)
        self._flag(pl_module, "vanishing_gradients", epoch,
                   {**evidence, "layer": first, "reference": ref},
                   f"vanishing gradients at epoch {epoch}: {why}; that layer barely learns.",
                   "Use fewer layers (--layers) or a shorter --input-len, prefer LSTM/GRU over "
                   "a plain RNN, and check the inputs are scaled (saturated gates pass no "
                   "gradient).")

    def _flag(self, pl_module: Any, code: str, epoch: int, evidence: dict[str, Any],
              message: str, fix: str) -> None:
        epochs = self.flags.setdefault(code, [])
        epochs.append(epoch)
        pl_module.record_event(self.name, code, message)
        pl_module.add_finding("warning", code, message, {**evidence, "epochs": list(epochs)},
                              fix)
