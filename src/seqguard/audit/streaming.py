"""The audit of a Parquet folder, shard by shard: :func:`audit_streaming`.

Every check of :func:`~seqguard.audit.audit` runs on each shard (a group of whole
series, :class:`~seqguard.io.dataset.ParquetDataset`), one shard in memory at a
time, and the shards' reports are merged into one :class:`AuditReport`:

* the summary's counts are the folder's totals (rows, series, inserted rows,
  missing values per column);
* a finding about one series is kept as it is (a series lives in one shard, so its
  figures are exact);
* a finding about the table or a column, found in several shards, is reported once:
  the worst shard's (highest severity, first shard among equals), with its evidence
  and with ``evidence["shards"]`` = ``[shards where found, shards in all]``; its
  figures are that shard's, not the folder's, and the message says so.

Checks that compare series with each other (``scale_disparity``, ``short_series``)
compare within a shard.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..findings import Finding, severity_rank
from .api import _check_target, run_checks
from .report import AuditReport

if TYPE_CHECKING:
    from ..io.dataset import ParquetDataset

__all__ = ["audit_streaming"]

#: Summary entries that are totals over shards.
_TOTALS = ("n_rows", "n_series", "inserted_rows")


def audit_streaming(data: ParquetDataset, target: str | None = None) -> AuditReport:
    """Audit every shard of ``data`` and merge the reports (module docstring).

    Parameters
    ----------
    data : ParquetDataset
    target : str, optional
        As for :func:`~seqguard.audit.audit` (default: the dataset's target).

    Returns
    -------
    AuditReport
        ``summary["source"]`` is the folder, ``summary["n_shards"]`` the shards.
    """
    target = target if target is not None else data.target
    per_series: list[Finding] = []
    merged: dict[tuple[str, str | None], tuple[Finding, int]] = {}
    summary: dict[str, Any] = {}
    n = 0
    for series in data.shards:
        table = data.read_series(series)
        if target is not None and not n:
            _check_target(table, target)
        report = run_checks(table, target)
        del table  # one shard in memory: let it go before reading the next
        n += 1
        _add_summary(summary, report.summary)
        for f in report.findings:
            if f.series is not None:
                per_series.append(f)
                continue
            key = (f.code, f.column)
            if key not in merged:
                merged[key] = (f, 1)
                continue
            kept, count = merged[key]
            worse = severity_rank(f.severity) < severity_rank(kept.severity)
            merged[key] = (f if worse else kept, count + 1)
    summary["source"] = str(data.path)
    summary["n_shards"] = n
    shared = []
    for f, count in merged.values():
        if n > 1:
            where = f" (found in {count} of {n} shards; the figures are one shard's)"
            f = replace(f, message=f.message.rstrip() + where,
                        evidence={**f.evidence, "shards": [count, n]})
        shared.append(f)
    return AuditReport(shared + per_series, summary)


def _add_summary(total: dict[str, Any], part: dict[str, Any]) -> None:
    """Add one shard's summary to the running one (totals summed, the rest kept)."""
    if not total:
        total.update({k: (dict(v) if isinstance(v, dict) else v) for k, v in part.items()})
        return
    for key in _TOTALS:
        total[key] = int(total.get(key, 0)) + int(part.get(key, 0))
    missing = total.setdefault("missing", {})
    for col, count in part.get("missing", {}).items():
        missing[col] = int(missing.get(col, 0)) + int(count)
