"""Per-epoch training checkpoints for exact resume: safetensors + JSON, never pickle.

Lightning's own ``.ckpt`` files go through ``torch.save`` / ``torch.load`` (pickle),
so seqguard writes its own. At the end of every epoch :class:`EpochCheckpoint`
writes, into ``checkpoint_dir``:

* ``epoch-NNNN.safetensors``: every tensor of the training state: model weights,
  optimiser state tensors, the best weights kept so far, the torch (and CUDA) RNG
  states (uint8 tensors), early-stopping's best score;
* ``epoch-NNNN.json``: everything else: the epoch, step count, history, guard
  events and findings, the optimiser's param groups, the LR scheduler state, the
  numpy and Python RNG states, every stateful callback's ``state_dict`` (guards,
  early stopping, best state), and the SHA-256 of the tensor file. Tensors appear
  in the JSON as ``{"__tensor__": key}``; non-finite floats as
  ``{"__float__": "nan"}``.

Each file is written to ``<name>.tmp``, flushed, fsync'ed and moved into place
with ``os.replace``; the tensor file first, the JSON last, so a JSON file is the
commit mark of a complete checkpoint. Loading takes the newest JSON whose tensor
file exists and matches its hash; leftover ``.tmp`` files and damaged checkpoints
are skipped (with a warning for the damaged ones). The two newest checkpoints
are kept.

Resume is exact: the same seed, data and settings give the same weights and
history as an uninterrupted run. The run continues in a new ``Trainer`` whose
``max_epochs`` is the number of epochs left; the module counts epochs from the
checkpoint on (``epoch_offset``); the RNG states are put back immediately before
``trainer.fit`` (Lightning creates the first epoch's loader iterator before any
hook runs, where the uninterrupted run created the next epoch's), and the
optimiser and scheduler states in ``on_train_start``, once the optimiser exists.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import re
import warnings
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
from lightning.pytorch.callbacks import Checkpoint
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from ..errors import InputError, SeqguardWarning

__all__ = [
    "FORMAT",
    "EpochCheckpoint",
    "collect_training_state",
    "load_latest_checkpoint",
    "restore_before_fit",
    "restore_rng_state",
    "restore_training_state",
    "save_checkpoint",
]

FORMAT = "seqguard-training-checkpoint"
VERSION = 1
_NAME = re.compile(r"^epoch-(\d+)\.json$")


# --------------------------------------------------------------------- encoding
def _pack(obj: Any, tensors: dict[str, torch.Tensor]) -> Any:
    """JSON-safe copy of ``obj`` with every tensor moved into ``tensors``."""
    if isinstance(obj, torch.Tensor):
        key = f"t{len(tensors):05d}"
        tensors[key] = obj.detach().to("cpu").clone().contiguous()
        return {"__tensor__": key}
    if isinstance(obj, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in obj):
            return {k: _pack(v, tensors) for k, v in obj.items()}
        return {"__dict__": [[_pack(k, tensors), _pack(v, tensors)] for k, v in obj.items()]}
    if isinstance(obj, tuple):
        return {"__tuple__": [_pack(v, tensors) for v in obj]}
    if isinstance(obj, list):
        return [_pack(v, tensors) for v in obj]
    if isinstance(obj, np.ndarray):
        return {"__ndarray__": obj.ravel().tolist(), "dtype": obj.dtype.str,
                "shape": list(obj.shape)}
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        if math.isfinite(f):
            return f
        return {"__float__": "nan" if math.isnan(f) else ("inf" if f > 0 else "-inf")}
    if obj is None or isinstance(obj, str):
        return obj
    raise TypeError(f"cannot store a {type(obj).__name__} in a training checkpoint")


def _unpack(obj: Any, tensors: dict[str, torch.Tensor]) -> Any:
    """Inverse of :func:`_pack`."""
    if isinstance(obj, list):
        return [_unpack(v, tensors) for v in obj]
    if isinstance(obj, dict):
        if "__tensor__" in obj:
            return tensors[obj["__tensor__"]]
        if "__dict__" in obj:
            return {_unpack(k, tensors): _unpack(v, tensors) for k, v in obj["__dict__"]}
        if "__tuple__" in obj:
            return tuple(_unpack(v, tensors) for v in obj["__tuple__"])
        if "__ndarray__" in obj:
            return np.array(obj["__ndarray__"], dtype=np.dtype(obj["dtype"])).reshape(
                obj["shape"])
        if "__float__" in obj:
            return float(obj["__float__"])
        return {k: _unpack(v, tensors) for k, v in obj.items()}
    return obj


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------- files
def save_checkpoint(directory: str | os.PathLike[str], epoch: int, state: dict[str, Any],
                    keep: int = 2) -> Path:
    """Write ``state`` as checkpoint ``epoch`` into ``directory``, atomically.

    Parameters
    ----------
    directory : path
        Created if missing.
    epoch : int
        Number of finished epochs; names the files ``epoch-NNNN.*``.
    state : dict
        Nested dicts / lists / tuples of tensors, numbers, strings, numpy arrays.
    keep : int
        How many of the newest checkpoints to keep.

    Returns
    -------
    Path
        The JSON file (the commit mark).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, torch.Tensor] = {}
    packed = _pack(state, tensors)
    blob = st_save(tensors, metadata={"format": FORMAT})
    stem = f"epoch-{int(epoch):04d}"
    tensor_path = directory / f"{stem}.safetensors"
    json_path = directory / f"{stem}.json"
    _write_atomic(tensor_path, blob)
    doc = {"format": FORMAT, "version": VERSION, "epoch": int(epoch),
           "tensors_file": tensor_path.name,
           "tensors_sha256": hashlib.sha256(blob).hexdigest(), "state": packed}
    _write_atomic(json_path, json.dumps(doc, allow_nan=False).encode())
    _fsync_dir(directory)
    for old in _list(directory)[keep:]:
        for p in (old, old.with_suffix(".safetensors")):
            try:
                p.unlink()
            except FileNotFoundError:
                pass
    return json_path


