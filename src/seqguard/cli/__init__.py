"""The ``seqguard`` command.

Every error a user can cause prints one line, ``error: <message>``, on stderr
and exits 2 (``TrainingFailed`` exits 4; ``audit`` exits 3 when it finds an
error-severity problem, and so does ``fit`` before training unless
``--ignore-audit``). No traceback, nothing written. Every warning prints as one
``warning: <message>`` line on stderr, never as a Python warning with its source.
A library error about a parameter names the parameter (``The 'lr' parameter of
Forecaster ...``); here it names the flag (``The --lr option ...``), mapped in one
place, :func:`seqguard.params.flag_of`.

Any option can also come from ``--config FILE.toml`` (keys are option names, with
``-`` or ``_``); the command line wins over the file. The options of ``fit`` come
from the declarations of :mod:`seqguard.params` (:mod:`seqguard.cli._options`).
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path
from typing import Any

import click

from .._status import steps as _steps
from ..errors import ArtifactError, InputError, ParameterError, SeqguardError
from ..params import HEADS, flag_of
from ._config import check_save_config as _check_save_config
from ._fit import fit_options as _fit_options
from ._fit import run_fit as _run_fit
from ._options import ConfigCommand as _ConfigCommand
from ._options import choice as _choice
from ._options import read_options as _read_options
from ._options import schema_options as _schema_options
from ._outdir import check_out_file, describe_os_error
from ._output import (
    _console,
    _period,
    _print_audit,
    _print_scores,
    _read_line,
    _show_warning,
)

__all__ = ["cli", "main"]

#: seqguard.residual_base.HEADS, spelled out so that the CLI starts without numpy.
_HEADS = HEADS


def _examples(*lines: str) -> str:
    """A command's help epilog: its examples, kept as written (click's ``\b``)."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


# ------------------------------------------------------------------ commands
@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog=_examples(
                 "seqguard audit data.csv --target pm2.5",
                 "seqguard fit data.csv --target pm2.5 --out runs/pm25",
                 "seqguard predict runs/pm25 new.csv --out pred.csv")
             + "\n\n\b\nShell completion (bash; zsh_source for zsh, fish_source for fish):\n"
               '  eval "$(_SEQGUARD_COMPLETE=bash_source seqguard)"')
@click.version_option(package_name="seqguard")
def cli() -> None:
    """Train LSTM/GRU models on messy time series, with the failure modes made visible."""


@cli.command(cls=_ConfigCommand, epilog=_examples(
    "seqguard audit data.csv --target pm2.5",
    "seqguard audit data.csv --time-col year,month,day,hour --na-values -200 --format json"))
@click.argument("data")
@_schema_options
@click.option("--target", help="The column to predict (enables the target checks).")
@click.option("--format", "fmt", type=_choice(["text", "json"]), default="text",
              show_default=True, help="Readable table, or stable JSON for machines.")
@click.option("--quiet", is_flag=True, help="Print only errors and warnings.")
@click.option("--verbose", is_flag=True, help="Also print the evidence of each finding.")
@click.option("--config", type=click.Path(), help="TOML file with any of these options.")
def audit(data: str, target: str | None, fmt: str, quiet: bool, verbose: bool,
          **kw: Any) -> None:
    """Check DATA for the problems that break sequence models, before training.

    Exit 0 when nothing blocks training, 3 when an error-severity problem exists.
    DATA may be a folder of Parquet files (with --series-col): it is audited shard
    by shard, a group of whole series at a time.
    """
    from ..audit import audit as run_audit
    from ..io import is_parquet_folder, read

    if is_parquet_folder(data):  # larger than memory: shard by shard (docs/out-of-core.md)
        from ..audit.streaming import audit_streaming
        from ..io.dataset import open_folder

        report = audit_streaming(open_folder(data, target=target, **_read_options(kw)))
    else:
        report = run_audit(read(data, target=target, **_read_options(kw)), target=target)
    _print_audit(report, fmt, quiet=quiet, verbose=verbose)
    sys.exit(report.exit_code)



