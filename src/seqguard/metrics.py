"""Scores in the target's original units, over observed targets only, and metrics.json.

Guarantees every function here gives:

* **Observed targets only.** A NaN in ``y_true`` marks a missing target; it is
  masked out of every score, never imputed. Predictions are read only where the
  target is observed, and must be finite there (a NaN prediction is a failed model,
  not a missing value: it raises :class:`~seqguard.errors.InputError`).
* **Original units.** Inverse-scale predictions and targets before calling these.
* **JSON-safe results.** Every number is a plain Python ``float`` or ``int``; a score
  that cannot be computed is ``None`` (``json.dumps(..., allow_nan=False)`` always
  works on what :func:`build_metrics` returns).

Shapes: regression arrays are ``(n_windows, horizon)`` (a 1-D array is one column);
classification labels are ``(n,)`` class codes ``0 .. n_classes-1`` (NaN = missing)
with scores ``(n, n_classes)``, or ``(n,)`` / ``(n, 1)`` for the positive class of a
binary task.

``metrics.json`` (see DESIGN.md, "Run directory") is built by :func:`build_metrics`:

* forecast: ``task, target, input_len, horizon, test{mae, rmse, smape, mase,
  by_horizon}, baselines{persistence, seasonal_naive, climatology, mean} (each with
  mae, rmse, by_horizon), skill_vs_persistence, best_baseline, skill_vs_best,
  prediction_std_ratio, n_windows{train, val, test}, guard_events``;
* tag: the same keys (:data:`REGRESSION_KEYS`) with ``horizon`` and
  ``test.by_horizon`` ``None`` (a tagger predicts the step it reads, there is no
  horizon), ``baselines{climatology, mean}`` and ``skill_vs_persistence`` ``None``,
  plus ``skill_vs_mean`` (:data:`TAG_KEYS`);

``best_baseline`` names the baseline with the lowest test MAE
(:func:`best_baseline`) and ``skill_vs_best`` is ``1 - MAE / MAE_best``: the verdict
is against it (:func:`beats_baseline`).
* classify: ``task, target, input_len, n_classes, classes, test{accuracy, roc_auc,
  pr_auc, log_loss, notes}, baselines{majority{accuracy}, base_rate{log_loss}},
  skill_vs_base_rate, n_windows{train, val, test}, guard_events``.

docs/metrics.md describes every key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from .errors import InputError

__all__ = [
    "CLASSIFICATION_KEYS",
    "REGRESSION_KEYS",
    "SKILL_MARGIN",
    "TAG_KEYS",
    "beats_baseline",
    "best_baseline",
    "build_metrics",
    "classification_scores",
    "json_safe",
    "mase_scale",
    "prediction_std_ratio",
    "regression_scores",
    "skill",
    "verdict_lines",
]

#: A model beats a baseline only when its skill (1 - MAE/MAE_baseline) exceeds this
#: margin. Smaller gains are within the noise of one test part: on random walks, where
#: persistence is the best possible forecast, 300 test windows gave skills from -0.10
#: to +0.014 by chance alone.
SKILL_MARGIN = 0.02


def beats_baseline(skill_value: float | None, margin: float = SKILL_MARGIN) -> bool:
    """Whether a skill score says the model really beats the baseline (> ``margin``).

    Examples
    --------
    >>> beats_baseline(0.10), beats_baseline(0.01), beats_baseline(None)
    (True, False, False)
    """
    return skill_value is not None and math.isfinite(skill_value) and skill_value > margin


#: Top-level keys of metrics.json for ``forecast`` and ``tag``, in order.
REGRESSION_KEYS: tuple[str, ...] = (
    "task", "target", "input_len", "horizon", "test", "baselines",
    "skill_vs_persistence", "best_baseline", "skill_vs_best", "prediction_std_ratio",
    "n_windows", "guard_events",
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


# ----------------------------------------------------------------- helpers
def json_safe(value: Any) -> Any:
    """Turn numpy scalars/arrays into plain Python; NaN and ±inf into ``None``.

    The one strict-JSON encoder, :func:`seqguard._serialize.json_value`.

    Examples
    --------
    >>> json_safe({"a": np.float32(1.5), "b": [float("nan"), np.int64(2)]})
    {'a': 1.5, 'b': [None, 2]}
    """
    from ._serialize import json_value

    return json_value(value)


def _opt(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _as_2d(name: str, a: Any) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise InputError(f"{name} has shape {arr.shape}; expected (n_windows, horizon).")
    return arr


def _observed(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate a regression pair; return (y, p, mask) as float64 2-D arrays."""
    y = _as_2d("y_true", y_true)
    p = _as_2d("y_pred", y_pred)
    if y.shape != p.shape:
        raise InputError(f"y_true has shape {y.shape} but y_pred has shape {p.shape}; "
                         "pass one prediction per target.")
    if np.isinf(y).any():
        raise InputError("y_true holds infinite values; targets must be finite or NaN "
                         "(missing).")
    mask = ~np.isnan(y)
    if not mask.any():
        raise InputError("y_true has no observed target (all NaN): there is nothing to "
                         "score. Check the test part and the target column.")
    bad = mask & ~np.isfinite(p)
    if bad.any():
        w, h = np.argwhere(bad)[0]
        raise InputError(
            f"y_pred has {int(bad.sum())} non-finite value(s) at observed targets (first: "
            f"window {int(w)}, step h={int(h) + 1}: {p[w, h]}). The model produced NaN/inf; "
            "run `seqguard diagnose` on the run directory."
        )
    return y, p, mask


