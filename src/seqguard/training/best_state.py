"""BestState: keep the best epoch's weights in memory and put them back at the end.

The untrained model is a candidate too ("epoch 0"): when the validation loss is
monitored, it is computed once before the first step, and the starting weights are
kept as the best so far. A run whose every epoch is worse than its start therefore
ends with the starting weights (with the residual forecast head: its baseline), and
``best_epoch`` is 0. At the end of every epoch the monitored loss (``val_loss``, or ``train_loss``
without validation) is compared with the best so far; a strictly lower, finite
value with finite weights replaces the kept copy. At the end of training the kept
weights are loaded into the model, so the model that comes out of
:func:`~seqguard.training.fit_model` is the best epoch's, not the last one's.
Guards that inspect the final model (``CollapseGuard``) come after this callback.
"""

from __future__ import annotations

import math
from typing import Any

import lightning as L
import torch

__all__ = ["BestState"]


class BestState(L.Callback):
    """Keep the weights of the epoch with the lowest monitored loss.

    Parameters
    ----------
    monitor : {"val_loss", "val_auc_loss", "train_loss"}
        ``val_auc_loss`` is 1 − the validation ROC-AUC (classification).
    """

    name = "BestState"

    def __init__(self, monitor: str = "val_loss") -> None:
        self.monitor = monitor
        self.best_epoch: int | None = None
        self.best_score = math.inf
        self.weights: dict[str, torch.Tensor] | None = None

    @property
    def state_key(self) -> str:
        return self._generate_state_key(monitor=self.monitor)

    def state_dict(self) -> dict[str, Any]:
        return {"best_epoch": self.best_epoch, "best_score": self.best_score,
                "weights": self.weights}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.best_epoch = state_dict["best_epoch"]
        self.best_score = float(state_dict["best_score"])
        self.weights = state_dict["weights"]

    def on_train_start(self, trainer: L.Trainer, pl_module: Any) -> None:
        if not self.monitor.startswith("val_") or self.best_epoch is not None \
                or pl_module.epoch_offset > 0:
            return  # no validation, or resumed: epoch 0 was seen by the first run
        self._keep(pl_module, pl_module.start_value(self.monitor), 0)

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: Any) -> None:
        self._keep(pl_module, pl_module.epoch_value(self.monitor), pl_module.epoch_number)

    def _keep(self, pl_module: Any, value: float, epoch: int) -> None:
        if not (math.isfinite(value) and value < self.best_score):
            return
        weights = {k: v.detach().clone() for k, v in pl_module.model.state_dict().items()}
        if not all(bool(torch.isfinite(v).all()) for v in weights.values()
                   if v.is_floating_point()):
            return
        self.best_score = float(value)
        self.best_epoch = epoch
        self.weights = weights

    def on_train_end(self, trainer: L.Trainer, pl_module: Any) -> None:
        self.restore(pl_module.model)

    def restore(self, model: torch.nn.Module) -> bool:
        """Load the kept weights into ``model``; ``False`` when there are none."""
        if self.weights is None:
            return False
        with torch.no_grad():
            model.load_state_dict(self.weights)
        return True
