"""The ``seqguard`` command.

Every error a user can cause prints one line, ``error: <message>``, on stderr
and exits 2 (``TrainingFailed`` exits 4; ``audit`` exits 3 when it finds an
error-severity problem, and so does ``fit`` before training unless
``--ignore-audit``). No traceback, nothing written. Every warning prints as one
``warning: <message>`` line on stderr, never as a Python warning with its source.

Any option can also come from ``--config FILE.toml`` (keys are option names, with
``-`` or ``_``); the command line wins over the file.
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .errors import InputError, SeqguardError, did_you_mean

__all__ = ["cli", "main"]


# ----------------------------------------------------------------- plumbing
class _Choice(click.Choice):
    """A Choice whose error adds "did you mean"."""

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            hint = did_you_mean(str(value), [str(c) for c in self.choices])
            raise click.BadParameter(f"{exc.message}{hint}", ctx=ctx, param=param) from None


def _load_toml(path: str) -> dict[str, Any]:
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    p = Path(path)
    if not p.is_file():
        raise InputError(f"config file '{path}' does not exist (given by --config). "
                         "Check the path.")
    try:
        with open(p, "rb") as fh:
            return tomllib.load(fh)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"config file '{path}' is not valid TOML ({exc}). Fix the file.") from None


class _ConfigCommand(click.Command):
    """Reads ``--config FILE.toml`` before parsing, as defaults the command line overrides."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        path = None
        for i, a in enumerate(args):
            if a == "--config" and i + 1 < len(args):
                path = args[i + 1]
            elif a.startswith("--config="):
                path = a.split("=", 1)[1]
        if path is not None:
            raw = _load_toml(path)
            # option spelling (--time-col → time-col) → parameter name (time_col)
            names = {opt.lstrip("-"): p.name for p in self.params
                     if isinstance(p, click.Option) for opt in p.opts if opt.startswith("--")}
            names.pop("config", None)
            defaults: dict[str, Any] = {}
            for key, value in raw.items():
                spelled = key.replace("_", "-")
                if spelled not in names:
                    raise InputError(f"config file '{path}': unknown option {key!r}."
                                     f"{did_you_mean(spelled, names)}")
                if isinstance(value, list):
                    value = ",".join(str(v) for v in value)
                defaults[str(names[spelled])] = value
            extra.setdefault("default_map", {}).update(defaults)
        return super().make_context(info_name, args, parent=parent, **extra)


def _schema_options(f: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--time-col", help="Time column, or date parts such as year,month,day,hour "
                                        "(default: found by name, else by content)."),
        click.option("--series-col", help="Column(s) naming the series, comma-separated."),
        click.option("--features", help="Value columns to use, comma-separated (default: all)."),
        click.option("--categorical", help="Columns to treat as categories, comma-separated."),
        click.option("--na-values", help="Extra missing markers, e.g. -200,-9999."),
        click.option("--freq", help="Grid step: h, 15min, D, B, W-SAT, MS, ME (M = month end), "
                     "QS, YS, or a word (month, week, bday); a number for numeric time."),
        click.option("--delimiter", help="CSV delimiter, e.g. ';' or '\\t' (default: sniffed)."),
        click.option("--thousands", help="Thousands separator of numbers, e.g. ',' for 20,123.4."),
        click.option("--decimal", help="Decimal mark when it is not '.', e.g. ',' for 3,14."),
        click.option("--encoding", help="Text encoding of a CSV file, e.g. latin-1 (default: "
                                        "UTF-8)."),
        click.option("--strip-units", help="Columns of numbers written with a unit (23.1 °C, "
                                           "45%) to read as numbers, comma-separated."),
        click.option("--duplicates", type=_Choice(["error", "mean", "first", "last"]),
                     default="error", show_default=True,
                     help="What to do with rows that repeat a (series, time) pair."),
        click.option("--data-dir", type=click.Path(file_okay=False), default=None,
                     help="Folder holding the bundled datasets (else $SEQGUARD_DATA)."),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


