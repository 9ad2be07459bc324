"""What the ``seqguard`` commands print: audit findings, the score tables and the
verdict, the training budget, the line each command ends with, and warnings as one
``warning:`` line each.

Tables and styled text go through :func:`seqguard._status.console`: colour only on a
terminal, none with ``NO_COLOR``. Progress and the line saying what a command wrote go
to stderr, so that what a command prints on stdout (a CSV, JSON) stays clean.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click


def _console(stderr: bool = False) -> Any:
    from .._status import console

    return console(stderr=stderr)


# ------------------------------------------------------------------ commands

def _print_audit(report: Any, fmt: str, *, quiet: bool = False, verbose: bool = False) -> None:
    """Print an audit report as JSON, or as a table (``quiet``: no info rows)."""
    if fmt == "json":
        click.echo(report.to_json())
        return
    shown = report
    if quiet:
        shown = type(report)(findings=[f for f in report if f.severity != "info"],
                             summary=report.summary)
    click.echo(shown.to_text(), nl=False)
    if verbose:
        import json

        for f in shown:
            click.echo(f"{f.code} [{f.column or '-'}]: {json.dumps(f.evidence)}")



def _print_scores(metrics: dict[str, Any], options: dict[str, Any] | None = None, *,
                  period: str | None = None) -> None:
    """The score table and the verdict; ``options`` (the run's parameters) shape the advice.

    The table is titled by what was scored: the test part of a fit, or (``period``, from
    ``evaluate``) the time span of the windows scored.
    """
    from rich.table import Table as RichTable

    test = metrics.get("test", {})
    if "accuracy" in test:
        _print_classification(metrics, period=period)
        return
    if "mae" not in test:
        click.echo(json.dumps(metrics, indent=2))
        return
    table = RichTable(title=_scores_title(metrics, period, "windows"))
    table.add_column("model")
    table.add_column("MAE", justify="right")
    table.add_column("RMSE", justify="right")
    fmt = lambda v: "-" if v is None else f"{v:.3f}"
    table.add_row("seqguard", fmt(test.get("mae")), fmt(test.get("rmse")))
    for name, sc in metrics.get("baselines", {}).items():
        table.add_row(name, fmt(sc.get("mae")), fmt(sc.get("rmse")))
    _console().print(table)
    from ..metrics import verdict_lines

    click.echo(f"Scores in the target's units ({metrics.get('target')!r}), over observed "
               "targets only.")
    if metrics.get("skill_vs_mean") is not None:
        click.echo(f"skill vs the training mean {metrics['skill_vs_mean']:+.3f} "
                   "(1 - MAE/MAE_mean).")
    for line in verdict_lines(metrics, options):
        click.echo(line)


def _scores_title(metrics: dict[str, Any], period: str | None, unit: str) -> str:
    """``test scores of 'y' (58 windows)`` after a fit; ``scores of 'y' on 2014-01-01 ..
    2014-12-31 (8,737 windows)`` from ``evaluate``."""
    n = metrics.get("n_windows", {}).get("test")
    count = f"{n:,} {unit}" if isinstance(n, int) else f"{n} {unit}"
    if unit == "series":
        count += f", {metrics.get('n_classes')} classes"
    what = "test scores" if period is None else "scores"
    on = "" if period is None else f" on {period}"
    return f"{what} of {metrics.get('target')!r}{on} ({count})"


def _period(table: Any) -> str:
    """The time span of a table, as the scores' title gives it: ``2014-01-01 ..
    2014-12-31`` (times of day only when the span is within one day), ``time 0 .. 239``
    for numeric time."""
    import pandas as pd

    t = table.frame[table.time_col]
    if len(t) == 0:
        return "no rows"
    lo, hi = t.min(), t.max()
    if not pd.api.types.is_datetime64_any_dtype(t):
        return f"{table.time_col} {lo:g} .. {hi:g}"
    fmt = "%Y-%m-%d %H:%M" if lo.normalize() == hi.normalize() and lo != hi else "%Y-%m-%d"
    return f"{lo.strftime(fmt)} .. {hi.strftime(fmt)}"


def _print_classification(metrics: dict[str, Any], period: str | None = None) -> None:
    from rich.table import Table as RichTable

    test, base = metrics["test"], metrics.get("baselines", {})
    fmt = lambda v: "-" if v is None else f"{v:.3f}"
    table = RichTable(title=_scores_title(metrics, period, "series"))
    for col in ("model", "accuracy", "ROC AUC", "PR AUC", "log loss"):
        table.add_column(col, justify="left" if col == "model" else "right")
    table.add_row("seqguard", *(fmt(test.get(k)) for k in ("accuracy", "roc_auc", "pr_auc",
                                                            "log_loss")))
    table.add_row("majority class", fmt(base.get("majority", {}).get("accuracy")), "-", "-",
                  "-")
    table.add_row("base rate", "-", "-", "-", fmt(base.get("base_rate", {}).get("log_loss")))
    _console().print(table)
    for key, note in (test.get("notes") or {}).items():
        click.echo(f"{key}: {note}")


def _audit_line(f: Any) -> str:
    """One finding as one line: ``warning: <message> Fix: <fix>`` (messages name the place)."""
    severity = "note" if f.severity == "info" else f.severity
    text = f"{severity}: {' '.join(f.message.split())}"
    return f"{text} Fix: {' '.join(f.fix.split())}" if f.fix else text


# info findings about choices the reader made for the user, shown by fit as "note:" lines
_READ_NOTES = ("time_column", "units_stripped")


def _audit_gate(*, quiet: bool, ignore: bool,
                verbose: bool = False) -> Callable[[Any], None]:
    """What ``fit`` does with the audit of its training data, before it trains.

    Prints the error and warning findings one line each on stderr, and as ``note:``
    the choices reading made for the user (the time column found by content, units
    stripped); ``--quiet`` hides all but the errors, ``--verbose`` shows every finding with
    its evidence. Stops with exit 3 on an error-severity finding unless ``--ignore-audit``;
    nothing is written then.
    """
    from ..errors import AuditFailed

    def gate(report: Any) -> None:
        from .._status import current_steps

        c = report.counts
        shown_steps = current_steps()
        if shown_steps is not None:  # reading is done: the audit line says what was read
            shown_steps.finish()
        errors = [f for f in report if f.severity == "error"]
        shown = errors if quiet else list(report) if verbose else [
            f for f in report if f.severity in ("error", "warning") or f.code in _READ_NOTES]
        if not quiet:
            click.echo(f"audit of {report.source}{_rows(report.summary)}: {c['error']} "
                       f"errors, {c['warning']} warnings, {c['info']} notes (seqguard audit "
                       "DATA for all of them)", err=True)
        for f in shown:
            click.echo(_audit_line(f), err=True)
            if verbose:
                click.echo(f"  evidence: {json.dumps(f.evidence, default=str)}", err=True)
        if errors and not ignore:
            raise AuditFailed(
                f"the audit of {report.source} found {len(errors)} error-severity "
                f"problem{'s' if len(errors) > 1 else ''} (above); nothing was trained or "
                "written. Fix the data, or pass --ignore-audit to train anyway.")
        if errors and not quiet:
            click.echo(f"warning: training despite {len(errors)} audit error"
                       f"{'s' if len(errors) > 1 else ''} (--ignore-audit).", err=True)
        if shown_steps is not None:
            shown_steps.start("preparing windows")

    return gate


def _run_line(path: Any) -> str:
    """The line ``fit`` ends with: the run directory, and its report when it has one."""
    from pathlib import Path

    report = Path(path) / "report.html"
    return f"run directory: {path}" + (f" (report: {report})" if report.is_file() else "")


def _rows(summary: dict[str, Any]) -> str:
    """`` (43,824 rows)``, with the series when there are several; ``""`` if unknown."""
    rows = summary.get("n_rows")
    if not isinstance(rows, int):
        return ""
    series = summary.get("n_series") or 1
    return f" ({rows:,} rows" + (f", {series:,} series)" if series > 1 else ")")


def _read_line(source: str, summary: dict[str, Any]) -> str:
    """``read data.csv (43,824 rows)``: the line that ends reading a file."""
    return f"read {source}{_rows(summary)}"


def _print_budget(est: Any, quiet: bool) -> None:
    """One line on the batch size and the steps per epoch."""
    b = getattr(est, "budget_", {})
    if b and not quiet:
        unit = "sequences" if est.task == "classify" else "windows"
        best = "" if b.get("best_epoch") is None else \
            f", best epoch {b['best_epoch']}" + (" (the untrained start)"
                                                 if b["best_epoch"] == 0 else "")
        click.echo(f"training: batch size {b['batch_size']}{' (auto)' if b['auto'] else ''}"
                   f" for {b['n_train']} {unit}: {b['steps_per_epoch']} steps per epoch, "
                   f"{b['epochs_run']} epoch(s){best} ({b['stopped_reason'].replace('_', ' ')})"
                   ".")



def _show_warning(message: Warning | str, category: type[Warning], filename: str,
                  lineno: int, file: Any = None, line: str | None = None) -> None:
    """Warnings on the command line: ``warning: <message>``, no source path or code."""
    text = " ".join(str(message).split())
    click.echo(f"warning: {text}", err=True)
