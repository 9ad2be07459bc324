"""An ensemble of sequence models trained with different seeds: ``ensemble=K``.

:class:`EnsembleModel` holds ``K`` :class:`~seqguard.models.SequenceModel` members of
one architecture and is called exactly like one of them, so every prediction path
(scoring, ``predict``, ``predict(future=True)``, ``diagnose``) works unchanged:

* ``forecast`` / ``tag``: the mean of the members' outputs (scaled target units; the
  target scaler is affine, so this is also the mean in original units);
* ``classify``: the members' **probabilities** are averaged and returned as logits of
  that mean, ``log p̄`` for ``C`` classes (softmax of it is ``p̄``) and
  ``log p̄ − log(1 − p̄)`` for one binary logit (sigmoid of it is ``p̄``), computed
  with ``logsumexp`` so that a confident member never gives ``-inf``.

Member 0 is the model of ``seed``; its weights are ``model.safetensors`` of the run
directory, exactly as for ``K = 1``, and member ``k`` is ``model.k.safetensors``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

__all__ = ["EnsembleModel"]


class EnsembleModel(nn.Module):
    """The average of ``members`` (all of one config), called like a member."""

    def __init__(self, members: Sequence[Any]):
        super().__init__()
        if len(members) < 2:
            raise ValueError("an ensemble needs at least two members")
        self.members = nn.ModuleList(members)
        first = members[0]
        self.task = first.task
        self.activation = getattr(first, "activation", None)
        self.n_outputs = getattr(first, "n_outputs", None)
        self.n_features = first.n_features
        self.horizon = getattr(first, "horizon", None)

    @property
    def needs_y_in(self) -> bool:
        return bool(getattr(self.members[0], "needs_y_in", False))

    @property
    def config(self) -> dict[str, Any]:
        """The members' config (they share it)."""
        first: Any = self.members[0]
        return dict(first.config)

    def describe(self) -> str:
        first: Any = self.members[0]
        return f"ensemble of {len(self.members)}: {first.describe()}"

    def forward(self, x: torch.Tensor, last: torch.Tensor | None = None,
                lengths: torch.Tensor | None = None,
                y_in: torch.Tensor | None = None,
                static: torch.Tensor | None = None) -> torch.Tensor:
        kw = {} if static is None else {"static": static}
        outs = torch.stack([m(x, last=last, lengths=lengths, y_in=y_in, **kw)
                            for m in self.members])
        if self.task != "classify":
            return outs.mean(dim=0)
        log_k = math.log(len(self.members))
        if self.n_outputs == 1:  # one binary logit: the logit of the mean probability
            lp = torch.logsumexp(nn.functional.logsigmoid(outs), dim=0) - log_k
            lq = torch.logsumexp(nn.functional.logsigmoid(-outs), dim=0) - log_k
            return lp - lq
        return torch.logsumexp(torch.log_softmax(outs, dim=-1), dim=0) - log_k