def _read_options(kw: dict[str, Any]) -> dict[str, Any]:
    return {k: kw.get(k) for k in ("time_col", "series_col", "features", "categorical",
                                   "na_values", "freq", "thousands", "decimal", "encoding",
                                   "strip_units")} | {"sep": kw.get("delimiter"),
                                                      "duplicates": kw.get("duplicates",
                                                                           "error")}


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


# ------------------------------------------------------------------ commands
@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="seqguard")
def cli() -> None:
    """Train LSTM/GRU models on messy time series, with the failure modes made visible."""


@cli.command(cls=_ConfigCommand)
@click.argument("data")
@_schema_options
@click.option("--target", help="The column to predict (enables the target checks).")
@click.option("--format", "fmt", type=_Choice(["text", "json"]), default="text",
              show_default=True, help="Readable table, or stable JSON for machines.")
@click.option("--quiet", is_flag=True, help="Print only errors and warnings.")
@click.option("--verbose", is_flag=True, help="Also print the evidence of each finding.")
@click.option("--config", type=click.Path(), help="TOML file with any of these options.")
def audit(data: str, target: str | None, fmt: str, quiet: bool, verbose: bool,
          **kw: Any) -> None:
    """Check DATA for the problems that break sequence models, before training.

    Exit 0 when nothing blocks training, 3 when an error-severity problem exists.
    """
    from .audit import audit as run_audit
    from .io import read

    table = read(data, target=target, **_read_options(kw))
    report = run_audit(table, target=target)
    _print_audit(report, fmt, quiet=quiet, verbose=verbose)
    sys.exit(report.exit_code)


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


#: seqguard.residual_base.HEADS, spelled out so that the CLI starts without numpy.
_HEADS = ("residual", "residual:auto", "residual:persistence", "residual:seasonal",
          "residual:climatology", "direct")


