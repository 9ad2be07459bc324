"""NaN-aware scalers for inputs (:class:`Scaler`) and targets (:class:`TargetScaler`).

Both follow the :class:`~seqguard._base.SeriesTransform` contract: ``fit`` sees only
the training rows, ``transform`` is applied to whole series, and the fitted state
round-trips through JSON exactly.

How values are scaled
---------------------
``transform`` computes ``(x - center) / scale`` column by column and
``inverse_transform`` computes ``z * scale + center``, in float64. The ``method``
chooses the statistics, computed over the **observed** training values only:

=========== ================================ ======================================
method      center                           scale
=========== ================================ ======================================
standard    mean                             standard deviation (``ddof=0``)
minmax      minimum                          maximum - minimum (output in [0, 1])
robust      median                           interquartile range (75th - 25th pct.)
none        0                                1
=========== ================================ ======================================

Quantiles use numpy's default linear interpolation. These equal scikit-learn's
``StandardScaler``, ``MinMaxScaler`` and ``RobustScaler`` fitted on the same
observed values (to float64 rounding).

Missing values
    NaN and ±inf are missing: they are left out of the statistics in ``fit``;
    ``transform`` passes NaN through and turns ±inf into NaN (a later missing-data
    step decides what the model sees). Nothing is imputed here.

No division by zero
    A column without spread (constant, or a zero interquartile range for
    ``robust``) gets scale 1, and a column with no observed training value gets
    center 0 and scale 1 (it is left as it is; ``fit`` warns with a
    :class:`~seqguard.errors.DataWarning`). The center of a constant column is
    exactly its constant, so it becomes 0 (with every method but ``none``), never
    NaN or inf.

One scaler per series (``per="series"``)
    The statistics are computed for each series code of ``groups`` separately,
    and also over all training rows (the *global* statistics). In ``transform``, a
    series that had no training rows, or a column with no observed training value
    in that series, uses the global statistics. A column without spread in one
    series keeps that series' center but takes the global scale (1 when the column
    has no spread globally either), so values stay in comparable units across
    series.

Where the code lives
    ``scalers.py`` (:class:`Scaler`, :class:`TargetScaler`, :func:`get_scaler`),
    ``_base.py`` (fitting on the training rows, per-series statistics and their
    lookup), ``statistics.py`` (the NaN-aware statistics per block of rows),
    ``options.py`` (:data:`METHODS`, :data:`PER`, :func:`check_method`). Import from
    ``seqguard.scaling``.
"""

from __future__ import annotations

from .options import METHODS, PER, check_method
from .scalers import Scaler, TargetScaler, get_scaler

__all__ = ["METHODS", "PER", "Scaler", "TargetScaler", "check_method", "get_scaler"]
