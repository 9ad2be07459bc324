"""Windows drawn from prepared shards on disk: :class:`ShardSet` and :class:`ShardWindowLoader`.

A *shard folder* holds, for each shard of a larger-than-memory table (a group of
whole series, see :mod:`seqguard.io.dataset`), the flat arrays of
:mod:`seqguard.windows` as ``.npy`` files (``X`` float32, ``y`` float32, ``part`` int8,
``usable`` bool, ``bounds`` int64), and a manifest ``shards.json`` written last
(:func:`seqguard.io.prepare_shards` writes them). The arrays are opened
memory-mapped: a shard costs memory while its windows are drawn, and only the pages
a batch reads.

:class:`ShardWindowLoader` is a drop-in for :class:`~seqguard.windows.WindowLoader`
(the same dict batches, ``__len__`` known up front, ``set_epoch``), for Lightning and
:func:`seqguard.training.fit_model`. Each epoch visits the shards in a seeded order
(``default_rng([seed, epoch])``), ``buffer_shards`` at a time, and shuffles the
windows within that buffer; a batch that spans two buffers is completed from the
next one, so every window comes exactly once per epoch and the number of batches is
``ceil(n_windows / batch_size)`` (or the floor with ``drop_last``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import InputError
from .dataset import _check_length, _Windows
from .forecast import ForecastWindows
from .tag import TagWindows

__all__ = ["MANIFEST", "ShardSet", "ShardWindowLoader", "shard_windows"]

#: The manifest of a shard folder; written last, so a folder without it is incomplete.
MANIFEST = "shards.json"
#: The arrays of one shard, ``<shard>.<name>.npy``.
ARRAYS = ("X", "y", "part", "usable", "bounds")
_PARTS = ("train", "val", "test")


def shard_windows(arrays: dict[str, np.ndarray], meta: dict[str, Any], which: str, *,
                  check_finite: bool = False) -> _Windows:
    """The window dataset of part ``which`` of one shard (``meta``: the manifest's
    ``task``, ``input_len``, ``horizon``, ``require_target``); empty is allowed."""
    common: dict[str, Any] = {"part": arrays["part"], "which": which, "usable": arrays["usable"],
              "allow_empty": True, "check_finite": check_finite}
    if meta["task"] == "forecast":
        return ForecastWindows(arrays["X"], arrays["y"], arrays["bounds"],
                               int(meta["input_len"]), int(meta["horizon"]),
                               require_target=bool(meta.get("require_target", True)),
                               **common)
    if meta["task"] == "tag":
        return TagWindows(arrays["X"], arrays["y"], arrays["bounds"],
                          int(meta["input_len"]), stride=1, **common)
    raise InputError(f"shard folder: task {meta['task']!r} has no shard windows; "
                     "use forecast or tag.")


class ShardSet:
    """A shard folder (module docstring), opened read-only.

    Parameters
    ----------
    folder : str or Path

    Attributes
    ----------
    meta : dict
        The manifest: ``task``, ``input_len``, ``horizon``, ``feature_names``,
        ``shards`` (per shard: ``name``, ``rows``, ``series`` (first and last name),
        ``n_series``, ``n_windows`` per part) and ``n_windows`` per part in all.

    Raises
    ------
    InputError
        No manifest (the folder was not written to the end), an unreadable one, or a
        missing array file.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        path = self.folder / MANIFEST
        if not path.is_file():
            raise InputError(f"'{self.folder}' has no {MANIFEST}: it is not a complete "
                             "shard folder. Prepare it again (seqguard.io.prepare_shards).")
        try:
            self.meta = json.loads(path.read_text())
            shards = self.meta["shards"]
            self.meta["n_windows"] = {p: sum(int(s["n_windows"][p]) for s in shards)
                                      for p in _PARTS}
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"'{path}' is not a valid shard manifest ({exc}). Prepare "
                             "the folder again.") from None

    @property
    def n_shards(self) -> int:
        return len(self.meta["shards"])

    def n_windows(self, part: str) -> int:
        """Windows of ``part`` in every shard together."""
        return int(self.meta["n_windows"][part])

    def arrays(self, i: int) -> dict[str, np.ndarray]:
        """The arrays of shard ``i``, memory-mapped read-only."""
        name = self.meta["shards"][i]["name"]
        out = {}
        for key in ARRAYS:
            path = self.folder / f"{name}.{key}.npy"
            try:
                out[key] = np.load(path, mmap_mode="r", allow_pickle=False)
            except (OSError, ValueError) as exc:
                raise InputError(f"'{path}' cannot be read ({exc}). Prepare the shard "
                                 "folder again.") from None
        return out

    def windows(self, i: int, part: str) -> _Windows:
        """The window dataset of ``part`` in shard ``i``."""
        ds = shard_windows(self.arrays(i), self.meta, part)
        expected = int(self.meta["shards"][i]["n_windows"][part])
        if len(ds) != expected:
            raise InputError(f"shard {self.meta['shards'][i]['name']} of '{self.folder}' "
                             f"has {len(ds)} {part} windows, its manifest {expected}: the "
                             "files changed. Prepare the folder again.")
        return ds