def _fit_options(f: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--task", type=_Choice(["forecast", "tag", "classify"]), default="forecast",
                     show_default=True),
        click.option("--input-len", type=int, default=48, show_default=True,
                     help="Steps of history in each input window."),
        click.option("--horizon", type=int, default=24, show_default=True,
                     help="Steps to forecast (1 = many-to-one)."),
        click.option("--val-start", help="Date or row position where validation starts."),
        click.option("--test-start", help="Date or row position where the test part starts."),
        click.option("--val-frac", type=float, default=0.15, show_default=True),
        click.option("--test-frac", type=float, default=0.15, show_default=True),
        click.option("--val-data", type=click.Path(), default=None,
                     help="A validation set in a file of its own (read like DATA; "
                          "--val-frac 0 leaves no validation part in DATA)."),
        click.option("--test-data", type=click.Path(), default=None,
                     help="A test set in a file of its own (read like DATA): the scores "
                          "are computed on it; --test-frac 0 leaves no test part in DATA."),
        click.option("--missing", default="auto", show_default=True,
                     help="auto|drop|mask|indicators|impute:<mean|median|ffill|bfill|linear|"
                          "time|knn|seasonal>."),
        click.option("--scaler", default="standard", show_default=True,
                     help="standard|minmax|robust|none (inputs and target)."),
        click.option("--target-scaler", default=None, help="Overrides --scaler for the target."),
        click.option("--scale-per", type=_Choice(["global", "series"]), default="global",
                     show_default=True),
        click.option("--lags", help="e.g. 1,2,24 (target) or 'pm2.5:1,24;TEMP:1'."),
        click.option("--rolling", help="e.g. 24,168 (target) or 'pm2.5:24'."),
        click.option("--indicators", help="sma, ema, rsi, macd, bollinger, e.g. 'sma:20,rsi:14'."),
        click.option("--calendar", default=None,
                     help="none (default), auto (by the grid step; off for numeric time), or parts: "
                          "hour,dayofweek,month,dayofyear."),
        click.option("--pad", type=_Choice(["right", "left"]), default="right",
                     show_default=True, help="classify: where padding goes."),
        click.option("--max-len", type=int, default=None, help="classify: truncate longer."),
        click.option("--pool", type=_Choice(["auto", "last", "mean", "max", "attention"]),
                     default="auto", show_default=True,
                     help="classify: how the steps become one vector (auto: the classify "
                          "default, docs/classification.md)."),
        click.option("--static", default="auto", show_default=True,
                     help="classify: static covariates (values recorded once per sequence) "
                          "fed next to the pooled state: detect, none, COL,COL, or auto "
                          "(the classify default)."),
        click.option("--class-weight", type=_Choice(["auto", "none", "balanced"]),
                     default="auto", show_default=True,
                     help="classify: balanced weights each class by n / (classes x count); "
                          "auto: the classify default."),
        click.option("--select", type=_Choice(["auto", "loss", "roc_auc"]), default="auto",
                     show_default=True,
                     help="classify: the best epoch by validation loss or ROC-AUC."),
        click.option("--model", "model_name", type=_Choice(["auto", "lstm", "gru", "grud"]),
                     default="auto", show_default=True,
                     help="auto: lstm for forecast and tag; the classify default otherwise "
                          "(docs/classification.md)."),
        click.option("--head", type=_Choice(list(_HEADS)), default="residual",
                     show_default=True,
                     help="forecast: residual[:auto|persistence|seasonal|climatology] "
                          "predicts a correction to that baseline (residual = residual:auto: "
                          "the best on validation); direct predicts the value itself."),
        click.option("--ar", default="auto", show_default=True,
                     help="forecast, residual head: the recent target steps added linearly "
                          "to the correction (auto: the last two seasons where the base is "
                          "seasonal; 0: none)."),
        click.option("--norm", type=_Choice(["none", "revin", "revin:affine"]), default="none",
                     show_default=True,
                     help="forecast: revin normalises the target's input by each window's "
                          "observed mean and std and inverts the forecast exactly "
                          "(revin:affine adds RevIN's learnable scale and shift)."),
        click.option("--ensemble", type=click.IntRange(min=1), default=1, show_default=True,
                     help="Train K models with seeds seed..seed+K-1 on the same data and "
                          "average their predictions (probabilities for classify)."),
        click.option("--hidden", type=int, default=64, show_default=True),
        click.option("--layers", type=int, default=2, show_default=True),
        click.option("--dropout", default="auto", show_default=True,
                     help="A number in [0, 1), or auto: 0.1 between recurrent layers for "
                          "forecasting, none otherwise."),
        click.option("--head-layers", type=int, default=0, show_default=True),
        click.option("--activation", type=_Choice(["relu", "sigmoid", "tanh"]), default=None,
                     help="Output activation for regression (none by default)."),
        click.option("--bidirectional", is_flag=True),
        click.option("--loss", type=_Choice(["l1", "mse", "huber"]), default="l1",
                     show_default=True),
        click.option("--optimizer", type=_Choice(["adamw", "adam", "rmsprop", "sgd"]),
                     default="adamw", show_default=True),
        click.option("--precision", type=_Choice(["32", "bf16-mixed", "16-mixed"]),
                     default="32", show_default=True),
        click.option("--epochs", type=int, default=30, show_default=True),
        click.option("--patience", type=int, default=5, show_default=True),
        click.option("--batch-size", default="auto", show_default=True,
                     help="An integer, or auto: a power of two in [16, 64] that gives "
                          "each epoch at least 32 optimiser steps."),
        click.option("--lr", type=float, default=1e-3, show_default=True),
        click.option("--weight-decay", type=float, default=1e-4, show_default=True),
        click.option("--clip", type=float, default=1.0, show_default=True),
        click.option("--seed", type=int, default=0, show_default=True),
        click.option("--season", type=int, default=None,
                     help="Season length for the seasonal-naive baseline (default from --freq)."),
        click.option("--devices", default="auto", show_default=True),
        click.option("--accelerator", default="cpu", show_default=True),
        click.option("--strategy", default="auto", show_default=True),
        click.option("--resume", is_flag=True, help="Continue an interrupted run from its "
                                                    "last checkpoint."),
        click.option("--overwrite", is_flag=True, help="Replace an existing run directory."),
        click.option("--quiet", is_flag=True, help="No progress bar, only the result."),
        click.option("--verbose", is_flag=True),
        click.option("--config", type=click.Path(), help="TOML file with any of these options."),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


