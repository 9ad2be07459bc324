"""Fit a :class:`~seqguard.pipeline.Pipeline` out of core: one pass over the shards.

:func:`fit_streaming` gives the fitted pipeline that ``Pipeline.fit`` gives on the
whole table of a :class:`~seqguard.io.dataset.ParquetDataset`, reading one shard
(a group of whole series) at a time:

1. the first shard is fitted in memory by ``Pipeline.fit`` itself: it checks every
   option against the data and settles what does not depend on the amount of data
   (the input columns, the feature steps, the scaled columns, the calendar);
2. every shard, the first included, is split by time (``TimeSplit.fit``: the split is
   per series, so the shards' splits concatenate into the whole table's), and its
   features are computed by the fitted feature steps; the statistics of its
   training rows are kept per series
   (:class:`~seqguard.scaling.statistics.SeriesStats`: counts, means, spreads,
   minima, maxima) for the input scaler, the missing-data strategy and the target
   scaler;
3. the merged statistics set the fitted state of ``scaler_``, ``missing_`` and
   ``target_scaler_`` through the same code as their ``fit``
   (``Scaler.learn_from_stats``, ``MissingStrategy.fit_from_counts``).

The result serialises to the same pipeline JSON as the in-memory fit: per-series
statistics exactly, global means and standard deviations to float64 rounding.
Memory holds one shard and the per-series statistics (a few numbers per series and
column), never the table.

What the in-memory fit does and this one does not (an :class:`InputError` says so,
naming the option: before any shard is read, or for a categorical column after the
first):

* ``--scaler robust`` and ``--missing impute:median`` / ``impute:knn`` (quantiles and
  neighbours need every training value at once);
* ``--task classify`` (its split draws whole series at random over all labels);
* categorical input columns (their levels would need a pass of their own).

``--calendar auto`` is resolved on the first shard (its check of the calendar parts
against the training mean is recorded in ``calendar_check_`` as usual); pass the
parts (``--calendar hour,dayofweek``) or ``none`` to fix it for every shard.

:func:`shard_pipeline` gives the fitted pipeline's view of one shard, whose
``transform`` prepares that shard's windows.
"""

from __future__ import annotations

import copy
import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.base import clone

from .._floats import as_float64
from ..errors import InputError
from ..missing import MissingStrategy, parse_missing
from ..scaling import Scaler, TargetScaler
from ..scaling.statistics import MERGEABLE, SeriesStats
from ..splits import TRAIN, TimeSplit
from ..table import Table

if TYPE_CHECKING:
    from ..pipeline import Pipeline
    from .dataset import ParquetDataset

__all__ = ["check_streamable", "fit_streaming", "merge_splits", "shard_pipeline"]

#: Learned state of a TimeSplit that is one entry per series (concatenated).
_SPLIT_ARRAYS = ("lengths_", "train_end_", "val_begin_", "val_end_", "test_begin_")
_SPLIT_LISTS = ("series_names_", "val_time_", "test_time_")
#: Warnings of the first shard's fit that the merged fit gives again, for all shards.
_REFITTED = ("Scaler:", "TargetScaler:", "MissingStrategy:")


def check_streamable(pipe: Pipeline) -> None:
    """Raise :class:`InputError` for an option the out-of-core fit cannot honour."""
    if pipe.task == "classify":
        raise InputError(
            "--task classify cannot be fitted out of core yet: its split draws whole "
            "series at random over every label. Read the data in memory (one file), or "
            "use --task forecast or tag with a Parquet folder.")
    for flag, method in (("--scaler", pipe.scaler),
                         ("--target-scaler", pipe.target_scaler or pipe.scaler)):
        if method not in MERGEABLE:
            raise InputError(
                f"{flag} {method} cannot be fitted out of core: its quantiles need every "
                f"training value at once. Use {flag} {' or '.join(MERGEABLE)} with a "
                "Parquet folder, or read the data in memory.")
    spec = parse_missing(pipe.missing)
    if spec.method in ("median", "knn"):
        raise InputError(
            f"--missing {pipe.missing} cannot be fitted out of core: it needs every "
            "training value at once. Use indicators (the default), mask, drop or "
            "impute:mean/ffill/bfill/linear/time/seasonal with a Parquet folder.")


def fit_streaming(pipe: Pipeline, data: ParquetDataset) -> Pipeline:
    """Fit ``pipe`` on the training part of ``data``, one shard at a time.

    Parameters
    ----------
    pipe : Pipeline
        Unfitted (its parameters are used; it is fitted in place).
    data : ParquetDataset

    Returns
    -------
    Pipeline
        ``pipe``, fitted as ``pipe.fit(data.read_all())`` would fit it (module
        docstring).

    Raises
    ------
    InputError
        An option the out-of-core fit cannot honour, or anything ``Pipeline.fit``
        raises for the data.
    """
    pipe.validate()
    check_streamable(pipe)
    tables = data.tables()
    first = next(tables)
    shape = clone(pipe)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        shape.fit(first)
    for w in caught:  # the merged fit below gives these again, for every shard
        if not str(w.message).startswith(_REFITTED) and "no training rows" not in \
                str(w.message):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    cats = [c for c in shape.input_columns_ if c in first.categorical]
    if cats:
        raise InputError(
            f"{first.source}: column {cats[0]!r} is categorical; the out-of-core fit does "
            "not learn category levels yet. Store it as numbers (codes) in the Parquet "
            "files, leave it out with --features, or read the data in memory.")
    shape.series_names_ = list(data.series_names)
    splits, x_stats, y_stats = [], [], []
    numeric: list[str] = []
    head: pd.DataFrame | None = None
    table: Table | None = first
    del first
    while table is not None:
        split, feats, groups, train = _shard_features(shape, table)
        numeric = [str(c) for c in feats.columns if pd.api.types.is_numeric_dtype(feats[c])]
        if head is None:
            head = feats[numeric].iloc[:0].astype(np.float64)
        values = as_float64(feats.loc[train, numeric])
        del feats
        x_stats.append(SeriesStats.of_rows(values, groups[train], str(pipe.scaler)))
        y = shape._target(table)[train][:, None]
        y_stats.append(SeriesStats.of_rows(y, groups[train],
                                           str(pipe.target_scaler or pipe.scaler)))
        splits.append(split)
        del values, y
        table = None  # one shard in memory: let it go before reading the next
        table = next(tables, None)
    assert head is not None
    _learn(shape, pipe, SeriesStats.concat(x_stats), SeriesStats.concat(y_stats),
           numeric, head, merge_splits(splits))
    for name in shape.fitted_attributes():
        setattr(pipe, name, getattr(shape, name))
    return pipe


