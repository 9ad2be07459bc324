"""Why NaN? Why constant? ``diagnose`` finds the cause, with the numbers and the fix.

:func:`diagnose` looks at a trained model and says what went wrong, most likely
cause first. It works on a seqguard run directory, a fitted seqguard estimator, a
plain ``torch.nn.Module`` with input arrays (and targets, if there are any), or a
Keras 3 model (optional: only when Keras is installed).

Every finding is a dict ``{"severity", "code", "message", "evidence", "fix"}``:
``evidence`` holds the numbers behind the message, ``fix`` a concrete action.
The checks, each reported only when it applies:

==========================  ====================================================
non-finite trace            ``non_finite_input`` (where: window, timestep, input
                            feature, the layer it enters), ``non_finite_weights``
                            (parameter), ``non_finite_activation`` (the first
                            layer that turns finite inputs into NaN / inf)
inputs                      ``unscaled_feature`` (``|mean|`` or std above 10 after
                            preprocessing), ``scale_disparity`` (largest / smallest
                            feature std above 1e3), ``constant_feature``
target                      ``unscaled_target``, ``constant_target`` (one value is
                            99 % or more of the targets), ``activation_range``
optimisation (history.csv)  ``non_finite_training``, ``lr_too_high``,
                            ``exploding_gradients``, ``vanishing_gradients``,
                            ``clipping_most_steps``, ``too_short``
model state                 ``saturated_gates`` (over 30 % of the first recurrent
                            layer's gate activations within 0.01 of their bounds),
                            ``dead_units`` (half of the hidden units constant)
collapse                    ``constant_predictions`` (std(predictions) /
                            std(targets) below 0.1), ``no_better_than_persistence``,
                            ``no_better_than_mean``
leakage                     ``leakage`` (the audit's shifted-target and
                            same-time-copy hints; inputs standardised or min-max
                            scaled on all rows rather than the training part)
long inputs                 ``learned_long_dependency`` (info, see below)
==========================  ====================================================

Order
-----
Findings are ranked by severity (error, warning, info) and, within a severity, by
:data:`CAUSE_ORDER`: causes before the symptoms they produce, so
``unscaled_target`` comes before ``constant_predictions``, a non-finite weight before
the NaN it produces, ``lr_too_high`` before ``non_finite_training``.
:attr:`Diagnosis.first` is the most likely cause.

Long inputs
-----------
With 100 input steps or more, diagnose measures how much the predictions depend on
the start of the window: the mean absolute gradient of the predictions with respect
to the first 10 % of the input steps, relative to the last 10 %. Below ``1e-3``
(:class:`~seqguard.training.GradientHealth`'s ``vanish_rel``) it reports
``vanishing_gradients`` over time. When neither that nor the per-layer gradient
report of the training history flags vanishing gradients, and the model's MAE is at
most 0.9 times the best baseline's, it reports ``learned_long_dependency`` (info):
the model does use the long window.

Units
-----
Everything is measured in the units the model sees (after preprocessing). Scores
against the baselines are ratios of MAEs, which scaling does not change.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from .errors import InputError, SeqguardError
from .metrics import SKILL_MARGIN, beats_baseline

__all__ = ["CAUSE_ORDER", "Diagnosis", "diagnose", "save_diagnosis"]

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")

#: Codes from most fundamental cause to symptom; the rank within one severity.
CAUSE_ORDER: tuple[str, ...] = (
    "non_finite_input",
    "non_finite_weights",
    "non_finite_activation",
    "constant_target",
    "unscaled_target",
    "activation_range",
    "unscaled_feature",
    "scale_disparity",
    "constant_feature",
    "leakage",
    "lr_too_high",
    "exploding_gradients",
    "vanishing_gradients",
    "clipping_most_steps",
    "saturated_gates",
    "dead_units",
    "non_finite_training",
    "non_finite_validation",
    "constant_predictions",
    "no_better_than_mean",
    "no_better_than_persistence",
    "too_short",
    "learned_long_dependency",
)
_RANK = {c: i for i, c in enumerate(CAUSE_ORDER)}
_UNKNOWN_RANK = _RANK["non_finite_training"]  # other guard findings: with the symptoms

# Thresholds (documented in the module docstring; tests use the same numbers).
UNSCALED = 10.0            # |mean| or std of a feature in model units
SCALE_RATIO = 1e3          # largest / smallest feature std (as the audit)
NEAR_CONSTANT = 0.99       # share of the most frequent target value
COLLAPSE_RATIO = 0.1       # std(predictions) / std(targets) (as CollapseGuard)
SATURATED_SHARE = 0.3      # of the gate activations (as CollapseGuard)
DEAD_SHARE = 0.5           # of the hidden units (as CollapseGuard)
LONG_INPUT = 100           # input steps from which the long-window check runs
LEARNED_MARGIN = 0.9       # MAE / best baseline MAE for learned_long_dependency
LR_LIMIT = {"sgd": 1.0}    # learning rates above this are "too high" ...
LR_LIMIT_ADAPTIVE = 0.1    # ... and this for adam / adamw / rmsprop
_GATE_WINDOWS = 256
_TIME_WINDOWS = 64


def _fmt(x: Any) -> str:
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return str(int(x))
    try:
        return f"{float(x):.3g}"
    except (TypeError, ValueError):
        return str(x)


def _finding(severity: str, code: str, message: str, evidence: Mapping[str, Any],
             fix: str) -> dict[str, Any]:
    return {"severity": severity, "code": code, "message": message,
            "evidence": dict(evidence), "fix": fix}


def rank_findings(findings: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Most likely cause first: severity, then :data:`CAUSE_ORDER`, then input order."""
    items = [dict(f) for f in findings]
    sev = {s: i for i, s in enumerate(SEVERITIES)}
    order = sorted(range(len(items)), key=lambda i: (
        sev.get(str(items[i].get("severity")), len(SEVERITIES)),
        _RANK.get(str(items[i].get("code")), _UNKNOWN_RANK), i))
    return [items[i] for i in order]


# ====================================================================== result
@dataclass
class Diagnosis:
    """The findings of :func:`diagnose`, most likely cause first.

    Attributes
    ----------
    findings : list of dict
        ``{"severity", "code", "message", "evidence", "fix"}``, ranked (see the
        module docstring).
    context : dict
        What was looked at: ``source`` (``"run"``, ``"estimator"``, ``"torch"``,
        ``"keras"``), ``checked`` (the groups of checks that ran), ``n_windows``,
        ``input_len``, ``lr_schedule`` and such.
    """

    findings: list[dict[str, Any]] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def first(self) -> dict[str, Any] | None:
        """The most likely cause (the first finding), or ``None``."""
        return self.findings[0] if self.findings else None

    @property
    def codes(self) -> list[str]:
        """The finding codes, in order."""
        return [str(f["code"]) for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        """Strict-JSON form: ``{"findings", "codes", "counts", "context"}``."""
        from .metrics import json_safe

        counts = {s: sum(f["severity"] == s for f in self.findings) for s in SEVERITIES}
        return {"findings": json_safe(self.findings), "codes": self.codes,
                "counts": counts, "context": json_safe(self.context)}

    def to_text(self, verbose: bool = False) -> str:
        """A numbered list for people: severity, code, message, fix (and evidence)."""
        if not self.findings:
            what = ", ".join(self.context.get("checked", [])) or "the checks"
            return f"diagnose: no problems found ({what}).\n"
        c = self.to_dict()["counts"]
        lines = [(f"diagnose: {c['error']} error(s), {c['warning']} warning(s), "
                  f"{c['info']} note(s); most likely cause first.")]
        for k, f in enumerate(self.findings, 1):
            lines.append(f"{k}. {f['severity'].upper():7s} {f['code']}: {f['message']}")
            lines.append(f"   fix: {f['fix']}")
            if verbose and f.get("evidence"):
                lines.append("   evidence: " + ", ".join(
                    f"{key}={_evidence_text(v)}" for key, v in f["evidence"].items()))
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.to_text()


def _evidence_text(v: Any) -> str:
    if isinstance(v, (list, tuple)):
        shown = ", ".join(_evidence_text(x) for x in list(v)[:8])
        return f"[{shown}{', ...' if len(v) > 8 else ''}]"
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{k}: {_evidence_text(x)}" for k, x in list(v.items())[:8]) + "}"
    if isinstance(v, float):
        return _fmt(v)
    return str(v)


