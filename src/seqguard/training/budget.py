"""The training budget: a batch size that fits the data, and "train longer" findings.

``batch_size="auto"`` (the default) picks the batch from the number of training
windows (sequences for ``classify``) so that every epoch makes enough optimiser
steps: the largest power of two that gives at least :data:`MIN_STEPS` steps per
epoch, clipped to [:data:`MIN_BATCH`, :data:`MAX_BATCH`]. A large data set
(Beijing PM2.5: ~25,000 windows) gets 64 (400 steps an epoch: with 256 the model
overfitted within 2 epochs and scored worse, docs/training.md); 188 sequences get
16 (12 steps an epoch instead of one). An integer is used as given.

:func:`still_improving` reads a finished history and says when the monitored
loss was still falling at the end (training stopped by ``epochs``, not by early
stopping), with the fix: more epochs.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import InputError
from ..findings import finding_dict

__all__ = ["MAX_BATCH", "MIN_BATCH", "MIN_STEPS", "resolve_batch_size", "steps_per_epoch",
           "still_improving"]

MIN_STEPS = 32
MIN_BATCH = 16
MAX_BATCH = 64


def resolve_batch_size(batch_size: Any, n_train: int) -> int:
    """The batch size to train with: ``batch_size`` itself, or the ``"auto"`` choice.

    Parameters
    ----------
    batch_size : "auto" or int
        ``"auto"``: the largest power of two with ``n_train / batch >= MIN_STEPS``,
        clipped to [``MIN_BATCH``, ``MAX_BATCH``].
    n_train : int
        Training windows (or sequences).

    Examples
    --------
    >>> resolve_batch_size("auto", 30000), resolve_batch_size("auto", 188)
    (64, 16)
    >>> resolve_batch_size("auto", 2000), resolve_batch_size(64, 188)
    (32, 64)
    """
    if isinstance(batch_size, str) and batch_size.strip().lower() == "auto":
        per = max(int(n_train), 1) / MIN_STEPS
        batch = 2 ** math.floor(math.log2(per)) if per >= 1 else 1
        return int(min(max(batch, MIN_BATCH), MAX_BATCH))
    ok = isinstance(batch_size, (int, float)) and not isinstance(batch_size, bool) \
        and math.isfinite(batch_size) and float(batch_size).is_integer() and batch_size >= 1
    if not ok:
        raise InputError(f"The 'batch_size' option (--batch-size) must be 'auto' or an "
                         f"integer >= 1; got {batch_size!r} instead.")
    return int(batch_size)


def steps_per_epoch(n_train: int, batch_size: int) -> int:
    """Optimiser steps in one epoch over ``n_train`` windows (the last batch may be short)."""
    return math.ceil(int(n_train) / int(batch_size))


def still_improving(history: Any, *, stopped_reason: str, best_epoch: int | None,
                    monitor: str, steps: int | None = None, batch_size: int | None = None,
                    recent: int = 3) -> dict[str, Any] | None:
    """A finding when the monitored loss was still falling when training ended.

    It fires when training ran all its epochs (``stopped_reason == "max_epochs"``:
    early stopping did not fire) and the best epoch is one of the last ``recent``
    epochs (the last one when there are few), with a lower loss than every epoch
    before them. Returns
    ``None`` otherwise, or when the history is too short to tell.

    Parameters
    ----------
    history : pandas.DataFrame
        The per-epoch history of :func:`~seqguard.training.fit_model`.
    stopped_reason, best_epoch
        From :class:`~seqguard.training.FitResult`.
    monitor : {"val_loss", "train_loss"}
        The loss early stopping watched.
    steps, batch_size : int, optional
        Optimiser steps per epoch and the batch size: with fewer than 8 steps and a
        batch above ``MIN_BATCH`` the fix also suggests a smaller ``--batch-size``.
    """
    if stopped_reason != "max_epochs" or best_epoch is None or history is None \
            or len(history) < 2 or monitor not in history:
        return None
    epochs = [int(e) for e in history["epoch"]]
    losses = [float(v) for v in history[monitor]]
    last = epochs[-1]
    k = min(max(int(recent), 1), len(losses) - 1)
    before = [v for v in losses[:-k] if math.isfinite(v)]
    tail = [v for v in losses[-k:] if math.isfinite(v)]
    if not before or not tail:
        return None
    if best_epoch <= last - k or min(tail) >= min(before):
        return None
    name = "validation loss" if monitor == "val_loss" else "training loss"
    where = f"at the last epoch ({last})" if best_epoch == last else \
        f"in the last epochs (best at epoch {best_epoch} of {last})"
    fix = f"pass --epochs {2 * last} to train longer"
    if steps is not None and steps < 8 and (batch_size is None or batch_size > MIN_BATCH):
        fix += f", or a smaller --batch-size ({steps} optimiser step(s) per epoch now)"
    message = f"{name} was still falling {where}; {fix}."
    return finding_dict(
        "warning", "still_improving", message,
        {"epochs": last, "best_epoch": int(best_epoch), "monitor": monitor,
         "last_loss": losses[-1], "best_before": min(before), "steps_per_epoch": steps,
         "batch_size": batch_size},
        f"Train longer: --epochs {2 * last} (epochs={2 * last} in Python); early "
        "stopping ends training when the loss stops improving.")
