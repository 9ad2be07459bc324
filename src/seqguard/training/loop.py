"""fit_model: guarded training on Lightning, with exact resume and a diagnosis.

One call trains a model with seqguard's defaults: AdamW (lr 1e-3, weight decay
1e-4), a masked L1 loss, gradient-norm clipping at 1.0, ``ReduceLROnPlateau``
(factor 0.5, patience 3), early stopping on the validation loss (patience 5), the
best epoch's weights restored at the end, and the guards:

====================  ==========================================================
``InputGuard``        a NaN / inf input raises ``InputError`` naming the feature
``NonFiniteGuard``    a NaN / inf loss or gradient never updates the weights;
                      roll back, lower the LR, give up after ``max_rollbacks``
``GradientHealth``    per-layer gradient norms; exploding / vanishing findings
``BestState``         keeps the best weights (the untrained start included),
                      restores them at the end
``DivergenceGuard``   validation loss far above its best: roll back, lower the LR
``CollapseGuard``     constant predictions at the end, with likely causes
``EarlyStopping``     Lightning's, on the monitored loss
``EpochCheckpoint``   with ``checkpoint_dir``: per-epoch safetensors + JSON
====================  ==========================================================
"""

from __future__ import annotations

import contextlib
import logging
import math
import signal
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import lightning as L
import pandas as pd
import torch
from lightning.pytorch.callbacks import EarlyStopping
from lightning.pytorch.utilities.exceptions import SIGTERMException
from torch import nn

from ..errors import InputError, SeqguardWarning, TrainingFailed
from ..findings import finding_dict
from ..params import DEFAULTS
from .best_state import BestState
from .checkpoint import (
    EpochCheckpoint,
    load_latest_checkpoint,
    restore_before_fit,
    restore_rng_state,
)
from .collapse import CollapseGuard
from .divergence import DivergenceGuard
from .gradient_health import GradientHealth
from .input_guard import InputGuard
from .interrupt import FitInterrupted, SignalStop, stop_on_signals
from .module import SeqguardModule, _set_loader_epoch
from .nonfinite import NonFiniteGuard
from .progress import TrainingProgress, progress_mode

__all__ = ["HISTORY_COLUMNS", "FitResult", "fit_model"]

HISTORY_COLUMNS = ("epoch", "train_loss", "val_loss", "lr", "grad_norm_total")
PRECISIONS = ("32", "32-true", "64", "64-true", "16-mixed", "bf16-mixed", "16-true",
              "bf16-true")


