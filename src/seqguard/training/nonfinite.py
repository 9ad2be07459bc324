"""NonFiniteGuard: a NaN or inf loss or gradient never updates the weights.

The guard looks at every step after the backward pass and before the optimiser
step (``on_before_optimizer_step``; gradients are already unscaled under
``16-mixed``). On a non-finite loss or gradient it

1. drops the gradients, so the optimiser leaves the weights and its state alone;
2. rolls back to the last good snapshot of the weights **and** the optimiser state
   (taken at the start of every epoch and every ``snapshot_every`` good steps);
3. lowers the learning rate by ``lr_drop`` and carries on.

After ``max_rollbacks`` rollbacks the next non-finite step stops training through
``trainer.should_stop`` with an error finding; :func:`~seqguard.training.fit_model`
then raises :class:`~seqguard.errors.TrainingFailed`.

Under ``16-mixed`` an overflowing *gradient* with a finite loss is the
``GradScaler``'s business (it skips that step and lowers its scale); the guard
only counts it. Everything else counts as a failure, whatever the precision.
"""

from __future__ import annotations

import copy
from typing import Any

import lightning as L
import torch

__all__ = ["NonFiniteGuard"]

_MIXED = ("16-mixed", "bf16-mixed", "16", "bf16", "16-true", "bf16-true")


def _fmt(x: float) -> str:
    return f"{x:.3g}"


class NonFiniteGuard(L.Callback):
    """Skip non-finite steps, roll back, lower the learning rate; give up after a limit.

    Parameters
    ----------
    max_rollbacks : int
        Rollbacks allowed over the whole run; one more non-finite step stops training.
    lr_drop : float
        The learning rate is divided by this at every rollback.
    snapshot_every : int
        Also snapshot after this many good steps within an epoch (0: epoch starts only).
    """

    name = "NonFiniteGuard"

    def __init__(self, max_rollbacks: int = 5, lr_drop: float = 10.0,
                 snapshot_every: int = 100) -> None:
        self.max_rollbacks = int(max_rollbacks)
        self.lr_drop = float(lr_drop)
        self.snapshot_every = int(snapshot_every)
        self.rollbacks = 0
        self.failed = False
        self.amp_skips = 0
        self.lr_history: list[float] = []
        self._snapshot: dict[str, Any] | None = None
        self._good = 0

    # ---------------------------------------------------------------- state
    def state_dict(self) -> dict[str, Any]:
        return {"rollbacks": self.rollbacks, "failed": self.failed, "amp_skips": self.amp_skips,
                "lr_history": list(self.lr_history)}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.rollbacks = int(state_dict["rollbacks"])
        self.failed = bool(state_dict["failed"])
        self.amp_skips = int(state_dict.get("amp_skips", 0))
        self.lr_history = [float(v) for v in state_dict.get("lr_history", [])]

    # ---------------------------------------------------------------- snapshots
    def _take_snapshot(self, trainer: L.Trainer, pl_module: Any) -> None:
        weights = {k: v.detach().clone() for k, v in pl_module.model.state_dict().items()}
        if not all(bool(torch.isfinite(v).all()) for v in weights.values()
                   if v.is_floating_point()):
            return  # never keep non-finite weights as "good"
        self._snapshot = {"weights": weights,
                          "optimizer": copy.deepcopy(trainer.optimizers[0].state_dict()),
                          "epoch": pl_module.epoch_number, "step": pl_module.step_count}
        self._good = 0

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: Any) -> None:
        self._take_snapshot(trainer, pl_module)

    # ---------------------------------------------------------------- the check
    def on_before_optimizer_step(self, trainer: L.Trainer, pl_module: Any,
                                 optimizer: torch.optim.Optimizer) -> None:
        st = pl_module.step_stats()
        if st.finite:
            self._good += 1
            if self.snapshot_every and self._good >= self.snapshot_every:
                self._take_snapshot(trainer, pl_module)
            return
        loss_ok = st.loss == st.loss and abs(st.loss) != float("inf")
        scaler = getattr(trainer.precision_plugin, "scaler", None)
        if loss_ok and scaler is not None:
            self.amp_skips += 1
            pl_module.skip_step("amp_overflow")
            return
        pl_module.skip_step("non_finite")
        what = "loss" if not loss_ok else "gradient norm"
        value = st.loss if not loss_ok else st.total_norm
        reason = "non_finite_loss" if not loss_ok else "non_finite_gradient"
        where = f"epoch {pl_module.epoch_number}, step {pl_module.step_count}"
        if self.rollbacks >= self.max_rollbacks or self._snapshot is None:
            self._give_up(trainer, pl_module, what, value, where)
            return
        old_lrs = [float(group["lr"]) for group in optimizer.param_groups]
        lr_old = old_lrs[0]
        snap = self._snapshot
        with torch.no_grad():
            pl_module.model.load_state_dict(snap["weights"])
        optimizer.load_state_dict(copy.deepcopy(snap["optimizer"]))
        for group, old in zip(optimizer.param_groups, old_lrs):
            group["lr"] = old / self.lr_drop
        self.rollbacks += 1
        self.lr_history.append(lr_old / self.lr_drop)
        self._good = 0
        pl_module.record_event(
            self.name, reason,
            f"the {what} was {value} at {where}; skipped the step, rolled back to the "
            f"weights and optimiser state as they were after step {snap['step']} (epoch "
            f"{snap['epoch']}), and "
            f"lowered the learning rate from {_fmt(lr_old)} to {_fmt(lr_old / self.lr_drop)} "
            f"(rollback {self.rollbacks} of {self.max_rollbacks}).")

    def _give_up(self, trainer: L.Trainer, pl_module: Any, what: str, value: float,
                 where: str) -> None:
        self.failed = True
        pl_module.stop_reason = "non_finite"
        trainer.should_stop = True
        lr_now = pl_module.current_lr
        precision = str(trainer.precision)
        causes = []
        if precision in _MIXED:
            causes.append(f"the reduced precision ({precision}) overflows: train with "
                          "--precision 32 to check")
        if self.rollbacks:
            causes.append(f"the {what} stayed non-finite even at learning rate {_fmt(lr_now)}, "
                          "so the step size is probably not the cause: look for NaN/inf "
                          "produced inside the model (a custom layer, log or division of "
                          "zero) or extreme input values (unscaled features)")
        else:
            causes.append("a learning rate far too high, or NaN/inf produced inside the model")
        message = (f"training failed: the {what} was {value} at {where} after "
                   f"{self.rollbacks} rollback(s) (learning rate lowered to {_fmt(lr_now)}). "
                   f"Likely cause: {'; '.join(causes)}.")
        pl_module.record_event(self.name, "gave_up", message)
        pl_module.add_finding(
            "error", "non_finite_training", message,
            evidence={"rollbacks": self.rollbacks, "max_rollbacks": self.max_rollbacks,
                      "lr_final": lr_now, "lr_history": list(self.lr_history),
                      "precision": precision, "what": what, "where": where,
                      "events": [e for e in pl_module.events if e["guard"] == self.name]},
            fix=("Check the inputs are scaled (--scaler standard) and finite, lower --lr, keep "
                 "--clip on" + (", and try --precision 32" if precision in _MIXED else "")
                 + "; `seqguard diagnose RUN_DIR DATA` shows where the NaN starts."))
