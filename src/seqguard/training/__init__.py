"""Guarded training on Lightning: the module, the guards, checkpoints and ``fit_model``.

>>> from seqguard.training import fit_model  # doctest: +SKIP
>>> result = fit_model(model, train_loader, val_loader, task="forecast")  # doctest: +SKIP
"""

from __future__ import annotations

from .budget import resolve_batch_size, steps_per_epoch, still_improving
from .checkpoint import EpochCheckpoint, load_latest_checkpoint, save_checkpoint
from .guards import (
                     BestState,
                     CollapseGuard,
                     DivergenceGuard,
                     GradientHealth,
                     InputGuard,
                     NonFiniteGuard,
                     default_guards,
)
from .interrupt import FitInterrupted
from .loop import FitResult, fit_model
from .losses import classification_loss, masked_loss
from .module import SeqguardModule

__all__ = [
                     "BestState",
                     "CollapseGuard",
                     "DivergenceGuard",
                     "EpochCheckpoint",
                     "FitInterrupted",
                     "FitResult",
                     "GradientHealth",
                     "InputGuard",
                     "NonFiniteGuard",
                     "SeqguardModule",
                     "classification_loss",
                     "default_guards",
                     "fit_model",
                     "load_latest_checkpoint",
                     "masked_loss",
                     "resolve_batch_size",
                     "save_checkpoint",
                     "steps_per_epoch",
                     "still_improving",
]
