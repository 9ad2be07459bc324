"""Guarded training: masked loss, the training step against a plain loop, every guard,
best-state restore, early stopping, and exact resume from safetensors + JSON checkpoints.

Every model here is a tiny local stand-in with seqguard's model signature
``forward(x, last=None, lengths=None)``; data are a few hundred windows; CPU only.
"""

from __future__ import annotations

import json
import math
import os

import lightning as L
import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from seqguard.errors import InputError, SeqguardWarning, TrainingFailed
from seqguard.training import (
    FitResult,
    GradientHealth,
    NonFiniteGuard,
    fit_model,
    load_latest_checkpoint,
    masked_loss,
    save_checkpoint,
)
from seqguard.training.collapse import dead_unit_fraction, gate_saturation

F, LEN, H = 3, 8, 2
FAST = {"accelerator": "cpu", "devices": 1, "progress": False}


# --------------------------------------------------------------------- stand-ins
class Tiny(nn.Module):
    """LSTM + linear head; residual on ``last`` when given (like seqguard's default)."""

    def __init__(self, n_features: int = F, horizon: int = H, hidden: int = 8, layers: int = 1,
                 dropout: float = 0.0, residual: bool = True) -> None:
        super().__init__()
        self.rnn = nn.LSTM(n_features, hidden, layers, batch_first=True)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, horizon)
        self.residual = residual

    def forward(self, x, last=None, lengths=None):
        out, _ = self.rnn(x)
        pred = self.head(self.drop(out[:, -1]))
        if self.residual and last is not None:
            pred = pred + last[:, None]
        return pred


class NaNAt(Tiny):
    """Returns NaN on the given training forward calls (1-based), or always."""

    def __init__(self, bad=(), always: bool = False, **kw) -> None:
        super().__init__(**kw)
        self.bad = set(bad)
        self.always = always
        self.calls = 0

    def forward(self, x, last=None, lengths=None):
        pred = super().forward(x, last)
        if self.training:
            self.calls += 1
            if self.always or self.calls in self.bad:
                pred = pred * float("nan")
        return pred


