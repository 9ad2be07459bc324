"""The numbers the training module keeps per step and per epoch, and its helpers.

The optimiser factory (:func:`build_optimizer`), the layer groups of the gradient
norms (:func:`grad_group_names`), one step's and one epoch's statistics
(:class:`StepStats`, :class:`EpochStats`, the accumulator ``_Sums``), the validation
ROC-AUC as a loss (:func:`auc_loss`) and the loader-epoch hook. Split from
:mod:`seqguard.training.module`, which holds the LightningModule itself.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..errors import InputError, did_you_mean

OPTIMIZERS = ("adamw", "adam", "rmsprop", "sgd")

_RECURRENT = re.compile(r"^(?:weight|bias)_(?:ih|hh|hr)_l(\d+)(?:_reverse)?$")


def _choice(option: str, value: Any, choices: tuple[str, ...]) -> str:
    name = str(value).lower()
    if name not in choices:
        raise InputError(f"The '{option}' option must be one of {', '.join(choices)}; got "
                         f"{value!r} instead.{did_you_mean(str(value), choices)}")
    return name


def build_optimizer(name: str, params: Any, lr: float, weight_decay: float
                    ) -> torch.optim.Optimizer:
    """Build one of :data:`OPTIMIZERS` (``"sgd"`` with momentum 0.9)."""
    name = _choice("optimizer", name, OPTIMIZERS)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, weight_decay=weight_decay)
    return torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=weight_decay)


def grad_group_names(model: nn.Module) -> tuple[list[str], list[int], list[bool]]:
    """Name the gradient group of every trainable parameter.

    A recurrent weight (``weight_ih_l1``, ``bias_hh_l0_reverse``, ...) belongs to
    ``"<module path>.l<k>"`` (both directions of a layer together); any other
    parameter belongs to its top-level module (``"head"``, ``"embed"``).

    Returns
    -------
    groups : list of str
        Group names in order of first appearance.
    index : list of int
        For every trainable parameter (``model.parameters()`` order), its group.
    recurrent : list of bool
        For every group, whether it is a recurrent layer.
    """
    groups: list[str] = []
    recurrent: list[bool] = []
    index: list[int] = []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        parts = name.split(".")
        m = _RECURRENT.match(parts[-1])
        if m:
            group = ".".join(parts[:-1] + [f"l{m.group(1)}"])
        else:
            group = parts[0] if len(parts) > 1 else "params"
        if group not in groups:
            groups.append(group)
            recurrent.append(bool(m))
        index.append(groups.index(group))
    return groups, index, recurrent


@dataclass
class StepStats:
    """What one training step looked like (host floats plus device tensors)."""

    loss: float
    n_targets: float
    total_norm: float
    total_norm_t: torch.Tensor
    group_norms_t: torch.Tensor

    @property
    def finite(self) -> bool:
        return math.isfinite(self.loss) and math.isfinite(self.total_norm)


@dataclass
class EpochStats:
    """One epoch's training numbers, over the steps that updated the weights."""

    train_loss: float
    steps: int
    skipped: int
    clip_fraction: float
    grad_norm_total: float
    grad_norms: dict[str, float]


class _Sums:
    """Per-step and per-epoch numbers, in a plain object (cheap attribute writes)."""

    __slots__ = (
        "epoch_stats",
        "loss_t",
        "n_clipped",
        "n_skipped",
        "n_steps",
        "n_t",
        "skip",
        "stats",
        "sum_group",
        "sum_loss",
        "sum_n",
        "sum_total_norm",
        "val",
        "val_scores",
        "val_shift",
    )

    def __init__(self, n_groups: int, device: torch.device) -> None:
        self.loss_t: torch.Tensor | None = None
        self.n_t: torch.Tensor | None = None
        self.stats: StepStats | None = None
        self.skip: str | None = None
        self.epoch_stats: EpochStats | None = None
        self.sum_loss = 0.0
        self.sum_n = 0.0
        self.n_steps = 0
        self.n_skipped = 0
        self.n_clipped = 0
        self.sum_total_norm = 0.0
        self.sum_group = torch.zeros(n_groups, dtype=torch.float32, device=device)
        self.reset_val(device)

    def reset_val(self, device: torch.device) -> None:
        self.val = [torch.zeros((), dtype=torch.float64, device=device) for _ in range(7)]
        self.val_shift: tuple[torch.Tensor, torch.Tensor] | None = None
        self.val_scores: list[tuple[torch.Tensor, torch.Tensor]] = []


def auc_loss(scores: list[tuple[torch.Tensor, torch.Tensor]]) -> float:
    """1 − ROC-AUC of (logits, labels) batches: binary on the one logit, one-vs-rest
    macro over the softmax for more classes; NaN when a class is absent."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    if not scores:
        return math.nan
    z = torch.cat([s[0].reshape(s[0].shape[0], -1) for s in scores]).double().numpy()
    y = torch.cat([s[1].reshape(-1) for s in scores]).long().numpy()
    if len(np.unique(y)) < 2 or not np.isfinite(z).all():
        return math.nan
    try:
        if z.shape[1] == 1:
            return 1.0 - float(roc_auc_score(y, z[:, 0]))
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        if len(np.unique(y)) < z.shape[1]:
            return math.nan
        return 1.0 - float(roc_auc_score(y, p, multi_class="ovr", average="macro"))
    except ValueError:
        return math.nan


def _shard_target(loader: Any) -> Any:
    """What shards ``loader`` across processes: the loader itself or its sampler
    (a seqguard :class:`~seqguard.windows.WindowLoader`, its ``torch_loader()``, or
    anything with ``set_shard(rank, world_size)``); ``None`` when nothing does."""
    if loader is None:
        return None
    if hasattr(loader, "set_shard"):
        return loader
    sampler = getattr(loader, "sampler", None)
    return sampler if hasattr(sampler, "set_shard") else None


def _set_loader_epoch(loader: Any, epoch: int) -> None:
    """Tell a loader (or its sampler) which epoch's shuffle order to use."""
    if loader is None:
        return
    if isinstance(loader, (list, tuple)):
        for item in loader:
            _set_loader_epoch(item, epoch)
        return
    if isinstance(loader, dict):
        for item in loader.values():
            _set_loader_epoch(item, epoch)
        return
    if hasattr(loader, "set_epoch"):
        loader.set_epoch(epoch)
        return
    for sampler in (getattr(loader, "sampler", None),
                    getattr(getattr(loader, "batch_sampler", None), "sampler", None)):
        if sampler is not None and hasattr(sampler, "set_epoch"):
            sampler.set_epoch(epoch)
