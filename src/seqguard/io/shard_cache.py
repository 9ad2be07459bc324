"""Prepare every shard of a Parquet folder once, for windows drawn from disk.

:func:`prepare_shards` runs the fitted pipeline over each shard of a
:class:`~seqguard.io.dataset.ParquetDataset` (the view of
:func:`~seqguard.io.streaming.shard_pipeline`: the whole data's statistics and
split) and writes the model-ready arrays of each shard as ``.npy`` files, then the
manifest: the shard folder that :class:`~seqguard.windows.shards.ShardSet` and
:class:`~seqguard.windows.shards.ShardWindowLoader` read, memory-mapped. The
concatenated shards hold the arrays the in-memory ``Pipeline.transform`` gives for
the whole table, and the same windows.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from ..windows.shards import ARRAYS, MANIFEST, ShardSet, shard_windows
from .streaming import shard_pipeline

if TYPE_CHECKING:
    from ..pipeline import Pipeline
    from .dataset import ParquetDataset

__all__ = ["prepare_shards"]

_PARTS = ("train", "val", "test")


def prepare_shards(pipe: Pipeline, data: ParquetDataset, folder: str | os.PathLike[str],
                   *, require_target: bool = True) -> ShardSet:
    """Write the prepared arrays of every shard of ``data`` to ``folder``.

    Parameters
    ----------
    pipe : Pipeline
        Fitted on ``data`` (:func:`~seqguard.io.streaming.fit_streaming`), task
        ``forecast`` or ``tag``.
    data : ParquetDataset
    folder : path
        A new or empty folder. Written to ``folder + ".partial"`` first and renamed
        when complete, so a failure leaves nothing half-written behind.
    require_target : bool
        As in ``Pipeline.transform``.

    Returns
    -------
    ShardSet
        The folder, opened.

    Raises
    ------
    InputError
        A folder that is not empty, a task or residual baseline the shard windows do
        not support, a non-finite input, or no training window in any shard.

    Examples
    --------
    >>> import tempfile, numpy as np, pandas as pd
    >>> from seqguard.io import ParquetDataset, fit_streaming, prepare_shards
    >>> from seqguard.pipeline import Pipeline
    >>> from seqguard.windows import ShardWindowLoader
    >>> d = tempfile.mkdtemp()
    >>> for k in range(3):
    ...     pd.DataFrame({"site": f"s{k}", "t": range(80),
    ...                   "y": np.sin(np.arange(80) / 4)}).to_parquet(f"{d}/{k}.parquet")
    >>> data = ParquetDataset(d, series_col="site", time_col="t", shard_rows=160)
    >>> pipe = fit_streaming(Pipeline("y", input_len=8, horizon=2), data)
    >>> shards = prepare_shards(pipe, data, f"{d}/prepared")
    >>> loader = ShardWindowLoader(shards, "train", batch_size=32, shuffle=True)
    >>> len(loader), next(iter(loader))["x"].shape
    (5, torch.Size([32, 8, 1]))
    """
    pipe.check_fitted()
    if pipe.task not in ("forecast", "tag"):
        raise InputError(f"--task {pipe.task} has no shard windows yet; use forecast or "
                         "tag with a Parquet folder, or read the data in memory.")
    spec = getattr(pipe, "residual_base_", None)
    if spec is not None and not (spec["base"] == "persistence" and not spec["channels"]):
        raise InputError(f"the residual baseline {spec['base']!r} with channels "
                         f"{spec['channels']} is not drawn from shards yet; use the "
                         "persistence baseline with a Parquet folder.")
    final = Path(folder)
    if final.exists() and (not final.is_dir() or any(final.iterdir())):
        raise InputError(f"'{final}' exists and is not an empty folder. Name a new folder "
                         "for the prepared shards, or remove it.")
    work = final.with_name(final.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        meta = _write(pipe, data, work, require_target)
        (work / MANIFEST).write_text(json.dumps(meta, indent=1))
        if final.exists():
            final.rmdir()
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return ShardSet(final)


def _write(pipe: Pipeline, data: ParquetDataset, work: Path,
           require_target: bool) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "task": pipe.task, "input_len": int(pipe.input_len),
        "horizon": int(getattr(pipe, "horizon", 1) or 1), "require_target": require_target,
        "feature_names": list(pipe.feature_names_), "target": pipe.target,
        "source": str(data.path), "shards": [],
    }
    for i, series in enumerate(data.shards):
        table = data.read_series(series)
        prep = shard_pipeline(pipe, table).transform(table, windows=False,
                                                     require_target=require_target)
        arrays = {"X": prep.X, "y": prep.y, "part": prep.part.astype(np.int8),
                  "usable": np.asarray(prep.usable, dtype=bool),
                  "bounds": np.asarray(prep.bounds, dtype=np.int64)}
        counts, lost = {}, {}
        for k, part in enumerate(_PARTS):
            ds = shard_windows(arrays, meta, part, check_finite=k == 0)
            counts[part] = len(ds)
            lost[part] = {r: int(n) for r, n in ds.n_dropped.items()}
        name = f"{i:05d}"
        for key in ARRAYS:
            np.save(work / f"{name}.{key}.npy", arrays[key], allow_pickle=False)
        names = table.series_names()
        meta["shards"].append({"name": name, "rows": int(table.n_rows),
                               "series": [names[0], names[-1]], "n_series": len(names),
                               "n_windows": counts, "lost": lost})
        del table, prep, arrays, ds  # one shard in memory: let it go before the next
    if not sum(s["n_windows"]["train"] for s in meta["shards"]):
        raise InputError(
            f"{data.path}: no {pipe.task} windows in the 'train' part of any shard. "
            "Enlarge the part (--val-frac/--test-frac or the split dates), lower "
            "--input-len/--horizon, or use a missing-data strategy that keeps rows.")
    return meta
