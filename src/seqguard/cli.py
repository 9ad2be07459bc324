"""The ``seqguard`` command.

Every error a user can cause prints one line, ``error: <message>``, on stderr
and exits 2 (``TrainingFailed`` exits 4; ``audit`` exits 3 when it finds an
error-severity problem). No traceback, nothing written.

Any option can also come from ``--config FILE.toml`` (keys are option names, with
``-`` or ``_``); the command line wins over the file.
"""

from __future__ import annotations

import sys
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
            exc.message = f"{exc.message}{did_you_mean(str(value), self.choices)}"
            raise


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
        click.option("--time-col", help="Time column, or date parts such as year,month,day,hour."),
        click.option("--series-col", help="Column(s) naming the series, comma-separated."),
        click.option("--features", help="Value columns to use, comma-separated (default: all)."),
        click.option("--categorical", help="Columns to treat as categories, comma-separated."),
        click.option("--na-values", help="Extra missing markers, e.g. -200,-9999."),
        click.option("--freq", help="Grid step, e.g. 1h, 15min, D, or a number for numeric time."),
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
                                   "na_values", "freq")} | {"duplicates": kw.get("duplicates",
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


@cli.command(cls=_ConfigCommand)
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Run directory to write (with the training issue).")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Folder holding beijing_pm25/ (else $SEQGUARD_DATA, else download).")
@click.option("--format", "fmt", type=_Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--config", type=click.Path(), help="TOML file with any of these options.")
def demo(out: str | None, data_dir: str | None, fmt: str) -> None:
    """Run seqguard on the bundled Beijing PM2.5 data (UCI, CC BY 4.0)."""
    from .audit import audit as run_audit
    from .datasets import load_beijing_pm25
    from .io import read

    path = load_beijing_pm25(data_dir, as_path=True)
    table = read(path, time_col="year,month,day,hour", target="pm2.5",
                 features=["pm2.5", "DEWP", "TEMP", "PRES", "cbwd", "Iws", "Is", "Ir"],
                 categorical=["cbwd"])
    report = run_audit(table, target="pm2.5")
    if fmt == "text":
        click.echo(f"seqguard demo: Beijing PM2.5 (UCI Machine Learning Repository, "
                   f"Liang et al. 2015, CC BY 4.0)\n{path}\n")
    _print_audit(report, fmt)
    sys.exit(0)


# --------------------------------------------------------------------- entry
def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the command, turning user errors into one line and exit 2."""
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