class ShardWindowLoader:
    """Batches of one part of a shard folder, a bounded buffer of shards at a time.

    Parameters
    ----------
    shards : ShardSet, str or Path
    part : {"train", "val", "test"}
    batch_size : int
    shuffle : bool
        Seeded shard order and window order within the buffer, new every epoch.
    seed : int
    buffer_shards : int
        Shards open (and shuffled together) at a time: the memory bound.
    drop_last : bool
        Leave out the last, smaller batch of the epoch.

    Examples
    --------
    See :func:`seqguard.io.prepare_shards`.
    """

    def __init__(self, shards: ShardSet | str | Path, part: str = "train",
                 batch_size: int = 256, shuffle: bool = False, seed: int = 0,
                 buffer_shards: int = 2, drop_last: bool = False) -> None:
        self.shards = shards if isinstance(shards, ShardSet) else ShardSet(shards)
        if part not in _PARTS:
            raise InputError(f"part must be one of {', '.join(_PARTS)}; got {part!r}.")
        self.part = part
        self.batch_size = _check_length("batch_size", batch_size, "--batch-size")
        self.buffer_shards = _check_length("buffer_shards", buffer_shards, "buffer_shards")
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.drop_last = bool(drop_last)
        self.epoch = 0
        self.n_windows = self.shards.n_windows(part)
        self.dataset = _PartSize(self.n_windows)  # len(loader.dataset): the windows
        self.sampler = None
        self.batch_sampler = None

    def set_epoch(self, epoch: int) -> None:
        """Use epoch ``epoch``'s order on the next pass."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        if self.drop_last:
            return self.n_windows // self.batch_size
        return math.ceil(self.n_windows / self.batch_size)

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        rng = np.random.default_rng([self.seed, self.epoch])
        self.epoch += 1
        n = self.shards.n_shards
        order = rng.permutation(n) if self.shuffle else np.arange(n)
        counts = [int(s["n_windows"][self.part]) for s in self.shards.meta["shards"]]
        carry: list[dict[str, torch.Tensor]] = []
        carried = 0
        bs = self.batch_size
        for a in range(0, n, self.buffer_shards):
            group = [int(i) for i in order[a:a + self.buffer_shards] if counts[int(i)]]
            if not group:
                continue
            data = [self.shards.windows(i, self.part) for i in group]
            which = np.concatenate([np.full(len(d), k, np.int64) for k, d in enumerate(data)])
            local = np.concatenate([np.arange(len(d), dtype=np.int64) for d in data])
            if self.shuffle:
                perm = rng.permutation(len(which))
                which, local = which[perm], local[perm]
            pos = 0
            if carried:  # complete the batch the previous buffer began
                take = min(bs - carried, len(which))
                carry.append(_gather(data, which[:take], local[:take]))
                carried += take
                pos = take
                if carried == bs:
                    yield _cat(carry)
                    carry, carried = [], 0
            while len(which) - pos >= bs:
                yield _gather(data, which[pos:pos + bs], local[pos:pos + bs])
                pos += bs
            if pos < len(which):
                carry.append(_gather(data, which[pos:], local[pos:]))
                carried += len(which) - pos
            del data
        if carried and not self.drop_last:
            yield _cat(carry)


class _PartSize:
    """What ``len(loader.dataset)`` reads: the windows of the loader's part."""

    def __init__(self, n: int) -> None:
        self.n = int(n)

    def __len__(self) -> int:
        return self.n


def _gather(data: list[_Windows], which: np.ndarray,
            local: np.ndarray) -> dict[str, torch.Tensor]:
    """One batch from several shards' datasets (grouped by shard, in shard order)."""
    parts = [data[k].gather(local[which == k]) for k in np.unique(which).tolist()]
    return parts[0] if len(parts) == 1 else _cat(parts)


def _cat(parts: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    if len(parts) == 1:
        return parts[0]
    return {key: torch.cat([p[key] for p in parts]) for key in parts[0]}
