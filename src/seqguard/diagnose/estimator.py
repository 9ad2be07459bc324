"""Diagnosing a fitted seqguard estimator (or a run directory loaded as one).

With data: the inputs and target after preprocessing, a traced run over held-out
windows, and collapse against the baselines. Without data: only what the run holds
(history, guard findings, weights, audit, fitted statistics, metrics).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import SeqguardError
from .collapse import _collapse_checks, _metrics_checks
from .findings import Diagnosis, _dedupe, _merge_guard_findings, rank_findings
from .history import _grade_too_short, _history_checks
from .leakage import _audit_leakage, _prescaled_leakage
from .long_inputs import _long_dependency_verdict, _probe_time_checks, _time_checks
from .modules import _spread
from .scale import _input_checks, _pipeline_checks, _target_checks
from .trace import _Run, _weight_checks


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


def _read_table(est: Any, data: Any) -> Any:
    reader = getattr(est, "_table", None)
    if reader is not None:
        return reader(data, fit=False)[0]
    return est._read(data)


def _estimator_data_checks(est: Any, data: Any, task: str, direct: bool, batch_size: int,
                           max_windows: int, history: list[dict[str, Any]],
                           ctx: dict[str, Any]) -> list[dict[str, Any]]:
    from ..splits import TRAIN

    pipe = est.pipeline_
    table = _read_table(est, data)
    try:
        prep = pipe.transform(table, split=True)
        split = True
    except SeqguardError:
        prep = pipe.transform(table, split=False)
        split = False
    if hasattr(est, "_attach_series"):  # the series rows (static, series code) the model reads
        est._attach_series(prep)
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
    def _call(b: dict) -> Any:
        kw = {"y_in": b.get("y_in")} if getattr(model, "needs_y_in", False) else {}
        if "static" in b:
            kw["static"] = b["static"]
        return model(b["x"], last=b.get("last"), lengths=b.get("lengths"), **kw)

    run = _Run(model, _call)
    res = run.over(batches, names)
    found += res.findings
    if res.first_batch is not None:
        found += _time_checks(run, res.first_batch, history, ctx)
    if task != "classify" and res.pred is not None and len(y_train):
        pred, target, last, train_mean = _in_target_units(est, prep, ds, idx, res)
        others = _other_baselines(est, prep, ds, idx, task, last) if target is not None \
            else {}
        found += _collapse_checks(pred, target, last, train_mean, ctx,
                                  units=str(pipe.target), others=others)
    return found


def _in_target_units(est: Any, prep: Any, ds: Any, idx: np.ndarray, res: Any
                     ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, float]:
    """The diagnosed predictions, targets, last values and training mean, in the target's
    original units (as metrics.json), so that the MAEs diagnose prints read as those of
    ``fit`` and ``evaluate``."""
    from ..splits import TRAIN

    pipe = est.pipeline_
    rows = ds.target_rows(idx)
    groups = pipe.series_groups(prep.table)[rows[:, 0]] if len(rows) else \
        np.empty(0, dtype=np.int64)
    pred = np.asarray(res.pred, dtype=np.float64)
    pred = pipe.target_scaler_.inverse_transform(pred.reshape(len(pred), -1),
                                                 groups=groups).reshape(pred.shape)
    target = prep.y_raw[rows].reshape(pred.shape) if rows.size == pred.size else None
    last = None
    if res.last is not None and len(res.last) == len(groups):
        raw = np.asarray(res.last, dtype=np.float64)
        if raw.ndim == 3:  # the baselines' forecasts (seqguard.residual_base)
            # persistence, the last observed target at each window's end, in raw units
            # (the batch may hold another base without a persistence channel)
            from ..windows import last_observed

            last = last_observed(prep.y_raw, prep.bounds)[rows[:, 0] - 1]
        else:
            last = pipe.target_scaler_.inverse_transform(raw, groups=groups)
    clim = getattr(est, "climatology_", None)
    train_mean = clim.mean_ if clim is not None else \
        float(np.nanmean(prep.y_raw[prep.part == TRAIN]))
    return pred, target, last, train_mean


def _other_baselines(est: Any, prep: Any, ds: Any, idx: np.ndarray, task: str,
                     last: np.ndarray | None) -> dict[str, np.ndarray]:
    """Seasonal naive (forecast) and climatology forecasts of the diagnosed windows, in
    the target's units, as metrics.json computes them."""
    from ..baselines import season_from_freq, seasonal_naive

    rows = ds.target_rows(idx)
    out: dict[str, np.ndarray] = {}
    if not len(rows):
        return out
    table = prep.table
    season = season_from_freq(table.freq, est.get_params().get("season"))
    if task == "forecast" and last is not None and season > 1:
        b = prep.bounds
        starts = b[:-1][np.searchsorted(b, rows[:, 0], side="right") - 1]
        out["seasonal_naive"] = seasonal_naive(prep.y_raw, rows, starts, season, last=last)
    clim = getattr(est, "climatology_", None)
    if clim is not None and clim.kind_ != "none":
        times = table.frame[table.time_col]
        out["climatology"] = clim.predict(times.iloc[rows.reshape(-1)],
                                          table.freq).reshape(rows.shape)
    return out
