"""The fused recurrent encoder (``nn.LSTM`` / ``nn.GRU``) and its initialisation.

:class:`RecurrentEncoder` runs torch's fused kernel (``batch_first=True``, no Python
loop over time) and returns the output sequence (when asked) and a summary: the final
state of the last layer (both directions' final states, concatenated, when
bidirectional). Variable-length batches (``lengths``) are packed with
``pack_padded_sequence(..., enforce_sorted=False)``, so right padding is never read.

:func:`init_recurrent_` is the initialisation against vanishing and exploding
gradients: Xavier-uniform input weights and orthogonal recurrent weights, per gate;
zero biases, except the LSTM forget gate's input bias, 1.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

__all__ = ["INITS", "RecurrentEncoder", "init_recurrent_"]

#: Initialisations of the recurrent weights: torch's own (uniform in ±1/sqrt(hidden)), or
#: :func:`init_recurrent_` (Xavier input, orthogonal recurrent weights, forget bias 1).
INITS = ("torch", "orthogonal")



def init_recurrent_(rnn: nn.LSTM | nn.GRU) -> None:
    """Xavier input weights, orthogonal recurrent weights (per gate), zero biases,
    LSTM forget-gate bias 1 (torch's gate order is i, f, g, o)."""
    hidden = rnn.hidden_size
    for name, p in rnn.named_parameters():
        if name.startswith("weight"):
            init = nn.init.xavier_uniform_ if "_ih_" in name else nn.init.orthogonal_
            for k in range(p.shape[0] // hidden):
                init(p.data[k * hidden:(k + 1) * hidden])
        elif name.startswith("bias"):
            nn.init.zeros_(p)
            if isinstance(rnn, nn.LSTM) and name.startswith("bias_ih"):
                p.data[hidden:2 * hidden] = 1.0


class RecurrentEncoder(nn.Module):
    """Fused ``nn.LSTM`` / ``nn.GRU`` encoder returning ``(sequence or None, summary)``."""

    out_dim: int

    def __init__(self, kind: str, n_features: int, hidden: int, layers: int, dropout: float,
                 bidirectional: bool, init: str = "orthogonal"):
        super().__init__()
        cls = nn.LSTM if kind == "lstm" else nn.GRU
        self.rnn = cls(n_features, hidden, layers, batch_first=True,
                       dropout=dropout if layers > 1 else 0.0, bidirectional=bidirectional)
        if init == "orthogonal":
            init_recurrent_(self.rnn)
        self.dirs = 2 if bidirectional else 1
        self.out_dim = hidden * self.dirs

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None,
                need_sequence: bool = False) -> tuple[torch.Tensor | None, torch.Tensor]:
        """Encode ``x`` (B, L, F); ``lengths`` (B,) packs right-padded sequences."""
        if lengths is None:
            out, hn = self.rnn(x)
        else:
            packed = pack_padded_sequence(x, lengths.detach().cpu().to(torch.int64),
                                          batch_first=True, enforce_sorted=False)
            out, hn = self.rnn(packed)
            if need_sequence:
                out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        if isinstance(hn, tuple):  # LSTM: (h_n, c_n)
            hn = hn[0]
        summary = hn[-1] if self.dirs == 1 else torch.cat([hn[-2], hn[-1]], dim=-1)
        return (out if need_sequence else None), summary