class Flat(nn.Module):
    """Persistence with a parameter that gets zero gradient: the loss never moves."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.ones(1))

    def forward(self, x, last=None, lengths=None):
        return last[:, None].expand(-1, H) + 0.0 * self.w


def collate(items):
    x, y, last = (torch.stack(t) for t in zip(*items))
    return {"x": x, "y": y, "y_mask": torch.isfinite(y), "last": last}


def make_data(n: int = 192, seed: int = 0, target_mean: float = 0.0, noise: float = 0.1,
              signal: bool = True):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, LEN, F, generator=g)
    last = x[:, -1, 0].clone()
    base = last[:, None].repeat(1, H) if signal else torch.zeros(n, H)
    y = target_mean + base + noise * torch.randn(n, H, generator=g)
    return x, y, last


def loaders(n: int = 192, batch: int = 32, shuffle: bool = True, n_val: int = 64, **kw):
    x, y, last = make_data(n + n_val, **kw)
    train = DataLoader(TensorDataset(x[:n], y[:n], last[:n]), batch_size=batch,
                       shuffle=shuffle, collate_fn=collate)
    val = DataLoader(TensorDataset(x[n:], y[n:], last[n:]), batch_size=64, collate_fn=collate)
    return train, val


def weights(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def all_finite(model: nn.Module) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in model.parameters())


# --------------------------------------------------------------------- masked loss
@pytest.mark.parametrize("kind", ["l1", "mse", "huber"])
def test_masked_loss_uses_observed_targets_only(kind, seed):
    pred = torch.randn(6, 4, requires_grad=True)
    y = torch.randn(6, 4)
    y[0, 1] = y[3, 0] = y[5, 3] = float("nan")
    mask = torch.isfinite(y)
    mask[2, 2] = False  # observed value, but masked out by y_mask
    loss, n = masked_loss(pred, y, mask, kind)
    keep = mask & torch.isfinite(y)
    ref_fn = {"l1": nn.functional.l1_loss, "mse": nn.functional.mse_loss,
              "huber": nn.functional.huber_loss}[kind]
    expected = ref_fn(pred[keep], y[keep])
    assert int(n) == int(keep.sum()) == 20
    assert torch.allclose(loss, expected, atol=1e-6)
    loss.backward()
    assert torch.isfinite(pred.grad).all()
    assert bool((pred.grad[~keep] == 0).all())


def test_masked_loss_all_missing_is_zero_without_nan():
    pred = torch.randn(4, 3, requires_grad=True)
    y = torch.full((4, 3), float("nan"))
    loss, n = masked_loss(pred, y)
    assert float(loss.detach()) == 0.0 and float(n) == 0.0
    loss.backward()
    assert bool((pred.grad == 0).all())


def test_masked_loss_shape_mismatch_names_both_shapes():
    with pytest.raises(InputError, match=r"shape \(4, 3\) but the targets have shape \(4, 2\)"):
        masked_loss(torch.zeros(4, 3), torch.zeros(4, 2))


# --------------------------------------------------------------------- the step vs a plain loop
def test_training_step_matches_a_plain_pytorch_loop(seed):
    """Oracle: AdamW + masked L1 + clip_grad_norm_ by hand, same batches, same init."""
    x, y, last = make_data(96)
    y[::7, 1] = float("nan")
    train = DataLoader(TensorDataset(x, y, last), batch_size=32, shuffle=False, collate_fn=collate)
    torch.manual_seed(1)
    ours = Tiny()
    ref = Tiny()
    ref.load_state_dict(ours.state_dict())
    opt = torch.optim.AdamW(ref.parameters(), lr=1e-2, weight_decay=1e-4)
    for _ in range(2):
        for b in train:
            pred = ref(b["x"], last=b["last"])
            m = b["y_mask"]
            loss = (pred[m] - b["y"][m]).abs().mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(ref.parameters(), 0.05)
            opt.step()
    res = fit_model(ours, train, None, epochs=2, lr=1e-2, clip=0.05, **FAST)
    for k, v in ref.state_dict().items():
        assert torch.allclose(ours.state_dict()[k], v, atol=1e-6), k
    assert list(res.history["epoch"]) == [1, 2]
    assert res.history["clip_fraction"].iloc[0] > 0.5  # clip 0.05 was active
    assert res.best_epoch == 2 and res.stopped_reason == "max_epochs"


# --------------------------------------------------------------------- NonFiniteGuard
def test_nan_loss_rolls_back_lowers_lr_and_continues(seed):
    train, val = loaders()
    torch.manual_seed(0)
    model = NaNAt(bad={3, 9})
    res = fit_model(model, train, val, epochs=3, lr=1e-3, **FAST)
    rb = [e for e in res.events if e["guard"] == "NonFiniteGuard"]
    assert [e["reason"] for e in rb] == ["non_finite_loss", "non_finite_loss"]
    assert [(e["epoch"], e["step"]) for e in rb] == [(1, 3), (2, 9)]
    assert "rolled back" in rb[0]["message"] and "from 0.001 to 0.0001" in rb[0]["message"]
    assert list(res.history["lr"]) == pytest.approx([1e-4, 1e-5, 1e-5])
    assert list(res.history["skipped_steps"]) == [1, 1, 0]
    assert "NonFiniteGuard:non_finite_loss@3" in res.history["guard_events"].iloc[0]
    assert res.history["guard_events"].iloc[2] == ""
    assert all_finite(model) and res.guard_events == 2
    assert res.stopped_reason == "max_epochs"
    assert res.history["train_loss"].notna().all()


def test_huge_learning_rate_is_survived_with_finite_weights(seed):
    train, val = loaders()
    torch.manual_seed(0)
    model = Tiny()
    res = fit_model(model, train, val, epochs=3, optimizer="sgd", lr=1e4, loss="mse",
                    clip=None, **FAST)
    rollbacks = [e for e in res.events if e["guard"] == "NonFiniteGuard"]
    assert 1 <= len(rollbacks) <= 5
    assert all_finite(model)
    assert res.history["lr"].iloc[-1] < 1e4
    assert res.best_epoch is not None and math.isfinite(res.best_val_loss)


def test_persistent_nan_fails_after_max_rollbacks(seed):
    train, val = loaders()
    torch.manual_seed(0)
    model = NaNAt(always=True)
    before = weights(model)
    with pytest.raises(TrainingFailed, match=r"training failed: the loss was nan at epoch 1, "
                                             r"step 4 after 3 rollback\(s\)") as info:
        fit_model(model, train, val, epochs=3, max_rollbacks=3, **FAST)
    result = info.value.result
    assert isinstance(result, FitResult) and result.stopped_reason == "non_finite"
    reasons = [e["reason"] for e in result.events if e["guard"] == "NonFiniteGuard"]
    assert reasons == ["non_finite_loss"] * 3 + ["gave_up"]
    finding = result.findings[-1]
    assert finding["severity"] == "error" and finding["code"] == "non_finite_training"
    assert finding["evidence"]["rollbacks"] == 3
    assert finding["evidence"]["lr_history"] == pytest.approx([1e-4, 1e-5, 1e-6])
    assert "the step size is probably not the cause" in finding["message"]
    assert info.value.exit_code == 4
    # the weights were never updated with a NaN step
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_failure_under_mixed_precision_names_the_precision(seed, tmp_path):
    train, val = loaders(n=64)
    torch.manual_seed(0)
    with pytest.raises(TrainingFailed, match=r"reduced precision \(bf16-mixed\)"):
        fit_model(NaNAt(always=True), train, val, epochs=1, max_rollbacks=1,
                  precision="bf16-mixed", checkpoint_dir=tmp_path, **FAST)
    assert load_latest_checkpoint(tmp_path) is None  # nothing saved from a failed epoch


def test_nonfinite_guard_state_round_trips():
    g = NonFiniteGuard()
    g.rollbacks, g.failed, g.lr_history = 2, False, [1e-4, 1e-5]
    h = NonFiniteGuard()
    h.load_state_dict(json.loads(json.dumps(g.state_dict())))
    assert (h.rollbacks, h.failed, h.lr_history) == (2, False, [1e-4, 1e-5])


def test_batch_without_observed_target_changes_nothing(seed):
    x, y, last = make_data(64)
    y[:] = float("nan")
    train = DataLoader(TensorDataset(x, y, last), batch_size=32, collate_fn=collate)
    _, val = loaders()
    torch.manual_seed(0)
    model = Tiny()
    before = weights(model)
    res = fit_model(model, train, val, epochs=1, **FAST)
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k
    row = res.history.iloc[0]
    assert row["skipped_steps"] == 2 and math.isnan(row["train_loss"])
    assert math.isfinite(row["val_loss"])


# --------------------------------------------------------------------- InputGuard
def test_nan_input_raises_naming_the_feature(seed):
    x, y, last = make_data(96)
    x[40, 5, 2] = float("nan")
    train = DataLoader(TensorDataset(x, y, last), batch_size=32, collate_fn=collate)
    with pytest.raises(InputError, match=r"NaN reached the model in feature 'x3' \(column 2 of "
                                         r"x\), training batch index 1 of epoch 1 \(window index 8, "
                                         r"time step 5; 1 non-finite") as info:
        fit_model(Tiny(), train, None, epochs=1, feature_names=["x1", "x2", "x3"], **FAST)
    assert "preprocessing bug" in str(info.value)


def test_inf_in_validation_input_and_nan_last_are_caught(seed):
    train, _ = loaders()
    x, y, last = make_data(64)
    x[3, 0, 0] = float("inf")
    x[3, 1, 1] = float("nan")
    val = DataLoader(TensorDataset(x, y, last), batch_size=64, collate_fn=collate)
    with pytest.raises(InputError, match=r"an infinite value reached the model in feature 0 "
                                         r".*validation batch index 0.*Affected features: 0, 1"):
        fit_model(Tiny(), train, val, epochs=1, **FAST)
    x, y, last = make_data(64)
    last[10] = float("nan")
    train = DataLoader(TensorDataset(x, y, last), batch_size=64, collate_fn=collate)
    with pytest.raises(InputError, match=r"NaN reached the model in 'last'.*window index 10"):
        fit_model(Tiny(), train, None, epochs=1, **FAST)


# --------------------------------------------------------------------- GradientHealth
def test_gradient_health_records_per_layer_norms_and_flags_vanishing(seed):
    train, val = loaders()
    torch.manual_seed(0)
    model = Tiny(layers=2)
    for name, p in model.rnn.named_parameters():
        if name.endswith("_l0"):
            p.register_hook(lambda g: g * 1e-9)
    res = fit_model(model, train, val, epochs=2, **FAST)
    cols = [c for c in res.history.columns if c.startswith("grad_norm_")]
    assert cols == ["grad_norm_total", "grad_norm_rnn.l0", "grad_norm_rnn.l1", "grad_norm_head"]
    assert (res.history["grad_norm_rnn.l0"] < 1e-6).all()
    assert (res.history["grad_norm_head"] > 1e-3).all()
    finding = next(f for f in res.findings if f["code"] == "vanishing_gradients")
    assert finding["severity"] == "warning"
    assert "earliest recurrent layer 'rnn.l0'" in finding["message"]
    # flagged once it persists: epoch 2, after epoch 1 showed it too
    assert finding["evidence"]["epochs"] == [2] and finding["evidence"]["layer"] == "rnn.l0"
    assert "GradientHealth:vanishing_gradients" not in res.history["guard_events"].iloc[0]
    assert "GradientHealth:vanishing_gradients" in res.history["guard_events"].iloc[1]


def test_gradient_health_relative_vanishing_uses_the_last_layer(seed):
    train, val = loaders()
    torch.manual_seed(0)
    model = Tiny(layers=2)
    for name, p in model.rnn.named_parameters():
        if name.endswith("_l0"):
            p.register_hook(lambda g: g * 1e-4)
    res = fit_model(model, train, val, epochs=2, **FAST)
    finding = next(f for f in res.findings if f["code"] == "vanishing_gradients")
    assert "x that of 'rnn.l1'" in finding["message"]


def test_gradient_health_flags_vanishing_only_when_it_persists():
    """A first epoch starved by the zero-initialised residual head is not flagged."""
    from types import SimpleNamespace

    from seqguard.training.gradient_health import GradientHealth

    class FakeModule:
        clip = 1.0
        grad_groups = ("rnn.l0", "head")
        grad_group_recurrent = (True, False)

        def __init__(self, l0_norms):
            self.norms, self.epoch_number = l0_norms, 0
            self.events, self.findings = [], []

        def epoch_train_stats(self):
            v = self.norms[self.epoch_number - 1]
            return SimpleNamespace(steps=10, grad_norm_total=1.0, clip_fraction=0.0,
                                   grad_norms={"rnn.l0": v, "head": 1.0})

        def record_event(self, guard, reason, message):
            self.events.append((self.epoch_number, reason))

        def add_finding(self, severity, code, message, evidence, fix):
            self.findings.append((code, evidence["epochs"]))

    def run(l0_norms):
        guard, module = GradientHealth(), FakeModule(l0_norms)
        for e in range(1, len(l0_norms) + 1):
            module.epoch_number = e
            guard.on_train_epoch_end(None, module)
        return module

    transient = run([1e-5, 0.1, 0.1])  # epoch 1 only: the head was still near zero
    assert transient.events == [] and transient.findings == []
    lasting = run([1e-5, 1e-5, 1e-5])
    assert lasting.events == [(2, "vanishing_gradients"), (3, "vanishing_gradients")]
    assert lasting.findings[-1] == ("vanishing_gradients", [2, 3])



def test_gradient_health_flags_exploding_by_clipping_share(seed):
    train, val = loaders()
    torch.manual_seed(0)
    res = fit_model(Tiny(), train, val, epochs=1, clip=1e-6, **FAST)
    assert res.history["clip_fraction"].iloc[0] == 1.0
    finding = next(f for f in res.findings if f["code"] == "exploding_gradients")
    assert "clipping at 1e-06 was active on 100% of the steps" in finding["message"]


class _Amplify(L.Callback):
    """Scale every gradient by 100 ** epoch (a stand-in for growing gradients)."""

    def __init__(self, model: nn.Module) -> None:
        self.factor = 1.0
        for p in model.parameters():
            p.register_hook(lambda g: g * self.factor)

    def on_train_epoch_start(self, trainer, pl_module):
        self.factor = 100.0 ** trainer.current_epoch


def test_gradient_health_flags_exploding_by_growth(seed):
    train, val = loaders()
    torch.manual_seed(0)
    model = Tiny()
    res = fit_model(model, train, val, epochs=2, clip=None, optimizer="sgd", lr=1e-9,
                    callbacks=[_Amplify(model)], **FAST)
    finding = next(f for f in res.findings if f["code"] == "exploding_gradients")
    assert "grew from" in finding["message"] and finding["evidence"]["epochs"] == [2]
    assert res.history["grad_norm_total"].iloc[1] > 50 * res.history["grad_norm_total"].iloc[0]


def test_gradient_health_state_round_trips():
    g = GradientHealth()
    g.baseline, g.flags = 0.5, {"exploding_gradients": [3]}
    h = GradientHealth()
    h.load_state_dict(g.state_dict())
    assert h.baseline == 0.5 and h.flags == {"exploding_gradients": [3]}


# --------------------------------------------------------------------- CollapseGuard
def test_unscaled_target_gives_a_constant_predictions_finding(seed):
    train, val = loaders(target_mean=1e4, noise=3.0, signal=False)
    torch.manual_seed(0)
    res = fit_model(Tiny(residual=False), train, val, epochs=3, lr=5e-2,
                    target_stats={"mean": 1e4, "std": 3.0}, **FAST)
    assert (res.history["collapse_ratio"] < 0.05).all()
    finding = next(f for f in res.findings if f["code"] == "constant_predictions")
    assert finding["message"].startswith("predictions are nearly constant: std(predictions) "
                                         "/ std(targets) = ")
    codes = [c["code"] for c in finding["evidence"]["causes"]]
    assert codes[0] == "unscaled_target"
    assert "the target is not scaled (mean 1e+04, std 3" in finding["message"]
    assert "--target-scaler standard" in finding["fix"]
    assert "too_short" in codes  # the loss was still falling at the last epoch
    event = next(e for e in res.events if e["reason"] == "constant_predictions")
    assert event["epoch"] == 3 and event["guard"] == "CollapseGuard"
    assert "CollapseGuard:constant_predictions" in res.history["guard_events"].iloc[2]


def test_healthy_model_has_no_collapse_finding(seed):
    train, val = loaders()
    torch.manual_seed(0)
    res = fit_model(Tiny(), train, val, epochs=2, **FAST)
    assert res.history["collapse_ratio"].between(0.5, 1.5).all()
    assert not [f for f in res.findings if f["code"] == "constant_predictions"]


def test_dead_units_and_saturated_gates_are_measured():
    torch.manual_seed(0)
    out = torch.randn(4, 5, 6)
    out[..., :4] = 0.7
    assert dead_unit_fraction(out) == pytest.approx(4 / 6)
    lstm = nn.LSTM(2, 3, batch_first=True)
    x = torch.randn(4, 5, 2)
    assert gate_saturation(lstm, x) < 0.05
    with torch.no_grad():
        lstm.bias_ih_l0.fill_(50.0)
    assert gate_saturation(lstm, x) == 1.0
    gru = nn.GRU(2, 3, batch_first=True)
    with torch.no_grad():
        gru.weight_ih_l0.mul_(1000.0)
    assert gate_saturation(gru, x) > 0.5


# --------------------------------------------------------------------- best state, early stop
class _Snapshots(L.Callback):
    def __init__(self) -> None:
        self.states: list[dict[str, torch.Tensor]] = []

    def on_train_epoch_end(self, trainer, pl_module):
        self.states.append(weights(pl_module.model))


class _Sabotage(L.Callback):
    """Spoil the head's weights at the start of one epoch (finite, but far off)."""

    def __init__(self, at_epoch: int) -> None:
        self.at_epoch = at_epoch

    def on_train_epoch_start(self, trainer, pl_module):
        if pl_module.epoch_number == self.at_epoch:
            with torch.no_grad():
                pl_module.model.head.bias.add_(5.0)


