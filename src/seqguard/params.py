"""Every parameter of the estimators and the Pipeline, declared once, checked once.

A :class:`Param` holds a parameter's name, default, accepted values, the tasks it
applies to, its help text and its command-line flag. From these declarations come:

* the signatures of :class:`~seqguard.pipeline.Pipeline` and of the estimators
  (so ``get_params`` / ``set_params`` / ``clone`` see exactly these names and
  defaults, see :func:`init_from`);
* their scikit-learn ``_parameter_constraints`` (:func:`constraints`, built on
  ``sklearn.utils._param_validation``), checked once at the top of the public
  ``fit`` by :func:`check_params`, with one message template::

      The 'scaler' parameter of Forecaster must be one of 'standard', 'minmax',
      'robust', 'none'. Got 'stdandard' instead. Did you mean 'standard'?

* the options of ``seqguard fit`` (:mod:`seqguard.cli`), whose errors name the flag
  instead of the parameter (:meth:`~seqguard.errors.ParameterError.render`);
* the defaults of :func:`seqguard.training.fit_model` (:data:`DEFAULTS`).

Adding a parameter means one :class:`Param` line here and its use. This module
imports nothing heavy (the command line reads it at start-up); scikit-learn is
imported only when a check runs.

A bool is never a number here: ``lr=True`` and ``epochs=1.5`` are rejected.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .errors import ParameterError, did_you_mean

__all__ = ["DEFAULTS", "ESTIMATOR_PARAMS", "PIPELINE_PARAMS", "Param", "check_params",
           "constraints", "flag_of", "init_from"]

TASKS = ("forecast", "tag", "classify")


# ------------------------------------------------------------ accepted values
@dataclass(frozen=True)
class Choice:
    """One of some strings (``ci``: compared stripped and lower-cased, as parsed)."""

    options: tuple[str, ...]
    ci: bool = False

    def describe(self) -> str:
        return ", ".join(repr(o) for o in self.options)


@dataclass(frozen=True)
class Int:
    """A whole number (never a bool) in ``[low, high]``."""

    low: int | None = None
    high: int | None = None

    def describe(self) -> str:
        return "an int" + _range(self.low, self.high, "both")


@dataclass(frozen=True)
class Real:
    """A number (int or float, never a bool) between ``low`` and ``high``."""

    low: float | None = None
    high: float | None = None
    closed: str = "both"  # sklearn's Interval: "left", "right", "both", "neither"

    def describe(self) -> str:
        return "a float" + _range(self.low, self.high, self.closed)


@dataclass(frozen=True)
class Text:
    """Any string (its grammar is checked where it is parsed), or a number given as
    text when ``numeric`` (``"0.2"`` for a float option, as the command line gives)."""

    what: str = "a str"

    def describe(self) -> str:
        return self.what


@dataclass(frozen=True)
class Flag:
    """True or False."""

    def describe(self) -> str:
        return "True or False"


NONE = None  # in ``accepts``: None is accepted
ANY = "any"  # in ``accepts``: no check (dates, lists, dicts: checked where they are used)


def _range(low: Any, high: Any, closed: str) -> str:
    lo = closed in ("left", "both")
    hi = closed in ("right", "both")
    if low is not None and high is not None:
        return f" in {'[' if lo else '('}{low:g}, {high:g}{']' if hi else ')'}"
    if low is not None:
        return f" {'>=' if lo else '>'} {low:g}"
    if high is not None:
        return f" {'<=' if hi else '<'} {high:g}"
    return ""


# ----------------------------------------------------------------- declaration
@dataclass(frozen=True)
class Param:
    """One parameter: its name, default, accepted values and where it applies.

    Parameters
    ----------
    name, default
        As in the signature.
    accepts : tuple
        Any of :class:`Choice`, :class:`Int`, :class:`Real`, :class:`Text`,
        :class:`Flag`, ``NONE`` (None is accepted) or ``ANY`` (no check).
    help : str
        The command-line help.
    tasks : tuple of str
        The tasks it applies to; for another task only the default (or ``None``,
        ``"auto"``, ``"none"``) is accepted.
    flag : str or None
        The command-line option (``""``: ``--name-with-dashes``; ``None``: none).
    cli : callable, optional
        Turns the command line's text into the value (``"12"`` -> 12).
    """

    name: str
    default: Any
    accepts: tuple[Any, ...] = (ANY,)
    help: str = ""
    tasks: tuple[str, ...] = TASKS
    flag: str | None = ""
    cli: Callable[[Any], Any] | None = field(default=None, compare=False)

    @property
    def option(self) -> str | None:
        """The command-line flag, or None."""
        if self.flag is None:
            return None
        return self.flag or "--" + self.name.replace("_", "-")

    def describe(self) -> str:
        """The accepted values in words: ``"one of 'a', 'b'"``, ``"an int >= 1 or None"``."""
        parts: list[str] = []
        choices: list[str] = []
        for a in self.accepts:
            if isinstance(a, Choice):
                choices.extend(a.options)
            elif a is NONE:
                continue
            elif a != ANY:
                parts.append(a.describe())
        if choices and not parts and NONE not in self.accepts:
            return "one of " + ", ".join(repr(c) for c in choices)
        words = [repr(c) for c in choices] + parts + (["None"] if NONE in self.accepts else [])
        return ", ".join(words[:-1]) + (" or " if len(words) > 1 else "") + words[-1]

    def unset(self, value: Any) -> bool:
        """True when ``value`` asks for nothing (the default, None, auto, none)."""
        if value is None or value is self.default:
            return True
        if isinstance(value, str) and value.strip().lower() in ("auto", "none", ""):
            return True
        try:
            return bool(value == self.default) and type(value) is type(self.default)
        except (TypeError, ValueError):  # an array, say
            return False


def _int_text(value: Any) -> Any:
    """``"12"`` -> 12 (row positions, sizes); anything else as given."""
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value)
    return value


def _number_text(value: Any) -> Any:
    """``"0.2"`` -> 0.2; anything else as given."""
    try:
        return float(value) if isinstance(value, str) else value
    except ValueError:
        return value


def _none_text(value: Any) -> Any:
    """``"none"`` -> None."""
    return None if isinstance(value, str) and value.strip().lower() == "none" else value


#: seqguard.residual_base.HEADS, spelled out so that the command line starts without numpy.
HEADS = ("residual", "residual:auto", "residual:persistence", "residual:seasonal",
         "residual:climatology", "direct")
#: seqguard.training.loop.PRECISIONS (Lightning's).
PRECISIONS = ("32", "32-true", "64", "64-true", "16-mixed", "bf16-mixed", "16-true",
              "bf16-true")
_POS = Int(1)

#: The Pipeline's parameters (besides ``target``, ``task`` and ``static``): the
#: estimators take them as they are.
PIPELINE_PARAMS: tuple[Param, ...] = (
    Param("input_len", 48, (_POS,), "Steps of history in each input window."),
    Param("horizon", 24, (_POS,), "Steps to forecast (1 = many-to-one).",
          tasks=("forecast",)),
    Param("missing", "auto", (Text(),), "auto|drop|mask|indicators|impute:<mean|median|"
          "ffill|bfill|linear|time|knn|seasonal>."),
    Param("scaler", "standard", (Choice(("standard", "minmax", "robust", "none")),),
          "Scaler of the inputs and the target."),
    Param("target_scaler", None, (Choice(("standard", "minmax", "robust", "none")), NONE),
          "Overrides --scaler for the target."),
    Param("scale_per", "global", (Choice(("global", "series")),),
          "Scaling statistics of all series together, or of each series."),
    Param("lags", None, (ANY,), "e.g. 1,2,24 (target) or 'pm2.5:1,24;TEMP:1'."),
    Param("rolling", None, (ANY,), "e.g. 24,168 (target) or 'pm2.5:24'."),
    Param("indicators", None, (ANY,), "sma, ema, rsi, macd, bollinger, e.g. 'sma:20,rsi:14'."),
    Param("calendar", None, (ANY,), "none (default), auto (by the grid step; off for "
          "numeric time), or parts: hour,dayofweek,month,dayofyear."),
    Param("categorical_encoding", "onehot", (Choice(("onehot", "codes")),), flag=None),
    Param("val_start", None, (ANY,), "Date or row position where validation starts.",
          tasks=("forecast", "tag"), cli=_int_text),
    Param("test_start", None, (ANY,), "Date or row position where the test part starts.",
          tasks=("forecast", "tag"), cli=_int_text),
    Param("val_frac", 0.15, (Real(0, 1, "left"),), "Share of each series (of the series "
          "for classify) for validation; not with --val-start."),
    Param("test_frac", 0.15, (Real(0, 1, "left"),), "Share of each series (of the series "
          "for classify) for the test part; not with --test-start."),
    Param("gap", 0, (Int(0),), flag=None),
    Param("pad", "right", (Choice(("right", "left")),), "classify: where padding goes.",
          tasks=("classify",)),
    Param("max_len", None, (_POS, NONE), "classify: truncate longer.", tasks=("classify",)),
    Param("seed", 0, (Int(),), "Seed of the weights, the batches and the classify split."),
)

#: The Pipeline's own parameters besides those it shares with the estimators.
PIPELINE_ONLY: tuple[Param, ...] = (
    Param("task", "forecast", (Choice(TASKS),), flag=None),
    Param("static", None, (ANY,), flag=None),
)

#: The model and training parameters of the estimators.
MODEL_PARAMS: tuple[Param, ...] = (
    Param("model", "auto", (Choice(("auto", "lstm", "gru", "grud"), ci=True),),
          "auto: lstm for forecast and tag; the classify default otherwise "
          "(docs/classification.md)."),
    Param("hidden", 64, (_POS,), "Units of each recurrent layer."),
    Param("layers", 2, (_POS,), "Recurrent layers."),
    Param("dropout", "auto", (Choice(("auto",), ci=True), Real(0, 1, "left"),
                              Text("a number as text"), NONE),
          "A number in [0, 1), or auto: 0.1 between recurrent layers for forecasting, "
          "none otherwise.", cli=_number_text),
    Param("bidirectional", False, (Flag(),), "Read each window both ways."),
    Param("head", "residual", (Choice(HEADS, ci=True),),
          "forecast: residual[:auto|persistence|seasonal|climatology] predicts a correction "
          "to that baseline (residual = residual:auto: the best on validation); direct "
          "predicts the value itself.", tasks=("forecast",)),
    Param("ar", "auto", (Choice(("auto",), ci=True), Int(0), Text("an int as text")),
          "forecast, residual head: the recent target steps added linearly to the "
          "correction (auto: the last two seasons where the base is seasonal; 0: none).",
          tasks=("forecast",), cli=_int_text),
    Param("head_layers", 0, (Int(0),), "Dense layers before the output."),
    Param("activation", None, (Choice(("relu", "sigmoid", "tanh")), NONE),
          "Output activation for regression (none by default).", tasks=("forecast", "tag"),
          cli=_none_text),
    Param("loss", "l1", (Choice(("l1", "mse", "huber")),), "Regression loss.",
          tasks=("forecast", "tag")),
    Param("optimizer", "adamw", (Choice(("adamw", "adam", "rmsprop", "sgd")),), ""),
    Param("lr", 1e-3, (Real(0, None, "neither"),), "Learning rate."),
    Param("weight_decay", 1e-4, (Real(0, None, "left"),), "AdamW's weight decay."),
    Param("clip", 1.0, (Real(0, None, "left"), NONE), "Gradient-norm clipping (0: off)."),
    Param("epochs", 30, (_POS,), "Most epochs to train."),
    Param("patience", 5, (_POS,), "Epochs without improvement before early stopping."),
    Param("lr_patience", 3, (_POS,), "Epochs without improvement before the learning rate "
          "is halved."),
    Param("batch_size", "auto", (Choice(("auto",)), _POS),
          "An integer, or auto: a power of two in [16, 64] that gives each epoch at least "
          "32 optimiser steps.", cli=_int_text),
    Param("precision", "32", (Choice(PRECISIONS),), "Lightning's precision."),
    Param("devices", "auto", (ANY,), "Lightning's devices: auto, a number per machine, or "
          "a list such as 0,1."),
    Param("accelerator", "auto", (Text(),),
          "Lightning's accelerator: auto (a GPU where there is one, else the CPU), cpu, "
          "cuda, mps."),
    Param("strategy", "auto", (ANY,), "Lightning's strategy: auto, ddp (one process per "
          "device; docs/scaling.md), ddp_spawn."),
    Param("num_nodes", 1, (_POS,), "Machines to train on (with --strategy ddp, under "
          "torchrun or SLURM: docs/scaling.md)."),
    Param("season", None, (_POS, NONE),
          "Season length for the seasonal-naive baseline (default from --freq).",
          tasks=("forecast", "tag")),
    Param("progress", None, (Flag(), NONE), flag=None),
    Param("read_options", None, (ANY,), flag=None),
    Param("norm", "none", (Choice(("none", "revin", "revin:affine"), ci=True), NONE),
          "forecast: revin normalises the target's input by each window's observed mean "
          "and std and inverts the forecast exactly (revin:affine adds RevIN's learnable "
          "scale and shift).", tasks=("forecast",)),
    Param("ensemble", 1, (_POS,), "Train K models with seeds seed..seed+K-1 on the same "
          "data and average their predictions (probabilities for classify)."),
    Param("pool", "auto", (Choice(("auto", "last", "mean", "max", "attention"), ci=True),),
          "classify: how the steps become one vector (auto: the classify default, "
          "docs/classification.md).", tasks=("classify",)),
    Param("static", "auto", (ANY,), "Static covariates (values recorded once per series) "
          "fed next to the encoder's state before the head: detect, none, COL,COL, or auto "
          "(classify: the classify default; forecast, tag: none)."),
    # many series (issue 15): a learned embedding of the series id (docs/many-series.md)
    Param("series_embedding", 0, (Int(0), Text("an int as text")),
          "forecast, tag: width of a learned embedding of the series (--series-col) given "
          "to the model; 0: none. A series not seen in training gets the mean embedding.",
          tasks=("forecast", "tag"), cli=_int_text),
    Param("class_weight", "auto", (Choice(("auto", "balanced", "none"), ci=True), NONE),
          "classify: balanced weights each class by n / (classes x count); auto: the "
          "classify default.", tasks=("classify",), cli=_none_text),
    Param("select", "auto", (Choice(("auto", "loss", "roc_auc"), ci=True),),
          "classify: the best epoch by validation loss or ROC-AUC.", tasks=("classify",)),
)

#: Every parameter of the estimators (after ``target``).
ESTIMATOR_PARAMS: tuple[Param, ...] = PIPELINE_PARAMS + MODEL_PARAMS
#: name -> default, for ``fit_model`` and the tests.
DEFAULTS: dict[str, Any] = {p.name: p.default for p in ESTIMATOR_PARAMS}
_BY_NAME = {p.name: p for p in PIPELINE_ONLY + ESTIMATOR_PARAMS}


def flag_of(name: str) -> str:
    """The command-line flag of a parameter (``"val_start"`` -> ``"--val-start"``)."""
    p = _BY_NAME.get(name)
    return (p.option if p is not None else None) or "--" + name.replace("_", "-")


# ------------------------------------------------------------------ signature
def init_from(params: Iterable[Param], *, target: bool = True) -> Callable[..., None]:
    """An ``__init__(self, target, *, <params>)`` that only stores its arguments.

    Its ``__signature__`` lists the declared names and defaults, which is what
    scikit-learn's ``get_params`` / ``clone`` read.
    """
    params = tuple(params)
    names = {p.name: p for p in params}

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > int(target):
            raise TypeError(f"{type(self).__name__}() takes {int(target)} positional "
                            f"argument{'s' if target else ''} ({'target' if target else ''}); "
                            "pass the others by name")
        if target:
            if args:
                if "target" in kwargs:
                    raise TypeError(f"{type(self).__name__}() got multiple values for "
                                    "argument 'target'")
                kwargs["target"] = args[0]
            if "target" not in kwargs:
                raise TypeError(f"{type(self).__name__}() missing 1 required argument: "
                                "'target'")
            self.target = kwargs.pop("target")
        for key in kwargs:
            if key not in names:
                raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument "
                                f"{key!r}.{did_you_mean(key, names)}")
        for p in params:
            setattr(self, p.name, kwargs.get(p.name, p.default))

    sig = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    if target:
        sig.append(inspect.Parameter("target", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                     annotation="str"))
    sig += [inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=p.default)
            for p in params]
    __init__.__signature__ = inspect.Signature(sig)  # type: ignore[attr-defined]
    __init__.__doc__ = "Store the parameters unchanged (validation happens in ``fit``)."
    return __init__


# ---------------------------------------------------------------------- checks
def constraints(params: Iterable[Param]) -> dict[str, Any]:
    """scikit-learn's ``_parameter_constraints`` of the declarations."""
    return {p.name: "no_validation" if ANY in p.accepts else [_sk(a) for a in p.accepts]
            for p in params}


