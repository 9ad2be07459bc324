"""Train / validation / test splits: by time within each series, or by whole series.

Rows are laid out as everywhere in seqguard (see :mod:`seqguard.table` and
:mod:`seqguard.layout`): sorted by (series, time), each series one contiguous block.
A series is given either as ``groups`` (one int64 code per row) or as ``bounds``
(int64 offsets, series ``k`` is rows ``bounds[k]:bounds[k+1]``);
:func:`bounds_from_groups` and :func:`groups_from_bounds` go between the two.

A split produces a ``part`` array: one int8 per row,

* ``0`` train, ``1`` validation, ``2`` test (:data:`TRAIN`, :data:`VAL`, :data:`TEST`),
* ``-1`` (:data:`GAP`) for the ``gap`` rows left out just before a later part starts.

Chronological by default: :class:`TimeSplit` puts, in every series, the training part
first, then validation, then test. A window assigned to a part has **all its target
rows in that part**; its inputs may look back into earlier parts (that is the past),
never forward (see :mod:`seqguard.windows`). Gap rows belong to no part: no window has
a target there, but later windows may read them as inputs.

:class:`SeriesSplit` splits whole series (``classify``: one label per sequence),
stratified by label and seeded.

One idea per module: :mod:`~seqguard.splits.parts` (the part codes),
:mod:`~seqguard.splits.points` (where a part starts: dates, times, positions),
:mod:`~seqguard.splits.time_split` and :mod:`~seqguard.splits.series_split`.
"""

from __future__ import annotations

from ..layout import bounds_from_groups, check_bounds, groups_from_bounds
from .parts import GAP, PART_NAMES, TEST, TRAIN, VAL, part_code
from .series_split import SeriesSplit
from .time_split import TimeSplit

__all__ = [
    "GAP",
    "PART_NAMES",
    "TEST",
    "TRAIN",
    "VAL",
    "SeriesSplit",
    "TimeSplit",
    "bounds_from_groups",
    "check_bounds",
    "groups_from_bounds",
    "part_code",
]
