"""Batches of a window dataset: a seeded per-epoch shuffle and one gather per batch.

:class:`WindowLoader` is the hot path Lightning iterates; :meth:`WindowLoader.torch_loader`
wraps the same :class:`WindowBatchSampler` in a real ``DataLoader`` when workers or
pinned memory are needed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

from .dataset import _check_length, _Windows

__all__ = ["WindowBatchSampler", "WindowLoader"]


class WindowBatchSampler(torch.utils.data.Sampler):
    """Yield batches of window numbers (int64 arrays), shuffled per epoch with a seed.

    Epoch ``e`` of seed ``s`` always gives the same order (``default_rng([s, e])``).
    Each ``__iter__`` uses the current epoch and then advances it; :meth:`set_epoch`
    (called by Lightning when present) sets it explicitly.

    Distributed training (:meth:`set_shard`): every process draws the same seeded
    order and the same batches of ``batch_size`` windows, and keeps its share of each
    batch (process ``r`` of ``w``: the batch's windows ``r, r + w, ...``). So
    ``batch_size`` is the global batch, every process has the same number of batches,
    and the union of the shards is exactly one epoch: every window once (a last batch
    smaller than ``w`` is topped up with the epoch's first windows, so that no process
    gets an empty batch).
    """

    def __init__(self, n: int, batch_size: int, shuffle: bool = False, seed: int = 0,
                 drop_last: bool = False) -> None:
        self.n = int(n)
        self.batch_size = _check_length("batch_size", batch_size, "--batch-size")
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.drop_last = bool(drop_last)
        self.epoch = 0
        self.rank, self.world_size = 0, 1

    def set_shard(self, rank: int, world_size: int) -> None:
        """Yield process ``rank``'s share of every batch (of ``world_size`` processes)."""
        rank, world_size = int(rank), int(world_size)
        if world_size < 1 or not 0 <= rank < world_size:
            raise ValueError(f"set_shard needs 0 <= rank < world_size, got rank={rank}, "
                             f"world_size={world_size}.")
        self.rank, self.world_size = rank, world_size

    def set_epoch(self, epoch: int) -> None:
        """Use epoch ``epoch``'s order on the next pass."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        if self.drop_last:
            return self.n // self.batch_size
        return math.ceil(self.n / self.batch_size)

    def __iter__(self) -> Iterator[np.ndarray]:
        if self.shuffle:
            order = np.random.default_rng([self.seed, self.epoch]).permutation(self.n)
        else:
            order = np.arange(self.n, dtype=np.int64)
        self.epoch += 1
        bs = self.batch_size
        stop = self.n - self.n % bs if self.drop_last else self.n
        w = self.world_size
        for a in range(0, stop, bs):
            batch = order[a:a + bs]
            if w > 1:
                if len(batch) < w:  # top up so that no process gets an empty batch
                    batch = np.concatenate([batch, np.resize(order, w - len(batch))])
                batch = batch[self.rank::w]
            yield batch


def _keep(batch: Any) -> Any:
    """Collate function that leaves an already gathered batch as it is."""
    return batch


class WindowLoader:
    """Iterate ready batches of a window dataset: one :meth:`gather` per batch.

    A drop-in substitute for a ``DataLoader`` in Lightning's ``fit`` (it has
    ``__iter__``, ``__len__``, ``dataset``, ``batch_size``, ``sampler``,
    ``batch_sampler`` and ``set_epoch``).

    Parameters
    ----------
    dataset : ForecastWindows, TagWindows or ClassifyWindows
    batch_size : int
    shuffle : bool
        Shuffle the windows every epoch (training); each window comes exactly once
        per epoch either way.
    seed : int
        Same seed, same sequence of epochs.
    drop_last : bool
        Leave out the last, smaller batch.

    Examples
    --------
    >>> from seqguard.windows import ForecastWindows
    >>> X = np.zeros((50, 3), dtype=np.float32); y = np.ones(50, dtype=np.float32)
    >>> loader = WindowLoader(ForecastWindows(X, y, [0, 50], 8, 2), 16, shuffle=True)
    >>> len(loader), next(iter(loader))["x"].shape
    (3, torch.Size([16, 8, 3]))
    """

    def __init__(self, dataset: _Windows, batch_size: int = 256, shuffle: bool = False,
                 seed: int = 0, drop_last: bool = False) -> None:
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last
        self.sampler = WindowBatchSampler(len(dataset), batch_size, shuffle, seed, drop_last)
        # Lightning reads ``batch_sampler`` of anything that has a ``sampler``; ``None``
        # says, as for a DataLoader with batch_size=None, that ``sampler`` yields batches.
        self.batch_sampler = None

    def set_epoch(self, epoch: int) -> None:
        """Use epoch ``epoch``'s shuffle order on the next pass."""
        self.sampler.set_epoch(epoch)

    def set_shard(self, rank: int, world_size: int) -> None:
        """Distributed training: yield process ``rank``'s share of every batch
        (:meth:`WindowBatchSampler.set_shard`; ``batch_size`` stays the global batch)."""
        self.sampler.set_shard(rank, world_size)

    def __len__(self) -> int:
        return len(self.sampler)

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        gather = self.dataset.gather
        for idx in self.sampler:
            yield gather(idx)

    def torch_loader(self, num_workers: int = 0, pin_memory: bool = False,
                     **kwargs: Any) -> torch.utils.data.DataLoader:
        """The same batches from a real ``torch.utils.data.DataLoader``.

        Uses this loader's sampler (so ``set_epoch`` and the seed apply) with
        ``batch_size=None``: each batch of indices goes to ``dataset[idx]`` in one
        ``gather``. Extra keyword arguments go to ``DataLoader``.
        """
        return torch.utils.data.DataLoader(
            self.dataset, batch_size=None, sampler=self.sampler, num_workers=num_workers,
            pin_memory=pin_memory, collate_fn=_keep, **kwargs)