_EST_KEYS = ("input_len", "horizon", "missing", "scaler", "target_scaler", "scale_per", "lags",
             "rolling", "indicators", "calendar", "val_start", "test_start", "val_frac",
             "test_frac", "pad", "max_len", "hidden", "layers", "dropout", "bidirectional",
             "head", "ar", "head_layers", "activation", "loss", "optimizer", "lr", "weight_decay",
             "clip", "epochs", "patience", "batch_size", "precision", "seed", "devices",
             "accelerator", "strategy", "season", "norm", "ensemble", "pool", "static",
             "class_weight", "select")


def _estimator(target: str, task: str, model_name: str, quiet: bool,
               kw: dict[str, Any]) -> Any:
    from .estimator import Forecaster, SequenceClassifier, SequenceTagger

    cls = {"forecast": Forecaster, "tag": SequenceTagger, "classify": SequenceClassifier}[task]
    params = {k: kw[k] for k in _EST_KEYS if k in kw}
    for k in ("val_start", "test_start"):
        v = params.get(k)
        if isinstance(v, str) and v.strip().lstrip("+-").isdigit():
            params[k] = int(v)
    if params.get("class_weight") == "none":
        params["class_weight"] = None
    b = params.get("batch_size")
    if isinstance(b, str) and b.strip().isdigit():
        params["batch_size"] = int(b)
    elif isinstance(b, str) and b.strip().lower() != "auto":
        raise InputError(f"--batch-size must be 'auto' or an integer >= 1; got {b!r}.")
    read_options = {k: v for k, v in _read_options(kw).items() if v is not None}
    return cls(target, model=model_name, progress=False if quiet else None,
               read_options=read_options, **params)


def _check_out(out: str, overwrite: bool, resume: bool) -> Path:
    from .artifact import verify_run

    path = Path(out)
    if path.exists() and not path.is_dir():
        raise InputError(f"--out '{out}' is a file. Pass a folder for the run directory.")
    if path.is_dir() and any(path.iterdir()) and not (overwrite or resume):
        is_run = (path / "MANIFEST.json").exists() and not verify_run(path)
        what = "a seqguard run" if is_run else "files"
        raise InputError(f"--out '{out}' already holds {what}. Pass --overwrite to replace "
                         "it, or choose another folder.")
    return path


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
    from .metrics import verdict_lines

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


def _audit_gate(*, quiet: bool, ignore: bool) -> Callable[[Any], None]:
    """What ``fit`` does with the audit of its training data, before it trains.

    Prints the error and warning findings one line each on stderr, and as ``note:``
    the choices reading made for the user (the time column found by content, units
    stripped); ``--quiet`` hides all but the errors and stops with exit 3 on an error-severity
    finding unless ``--ignore-audit``; nothing is written then.
    """
    from .errors import AuditFailed

    def gate(report: Any) -> None:
        c = report.counts
        errors = [f for f in report if f.severity == "error"]
        shown = errors if quiet else [f for f in report if f.severity in ("error", "warning")
                                      or f.code in _READ_NOTES]
        if not quiet:
            click.echo(f"audit of {report.source}: {c['error']} errors, {c['warning']} "
                       f"warnings, {c['info']} notes (seqguard audit DATA for all of them)",
                       err=True)
        for f in shown:
            click.echo(_audit_line(f), err=True)
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