def _season(season: Any) -> int:
    if isinstance(season, bool) or not isinstance(season, (int, np.integer)) or season < 1:
        raise InputError(f"The 'season' parameter must be an integer >= 1. Got {season!r} "
                         "instead.")
    return int(season)


# ----------------------------------------------------------------- regression
def mase_scale(y_train: Any, season: int = 1) -> float | None:
    """In-sample MAE of the seasonal naive forecast on the training target.

    The mean of ``|y[t] - y[t - season]|`` over every pair where both values are
    observed, pooled over all series (each series paired only with itself).

    Parameters
    ----------
    y_train : array-like of shape (n,), or a list of such arrays (one per series)
        Training target in original units, NaN where missing. Pass a list when there
        are several series, so that no pair crosses from one series into the next.
    season : int
        Seasonal lag (1 = the naive, previous-step forecast).

    Returns
    -------
    float or None
        ``None`` when no pair is observed or the scale is 0 (MASE undefined).

    Examples
    --------
    >>> mase_scale([1.0, 3.0, np.nan, 4.0, 6.0])
    2.0
    >>> mase_scale([[1.0, 2.0], [10.0, 14.0]])
    2.5
    """
    m = _season(season)
    if isinstance(y_train, np.ndarray) and y_train.ndim == 1:
        series: Sequence[Any] = [y_train]
    elif isinstance(y_train, (list, tuple)) and y_train and np.ndim(y_train[0]) >= 1:
        series = y_train
    else:
        series = [y_train]
    total, count = 0.0, 0
    for k, s in enumerate(series):
        a = np.asarray(s, dtype=np.float64)
        if a.ndim != 1:
            raise InputError(f"y_train series {k} has shape {a.shape}; expected a 1-D "
                             "target array (pass a list of arrays for many series).")
        if len(a) <= m:
            continue
        d = np.abs(a[m:] - a[:-m])
        d = d[np.isfinite(d)]
        total += float(d.sum())
        count += int(d.size)
    if count == 0 or total == 0.0:
        return None
    return total / count