@cli.command(cls=_ConfigCommand, epilog=_examples(
    "seqguard fit data.csv --target pm2.5 --out runs/pm25",
    "seqguard fit data.csv --target pm2.5 --input-len 48 --horizon 24 --out runs/pm25 "
    "--save-config pm25.toml",
    "seqguard fit --config pm25.toml --out runs/pm25-again",
    "seqguard fit events.csv --target label --task classify --series-col id --out runs/cls"))
@click.argument("data")
@click.option("--target", required=True, help="The column to predict.")
@_schema_options
@_fit_options
@click.option("--out", required=True, type=click.Path(), help="Run directory to write.")
@click.option("--ignore-audit", is_flag=True,
              help="Train even when the audit finds an error-severity problem (else exit 3).")
@click.option("--save-config", type=click.Path(), callback=_check_save_config,
              help="After the fit, write its configuration (every option, defaults "
                   "included) to this TOML file; --config FILE repeats the run.")
def fit(data: str, target: str, out: str, task: str, quiet: bool, verbose: bool,
        overwrite: bool, resume: bool, **kw: Any) -> None:
    """Train a guarded LSTM/GRU on DATA and write the run directory OUT."""
    if task == "classify" and not kw.get("series_col"):
        raise InputError("--task classify learns one label per sequence and needs "
                         "--series-col naming the column that identifies each sequence.")
    saved = kw.get("save_config")
    if saved and Path(out).resolve() in Path(saved).resolve().parents:
        raise InputError(f"--save-config '{saved}' is inside the run directory --out '{out}', "
                         "which fit writes and checks against its MANIFEST. Pass a path "
                         f"outside it, such as {Path(out).with_suffix('.toml')}.")
    with _steps(enabled=not quiet) as shown:  # reading, then preparing windows
        shown.start(f"reading {data}")
        _run_fit(data, target, out, task, quiet, overwrite, resume, kw, verbose=verbose)


def _read_for(est: Any, data: str, shown: Any) -> Any:
    """DATA read as the run in ``est`` reads it, with the reading step shown."""
    shown.start(f"reading {data}")
    table = est._read(data)
    shown.finish(_read_line(str(data), {"n_rows": table.n_rows,
                                        "n_series": len(table.series_names())}))
    return table


@cli.command(epilog=_examples(
    "seqguard predict runs/pm25 new.csv --out pred.csv",
    "seqguard predict runs/pm25 recent.csv --future > forecast.csv"))
@click.argument("run_dir")
@click.argument("data")
@click.option("--out", type=click.Path(), help="CSV file for the predictions (else stdout).")
@click.option("--future", is_flag=True, help="forecast: the horizon steps after the end of "
                                             "each series, from its last input-len rows.")
def predict(run_dir: str, data: str, out: str | None, future: bool) -> None:
    """Predict DATA with the run in RUN_DIR (the same preprocessing as at fit).

    The CSV goes to --out, or to stdout; progress and the line saying what was written
    go to stderr, so stdout holds the CSV alone.
    """
    from ..estimator import Forecaster, load

    if out:
        check_out_file(out)  # before the model runs
    est = load(run_dir)
    if future and not isinstance(est, Forecaster):
        raise InputError(f"--future forecasts beyond the data, but '{run_dir}' is a "
                         f"{est.task} run. Leave out --future.")
    with _steps() as shown:
        table = _read_for(est, data, shown)
        shown.start("predicting")
        frame = est.predict(table, future=True) if isinstance(est, Forecaster) and future \
            else est.predict(table)
    where = "stdout"
    if out:
        from ..artifact import write_atomic

        write_atomic(check_out_file(out), frame.to_csv(index=False))
        where = out
    else:
        click.echo(frame.to_csv(index=False), nl=False)
    origins = f" ({frame['origin'].nunique():,} forecast origins)" \
        if "origin" in frame and not future else ""
    click.echo(f"wrote {len(frame):,} predictions{origins} to {where}", err=True)


@cli.command(epilog=_examples(
    "seqguard evaluate runs/pm25 data-2015.csv",
    "seqguard evaluate runs/pm25 data-2015.csv --format json > scores.json"))
