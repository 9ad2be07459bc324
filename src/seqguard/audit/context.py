"""What every audit check reads and writes: :class:`AuditContext`.

A check is a plain function ``check(ctx, ...)``: it reads the table and its series
layout from the context, adds findings with :meth:`AuditContext.add`, and may leave
facts for later checks (the robust scale of each column for the scale checks, the
sentinel values found, the missing counts for the summary).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..findings import Finding
from ..table import Table


class AuditContext:
    """The table under audit, its series layout, and what the checks found so far.

    Attributes
    ----------
    table : the :class:`~seqguard.table.Table` (sorted by series and time).
    target : the target column, or ``None``.
    starts, ends : first and one-past-last row of each series.
    series_codes : the series number of every row.
    names : the series names.
    multi : ``True`` with more than one series.
    n : number of rows; ``n_inserted``: grid rows the reader inserted.
    features : the value columns other than the target.
    findings : the findings, in the order the checks added them.
    missing_counts, scales, magnitudes, sentinels : per column, filled by the
        missing-value, numeric and sentinel checks.
    """

    def __init__(self, table: Table, target: str | None) -> None:
        self.table = table
        self.target = target
        self.findings: list[Finding] = []
        bounds = table.series_bounds()
        self.starts = bounds[:-1]
        self.ends = bounds[1:]
        self.series_codes = table.series_codes()
        self.names = table.series_names()
        self.multi = table.series_col is not None and len(self.starts) > 1
        self.n = table.n_rows
        self.n_inserted = int(np.asarray(table.inserted, dtype=bool).sum()) \
            if table.inserted is not None and len(table.inserted) else 0
        self.missing_counts: dict[str, int] = {}
        self.scales: dict[str, float] = {}
        self.magnitudes: dict[str, float] = {}
        self.sentinels: dict[str, list[float]] = {}
        self.features = [c for c in table.value_columns if c != target]

    def add(self, code: str, severity: str, column: str | None, message: str,
            fix: str, series: str | None = None, **evidence: Any) -> None:
        """Add a finding; ``evidence`` is made plain JSON (NaN and inf become None)."""
        from .._serialize import json_value

        self.findings.append(Finding(code, severity, column, series, message,
                                     json_value(evidence, fallback=str), fix))

    def where(self, i: int) -> str:
        """Row ``i`` for people: its series and time."""
        return self.table.describe_row(int(i))

    def drop_fix(self, col: str) -> str:
        """The fix "Drop it with --features ...", naming the other input columns."""
        keep = [c for c in self.features if c != col]
        if not keep:
            return f"Drop {col!r} from the inputs (--features)."
        if len(keep) <= 12:
            return f"Drop it with --features {','.join(keep)} (the other input columns)."
        return (f"Drop it: pass --features with the {len(keep)} other input columns "
                f"({','.join(keep[:8])},...).")

    def drop_fix_lower(self, col: str) -> str:
        """:meth:`drop_fix` to follow a comma ("...; otherwise drop it with ...")."""
        fix = self.drop_fix(col)
        return fix[0].lower() + fix[1:]

    def select_codes(self, col: str, codes: set[str]) -> bool:
        """``True`` when a finding about ``col`` with one of ``codes`` was added."""
        return any(f.column == col and f.code in codes for f in self.findings)