def regression_scores(y_true: Any, y_pred: Any, *, y_train: Any = None,
                      season: int = 1) -> dict[str, Any]:
    """MAE, RMSE, sMAPE, MASE and per-step MAE/RMSE over observed targets.

    Parameters
    ----------
    y_true : array-like of shape (n_windows, horizon)
        Targets in original units, NaN where missing (masked out).
    y_pred : array-like of shape (n_windows, horizon)
        Predictions in original units; must be finite wherever the target is observed.
    y_train : array-like or list of array-like, optional
        Training target series for the MASE scale (see :func:`mase_scale`);
        ``mase`` is ``None`` without it.
    season : int
        Seasonal lag of the MASE scale.

    Returns
    -------
    dict
        ``mae``, ``rmse``; ``smape`` in percent (0..200), the mean of
        ``200·|y−ŷ| / (|y|+|ŷ|)`` with a term counted as 0 when both are 0; ``mase``
        (``mae`` / :func:`mase_scale`, ``None`` when not computable); ``by_horizon``:
        ``[{"h": 1, "mae": ..., "rmse": ...}, ...]`` (``None`` for a step with no
        observed target); ``n_observed``.

    Raises
    ------
    InputError
        Shapes differ, no observed target, or a non-finite prediction at an observed
        target.

    Examples
    --------
    >>> s = regression_scores([[1.0, np.nan], [3.0, 4.0]], [[2.0, 9.0], [3.0, 2.0]])
    >>> s["mae"], s["by_horizon"][1]
    (1.0, {'h': 2, 'mae': 2.0, 'rmse': 2.0})
    """
    y, p, mask = _observed(y_true, y_pred)
    err = np.where(mask, p - y, 0.0)
    ae = np.abs(err)
    n = int(mask.sum())
    mae = float(ae.sum() / n)
    rmse = math.sqrt(float((err * err).sum() / n))
    denom = np.abs(np.where(mask, y, 0.0)) + np.abs(np.where(mask, p, 0.0))
    terms = np.divide(200.0 * ae, denom, out=np.zeros_like(ae), where=denom > 0)
    smape = float(terms.sum() / n)
    scale = None if y_train is None else mase_scale(y_train, season)
    mase = None if scale is None else _opt(mae / scale)
    per = mask.sum(axis=0)
    by_h: list[dict[str, Any]] = []
    for h in range(y.shape[1]):
        if per[h] == 0:
            by_h.append({"h": h + 1, "mae": None, "rmse": None})
            continue
        by_h.append({"h": h + 1, "mae": float(ae[:, h].sum() / per[h]),
                     "rmse": math.sqrt(float((err[:, h] ** 2).sum() / per[h]))})
    return {"mae": mae, "rmse": rmse, "smape": smape, "mase": mase, "by_horizon": by_h,
            "n_observed": n}


def prediction_std_ratio(y_true: Any, y_pred: Any) -> float | None:
    """std(predictions) / std(observed targets), both at observed target positions.

    Population standard deviations (``ddof=0``). Near 0 means the model predicts
    (almost) a constant.

    Returns
    -------
    float or None
        Exactly ``0.0`` when the predictions at observed positions are constant;
        otherwise ``None`` when the observed targets are constant (ratio undefined).

    Examples
    --------
    >>> prediction_std_ratio([[1.0, 3.0]], [[2.0, 2.0]])
    0.0
    >>> prediction_std_ratio([[1.0, np.nan, 3.0]], [[0.0, 7.0, 4.0]])
    2.0
    """
    y, p, mask = _observed(y_true, y_pred)
    pv, yv = p[mask], y[mask]
    if np.ptp(pv) == 0:
        return 0.0
    sy = float(np.std(yv, ddof=0))
    if np.ptp(yv) == 0 or sy == 0.0:
        return None
    return _opt(float(np.std(pv, ddof=0)) / sy)


def skill(mae: float | None, mae_ref: float | None) -> float | None:
    """Skill score ``1 - mae / mae_ref`` (1 perfect, 0 as good as the reference).

    ``None`` when either is ``None``/non-finite or ``mae_ref`` is 0.

    Examples
    --------
    >>> skill(5.0, 10.0)
    0.5
    """
    if mae is None or mae_ref is None:
        return None
    a, b = float(mae), float(mae_ref)
    if not (math.isfinite(a) and math.isfinite(b)) or b == 0.0:
        return None
    return _opt(1.0 - a / b)