@click.argument("run_dir")
@click.argument("data")
@click.option("--format", "fmt", type=_choice(["text", "json"]), default="text",
              show_default=True)
def evaluate(run_dir: str, data: str, fmt: str) -> None:
    """Score the run in RUN_DIR on every window of DATA, against the baselines.

    The table is titled by the period DATA covers and the number of windows scored.
    """
    from ..estimator import load

    est = load(run_dir)
    with _steps() as shown:
        table = _read_for(est, data, shown)
        shown.start("scoring")
        metrics = est.evaluate(table)
    if fmt == "json":
        click.echo(json.dumps(metrics, indent=2))
    else:
        _print_scores(metrics, est.get_params(), period=_period(table))


@cli.command(cls=_ConfigCommand, epilog=_examples("seqguard demo",
                                                  "seqguard demo --epochs 10 --out runs/demo10"))
@click.option("--out", type=click.Path(), default="runs/demo", show_default=True,
              help="Run directory to write.")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Folder holding beijing_pm25/ (else $SEQGUARD_DATA, else download).")
@click.option("--epochs", type=int, default=3, show_default=True)
@click.option("--quiet", is_flag=True)
@click.option("--config", type=click.Path(), help="TOML file with any of these options.")
def demo(out: str, data_dir: str | None, epochs: int, quiet: bool, config: str | None) -> None:
    """Fit on the Beijing PM2.5 data (UCI, CC BY 4.0): 48 h in, 24 h out."""
    from ..datasets import load_beijing_pm25
    from ..io import read

    path = load_beijing_pm25(data_dir, as_path=True)
    features = "pm2.5,DEWP,TEMP,PRES,cbwd,Iws,Is,Ir"
    if not quiet:
        click.echo("seqguard demo: Beijing PM2.5, hourly 2010-2014 (UCI Machine Learning "
                   "Repository, Liang et al. 2015, CC BY 4.0)")
    kw: dict[str, Any] = {"input_len": 48, "horizon": 24, "epochs": epochs, "patience": 3,
                          "lr": 3e-3, "batch_size": 512, "hidden": 32}
    kw |= {"time_col": "year,month,day,hour", "features": features, "categorical": "cbwd",
           "model": "lstm"}
    with _steps(enabled=not quiet) as shown:
        shown.start(f"reading {path}")
        table = read(path, time_col="year,month,day,hour", target="pm2.5",
                     features=features, categorical="cbwd")
        # the audit (the gate) prints the line that ends the reading step
        _run_fit(table, "pm2.5", out, "forecast", quiet, True, False, kw)


@cli.command("diagnose", epilog=_examples("seqguard diagnose runs/pm25",
                                           "seqguard diagnose runs/pm25 data.csv --verbose"))
@click.argument("run_dir")
@click.argument("data", required=False)
@click.option("--format", "fmt", type=_choice(["text", "json"]), default="text",
              show_default=True, help="Readable list, or stable JSON for machines.")
@click.option("--verbose", is_flag=True, help="Also print the evidence of each finding.")
def diagnose_command(run_dir: str, data: str | None, fmt: str, verbose: bool) -> None:
    """Say why the run in RUN_DIR fails (NaN, constant or useless predictions), cause first.

    Without DATA it uses what the run holds (history, guard findings, weights, audit,
    fitted statistics, metrics); with DATA it also runs the model on it. The findings
    go to RUN_DIR/diagnosis.json ("diagnose"). Exit 0 when it ran, whatever it found.
    """
    from ..diagnose import diagnose, print_diagnosis, save_diagnosis

    with _steps() as shown:
        shown.start("diagnosing" if data is None else f"reading {data} and diagnosing")
        result = diagnose(run_dir, data)
    saved = True
    try:
        save_diagnosis(run_dir, result)
    except OSError as exc:  # a read-only run: the findings still print
        saved = False
        warnings.warn(f"the findings are not saved in {run_dir}/diagnosis.json "
                      f"({describe_os_error(exc)})", stacklevel=1)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        print_diagnosis(result, _console(), verbose=verbose)
    n = len(result.to_dict().get("findings", []))
    if saved:
            click.echo(f"wrote {n} finding{'s' if n != 1 else ''} to "
                   f"{Path(run_dir) / 'diagnosis.json'}", err=True)


