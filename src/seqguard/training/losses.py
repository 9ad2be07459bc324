"""Masked losses: a missing target never enters the loss.

Regression losses (``"l1"``, ``"mse"``, ``"huber"``) are averaged over the
*observed* targets of a batch only. A target is observed where ``mask`` is true
(or, without a mask, where it is finite); NaN targets are replaced by zeros before
the element-wise loss is taken, so a NaN never reaches the graph, and a batch with
no observed target gives a loss of exactly 0 with zero gradients (never 0/0).

Classification uses ``BCEWithLogits`` for one logit per window (binary) and
``CrossEntropy`` for ``C >= 2`` logits (class codes ``0 .. C-1``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..errors import InputError, did_you_mean

__all__ = ["REGRESSION_LOSSES", "check_loss_name", "classification_loss", "masked_loss"]

REGRESSION_LOSSES = ("l1", "mse", "huber")


def check_loss_name(loss: str) -> str:
    """Return ``loss`` lower-cased, or raise :class:`InputError` naming the choices."""
    name = str(loss).lower()
    if name not in REGRESSION_LOSSES:
        raise InputError(
            f"The 'loss' option must be one of {', '.join(REGRESSION_LOSSES)}; got {loss!r} "
            f"instead.{did_you_mean(str(loss), REGRESSION_LOSSES)}")
    return name


def masked_loss(pred: torch.Tensor, y: torch.Tensor, mask: torch.Tensor | None = None,
                kind: str = "l1", huber_delta: float = 1.0
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean element-wise loss over observed targets, and how many there were.

    Parameters
    ----------
    pred : torch.Tensor
        Predictions, same shape as ``y`` (a trailing dimension of size 1 is dropped).
    y : torch.Tensor
        Targets; NaN where missing.
    mask : torch.Tensor, optional
        Boolean, true where the target is observed. ``None``: ``isfinite(y)``. A
        position is used only where the mask is true *and* ``y`` is finite.
    kind : {"l1", "mse", "huber"}
        The element-wise loss.
    huber_delta : float
        Where the Huber loss turns from quadratic to linear (scaled target units).

    Returns
    -------
    loss : torch.Tensor
        0-d float32: ``sum(loss * mask) / max(n, 1)``; exactly 0 when ``n == 0``.
    n : torch.Tensor
        0-d float32: the number of observed targets.

    Examples
    --------
    >>> y = torch.tensor([[1.0, float("nan")], [3.0, 4.0]])
    >>> loss, n = masked_loss(torch.zeros(2, 2), y)
    >>> round(float(loss), 4), int(n)
    (2.6667, 3)
    """
    if pred.dim() == y.dim() + 1 and pred.shape[-1] == 1:
        pred = pred.squeeze(-1)
    if pred.shape != y.shape:
        raise InputError(f"the model returned predictions of shape {tuple(pred.shape)} "
                         f"but the targets have shape {tuple(y.shape)}; check the model's "
                         "horizon / task against the windows.")
    observed = torch.isfinite(y)
    if mask is not None:
        observed = observed & mask.to(torch.bool)
    pred = pred.float()
    target = torch.where(observed, y.float(), pred.detach())
    if kind == "l1":
        elem = (pred - target).abs()
    elif kind == "mse":
        elem = (pred - target).square()
    elif kind == "huber":
        elem = F.huber_loss(pred, target, reduction="none", delta=huber_delta)
    else:
        raise InputError(f"The 'loss' option must be one of {', '.join(REGRESSION_LOSSES)}; "
                         f"got {kind!r} instead.{did_you_mean(kind, REGRESSION_LOSSES)}")
    w = observed.to(elem.dtype)
    n = w.sum()
    # a masked position holds pred - pred.detach() == 0 (finite, zero gradient), so the
    # product below never sees a NaN target; clamp keeps 0 / 0 out.
    loss = (elem * w).sum() / n.clamp(min=1.0)
    return loss, n


def classification_loss(logits: torch.Tensor, y: torch.Tensor,
                        class_weights: torch.Tensor | None = None
                        ) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean classification loss over the batch, and the batch size.

    ``logits`` of shape ``(B,)`` or ``(B, 1)``: binary, ``BCEWithLogits`` against
    ``y`` in {0, 1}. Shape ``(B, C)`` with ``C >= 2``: ``CrossEntropy`` against class
    codes.

    ``class_weights`` (``(C,)``, ``C = 2`` for binary) weights each sequence's loss by
    the weight of its class: ``sum(w[y_i] * loss_i) / B`` (with ``"balanced"`` weights
    ``n / (C * n_c)`` the weights average 1 over the training data, so the loss keeps
    its scale). ``None``: every sequence counts 1.

    Examples
    --------
    >>> z, y = torch.tensor([0.0, 0.0]), torch.tensor([0.0, 1.0])
    >>> round(float(classification_loss(z, y, torch.tensor([1.0, 3.0]))[0]), 4)
    1.3863
    """
    n = torch.tensor(float(y.shape[0]), device=logits.device)
    binary = logits.dim() == 1 or (logits.dim() == 2 and logits.shape[1] == 1)
    if class_weights is None:
        if binary:
            return F.binary_cross_entropy_with_logits(logits.reshape(-1).float(),
                                                      y.reshape(-1).float()), n
        return F.cross_entropy(logits.float(), y.reshape(-1).long()), n
    codes = y.reshape(-1).long()
    if binary:
        elem = F.binary_cross_entropy_with_logits(logits.reshape(-1).float(),
                                                  y.reshape(-1).float(), reduction="none")
    else:
        elem = F.cross_entropy(logits.float(), codes, reduction="none")
    w = class_weights.to(device=elem.device, dtype=elem.dtype)[codes]
    return (elem * w).sum() / n.clamp(min=1.0), n