class _Validated(L.Callback):
    """The weights each epoch's validation loss was computed with (before any rollback)."""

    def __init__(self) -> None:
        self.states: list[dict[str, torch.Tensor]] = []

    def on_validation_epoch_end(self, trainer, pl_module):
        self.states.append(weights(pl_module.model))


def test_best_weights_are_restored_not_the_last(seed):
    train, val = loaders()
    torch.manual_seed(0)
    model = Tiny()
    snaps = _Validated()
    res = fit_model(model, train, val, epochs=4, patience=10,
                    callbacks=[_Sabotage(3), snaps], **FAST)
    losses = list(res.history["val_loss"])
    best = int(np.argmin(losses))
    assert losses[2] > 10 * losses[1], losses
    # the spoilt epoch 3 made DivergenceGuard roll back to epoch 2 (tests/test_never_worse.py)
    assert [e["reason"] for e in res.events if e["epoch"] == 3] == ["validation_diverged"]
    assert res.best_epoch == best + 1 and res.best_val_loss == pytest.approx(losses[best])
    for k, v in model.state_dict().items():
        assert torch.equal(v, snaps.states[best][k]), k
    assert not all(torch.equal(v, snaps.states[2][k]) for k, v in model.state_dict().items())


def test_early_stopping_stops_on_a_flat_validation_loss(seed):
    train, val = loaders()
    res = fit_model(Flat(), train, val, epochs=20, patience=2, weight_decay=0.0, **FAST)
    assert len(res.history) == 3 and res.stopped_reason == "early_stopping"
    assert res.history["val_loss"].nunique() == 1
    assert res.best_epoch == 0  # no epoch beat the untrained start
    assert res.events[-1]["guard"] == "EarlyStopping"
    assert res.history["guard_events"].iloc[2] == "EarlyStopping:early_stopping@18"