@dataclass
class FitResult:
    """What :func:`fit_model` hands back (the model itself holds the best weights).

    Attributes
    ----------
    history : pandas.DataFrame
        One row per epoch: ``epoch`` (from 1), ``train_loss``, ``val_loss``, ``lr``
        (in effect at the end of the epoch's steps), ``grad_norm_total``,
        ``grad_norm_<group>`` (mean pre-clipping norm per layer group),
        ``clip_fraction``, ``skipped_steps``, ``collapse_ratio``, ``guard_events``
        (``guard:reason@step`` joined by ``"; "``).
    events : list of dict
        Guard events: ``epoch``, ``step``, ``guard``, ``reason``, ``message``.
    findings : list of dict
        ``severity``, ``code``, ``message``, ``evidence``, ``fix`` for ``diagnosis.json``.
    best_epoch : int or None
        The epoch whose weights the model holds (from 1; 0: the untrained start, when
        no epoch beat its validation loss).
    best_val_loss : float
        Its monitored loss (the training loss when there was no validation data).
    stopped_reason : str
        ``"max_epochs"``, ``"early_stopping"``, ``"non_finite"`` (training failed),
        ``"non_finite_val"`` (the validation loss became non-finite) or ``"diverged"``
        (the validation loss ran away after every rollback of ``DivergenceGuard``).
    start_val_loss : float
        The validation loss of the untrained model (epoch 0); NaN without validation
        or on resume of a run that recorded none.
    """

    history: pd.DataFrame
    events: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    best_epoch: int | None = None
    best_val_loss: float = math.nan
    stopped_reason: str = "max_epochs"
    start_val_loss: float = math.nan

    @property
    def guard_events(self) -> int:
        """How many guard events the run recorded (``metrics.json``'s ``guard_events``)."""
        return len(self.events)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Hide Lightning's start-up chatter ("GPU available", tips, "`Trainer.fit` stopped")
    and data-loader hints (seqguard shows its own progress); put torch's determinism
    flags back afterwards."""
    loggers = [logging.getLogger(n) for n in ("lightning.pytorch", "lightning.fabric",
                                              "lightning")]
    levels = [lg.level for lg in loggers]
    det = (torch.are_deterministic_algorithms_enabled(),
           torch.is_deterministic_algorithms_warn_only_enabled(),
           torch.utils.deterministic.fill_uninitialized_memory)  # type: ignore[attr-defined]
    # Deterministic mode also fills every new tensor with NaN by default, a debugging aid
    # for reads of uninitialised memory that costs ~10 % of an LSTM step on CPU and adds
    # nothing to reproducibility; it is off while training.
    torch.utils.deterministic.fill_uninitialized_memory = False  # type: ignore[attr-defined]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*does not have many workers.*")
        warnings.filterwarnings("ignore", message=r".*is smaller than the logging interval.*")
        warnings.filterwarnings("ignore", message=r".*but have no `val_dataloader`.*")
        warnings.filterwarnings("ignore", message=r".*`isinstance\(treespec, LeafSpec\)`.*")
        for lg in loggers:
            lg.setLevel(logging.WARNING)
        try:
            yield
        finally:
            for lg, lv in zip(loggers, levels):
                lg.setLevel(lv)
            torch.use_deterministic_algorithms(det[0], warn_only=det[1])
            torch.utils.deterministic.fill_uninitialized_memory = det[2]  # type: ignore[attr-defined]


def _check_loader(name: str, loader: Any, flag: str) -> None:
    try:
        n = len(loader)
    except TypeError:
        raise InputError(f"{name} must have a length (len(loader)); got a "
                         f"{type(loader).__name__}. Use seqguard.windows.WindowLoader or a "
                         "torch DataLoader.") from None
    if n == 0:
        raise InputError(f"{name} has no batches: the {flag} part has no windows. Use a "
                         "shorter --input-len / --horizon or a larger part.")


def _size(loader: Any) -> int | None:
    """How many windows (sequences) a loader serves, if it says."""
    try:
        return len(loader.dataset)
    except (AttributeError, TypeError):
        return None


def _positive(name: str, value: Any, flag: str, integer: bool = False,
              allow_zero: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and \
        math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if integer:
        ok = ok and float(value).is_integer()
    if not ok:
        kind = "an integer" if integer else "a number"
        bound = ">= 0" if allow_zero else "> 0"
        raise InputError(f"The '{name}' option ({flag}) must be {kind} {bound}; got "
                         f"{value!r} instead.")


def fit_model(model: nn.Module, train_loader: Iterable[dict[str, torch.Tensor]],
              val_loader: Iterable[dict[str, torch.Tensor]] | None = None, *,
              task: str = "forecast", loss: str = DEFAULTS["loss"],
              optimizer: str = DEFAULTS["optimizer"], lr: float = DEFAULTS["lr"],
              weight_decay: float = DEFAULTS["weight_decay"],
              clip: float | None = DEFAULTS["clip"], epochs: int = DEFAULTS["epochs"],
              patience: int = DEFAULTS["patience"], precision: str = DEFAULTS["precision"],
              seed: int = DEFAULTS["seed"], devices: Any = DEFAULTS["devices"],
              accelerator: str = DEFAULTS["accelerator"], strategy: Any = DEFAULTS["strategy"],
              num_nodes: int = DEFAULTS["num_nodes"], checkpoint_dir: str | None = None, resume: bool = False,
              progress: bool | None = None, max_rollbacks: int = 5, lr_drop: float = 10.0,
              callbacks: list[L.Callback] | None = None,
              target_stats: dict[str, float] | None = None,
              feature_names: list[str] | None = None, lr_factor: float = 0.5,
              lr_patience: int = 3, monitor: str | None = None,
              class_weights: list[float] | None = None) -> FitResult:
    """Train ``model`` in place with seqguard's guards; return the history and diagnosis.

    Parameters
    ----------
    model : nn.Module
        ``forward(x, last=None, lengths=None)``; trained in place, ends with the best
        epoch's weights.
    train_loader, val_loader : iterable of dict batches with ``__len__``
        ``{"x", "y", "y_mask", "last"}`` (forecast), ``{"x", "y"}`` (tag),
        ``{"x", "lengths", "y"}`` (classify). ``WindowLoader`` or a ``DataLoader``.
        Without ``val_loader`` the training loss is monitored instead.
    task : {"forecast", "tag", "classify"}
    loss : {"l1", "mse", "huber"}
    optimizer : {"adamw", "adam", "rmsprop", "sgd"}
    lr, weight_decay : float
    clip : float or None
        Gradient-norm clipping; ``None`` or 0 turns it off.
    epochs, patience : int
        Maximum epochs; early-stopping patience (epochs without improvement).
    precision : str
        Lightning precision: ``"32"``, ``"16-mixed"``, ``"bf16-mixed"``, ...
    seed : int
        ``L.seed_everything(seed, workers=True)``; algorithms are deterministic where
        torch allows (warn only).
    devices, accelerator, strategy, num_nodes
        Passed to ``lightning.Trainer``. Under DDP (``strategy="ddp"``, several
        devices or nodes) each process trains on its share of every batch of a
        seqguard :class:`~seqguard.windows.WindowLoader` (``batch_size`` is the global
        batch; every window once per epoch over all processes), reads the same
        reduced loss in every step (a non-finite loss on one process rolls back all of
        them, in the same step) and scores the whole validation part, so early
        stopping and the best state agree everywhere.
    checkpoint_dir : path, optional
        Write a resumable checkpoint there after every epoch.
    resume : bool
        Continue from the newest checkpoint in ``checkpoint_dir`` (same seed, data and
        settings give the same result as an uninterrupted run).
    progress : bool or None
        Show training on stderr (:class:`~seqguard.training.progress.TrainingProgress`):
        ``True``: a bar in a terminal, else one line per epoch (a log); ``None``: the
        bar in a terminal only; ``False``: nothing.
    max_rollbacks, lr_drop
        :class:`NonFiniteGuard` settings.
    callbacks : list of lightning.Callback, optional
        Extra callbacks, run after seqguard's own.
    target_stats : dict, optional
        ``{"mean", "std"}`` of the training target in the units the model sees.
    feature_names : list of str, optional
        Names of the columns of ``x``, for error messages.
    lr_factor, lr_patience
        ``ReduceLROnPlateau`` settings.
    monitor : {"val_loss", "val_auc_loss"}, optional
        What the best-state selection, early stopping and the LR schedule read:
        the validation loss (default), or ``"val_auc_loss"`` = 1 − the validation
        ROC-AUC (``classify`` only; history column ``val_auc_loss``). The
        ``DivergenceGuard`` always watches the validation loss. Without
        ``val_loader`` the training loss is monitored.
    class_weights : list of float, optional
        ``classify`` only: loss weight per class (see
        :func:`~seqguard.training.losses.classification_loss`).

    Returns
    -------
    FitResult

    Raises
    ------
    InputError
        A bad option, an empty loader, a NaN / inf input (``InputGuard``), or a
        checkpoint that does not fit the model.
    FitInterrupted
        SIGINT (Ctrl-C) or SIGTERM arrived while training: it stopped at the next step
        boundary; ``resume=True`` continues from the last epoch checkpoint.
    TrainingFailed
        The loss or gradients stayed non-finite after ``max_rollbacks`` rollbacks, or
        the validation loss was never finite. ``exc.result`` holds the
        :class:`FitResult` so far (history, events, findings for ``diagnosis.json``).

    Examples
    --------
    >>> result = fit_model(model, train, val, epochs=20)  # doctest: +SKIP
    >>> result.history[["epoch", "train_loss", "val_loss"]]  # doctest: +SKIP
    """
    _positive("epochs", epochs, "--epochs", integer=True)
    _positive("patience", patience, "--patience", integer=True)
    _positive("num_nodes", num_nodes, "--num-nodes", integer=True)
    _positive("lr", lr, "--lr")
    _positive("weight_decay", weight_decay, "--weight-decay", allow_zero=True)
    if clip is not None:
        _positive("clip", clip, "--clip", allow_zero=True)
    _positive("max_rollbacks", max_rollbacks, "max_rollbacks", integer=True, allow_zero=True)
    _positive("lr_drop", lr_drop, "lr_drop")
    if str(precision) not in PRECISIONS:
        raise InputError(f"The 'precision' option (--precision) must be one of "
                         f"{', '.join(PRECISIONS)}; got {precision!r} instead.")
    _check_loader("train_loader", train_loader, "training")
    if val_loader is not None:
        _check_loader("val_loader", val_loader, "validation")
    if resume and checkpoint_dir is None:
        raise InputError("--resume needs a checkpoint directory (checkpoint_dir) to resume "
                         "from; pass checkpoint_dir or drop --resume.")
    shown = progress_mode(progress)

    L.seed_everything(seed, workers=True, verbose=False)
    if monitor not in (None, "val_loss", "val_auc_loss"):
        raise InputError(f"The 'monitor' option must be 'val_loss' or 'val_auc_loss'; got "
                         f"{monitor!r} instead.")
    if monitor == "val_auc_loss" and task != "classify":
        raise InputError("monitor='val_auc_loss' (selection on the validation ROC-AUC) "
                         f"applies to task='classify' only, got task={task!r}.")
    if class_weights is not None and task != "classify":
        raise InputError(f"class_weights apply to task='classify' only, got task={task!r}.")
    module = SeqguardModule(model, task=task, loss=loss, optimizer=optimizer, lr=lr,
                            weight_decay=weight_decay, clip=clip, lr_factor=lr_factor,
                            lr_patience=lr_patience, target_stats=target_stats,
                            feature_names=feature_names, class_weights=class_weights)
    monitor = (monitor or "val_loss") if val_loader is not None else "train_loss"
    module.monitor = monitor
    module.val_source = val_loader
    module.train_source = train_loader
    nonfinite = NonFiniteGuard(max_rollbacks=max_rollbacks, lr_drop=lr_drop)
    best = BestState(monitor)
    early = EarlyStopping(monitor=monitor, mode="min", patience=int(patience),
                          check_finite=True, strict=False, verbose=False)
    divergence = DivergenceGuard(lr_drop=lr_drop)
    cbs: list[L.Callback] = [InputGuard(), nonfinite, GradientHealth(), best, divergence,
                             CollapseGuard(), early, *(callbacks or [])]

    start = 0
    finished = False
    ckpt = None
    if resume:
        ckpt = load_latest_checkpoint(checkpoint_dir)  # type: ignore[arg-type]
        if ckpt is None:
            warnings.warn(f"no training checkpoint in {checkpoint_dir}; starting from epoch 1.",
                          SeqguardWarning, stacklevel=2)
        else:
            start = restore_before_fit(ckpt["state"], module, cbs, source=ckpt["path"])
            finished = bool(ckpt["state"].get("should_stop"))
    if checkpoint_dir is not None:
        cbs.append(EpochCheckpoint(checkpoint_dir))

    remaining = int(epochs) - start
    if remaining > 0 and not finished:
        unit = "sequences" if task == "classify" else "windows"
        shows = [] if shown is None else [TrainingProgress(
            int(epochs), bar=shown == "bar", unit=unit,
            windows=(_size(train_loader), _size(val_loader)))]
        with _quiet(), stop_on_signals() as pending:
            module.pending_signal = pending
            trainer = L.Trainer(
                max_epochs=remaining, accelerator=accelerator, devices=devices,
                strategy=strategy, num_nodes=int(num_nodes),
                precision=precision,  # type: ignore[arg-type]
                # seqguard's loaders shard themselves (module.setup); validation is
                # scored whole on every process
                use_distributed_sampler=False,
                deterministic="warn",
                callbacks=[*cbs, SignalStop(pending, checkpoint_dir), *shows],
                logger=False, enable_checkpointing=checkpoint_dir is not None,
                enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
                benchmark=False, log_every_n_steps=max(1, len(train_loader)))  # type: ignore[arg-type]
            # Lightning creates the first epoch's iterator before any hook runs: a loader
            # that prefetches at iter() must already know the epoch
            _set_loader_epoch(train_loader, start)
            if ckpt is not None:
                restore_rng_state(ckpt["state"])
            try:
                trainer.fit(module, train_dataloaders=train_loader, val_dataloaders=val_loader)
            except (FitInterrupted, SIGTERMException) as exc:
                # Lightning's own SIGTERM handling ends in SystemExit(0): a success code
                signum = getattr(exc, "signum", signal.SIGTERM)
                raise FitInterrupted(signum, epochs_done=len(module.history),
                                     checkpoint_dir=checkpoint_dir) from None
    else:
        best.restore(model)

    if module.stop_reason is None:
        if early.stopping_reason.name == "NON_FINITE_METRIC":
            module.stop_reason = "non_finite_val"
        elif early.stopping_reason.name != "NOT_STOPPED":
            module.stop_reason = "early_stopping"
    stopped = module.stop_reason or "max_epochs"
    if stopped == "early_stopping" and not any(e["reason"] == "early_stopping"
                                               for e in module.events):
        module.events.append({"epoch": module.history[-1]["epoch"] if module.history else 0,
                              "step": module.step_count, "guard": "EarlyStopping",
                              "reason": "early_stopping",
                              "message": early.stopping_reason_message or "early stopping"})
    for row in module.history:  # events recorded after a row was written (end of training)
        row["guard_events"] = "; ".join(f"{e['guard']}:{e['reason']}@{e['step']}"
                                        for e in module.events if e["epoch"] == row["epoch"])
    result = FitResult(history=pd.DataFrame(module.history), events=list(module.events),
                       findings=list(module.findings), best_epoch=best.best_epoch,
                       best_val_loss=best.best_score if best.best_epoch is not None
                       else math.nan, stopped_reason=stopped, start_val_loss=divergence.start)
    if nonfinite.failed:
        finding = next(f for f in module.findings if f["code"] == "non_finite_training")
        err = TrainingFailed(finding["message"] + " Fix: " + finding["fix"])
        err.result = result  # type: ignore[attr-defined]
        raise err
    if best.best_epoch is None:
        message = (f"training failed: the {monitor} was never finite "
                   f"({len(module.history)} epoch(s)); the model produces NaN or inf on the "
                   "validation windows.")
        fix = ("Check the validation inputs are finite and scaled like the training inputs, "
               "and lower --lr.")
        result.findings.append(finding_dict("error", "non_finite_validation", message,
                                            {"history": module.history}, fix))
        err = TrainingFailed(message + " Fix: " + fix)
        err.result = result  # type: ignore[attr-defined]
        raise err
    return result
