"""Ctrl-C and SIGTERM during fit_model: stop at a step boundary, raise FitInterrupted,
leave the epoch checkpoints, and resume to the same result as an uninterrupted run."""

from __future__ import annotations

import os
import signal

import lightning as L
import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from seqguard.training import fit_model
from seqguard.training.interrupt import FitInterrupted, stop_on_signals

FAST = {"accelerator": "cpu", "devices": 1, "progress": False}


class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.LSTM(3, 8, 2, batch_first=True, dropout=0.3)
        self.head = nn.Linear(8, 2)

    def forward(self, x, last=None, lengths=None):
        out, _ = self.rnn(x)
        return self.head(out[:, -1]) + last[:, None]


def _collate(rows):
    x, y, last = (torch.stack(t) for t in zip(*rows))
    return {"x": x, "y": y, "y_mask": torch.ones_like(y), "last": last}


def _resume_setup():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(224, 12, 3, generator=g)
    y = x[:, -2:, 0] * 0.5 + 0.1 * torch.randn(224, 2, generator=g)
    last = x[:, -1, 0]
    train = DataLoader(TensorDataset(x[:160], y[:160], last[:160]), batch_size=32,
                       shuffle=True, collate_fn=_collate)
    val = DataLoader(TensorDataset(x[160:], y[160:], last[160:]), batch_size=64,
                     collate_fn=_collate)
    torch.manual_seed(3)
    init = _Net().state_dict()

    def fresh():
        m = _Net()
        m.load_state_dict(init)
        return m
    return train, val, fresh


class _SendSignal(L.Callback):
    """Send ``signum`` to this process after ``at_step`` training steps (mid-epoch)."""

    def __init__(self, signum: int, at_step: int, times: int = 1) -> None:
        self.signum, self.at_step, self.times = signum, at_step, times
        self.steps_after: list[int] = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if pl_module.step_count == self.at_step:
            for _ in range(self.times):
                os.kill(os.getpid(), self.signum)
        elif pl_module.step_count > self.at_step:
            self.steps_after.append(pl_module.step_count)


OPTS = dict(epochs=4, seed=7, patience=10, lr=5e-3, **FAST)


@pytest.fixture(autouse=True)
def _as_in_a_terminal():
    """SIGINT and SIGTERM handled as in a terminal: a shell's background job (CI, say)
    starts with SIGINT ignored, which stop_on_signals rightly leaves alone; a child process
    started meanwhile gets the default handlers: SIG_IGN would be inherited at exec."""
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    yield
    for s, h in before.items():
        signal.signal(s, h)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_mid_epoch_stops_and_resume_reaches_the_uninterrupted_result(
        signum, seed, tmp_path):
    train, val, fresh = _resume_setup()
    full = fit_model(fresh(), train, val, **OPTS)
    steps_per_epoch = len(train)
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    sender = _SendSignal(signum, at_step=2 * steps_per_epoch + 2)  # inside epoch 3
    with pytest.raises(FitInterrupted) as info:
        fit_model(fresh(), train, val, checkpoint_dir=str(tmp_path), callbacks=[sender],
                  **OPTS)
    exc = info.value
    assert exc.signum == signum and exc.exit_code == 128 + signum
    assert exc.epochs_done == 2 and exc.checkpoint_dir == str(tmp_path)
    assert signal.Signals(signum).name in str(exc) and str(tmp_path) in str(exc)
    assert "resume with --resume" in str(exc)
    assert sender.steps_after == []  # stopped at the very next step boundary
    # the handlers that were there before are back
    assert {s: signal.getsignal(s) for s in before} == before
    # epochs 1-2 are checkpointed, the interrupted epoch 3 is not
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "epoch-0001.json", "epoch-0001.safetensors", "epoch-0002.json",
        "epoch-0002.safetensors"]

    resumed_model = fresh()
    resumed = fit_model(resumed_model, train, val, checkpoint_dir=str(tmp_path), resume=True,
                        **OPTS)
    cols = ["epoch", "train_loss", "val_loss", "lr", "grad_norm_total"]
    np.testing.assert_allclose(resumed.history[cols].to_numpy(), full.history[cols].to_numpy(),
                               rtol=1e-6, atol=1e-7)
    assert resumed.best_epoch == full.best_epoch
    assert resumed.best_val_loss == pytest.approx(full.best_val_loss, rel=1e-6)