def test_without_validation_the_training_loss_is_monitored(seed):
    train, _ = loaders()
    torch.manual_seed(0)
    res = fit_model(Tiny(), train, None, epochs=2, **FAST)
    assert res.history["val_loss"].isna().all()
    assert res.best_val_loss == pytest.approx(res.history["train_loss"].min())


# --------------------------------------------------------------------- resume
class _Crash(L.Callback):
    def __init__(self, at_epoch: int) -> None:
        self.at_epoch = at_epoch

    def on_train_epoch_start(self, trainer, pl_module):
        if pl_module.epoch_number == self.at_epoch:
            raise RuntimeError("simulated crash")


def _resume_setup():
    train, val = loaders(n=160, batch=32, shuffle=True)
    torch.manual_seed(3)
    init = Tiny(hidden=8, layers=2, dropout=0.3).state_dict()

    def fresh():
        m = Tiny(hidden=8, layers=2, dropout=0.3)
        m.load_state_dict(init)
        return m
    return train, val, fresh


def test_resume_gives_the_same_result_as_an_uninterrupted_run(seed, tmp_path):
    train, val, fresh = _resume_setup()
    opts = dict(epochs=4, seed=7, patience=10, lr=5e-3, **FAST)
    full_model = fresh()
    full_snaps = _Snapshots()
    full = fit_model(full_model, train, val, callbacks=[full_snaps], **opts)

    with pytest.raises(RuntimeError, match="simulated crash"):
        fit_model(fresh(), train, val, checkpoint_dir=tmp_path, callbacks=[_Crash(3)], **opts)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["epoch-0001.json", "epoch-0001.safetensors", "epoch-0002.json",
                     "epoch-0002.safetensors"]
    torch.manual_seed(123)  # the resumed run must not depend on the global RNG on entry
    resumed_model = fresh()
    snaps = _Snapshots()
    resumed = fit_model(resumed_model, train, val, checkpoint_dir=tmp_path, resume=True,
                        callbacks=[snaps], **opts)

    assert len(snaps.states) == 2  # epochs 3 and 4 only
    for k, v in full_snaps.states[-1].items():  # the last epoch's weights
        assert torch.allclose(snaps.states[-1][k], v, atol=1e-6), k
    for k, v in full_model.state_dict().items():  # the restored best weights
        assert torch.allclose(resumed_model.state_dict()[k], v, atol=1e-6), k
    cols = ["epoch", "train_loss", "val_loss", "lr", "grad_norm_total"]
    np.testing.assert_allclose(resumed.history[cols].to_numpy(), full.history[cols].to_numpy(),
                               rtol=1e-6, atol=1e-7)
    assert resumed.best_epoch == full.best_epoch
    assert resumed.best_val_loss == pytest.approx(full.best_val_loss, rel=1e-6)
    assert max(p.name for p in tmp_path.iterdir()) == "epoch-0004.safetensors"


