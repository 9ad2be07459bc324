"""metrics.json: the keys of every task, in order, and :func:`build_metrics`.

See the package docstring and docs/metrics.md for what each key means.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from ..errors import InputError
from .by_series import series_entries
from .classification import classification_scores
from .regression import prediction_std_ratio, regression_scores, skill
from .values import json_safe

__all__ = ["CLASSIFICATION_KEYS", "REGRESSION_KEYS", "TAG_KEYS", "best_baseline", "build_metrics"]


#: Top-level keys of metrics.json for ``forecast`` and ``tag``, in order.
REGRESSION_KEYS: tuple[str, ...] = (
    "task", "target", "input_len", "horizon", "test", "baselines",
    "skill_vs_persistence", "best_baseline", "skill_vs_best", "prediction_std_ratio",
    "n_windows", "guard_events", "by_series",
)
#: Top-level keys of metrics.json for ``tag``, in order: the regression keys and
#: ``skill_vs_mean``.
TAG_KEYS: tuple[str, ...] = REGRESSION_KEYS + ("skill_vs_mean",)
#: Top-level keys of metrics.json for ``classify``, in order.
CLASSIFICATION_KEYS: tuple[str, ...] = (
    "task", "target", "input_len", "n_classes", "classes", "test", "baselines",
    "skill_vs_base_rate", "n_windows", "guard_events",
)
_TASKS = ("forecast", "tag", "classify")


def _n_windows(n_windows: Mapping[str, Any]) -> dict[str, int | None]:
    unknown = set(n_windows) - {"train", "val", "test"}
    if unknown:
        raise InputError(f"n_windows has unknown part(s) {sorted(unknown)}; use 'train', "
                         "'val' and 'test'.")
    return {k: (None if n_windows.get(k) is None else int(n_windows[k]))
            for k in ("train", "val", "test")}


def build_metrics(*, task: str, target: str, input_len: int | None, y_true: Any,
                  y_pred: Any, baselines: Mapping[str, Any],
                  n_windows: Mapping[str, Any], guard_events: int = 0,
                  horizon: int | None = None, y_train: Any = None, season: int = 1,
                  n_classes: int | None = None, classes: Sequence[Any] | None = None,
                  kind: Literal["auto", "logits", "proba"] = "auto", series: Any = None,
                  series_baseline: Callable[[str], Any] | None = None,
                  ) -> dict[str, Any]:
    """The whole ``metrics.json`` dict, JSON-safe (``None`` for what is not computable).

    Parameters
    ----------
    task : {"forecast", "tag", "classify"}
    target : str
        Target column name.
    input_len : int or None
        Input window length (``None`` for variable-length classification).
    y_true, y_pred : array-like
        Test targets and predictions in original units (forecast, shape
        ``(n_windows, horizon)``; tag, shape ``(n_steps,)``: one entry per scored
        step), or test labels and logits/probabilities (classification, see
        :func:`classification_scores`).
    baselines : dict
        Forecast: ``{"persistence": {"mae", "rmse"}, "seasonal_naive": {...},
        "mean": {...}}`` and optionally ``"climatology"``, from
        :func:`seqguard.baselines.baseline_scores`; each may add ``by_horizon``,
        ``season`` and ``position``, which are kept. Tag: ``{"mean": {"mae",
        "rmse"}}`` and optionally ``"climatology"``, from
        :func:`seqguard.baselines.tag_baseline_scores`.
        Classification: ``{"majority": {"accuracy"}, "base_rate": {"log_loss"}}`` from
        :func:`seqguard.baselines.classification_baseline_scores`.
    n_windows : dict
        Window counts of the ``train``, ``val`` and ``test`` parts.
    guard_events : int
        Number of guard events during training.
    horizon : int, optional
        Forecast horizon; defaults to ``y_true``'s number of columns (ignored for
        ``tag``, whose ``horizon`` is ``None``).
    y_train, season
        MASE scale (see :func:`mase_scale`).
    n_classes : int, optional
        Required for ``classify``.
    classes : sequence, optional
        ``classify``: the label of each class code, in code order (the ``classes``
        entry; ``None`` when not given).
    kind : {"auto", "logits", "proba"}
        What classification scores are.
    series : array-like of shape (n,), optional
        Forecast and tag: the series of each row of ``y_true``; gives ``by_series``
        (:mod:`seqguard.metrics.by_series`, worst first). ``None``: ``by_series`` is
        ``None``.
    series_baseline : callable, optional
        ``f(name)``: the forecasts of the baseline ``name`` (the shape of ``y_true``);
        each ``by_series`` entry's ``baseline_mae`` and ``skill`` come from those of
        the run's ``best_baseline``.

    Returns
    -------
    dict
        Keys :data:`REGRESSION_KEYS` (forecast), :data:`TAG_KEYS` or
        :data:`CLASSIFICATION_KEYS`, in that order.

    Raises
    ------
    InputError
        Unknown task, missing baselines or ``n_classes``, bad arrays.
    """
    if task not in _TASKS:
        raise InputError(f"The 'task' parameter must be one of {', '.join(_TASKS)}. Got "
                         f"{task!r} instead.")
    if task == "classify":
        if n_classes is None:
            raise InputError("build_metrics(task='classify') needs n_classes.")
        cs = classification_scores(y_true, y_pred, n_classes=n_classes, kind=kind,
                                   classes=classes)
        base = _pick_baselines(baselines, {"majority": ("accuracy",),
                                           "base_rate": ("log_loss",)})
        out: dict[str, Any] = {
            "task": task, "target": str(target),
            "input_len": None if input_len is None else int(input_len),
            "n_classes": int(n_classes),
            "classes": None if classes is None else list(classes),
            "test": {k: cs[k] for k in ("accuracy", "roc_auc", "pr_auc", "log_loss",
                                        "notes")},
            "baselines": base,
            "skill_vs_base_rate": skill(cs["log_loss"], base["base_rate"]["log_loss"]),
            "n_windows": _n_windows(n_windows),
            "guard_events": int(guard_events),
        }
        return json_safe(out)
    rs = regression_scores(y_true, y_pred, y_train=y_train, season=season)
    if task == "tag":
        base = _pick_baselines(baselines, {"mean": ("mae", "rmse")}, ("climatology",))
        best = best_baseline(base)
        out = {
            "task": task, "target": str(target),
            "input_len": None if input_len is None else int(input_len),
            "horizon": None,
            "test": {k: rs[k] for k in ("mae", "rmse", "smape", "mase")} | {
                "by_horizon": None},
            "baselines": base,
            "skill_vs_persistence": None,
            "best_baseline": best,
            "skill_vs_best": None if best is None else skill(rs["mae"], base[best]["mae"]),
            "prediction_std_ratio": prediction_std_ratio(y_true, y_pred),
            "n_windows": _n_windows(n_windows),
            "guard_events": int(guard_events),
            "by_series": _by_series(y_true, y_pred, series, best, series_baseline),
            "skill_vs_mean": skill(rs["mae"], base["mean"]["mae"]),
        }
        return json_safe(out)
    base = _pick_baselines(baselines, {"persistence": ("mae", "rmse"),
                                       "seasonal_naive": ("mae", "rmse"),
                                       "mean": ("mae", "rmse")}, ("climatology",))
    best = best_baseline(base)
    H = len(rs["by_horizon"]) if horizon is None else int(horizon)
    if H != len(rs["by_horizon"]):
        raise InputError(f"horizon={H} but y_true has {len(rs['by_horizon'])} columns; "
                         "pass (n_windows, horizon) arrays.")
    out = {
        "task": task, "target": str(target),
        "input_len": None if input_len is None else int(input_len),
        "horizon": H,
        "test": {k: rs[k] for k in ("mae", "rmse", "smape", "mase", "by_horizon")},
        "baselines": base,
        "skill_vs_persistence": skill(rs["mae"], base["persistence"]["mae"]),
        "best_baseline": best,
        "skill_vs_best": None if best is None else skill(rs["mae"], base[best]["mae"]),
        "prediction_std_ratio": prediction_std_ratio(y_true, y_pred),
        "n_windows": _n_windows(n_windows),
        "guard_events": int(guard_events),
        "by_series": _by_series(y_true, y_pred, series, best, series_baseline),
    }
    return json_safe(out)


def _by_series(y_true: Any, y_pred: Any, series: Any, best: str | None,
               baseline: Callable[[str], Any] | None) -> list[dict[str, Any]] | None:
    if series is None:
        return None
    pred = None if baseline is None or best is None else baseline(best)
    return series_entries(y_true, y_pred, series, best, pred)


def best_baseline(baselines: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The name of the baseline with the lowest MAE (the first of equals, in order).

    Baselines whose MAE is ``None`` or not finite are skipped; ``None`` when none is
    left.

    Examples
    --------
    >>> best_baseline({"persistence": {"mae": 3.0}, "seasonal_naive": {"mae": 2.0},
    ...                "climatology": {"mae": None}, "mean": {"mae": 2.0}})
    'seasonal_naive'
    """
    best, best_mae = None, math.inf
    for name, entry in baselines.items():
        v = entry.get("mae")
        if v is None or not math.isfinite(float(v)):
            continue
        if float(v) < best_mae:
            best, best_mae = name, float(v)
    return best


