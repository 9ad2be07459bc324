"""The non-finite trace: run a model with forward hooks and find where NaN / inf starts.

:class:`_Run` predicts batch by batch, reports the first non-finite input (where it
enters the model) or the first layer that turns finite inputs into NaN / inf, and,
when all is finite, checks the model state of the first recurrent layer (dead units,
saturated gates). Also the check for non-finite weights.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from ..errors import InputError, SeqguardError
from .findings import _finding, _fmt
from .thresholds import _GATE_WINDOWS, DEAD_SHARE, SATURATED_SHARE


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
        from ..training.collapse import dead_unit_fraction, gate_saturation_by_gate

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