def test_resume_of_a_finished_run_trains_no_more(seed, tmp_path):
    train, val = loaders()
    model = Flat()
    first = fit_model(model, train, val, epochs=20, patience=2, weight_decay=0.0,
                      checkpoint_dir=tmp_path, **FAST)
    again = fit_model(Flat(), train, val, epochs=20, patience=2, weight_decay=0.0,
                      checkpoint_dir=tmp_path, resume=True, **FAST)
    assert len(again.history) == len(first.history) == 3
    assert again.stopped_reason == "early_stopping" and again.best_epoch == 0


def test_resume_without_checkpoint_warns_and_starts_over(seed, tmp_path):
    train, val = loaders()
    with pytest.warns(SeqguardWarning, match="no training checkpoint in"):
        res = fit_model(Tiny(), train, val, epochs=1, checkpoint_dir=tmp_path / "none",
                        resume=True, **FAST)
    assert list(res.history["epoch"]) == [1]


def test_resume_with_a_different_model_is_an_input_error(seed, tmp_path):
    train, val = loaders()
    fit_model(Tiny(), train, val, epochs=1, checkpoint_dir=tmp_path, **FAST)
    with pytest.raises(InputError, match="was written for a different model"):
        fit_model(Tiny(layers=2), train, val, epochs=2, checkpoint_dir=tmp_path, resume=True,
                  **FAST)
    with pytest.raises(InputError, match="does not fit this model"):
        fit_model(Tiny(hidden=4), train, val, epochs=2, checkpoint_dir=tmp_path, resume=True,
                  **FAST)