def _run_fit(data: Any, target: str, out: str, task: str, model_name: str, quiet: bool,
             overwrite: bool, resume: bool, kw: dict[str, Any]) -> None:
    from .errors import TrainingFailed
    from .metrics import json_safe

    path = _check_out(out, overwrite, resume)
    est = _estimator(target, task, model_name, quiet, kw)
    est.make_pipeline().validate()
    ckpt = path.parent / f".{path.name}.checkpoints"
    show_audit = _audit_gate(quiet=quiet, ignore=bool(kw.get("ignore_audit")))
    given = {k: kw.get(k) for k in ("val_data", "test_data")}
    try:
        # a TrainingWarning ("still falling at the last epoch") prints through main's
        # warning hook as one "warning:" line, like every other warning
        est.fit(data, checkpoint_dir=str(ckpt), resume=resume, on_audit=show_audit, **given)
    except TrainingFailed as exc:
        # exit 4: the diagnosis is saved (DESIGN.md), the guards' findings and events with it
        result = getattr(exc, "result", None)
        history = getattr(result, "history", None)
        diagnosis = {"error": str(exc),
                     "findings": list(getattr(result, "findings", None) or []),
                     "events": list(getattr(result, "events", None) or []),
                     "history": history.to_dict("records") if history is not None else []}
        path.mkdir(parents=True, exist_ok=True)
        tmp = path / ".diagnosis.json.tmp"
        tmp.write_text(json.dumps(json_safe(diagnosis), indent=2, default=str))
        tmp.replace(path / "diagnosis.json")
        if not quiet:
            for f in diagnosis["findings"]:
                click.echo(f"{f.get('severity', 'error')}: {f.get('message', '')}", err=True)
        raise
    path.parent.mkdir(parents=True, exist_ok=True)
    est.save(path, overwrite=overwrite or resume or path.exists())
    import shutil

    shutil.rmtree(ckpt, ignore_errors=True)
    if not quiet:
        click.echo(est.grid_summary())
        base = getattr(est, "baseline_summary", lambda: None)()
        if base:
            click.echo(base)
    _print_budget(est, quiet)
    if not quiet:
        _print_scores(est.metrics_, est.get_params())
        click.echo(f"run directory: {path}")


@cli.command(cls=_ConfigCommand)
@click.argument("data")
@click.option("--target", required=True, help="The column to predict.")
@_schema_options
@_fit_options
@click.option("--out", required=True, type=click.Path(), help="Run directory to write.")
@click.option("--ignore-audit", is_flag=True,
              help="Train even when the audit finds an error-severity problem (else exit 3).")
def fit(data: str, target: str, out: str, task: str, model_name: str, quiet: bool,
        verbose: bool, overwrite: bool, resume: bool, **kw: Any) -> None:
    """Train a guarded LSTM/GRU on DATA and write the run directory OUT."""
    if task == "classify" and not kw.get("series_col"):
        raise InputError("--task classify learns one label per sequence and needs "
                         "--series-col naming the column that identifies each sequence.")
    _run_fit(data, target, out, task, model_name, quiet, overwrite, resume, kw)


@cli.command()
@click.argument("run_dir")
@click.argument("data")
@click.option("--out", type=click.Path(), help="CSV file for the predictions (else stdout).")
@click.option("--future", is_flag=True, help="forecast: the horizon steps after the end of "
                                             "each series, from its last input-len rows.")
def predict(run_dir: str, data: str, out: str | None, future: bool) -> None:
    """Predict DATA with the run in RUN_DIR (the same preprocessing as at fit)."""
    from .estimator import Forecaster, load

    est = load(run_dir)
    if not future:
        frame = est.predict(data)
    elif isinstance(est, Forecaster):
        frame = est.predict(data, future=True)
    else:
        raise InputError(f"--future forecasts beyond the data, but '{run_dir}' is a "
                         f"{est.task} run. Leave out --future.")
    if out:
        tmp = Path(out).with_name(f".{Path(out).name}.tmp")
        frame.to_csv(tmp, index=False)
        tmp.replace(out)
    else:
        click.echo(frame.to_csv(index=False), nl=False)


@cli.command()
@click.argument("run_dir")
@click.argument("data")
@click.option("--format", "fmt", type=_Choice(["text", "json"]), default="text",
              show_default=True)
