"""Guarded training on Lightning: the module, the guards, checkpoints and ``fit_model``.

>>> from seqguard.training import fit_model  # doctest: +SKIP
>>> result = fit_model(model, train_loader, val_loader, task="forecast")  # doctest: +SKIP
"""

from __future__ import annotations

from .checkpoint import EpochCheckpoint, load_latest_checkpoint, save_checkpoint
from .guards import (BestState, CollapseGuard, GradientHealth, InputGuard, NonFiniteGuard,
                     default_guards)
from .losses import classification_loss, masked_loss
from .loop import FitResult, fit_model
from .module import SeqguardModule

__all__ = [
    "fit_model",
    "FitResult",
    "SeqguardModule",
    "masked_loss",
    "classification_loss",
    "InputGuard",
    "NonFiniteGuard",
    "GradientHealth",
    "BestState",
    "CollapseGuard",
    "default_guards",
    "EpochCheckpoint",
    "save_checkpoint",
    "load_latest_checkpoint",
]
