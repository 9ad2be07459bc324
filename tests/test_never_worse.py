"""Never worse than the start: the untrained state is a candidate of the best-state
selection (epoch 0), and DivergenceGuard rolls back and lowers the learning rate when
the validation loss runs away (not only on NaN).

Tiny data, a few epochs, CPU only.
"""

from __future__ import annotations

import json
import math

import lightning as L
import numpy as np
import pandas as pd
import pytest
import torch
from cli_helpers import run_cli
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import seqguard
from seqguard.training import DivergenceGuard, fit_model, masked_loss
from seqguard.windows import WindowLoader

F, LEN, H = 3, 8, 2
FAST = {"accelerator": "cpu", "devices": 1, "progress": False}


class Residual(nn.Module):
    """LSTM + zero-initialised linear head on ``last``: untrained, it is persistence."""

    def __init__(self, hidden: int = 8) -> None:
        super().__init__()
        self.rnn = nn.LSTM(F, hidden, 1, batch_first=True)
        self.head = nn.Linear(hidden, H)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, x, last=None, lengths=None):
        return last[:, None] + self.head(self.rnn(x)[0][:, -1])


def _collate(items):
    x, y, last = (torch.stack(t) for t in zip(*items))
    return {"x": x, "y": y, "y_mask": torch.isfinite(y), "last": last}


def _loaders(n: int = 160, n_val: int = 64):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n + n_val, LEN, F, generator=g)
    last = x[:, -1, 0].clone()
    y = last[:, None] + 0.5 * x[:, -1, 1:2] + 0.1 * torch.randn(n + n_val, H, generator=g)
    train = DataLoader(TensorDataset(x[:n], y[:n], last[:n]), batch_size=32, shuffle=True,
                       collate_fn=_collate)
    val = DataLoader(TensorDataset(x[n:], y[n:], last[n:]), batch_size=64, collate_fn=_collate)
    return train, val


def _val_loss(model: nn.Module, val) -> float:
    model.eval()
    total = count = 0.0
    with torch.no_grad():
        for b in val:
            loss, n = masked_loss(model(b["x"], last=b["last"]), b["y"], b["y_mask"], "l1")
            total += float(loss) * float(n)
            count += float(n)
    model.train()
    return total / count


def test_divergence_rolls_back_lowers_the_lr_and_says_why(seed):
    train, val = _loaders()
    model = Residual()
    res = fit_model(model, train, val, epochs=6, lr=50.0, patience=10, **FAST)
    div = [e for e in res.events if e["guard"] == "DivergenceGuard"]
    assert div and div[0]["reason"] == "validation_diverged"
    assert "times its start (epoch 0)" in div[0]["message"]
    assert "lowered the learning rate from 50 to 5" in div[0]["message"]
    lrs = res.history["lr"].tolist()
    assert lrs[0] < 50.0 and min(lrs) <= 0.5
    assert "DivergenceGuard:validation_diverged" in res.history["guard_events"].iloc[0]
    finding = next(f for f in res.findings if f["code"] == "validation_diverged")
    assert finding["severity"] == "warning" and "Lower --lr" in finding["fix"]
    assert _val_loss(model, val) <= res.start_val_loss + 1e-9
    assert all(math.isfinite(v) for v in res.history["train_loss"])


def test_after_the_last_rollback_training_stops_at_the_untrained_start(seed):
    train, val = _loaders()
    model = Residual()
    start = _val_loss(model, val)
    guard_lr = 1e6  # even three rollbacks (1e3) leave it far too high
    res = fit_model(model, train, val, epochs=10, lr=guard_lr, patience=20, **FAST)
    assert res.start_val_loss == pytest.approx(start, rel=1e-6)
    assert all(res.history["val_loss"] > start)  # every epoch lost against the start
    div = [e["reason"] for e in res.events if e["guard"] == "DivergenceGuard"]
    assert div == ["validation_diverged"] * 3 + ["gave_up"]
    assert res.stopped_reason == "diverged" and len(res.history) == 4
    assert res.best_epoch == 0 and res.best_val_loss == pytest.approx(start, rel=1e-6)
    assert _val_loss(model, val) == pytest.approx(start, rel=1e-6)  # the start, put back


def test_a_sane_run_has_no_divergence_events(seed):
    train, val = _loaders()
    res = fit_model(Residual(), train, val, epochs=5, lr=1e-2, **FAST)
    assert not [e for e in res.events if e["guard"] == "DivergenceGuard"]
    assert res.best_epoch is not None and res.best_epoch >= 1
    assert res.best_val_loss < res.start_val_loss