def _sk(accept: Any) -> Any:
    from numbers import Integral
    from numbers import Real as _Real

    from sklearn.utils._param_validation import Interval, Options, StrOptions

    class _Interval(Interval):  # a bool is no number here
        def is_satisfied_by(self, val: Any) -> bool:
            return not isinstance(val, bool) and super().is_satisfied_by(val)

    class _StrOptions(StrOptions):
        def __init__(self, options: set[str], ci: bool) -> None:
            super().__init__(options)
            self.ci = ci

        def is_satisfied_by(self, val: Any) -> bool:
            if self.ci and isinstance(val, str):
                val = val.strip().lower()
            return bool(super().is_satisfied_by(val))

    class _NumberText(Options):
        """A number written as text (``"0.2"``, ``"3"``), as the command line gives it."""

        def __init__(self, integer: bool) -> None:
            super().__init__(str, set())
            self.integer = integer

        def is_satisfied_by(self, val: Any) -> bool:
            if not isinstance(val, str):
                return False
            if self.integer:
                return val.strip().isdigit()
            try:
                float(val)
            except ValueError:
                return False
            return True

        def __str__(self) -> str:
            return "an int as text" if self.integer else "a number as text"

    if accept is NONE:
        return None
    if isinstance(accept, Choice):
        return _StrOptions(set(accept.options), accept.ci)
    if isinstance(accept, Int):
        closed = {(True, True): "both", (True, False): "left", (False, True): "right",
                  (False, False): "neither"}[(accept.low is not None, accept.high is not None)]
        return _Interval(Integral, accept.low, accept.high, closed=closed)
    if isinstance(accept, Real):
        return _Interval(_Real, accept.low, accept.high, closed=accept.closed)
    if isinstance(accept, Flag):
        return "boolean"
    if isinstance(accept, Text):
        if accept.what.startswith(("a number", "an int")):
            return _NumberText(accept.what.startswith("an int"))
        return str
    raise TypeError(f"unknown constraint {accept!r}")  # pragma: no cover


