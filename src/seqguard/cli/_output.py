"""What the ``seqguard`` commands print: audit findings, the score tables and the
verdict, the training budget, and warnings as one ``warning:`` line each."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


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



def _print_scores(metrics: dict[str, Any], options: dict[str, Any] | None = None) -> None:
    """The score table and the verdict; ``options`` (the run's parameters) shape the advice."""
    from rich.table import Table as RichTable

    test = metrics.get("test", {})
    if "accuracy" in test:
        _print_classification(metrics)
        return
    if "mae" not in test:
        click.echo(json.dumps(metrics, indent=2))
        return
    table = RichTable(title=f"test scores of {metrics.get('target')!r} "
                            f"({metrics.get('n_windows', {}).get('test')} windows)")
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


def _print_classification(metrics: dict[str, Any]) -> None:
    from rich.table import Table as RichTable

    test, base = metrics["test"], metrics.get("baselines", {})
    fmt = lambda v: "-" if v is None else f"{v:.3f}"
    table = RichTable(title=f"test scores of {metrics.get('target')!r} "
                            f"({metrics.get('n_windows', {}).get('test')} series, "
                            f"{metrics.get('n_classes')} classes)")
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
        c = report.counts
        errors = [f for f in report if f.severity == "error"]
        shown = errors if quiet else list(report) if verbose else [
            f for f in report if f.severity in ("error", "warning") or f.code in _READ_NOTES]
        if not quiet:
            click.echo(f"audit of {report.source}: {c['error']} errors, {c['warning']} "
                       f"warnings, {c['info']} notes (seqguard audit DATA for all of them)",
                       err=True)
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

    return gate


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