def evaluate(run_dir: str, data: str, fmt: str) -> None:
    """Score the run in RUN_DIR on every window of DATA, against the baselines."""
    from .estimator import load

    est = load(run_dir)
    metrics = est.evaluate(data)
    if fmt == "json":
        click.echo(json.dumps(metrics, indent=2))
    else:
        _print_scores(metrics, est.get_params())


@cli.command(cls=_ConfigCommand)
@click.option("--out", type=click.Path(), default="runs/demo", show_default=True,
              help="Run directory to write.")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Folder holding beijing_pm25/ (else $SEQGUARD_DATA, else download).")
@click.option("--epochs", type=int, default=3, show_default=True)
@click.option("--quiet", is_flag=True)
@click.option("--config", type=click.Path(), help="TOML file with any of these options.")
def demo(out: str, data_dir: str | None, epochs: int, quiet: bool, config: str | None) -> None:
    """Fit on the Beijing PM2.5 data (UCI, CC BY 4.0): 48 h in, 24 h out."""
    from .datasets import load_beijing_pm25
    from .io import read

    path = load_beijing_pm25(data_dir, as_path=True)
    features = "pm2.5,DEWP,TEMP,PRES,cbwd,Iws,Is,Ir"
    table = read(path, time_col="year,month,day,hour", target="pm2.5", features=features,
                 categorical="cbwd")
    click.echo("seqguard demo: Beijing PM2.5, hourly 2010-2014 (UCI Machine Learning "
               "Repository, Liang et al. 2015, CC BY 4.0)")
    kw: dict[str, Any] = {"input_len": 48, "horizon": 24, "epochs": epochs, "patience": 3,
                          "lr": 3e-3, "batch_size": 512, "hidden": 32}
    kw |= {"time_col": "year,month,day,hour", "features": features, "categorical": "cbwd"}
    _run_fit(table, "pm2.5", out, "forecast", "lstm", quiet, True, False, kw)


@cli.command("diagnose")
@click.argument("run_dir")
@click.argument("data", required=False)
@click.option("--format", "fmt", type=_Choice(["text", "json"]), default="text",
              show_default=True, help="Readable list, or stable JSON for machines.")
@click.option("--verbose", is_flag=True, help="Also print the evidence of each finding.")
def diagnose_command(run_dir: str, data: str | None, fmt: str, verbose: bool) -> None:
    """Say why the run in RUN_DIR fails (NaN, constant or useless predictions), cause first.

    Without DATA it uses what the run holds (history, guard findings, weights, audit,
    fitted statistics, metrics); with DATA it also runs the model on it. The findings
    go to RUN_DIR/diagnosis.json ("diagnose"). Exit 0 when it ran, whatever it found.
    """
    from .diagnose import diagnose, print_diagnosis, save_diagnosis

    result = diagnose(run_dir, data)
    save_diagnosis(run_dir, result)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        print_diagnosis(result, _console(), verbose=verbose)


# --------------------------------------------------------------------- entry
def _show_warning(message: Warning | str, category: type[Warning], filename: str,
                  lineno: int, file: Any = None, line: str | None = None) -> None:
    """Warnings on the command line: ``warning: <message>``, no source path or code."""
    text = " ".join(str(message).split())
    click.echo(f"warning: {text}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the command, turning user errors into one line and exit 2."""
    previous = warnings.showwarning
    warnings.showwarning = _show_warning
    try:
        _main(argv)
    finally:
        warnings.showwarning = previous


def _main(argv: list[str] | None) -> None:
    try:
        cli.main(args=argv, prog_name="seqguard", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        sys.exit(2)
    except click.UsageError as exc:
        hint = ""
        if exc.ctx is not None:
            hint = f" See 'seqguard {exc.ctx.info_name} --help'." if exc.ctx.parent else \
                " See 'seqguard --help'."
        click.echo(f"error: {exc.format_message()}{hint}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("error: aborted.", err=True)
        sys.exit(130)
    except SeqguardError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("error: interrupted.", err=True)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
