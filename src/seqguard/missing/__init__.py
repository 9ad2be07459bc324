"""Missing-data strategies: drop, impute, mask and indicators (the default).

Where this step sits
--------------------
After the time split and feature building, and **after scaling**: the input is a
DataFrame of numeric columns already standardised on the training part, where NaN
means missing (``+inf`` / ``-inf`` are treated as missing too). ``groups`` gives the
series code of each row; each series is one contiguous block of rows in time order
(see :mod:`seqguard._base`). ``fit`` sees only the training rows; ``transform`` gets
whole series (train, then validation, then test rows), so past-only fills carry the
past across a split boundary and never look forward.

**Targets are never imputed.** The target column is kept apart by the caller and is
not passed to these strategies; a missing target is masked out of the loss and the
scores instead. Use ``columns=`` to restrict a strategy to some columns; the other
columns pass through untouched.

Strategies (the ``method`` spec, also the ``--missing`` option of the CLI)
-------------------------------------------------------------------------
``auto``
    Resolved in ``fit`` to ``indicators`` (the resolved spec of each column is in
    ``methods_``; the argument itself is never changed).
``indicators`` (default)
    Past-only fill (forward fill within the series; a leading gap gets the training
    mean) plus, for each column that had missing values in the training part, an
    observed-mask channel ``<col>__observed`` and a time-since-observation channel
    ``<col>__since``. Every output is a finite float, so plain fused LSTM/GRU
    kernels can run on it. These are the GRU-D inputs (see *Channels* below).
``mask``
    Keras' "skip this timestep" idea done per feature and from an explicit mask,
    never from a sentinel value: the value is filled with the training mean (0 after
    standard scaling) and ``<col>__observed`` says whether it was observed. A real
    value equal to -1, 0 or any other number is never masked. :func:`timestep_mask`
    gives the per-timestep mask (True where at least one feature is observed) for
    models that skip fully missing timesteps.
``drop``
    Values are left as they are (``±inf`` becomes NaN); :meth:`MissingStrategy.usable_rows`
    is False on every row with a missing value, and the window builder drops every
    window containing such a row. :meth:`MissingStrategy.report` counts them.
``impute:<method>[:key=value[:key=value ...]]``
    (options may also be separated by commas)

    ========  ===========================================================  ===========
    method    fill                                                          options
    ========  ===========================================================  ===========
    mean      training mean of the column                                   --
    median    training median of the column                                 --
    ffill     last observed value of the series (past only)                 lead
    bfill     next observed value (**look-ahead**, LeakageWarning)          trail
    linear    linear interpolation inside a gap (**look-ahead**)            lead, trail
    time      like linear, weighted by time (**look-ahead**)                lead, trail
    knn       scikit-learn ``KNNImputer`` fitted on the training part      k (5)
    seasonal  value ``season`` steps earlier; else ffill, else mean         season, lead
    ========  ===========================================================  ===========

    ``lead`` (a gap at the start of a series, before any observation):
    ``mean`` (default: the training mean, never an invented 0), ``zero``,
    ``bfill`` (the first observation after the gap: look-ahead within the leading
    gap only, LeakageWarning) or ``drop`` (filled with the training mean *and*
    marked unusable by ``usable_rows``). ``trail`` (a gap at the end of a series,
    after the last observation, for the look-ahead fills): ``ffill`` (default),
    ``mean``, ``zero`` or ``drop``. A series with no observation at all gets the
    training mean (or the ``lead`` policy). ``season`` is required for ``seasonal``
    (e.g. ``impute:seasonal:season=24`` for hourly data with a daily cycle).
    Examples: ``impute:ffill:lead=zero``, ``impute:knn:k=5``,
    ``impute:linear:lead=drop:trail=mean``.

    ``time`` uses the DataFrame index as time when it is a ``DatetimeIndex`` and
    row positions otherwise; on seqguard's regular grid both give the same result
    as ``linear``.

    ``knn`` imputes all ``knn`` columns with one ``KNNImputer`` per ``k``, using
    every column the strategy works on for the neighbour search. To keep
    ``pipeline.json`` small and ``transform`` fast, the imputer is fitted on a
    seeded sample of at most ``knn_max_rows`` (5,000) training rows, kept in
    ``knn_fit_X_`` so that the imputer is rebuilt exactly from JSON. Only rows with
    a missing ``knn`` column are sent through it.

A fill that looks ahead (``bfill``, ``linear``, ``time``, ``lead=bfill``) uses
values that are not known at prediction time; ``fit`` warns with
:class:`~seqguard.errors.LeakageWarning`.

Different columns may use different strategies:
``MissingStrategy("auto", per_column={"TEMP": "impute:median"})``.

Output columns
--------------
``transform`` returns a new DataFrame with the same index: first every input
column in its input order (the columns the strategy works on replaced by float64
filled values, the others unchanged), then the added channels: for each column that
has channels, in input order, ``<col>__observed`` and then (``indicators`` only)
``<col>__since``. ``get_feature_names_out()`` lists them. Channels are decided in
``fit``, from the training part: a column gets them when it had a missing value in
the training rows. A column with no missing training value that has missing values
later is still filled (never NaN) but has no channel; ``transform`` warns with a
:class:`~seqguard.errors.DataWarning`. No output is NaN or infinite, except the
values of ``drop`` columns on rows that ``usable_rows`` marks False.

Channels
--------
``<col>__observed``
    1.0 where the input value was observed (finite), 0.0 where it was missing.
``<col>__since``
    ``log1p(steps)`` where ``steps`` is the number of rows since the last
    observation of the column in the same series: 0 where observed, 1 on the row
    after an observation, and so on. In a leading gap the count runs from the
    series start as if the series had been observed the step before it starts
    (the first row, if missing, gets 1). The scaling is recorded in
    ``since_transform_`` (``"log1p"``); :func:`since_to_steps` undoes it exactly.
    GRU-D's ``δ_t`` (time since the previous observation, counted at ``t``) is
    ``steps_{t-1} + 1`` for rows after the series start and 0 at the start; the
    filled value of an ``indicators`` column is GRU-D's last observation ``x_{t'}``
    and ``mean_`` its empirical mean.

Where the code lives
--------------------
``spec.py`` (the spec grammar: :func:`parse_missing`, :class:`MissingSpec`),
``fills.py`` (one fill function per method in the table ``FILLS``:
``impute:seasonal`` is ``FILLS["seasonal"]``), ``channels.py`` (the ``__observed`` and
``__since`` channels, :func:`timestep_mask`, :func:`since_to_steps`), ``strategy.py``
(:class:`MissingStrategy`), ``report.py`` (:class:`MissingReport`); ``_rows.py`` holds
the series bounds the fills and channels share. Import from ``seqguard.missing``.

``usable_rows`` contract
------------------------
``usable_rows(X, groups=...)`` returns one bool per row of ``X``: True where the row
may appear in a model input window. It is False on rows where a ``drop`` column is
missing and on rows a ``lead=drop`` / ``trail=drop`` policy marks; True everywhere
else. The window builder keeps only windows whose input rows are all usable.
"""

from __future__ import annotations

from .channels import OBSERVED_SUFFIX, SINCE_SUFFIX, since_to_steps, timestep_mask
from .fills import FILLS
from .report import MissingReport
from .spec import (
    IMPUTE_METHODS,
    KINDS,
    LEAD_POLICIES,
    TRAIL_POLICIES,
    MissingSpec,
    parse_missing,
)
from .strategy import MissingStrategy

__all__ = [
    "FILLS",
    "IMPUTE_METHODS",
    "KINDS",
    "LEAD_POLICIES",
    "OBSERVED_SUFFIX",
    "SINCE_SUFFIX",
    "TRAIL_POLICIES",
    "MissingReport",
    "MissingSpec",
    "MissingStrategy",
    "parse_missing",
    "since_to_steps",
    "timestep_mask",
]
