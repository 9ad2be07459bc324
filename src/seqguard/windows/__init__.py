"""Lazy window datasets over flat per-row arrays, and a fast batch loader.

Inputs are the flat arrays of the whole table, laid out as everywhere in seqguard:
rows sorted by (series, time), each series one contiguous block, given by
``bounds`` (series ``k`` is rows ``bounds[k]:bounds[k+1]``;
:func:`seqguard.splits.bounds_from_groups` builds it from per-row codes).

* ``X``: float32 ``(n_rows, n_features)``, finite wherever a window may read it (the
  missing-data strategy already ran). It is **shared, never copied** (a float32
  C-contiguous array is used as is; anything else is converted once).
* ``y``: float32 ``(n_rows,)``, the target in scaled units, NaN where missing.
  Targets are never imputed: a missing target is masked (``y_mask``) out of the loss
  and the scores.
* ``part``: int8 per row from a split (:mod:`seqguard.splits`): 0 train, 1 val,
  2 test, -1 gap.
* ``usable``: bool per row; ``False`` rows never appear in a model input window
  (e.g. the incomplete rows of the ``drop`` missing-data strategy).

Nothing is materialised up front: a dataset holds one int64 start row per valid
window, and :meth:`gather` builds a batch with one fancy index
(``X[starts[:, None] + arange(L)]``, done as ``V[starts]`` on a read-only strided
window view ``V`` of ``X``, which copies only the selected windows), so memory stays
near the size of the data itself, not ``input_len`` times it. Batches are numpy arrays
handed to torch without a copy (``torch.from_numpy``); numpy's single-threaded copy
is both faster and steadier than ``torch.index_select`` on busy CPUs.

Guarantees every dataset gives:

* a window never crosses a series boundary (many series share one model);
* a window assigned to part P has **all its targets in P**; its inputs may look back
  into earlier parts (the past), never forward; windows whose targets straddle a
  boundary (or touch gap rows) are used by no part;
* every window has at least one observed target.

Which loader to use
-------------------
:class:`WindowLoader` is the hot path: an iterable of ready batches (one ``gather``
per batch, no per-item collate), with ``__len__`` and ``set_epoch``; Lightning
accepts it directly as a train/val dataloader. When a real
``torch.utils.data.DataLoader`` is needed (worker processes, pinned memory),
:meth:`WindowLoader.torch_loader` wraps the same :class:`WindowBatchSampler` in one
(``batch_size=None``: each sampled index array is passed to ``dataset[idx]``, which
gathers the whole batch). For data larger than memory, :class:`ShardWindowLoader`
draws the same batches from prepared shards on disk, memory-mapped, a bounded
buffer of shards at a time (:mod:`seqguard.windows.shards`).
"""
from __future__ import annotations

from ..layout import last_observed
from .classify import ClassifyWindows
from .forecast import ForecastWindows
from .loader import WindowBatchSampler, WindowLoader
from .shards import ShardSet, ShardWindowLoader
from .tag import TagWindows

__all__ = [
    "ClassifyWindows",
    "ForecastWindows",
    "ShardSet",
    "ShardWindowLoader",
    "TagWindows",
    "WindowBatchSampler",
    "WindowLoader",
    "last_observed",
]
