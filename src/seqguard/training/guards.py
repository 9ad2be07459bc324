"""The guards, one small callback per idea, and the default set.

Each guard records *why* it fired, as an event (``epoch``, ``step``, ``guard``, a
machine-readable ``reason`` and a sentence) in the module's ``events`` (shown in
``history.csv``'s ``guard_events``) and, where it explains a problem, a finding
(``severity``, ``code``, ``message``, ``evidence``, ``fix``) for ``diagnosis.json``.
Guards stop training only through ``trainer.should_stop``; ``InputGuard`` raises
``InputError`` because a non-finite input is a bug upstream, not a training state.

=====================  ===========================================================
:class:`InputGuard`    NaN / inf input -> ``InputError`` naming the feature
:class:`NonFiniteGuard` non-finite loss/gradient -> skip, roll back, lower the LR
:class:`GradientHealth` per-layer gradient norms; exploding / vanishing findings
:class:`BestState`     keep the best weights (epoch 0 included); restore them at the end
:class:`DivergenceGuard` validation loss far above its best -> roll back, lower the LR
:class:`CollapseGuard` constant predictions, with the likely causes
=====================  ===========================================================
"""

from __future__ import annotations

import lightning as L

from .best_state import BestState
from .collapse import CollapseGuard
from .divergence import DivergenceGuard
from .gradient_health import GradientHealth
from .input_guard import InputGuard
from .nonfinite import NonFiniteGuard

__all__ = [
    "BestState",
    "CollapseGuard",
    "DivergenceGuard",
    "GradientHealth",
    "InputGuard",
    "NonFiniteGuard",
    "default_guards",
]


def default_guards(monitor: str = "val_loss", max_rollbacks: int = 5,
                   lr_drop: float = 10.0) -> list[L.Callback]:
    """The guards :func:`~seqguard.training.fit_model` uses, in the order they must run."""
    return [InputGuard(), NonFiniteGuard(max_rollbacks=max_rollbacks, lr_drop=lr_drop),
            GradientHealth(), BestState(monitor), DivergenceGuard(lr_drop=lr_drop),
            CollapseGuard()]