# ====================================================================== entry
def diagnose(obj: Any, data: Any = None, *, y: Any = None,
             feature_names: list[str] | None = None, batch_size: int = 1024,
             max_windows: int = 4096) -> Diagnosis:
    """Find out why a model produces NaN, constant or useless predictions.

    Parameters
    ----------
    obj : path, fitted seqguard estimator, torch.nn.Module or Keras model
        A run directory (``str`` / ``Path``), a fitted
        :class:`~seqguard.Forecaster` (or tagger / classifier), a plain
        ``nn.Module`` called as ``model(x)``, or a Keras 3 model.
    data : optional
        For a run or an estimator: anything :func:`seqguard.read` accepts, with the
        training columns; without it only what the run holds is used (history,
        guard findings, weights, audit, fitted statistics, metrics). For a module:
        an array or tensor ``(N, T, F)`` (or one sequence ``(T, F)``).
    y : array-like, optional
        Targets for a module: ``(N,)``, ``(N, H)`` or ``(N, T)``; NaN is missing.
    feature_names : list of str, optional
        Names of the ``F`` input features of a module (default: their indices).
    batch_size : int
        Windows per forward pass.
    max_windows : int
        At most this many windows are run (evenly spaced over the data; the first
        window with a non-finite input is always among them).

    Returns
    -------
    Diagnosis

    Raises
    ------
    InputError
        Data of the wrong shape, targets that do not match the model's output, a
        model that cannot be run on the data, or an object diagnose cannot read.
    ArtifactError
        A run directory that is missing, altered or incomplete.

    Examples
    --------
    >>> import torch, seqguard
    >>> class Net(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.rnn = torch.nn.LSTM(3, 8, batch_first=True)
    ...         self.out = torch.nn.Linear(8, 1)
    ...     def forward(self, x):
    ...         return self.out(self.rnn(x)[0][:, -1])
    >>> x = torch.randn(16, 20, 3)
    >>> x[3, 7, 2] = float("nan")
    >>> d = seqguard.diagnose(Net(), x)
    >>> d.first["code"], d.first["evidence"]["timestep"], d.first["evidence"]["feature"]
    ('non_finite_input', 7, 2)
    """
    _check_sizes(batch_size, max_windows)
    if isinstance(obj, (str, os.PathLike)):
        from .estimator import load

        est = load(Path(obj))
        diag = _diagnose_estimator(est, data, batch_size, max_windows)
        diag.context["source"] = "run"
        diag.context["run_dir"] = str(obj)
        return diag
    if hasattr(obj, "model_") and hasattr(obj, "pipeline_"):
        return _diagnose_estimator(obj, data, batch_size, max_windows)
    if _is_keras(obj):
        return _diagnose_keras(obj, data, y, feature_names, batch_size, max_windows)
    if isinstance(obj, nn.Module):
        return _diagnose_module(obj, data, y, feature_names, batch_size, max_windows)
    if hasattr(obj, "get_params") and hasattr(obj, "fit"):
        from .errors import NotFittedError

        raise NotFittedError(f"This {type(obj).__name__} is not fitted yet. Call 'fit' first, "
                             "or diagnose its run directory.")
    raise InputError(f"diagnose cannot read a {type(obj).__name__}. Pass a run directory, a "
                     "fitted seqguard estimator, a torch.nn.Module (with data) or a Keras "
                     "model.")


def save_diagnosis(run_dir: str | os.PathLike[str], diagnosis: Diagnosis) -> Path:
    """Write ``diagnosis`` into ``RUN_DIR/diagnosis.json`` under ``"diagnose"``.

    The guard findings and events already there are kept; the file and the run's
    MANIFEST are rewritten atomically (:func:`seqguard.artifact.update_run`).
    """
    from .artifact import load_run, update_run

    doc = dict(load_run(run_dir).diagnosis)
    doc["diagnose"] = diagnosis.to_dict()
    return update_run(run_dir, {"diagnosis.json": doc})


