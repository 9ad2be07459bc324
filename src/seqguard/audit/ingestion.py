"""What reading the table did to the time index: facts from the
:class:`~seqguard.table.IngestReport`.

``time_column`` (found by content or from date parts), ``units_stripped``,
``duplicate_timestamps`` (repeated (series, time) pairs, merged), ``unsorted_rows``,
``irregular_timestamps`` (steps off the grid, put on a regular grid),
``inserted_rows`` (gaps in the time index filled with empty rows) and ``na_markers``.
"""

from __future__ import annotations

from .context import AuditContext
from .formatting import _freq_str, _pct


def time_column(ctx: AuditContext) -> None:
    """``time_column``: the time column was found by content or built from date parts."""
    r = ctx.table.report
    found = getattr(r, "time_col_found", "")
    if found.startswith(("found by content", "from the date parts")):
        ctx.add("time_column", "info", ctx.table.time_col,
                f"time column: {ctx.table.time_col!r} ({found}).",
                "Nothing to do if it is the time; pass --time-col to choose another "
                "column.", how=found)


def units_stripped(ctx: AuditContext) -> None:
    """``units_stripped``: columns read as numbers with their unit removed."""
    for col, unit in getattr(ctx.table.report, "units", {}).items():
        ctx.add("units_stripped", "info", col,
                f"Column {col!r} was read as numbers with its unit {unit!r} removed.",
                "Nothing to do: this is what --strip-units asked for.",
                unit=unit)


def duplicate_timestamps(ctx: AuditContext) -> None:
    """``duplicate_timestamps``: rows that repeated a (series, time) pair, merged."""
    r = ctx.table.report
    if r.duplicate_rows:
        ex = ", ".join(f"({a}, {b})" for a, b in r.duplicate_examples[:3])
        ctx.add("duplicate_timestamps", "warning", None,
                f"{r.duplicate_rows} rows repeated a (series, time) pair of an earlier "
                f"row{' (e.g. ' + ex + ')' if ex else ''} and were merged by "
                f"{r.duplicates_policy!r}.",
                "Check the source for double exports; --duplicates mean|first|last "
                "chooses how repeats are merged.",
                count=r.duplicate_rows, policy=r.duplicates_policy,
                examples=[list(map(str, p)) for p in r.duplicate_examples])


def unsorted_rows(ctx: AuditContext) -> None:
    """``unsorted_rows``: input rows out of time order (the table is sorted)."""
    r = ctx.table.report
    if r.unsorted_rows:
        ctx.add("unsorted_rows", "info", None,
                f"{r.unsorted_rows} of {r.n_input_rows} input rows were out of time "
                "order; the table was sorted by (series, time).",
                "Nothing to do: seqguard sorts every read; sort the source to silence "
                "this.", count=r.unsorted_rows, input_rows=r.n_input_rows)


def irregular_timestamps(ctx: AuditContext) -> None:
    """``irregular_timestamps``: steps off the grid; rows put on a regular grid."""
    r = ctx.table.report
    if r.irregular_steps or r.aggregated_rows:
        freq = _freq_str(ctx.table.freq)
        agg = (f"; {r.aggregated_rows} rows inside one step were averaged"
               if r.aggregated_rows else "")
        how = "inferred" if r.freq_inferred else "given"
        ctx.add("irregular_timestamps", "warning" if r.aggregated_rows else "info", None,
                f"{r.irregular_steps} time steps were not the {how} step {freq}; "
                f"the time axis was put on a regular {freq} grid{agg}.",
                "Check that --freq is the step you mean (a coarser --freq averages "
                "more, a finer one inserts more empty rows).",
                irregular_steps=r.irregular_steps, aggregated_rows=r.aggregated_rows,
                freq=freq, freq_inferred=r.freq_inferred)


def inserted_rows(ctx: AuditContext) -> None:
    """``inserted_rows``: gaps in the time index filled with empty grid rows."""
    r = ctx.table.report
    n_ins = ctx.n_inserted or r.inserted_rows
    if n_ins:
        frac = n_ins / max(1, ctx.n)
        ctx.add("inserted_rows", "warning" if frac >= 0.2 else "info", None,
                f"{n_ins} grid rows ({_pct(frac)}) were missing from the input and "
                f"were inserted with every value missing (longest run "
                f"{r.largest_inserted_run}).",
                "Nothing to do for a few; if many, check that --freq matches the data.",
                count=n_ins, fraction=round(frac, 6),
                largest_run=r.largest_inserted_run)


def na_markers(ctx: AuditContext) -> None:
    """``na_markers``: missing-data markers read as missing (``--na-values``)."""
    r = ctx.table.report
    if r.na_markers:
        total = int(sum(r.na_markers.values()))
        shown = ", ".join(f"{k!r}: {v}" for k, v in list(r.na_markers.items())[:5])
        ctx.add("na_markers", "info", None,
                f"{total} missing-data markers were read as missing ({shown}).",
                "Nothing to do: this is what --na-values asked for.",
                count=total, per_column=dict(r.na_markers))


#: The checks of this module, in the order they run.
INGESTION_CHECKS = (time_column, units_stripped, duplicate_timestamps, unsorted_rows,
                    irregular_timestamps, inserted_rows, na_markers)