_EXTRA_BASELINE_KEYS = ("by_horizon", "season", "position")


def _pick_baselines(baselines: Mapping[str, Any],
                    need: Mapping[str, tuple[str, ...]],
                    optional: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    missing = [name for name in need if name not in baselines]
    if missing:
        raise InputError(f"baselines lacks {missing}; build it with "
                         "seqguard.baselines.baseline_scores (forecast), "
                         "tag_baseline_scores (tag) or classification_baseline_scores "
                         "(classify).")
    out = {}
    for name, keys in need.items():
        entry = baselines[name]
        absent = [k for k in keys if k not in entry]
        if absent:
            raise InputError(f"baselines[{name!r}] lacks {absent}.")
        out[name] = {k: entry[k] for k in keys + _EXTRA_BASELINE_KEYS if k in entry}
    # optional baselines go before "mean", in the order of DESIGN.md
    for name in optional:
        if name in baselines:
            entry = baselines[name]
            absent = [k for k in ("mae", "rmse") if k not in entry]
            if absent:
                raise InputError(f"baselines[{name!r}] lacks {absent}.")
            out[name] = {k: entry[k] for k in ("mae", "rmse") + _EXTRA_BASELINE_KEYS
                         if k in entry}
    if "mean" in out:
        out["mean"] = out.pop("mean")
    return out
