"""Training progress as it happens: a rich bar in a terminal, one line per epoch in a log.

:class:`TrainingProgress` is the Lightning callback :func:`~seqguard.training.fit_model`
adds in place of Lightning's own bar (which counts epochs from 0 and shows no loss).
Each finished epoch prints one line, epochs counted from 1 over the whole run (a
resumed run goes on counting)::

    epoch  3/30  train 0.412  val 0.398  lr 1e-3

and each guard event prints as it happens, on a line of its own::

    guard NonFiniteGuard (non_finite_loss): the loss was nan at epoch 3, step 45; ...

In a terminal these lines scroll above a bar that shows the steps of the current epoch
and the last epoch's losses; the bar goes away at the end. When stderr is not a
terminal (``seqguard fit ... > log 2>&1``) only the lines are written, so a log shows
progress. Everything goes to stderr; the step shown before training ("preparing
windows", :mod:`seqguard._status`) ends with a line on the windows prepared.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import lightning as L

from .._status import console, current_steps, stderr_is_terminal

__all__ = ["TrainingProgress", "epoch_line", "event_line", "format_lr", "progress_mode"]


def progress_mode(progress: bool | None) -> str | None:
    """How ``fit_model(progress=...)`` shows training: ``"bar"`` (stderr is a terminal and
    ``progress`` is not ``False``), ``"lines"`` (``progress=True`` and stderr is not a
    terminal) or ``None`` (nothing: ``False``, or ``None`` outside a terminal).

    Examples
    --------
    >>> progress_mode(False) is None
    True
    """
    if progress is False:
        return None
    if stderr_is_terminal():
        return "bar"
    return "lines" if progress else None


def format_lr(lr: float) -> str:
    """A learning rate as people write it: ``1e-3``, ``2.5e-4``, ``0.5``.

    Examples
    --------
    >>> format_lr(0.001), format_lr(0.00025), format_lr(0.5), format_lr(0.003)
    ('1e-3', '2.5e-4', '0.5', '3e-3')
    """
    if not math.isfinite(lr) or lr == 0 or 1e-2 <= abs(lr) < 1e4:
        return f"{lr:g}"
    mantissa, exponent = f"{lr:.3e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def _loss(v: Any) -> str:
    return "nan" if v is None or not math.isfinite(float(v)) else f"{float(v):.4g}"


def epoch_line(row: dict[str, Any], epochs: int, *, validation: bool = True) -> str:
    """The line of one finished epoch (a ``history.csv`` row).

    Examples
    --------
    >>> epoch_line({"epoch": 3, "train_loss": 0.41234, "val_loss": 0.3981, "lr": 1e-3}, 30)
    'epoch  3/30  train 0.4123  val 0.3981  lr 1e-3'
    """
    width = len(str(epochs))
    parts = [f"epoch {int(row['epoch']):>{width}}/{epochs}",
             f"train {_loss(row.get('train_loss'))}"]
    if validation:
        parts.append(f"val {_loss(row.get('val_loss'))}")
    lr = row.get("lr")
    if lr is not None and math.isfinite(float(lr)):
        parts.append(f"lr {format_lr(float(lr))}")
    return "  ".join(parts)


def event_line(event: dict[str, Any]) -> str:
    """The line of one guard event: which guard, why, and what it did.

    Examples
    --------
    >>> event_line({"guard": "DivergenceGuard", "reason": "validation_diverged",
    ...             "message": "rolled back.", "epoch": 4, "step": 80})
    'guard DivergenceGuard (validation_diverged): rolled back.'
    """
    message = " ".join(str(event.get("message", "")).split())
    return f"guard {event.get('guard')} ({event.get('reason')}): {message}"


class TrainingProgress(L.Callback):
    """Shows training on stderr: epoch lines and guard events, with a bar in a terminal.

    Parameters
    ----------
    epochs : int
        The run's number of epochs (``N`` of ``epoch n/N``; a resumed run counts the
        epochs before it too).
    bar : bool
        A rich bar (a terminal) or lines only (a log).
    windows : tuple of (int or None, int or None)
        Training and validation windows, for the line that ends the step before
        training (``prepared 30,000 training windows and 8,000 validation windows``).
    unit : str
        What a training example is called: ``"windows"``, or ``"sequences"``.
    """

    def __init__(self, epochs: int, *, bar: bool = False,
                 windows: tuple[int | None, int | None] = (None, None),
                 unit: str = "windows") -> None:
        self.epochs = int(epochs)
        self.bar = bool(bar)
        self.windows = windows
        self.unit = unit
        self._rows = 0
        self._events = 0
        self._validation = True
        self._progress: Any = None
        self._task: Any = None
        self._stats = ""
        self._silent = False  # a DDP process other than rank 0 shows nothing

    # --------------------------------------------------------------- output
    def _print(self, line: str, style: str | None = None) -> None:
        if self._silent:
            return
        if self._progress is not None:
            self._progress.console.print(line, style=style, markup=False, highlight=False)
        else:
            print(line, file=sys.stderr, flush=True)

    def _flush(self, pl_module: Any) -> None:
        """Print the epochs finished and the guard events recorded since the last call."""
        history = getattr(pl_module, "history", [])
        for row in history[self._rows:]:
            self._print(epoch_line(row, self.epochs, validation=self._validation))
            self._stats = epoch_line(row, self.epochs,
                                     validation=self._validation).split("  ", 1)[-1]
        self._rows = max(self._rows, len(history))
        events = getattr(pl_module, "events", [])
        for event in events[self._events:]:
            self._print(event_line(event), style="yellow")
        self._events = max(self._events, len(events))

    def _prepared(self) -> str | None:
        n_train, n_val = self.windows
        if n_train is None:
            return None
        line = f"prepared {n_train:,} training {self.unit}"
        if n_val:
            line += f" and {n_val:,} validation {self.unit}"
        return line

    def _stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    # ---------------------------------------------------------------- hooks
    def on_fit_start(self, trainer: L.Trainer, pl_module: Any) -> None:
        # what a resumed run had already done is not shown again
        self._rows = len(getattr(pl_module, "history", []))
        self._events = len(getattr(pl_module, "events", []))
        self._validation = getattr(pl_module, "val_source", None) is not None
        self._silent = not trainer.is_global_zero
        if self._silent:
            return
        shown = current_steps()
        if shown is not None:
            shown.finish(self._prepared())
        if self.bar:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                TextColumn("epoch {task.fields[epoch]}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), TextColumn("{task.fields[stats]}"),
                console=console(stderr=True), transient=True)
            self._progress.start()

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: Any) -> None:
        self._flush(pl_module)
        if self._progress is None:
            return
        batches = float(trainer.num_training_batches)
        total = int(batches) if math.isfinite(batches) else None
        epoch = f"{pl_module.epoch_number}/{self.epochs}"
        if self._task is None:
            self._task = self._progress.add_task("train", total=total, epoch=epoch,
                                                 stats=self._stats)
        else:
            self._progress.reset(self._task, total=total, epoch=epoch, stats=self._stats)

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: Any, outputs: Any,
                           batch: Any, batch_idx: int) -> None:
        self._flush(pl_module)
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task)

    def on_train_end(self, trainer: L.Trainer, pl_module: Any) -> None:
        self._flush(pl_module)
        self._stop()

    def on_exception(self, trainer: L.Trainer, pl_module: Any,
                     exception: BaseException) -> None:
        self._flush(pl_module)
        self._stop()

    def teardown(self, trainer: L.Trainer, pl_module: Any, stage: str) -> None:
        self._stop()
