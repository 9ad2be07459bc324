"""Pooling over time for per-sequence classification: ``last``, ``mean``, ``max``,
``attention``.

A classifier reads a whole sequence and gives one answer; the encoder's output at
each step ``(B, L, D)`` has to become one vector ``(B, D)`` first:

``last``
    The last valid state (the encoder's summary; for a bidirectional encoder the
    final forward state and the backward state after reading back to step 0).
``mean``
    The mean of the outputs over the valid steps of each sequence.
``max``
    The largest output of each unit over the valid steps (the extremes of a stay).
``attention``
    A learned weighted mean: a score ``v·tanh(W·h_t)`` per step, a softmax over the
    valid steps only, the weighted sum of the outputs (Bahdanau-style attention
    pooling, one query).

Padding is never read: the valid steps are the first ``lengths[b]`` of each row
(sequences are right-padded; the packed encoders leave zeros or anything at the
padded steps, and both are masked out here). Without ``lengths`` every step is
valid.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["POOLS", "Pool", "valid_steps"]

#: Pooling choices of :class:`Pool` (``"auto"`` is resolved by the estimator).
POOLS = ("last", "mean", "max", "attention")


def valid_steps(lengths: torch.Tensor | None, n_steps: int, device: torch.device
                ) -> torch.Tensor | None:
    """Boolean ``(B, L)``: true at the first ``lengths[b]`` steps of row ``b``."""
    if lengths is None:
        return None
    steps = torch.arange(n_steps, device=device)
    return steps[None, :] < lengths.to(device)[:, None]


class Pool(nn.Module):
    """Turn an output sequence ``(B, L, D)`` into one vector ``(B, D)`` per sequence.

    Parameters
    ----------
    kind : {"last", "mean", "max", "attention"}
    dim : int
        ``D``, the width of the encoder's outputs (the attention score's width too).

    Examples
    --------
    >>> p = Pool("mean", 2)
    >>> seq = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [9.0, 9.0]]])
    >>> p(seq, torch.zeros(1, 2), torch.tensor([2]))
    tensor([[2., 3.]])
    """

    def __init__(self, kind: str, dim: int) -> None:
        super().__init__()
        self.kind = kind
        if kind == "attention":
            self.proj = nn.Linear(dim, dim)
            self.score = nn.Linear(dim, 1, bias=False)
            nn.init.zeros_(self.score.weight)  # starts as the mean over valid steps

    def forward(self, seq: torch.Tensor | None, summary: torch.Tensor,
                lengths: torch.Tensor | None = None) -> torch.Tensor:
        if self.kind == "last":
            return summary
        assert seq is not None
        valid = valid_steps(lengths, seq.shape[1], seq.device)
        if self.kind == "mean":
            if valid is None:
                return seq.mean(dim=1)
            w = valid.to(seq.dtype).unsqueeze(-1)
            seq = torch.where(valid.unsqueeze(-1), seq, torch.zeros((), dtype=seq.dtype,
                                                                   device=seq.device))
            return (seq * w).sum(dim=1) / w.sum(dim=1).clamp(min=1.0)
        if self.kind == "max":
            if valid is None:
                return seq.amax(dim=1)
            low = torch.finfo(seq.dtype).min
            return torch.where(valid.unsqueeze(-1), seq,
                               torch.full((), low, dtype=seq.dtype, device=seq.device)
                               ).amax(dim=1)
        scores = self.score(torch.tanh(self.proj(seq))).squeeze(-1)  # (B, L)
        if valid is not None:
            scores = scores.masked_fill(~valid, float("-inf"))
            seq = torch.where(valid.unsqueeze(-1), seq, torch.zeros((), dtype=seq.dtype,
                                                                   device=seq.device))
        alpha = torch.softmax(scores, dim=1).unsqueeze(-1)
        return (alpha * seq).sum(dim=1)