@cli.command(epilog=_examples("seqguard verify runs/pm25"))
@click.argument("run_dir")
def verify(run_dir: str) -> None:
    """Check RUN_DIR without loading the model: what MANIFEST.json vouches for.

    For every file MANIFEST lists: present, a plain file (no symbolic link), its size
    and SHA-256; then that each one parses (JSON, the safetensors header, the CSV).
    Prints one line per file; exit 0 when the run is intact, 2 (naming each problem)
    otherwise.
    """
    from ..artifact import MANIFEST, verify_run

    path = Path(run_dir)
    if not path.is_dir():
        raise InputError(f"{run_dir!r} is not a folder. Pass a run directory written by "
                         "'seqguard fit'.")
    problems = verify_run(path)
    if problems:
        for p in problems[1:]:
            click.echo(f"problem: {p}", err=True)
        raise ArtifactError(problems[0] + (f" ({len(problems) - 1} more above)"
                                           if len(problems) > 1 else ""))
    files = json.loads((path / MANIFEST).read_text(encoding="utf-8"))["files"]
    for name, entry in sorted(files.items()):
        click.echo(f"ok  {name:<24} {entry.get('bytes', 0):>12,} bytes  "
                   f"sha256 {entry['sha256'][:16]}...")
    click.echo(f"{run_dir}: {len(files)} file(s) match MANIFEST.json and parse.")


@cli.command(epilog=_examples("seqguard report runs/pm25",
                             "seqguard report runs/pm25 data.csv"))
@click.argument("run_dir")
@click.argument("data", required=False)
def report(run_dir: str, data: str | None) -> None:
    """Write RUN_DIR/report.html: the data, pipeline, training, results and diagnosis.

    With DATA (the file the run was fitted on) the page also holds the plots that need
    the data: forecasts against actuals, predicted against observed, the missingness
    heatmap, the per-series table. A complete run gets the page added to MANIFEST.json;
    a failed fit's folder (exit 4) gets it written beside diagnosis.json.
    """
    from ..artifact import update_run, write_atomic
    from ..report import REPORT, report_html
    from ..report.source import read_folder

    path = Path(run_dir)
    if not path.is_dir():
        raise InputError(f"{run_dir!r} is not a folder. Pass a run directory written by "
                         "'seqguard fit'.")
    html = report_html(path, data=data)
    if read_folder(path).verified:
        update_run(path, {REPORT: html})
    else:
        write_atomic(path / REPORT, html)
    click.echo(f"wrote {path / REPORT} ({len(html.encode()) / 1024:,.0f} KB)")


# --------------------------------------------------------------------- entry
def _interrupted_line(exc: Any) -> str:
    """``interrupted: resume with --resume ...`` for a fit stopped by SIGINT or SIGTERM."""
    import signal

    name = signal.Signals(exc.signum).name
    done = f"stopped by {name} after {exc.epochs_done} epoch(s)"
    if exc.checkpoint_dir:
        return (f"interrupted: resume with --resume ({done}; the same command with "
                f"--resume continues from the checkpoint in {exc.checkpoint_dir}).")
    return f"interrupted: {done}; there is no checkpoint, so run the fit again."


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
    except ParameterError as exc:  # the library names the parameter; this, its flag
        click.echo(f"error: {exc.render(flag_of)}", err=True)
        sys.exit(exc.exit_code)
    except SeqguardError as exc:
        signum = getattr(exc, "signum", None)  # FitInterrupted, without importing torch
        click.echo(f"error: {exc}" if signum is None else _interrupted_line(exc), err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("error: interrupted.", err=True)
        sys.exit(130)
    except OSError as exc:  # read-only, disk full, a missing folder: one line, exit 2
        click.echo(f"error: {describe_os_error(exc)}", err=True)
        sys.exit(2)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