# --------------------------------------------------------------------- checkpoint files
def test_checkpoint_files_are_strict_json_and_safetensors(seed, tmp_path):
    train, val = loaders()
    fit_model(Tiny(), train, val, epochs=1, checkpoint_dir=tmp_path, **FAST)
    doc = json.loads((tmp_path / "epoch-0001.json").read_text(),
                     parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))
    assert doc["format"] == "seqguard-training-checkpoint" and doc["epoch"] == 1
    state = doc["state"]
    assert state["epochs_done"] == 1 and "__tensor__" in state["rng"]["torch"]
    assert "__tensor__" in state["model"]["rnn.weight_ih_l0"]
    assert state["module"]["history"][0]["epoch"] == 1
    raw = (tmp_path / "epoch-0001.safetensors").read_bytes()
    header = json.loads(raw[8:8 + int.from_bytes(raw[:8], "little")])
    assert header["__metadata__"]["format"] == "seqguard-training-checkpoint"
    assert b"pickle" not in raw[:8 + int.from_bytes(raw[:8], "little")]


def test_checkpoint_round_trip_keeps_types(tmp_path):
    state = {"w": torch.arange(6.0).reshape(2, 3), "rng": torch.get_rng_state(),
             "opt": {0: {"step": torch.tensor(3.0)}, 1: {"step": torch.tensor(4.0)}},
             "betas": (0.9, 0.999), "best": float("inf"), "nan": float("nan"),
             "np": np.random.get_state(), "flags": [True, None, "x"]}
    save_checkpoint(tmp_path, 5, state)
    back = load_latest_checkpoint(tmp_path)["state"]
    assert torch.equal(back["w"], state["w"]) and back["rng"].dtype == torch.uint8
    assert set(back["opt"]) == {0, 1} and float(back["opt"][1]["step"]) == 4.0
    assert back["betas"] == (0.9, 0.999) and back["best"] == math.inf
    assert math.isnan(back["nan"]) and back["flags"] == [True, None, "x"]
    assert back["np"][1].dtype == np.uint32 and np.array_equal(back["np"][1], state["np"][1])