def test_a_second_signal_raises_at_once(seed):
    with stop_on_signals() as pending:
        os.kill(os.getpid(), signal.SIGINT)
        assert pending.signum == signal.SIGINT  # the first one is only noted
        with pytest.raises(FitInterrupted) as info:
            os.kill(os.getpid(), signal.SIGTERM)
    assert info.value.signum == signal.SIGINT
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_two_signals_at_one_step_still_end_in_fit_interrupted(seed, tmp_path):
    train, val, fresh = _resume_setup()
    sender = _SendSignal(signal.SIGINT, at_step=3, times=2)
    with pytest.raises(FitInterrupted) as info:
        fit_model(fresh(), train, val, checkpoint_dir=str(tmp_path), callbacks=[sender], **OPTS)
    assert info.value.exit_code == 130 and info.value.epochs_done == 0
    assert not list(tmp_path.iterdir())


def test_an_ignored_signal_stays_ignored():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with stop_on_signals() as pending:
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
        os.kill(os.getpid(), signal.SIGINT)
        assert pending.signum is None
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_outside_the_main_thread_nothing_is_installed():
    import threading

    seen = {}

    def run():
        with stop_on_signals() as pending:
            seen["handler"] = signal.getsignal(signal.SIGINT)
            seen["signum"] = pending.signum

    t = threading.Thread(target=run)
    t.start()
    t.join()
    assert seen == {"handler": signal.default_int_handler, "signum": None}


# ----------------------------------------------------------------- the command line
def _series_csv(path, n=6000):
    import pandas as pd

    rng = np.random.default_rng(0)
    t = pd.date_range("2020-01-01", periods=n, freq="h")
    y = np.sin(np.arange(n) * 2 * np.pi / 24) + 0.3 * rng.standard_normal(n)
    pd.DataFrame({"time": t, "y": y, "x": rng.standard_normal(n)}).to_csv(path, index=False)
    return path


def _fit_cmd(data, out, *extra):
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("seqguard")
    return [str(exe), "fit", str(data), "--time-col", "time", "--target", "y",
            "--input-len", "24", "--horizon", "6", "--epochs", "3", "--patience", "10",
            "--hidden", "8", "--batch-size", "16", "--quiet", "--out", str(out), *extra]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_the_cli_exits_128_plus_signal_writes_nothing_and_resumes(signum, tmp_path):
    import json
    import subprocess
    import time

    data = _series_csv(tmp_path / "series.csv")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = tmp_path / "run"
    ckpts = tmp_path / ".run.checkpoints"
    proc = subprocess.Popen(_fit_cmd(data, out), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 120
    while not (ckpts / "epoch-0001.json").exists():  # interrupt inside epoch 2
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signum, stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("interrupted: resume with --resume (stopped by "
                           f"{signal.Signals(signum).name} after "), stderr
    assert "traceback" not in (stdout + stderr).lower()
    assert not out.exists() or not any(out.iterdir())  # no run directory, not even half
    if signum == signal.SIGINT:
        return  # the resume below is the same code for both signals: run it once

    resumed = subprocess.run(_fit_cmd(data, out, "--resume"), check=False, capture_output=True, text=True,
                             env=env, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    whole = subprocess.run(_fit_cmd(data, tmp_path / "whole"), check=False, capture_output=True, text=True,
                           env=env, timeout=300)
    assert whole.returncode == 0, whole.stderr
    a = json.loads((out / "metrics.json").read_text())
    b = json.loads((tmp_path / "whole" / "metrics.json").read_text())
    assert a["test"]["mae"] == pytest.approx(b["test"]["mae"], rel=1e-6)
    assert a["guard_events"] == b["guard_events"]
    import pandas as pd

    ha, hb = (pd.read_csv(d / "history.csv") for d in (out, tmp_path / "whole"))
    cols = ["epoch", "train_loss", "val_loss", "lr"]
    np.testing.assert_allclose(ha[cols].to_numpy(), hb[cols].to_numpy(), rtol=1e-6)