def check_params(obj: Any, params: Iterable[Param], *, task: str | None = None) -> None:
    """Check ``obj``'s declared parameters; raise :class:`ParameterError` on the first bad one.

    Each value goes through scikit-learn's ``validate_parameter_constraints`` (a value
    passes when one of its constraints is satisfied); its error becomes seqguard's
    template, with a did-you-mean. With ``task``, a parameter that does not apply to
    it must be left unset.
    """
    from sklearn.utils._param_validation import (
        InvalidParameterError,
        validate_parameter_constraints,
    )

    owner = type(obj).__name__
    for p in params:
        value = getattr(obj, p.name)
        try:
            validate_parameter_constraints(constraints([p]), {p.name: value},
                                           caller_name=owner)
        except InvalidParameterError:
            hint = ""
            choices = [o for a in p.accepts if isinstance(a, Choice) for o in a.options]
            if choices and isinstance(value, str):
                hint = did_you_mean(value.strip(), choices)
            raise ParameterError(owner, p.name, f"must be {_esc(p.describe())}. Got "
                                 f"{_esc(repr(value))} instead.{_esc(hint)}") from None
        if task is not None and task not in p.tasks and not p.unset(value):
            raise not_for_task(owner, p.name, value, task)


def not_for_task(owner: str, name: str, value: Any, task: str) -> ParameterError:
    """The error for a parameter given to a task it does not apply to."""
    only = " or ".join(f"{{t[{t}]}}" for t in _BY_NAME[name].tasks)
    return ParameterError(owner, name, f"applies to {only} only. Got {_esc(repr(value))} "
                          f"with {{t[{task}]}}: it would be ignored. Leave it unset.")


#: (the date, the fraction it overrides): at most one of each pair may be given.
EXCLUSIVE = (("val_start", "val_frac"), ("test_start", "test_frac"))


def check_exclusive(obj: Any) -> None:
    """Refuse a fraction beside the date that overrides it (``val_frac`` with
    ``val_start``): one of the two would be ignored."""
    for given, other in EXCLUSIVE:
        value = getattr(obj, other)
        if getattr(obj, given) is not None and not _BY_NAME[other].unset(value):
            raise exclusive(type(obj).__name__, given, getattr(obj, given), other, value)


def exclusive(owner: str, given: str, given_value: Any, other: str,
              value: Any) -> ParameterError:
    """The error for ``other`` beside ``given``, which overrides it."""
    return ParameterError(
        owner, other, f"is ignored when {{p[{given}]}} is given ({_esc(repr(given_value))} "
        f"sets where that part starts). Got {_esc(repr(value))}; pass only one of "
        f"{{p[{given}]}} and {{p[{other}]}}.")


def _esc(text: str) -> str:
    """``text`` safe inside a :class:`ParameterError` template."""
    return text.replace("{", "{{").replace("}", "}}")
