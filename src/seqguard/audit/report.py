"""The :class:`AuditReport`: the findings of :func:`~seqguard.audit.audit`, and its output.

The report sorts its findings by severity (error first, :func:`seqguard.findings.
severity_rank`), then column, code and series. :meth:`AuditReport.to_dict` is the schema
of ``audit.json`` and of ``seqguard audit --format json``; :meth:`AuditReport.to_text` is
the table ``seqguard audit`` prints.
"""

from __future__ import annotations

import io as _io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .._serialize import json_value
from ..findings import SEVERITIES, Finding, severity_rank


def _sort_key(f: Finding) -> tuple[int, str, str, str]:
    """Severity first (the one ranking of :mod:`seqguard.findings`), then column."""
    return (severity_rank(f.severity), f.column or "", f.code, f.series or "")


@dataclass
class AuditReport:
    """The findings of :func:`audit`, sorted by severity (error first), then column.

    Attributes
    ----------
    findings : the findings.
    summary : table facts: source, n_rows, n_series, n_columns, freq, time and
        series columns, target, numeric and categorical columns, and the number of
        missing values per column.
    by_series : the per-series figures, worst first (:mod:`seqguard.audit.by_series`),
        or ``None`` with a single series.
    """

    findings: list[Finding]
    summary: dict[str, Any]
    by_series: list[dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        self.findings = sorted(self.findings, key=_sort_key)

    # ------------------------------------------------------------ container
    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def codes(self) -> list[str]:
        """The distinct finding codes, in report order."""
        return list(dict.fromkeys(f.code for f in self.findings))

    def select(self, code: str | None = None, column: str | None = None,
               severity: str | None = None) -> list[Finding]:
        """The findings matching every given criterion."""
        return [f for f in self.findings
                if (code is None or f.code == code)
                and (column is None or f.column == column)
                and (severity is None or f.severity == severity)]

    # ------------------------------------------------------------- verdict
    @property
    def source(self) -> str:
        return str(self.summary.get("source", "<data>"))

    @property
    def counts(self) -> dict[str, int]:
        """Number of findings per severity (every severity present, possibly 0)."""
        out = {s: 0 for s in SEVERITIES}
        for f in self.findings:
            out[f.severity] = out.get(f.severity, 0) + 1
        return out

    @property
    def has_errors(self) -> bool:
        """``True`` when a finding blocks training."""
        return any(f.severity == "error" for f in self.findings)

    @property
    def exit_code(self) -> int:
        """3 when there is an error-severity finding, else 0 (the CLI's exit status)."""
        return 3 if self.has_errors else 0

    # -------------------------------------------------------------- output
    def to_dict(self) -> dict[str, Any]:
        """Stable schema: ``{"source", "summary", "findings", "counts"}``, strict JSON,
        and ``"by_series"`` (the per-series figures, worst first) with several series."""
        out = {
            "source": self.source,
            "summary": json_value(self.summary, fallback=str),
            "findings": [f.to_dict() for f in self.findings],
            "counts": self.counts,
        }
        if self.by_series is not None:
            out["by_series"] = json_value(self.by_series, fallback=str)
        return out

    def to_json(self, indent: int | None = 2) -> str:
        """The report as strict JSON (no NaN or Infinity)."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def to_text(self, width: int = 140) -> str:
        """A table for people: severity, column, series, finding, fix.

        Rendered with rich to plain text (no colour codes), ``width`` characters wide.
        """
        from rich.console import Console
        from rich.table import Table as RichTable
        from rich.text import Text

        s = self.summary
        c = self.counts
        head = (f"Audit of {self.source}: {s.get('n_rows', 0)} rows, "
                f"{s.get('n_series', 1)} series, {s.get('n_columns', 0)} columns, "
                f"freq {s.get('freq')}"
                + (f", target {s['target']!r}" if s.get("target") else "")
                + f" - {c['error']} errors, {c['warning']} warnings, {c['info']} notes")
        buf = _io.StringIO()
        console = Console(file=buf, width=width, force_terminal=False, no_color=True,
                          color_system=None, highlight=False, emoji=False,
                          legacy_windows=False)
        console.print(Text(head))
        if not self.findings:
            console.print(Text("No problems found."))
            self._series_text(console)
            return buf.getvalue()
        table = RichTable(show_lines=True, expand=False)
        table.add_column("severity", no_wrap=True)
        table.add_column("column", overflow="fold")
        table.add_column("series", overflow="fold")
        table.add_column("finding", ratio=3, overflow="fold")
        table.add_column("fix", ratio=2, overflow="fold")  # long --features lists wrap, never cut
        for f in self.findings:
            table.add_row(Text(f.severity), Text(f.column or "-"), Text(f.series or "-"),
                          Text(f.message), Text(f.fix))
        console.print(table)
        self._series_text(console)
        return buf.getvalue()

    def _series_text(self, console: Any) -> None:
        """The compact per-series table, worst first (the worst ``SHOWN`` series)."""
        from rich.table import Table as RichTable
        from rich.text import Text

        from .by_series import SHOWN, series_table_rows

        if not self.by_series or len(self.by_series) < 2:
            return
        rows, rest = series_table_rows(self.by_series)
        n = len(self.by_series)
        shown = f"the worst {min(SHOWN, n)} of {n}" if rest else f"all {n}"
        console.print(Text(f"Series, worst first ({shown}; short first, then the share of "
                           "the target missing):"))
        table = RichTable(show_lines=False, expand=False)
        for name in ("series", "rows", "span", "target missing", "worst input", "short"):
            table.add_column(name, overflow="fold")
        for r in rows:
            table.add_row(*(Text(v) for v in r))
        console.print(table)
        if rest:
            console.print(Text(f"... and {rest} more series (all of them in --format json, "
                               "'by_series')."))

    def __str__(self) -> str:
        return self.to_text()