def _check_sizes(batch_size: Any, max_windows: Any) -> None:
    for name, v in (("batch_size", batch_size), ("max_windows", max_windows)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise InputError(f"The {name!r} option of diagnose must be an integer >= 1; got "
                             f"{v!r} instead.")


# ====================================================================== estimator
def _diagnose_estimator(est: Any, data: Any, batch_size: int,
                        max_windows: int) -> Diagnosis:
    params = est.get_params()
    task = getattr(est, "task", "forecast")
    history = _history_rows(getattr(est, "history_", None))
    events = list(getattr(est, "events_", []) or [])
    guard = list(getattr(est, "findings_", []) or [])
    ctx: dict[str, Any] = {"source": "estimator", "task": task,
                           "input_len": params.get("input_len"),
                           "checked": ["history", "weights", "audit"]}
    found: list[dict[str, Any]] = []
    found += _history_checks(history, events, params, ctx)
    found += _weight_checks(est.model_)
    found += _audit_leakage(getattr(est, "audit_", {}) or {})
    model_cfg = getattr(est, "model_config_", {}) or {}
    direct = task == "tag" or model_cfg.get("head") == "direct"
    if data is None:
        ctx["checked"] += ["fitted statistics", "metrics"]
        found += _pipeline_checks(est, history, direct)
        found += _metrics_checks(getattr(est, "metrics_", {}) or {}, task, ctx)
        found += _probe_time_checks(est, history, ctx)
    else:
        ctx["checked"] += ["inputs", "target", "non-finite trace", "model state",
                           "collapse"]
        found += _estimator_data_checks(est, data, task, direct, batch_size, max_windows,
                                        history, ctx)
    found = _merge_guard_findings(_dedupe(found), guard, ctx.pop("covered", set()))
    found = _long_dependency_verdict(found, ctx)
    return Diagnosis(rank_findings(_grade_too_short(found)), ctx)


def _history_rows(history: Any) -> list[dict[str, Any]]:
    if history is None:
        return []
    if hasattr(history, "to_dict"):
        return [dict(r) for r in history.to_dict("records")]
    return [dict(r) for r in history]


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _read_table(est: Any, data: Any) -> Any:
    reader = getattr(est, "_table", None)
    if reader is not None:
        return reader(data, fit=False)[0]
    return est._read(data)


def _estimator_data_checks(est: Any, data: Any, task: str, direct: bool, batch_size: int,
                           max_windows: int, history: list[dict[str, Any]],
                           ctx: dict[str, Any]) -> list[dict[str, Any]]:
    from .splits import TRAIN

    pipe = est.pipeline_
    table = _read_table(est, data)
    try:
        prep = pipe.transform(table, split=True)
        split = True
    except SeqguardError:
        prep = pipe.transform(table, split=False)
        split = False
    names = list(prep.feature_names)
    found: list[dict[str, Any]] = []
    # ---- inputs after preprocessing (the rows a window may read)
    rows = prep.X[prep.usable] if prep.usable is not None else prep.X
    skip: set[str] = set()
    missing = getattr(pipe, "missing_", None)
    for attr in ("observed_channels_", "since_channels_"):
        skip.update(str(v) for v in (getattr(missing, attr, None) or {}).values())
    found += _input_checks(rows, names, skip=skip)
    # ---- inputs scaled on more than the training part (before seqguard saw them)
    if split:
        found += _prescaled_leakage(table, prep.part, [*pipe.input_columns_], pipe.target)
    # ---- target, in model units, on the training part
    train = prep.part == TRAIN
    y_train = prep.y[train & np.isfinite(prep.y)].astype(np.float64)
    if task != "classify":
        found += _target_checks(y_train, direct, getattr(est.model_, "activation", None))
    # ---- run the model on held-out windows when there are some
    which = "all"
    if split:
        which = next((k for k in ("test", "val", "train") if len(prep.datasets[k])), "train")
    ds = prep.datasets[which]
    ctx.update(windows=which, split=split, n_windows=len(ds))
    idx = _spread(len(ds), max_windows)
    batches = (ds.gather(idx[a:a + batch_size]) for a in range(0, len(idx), batch_size))
    model = est.model_
    run = _Run(model, lambda b: model(b["x"], last=b.get("last"), lengths=b.get("lengths")))
    res = run.over(batches, names)
    found += res.findings
    if res.first_batch is not None:
        found += _time_checks(run, res.first_batch, history, ctx)
    if task != "classify" and res.pred is not None and len(y_train):
        train_mean = float(y_train.mean())
        found += _collapse_checks(res.pred, res.target, res.last, train_mean, ctx)
    return found


def _spread(n: int, k: int, keep: int | None = None) -> np.ndarray:
    """At most ``k`` evenly spaced indices of ``range(n)`` (always with ``keep``)."""
    if n <= k:
        return np.arange(n, dtype=np.int64)
    idx = np.unique(np.linspace(0, n - 1, k).round().astype(np.int64))
    if keep is not None and keep not in idx:
        idx[np.searchsorted(idx, keep) - 1] = keep
        idx = np.unique(idx)
    return idx


# ====================================================================== module
def _as_array(name: str, a: Any, dtype: Any = np.float32) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        a = a.detach().cpu().double().numpy()
    try:
        arr = np.asarray(a, dtype=dtype)
    except (TypeError, ValueError):
        raise InputError(f"diagnose: {name} must be a numeric array or tensor; got a "
                         f"{type(a).__name__} that is not numeric.") from None
    return arr


def _module_inputs(data: Any, y: Any, feature_names: list[str] | None
                   ) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    if data is None:
        raise InputError("diagnose needs data to run a torch.nn.Module: pass the input "
                         "windows as diagnose(model, X) with X shaped (N, T, F).")
    X = _as_array("data", data)
    if X.ndim == 2:
        X = X[None]
    if X.ndim != 3 or 0 in X.shape:
        raise InputError(f"diagnose: data has shape {X.shape}; expected (N, T, F) windows "
                         "(or one sequence (T, F)), none empty.")
    names = [str(i) for i in range(X.shape[2])] if feature_names is None \
        else [str(n) for n in feature_names]
    if len(names) != X.shape[2]:
        raise InputError(f"diagnose: feature_names has {len(names)} names but data has "
                         f"{X.shape[2]} features (last axis). Pass one name per feature.")
    Y = None
    if y is not None:
        Y = _as_array("y", y, np.float64)
        if Y.ndim == 0 or Y.shape[0] != X.shape[0]:
            raise InputError(f"diagnose: y has shape {Y.shape} but data has {X.shape[0]} "
                             "windows. Pass one target (row) per window.")
        Y = Y.reshape(len(Y), -1)
    return X, Y, names


def _diagnose_module(model: nn.Module, data: Any, y: Any, feature_names: list[str] | None,
                     batch_size: int, max_windows: int) -> Diagnosis:
    X, Y, names = _module_inputs(data, y, feature_names)
    ctx: dict[str, Any] = {"source": "torch", "n_windows": int(X.shape[0]),
                           "input_len": int(X.shape[1]),
                           "checked": ["weights", "inputs", "non-finite trace", "model state"]}
    found: list[dict[str, Any]] = []
    found += _weight_checks(model)
    found += _input_checks(X.reshape(-1, X.shape[2]), names, windows=X)
    bad = ~np.isfinite(X)
    first_bad = int(np.flatnonzero(bad.any(axis=(1, 2)))[0]) if bad.any() else None
    idx = _spread(len(X), max_windows, keep=first_bad)
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    dtype = next((p.dtype for p in model.parameters() if p.is_floating_point()), torch.float32)

    def batches() -> Iterator[dict[str, Any]]:
        for a in range(0, len(idx), batch_size):
            sel = idx[a:a + batch_size]
            b: dict[str, Any] = {"x": torch.from_numpy(X[sel]).to(device=device, dtype=dtype),
                                 "_index": sel}
            if Y is not None:
                yy = torch.from_numpy(Y[sel])
                b["y"], b["y_mask"] = yy, torch.isfinite(yy)
            yield b

    run = _Run(model, lambda b: model(b["x"]))
    res = run.over(batches(), names)
    found = [*_with_input_counts(res.findings, bad), *found]
    if res.first_batch is not None:
        found += _time_checks(run, res.first_batch, [], ctx)
    if Y is not None:
        ctx["checked"] += ["target", "collapse"]
        y_obs = Y[np.isfinite(Y)]
        found += _target_checks(y_obs, True, run.final_activation)
        if res.pred is not None:
            pred = res.pred.reshape(len(res.pred), -1)
            tgt = res.target.reshape(len(res.target), -1) if res.target is not None else None
            if tgt is None or pred.shape != tgt.shape:
                raise InputError(f"diagnose: the model outputs {tuple(res.pred.shape[1:])} per "
                                 f"window but y has {tuple(Y.shape[1:])}. Pass y shaped like "
                                 "the model's output: (N,), (N, H) or (N, T).")
            if len(y_obs):
                found += _collapse_checks(pred, tgt, None, float(y_obs.mean()), ctx,
                                          "the mean of the given targets")
    found = _long_dependency_verdict(_dedupe(found), ctx)
    return Diagnosis(rank_findings(found), ctx)


def _with_input_counts(found: list[dict[str, Any]], bad: np.ndarray) -> list[dict[str, Any]]:
    """Add how many input values are NaN / inf (over all windows) to the input finding."""
    n = int(bad.sum())
    for f in found:
        if f["code"] == "non_finite_input" and n:
            per_feature = bad.sum(axis=(0, 1))
            f["evidence"].update(count=n, windows_affected=int(bad.any(axis=(1, 2)).sum()),
                                 features_affected=[int(j) for j in np.flatnonzero(per_feature)])
            f["message"] = f["message"].replace(
                " (0-based)", f" (0-based; {n} non-finite input value(s) in all)")
    return found


def _dedupe(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One finding per code: the first, with the evidence keys only later ones have."""
    out: dict[str, dict[str, Any]] = {}
    for f in found:
        kept = out.get(f["code"])
        if kept is None:
            out[f["code"]] = f
        else:
            for k, v in f["evidence"].items():
                kept["evidence"].setdefault(k, v)
    return list(out.values())


# ====================================================================== running a model
@dataclass
class _RunResult:
    findings: list[dict[str, Any]]
    pred: np.ndarray | None
    target: np.ndarray | None
    last: np.ndarray | None
    first_batch: dict[str, Any] | None


def _tensors(obj: Any) -> Iterator[torch.Tensor]:
    from torch.nn.utils.rnn import PackedSequence

    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, PackedSequence):
        yield obj.data
    elif isinstance(obj, Mapping):
        for v in obj.values():
            yield from _tensors(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _tensors(v)


def _nonfinite(obj: Any) -> bool:
    return any(t.is_floating_point() and not bool(torch.isfinite(t).all())
               for t in _tensors(obj))


def _output_tensor(out: Any) -> torch.Tensor:
    for t in _tensors(out):
        return t
    raise InputError(f"diagnose: the model returned a {type(out).__name__}, not a tensor. "
                     "Wrap it so that model(x) returns the predictions.")


class _Run:
    """Run a model batch by batch with forward hooks: where does NaN start?"""

    def __init__(self, model: nn.Module, call: Any) -> None:
        self.model = model
        self.call = call
        self.names = {m: (n or type(m).__name__) for n, m in model.named_modules()}
        self.final_activation: str | None = None
        self.event: dict[str, Any] | None = None
        self.entry: dict[str, Any] | None = None
        self.captured: dict[str, tuple[nn.RNNBase, torch.Tensor, Any]] = {}
        self._leaves: list[nn.Module] = []
        self._steps: int | None = None
        self._capture = False

    # ------------------------------------------------------------ hooks
    def _hook(self, module: nn.Module, args: Any, kwargs: Any, output: Any) -> None:
        if not any(True for _ in module.children()):
            self._leaves.append(module)
        if isinstance(module, (nn.LSTM, nn.GRU)) and self._capture:
            name = self.names[module]
            if name not in self.captured and args and isinstance(args[0], torch.Tensor):
                self.captured[name] = (module, args[0].detach(), output)
        if self.event is not None:
            return
        bad_in = _nonfinite(args) or _nonfinite(kwargs)
        if bad_in:
            if self.entry is None:
                self.entry = {"layer": self.names[module], "module": type(module).__name__}
            return
        if not _nonfinite(output):
            return
        own = [(n, p) for n, p in module.named_parameters(recurse=False)
               if p.is_floating_point() and not bool(torch.isfinite(p).all())]
        weights = {n: float(p.detach().abs().max()) for n, p in
                   module.named_parameters(recurse=False) if p.numel()}
        out = _output_tensor(output)
        self.event = {"layer": self.names[module], "module": type(module).__name__,
                      "bad_weights": [n for n, _ in own],
                      "max_abs_weight": max((w for w in weights.values() if math.isfinite(w)),
                                            default=None),
                      **_where(out, self._steps)}

    def over(self, batches: Iterable[dict[str, Any]], names: list[str]) -> _RunResult:
        """Predict every batch; trace the first NaN / inf; capture recurrent layers."""
        handles = [m.register_forward_hook(self._hook, with_kwargs=True)
                   for m in self.model.modules()]
        preds, targets, lasts = [], [], []
        first_batch = None
        findings: list[dict[str, Any]] = []
        bad_input: dict[str, Any] | None = None
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.no_grad():
                for k, b in enumerate(batches):
                    x = b["x"]
                    self._steps = int(x.shape[1]) if x.dim() == 3 else None
                    self._capture = k == 0
                    self._leaves = []
                    if bad_input is None and _nonfinite(x):
                        bad_input = _input_location(x, b.get("_index"), names)
                        self.entry = None
                    try:
                        out = self.call(b)
                    except SeqguardError:
                        raise
                    except Exception as exc:  # noqa: BLE001 - a user's model may raise anything
                        raise InputError(
                            f"diagnose could not run the model on inputs of shape "
                            f"{tuple(x.shape)}: {type(exc).__name__}: {exc}. Pass data "
                            "shaped as the model expects (N, T, F).") from None
                    if k == 0:
                        first_batch = b
                        if self._leaves:
                            act = type(self._leaves[-1]).__name__.lower()
                            self.final_activation = act if act in ("sigmoid", "tanh",
                                                                   "relu") else None
                    preds.append(_output_tensor(out).detach().double().cpu().numpy())
                    if "y" in b:
                        yy = b["y"].detach().double().cpu()
                        if "y_mask" in b:
                            yy = torch.where(b["y_mask"].bool(), yy, torch.nan)
                        targets.append(yy.numpy())
                    if b.get("last") is not None:
                        lasts.append(b["last"].detach().double().cpu().numpy())
        finally:
            for h in handles:
                h.remove()
            self.model.train(was_training)
        pred = np.concatenate(preds) if preds else None
        n_bad_out = int((~np.isfinite(pred)).sum()) if pred is not None else 0
        if bad_input is not None:
            findings.append(_nonfinite_input_finding(bad_input, self.entry, n_bad_out))
        if self.event is not None:
            findings.append(_nonfinite_activation_finding(self.event, n_bad_out))
        if n_bad_out == 0 and self.event is None:
            findings += self._state_checks()
        target = np.concatenate(targets) if targets else None
        last = np.concatenate(lasts) if lasts else None
        return _RunResult(findings, pred, target, last, first_batch)

    # ------------------------------------------------------------ model state
    def _state_checks(self) -> list[dict[str, Any]]:
        from .training.collapse import dead_unit_fraction, gate_saturation_by_gate

        found: list[dict[str, Any]] = []
        for name, (layer, x, output) in list(self.captured.items())[:1]:
            seq = _output_tensor(output)
            dead = dead_unit_fraction(seq)
            if math.isfinite(dead) and dead >= DEAD_SHARE:
                n_units = int(seq.shape[-1])
                found.append(_finding(
                    "warning", "dead_units",
                    f"{dead:.0%} of the {n_units} hidden units of recurrent layer '{name}' are "
                    "constant over the data (dead units): they carry no information.",
                    {"layer": name, "dead_fraction": dead, "units": n_units},
                    "Scale the inputs (--scaler standard), lower --lr, and add --dropout only "
                    "once training works."))
            if getattr(layer, "proj_size", 0) == 0 and x.dim() == 3:
                shares = gate_saturation_by_gate(layer, x[:_GATE_WINDOWS])
                if shares["all"] > SATURATED_SHARE:
                    worst = max((g for g in shares if g != "all"), key=lambda g: shares[g])
                    found.append(_finding(
                        "warning", "saturated_gates",
                        f"{shares['all']:.0%} of the gate activations of recurrent layer "
                        f"'{name}' are within 0.01 of their limits (sigmoid near 0 or 1, tanh "
                        f"near ±1; worst: the {worst} gate, {shares[worst]:.0%}): saturated "
                        "gates pass almost no gradient.",
                        {"layer": name, "saturated_share": shares["all"],
                         "by_gate": {g: v for g, v in shares.items() if g != "all"},
                         "threshold": SATURATED_SHARE},
                        "Scale the inputs (--scaler standard) and lower --lr."))
        return found


def _where(out: torch.Tensor, steps: int | None) -> dict[str, Any]:
    """First window and timestep with a non-finite value in a layer output."""
    bad = ~torch.isfinite(out.detach())
    info: dict[str, Any] = {"count": int(bad.sum())}
    if out.dim() >= 1 and bad.any():
        flat = bad.reshape(bad.shape[0], -1).any(dim=1)
        info["batch_row"] = int(torch.nonzero(flat)[0, 0])
    if steps is not None and out.dim() == 3 and out.shape[1] == steps and bad.any():
        per_t = bad.any(dim=2).any(dim=0)
        info["timestep"] = int(torch.nonzero(per_t)[0, 0])
    return info


def _input_location(x: torch.Tensor, index: Any, names: list[str]) -> dict[str, Any]:
    bad = ~torch.isfinite(x)
    b, t, f = (int(v) for v in torch.nonzero(bad)[0])
    value = float(x[b, t, f])
    return {"window": int(index[b]) if index is not None else b, "timestep": t,
            "feature": f, "feature_name": names[f] if f < len(names) else str(f),
            "value": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}


def _nonfinite_input_finding(loc: dict[str, Any], entry: dict[str, Any] | None,
                             n_bad_out: int) -> dict[str, Any]:
    name = loc["feature_name"]
    label = f"'{name}' (index {loc['feature']})" if name != str(loc["feature"]) \
        else f"{loc['feature']}"
    layer = entry["layer"] if entry else None
    reach = (f"; it enters the model at layer '{layer}'" if layer else "") + (
        f" and makes {n_bad_out} prediction(s) non-finite" if n_bad_out else
        ", but the predictions stay finite")
    evidence = {"feature": loc["feature"], "feature_name": name, "timestep": loc["timestep"],
                "window": loc["window"], "value": loc["value"], "layer": layer,
                "non_finite_predictions": n_bad_out, **loc.get("counts", {})}
    return _finding(
        "error", "non_finite_input",
        f"the NaN / inf comes in with the input: input feature {label} is {loc['value']} at "
        f"window {loc['window']}, timestep {loc['timestep']} (0-based){reach}.",
        evidence,
        "Fill or drop missing inputs before the model (seqguard does it with --missing auto), "
        "and turn ±inf into missing values.")


def _nonfinite_activation_finding(event: dict[str, Any], n_bad_out: int) -> dict[str, Any]:
    layer = event["layer"]
    at = f" at timestep {event['timestep']}" if "timestep" in event else ""
    evidence = {"layer": layer, "module": event["module"], "count": event.get("count", 0),
                "non_finite_predictions": n_bad_out}
    if "timestep" in event:
        evidence["timestep"] = event["timestep"]
    if event.get("max_abs_weight") is not None and not event["bad_weights"]:
        evidence["max_abs_weight"] = event["max_abs_weight"]
    if event["bad_weights"]:
        evidence["parameter"] = f"{layer}.{event['bad_weights'][0]}"
        return _finding(
            "error", "non_finite_weights",
            f"layer '{layer}' ({event['module']}) holds non-finite weights "
            f"({evidence['parameter']}) and turns finite inputs into NaN / inf{at}.",
            evidence, "Retrain from the last good checkpoint with a lower --lr and --clip on; "
                      "never save or reuse weights that hold NaN or inf.")
    big = event.get("max_abs_weight")
    why = (f"; its weights reach {_fmt(big)}, far beyond healthy values (overflow)"
           if big is not None and big > 1e6 else
           " (an overflow inside the layer, or an operation such as log or a division by "
           "zero)")
    return _finding(
        "error", "non_finite_activation",
        f"the NaN / inf is produced inside the model: layer '{layer}' ({event['module']}) "
        f"gets finite inputs and outputs NaN / inf{at}{why}.",
        evidence, "Lower --lr and keep --clip on; scale the inputs; check that layer for "
                  "exploded weights or unsafe operations (log, division, exp).")


# ====================================================================== checks
def _weight_checks(model: Any) -> list[dict[str, Any]]:
    bad: list[tuple[str, int]] = []
    if isinstance(model, nn.Module):
        items: Iterable[tuple[str, Any]] = [*model.named_parameters(), *model.named_buffers()]
        for name, t in items:
            if t.is_floating_point() and not bool(torch.isfinite(t).all()):
                bad.append((name, int((~torch.isfinite(t)).sum())))
    else:
        for name, arr in model:
            arr = np.asarray(arr)
            if arr.dtype.kind == "f" and not np.isfinite(arr).all():
                bad.append((name, int((~np.isfinite(arr)).sum())))
    if not bad:
        return []
    first = bad[0][0]
    layer = first.rsplit(".", 1)[0] if "." in first else first
    shown = ", ".join(f"{n} ({c})" for n, c in bad[:5]) + (f" and {len(bad) - 5} more"
                                                           if len(bad) > 5 else "")
    return [_finding(
        "error", "non_finite_weights",
        f"the weights hold NaN / inf: {shown}; every prediction through layer '{layer}' "
        "is NaN.",
        {"parameter": first, "layer": layer, "parameters": [n for n, _ in bad],
         "count": sum(c for _, c in bad)},
        "Retrain from the last good checkpoint with a lower --lr and --clip on; never save "
        "or reuse weights that hold NaN or inf.")]


def _input_checks(rows: np.ndarray, names: list[str], *, skip: Iterable[str] = (),
                  windows: np.ndarray | None = None) -> list[dict[str, Any]]:
    """Missing / infinite values, unscaled, disparate and constant features (2-D rows)."""
    found: list[dict[str, Any]] = []
    rows = np.asarray(rows, dtype=np.float64)
    if rows.size == 0:
        return found
    finite = np.isfinite(rows)
    n_obs = finite.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        filled = np.where(finite, rows, 0.0)
        mean = filled.sum(axis=0) / np.maximum(n_obs, 1)
        var = (np.where(finite, rows - mean, 0.0) ** 2).sum(axis=0) / np.maximum(n_obs, 1)
    std = np.sqrt(var)
    if windows is None and not finite.all():
        j = int(np.flatnonzero(~finite.all(axis=0))[0])
        r = int(np.flatnonzero(~finite[:, j])[0])
        found.append(_finding(
            "error", "non_finite_input",
            f"{int((~finite).sum())} input value(s) reaching the model are NaN / inf (first: "
            f"feature '{names[j]}', row {r}).",
            {"feature": j, "feature_name": names[j], "row": r, "count": int((~finite).sum())},
            "Fill or drop missing inputs before the model (--missing auto)."))
    skip = set(skip)
    cols = [j for j in range(rows.shape[1]) if names[j] not in skip and n_obs[j] > 0]
    unscaled = [j for j in cols if max(abs(mean[j]), std[j]) > UNSCALED]
    if unscaled:
        unscaled.sort(key=lambda j: -max(abs(mean[j]), std[j]))
        shown = ", ".join(f"'{names[j]}' (mean {_fmt(mean[j])}, std {_fmt(std[j])})"
                          for j in unscaled[:5])
        found.append(_finding(
            "warning", "unscaled_feature",
            f"{len(unscaled)} input feature(s) are not scaled as the model sees them: {shown} "
            f"(a scaled feature has |mean| and std near 1, here above {UNSCALED:g}); large "
            "inputs saturate the gates.",
            {"features": [names[j] for j in unscaled], "mean": [float(mean[j]) for j in unscaled],
             "std": [float(std[j]) for j in unscaled], "threshold": UNSCALED},
            "Standardise the inputs on the training part (--scaler standard)."))
    varying = [j for j in cols if std[j] > 1e-12 * max(1.0, abs(mean[j]))]
    if len(varying) >= 2:
        hi = max(varying, key=lambda j: std[j])
        lo = min(varying, key=lambda j: std[j])
        ratio = float(std[hi] / std[lo])
        if ratio > SCALE_RATIO:
            found.append(_finding(
                "warning", "scale_disparity",
                f"the input features differ in scale by a factor of {_fmt(ratio)}: "
                f"'{names[hi]}' has std {_fmt(std[hi])}, '{names[lo]}' {_fmt(std[lo])}; the "
                "small ones are drowned out.",
                {"ratio": ratio, "largest": names[hi], "largest_std": float(std[hi]),
                 "smallest": names[lo], "smallest_std": float(std[lo]),
                 "threshold": SCALE_RATIO},
                "Scale every feature the same way on the training part (--scaler standard)."))
    constant = [j for j in cols if j not in varying]
    if constant:
        shown = ", ".join(f"'{names[j]}' (= {_fmt(mean[j])})" for j in constant[:5])
        found.append(_finding(
            "info", "constant_feature",
            f"{len(constant)} input feature(s) never change over the data: {shown}; they "
            "carry no information.",
            {"features": [names[j] for j in constant],
             "values": [float(mean[j]) for j in constant]},
            "Drop them (--features), or check how they were built."))
    return found


def _target_checks(y: np.ndarray, direct: bool, activation: str | None
                   ) -> list[dict[str, Any]]:
    """Unscaled / offset, constant and out-of-activation-range targets (model units)."""
    from .models.heads import check_activation
    from .training.collapse import target_scale_cause

    found: list[dict[str, Any]] = []
    y = np.asarray(y, dtype=np.float64)
    y = y[np.isfinite(y)]
    if len(y) < 2:
        return found
    mean, std = float(y.mean()), float(y.std())
    values, counts = np.unique(y, return_counts=True)
    top = float(counts.max() / len(y))
    if top >= NEAR_CONSTANT:
        value = float(values[counts.argmax()])
        whole = len(values) == 1
        found.append(_finding(
            "error" if whole else "warning", "constant_target",
            (f"the target is constant ({_fmt(value)} in all {len(y)} observed values): "
             "there is nothing to learn." if whole else
             f"the target is near-constant: {top:.1%} of the {len(y)} observed values are "
             f"{_fmt(value)}; a model that always predicts it is hard to beat."),
            {"value": value, "share": top, "n": len(y), "distinct": len(values)},
            "Check the target column (is it the right one?), or predict a quantity that "
            "varies."))
    cause = target_scale_cause(mean, std)
    if cause is not None:
        offset = abs(mean) > 1 and abs(mean) > 10 * std
        found.append(_finding(
            "error" if offset and direct else "warning", "unscaled_target",
            cause["message"][0].upper() + cause["message"][1:] + (
                f": |mean| is {_fmt(abs(mean) / std) if std > 0 else 'inf'} standard "
                "deviations from zero, so a model that starts near zero spends its training "
                "reaching the level and predicts a near-constant value (the classic cause "
                "of constant predictions)." if offset else
                ": large target values give large gradients and a poorly conditioned loss."),
            {**cause["evidence"], "mean_over_std": abs(mean) / std if std > 0 else None},
            cause["fix"]))
    msg = check_activation(activation, float(y.min()), float(y.max()))
    if msg is not None:
        found.append(_finding(
            "error", "activation_range", msg,
            {"activation": activation, "y_min": float(y.min()), "y_max": float(y.max())},
            "Drop the output activation (activation=None), or scale the target into its "
            "range."))
    return found


def _collapse_checks(pred: np.ndarray, target: np.ndarray | None, last: np.ndarray | None,
                     train_mean: float, ctx: dict[str, Any],
                     mean_label: str = "the training mean") -> list[dict[str, Any]]:
    """Constant predictions and comparison with the mean and persistence baselines."""
    found: list[dict[str, Any]] = []
    if target is None:
        return found
    pred = pred.reshape(len(pred), -1)
    target = target.reshape(len(target), -1)
    if pred.shape != target.shape:
        return found
    obs = np.isfinite(target) & np.isfinite(pred)
    if obs.sum() < 2:
        return found
    p, t = pred[obs], target[obs]
    ratio = float(p.std() / t.std()) if t.std() > 0 else math.nan
    mae = float(np.abs(p - t).mean())
    scores = {"model": mae, "mean": float(np.abs(train_mean - t).mean())}
    if last is not None and len(last) == len(pred):
        persist = np.broadcast_to(last.reshape(-1, 1), pred.shape)[obs]
        if np.isfinite(persist).all():
            scores["persistence"] = float(np.abs(persist - t).mean())
    ctx["scores"] = dict(scores, prediction_std_ratio=ratio, n_targets=int(obs.sum()))
    if math.isfinite(ratio) and ratio < COLLAPSE_RATIO:
        found.append(_finding(
            "warning", "constant_predictions",
            f"the predictions are nearly constant: std(predictions) / std(targets) = "
            f"{_fmt(ratio)} (below {COLLAPSE_RATIO}); the model predicts about "
            f"{_fmt(float(np.median(p)))} whatever the input.",
            {"ratio": ratio, "prediction_std": float(p.std()), "target_std": float(t.std()),
             "prediction_median": float(np.median(p)), "threshold": COLLAPSE_RATIO},
            "Fix the causes listed above it first (target scaling, learning rate); then "
            "check that the inputs carry signal and train longer."))
    found += _baseline_findings(scores, "the diagnosed windows", mean_label)
    return found


def _baseline_findings(scores: Mapping[str, float], where: str,
                       mean_label: str = "the training mean") -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    mae = scores["model"]
    for name, code, what in (("mean", "no_better_than_mean",
                              f"always predicting {mean_label}"),
                             ("persistence", "no_better_than_persistence",
                              "repeating the last observed value (persistence)")):
        base = scores.get(name)
        if base is None or not math.isfinite(base) or not math.isfinite(mae):
            continue
        skill = 1 - mae / base if base > 0 else math.nan
        if beats_baseline(skill):
            continue
        noise = f", a gain under the {SKILL_MARGIN:.0%} margin of noise" if skill > 0 else ""
        found.append(_finding(
            "warning", code,
            f"the model is no better than {what}: MAE {_fmt(mae)} against {_fmt(base)} for "
            f"the {name} baseline on {where} (skill {_fmt(skill)}{noise}).",
            {"mae": mae, f"{name}_mae": base, "skill": skill},
            "Fix the findings above it first; if none, the inputs may not carry more "
            "information than the baseline uses: add features, or use the baseline."))
    return found


def _time_checks(run: _Run, batch: dict[str, Any], history: list[dict[str, Any]],
                 ctx: dict[str, Any]) -> list[dict[str, Any]]:
    """How much the predictions depend on the first 10 % of a long input window."""
    x0 = batch["x"]
    if x0.dim() != 3 or x0.shape[1] < LONG_INPUT:
        return []
    steps = int(x0.shape[1])
    k = max(1, steps // 10)
    sub = {key: (v[:_TIME_WINDOWS] if isinstance(v, torch.Tensor) and v.dim() >= 1 else v)
           for key, v in batch.items()}
    x = sub["x"].detach().clone().requires_grad_(True)
    sub["x"] = x
    was_training = run.model.training
    run.model.eval()
    try:
        with torch.enable_grad():
            out = _output_tensor(run.call(sub))
            if not out.requires_grad or not bool(torch.isfinite(out).all()):
                return []
            (grad,) = torch.autograd.grad(out.sum(), x, allow_unused=True)
    except Exception:  # noqa: BLE001 - a model that cannot be differentiated: no profile
        return []
    finally:
        run.model.train(was_training)
    if grad is None:
        return []
    profile = grad.detach().abs().double().mean(dim=(0, 2))
    early, late = float(profile[:k].mean()), float(profile[-k:].mean())
    ratio = early / late if late > 0 else (math.inf if early > 0 else math.nan)
    ctx["time_profile"] = {"input_len": steps, "early_steps": k, "early_grad": early,
                           "late_grad": late, "early_to_late": ratio}
    from .training.gradient_health import GradientHealth

    limit = GradientHealth().vanish_rel
    if math.isfinite(ratio) and ratio < limit:
        return [_finding(
            "warning", "vanishing_gradients",
            f"vanishing gradients over time: with {steps} input steps the predictions barely "
            f"depend on the first {k} steps (input gradient {_fmt(ratio)} x that of the last "
            f"{k}, below {limit:g}); the model cannot learn a dependency on the start of "
            "the window.",
            {"over": "time", "input_len": steps, "early_steps": k, "early_grad": early,
             "late_grad": late, "early_to_late": ratio, "threshold": limit},
            "Shorten --input-len to the span that matters, add summary features of the far "
            "past (--lags, --rolling), or use fewer recurrent steps (downsample).")]
    return []


def _long_dependency_verdict(found: list[dict[str, Any]], ctx: dict[str, Any]
                             ) -> list[dict[str, Any]]:
    """``learned_long_dependency`` (info) when a long window is used and beats the baselines;
    otherwise say in the vanishing-gradients finding that it is the reason."""
    prof = ctx.get("time_profile")
    if prof is None or any(f["code"] == "learned_long_dependency" for f in found):
        return found
    vanishing = [f for f in found if f["code"] == "vanishing_gradients"]
    scores = ctx.get("scores", {})
    bases = [v for k, v in scores.items() if k in ("mean", "persistence")
             and v is not None and math.isfinite(v)]
    mae = scores.get("model")
    if vanishing:
        for f in vanishing:
            if f["evidence"].get("over") == "layers":
                f["message"] += (f" With {prof['input_len']} input steps this is why the model "
                                 "does not learn the long dependency.")
        return found
    if mae is None or not bases or not math.isfinite(mae):
        return found
    best = min(bases)
    if best > 0 and mae <= LEARNED_MARGIN * best:
        gain = 1 - mae / best
        found.append(_finding(
            "info", "learned_long_dependency",
            f"the model learned the long dependency: with {prof['input_len']} input steps it "
            f"beats the best baseline by {gain:.0%} (MAE {_fmt(mae)} vs {_fmt(best)}), its "
            f"predictions still depend on the first {prof['early_steps']} steps (input "
            f"gradient {_fmt(prof['early_to_late'])} x that of the last ones), and no "
            "vanishing gradients were flagged.",
            {"input_len": prof["input_len"], "mae": mae, "best_baseline_mae": best,
             "gain": gain, "early_to_late": prof["early_to_late"]},
            "Nothing to fix."))
    return found


# ====================================================================== history
_RECURRENT_GROUP = re.compile(r"(^|\.)l\d+$")


def _history_checks(history: list[dict[str, Any]], events: list[dict[str, Any]],
                    params: Mapping[str, Any], ctx: dict[str, Any]) -> list[dict[str, Any]]:
    """Non-finite losses, learning rate, gradients, clipping and training length."""
    from .training.gradient_health import GradientHealth

    found: list[dict[str, Any]] = []
    if not history:
        return found
    epochs = [int(_num(r.get("epoch", i + 1))) for i, r in enumerate(history)]
    train = [_num(r.get("train_loss")) for r in history]
    val = [_num(r.get("val_loss")) for r in history]
    lrs = [_num(r.get("lr")) for r in history]
    ctx["lr_schedule"] = [v if math.isfinite(v) else None for v in lrs]
    has_val = any(math.isfinite(v) for v in val)
    rollbacks = [e for e in events if e.get("guard") == "NonFiniteGuard"
                 and e.get("reason") in ("non_finite_loss", "non_finite_gradient")]
    gave_up = any(e.get("guard") == "NonFiniteGuard" and e.get("reason") == "gave_up"
                  for e in events)
    skipped = int(sum(_num(r.get("skipped_steps")) for r in history
                      if math.isfinite(_num(r.get("skipped_steps")))))
    bad_epochs = [e for e, a, b in zip(epochs, train, val)
                  if not math.isfinite(a) or (has_val and not math.isfinite(b))]
    # ---- non-finite training
    if rollbacks or gave_up or bad_epochs:
        first = rollbacks[0] if rollbacks else None
        epoch = int(first["epoch"]) if first else bad_epochs[0]
        step = int(first["step"]) if first and "step" in first else None
        k = epochs.index(epoch) if epoch in epochs else 0
        lr_before = lrs[k - 1] if k > 0 else _num(params.get("lr"))
        recovered = not gave_up and math.isfinite(train[-1]) and (
            not has_val or math.isfinite(val[-1]))
        what = (f"the loss or gradients became non-finite at epoch {epoch}"
                + (f", step {step}" if step is not None else ""))
        how = (f"; the non-finite guard skipped the step(s), rolled back {len(rollbacks)} "
               f"time(s) and lowered the learning rate from {_fmt(lr_before)} to "
               f"{_fmt(lrs[k])}" if rollbacks else "")
        end = (" Training recovered and ended with a finite loss." if recovered else
               " Training did not recover.")
        found.append(_finding(
            "warning" if recovered else "error", "non_finite_training",
            what + how + "." + end,
            {"epoch": epoch, "step": step, "rollbacks": len(rollbacks),
             "skipped_steps": skipped, "recovered": int(recovered),
             "non_finite_epochs": bad_epochs, "lr_before": lr_before, "lr_after": lrs[k]},
            "Lower --lr (for example by 10x), keep --clip on, and check the inputs and the "
            "target are scaled."))
    # ---- learning rate too high
    optimizer = str(params.get("optimizer", "adamw"))
    lr0 = _num(params.get("lr", lrs[0] if lrs else math.nan))
    limit = LR_LIMIT.get(optimizer, LR_LIMIT_ADAPTIVE)
    fin = [v for v in train if math.isfinite(v)]
    reasons = []
    if math.isfinite(lr0) and lr0 > limit:
        reasons.append(f"lr {_fmt(lr0)} is above {_fmt(limit)}, where {optimizer} steps "
                       "overshoot")
    if rollbacks or gave_up:
        reasons.append(f"the non-finite guard rolled back {len(rollbacks)} time(s)")
    if len(fin) >= 2 and (fin[-1] > 1.1 * fin[0] or max(fin) > 10 * fin[0]):
        reasons.append(f"the training loss went from {_fmt(fin[0])} to {_fmt(fin[-1])} "
                       f"(peak {_fmt(max(fin))})")
    if reasons:
        found.append(_finding(
            "error" if (rollbacks or gave_up) else "warning", "lr_too_high",
            f"the learning rate is too high: {'; '.join(reasons)}.",
            {"lr": lr0, "optimizer": optimizer, "limit": limit, "rollbacks": len(rollbacks),
             "train_loss_first": fin[0] if fin else None,
             "train_loss_last": fin[-1] if fin else None,
             "train_loss_max": max(fin) if fin else None,
             "lr_schedule": ctx["lr_schedule"]},
            f"Lower --lr (try {_fmt(min(1e-3, limit / 10))}) and keep --clip on."))
    # ---- gradients by layer
    gh = GradientHealth()
    total = [_num(r.get("grad_norm_total")) for r in history]
    groups = [c[len("grad_norm_"):] for c in history[0]
              if c.startswith("grad_norm_") and c != "grad_norm_total"]
    base = next((g for g in total if math.isfinite(g) and g > 0), None)
    if any(math.isfinite(g) for g in total):
        ctx.setdefault("covered", set()).update({"exploding_gradients", "vanishing_gradients"})
    if base is not None:
        over = [(e, g) for e, g in zip(epochs, total) if math.isfinite(g) and g > gh.growth * base]
        if over:
            e, g = max(over, key=lambda p: p[1])
            found.append(_finding(
                "warning", "exploding_gradients",
                f"exploding gradients: the mean gradient norm grew from {_fmt(base)} in the "
                f"first epoch to {_fmt(g)} at epoch {e} (more than {gh.growth:g}x).",
                {"first": base, "max": g, "epoch": e, "growth": g / base,
                 "epochs": [p[0] for p in over],
                 "by_layer": {grp: _num(history[epochs.index(e)].get(f"grad_norm_{grp}"))
                              for grp in groups}},
                "Lower the learning rate (--lr), keep gradient clipping on (--clip 1.0) and "
                "check that the inputs and the target are scaled."))
    clip = _num(params.get("clip", math.nan))
    fracs = [_num(r.get("clip_fraction")) for r in history]
    fin_fracs = [f for f in fracs if math.isfinite(f)]
    if fin_fracs and (not math.isfinite(clip) or clip > 0):
        busy = [e for e, f in zip(epochs, fracs) if math.isfinite(f) and f > gh.clip_share]
        if len(busy) * 2 > len(fin_fracs) or (math.isfinite(fracs[-1])
                                              and fracs[-1] > gh.clip_share):
            found.append(_finding(
                "warning", "clipping_most_steps",
                f"gradient clipping{' at ' + _fmt(clip) if math.isfinite(clip) else ''} was "
                f"active on more than {gh.clip_share:.0%} of the steps in {len(busy)} of "
                f"{len(fin_fracs)} epoch(s) (last epoch: {_fmt_share(fracs[-1])}): the "
                "gradients are consistently too large, so every step is cut to the clip norm.",
                {"clip": clip, "clip_fraction": fin_fracs, "epochs": busy,
                 "threshold": gh.clip_share},
                "Find why the gradients are large (unscaled target or inputs, too high --lr) "
                "rather than relying on clipping."))
    recurrent = [g for g in groups if _RECURRENT_GROUP.search(g)]
    if recurrent:
        layer0 = recurrent[0]
        others = [g for g in groups if g not in recurrent]
        ref = recurrent[-1] if len(recurrent) > 1 else (others[-1] if others else None)
        flagged = []
        for e, r in zip(epochs, history):
            v = _num(r.get(f"grad_norm_{layer0}"))
            rv = _num(r.get(f"grad_norm_{ref}")) if ref else math.nan
            if not math.isfinite(v):
                continue
            if v < gh.vanish_abs or (ref and ref != layer0 and math.isfinite(rv) and rv > 0
                                     and v < gh.vanish_rel * rv):
                flagged.append((e, v, rv))
        persistent = flagged and (flagged[-1][0] == epochs[-1] or 2 * len(flagged) > len(epochs))
        if persistent:
            e, v, rv = flagged[-1]
            rel = (f", {_fmt(v / rv)} x that of '{ref}' ({_fmt(rv)})"
                   if math.isfinite(rv) and rv > 0 else "")
            found.append(_finding(
                "warning", "vanishing_gradients",
                f"vanishing gradients by layer: the earliest recurrent layer '{layer0}' had "
                f"gradient norm {_fmt(v)}{rel} at epoch {e} ({len(flagged)} of {len(epochs)} "
                "epoch(s) flagged); that layer barely learns.",
                {"over": "layers", "layer": layer0, "reference": ref, "norm": v,
                 "reference_norm": rv, "epoch": e, "epochs": [f[0] for f in flagged],
                 "threshold_abs": gh.vanish_abs, "threshold_rel": gh.vanish_rel},
                "Use fewer layers (--layers) or a shorter --input-len, and check that the "
                "inputs are scaled (saturated gates pass no gradient)."))
    # ---- still improving at the end
    monitor = val if has_val else train
    fin_m = [(i, v) for i, v in enumerate(monitor) if math.isfinite(v)]
    early_stop = any(e.get("reason") == "early_stopping" for e in events)
    if len(fin_m) >= 2 and not early_stop and not gave_up:
        best = min(fin_m, key=lambda p: p[1])
        prev = min(v for i, v in fin_m[:-1])
        if best[0] == len(monitor) - 1 and best[1] < prev:
            name = "validation loss" if has_val else "training loss"
            found.append(_finding(
                "info", "too_short",
                f"too few epochs: the {name} was still improving at the last epoch "
                f"({epochs[-1]}): {' -> '.join(_fmt_pair(prev, best[1]))}.",
                {"epochs": len(epochs), "last": best[1], "previous_best": prev,
                 "improvement": (prev - best[1]) / abs(prev) if prev else None},
                "Train longer (--epochs); early stopping ends training when it stops "
                "improving."))
    return found


def _fmt_pair(a: float, b: float) -> tuple[str, str]:
    """Two numbers with just enough digits to tell them apart."""
    for digits in range(3, 10):
        sa, sb = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if sa != sb:
            return sa, sb
    return sa, sb


def _fmt_share(v: float) -> str:
    return f"{v:.0%}" if math.isfinite(v) else "n/a"


def _grade_too_short(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``too_short`` is a warning when the model is also collapsed or beaten by a baseline."""
    bad = {"constant_predictions", "no_better_than_mean", "no_better_than_persistence"}
    if any(f["code"] in bad for f in found):
        for f in found:
            if f["code"] == "too_short":
                f["severity"] = "warning"
    return found


# ====================================================================== run-only sources
def _pipeline_checks(est: Any, history: list[dict[str, Any]], direct: bool
                     ) -> list[dict[str, Any]]:
    """Scale of the inputs and the target from the fitted statistics alone (no data)."""
    found: list[dict[str, Any]] = []
    pipe = est.pipeline_
    missing = getattr(pipe, "missing_", None)
    means = dict(getattr(missing, "mean_", None) or {})
    big = {str(k): _num(v) for k, v in means.items() if abs(_num(v)) > UNSCALED}
    if big:
        names = sorted(big, key=lambda k: -abs(big[k]))
        shown = ", ".join(f"'{k}' (mean {_fmt(big[k])})" for k in names[:5])
        found.append(_finding(
            "warning", "unscaled_feature",
            f"{len(names)} input feature(s) are not scaled as the model sees them: their "
            f"training means are {shown} (a scaled feature has mean near 0, here above "
            f"{UNSCALED:g} in size); large inputs saturate the gates.",
            {"features": names, "mean": [big[k] for k in names], "threshold": UNSCALED},
            "Standardise the inputs on the training part (--scaler standard)."))
    target = getattr(pipe, "target", None)
    tmean = None
    if target in means:
        try:
            j = list(pipe.scaled_columns_).index(target)
            raw = _num(means[target]) * float(pipe.scaler_.scale_[j]) + float(
                pipe.scaler_.center_[j])
        except (ValueError, AttributeError, IndexError):
            raw = _num(means[target])
        ts = pipe.target_scaler_
        tmean = (raw - float(np.ravel(ts.center_)[0])) / float(np.ravel(ts.scale_)[0])
    loss0 = _num(history[0].get("train_loss")) if history else math.nan
    if tmean is not None and abs(tmean) > UNSCALED:
        found.append(_finding(
            "error" if direct else "warning", "unscaled_target",
            f"The target is not scaled: its training mean is {_fmt(tmean)} in the units the "
            "model predicts (a scaled target has mean 0), so a model that starts near zero "
            "spends its training reaching the level and predicts a near-constant value (the "
            "classic cause of constant predictions).",
            {"mean": tmean, "train_loss_first": loss0 if math.isfinite(loss0) else None},
            "Scale the target (--target-scaler standard) or use the residual head "
            "(--head residual)."))
    elif tmean is None and getattr(pipe.target_scaler_, "method", "") == "none" \
            and math.isfinite(loss0) and loss0 > UNSCALED and direct:
        found.append(_finding(
            "error", "unscaled_target",
            f"The target is not scaled (--target-scaler none) and the training loss started "
            f"at {_fmt(loss0)}, where a scaled target starts near 1: the model has to reach "
            "the target's level first, the classic cause of constant predictions.",
            {"train_loss_first": loss0},
            "Scale the target (--target-scaler standard) or use the residual head "
            "(--head residual)."))
    return found


def _probe_time_checks(est: Any, history: list[dict[str, Any]], ctx: dict[str, Any]
                       ) -> list[dict[str, Any]]:
    """The long-window check without data: on standard-normal probe inputs (seqguard's
    inputs are standardised), with ``last`` = 0."""
    steps = int(ctx.get("input_len") or 0)
    n_features = int((getattr(est, "model_config_", {}) or {}).get("n_features") or 0)
    if steps < LONG_INPUT or not n_features or getattr(est, "task", "") == "classify":
        return []
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(16, steps, n_features, generator=gen)
    model = est.model_
    run = _Run(model, lambda b: model(b["x"], last=b.get("last")))
    found = _time_checks(run, {"x": x, "last": torch.zeros(16)}, history, ctx)
    if "time_profile" in ctx:
        ctx["time_profile"]["probe"] = "standard-normal inputs"
    for f in found:
        f["evidence"]["probe"] = "standard-normal inputs"
    return found


def _metrics_checks(metrics: Mapping[str, Any], task: str, ctx: dict[str, Any]
                    ) -> list[dict[str, Any]]:
    """Constant predictions and baselines from metrics.json (the test part)."""
    found: list[dict[str, Any]] = []
    if task == "classify" or not metrics:
        return found
    ratio = _num(metrics.get("prediction_std_ratio"))
    if math.isfinite(ratio) and ratio < COLLAPSE_RATIO:
        found.append(_finding(
            "warning", "constant_predictions",
            f"the predictions are nearly constant on the test part: std(predictions) / "
            f"std(targets) = {_fmt(ratio)} (below {COLLAPSE_RATIO}).",
            {"ratio": ratio, "threshold": COLLAPSE_RATIO, "part": "test"},
            "Fix the causes listed above it first (target scaling, learning rate); then "
            "check that the inputs carry signal and train longer."))
    test = metrics.get("test") or {}
    base = metrics.get("baselines") or {}
    scores = {"model": _num(test.get("mae"))}
    for name in ("mean", "persistence"):
        if isinstance(base.get(name), Mapping):
            scores[name] = _num(base[name].get("mae"))
    ctx["scores"] = dict(scores, part="test")
    found += _baseline_findings(scores, "the test part")
    return found


def _audit_leakage(audit: Mapping[str, Any]) -> list[dict[str, Any]]:
    hints = [f for f in audit.get("findings", []) if isinstance(f, Mapping)
             and str(f.get("code", "")).startswith("leakage")]
    if not hints:
        return []
    parts = []
    for f in hints:
        ev = f.get("evidence", {}) or {}
        if f.get("code") == "leakage_shifted_target":
            parts.append(f"'{f.get('column')}' equals the target {ev.get('shift')} step(s) "
                         "ahead")
        else:
            parts.append(f"'{f.get('column')}' is the target at the same time "
                         f"(r = {_fmt(ev.get('correlation'))})")
    return [_finding(
        "warning", "leakage",
        f"the training data leaks the answer (from the audit): {'; '.join(parts)}. Scores "
        "look better than the model will do on new data.",
        {"columns": [f.get("column") for f in hints],
         "audit_codes": [f.get("code") for f in hints],
         "shifts": [(f.get("evidence") or {}).get("shift") for f in hints]},
        "Drop the leaking column(s) (--features), or shift them back at the source.")]


def _prescaled_leakage(table: Any, part: np.ndarray, columns: list[str],
                       target: str) -> list[dict[str, Any]]:
    """Columns standardised / min-max scaled on all rows before seqguard saw them."""
    from .splits import TRAIN

    train = part == TRAIN
    if train.all() or not train.any():
        return []
    hits: list[tuple[str, str]] = []
    frame = table.frame
    for col in dict.fromkeys([*columns, target]):
        if col not in frame.columns or col not in getattr(table, "numeric", frame.columns):
            continue
        v = frame[col].to_numpy(np.float64, copy=False)
        ok = np.isfinite(v)
        a, t = v[ok], v[ok & train]
        if len(t) < 10 or len(a) == len(t):
            continue
        std_a = a.std()
        if std_a == 0:
            continue
        if abs(a.mean()) < 1e-6 * std_a + 1e-9 and abs(std_a - 1) < 1e-6 and (
                abs(t.mean()) > 0.05 or abs(t.std() - 1) > 0.05):
            hits.append((str(col), "standardised"))
        elif a.min() == 0 and a.max() == 1 and (t.min() > 0 or t.max() < 1):
            hits.append((str(col), "min-max scaled"))
    if not hits:
        return []
    shown = ", ".join(f"'{c}' ({how})" for c, how in hits[:5])
    return [_finding(
        "warning", "leakage",
        f"statistics fitted on more than the training part: {shown} on all rows (exactly mean "
        "0 / std 1, or min 0 / max 1, over the whole data but not over the training part), "
        "so the scaling used the validation and test rows.",
        {"columns": [c for c, _ in hits], "how": [h for _, h in hits]},
        "Pass the raw values and let seqguard scale them on the training part "
        "(--scaler standard).")]


def _merge_guard_findings(found: list[dict[str, Any]], guard: list[Mapping[str, Any]],
                          covered: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Add the guards' findings (and the causes CollapseGuard listed) not already found.

    ``covered``: codes the history was judged on again (the guard's verdict on them is
    superseded, e.g. a gradient flag of one early epoch that did not persist).
    """
    have = {f["code"] for f in found} | set(covered)
    out = list(found)
    for g in guard:
        code = str(g.get("code"))
        if code in have:
            continue
        out.append(_finding(str(g.get("severity", "warning")), code, str(g.get("message", "")),
                            {**dict(g.get("evidence") or {}), "source": "guard"},
                            str(g.get("fix", ""))))
        have.add(code)
        for cause in (g.get("evidence") or {}).get("causes", []) or []:
            c = str(cause.get("code"))
            if c in have:
                continue
            sev = "error" if c == "unscaled_target" else "warning"
            if c == "too_short":
                sev = "warning"
            msg = str(cause.get("message", ""))
            out.append(_finding(sev, c, msg[:1].upper() + msg[1:] + ".",
                                {**dict(cause.get("evidence") or {}),
                                 "source": "CollapseGuard"}, str(cause.get("fix", ""))))
            have.add(c)
    return out


# ====================================================================== keras
def _is_keras(obj: Any) -> bool:
    return any(c.__module__.split(".")[0] in ("keras", "tf_keras")
               for c in type(obj).__mro__)


def _keras_numpy(t: Any) -> np.ndarray:
    """A Keras backend tensor (a torch tensor that may require grad, ...) as numpy."""
    from keras import ops

    return np.asarray(ops.convert_to_numpy(t))


def _diagnose_keras(model: Any, data: Any, y: Any, feature_names: list[str] | None,
                    batch_size: int, max_windows: int) -> Diagnosis:
    """Keras 3 models: weights, inputs, layer-by-layer NaN trace, target and collapse."""
    X, Y, names = _module_inputs(data, y, feature_names)
    ctx: dict[str, Any] = {"source": "keras", "n_windows": int(X.shape[0]),
                           "input_len": int(X.shape[1]),
                           "checked": ["weights", "inputs", "non-finite trace"]}
    found: list[dict[str, Any]] = []
    weights = [(str(getattr(w, "path", None) or w.name), np.asarray(w)) for w in model.weights]
    found += _weight_checks(weights)
    found += _input_checks(X.reshape(-1, X.shape[2]), names, windows=X)
    bad = ~np.isfinite(X)
    first_bad = int(np.flatnonzero(bad.any(axis=(1, 2)))[0]) if bad.any() else None
    idx = _spread(len(X), max_windows, keep=first_bad)
    xs = X[idx]
    layers = [la for la in model.layers if type(la).__name__ != "InputLayer"]
    pred = np.asarray(model.predict(xs, batch_size=batch_size, verbose=0), dtype=np.float64)
    n_bad_out = int((~np.isfinite(pred)).sum())
    if first_bad is not None:
        xb = torch.from_numpy(xs)
        loc = _input_location(xb, idx, names)
        entry = {"layer": layers[0].name, "module": type(layers[0]).__name__} if layers else None
        found.append(_nonfinite_input_finding(loc, entry, n_bad_out))
    else:  # layer by layer, as the hooks do for torch: a NaN / inf anywhere is reported
        h = xs
        for layer in layers:
            try:
                out = np.asarray(_keras_numpy(layer(h)), dtype=np.float64)
            except Exception:  # noqa: BLE001 - a graph that is not a chain of layers: stop
                break
            if not np.isfinite(out).all():
                lw = [(str(getattr(w, "path", None) or w.name), np.asarray(w))
                      for w in layer.weights]
                bad_w = [n for n, w in lw if w.dtype.kind == "f" and not np.isfinite(w).all()]
                sizes = [float(np.abs(w).max()) for _, w in lw
                         if w.size and np.isfinite(w).all()]
                info = _where(torch.from_numpy(out), int(xs.shape[1]))
                found.append(_nonfinite_activation_finding(
                    {"layer": layer.name, "module": type(layer).__name__,
                     "bad_weights": bad_w, "max_abs_weight": max(sizes, default=None), **info},
                    n_bad_out))
                break
            h = out
    if Y is not None:
        ctx["checked"] += ["target", "collapse"]
        act = getattr(getattr(layers[-1], "activation", None), "__name__", None) \
            if layers else None
        y_obs = Y[np.isfinite(Y)]
        found += _target_checks(y_obs, True, act if act in ("sigmoid", "tanh", "relu")
                                else None)
        p = pred.reshape(len(pred), -1)
        t = Y[idx].reshape(len(idx), -1)
        if p.shape == t.shape and len(y_obs):
            found += _collapse_checks(p, t, None, float(y_obs.mean()), ctx,
                                      "the mean of the given targets")
    return Diagnosis(rank_findings(found), ctx)


# ====================================================================== printing
_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def print_diagnosis(diagnosis: Diagnosis, console: Any, verbose: bool = False) -> None:
    """Print a diagnosis as a readable numbered list on a ``rich`` console."""
    from rich.markup import escape

    lines = diagnosis.to_text(verbose=verbose).splitlines()
    console.print(escape(lines[0]))
    for k, f in enumerate(diagnosis.findings, 1):
        sev = f["severity"]
        console.print(f"{k}. [{_STYLE.get(sev, 'bold')}]{sev.upper():7s}[/] "
                      f"[bold]{escape(f['code'])}[/]: {escape(f['message'])}")
        console.print(f"   fix: {escape(f['fix'])}")
        if verbose and f.get("evidence"):
            console.print("   evidence: " + escape(", ".join(
                f"{key}={_evidence_text(v)}" for key, v in f["evidence"].items())))
