"""The Keras 3 adapter: weights, inputs, a layer-by-layer NaN trace, target and
collapse for a Keras model (optional: only when Keras is installed).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .collapse import _collapse_checks
from .findings import Diagnosis, rank_findings
from .modules import _module_inputs, _spread
from .scale import _input_checks, _target_checks
from .trace import (
    _input_location,
    _nonfinite_activation_finding,
    _nonfinite_input_finding,
    _weight_checks,
    _where,
)


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
