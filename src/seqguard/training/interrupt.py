"""Ctrl-C and SIGTERM stop training at the next step boundary, with a resumable state.

Left alone, Lightning turns Ctrl-C into ``sys.exit(1)`` with no message and SIGTERM
(what batch schedulers send) into ``SystemExit(0)``: a run that did not finish would
look like one that did. While :func:`~seqguard.training.fit_model` trains,
:func:`stop_on_signals` installs handlers for SIGINT and SIGTERM that only note the
signal; :class:`SignalStop` raises :class:`FitInterrupted` at the next step
boundary (after a training or validation batch), so no weight update is cut in
half. A second signal raises at once. The handlers that were there before are put
back when training ends, however it ends.

What can be resumed is the newest epoch checkpoint (``checkpoint_dir``, written at
the end of every epoch): the interrupted epoch is trained again from its start, and
``resume=True`` reaches the same result as an uninterrupted run with the same seed.
Signals are only caught in the main thread (Python delivers them nowhere else).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

import lightning as L

from ..errors import SeqguardError

__all__ = ["FitInterrupted", "SignalStop", "stop_on_signals"]

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class FitInterrupted(SeqguardError):
    """Training stopped by SIGINT (Ctrl-C) or SIGTERM before it finished.

    Attributes
    ----------
    signum : int
        The signal; :attr:`exit_code` is the shell's ``128 + signum`` (130, 143).
    epochs_done : int
        Epochs completed (and checkpointed, when there is a checkpoint folder).
    checkpoint_dir : str or None
        Where ``resume=True`` continues from.
    """

    def __init__(self, signum: int, epochs_done: int = 0,
                 checkpoint_dir: str | None = None) -> None:
        self.signum = int(signum)
        self.exit_code = 128 + self.signum  # the shell's convention: 130, 143
        self.epochs_done = int(epochs_done)
        self.checkpoint_dir = checkpoint_dir
        name = signal.Signals(self.signum).name
        if checkpoint_dir:
            how = (f"resume with --resume (resume=True): it continues after epoch "
                   f"{self.epochs_done} from the checkpoint in {checkpoint_dir}")
        else:
            how = "no checkpoint folder was given, so a new fit starts over"
        super().__init__(f"interrupted by {name} after {self.epochs_done} epoch(s); {how}.")


class _Pending:
    """The first signal received while training, or ``None``."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.handler: Any = None  # the handler that sets signum


class SignalStop(L.Callback):
    """Raise :class:`FitInterrupted` at the first step boundary after a signal.

    Parameters
    ----------
    pending : object with a ``signum`` attribute
        Set by the handlers of :func:`stop_on_signals`.
    checkpoint_dir : str, optional
        Named in the exception (where ``resume`` continues from).
    """

    name = "SignalStop"

    def __init__(self, pending: Any, checkpoint_dir: str | None = None) -> None:
        self.pending = pending
        self.checkpoint_dir = checkpoint_dir

    def check(self, pl_module: Any, shared: bool = False) -> None:
        """Raise if a signal arrived.

        Under DDP the processes stop together, after the same training step: a signal
        on any of them is summed into that step's reduced numbers
        (:meth:`~seqguard.training.SeqguardModule.step_stats`), and only the check after
        a training step (``shared``) reads that; a process that stopped alone would
        leave the others waiting for it.
        """
        if getattr(pl_module, "world_size", 1) > 1:
            signum = pl_module.stop_signum if shared else None
        else:
            signum = self.pending.signum
        if signum is not None:
            raise FitInterrupted(signum, epochs_done=len(pl_module.history),
                                 checkpoint_dir=self.checkpoint_dir)

    def on_train_start(self, trainer: L.Trainer, pl_module: Any) -> None:
        handler = getattr(self.pending, "handler", None)
        if (getattr(pl_module, "world_size", 1) > 1 and handler is not None
                and threading.current_thread() is threading.main_thread()):
            # Lightning's own SIGTERM handler broadcasts from inside the handler, which
            # deadlocks when the signal reaches a process other than rank 0: under DDP
            # only seqguard's handler notes the signal, and the step's reduced numbers
            # carry it to every process. (Lightning puts the handlers back at the end.)
            for s in SIGNALS:
                if signal.getsignal(s) is not signal.SIG_IGN:
                    signal.signal(s, handler)
        self.check(pl_module)

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: Any, outputs: Any,
                           batch: Any, batch_idx: int) -> None:
        self.check(pl_module, shared=True)

    def on_validation_batch_end(self, trainer: L.Trainer, pl_module: Any, outputs: Any,
                                batch: Any, batch_idx: int, dataloader_idx: int = 0) -> None:
        self.check(pl_module)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[_Pending]:
    """Note SIGINT / SIGTERM instead of dying for the duration of the block.

    Yields the object whose ``signum`` the handlers set (``None`` until a signal
    arrives). A second signal raises :class:`FitInterrupted` where the program is.
    Outside the main thread nothing is installed and ``signum`` stays ``None``; a
    signal whose handler is ``SIG_IGN`` (SIGINT in a shell's background job) is left
    ignored.
    """
    pending = _Pending()
    if threading.current_thread() is not threading.main_thread():
        yield pending
        return

    def handler(signum: int, frame: Any) -> None:
        if pending.signum is not None:
            raise FitInterrupted(pending.signum)
        pending.signum = signum

    pending.handler = handler

    # a signal the process was told to ignore (a background job's SIGINT) stays ignored
    before = {s: h for s in SIGNALS if (h := signal.getsignal(s)) is not signal.SIG_IGN}
    for s in before:
        signal.signal(s, handler)
    try:
        yield pending
    finally:
        for s, h in before.items():
            signal.signal(s, h if h is not None else signal.SIG_DFL)