class _Crash(L.Callback):
    def __init__(self, at_epoch: int) -> None:
        self.at_epoch = at_epoch

    def on_train_epoch_start(self, trainer, pl_module):
        if pl_module.epoch_number == self.at_epoch:
            raise RuntimeError("simulated crash")


def test_resume_through_the_divergence_guard_state_is_exact(seed, tmp_path):
    train, val = _loaders()
    torch.manual_seed(1)
    init = Residual().state_dict()

    def fresh():
        m = Residual()
        m.load_state_dict(init)
        return m

    opts = dict(epochs=5, lr=50.0, patience=10, seed=3, **FAST)
    full_model = fresh()
    full = fit_model(full_model, train, val, **opts)
    with pytest.raises(RuntimeError, match="simulated crash"):
        fit_model(fresh(), train, val, checkpoint_dir=tmp_path, callbacks=[_Crash(3)], **opts)
    doc = json.loads((tmp_path / "epoch-0002.json").read_text())
    saved = doc["state"]["callbacks"]["DivergenceGuard"]
    assert saved["rollbacks"] >= 1 and saved["best_epoch"] == 0
    assert saved["start"] == pytest.approx(full.start_val_loss, rel=1e-6)

    guard = DivergenceGuard()
    guard.load_state_dict({**saved, "snapshot": None})
    assert guard.rollbacks == saved["rollbacks"] and guard.best_epoch == 0

    resumed_model = fresh()
    resumed = fit_model(resumed_model, train, val, checkpoint_dir=tmp_path, resume=True, **opts)
    cols = ["epoch", "train_loss", "val_loss", "lr"]
    np.testing.assert_allclose(resumed.history[cols].to_numpy(), full.history[cols].to_numpy(),
                               rtol=1e-6, atol=1e-7)
    assert [e["reason"] for e in resumed.events] == [e["reason"] for e in full.events]
    assert resumed.best_epoch == full.best_epoch
    for k, v in full_model.state_dict().items():
        assert torch.allclose(resumed_model.state_dict()[k], v, atol=1e-6), k


# --------------------------------------------------------------------- through the estimator
def _series(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    t = np.arange(n)
    y = np.sin(2 * np.pi * t / 24) * 3 + np.cumsum(rng.normal(0, 0.3, n))
    return pd.DataFrame({"x": np.roll(y, 2) + rng.normal(0, 0.1, n), "y": y})


def _final_val_loss(est: seqguard.Forecaster, df: pd.DataFrame) -> float:
    prep = est.pipeline_.transform(est._read(df))
    total = count = 0.0
    with torch.no_grad():
        for b in WindowLoader(prep.val, 256):
            loss, n = masked_loss(est.model_(b["x"], last=b["last"]), b["y"], b.get("y_mask"),
                                  "l1")
            total += float(loss) * float(n)
            count += float(n)
    return total / count


@pytest.mark.parametrize("lr", [1e-3, 50.0], ids=["default-lr", "lr-50"])
def test_a_forecaster_never_ends_worse_than_its_baseline_on_validation(lr, seed):
    df = _series()
    est = seqguard.Forecaster("y", input_len=24, horizon=4, epochs=3, lr=lr, hidden=8,
                              layers=1, progress=False)
    est.fit(df)
    start = est.budget_["start_val_loss"]
    assert math.isfinite(start)
    assert _final_val_loss(est, df) <= start * (1 + 1e-6)
    if lr == 50.0:
        reasons = [e["reason"] for e in est.events_ if e["guard"] == "DivergenceGuard"]
        assert reasons and reasons[0] == "validation_diverged"
        assert est.metrics_["skill_vs_persistence"] > -0.05


def test_cli_lr_50_ends_at_the_baseline_with_guard_events(tmp_path, capsys, seed):
    data = tmp_path / "s.csv"
    _series().to_csv(data, index=False)
    out = tmp_path / "run"
    code, _, err = run_cli(["fit", str(data), "--target", "y", "--input-len", "24",
                            "--horizon", "4", "--epochs", "3", "--hidden", "8", "--layers", "1",
                            "--lr", "50", "--out", str(out)],
                           capsys)
    assert code == 0, err
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["guard_events"] >= 1
    assert metrics["skill_vs_persistence"] > -0.05  # was -381 before the guard
    history = pd.read_csv(out / "history.csv")
    assert history["guard_events"].fillna("").str.contains(
        "DivergenceGuard:validation_diverged").any()
    diagnosis = json.loads((out / "diagnosis.json").read_text())
    assert any(f["code"] == "validation_diverged" for f in diagnosis["findings"])
    budget = json.loads((out / "pipeline.json").read_text())["budget"]
    assert budget["best_val_loss"] <= budget["start_val_loss"]