def test_leftover_tmp_and_damaged_checkpoints_are_skipped(tmp_path):
    save_checkpoint(tmp_path, 1, {"a": torch.ones(2)})
    save_checkpoint(tmp_path, 2, {"a": torch.full((2,), 2.0)})
    # a crash while writing epoch 3: only temporary files exist
    (tmp_path / "epoch-0003.safetensors.tmp").write_bytes(b"\x00partial")
    (tmp_path / "epoch-0003.json.tmp").write_text('{"format": "seqguard-train')
    ckpt = load_latest_checkpoint(tmp_path)
    assert ckpt["epoch"] == 2 and float(ckpt["state"]["a"][0]) == 2.0
    # epoch 2's tensor file is damaged: fall back to epoch 1, with a warning
    blob = bytearray((tmp_path / "epoch-0002.safetensors").read_bytes())
    blob[-1] ^= 0xFF
    (tmp_path / "epoch-0002.safetensors").write_bytes(bytes(blob))
    with pytest.warns(SeqguardWarning, match="epoch-0002.json.*does not match its SHA-256"):
        ckpt = load_latest_checkpoint(tmp_path)
    assert ckpt["epoch"] == 1
    # only the two newest checkpoints are kept
    save_checkpoint(tmp_path, 4, {"a": torch.zeros(1)})
    kept = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".tmp"))
    assert kept == ["epoch-0002.json", "epoch-0002.safetensors", "epoch-0004.json",
                    "epoch-0004.safetensors"]
    assert load_latest_checkpoint(tmp_path / "missing") is None


def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    save_checkpoint(tmp_path, 1, {"a": torch.ones(2)})
    real_replace = os.replace

    def crash(src, dst):
        if str(dst).endswith("epoch-0002.json"):
            raise OSError("disk full")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(tmp_path, 2, {"a": torch.full((2,), 2.0)})
    monkeypatch.setattr(os, "replace", real_replace)
    assert (tmp_path / "epoch-0002.json.tmp").exists()
    assert load_latest_checkpoint(tmp_path)["epoch"] == 1


