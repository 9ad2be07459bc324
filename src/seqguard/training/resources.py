"""Will this model fit? Memory and disk checked before training starts.

A model is built on torch's ``meta`` device first (shapes only, no memory), and what
training it costs is estimated from its parameter count: float32 weights, their
gradients and AdamW's two moments (4 copies), the activations a batch keeps for
back-propagation, and on disk the checkpoints (two kept, a third being written, each
the weights with the optimiser's state) and the run directory with its temporary
copy. The estimates err high on purpose; a model they refuse would at best have
trained in swap.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from ..errors import ParameterError

__all__ = ["available_memory", "check_model_fits", "training_bytes"]

_FLOAT = 4


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (``MemAvailable``), or the
    physical memory where that is not known; ``None`` where neither is."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


def training_bytes(n_params: int, *, batch_size: int, input_len: int, hidden: int,
                   layers: int, directions: int = 1) -> int:
    """Estimated memory to train a model of ``n_params`` parameters: weights, gradients
    and two optimiser moments, plus a batch's activations (about 12 values per unit per
    step for an LSTM layer, its gates and cell state kept for the backward pass)."""
    state = 4 * n_params * _FLOAT
    activations = batch_size * input_len * hidden * layers * directions * 12 * _FLOAT
    return int(state + activations)


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} TiB"  # pragma: no cover


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_model_fits(model: Any, *, owner: str, batch_size: int, input_len: int,
                     checkpoint_dir: str | os.PathLike[str] | None = None,
                     members: int = 1, memory: int | None = None) -> int:
    """Refuse a model whose training would not fit in memory, or whose checkpoints would
    not fit on the checkpoint folder's disk; return its parameter count.

    ``model`` is a :class:`~seqguard.models.SequenceModel` (built on the ``meta`` device
    is enough); ``memory`` overrides :func:`available_memory` (tests).

    Raises
    ------
    ParameterError
        On ``hidden`` (the size that dominates), naming ``layers`` and ``batch_size``
        as the other ways down, with the estimate and what is available.
    """
    cfg = dict(getattr(model, "config", {}) or {})
    n = int(sum(p.numel() for p in model.parameters()))
    hidden, layers = int(cfg.get("hidden", 1) or 1), int(cfg.get("layers", 1) or 1)
    need = training_bytes(n, batch_size=batch_size, input_len=input_len, hidden=hidden,
                          layers=layers, directions=2 if cfg.get("bidirectional") else 1)
    have = available_memory() if memory is None else memory
    if have is not None and need > have:
        raise ParameterError(
            owner, "hidden",
            f"gives a model of {n:,} parameters that needs about {_size(need)} of memory to "
            f"train (weights, gradients, optimiser state and a batch's activations), more "
            f"than the {_size(have)} available. Got {hidden}; lower it, or {{p[layers]}} "
            f"({layers}) or {{p[batch_size]}} ({batch_size}).")
    if checkpoint_dir is not None:
        folder = _existing(Path(checkpoint_dir))
        disk = 16 * n * _FLOAT * max(1, members)
        free = shutil.disk_usage(folder).free
        if disk > free:
            raise ParameterError(
                owner, "hidden",
                f"gives a model of {n:,} parameters whose checkpoints and run directory "
                f"need about {_size(disk)} of disk, more than the {_size(free)} free in "
                f"'{folder}'. Got {hidden}; lower it or {{p[layers]}}, or write the run "
                "to another disk.")
    return n