def _list(directory: Path) -> list[Path]:
    """Checkpoint JSON files, newest first (``.tmp`` files never match)."""
    found = []
    for p in directory.iterdir():
        m = _NAME.match(p.name)
        if m and p.is_file():
            found.append((int(m.group(1)), p))
    return [p for _, p in sorted(found, reverse=True)]


def load_latest_checkpoint(directory: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The newest complete checkpoint in ``directory`` as ``{"epoch", "state"}``, or ``None``.

    Incomplete writes (``*.tmp``) are ignored; a checkpoint whose JSON does not parse
    or whose tensor file is missing or does not match its hash is skipped with a
    :class:`~seqguard.errors.SeqguardWarning`, and the next older one is tried.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return None
    for json_path in _list(directory):
        try:
            doc = json.loads(json_path.read_text())
            if doc.get("format") != FORMAT:
                raise ValueError(f"format is {doc.get('format')!r}, not {FORMAT!r}")
            blob = (directory / doc["tensors_file"]).read_bytes()
            if hashlib.sha256(blob).hexdigest() != doc["tensors_sha256"]:
                raise ValueError(f"{doc['tensors_file']} does not match its SHA-256")
            tensors = st_load(blob)
            return {"epoch": int(doc["epoch"]), "state": _unpack(doc["state"], tensors),
                    "path": str(json_path)}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            warnings.warn(f"skipping the damaged training checkpoint {json_path}: {exc}",
                          SeqguardWarning, stacklevel=2)
    return None


# --------------------------------------------------------------------- state
def _rng_state() -> dict[str, Any]:
    state: dict[str, Any] = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(),
                             "python": random.getstate()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = list(torch.cuda.get_rng_state_all())
    return state


def _set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(tuple(state["numpy"]))
    py = state["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    cuda = state.get("cuda")
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)


def collect_training_state(trainer: L.Trainer, pl_module: Any) -> dict[str, Any]:
    """Everything a resumed run needs, taken at the end of an epoch."""
    callbacks = {}
    for cb in trainer.callbacks:  # type: ignore[attr-defined]
        sd = cb.state_dict()
        if sd:
            callbacks[cb.state_key] = sd
    return {
        "epochs_done": pl_module.epoch_number,
        "config": pl_module.config(),
        "module": pl_module.run_state(),
        "model": pl_module.model.state_dict(),
        "optimizer": trainer.optimizers[0].state_dict(),
        "scheduler": pl_module.scheduler.state_dict() if pl_module.scheduler else None,
        "callbacks": callbacks,
        "should_stop": bool(trainer.should_stop),
        "rng": _rng_state(),
    }


def restore_before_fit(state: dict[str, Any], pl_module: Any, callbacks: list[Any],
                       source: str = "the checkpoint") -> int:
    """Load weights, run state and callback states; return the epochs already done.

    Optimiser, scheduler and RNG states are kept for :func:`restore_training_state`,
    which the module calls in ``on_train_start``.
    """
    config = pl_module.config()
    old = state.get("config", {})
    if old.get("groups") is not None and list(old["groups"]) != list(config["groups"]):
        raise InputError(f"{source} was written for a different model (parameter groups "
                         f"{old['groups']}, this model has {config['groups']}). Resume with "
                         "the same model options, or start without --resume.")
    changed = [k for k in config if k != "groups" and k in old and old[k] != config[k]]
    if changed:
        warnings.warn(f"resuming {source} with different settings: "
                      + ", ".join(f"{k} {old[k]!r} -> {config[k]!r}" for k in changed),
                      SeqguardWarning, stacklevel=3)
    try:
        with torch.no_grad():
            pl_module.model.load_state_dict(state["model"])
    except RuntimeError as exc:
        raise InputError(f"{source} does not fit this model: {str(exc).splitlines()[0]} "
                         "Resume with the same model options, or start without "
                         "--resume.") from None
    pl_module.load_run_state(state["module"])
    saved = state.get("callbacks", {})
    for cb in callbacks:
        if cb.state_key in saved:
            cb.load_state_dict(saved[cb.state_key])
    pl_module.epoch_offset = int(state["epochs_done"])
    pl_module._pending_restore = {k: state[k] for k in ("optimizer", "scheduler")}
    return int(state["epochs_done"])


def restore_rng_state(state: dict[str, Any]) -> None:
    """Put back the torch / CUDA / numpy / Python RNG states of a checkpoint.

    Call it immediately before ``trainer.fit``: Lightning creates the first epoch's
    data-loader iterator (a ``DataLoader`` draws its base seed then) before any hook
    runs, exactly where the uninterrupted run created the next epoch's.
    """
    _set_rng_state(state["rng"])


def restore_training_state(pl_module: Any, pending: dict[str, Any]) -> None:
    """Load optimiser and scheduler states (called from ``on_train_start``)."""
    trainer = pl_module.trainer
    trainer.optimizers[0].load_state_dict(pending["optimizer"])
    if pending.get("scheduler") is not None and pl_module.scheduler is not None:
        pl_module.scheduler.load_state_dict(pending["scheduler"])


# --------------------------------------------------------------------- callback
class EpochCheckpoint(Checkpoint):
    """Write a resumable checkpoint into ``dirpath`` at the end of every epoch.

    Runs after early stopping (Lightning runs checkpoint callbacks last), so the
    stop decision is part of the checkpoint. Nothing is written for an epoch that
    ended in a non-finite failure or with non-finite weights.
    """

    name = "EpochCheckpoint"

    def __init__(self, dirpath: str | os.PathLike[str], keep: int = 2) -> None:
        self.dirpath = Path(dirpath)
        self.keep = int(keep)
        self.last_path: Path | None = None

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: Any) -> None:
        if pl_module.stop_reason == "non_finite" or not trainer.is_global_zero:
            return
        weights = pl_module.model.state_dict()
        if not all(bool(torch.isfinite(v).all()) for v in weights.values()
                   if v.is_floating_point()):
            pl_module.record_event(self.name, "non_finite_weights",
                                   "the weights are not finite; no checkpoint written for "
                                   f"epoch {pl_module.epoch_number}.")
            return
        state = collect_training_state(trainer, pl_module)
        self.last_path = save_checkpoint(self.dirpath, state["epochs_done"], state, self.keep)