# --------------------------------------------------------------------- other tasks, options
def test_classify_binary_and_multiclass_and_tag_train(seed):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(96, LEN, F, generator=g)
    lengths = torch.full((96,), LEN)
    yb = (x[:, -1, 0] > 0).float()
    yc = (x[:, -1, 0] > 0).long() + (x[:, -1, 1] > 0).long()

    class Cls(nn.Module):
        def __init__(self, k):
            super().__init__()
            self.rnn = nn.GRU(F, 8, batch_first=True)
            self.head = nn.Linear(8, k)

        def forward(self, x, last=None, lengths=None):
            return self.head(self.rnn(x)[0][:, -1]).squeeze(-1)

    def cl(y):
        return DataLoader(TensorDataset(x, lengths, y), batch_size=32,
                          collate_fn=lambda b: dict(zip(("x", "lengths", "y"),
                                                        map(torch.stack, zip(*b)))))

    rb = fit_model(Cls(1), cl(yb), cl(yb), task="classify", epochs=3, lr=1e-2, **FAST)
    assert rb.history["val_loss"].iloc[-1] < rb.history["val_loss"].iloc[0]
    assert rb.history["collapse_ratio"].notna().all()
    rc = fit_model(Cls(3), cl(yc), cl(yc), task="classify", epochs=2, lr=1e-2, **FAST)
    assert rc.history["val_loss"].iloc[0] == pytest.approx(math.log(3), abs=0.3)
    assert rc.history["collapse_ratio"].isna().all()

    class Tag(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(F, 8, batch_first=True)
            self.head = nn.Linear(8, 1)

        def forward(self, x, last=None, lengths=None):
            return self.head(self.rnn(x)[0])

    yt = x[..., 0].clone()
    yt[:, :2] = float("nan")
    tl = DataLoader(TensorDataset(x, yt), batch_size=32,
                    collate_fn=lambda b: dict(zip(("x", "y"), map(torch.stack, zip(*b)))))
    rt = fit_model(Tag(), tl, tl, task="tag", epochs=2, **FAST)
    assert rt.history["val_loss"].notna().all()


@pytest.mark.parametrize("kwargs, match", [
    ({"optimizer": "adamm"}, (r"'optimizer' option must be one of adamw, adam, rmsprop, sgd; "
                              r"got 'adamm' instead\. Did you mean 'adam'\?")),
    ({"loss": "mae"}, r"'loss' option must be one of l1, mse, huber; got 'mae'"),
    ({"task": "regress"}, r"'task' option must be one of forecast, tag, classify"),
    ({"epochs": 0}, r"'epochs' option \(--epochs\) must be an integer > 0; got 0"),
    ({"lr": -1.0}, r"'lr' option \(--lr\) must be a number > 0"),
    ({"precision": "8"}, r"'precision' option \(--precision\) must be one of"),
    ({"resume": True}, r"--resume needs a checkpoint directory"),
], ids=["optimizer", "loss", "task", "epochs", "lr", "precision", "resume"])
def test_bad_options_are_input_errors(kwargs, match):
    train, val = loaders(n=32)
    with pytest.raises(InputError, match=match):
        fit_model(Tiny(), train, val, **{**FAST, **kwargs})


def test_empty_validation_loader_is_an_input_error():
    train, _ = loaders(n=32)
    empty = DataLoader(TensorDataset(torch.zeros(0, LEN, F), torch.zeros(0, H), torch.zeros(0)),
                       batch_size=8, collate_fn=collate)
    with pytest.raises(InputError, match="val_loader has no batches: the validation part"):
        fit_model(Tiny(), train, empty, **FAST)


def test_window_loader_epochs_follow_the_run(seed, tmp_path):
    """A loader with set_epoch gets the run's epoch (0-based), also after a resume."""
    seen: list[int] = []

    class Loader:
        def __init__(self):
            self.x, self.y, self.last = make_data(64)
            self.epoch = -1

        def set_epoch(self, e):
            self.epoch = e

        def __len__(self):
            return 2

        def __iter__(self):
            seen.append(self.epoch)
            for a in (0, 32):
                y = self.y[a:a + 32]
                yield {"x": self.x[a:a + 32], "y": y, "y_mask": torch.isfinite(y),
                       "last": self.last[a:a + 32]}

    fit_model(Tiny(), Loader(), None, epochs=2, checkpoint_dir=tmp_path, **FAST)
    fit_model(Tiny(), Loader(), None, epochs=3, checkpoint_dir=tmp_path, resume=True, **FAST)
    assert seen == [0, 1, 2]


def test_fit_model_is_reexported():
    import seqguard.training as t

    assert set(t.__all__) >= {"fit_model", "FitResult", "SeqguardModule", "masked_loss",
                              "InputGuard", "NonFiniteGuard", "GradientHealth", "BestState",
                              "CollapseGuard", "EpochCheckpoint"}
    # every listed name is there, defined inside seqguard.training (not a stray import)
    missing = [name for name in t.__all__ if not hasattr(t, name)]
    assert not missing, f"seqguard.training.__all__ lists names it lacks: {missing}"
    outside = [name for name in t.__all__
               if not getattr(t, name).__module__.startswith("seqguard.training")]
    assert not outside, f"not defined in seqguard.training: {outside}"


# --------------------------------------------------------------------- AMP branch, real loaders
class _FakeScaler(L.Callback):
    """Pretend a GradScaler is active (the 16-mixed path cannot run on CPU)."""

    def on_train_start(self, trainer, pl_module):
        trainer.precision_plugin.scaler = object()

    def on_train_end(self, trainer, pl_module):
        del trainer.precision_plugin.scaler


def test_gradient_overflow_under_a_grad_scaler_is_skipped_not_rolled_back(seed):
    train, val = loaders()
    torch.manual_seed(0)
    model = Tiny()
    calls = {"n": 0}

    def overflow_on_step_2(g):
        calls["n"] += 1
        return g * float("inf") if calls["n"] == 2 else g

    model.head.bias.register_hook(overflow_on_step_2)
    guard_skips = []

    class Watch(L.Callback):
        def on_train_end(self, trainer, pl_module):
            guard_skips.extend(cb.amp_skips for cb in trainer.callbacks
                               if isinstance(cb, NonFiniteGuard))

    res = fit_model(model, train, val, epochs=1, callbacks=[_FakeScaler(), Watch()], **FAST)
    assert guard_skips == [1]
    assert not [e for e in res.events if e["guard"] == "NonFiniteGuard"]
    assert res.history["skipped_steps"].iloc[0] == 1 and res.history["lr"].iloc[0] == 1e-3
    assert all_finite(model)


def test_resume_is_exact_with_seqguards_window_loader(seed, tmp_path):
    from seqguard import ForecastWindows, WindowLoader  # a plain import: never skipped

    rng = np.random.default_rng(0)
    X = rng.standard_normal((600, F)).astype(np.float32)
    y = (X[:, 0] + 0.1 * rng.standard_normal(600)).astype(np.float32)
    y[rng.random(600) < 0.1] = np.nan
    part = np.zeros(600, dtype=np.int8)
    part[480:] = 1
    ds = {w: ForecastWindows(X, y, [0, 600], LEN, H, part=part, which=w)
          for w in ("train", "val")}
    torch.manual_seed(5)
    init = Tiny(dropout=0.2).state_dict()

    def run(**kw):
        model = Tiny(dropout=0.2)
        model.load_state_dict(init)
        train = WindowLoader(ds["train"], 64, shuffle=True, seed=3)
        val = WindowLoader(ds["val"], 128)
        if kw.pop("torch_loader", False):
            train, val = train.torch_loader(), val.torch_loader()
        snaps = _Snapshots()
        res = fit_model(model, train, val, epochs=3, seed=1, patience=10, lr=1e-2,
                        callbacks=[snaps, *kw.pop("callbacks", [])], **kw, **FAST)
        return res, snaps.states[-1]

    for torch_loader in (False, True):
        d = tmp_path / str(torch_loader)
        full, last_full = run(torch_loader=torch_loader)
        with pytest.raises(RuntimeError, match="simulated crash"):
            run(torch_loader=torch_loader, checkpoint_dir=d, callbacks=[_Crash(2)])
        resumed, last_resumed = run(torch_loader=torch_loader, checkpoint_dir=d, resume=True)
        for k, v in last_full.items():
            assert torch.allclose(last_resumed[k], v, atol=1e-6), (torch_loader, k)
        np.testing.assert_allclose(resumed.history["train_loss"], full.history["train_loss"],
                                   rtol=1e-6)
