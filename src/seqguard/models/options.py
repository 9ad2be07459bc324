"""The options of :class:`~seqguard.models.SequenceModel`: names, checks, the config.

:func:`resolve_options` checks every constructor argument (type, range, and whether it
applies to the task, the model and the head) and resolves the ``None`` defaults that
depend on the task (``horizon`` 1, head ``"residual"``, ``n_outputs`` 1, pool
``"last"``, ``init``) into a :class:`ModelOptions`, so the model itself only builds its
layers. :meth:`ModelOptions.config` is the plain-JSON form saved in ``pipeline.json``.
"""

from __future__ import annotations

import copy
import operator
import warnings
from dataclasses import dataclass, fields
from typing import Any

from ..errors import InputError, did_you_mean
from .grud import check_grud_channels
from .heads import ACTIVATIONS, ModelWarning
from .pooling import POOLS
from .recurrent import INITS
from .revin import parse_norm

__all__ = ["HEADS", "MODELS", "SERIES_AT", "TASKS", "ModelOptions", "resolve_options"]

MODELS = ("lstm", "gru", "grud")
TASKS = ("forecast", "tag", "classify")
HEADS = ("residual", "direct")
#: Where a series embedding joins the model: every step's inputs, or the head's input.
SERIES_AT = ("steps", "head")


@dataclass(frozen=True)
class ModelOptions:
    """The checked arguments of a :class:`~seqguard.models.SequenceModel`, the task's
    defaults filled in (see its Parameters); ``norm`` is ``"none"`` when unset and
    ``norm_floor`` the two std floors when it is set."""

    n_features: int
    task: str
    horizon: int | None
    n_outputs: int | None
    model: str
    hidden: int
    layers: int
    dropout: float
    bidirectional: bool
    head: str | None
    head_layers: int
    activation: str | None
    grud_channels: dict[str, Any] | None
    init: str
    baselines: int
    ar_steps: int
    ar_index: int | None
    norm: str
    norm_target: int | None
    norm_floor: list[float] | None
    pool: str | None
    n_static: int
    n_series: int = 0
    series_embedding: int = 0
    series_at: str | None = None

    def config(self) -> dict[str, Any]:
        """The plain-JSON config (``SequenceModel.config``): an option added after the
        first version is written only when it is set, so the configs of models that do
        not use it stay as earlier versions wrote them."""
        out: dict[str, Any] = {
            "n_features": self.n_features, "task": self.task, "horizon": self.horizon,
            "n_outputs": self.n_outputs, "model": self.model, "hidden": self.hidden,
            "layers": self.layers, "dropout": self.dropout,
            "bidirectional": self.bidirectional, "head": self.head,
            "head_layers": self.head_layers, "activation": self.activation,
            "grud_channels": copy.deepcopy(self.grud_channels), "init": self.init,
        }
        if self.baselines:
            out["baselines"] = self.baselines
        if self.ar_steps:
            out["ar_steps"], out["ar_index"] = self.ar_steps, self.ar_index
        if self.norm != "none":
            out.update(norm=self.norm, norm_target=self.norm_target,
                       norm_floor=self.norm_floor)
        if self.task == "classify" and self.pool != "last":
            out["pool"] = self.pool
        if self.n_static:
            out["n_static"] = self.n_static
        if self.series_embedding:
            out.update(n_series=self.n_series, series_embedding=self.series_embedding,
                       series_at=self.series_at)
        return out


#: Every constructor argument, in order (the keys a config may hold).
_ARGS = tuple(f.name for f in fields(ModelOptions))


def _int(name: str, value: Any, minimum: int, fix: str) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise InputError(f"The {name!r} option must be an integer >= {minimum}, got {value!r}. "
                         f"{fix}")
    v = operator.index(value)
    if v < minimum:
        raise InputError(f"The {name!r} option must be an integer >= {minimum}, got {v}. {fix}")
    return int(v)


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise InputError(f"The {name!r} option must be one of {list(choices)}, got {value!r}."
                         + did_you_mean(str(value), choices))
    return str(value)