def _shard_features(shape: Pipeline, table: Table
                    ) -> tuple[TimeSplit, pd.DataFrame, np.ndarray, np.ndarray]:
    """The split of one shard, its features, series codes and training rows (as
    ``Pipeline.fit`` computes them for the whole table)."""
    split = TimeSplit(val_start=shape.val_start, test_start=shape.test_start,
                      val_frac=shape.val_frac, test_frac=shape.test_frac,
                      gap=shape.gap).fit(table)
    train = split.transform(table) == TRAIN
    groups = shape.series_groups(table)
    feats = shape._features(shape._inputs(table), groups, [], table)
    return split, feats, groups, train


def _learn(shape: Pipeline, pipe: Pipeline, xs: SeriesStats, ys: SeriesStats,
           numeric: list[str], head: pd.DataFrame, split: TimeSplit) -> None:
    """Set the statistics of ``shape`` from the merged ones of every shard."""
    scaled = list(shape.scaled_columns_)
    where = [numeric.index(c) for c in scaled]
    scaler = Scaler(pipe.scaler, per=pipe.scale_per)
    scaler.learn_from_stats(xs.take(where), scaled,
                            feature_names_in_=np.asarray(scaled, dtype=object),
                            n_features_in_=len(scaled))
    # the missing-data strategy sees the scaled values: their sums from the raw ones
    sums = xs.n * xs.mean
    if len(xs.codes):
        center, scale = scaler._params(xs.codes, len(xs.codes))
        sums[:, where] = xs.n[:, where] * (xs.mean[:, where] - center) / scale
    missing = MissingStrategy(pipe.missing)
    missing.fit_from_counts(head, xs.n_rows, xs.n_rows - xs.n.sum(axis=0),
                            sums.sum(axis=0))
    target = TargetScaler(pipe.target_scaler or pipe.scaler, per=pipe.scale_per)
    target.learn_from_stats(ys, ["target"], n_features_in_=1)
    shape.split_ = split
    shape.scaler_ = scaler
    shape.missing_ = missing
    shape.feature_names_ = [str(c) for c in missing.get_feature_names_out()]
    shape.target_scaler_ = target


def merge_splits(splits: list[TimeSplit]) -> TimeSplit:
    """One :class:`TimeSplit` of the series of ``splits`` (fitted on disjoint shards,
    in order), as ``fit`` on their concatenated table gives it."""
    out = clone(splits[0])
    for name in _SPLIT_ARRAYS:
        setattr(out, name, np.concatenate([getattr(s, name) for s in splits]))
    for name in _SPLIT_LISTS:
        setattr(out, name, [v for s in splits for v in getattr(s, name)])
    out.time_kind_ = splits[0].time_kind_
    out.n_rows_ = {k: sum(int(s.n_rows_[k]) for s in splits) for k in splits[0].n_rows_}
    out._names = list(out.series_names_)
    out._lengths = np.asarray(out.lengths_)
    return out


def _sub_split(split: TimeSplit, positions: np.ndarray) -> TimeSplit:
    """The split of some series (by position), e.g. those of one shard."""
    out = clone(split)
    for name in _SPLIT_ARRAYS:
        setattr(out, name, np.asarray(getattr(split, name))[positions])
    for name in _SPLIT_LISTS:
        values = getattr(split, name)
        setattr(out, name, [values[k] for k in positions.tolist()])
    out.time_kind_ = split.time_kind_
    out.n_rows_ = dict(split.n_rows_)  # of the whole table: a shard view only transforms
    out._names = list(out.series_names_)
    out._lengths = np.asarray(out.lengths_)
    return out


def shard_pipeline(pipe: Pipeline, table: Table) -> Pipeline:
    """The fitted ``pipe`` seen from one shard: its ``transform(table)`` prepares the
    windows of ``table`` (a shard of the data ``pipe`` was fitted on) with the
    whole data's statistics and split.

    Raises
    ------
    InputError
        A series of ``table`` that ``pipe`` was not fitted on, or whose length
        changed.
    """
    pipe.check_fitted()
    known = {name: k for k, name in enumerate(pipe.series_names_)}
    names = table.series_names()
    unknown = [s for s in names if s not in known]
    if unknown:
        raise InputError(f"{table.source}: series {unknown[0]!r} is not in the data the "
                         "pipeline was fitted on. Fit on the folder that holds it.")
    view = copy.copy(pipe)
    view.split_ = _sub_split(pipe.split_, np.asarray([known[s] for s in names], np.int64))
    return view

