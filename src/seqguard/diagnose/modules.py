"""Diagnosing a plain ``torch.nn.Module`` on input arrays (and targets).

Also the array handling it shares with the Keras adapter: checking the inputs and
targets, and picking evenly spaced windows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch import nn

from ..errors import InputError
from .collapse import _collapse_checks
from .findings import Diagnosis, _dedupe, rank_findings
from .long_inputs import _long_dependency_verdict, _time_checks
from .scale import _input_checks, _target_checks
from .trace import _Run, _weight_checks


def _spread(n: int, k: int, keep: int | None = None) -> np.ndarray:
    """At most ``k`` evenly spaced indices of ``range(n)`` (always with ``keep``)."""
    if n <= k:
        return np.arange(n, dtype=np.int64)
    idx = np.unique(np.linspace(0, n - 1, k).round().astype(np.int64))
    if keep is not None and keep not in idx:
        idx[np.searchsorted(idx, keep) - 1] = keep
        idx = np.unique(idx)
    return idx


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