def resolve_options(
    n_features: Any, task: Any, horizon: Any, n_outputs: Any, model: Any, hidden: Any,
    layers: Any, dropout: Any, bidirectional: Any, head: Any, head_layers: Any,
    activation: Any, grud_channels: Any, init: Any, baselines: Any, ar_steps: Any,
    ar_index: Any, norm: Any, norm_target: Any, norm_floor: Any, pool: Any,
    n_static: Any, n_series: Any = 0, series_embedding: Any = 0, series_at: Any = None,
) -> ModelOptions:
    """Check the arguments of :class:`~seqguard.models.SequenceModel` and resolve them.

    Returns
    -------
    ModelOptions
        Every argument, checked, with the task's defaults filled in.

    Raises
    ------
    InputError
        An option is unknown, out of range, or does not apply to the task.
    """
    n_features = _int("n_features", n_features, 1, "Pass the number of input columns.")
    task = _choice("task", task, TASKS)
    model = _choice("model", model, MODELS)
    hidden = _int("hidden", hidden, 1, "Try 32, 64 or 128.")
    layers = _int("layers", layers, 1, "Try 1 or 2.")
    head_layers = _int("head_layers", head_layers, 0, "Use 0 for a linear head.")
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
            or not 0.0 <= float(dropout) < 1.0:
        raise InputError(f"The 'dropout' option must be a number in [0, 1), got {dropout!r}. "
                         "Try 0.0 (none) to 0.3.")
    dropout = float(dropout)
    if not isinstance(bidirectional, bool):
        raise InputError(f"The 'bidirectional' option must be true or false, got "
                         f"{bidirectional!r}.")
    if task == "forecast":
        horizon = 1 if horizon is None else _int(
            "horizon", horizon, 1, "Pass the number of steps to forecast.")
        head = "residual" if head is None else _choice("head", head, HEADS)
    else:
        if horizon is not None:
            raise InputError(f"The 'horizon' option applies to task='forecast' only, got "
                             f"horizon={horizon!r} with task={task!r}. Leave it unset.")
        if head is not None:
            raise InputError(f"The 'head' option (residual or direct) applies to "
                             f"task='forecast' only, got head={head!r} with task={task!r}. "
                             "Leave it unset.")
    if task == "classify":
        n_outputs = 1 if n_outputs is None else _int(
            "n_outputs", n_outputs, 1, "Use 1 for a binary logit or the number of classes.")
        if activation is not None:
            raise InputError(f"The 'activation' option applies to regression only; "
                             f"task='classify' outputs logits, got activation="
                             f"{activation!r}. Leave it unset.")
    elif n_outputs is not None:
        raise InputError(f"The 'n_outputs' option applies to task='classify' only, got "
                         f"n_outputs={n_outputs!r} with task={task!r}. Leave it unset.")
    n_static = _int("n_static", n_static, 0, "Use 0 for no static covariates.")
    if task == "classify":
        pool = "last" if pool is None else _choice("pool", pool, POOLS)
    elif pool is not None:
        raise InputError(f"The 'pool' option applies to task='classify' only, got "
                         f"pool={pool!r} with task={task!r}. Leave it unset.")
    series_embedding = _int("series_embedding", series_embedding, 0,
                            "Use 0 for no series embedding.")
    n_series = _int("n_series", n_series, 0, "Pass the number of training series.")
    if series_embedding:
        if n_series < 1:
            raise InputError("The 'series_embedding' option needs n_series >= 1, the number "
                             "of training series (the rows of the embedding).")
        series_at = "head" if series_at is None else _choice("series_at", series_at,
                                                             SERIES_AT)
        if series_at == "steps" and model == "grud":
            raise InputError("series_at='steps' gives the series embedding to every step, "
                             "which GRU-D's masked channels cannot take; use "
                             "series_at='head' with model='grud'.")
    elif n_series or series_at is not None:
        raise InputError("The 'n_series' and 'series_at' options apply with "
                         "series_embedding > 0 only. Leave them unset.")
    baselines = _int("baselines", baselines, 0, "Use 0 for persistence alone.")
    if baselines and (task != "forecast" or head != "residual"):
        raise InputError(f"The 'baselines' option applies to the residual forecast head "
                         f"only, got baselines={baselines} with task={task!r}, "
                         f"head={head!r}. Leave it 0.")
    ar_steps = _int("ar_steps", ar_steps, 0, "Use 0 for no autoregressive term.")
    if ar_steps:
        if task != "forecast" or head != "residual":
            raise InputError(f"The 'ar_steps' option applies to the residual forecast "
                             f"head only, got ar_steps={ar_steps} with task={task!r}, "
                             f"head={head!r}. Leave it 0.")
        ar_index = _int("ar_index", ar_index, 0, "Pass the target's input column.")
        if ar_index >= n_features:
            raise InputError(f"The 'ar_index' option must be an input column (0 to "
                             f"{n_features - 1}), got {ar_index}.")
    elif ar_index is not None:
        raise InputError("The 'ar_index' option needs ar_steps > 0. Leave it unset.")
    norm = parse_norm(norm)
    floor: list[float] | None = None
    if norm != "none":
        if task != "forecast":
            raise InputError(f"The 'norm' option (per-window normalisation of the target) "
                             f"applies to task='forecast' only, got norm={norm!r} with "
                             f"task={task!r}. Pass --norm none.")
        norm_target = _int("norm_target", norm_target, 0,
                           "Pass the column of the target in the inputs.")
        if norm_target >= n_features:
            raise InputError(f"norm_target {norm_target} is not a column of the "
                             f"{n_features} inputs. Pass the column of the target.")
        floor = [0.01, 0.01] if norm_floor is None else [float(v) for v in norm_floor]
        if len(floor) != 2 or not all(v > 0 for v in floor):
            raise InputError(f"norm_floor must be two positive numbers, got {norm_floor!r}.")
    elif norm_target is not None or norm_floor is not None:
        raise InputError("The 'norm_target' and 'norm_floor' options apply with "
                         "norm='revin' only. Leave them unset.")
    if activation is not None:
        activation = _choice("activation", activation, tuple(ACTIVATIONS))
    init = ("torch" if task == "forecast" else "orthogonal") if init is None \
        else _choice("init", init, INITS)
    if model == "grud":
        if bidirectional:
            raise InputError("The grud model runs forward in time only (its decays count "
                             "from past observations); bidirectional=True needs model="
                             "'lstm' or 'gru'.")
        grud_channels = check_grud_channels(grud_channels, n_features)
    elif grud_channels is not None:
        raise InputError(f"The 'grud_channels' option applies to model='grud' only, got it "
                         f"with model={model!r}. Leave it unset.")
    if dropout > 0 and layers == 1 and head_layers == 0:
        warnings.warn(f"--dropout {dropout:g} has no effect with --layers 1 and "
                      "--head-layers 0: dropout applies between recurrent layers and "
                      "after dense head layers. Pass --layers 2 or more, --head-layers 1, "
                      "or --dropout 0.",
                      ModelWarning, stacklevel=3)

    return ModelOptions(n_features, task, horizon, n_outputs, model, hidden, layers, dropout,
                        bidirectional, head, head_layers, activation, grud_channels, init,
                        baselines, ar_steps, ar_index, norm, norm_target, floor, pool,
                        n_static, n_series, series_embedding, series_at)
