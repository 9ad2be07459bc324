"""The entry point :func:`audit` and the list of checks it runs.

:func:`audit` reads the data if needed, checks the target, builds an
:class:`~seqguard.audit.context.AuditContext` and runs every check on it:
:data:`COLUMN_CHECKS` once per value column (numeric or categorical), then
:data:`TABLE_CHECKS` once for the table. Each check is a plain function in the
module named for it (``sentinels.py``, ``leakage.py``, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import InputError, did_you_mean, format_list
from ..table import Table
from .by_series import series_figures
from .categorical import categorical_column
from .context import AuditContext
from .formatting import _freq_str
from .ingestion import INGESTION_CHECKS
from .leakage import leakage
from .numeric import numeric_column
from .report import AuditReport
from .scale import large_values, scale_disparity
from .series import short_series

__all__ = ["COLUMN_CHECKS", "TABLE_CHECKS", "audit", "run_checks"]

#: Checks of one column, by kind of column: ``check(ctx, column)``.
COLUMN_CHECKS: dict[str, Callable[[AuditContext, str], None]] = {
    "numeric": numeric_column,
    "categorical": categorical_column,
}


def _short_series(ctx: AuditContext) -> None:
    """``short_series``, with more than one series only."""
    if ctx.multi:
        short_series(ctx)


def _leakage(ctx: AuditContext) -> None:
    """The leakage checks, for a numeric target only."""
    if ctx.target is not None and ctx.target in ctx.table.numeric:
        leakage(ctx)


#: Checks of the whole table, in order, after the column checks: ``check(ctx)``.
TABLE_CHECKS: tuple[Callable[[AuditContext], None], ...] = (
    scale_disparity, large_values, *INGESTION_CHECKS, _short_series, _leakage,
)


def audit(data: Any, *, target: str | None = None, **read_options: Any) -> AuditReport:
    """Audit a table: find what will hurt training and say how to fix it.

    Parameters
    ----------
    data : Table or anything :func:`seqguard.read` accepts
        An ingested :class:`~seqguard.table.Table`, or data to read first with
        ``read(data, target=target, **read_options)`` (a path, a DataFrame, ...).
    target : str, optional
        The column to predict. Enables the target checks (missing, constant) and
        the leakage checks. Defaults to ``data.target`` for a ``Table``.
    **read_options
        Passed to :func:`seqguard.read` (``time_col``, ``series_col``, ``features``,
        ``categorical``, ``na_values``, ``freq``, ``duplicates``). Not allowed with a
        ``Table``, which is already read.

    Returns
    -------
    AuditReport
        The findings, sorted error first; ``report.exit_code`` is 3 if any finding
        blocks training.

    Raises
    ------
    InputError
        If ``target`` is not a value column, or read options come with a ``Table``
        (and whatever :func:`seqguard.read` raises on unreadable data).

    Examples
    --------
    >>> import pandas as pd
    >>> from seqguard.audit import audit
    >>> df = pd.DataFrame({"t": range(8), "x": [1.0, 3, -200, 2, 4, -200, 5, -200],
    ...                    "y": [1.0, 2, None, 4, 5, 6, 7, 8]})
    >>> report = audit(df, time_col="t", target="y")
    >>> report.codes()
    ['sentinel_value', 'target_missing']
    >>> report.select(code="sentinel_value")[0].fix
    'Pass --na-values -200 to read it as missing.'
    >>> report.exit_code
    0
    """
    if isinstance(data, Table):
        if read_options:
            raise InputError(
                f"audit() got read options {format_list(sorted(read_options))} with a Table "
                "that is already read. Pass them to seqguard.read(), or pass the raw data "
                "to audit()."
            )
        table = data
    else:
        from ..io import read  # lazy: io imports heavy readers

        table = read(data, target=target, **read_options)
    if target is None:
        target = table.target
    if target is not None:
        _check_target(table, target)
    return run_checks(table, target)


def _check_target(table: Table, target: str) -> None:
    """Refuse a target that is not a value column (naming the columns there are)."""
    if target in table.numeric or target in table.categorical:
        return
    cols = table.value_columns
    if target in (table.time_col, table.series_col):
        what = "time" if target == table.time_col else "series"
        raise InputError(
            f"{table.source}: the target {target!r} is the {what} column; choose a value "
            f"column with --target ({format_list(cols)})."
        )
    raise InputError(
        f"{table.source}: there is no value column {target!r} to use as the target; the "
        f"value columns are {format_list(cols, limit=8)}.{did_you_mean(target, cols)} "
        "Fix the --target option."
    )




def run_checks(table: Table, target: str | None) -> AuditReport:
    """Run every check on ``table`` (already read, ``target`` already checked)."""
    ctx = AuditContext(table, target)
    for col in table.value_columns:
        kind = "numeric" if col in table.numeric else "categorical"
        COLUMN_CHECKS[kind](ctx, col)
    for check in TABLE_CHECKS:
        check(ctx)
    return AuditReport(ctx.findings, _summary(ctx), series_figures(ctx))


def _summary(ctx: AuditContext) -> dict[str, Any]:
    """The table facts of the report (``AuditReport.summary``)."""
    t = ctx.table
    return {
        "source": t.source,
        "n_rows": ctx.n,
        "n_series": len(ctx.starts) if ctx.n else 0,
        "n_columns": len(t.value_columns),
        "freq": _freq_str(t.freq),
        "time_col": t.time_col,
        "series_col": t.series_col,
        "target": ctx.target,
        "numeric": list(t.numeric),
        "categorical": list(t.categorical),
        "inserted_rows": ctx.n_inserted,
        "missing": {c: ctx.missing_counts.get(c, 0) for c in t.value_columns},
    }
