"""The options of the ``seqguard`` commands, and ``--config FILE.toml``.

The model, training and preprocessing options of ``fit`` are built from the
declarations of :mod:`seqguard.params` (name, default, accepted values, help,
flag), so a parameter is written once. Their values are checked by the library
(``The 'lr' parameter of Forecaster ...``); the command line names the flag
instead (``The --lr option ...``, :func:`seqguard.params.flag_of`, in
:func:`seqguard.cli.main`). Numbers are strict: ``1.5`` is no integer and
``true`` no number, on the command line and in a TOML file alike.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..errors import InputError, did_you_mean
from ..params import ESTIMATOR_PARAMS, NONE, Choice, Flag, Int, Param, Real

__all__ = ["ConfigCommand", "declared_options", "estimator_params", "read_options",
           "schema_options"]


class _Choice(click.Choice):
    """A Choice whose error adds "did you mean"."""

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            hint = did_you_mean(str(value), [str(c) for c in self.choices])
            raise click.BadParameter(f"{exc.message}{hint}", ctx=ctx, param=param) from None


class _Number(click.ParamType):
    """An int (``integer``) or a number that is never a bool, nor a float for an int."""

    def __init__(self, integer: bool) -> None:
        self.integer = integer
        self.name = "integer" if integer else "float"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        what = "an integer" if self.integer else "a number"
        if isinstance(value, bool) or (self.integer and isinstance(value, float)):
            self.fail(f"{value!r} is not {what}.", param, ctx)
        if isinstance(value, (int, float)):
            return value
        try:
            return int(str(value).strip()) if self.integer else float(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not {what}.", param, ctx)


def choice(options: list[str]) -> _Choice:
    return _Choice(options)


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


class ConfigCommand(click.Command):
    """Reads ``--config FILE.toml`` before parsing, as defaults the command line overrides.

    Keys are option names (``time-col`` or ``time_col``) and the command's arguments by
    name (``data``), as ``fit --save-config`` writes them (:mod:`seqguard.cli._config`).

    Each value is checked against its option's type first, so that a wrong type
    (``epochs = 1.5``, ``lr = true``) is an error naming the key, never coerced.
    """

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
            # option spelling (--time-col → time-col) → the option; an argument by its
            # name (data = "x.csv" for DATA: the command line's DATA wins)
            options: dict[str, click.Parameter] = {
                opt.lstrip("-"): p for p in self.params
                if isinstance(p, click.Option) for opt in p.opts if opt.startswith("--")}
            options |= {str(p.name).replace("_", "-"): p for p in self.params
                        if isinstance(p, click.Argument)}
            options.pop("config", None)
            defaults: dict[str, Any] = {}
            for key, value in raw.items():
                spelled = key.replace("_", "-")
                if spelled not in options:
                    raise InputError(f"config file '{path}': unknown option {key!r}."
                                     f"{did_you_mean(spelled, options)}")
                opt = options[spelled]
                label = f"--{spelled}" if isinstance(opt, click.Option) else \
                    opt.human_readable_name
                if isinstance(value, list):
                    value = ",".join(str(v) for v in value)
                if getattr(opt, "is_flag", False) and not isinstance(value, bool):
                    raise InputError(f"config file '{path}': {key} = {value!r}, but {label} "
                                     "is a switch. Write true or false.")
                try:
                    opt.type.convert(value, opt, None)
                except click.BadParameter as exc:
                    raise InputError(f"config file '{path}': {key} = {value!r} is not valid "
                                     f"for {label}: {exc.message} Fix the file.") from None
                defaults[str(opt.name)] = value
            extra.setdefault("default_map", {}).update(defaults)
        return super().make_context(info_name, args, parent=parent, **extra)


def _refuse_data_dir(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value is not None:
        raise InputError("--data-dir applies to 'seqguard demo' only (the folder of the "
                         "bundled Beijing data); DATA is read from the path given. Leave "
                         "out --data-dir.")


def schema_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """How DATA is read (``audit`` and ``fit``)."""
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
        # accepted once and ignored; now refused with a sentence (demo has its own)
        click.option("--data-dir", hidden=True, expose_value=False, callback=_refuse_data_dir),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


def read_options(kw: dict[str, Any]) -> dict[str, Any]:
    """The :func:`seqguard.read` options among the command's values."""
    return {k: kw.get(k) for k in ("time_col", "series_col", "features", "categorical",
                                   "na_values", "freq", "thousands", "decimal", "encoding",
                                   "strip_units")} | {"sep": kw.get("delimiter"),
                                                      "duplicates": kw.get("duplicates",
                                                                           "error")}


def _option(p: Param) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The click option of one declared parameter."""
    flag = str(p.option)
    kinds = [a for a in p.accepts if a is not NONE]
    shown = p.default is not None
    if kinds and all(isinstance(a, Flag) for a in kinds):
        return click.option(flag, p.name, is_flag=True, default=bool(p.default),
                            help=p.help or None)
    kw: dict[str, Any] = {}
    if len(kinds) == 1 and isinstance(kinds[0], Int):
        kw["type"] = _Number(integer=True)
    elif len(kinds) == 1 and isinstance(kinds[0], Real):
        kw["type"] = _Number(integer=False)
    choices = [o for a in kinds if isinstance(a, Choice) for o in a.options]
    if choices and len(kinds) == 1:
        kw["metavar"] = "[" + "|".join(choices) + "]"
    return click.option(flag, p.name, default=p.default, show_default=shown,
                        help=p.help or None, **kw)


def declared_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Every declared estimator parameter that has a flag, as a click option."""
    for p in reversed([p for p in ESTIMATOR_PARAMS if p.option]):
        f = _option(p)(f)
    return f


def estimator_params(kw: dict[str, Any]) -> dict[str, Any]:
    """The estimator's parameters among the command's values (text turned into values
    where the declaration says how: ``"12"`` -> 12, ``"none"`` -> None)."""
    out = {}
    for p in ESTIMATOR_PARAMS:
        if p.option and p.name in kw:
            v = kw[p.name]
            out[p.name] = p.cli(v) if p.cli is not None else v
    return out
