"""Sequence models: LSTM / GRU (fused kernels) and GRU-D encoders with task heads.

:class:`SequenceModel` is the model seqguard trains; its :attr:`~SequenceModel.config`
is plain JSON (saved in ``pipeline.json``) and :meth:`~SequenceModel.from_config`
rebuilds it. :func:`check_activation` / :func:`warn_activation` say when an output
activation cannot reach the target's range; :func:`grud_channels_from_names` builds
GRU-D's channel map from the input column names.
"""

from __future__ import annotations

from .ensemble import EnsembleModel
from .grud import GRUD, check_grud_channels, grud_channels_from_names
from .heads import (
    ActivationWarning,
    DirectHead,
    ModelWarning,
    ResidualHead,
    check_activation,
    warn_activation,
)
from .lstm import HEADS, MODELS, TASKS, RecurrentEncoder, SequenceModel
from .revin import NORMS, WindowNorm

__all__ = [
    "GRUD",
    "HEADS",
    "MODELS",
    "NORMS",
    "TASKS",
    "ActivationWarning",
    "DirectHead",
    "EnsembleModel",
    "ModelWarning",
    "RecurrentEncoder",
    "ResidualHead",
    "SequenceModel",
    "WindowNorm",
    "check_activation",
    "check_grud_channels",
    "grud_channels_from_names",
    "warn_activation",
]
