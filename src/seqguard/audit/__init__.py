"""The data doctor: what is wrong with a table, how bad it is, and how to fix it.

:func:`audit` looks at a :class:`~seqguard.table.Table` (or reads one) and returns
an :class:`AuditReport`: a list of :class:`~seqguard.findings.Finding` objects, each
with a stable machine ``code``, a ``severity``, the column and series it is about, a
one-sentence ``message`` with the numbers, the ``evidence`` as plain JSON values and a concrete
``fix`` that names the command-line option to use where there is one.

Severity
--------
``error``
    Training cannot work: the target has no observed value, only infinite values,
    or a single value. ``seqguard audit`` exits 3.
``warning``
    Training will run but will be hurt: missing or infinite inputs, missing-data
    markers left as numbers, constant columns, heavy outliers, scale disparity,
    resolved duplicates, leakage risks, a target mostly missing.
``info``
    Facts worth knowing: rows sorted, grid rows inserted, a few missing values.

Checks
------
One module per family of checks, each a plain function over an
:class:`~seqguard.audit.context.AuditContext` (the table, its series layout and
the findings so far); :mod:`~seqguard.audit.api` lists them in the order they run:

=================  ==============================================================
``missing``        ``missing_values``, ``target_missing``, ``all_missing``,
                   ``leading_missing``
``series``         ``series_missing``, ``short_series``
``numeric``        the checks of a numeric column in order; ``infinite_values``
``constant``       ``constant_column``, ``target_constant``, ``near_constant``
``sentinels``      ``sentinel_value`` (numbers standing for missing data)
``outliers``       ``outliers``
``row_index``      ``row_index``
``scale``          ``scale_disparity``, ``large_values``
``categorical``    ``high_cardinality``, ``unit_suffix``
``ingestion``      ``time_column``, ``units_stripped``, ``duplicate_timestamps``,
                   ``unsorted_rows``, ``irregular_timestamps``, ``inserted_rows``,
                   ``na_markers``
``leakage``        ``leakage_correlated``, ``leakage_shifted_target``
=================  ==============================================================

``thresholds`` holds every threshold, ``statistics`` the robust statistics,
``formatting`` how numbers are written, ``report`` the :class:`AuditReport`. The
codes are the shared vocabulary of :mod:`seqguard.findings` (docs/findings.md lists
each with its fix).

Every check is vectorised over whole columns; the expensive ones (most frequent
values, leakage) run on a fixed random sample first and confirm on the full data
only what the sample flags, so auditing costs less than reading the file.
"""

from __future__ import annotations

from ..findings import SEVERITIES, Finding
from .api import audit
from .report import AuditReport

__all__ = ["SEVERITIES", "AuditReport", "Finding", "audit"]
