"""Output heads, the optional output activation, and the check that it fits the target.

A head turns the encoder's summary (forecast, classify) or its output sequence (tag)
into predictions:

``ResidualHead`` (forecast default)
    ``pred = base + Linear(h)``, ``base`` a baseline forecast: the last observed
    target value repeated over the horizon (persistence), or the one chosen by
    ``--head residual:auto|persistence|seasonal|climatology``
    (:mod:`seqguard.residual_base`), whose other baselines are then inputs of the
    output layer too. The output layer's weight and bias start at **zero**, so an
    untrained model predicts exactly its baseline and training can only move it away
    from the baseline where that helps.
``DirectHead`` (forecast ``head="direct"``, tag, classify)
    ``pred = Linear(h)`` with the usual initialisation.

Both may put ``head_layers`` dense layers (``Linear → ReLU → Dropout``, width
``hidden``) between the encoder and the output layer. The dense layers apply to the
last dimension, so the same head works on a summary ``(B, D)`` and on a sequence
``(B, L, D)``.

An output ``activation`` (``"relu"``, ``"sigmoid"``, ``"tanh"``) bounds regression
outputs. It is off by default: predictions are in *scaled* target units, and a
bounded output is only right when the scaled target lies in the activation's
range. :func:`check_activation` says when it does not; :func:`warn_activation`
turns that into an :class:`ActivationWarning`.
"""

from __future__ import annotations

import math
import warnings

import torch
from torch import nn

from ..errors import SeqguardWarning

__all__ = [
    "ACTIVATIONS",
    "ActivationWarning",
    "DirectHead",
    "ModelWarning",
    "ResidualHead",
    "apply_activation",
    "check_activation",
    "warn_activation",
]

#: Output activations for regression, with the closed range each can output.
ACTIVATIONS: dict[str, tuple[float, float]] = {
    "relu": (0.0, math.inf),
    "sigmoid": (0.0, 1.0),
    "tanh": (-1.0, 1.0),
}


class ModelWarning(SeqguardWarning):
    """A model option has no effect, or may not do what was asked."""


class ActivationWarning(ModelWarning):
    """The output activation cannot reach every value the target takes."""


def apply_activation(out: torch.Tensor, activation: str | None) -> torch.Tensor:
    """Apply an output activation by name (``None``: identity)."""
    if activation is None:
        return out
    if activation == "relu":
        return torch.relu(out)
    if activation == "sigmoid":
        return torch.sigmoid(out)
    return torch.tanh(out)


def check_activation(activation: str | None, y_min: float, y_max: float) -> str | None:
    """Say whether an output activation can reach the target's range.

    Parameters
    ----------
    activation : {"relu", "sigmoid", "tanh"} or None
        The model's output activation.
    y_min, y_max : float
        Smallest and largest target value **in the units the model predicts** (the
        scaled target units). Non-finite bounds are ignored.

    Returns
    -------
    str or None
        A message naming the activation, its range, the target's range and the fix,
        or ``None`` when the activation fits (or there is none).

    Examples
    --------
    >>> check_activation("sigmoid", 0.1, 0.9) is None
    True
    >>> check_activation("relu", -1.5, 2.0)[:38]
    "activation='relu' can only output >= 0"
    """
    if activation is None or activation not in ACTIVATIONS:
        return None
    low, high = ACTIVATIONS[activation]
    below = math.isfinite(y_min) and y_min < low
    above = math.isfinite(y_max) and y_max > high
    if not (below or above):
        return None
    reach = f">= {low:g}" if math.isinf(high) else f"values in [{low:g}, {high:g}]"
    return (
        f"activation={activation!r} can only output {reach}, but the target (in scaled "
        f"units) ranges from {y_min:.4g} to {y_max:.4g}; predictions outside that range "
        "are impossible. Use activation=None (the default), or a target scaler that "
        f"maps the target into the activation's range."
    )


def warn_activation(
    activation: str | None, y_min: float, y_max: float, stacklevel: int = 2
) -> str | None:
    """Warn with :class:`ActivationWarning` when :func:`check_activation` finds a problem.

    Returns the message (or ``None``), so the caller can also record it.
    """
    message = check_activation(activation, y_min, y_max)
    if message is not None:
        warnings.warn(message, ActivationWarning, stacklevel=stacklevel + 1)
    return message


def _dense(in_dim: int, width: int, n_layers: int, dropout: float) -> tuple[nn.Module, int]:
    """``n_layers`` × (Linear → ReLU → Dropout); returns the stack and its output width."""
    layers: list[nn.Module] = []
    dim = in_dim
    for _ in range(n_layers):
        linear = nn.Linear(dim, width)
        nn.init.kaiming_uniform_(linear.weight, nonlinearity="relu")
        nn.init.zeros_(linear.bias)
        layers += [linear, nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        dim = width
    return (nn.Sequential(*layers) if layers else nn.Identity()), dim


class DirectHead(nn.Module):
    """``Linear`` output (after optional dense layers) on the last dimension.

    Parameters
    ----------
    in_dim : int
        Width of the encoder output.
    n_out : int
        Outputs per position (horizon, classes, or 1 for tag / binary).
    width, n_layers, dropout
        Width and number of the dense layers, and their dropout.
    """

    def __init__(self, in_dim: int, n_out: int, width: int, n_layers: int, dropout: float):
        super().__init__()
        self.dense, dim = _dense(in_dim, width, n_layers, dropout)
        self.out = nn.Linear(dim, n_out)
        nn.init.xavier_uniform_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.out(self.dense(h))


class ResidualHead(DirectHead):
    """Correction to a baseline: ``base + Linear([dense(h), channels - base])``.

    ``last`` is either the last observed target value ``(B,)`` (the baseline is then
    persistence, ``base = last[:, None]``), or the baselines' forecasts ``(B, 1 + C,
    H)`` (:mod:`seqguard.residual_base`): ``base = last[:, 0]``, and the ``C`` other
    channels, as differences from ``base``, are inputs of the output layer next to the
    encoder's summary. The output layer starts at zero weight and bias, so the
    untrained head returns ``base`` exactly.

    Parameters
    ----------
    in_dim, n_out, width, n_layers, dropout
        As in :class:`DirectHead`.
    n_channels : int
        ``C``, the baseline channels after channel 0 (0: none).
    """

    def __init__(self, in_dim: int, n_out: int, width: int, n_layers: int, dropout: float,
                 n_channels: int = 0):
        super().__init__(in_dim, n_out, width, n_layers, dropout)
        self.n_channels = int(n_channels)
        if self.n_channels:
            self.out = nn.Linear(self.out.in_features + self.n_channels * n_out, n_out)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, h: torch.Tensor, last: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        z = self.dense(h)
        if last.dim() == 1:
            base = last.unsqueeze(-1)
            if self.n_channels:  # no channels given: they add nothing
                z = torch.cat([z, z.new_zeros(z.shape[0], self.out.in_features - z.shape[1])],
                              dim=-1)
        else:
            base = last[:, 0]
            if self.n_channels:
                z = torch.cat([z, (last[:, 1:] - base.unsqueeze(1)).flatten(1)], dim=-1)
        return base + self.out(z)