# ----------------------------------------------------------------- classification
def _labels(y_true: Any, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (integer labels of the observed rows, observed mask)."""
    y = np.asarray(y_true)
    if y.ndim != 1:
        raise InputError(f"y_true has shape {y.shape}; expected (n,) class codes.")
    if y.dtype.kind == "b":
        y = y.astype(np.int64)
    if y.dtype.kind not in "iuf":
        raise InputError(f"y_true has dtype {y.dtype}; expected class codes 0 .. "
                         f"{n_classes - 1} (NaN for missing).")
    yf = y.astype(np.float64)
    mask = ~np.isnan(yf)
    lab = yf[mask]
    if lab.size and (np.any(lab != np.round(lab)) or lab.min() < 0 or lab.max() >= n_classes):
        bad = lab[(lab != np.round(lab)) | (lab < 0) | (lab >= n_classes)][0]
        raise InputError(f"y_true holds {bad:g}, which is not a class code 0 .. "
                         f"{n_classes - 1}. Encode the labels as 0, 1, ... or raise "
                         "n_classes.")
    return lab.astype(np.int64), mask


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def _log_proba(scores: Any, n_classes: int, kind: str, n: int) -> np.ndarray:
    """Log class probabilities (n, n_classes) from logits or probabilities."""
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim == 2 and s.shape[1] == 1:
        s = s[:, 0]
    if s.ndim == 1:
        if n_classes != 2:
            raise InputError(f"a 1-D score array is the positive-class score of a binary "
                             f"task, but n_classes={n_classes}; pass (n, {n_classes}) "
                             "scores.")
        if kind == "auto":
            kind = "proba" if np.all((s >= 0) & (s <= 1)) else "logits"
        if kind == "logits":
            # log sigmoid(z), log sigmoid(-z), computed stably
            lp = -np.logaddexp(0.0, -s)
            ln = -np.logaddexp(0.0, s)
        else:
            lp, ln = np.log(s), np.log1p(-s)
        out = np.stack([ln, lp], axis=1)
    elif s.ndim == 2:
        if s.shape[1] != n_classes:
            raise InputError(f"scores have {s.shape[1]} columns but n_classes={n_classes}; "
                             "pass one column per class.")
        if kind == "auto":
            ok = np.all((s >= 0) & (s <= 1)) and np.allclose(s.sum(axis=1), 1.0, atol=1e-4)
            kind = "proba" if ok else "logits"
        if kind == "logits":
            out = _log_softmax(s)
        else:
            out = np.log(s / s.sum(axis=1, keepdims=True))
    else:
        raise InputError(f"scores have shape {s.shape}; expected (n, n_classes) or (n,).")
    if len(out) != n:
        raise InputError(f"y_true has {n} rows but the scores have {len(out)}; pass one "
                         "score row per label.")
    return out


def classification_scores(y_true: Any, logits_or_proba: Any, *, n_classes: int,
                          kind: Literal["auto", "logits", "proba"] = "auto",
                          classes: Sequence[Any] | None = None) -> dict[str, Any]:
    """Accuracy, ROC AUC, PR AUC (average precision) and log loss over observed labels.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Class codes ``0 .. n_classes-1``; NaN marks a missing label (masked out).
    logits_or_proba : array-like of shape (n, n_classes), or (n,) / (n, 1) when binary
        Logits or probabilities; a 1-D array is the positive class of a binary task.
    n_classes : int
        Number of classes (>= 2).
    kind : {"auto", "logits", "proba"}
        What the scores are. ``"auto"`` reads them as probabilities when they lie in
        [0, 1] (and, with one column per class, each row sums to 1), else as logits:
        pass the kind explicitly when it is known.
    classes : sequence, optional
        The label of each class code, for the notes (which name labels, not codes).

    Returns
    -------
    dict
        ``accuracy``; ``roc_auc`` (binary, or one-vs-rest macro average over the
        classes present in ``y_true``); ``pr_auc`` (average precision, the same
        averaging); ``log_loss`` (natural log, probabilities clipped at machine
        epsilon as scikit-learn does); ``n_observed``; ``notes``: a dict of reasons
        for every score that is ``None`` or averaged over fewer classes.

    Examples
    --------
    >>> s = classification_scores([0, 1, 1, np.nan], [0.2, 0.9, 0.4, 0.5], n_classes=2)
    >>> s["accuracy"], s["roc_auc"]
    (0.6666666666666666, 1.0)
    """
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) \
            or n_classes < 2:
        raise InputError(f"The 'n_classes' parameter must be an integer >= 2. Got "
                         f"{n_classes!r} instead.")
    if kind not in ("auto", "logits", "proba"):
        raise InputError(f"The 'kind' parameter must be 'auto', 'logits' or 'proba'. Got "
                         f"{kind!r} instead.")
    K = int(n_classes)
    lab, mask = _labels(y_true, K)
    with np.errstate(all="ignore"):  # NaN/inf scores are reported just below
        logp_all = _log_proba(logits_or_proba, K, kind, len(mask))
    logp = logp_all[mask]
    if lab.size == 0:
        raise InputError("y_true has no observed label (all NaN): there is nothing to "
                         "score. Check the test part and the label column.")
    if not np.all(np.isfinite(logp) | (logp == -np.inf)):
        raise InputError("the scores hold NaN/inf at observed labels: the model failed. "
                         "Run `seqguard diagnose` on the run directory.")
    proba = np.exp(logp)
    notes: dict[str, str] = {}
    pred = np.argmax(proba, axis=1)
    accuracy = float(np.mean(pred == lab))
    eps = np.finfo(np.float64).eps
    picked = np.clip(proba[np.arange(len(lab)), lab], eps, 1.0 - eps)
    log_loss = _opt(float(-np.mean(np.log(picked))))

    present = np.unique(lab)
    name = (lambda k: classes[k]) if classes is not None and len(classes) == K \
        else (lambda k: k)
    roc_auc: float | None
    pr_auc: float | None
    if len(present) < 2:
        reason = (f"only class {name(int(present[0]))!r} is present among the {len(lab)} observed "
                  "labels; AUC needs at least two classes")
        roc_auc = pr_auc = None
        notes["roc_auc"] = notes["pr_auc"] = reason
    elif K == 2:
        roc_auc = _opt(roc_auc_score(lab, proba[:, 1]))
        pr_auc = _opt(average_precision_score(lab, proba[:, 1]))
    else:
        aucs = [roc_auc_score(lab == k, proba[:, k]) for k in present]
        aps = [average_precision_score(lab == k, proba[:, k]) for k in present]
        roc_auc, pr_auc = _opt(np.mean(aucs)), _opt(np.mean(aps))
        if len(present) < K:
            missing = [name(k) for k in sorted(set(range(K)) - set(present.tolist()))]
            note = (f"one-vs-rest macro average over the {len(present)} classes present; "
                    f"class(es) {missing} have no observed label")
            notes["roc_auc"] = notes["pr_auc"] = note
    return {"accuracy": accuracy, "roc_auc": roc_auc, "pr_auc": pr_auc,
            "log_loss": log_loss, "n_observed": int(lab.size), "notes": notes}


# ----------------------------------------------------------------- metrics.json
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
                  kind: Literal["auto", "logits", "proba"] = "auto") -> dict[str, Any]:
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
    }
    return json_safe(out)


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


# ----------------------------------------------------------------- verdict
def verdict_lines(metrics: Mapping[str, Any],
                  options: Mapping[str, Any] | None = None) -> list[str]:
    """The verdict of a regression metrics.json, in sentences (what ``fit`` and
    ``evaluate`` print under the score table).

    The model is judged against the best baseline (``best_baseline``, by
    ``skill_vs_best`` and :func:`beats_baseline`) and, for forecasting, against
    persistence too (one sentence when persistence is the best). When the model does
    not beat the best baseline, a last sentence says what would help, for that
    baseline; ``options`` (the estimator's parameters, ``get_params()``) leaves out
    the options the run already used.

    Examples
    --------
    >>> m = {"task": "forecast", "input_len": 6, "best_baseline": "seasonal_naive",
    ...      "skill_vs_best": -0.77, "skill_vs_persistence": 0.572,
    ...      "prediction_std_ratio": 0.9, "baselines": {"seasonal_naive": {"season": 12}}}
    >>> for line in verdict_lines(m): print(line)
    The model does NOT beat seasonal_naive (the best baseline): skill -0.770 (1 - MAE/MAE_seasonal_naive).
    The model beats persistence: skill +0.572 (1 - MAE/MAE_persistence); prediction std ratio 0.900.
    To beat seasonal_naive: the target repeats every 12 steps; give the model at least one season of history with --input-len 12 or more (now 6), the season position with --calendar auto, and the value one season back with --lags 12.
    """
    best = metrics.get("best_baseline")
    sk_best = metrics.get("skill_vs_best")
    sk_p = metrics.get("skill_vs_persistence")
    ratio = metrics.get("prediction_std_ratio")
    tail = "; prediction std ratio " + ("-" if ratio is None else f"{ratio:.3f}")
    lines: list[str] = []
    if best is not None and sk_best is not None:
        lines.append(_verdict_sentence(str(best), float(sk_best), best=True))
    if sk_p is not None and best != "persistence":
        lines.append(_verdict_sentence("persistence", float(sk_p)))
    if not lines:
        return lines
    lines[-1] = lines[-1][:-1] + tail + "."
    if best is not None and not beats_baseline(sk_best):
        advice = _advice(str(best), metrics, options or {})
        if advice:
            lines.append(advice)
    return lines


def _verdict_sentence(name: str, value: float, best: bool = False) -> str:
    won = beats_baseline(value)
    noise = f" (a gain under {SKILL_MARGIN:.0%} is within the noise)" \
        if 0 < value <= SKILL_MARGIN else ""
    if best and won:
        head = f"The model beats {name}, the best baseline:"
    elif best:
        head = f"The model does NOT beat {name} (the best baseline):"
    else:
        head = f"The model {'beats' if won else 'does NOT beat'} {name}:"
    return f"{head} skill {value:+.3f} (1 - MAE/MAE_{name}){noise}."


def _uses_lag(lags: Any, season: int) -> bool:
    """Whether a ``--lags`` value (``"1,12"``, ``"y:12;x:1"``, a list) holds ``season``."""
    if lags is None:
        return False
    text = lags if isinstance(lags, str) else ",".join(str(v) for v in lags)
    return str(season) in {p.strip() for p in text.replace(";", ",").replace(":", ",")
                           .split(",")}


def _advice(best: str, metrics: Mapping[str, Any], options: Mapping[str, Any]) -> str:
    """What would help a model that loses to ``best`` (leaving out what ``options`` use)."""
    baselines = metrics.get("baselines") or {}
    entry = baselines.get(best) or {}
    season = entry.get("season")
    position = entry.get("position") or (baselines.get("climatology") or {}).get("position")
    input_len = metrics.get("input_len")
    tag = metrics.get("task") == "tag"
    if best in ("seasonal_naive", "climatology") and isinstance(season, int) and season > 1:
        where = f" ({position})" if position else ""
        if tag:
            return (f"To beat {best}: the target follows a season of {season} steps{where}; "
                    "give the model the season position with --calendar auto, and inputs "
                    "that carry the season (--features).")
        parts = []
        if isinstance(input_len, int) and input_len < season:
            parts.append(f"at least one season of history with --input-len {season} or "
                         f"more (now {input_len})")
        if not options.get("calendar"):
            parts.append("the season position with --calendar auto")
        if not _uses_lag(options.get("lags"), season):
            parts.append(f"the value one season back with --lags {season}")
        if not parts:
            epochs = options.get("epochs")
            more = f"--epochs above {epochs}" if isinstance(epochs, int) else "more --epochs"
            return (f"To beat {best}: the model already sees the season (--calendar, --lags "
                    f"{season}); train longer ({more}) or give it more inputs that lead the "
                    "target (--features, --rolling).")
        listed = ", ".join(parts[:-1]) + ", and " + parts[-1] if len(parts) > 1 else parts[0]
        return (f"To beat {best}: the target repeats every {season} steps{where}; give the "
                f"model {listed}.")
    if best == "persistence":
        return ("To beat persistence: train longer (more --epochs) or with a lower --lr, "
                "and add inputs that lead the target (--features, --lags, --rolling); on a "
                "random walk nothing beats it.")
    if best in ("mean", "climatology"):
        return (f"To beat {best}: the inputs tell the model little about the target; add "
                "informative inputs (--features, --calendar auto) or train longer "
                "(more --epochs).")
    return ""
