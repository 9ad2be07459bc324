"""DivergenceGuard: a validation loss far above its best rolls training back.

:class:`NonFiniteGuard` catches a loss that becomes NaN; a learning rate that is
far too high more often gives finite but huge losses: every number stays finite
while the model runs away from where it started. This guard watches the
validation loss at the end of every epoch. Its reference is the best validation
loss so far, the untrained model's ("epoch 0") included. When an epoch ends with

    val_loss > factor * best        (non-finite counts as above)

the guard

1. puts back the weights **and** the optimiser state of the best epoch (so Adam's
   moment estimates from the runaway steps are gone too);
2. divides the learning rate by ``lr_drop``;
3. records a ``validation_diverged`` event and a warning finding.

After ``max_rollbacks`` rollbacks the next divergence stops training through
``trainer.should_stop`` (event ``gave_up``); the run then ends with the best
weights (:class:`~seqguard.training.BestState` restores them), which with the
residual forecast head are never worse on validation than its baseline. This is
not a failure: the model that comes out is the best one seen.

Without validation data the guard does nothing.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import lightning as L
import torch

__all__ = ["DivergenceGuard"]


def _fmt(x: float) -> str:
    return f"{x:.4g}"


class DivergenceGuard(L.Callback):
    """Roll back to the best state and lower the LR when the validation loss runs away.

    Parameters
    ----------
    factor : float
        The validation loss diverges when it exceeds ``factor`` times the best one so
        far (the start included).
    lr_drop : float
        The learning rate is divided by this at every rollback.
    max_rollbacks : int
        Rollbacks allowed over the run; one more divergence stops training.
    """

    name = "DivergenceGuard"

    def __init__(self, factor: float = 1.5, lr_drop: float = 10.0,
                 max_rollbacks: int = 3) -> None:
        self.factor = float(factor)
        self.lr_drop = float(lr_drop)
        self.max_rollbacks = int(max_rollbacks)
        self.rollbacks = 0
        self.best = math.inf
        self.best_epoch: int | None = None
        self.start: float = math.nan
        self._snapshot: dict[str, Any] | None = None

    # ---------------------------------------------------------------- state
    def state_dict(self) -> dict[str, Any]:
        return {"rollbacks": self.rollbacks, "best": self.best, "best_epoch": self.best_epoch,
                "start": self.start, "snapshot": self._snapshot}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.rollbacks = int(state_dict["rollbacks"])
        self.best = float(state_dict["best"])
        self.best_epoch = state_dict.get("best_epoch")
        self.start = float(state_dict.get("start", math.nan))
        self._snapshot = state_dict.get("snapshot")

    # ---------------------------------------------------------------- snapshots
    def _take(self, trainer: L.Trainer, pl_module: Any, value: float, epoch: int) -> None:
        weights = {k: v.detach().clone() for k, v in pl_module.model.state_dict().items()}
        if not all(bool(torch.isfinite(v).all()) for v in weights.values()
                   if v.is_floating_point()):
            return
        self.best, self.best_epoch = float(value), int(epoch)
        self._snapshot = {"weights": weights,
                          "optimizer": copy.deepcopy(trainer.optimizers[0].state_dict())}

    def on_train_start(self, trainer: L.Trainer, pl_module: Any) -> None:
        if not pl_module.monitor.startswith("val_") or pl_module.epoch_offset > 0 \
                or self.best_epoch is not None:
            return
        self.start = pl_module.start_val_loss()
        if math.isfinite(self.start):
            self._take(trainer, pl_module, self.start, 0)

    # ---------------------------------------------------------------- the check
    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: Any) -> None:
        if not pl_module.monitor.startswith("val_") or pl_module.stop_reason is not None:
            return
        value = pl_module.epoch_value("val_loss")
        epoch = pl_module.epoch_number
        if math.isfinite(value) and value < self.best:
            self._take(trainer, pl_module, value, epoch)
            return
        if self._snapshot is None or (math.isfinite(value)
                                      and value <= self.factor * self.best):
            return
        ref = "its start (epoch 0)" if self.best_epoch == 0 else \
            f"its best (epoch {self.best_epoch})"
        what = (f"the validation loss was {_fmt(value)} at the end of epoch {epoch}, "
                f"{value / self.best:.3g} times {ref} ({_fmt(self.best)})"
                if math.isfinite(value) and self.best > 0 else
                f"the validation loss was {value} at the end of epoch {epoch} against "
                f"{_fmt(self.best)} at {ref}")
        optimizer = trainer.optimizers[0]
        lr_old = float(optimizer.param_groups[0]["lr"])
        if self.rollbacks >= self.max_rollbacks:
            trainer.should_stop = True
            pl_module.stop_reason = "diverged"
            message = (f"{what}, after {self.rollbacks} rollback(s) (learning rate "
                       f"{_fmt(lr_old)}); stopped training, the model keeps the weights of "
                       f"{ref}.")
            pl_module.record_event(self.name, "gave_up", message)
            self._finding(pl_module, message, value, epoch, lr_old)
            return
        old_lrs = [float(g["lr"]) for g in optimizer.param_groups]
        with torch.no_grad():
            pl_module.model.load_state_dict(self._snapshot["weights"])
        optimizer.load_state_dict(copy.deepcopy(self._snapshot["optimizer"]))
        for group, old in zip(optimizer.param_groups, old_lrs):
            group["lr"] = old / self.lr_drop
        self.rollbacks += 1
        message = (f"{what}: the training diverged; rolled back to the weights and optimiser "
                   f"state of {ref} and lowered the learning rate from {_fmt(lr_old)} to "
                   f"{_fmt(lr_old / self.lr_drop)} (rollback {self.rollbacks} of "
                   f"{self.max_rollbacks}).")
        pl_module.record_event(self.name, "validation_diverged", message)
        self._finding(pl_module, message, value, epoch, lr_old)

    def _finding(self, pl_module: Any, message: str, value: float, epoch: int,
                 lr: float) -> None:
        pl_module.add_finding(
            "warning", "validation_diverged", message,
            evidence={"epoch": epoch, "val_loss": value, "best_val_loss": self.best,
                      "best_epoch": self.best_epoch, "start_val_loss": self.start,
                      "factor": self.factor, "lr": lr, "rollbacks": self.rollbacks,
                      "max_rollbacks": self.max_rollbacks},
            fix=(f"Lower --lr (it was {_fmt(lr)} when the loss ran away); keep --clip on "
                 "and the inputs scaled."))
