"""Benchmark: guarded training keeps up with a plain PyTorch loop.

Builds one set of tensors (default 20,000 windows x input length 48 x 16 features,
horizon 24, 5 % of the targets missing) and one initialisation of the model
``seqguard fit`` trains (:class:`seqguard.models.SequenceModel`: a 2-layer LSTM(64)
with the residual head), then trains one epoch, batch 256, shuffled, in three ways:

* ``plain``: a hand-written PyTorch loop: AdamW (lr 1e-3, weight decay 1e-4),
  masked L1 loss, ``clip_grad_norm_(1.0)``, ``optimizer.step()``; nothing else;
* ``fit_model``: :func:`seqguard.training.fit_model` for one epoch with every guard
  on and a one-batch validation loader: Lightning's ``Trainer`` setup and teardown,
  the guards, the history and the best-state copy are all inside the timing;
* ``fit_model + WindowLoader``: the same, fed as ``seqguard fit`` feeds it: lazy
  :class:`~seqguard.windows.ForecastWindows` over one (rows x features) table
  holding the same windows, one gather per batch (``windows_ratio``).

Both see the same batches from the same loader (pre-built tensors, sliced per
batch). The two are run alternately ``--repeats`` times after a warm-up; the best
time of each is reported as windows per second (the minimum is the estimate least
disturbed by other processes on a shared machine), and ``ratio`` = fit_model / plain
(target: at least 0.85). ``cpu_ratio`` is the same ratio from the process CPU time. ``epoch_ratio`` uses the time of the training epoch alone
(between ``on_train_epoch_start`` and ``on_train_epoch_end``, validation included)
instead of the whole ``fit_model`` call.

Usage::

    python benchmarks/bench_training.py [--windows N] [--input-len L] [--features F]
        [--horizon H] [--batch-size B] [--hidden N] [--layers N] [--repeats R]
        [--threads T] [--seed S]

``main(argv)`` returns the results as a dict and prints them, last line JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from typing import Any

import lightning as L
import numpy as np
import torch
from torch import nn

from seqguard.models import SequenceModel
from seqguard.training import fit_model
from seqguard.windows import ForecastWindows, WindowLoader


class TensorBatches:
    """Shuffled dict batches sliced from pre-built tensors (the same for both loops)."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, last: torch.Tensor,
                 batch_size: int, shuffle: bool, seed: int = 0) -> None:
        self.x, self.y, self.last = x, y, last
        self.mask = torch.isfinite(y)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return (len(self.x) + self.batch_size - 1) // self.batch_size

    def __iter__(self):  # type: ignore[no-untyped-def]
        n = len(self.x)
        if self.shuffle:
            g = torch.Generator().manual_seed(self.seed * 1000 + self.epoch)
            order = torch.randperm(n, generator=g)
        else:
            order = torch.arange(n)
        for a in range(0, n, self.batch_size):
            i = order[a:a + self.batch_size]
            yield {"x": self.x[i], "y": self.y[i], "y_mask": self.mask[i], "last": self.last[i]}


def make_data(windows: int, input_len: int, features: int, horizon: int, seed: int
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(windows, input_len, features, generator=g)
    last = x[:, -1, 0].clone()
    y = last[:, None] + 0.5 * torch.randn(windows, horizon, generator=g)
    y[torch.rand(windows, horizon, generator=g) < 0.05] = float("nan")
    return x, y, last


def make_table(x: torch.Tensor, y: torch.Tensor) -> WindowLoader:
    """The same number of windows as lazy ForecastWindows over one series (rows x features)."""
    n, L_in, F = x.shape
    H = y.shape[1]
    rows = n + L_in + H - 1
    X = torch.cat([x[0], x[1:, -1]], 0)[:rows - H + 1].numpy()
    X = np.concatenate([X, np.zeros((rows - len(X), F), np.float32)])
    target = X[:, 0].copy()
    target[np.random.default_rng(0).random(rows) < 0.05] = np.nan
    ds = ForecastWindows(X, target, [0, rows], L_in, H)
    return ds


def plain_epoch(model: nn.Module, loader: TensorBatches, max_steps: int | None = None
                ) -> float:
    """One epoch of a hand-written loop; returns seconds."""
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    params = list(model.parameters())
    model.train()
    t0 = time.perf_counter()
    for k, batch in enumerate(loader):
        if max_steps is not None and k >= max_steps:
            break
        pred = model(batch["x"], last=batch["last"])
        mask = batch["y_mask"]
        y = torch.where(mask, batch["y"], pred.detach())
        loss = ((pred - y).abs() * mask).sum() / mask.sum().clamp(min=1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
    return time.perf_counter() - t0


class _EpochTimer(L.Callback):
    def __init__(self) -> None:
        self.seconds = float("nan")
        self._t0 = 0.0

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: Any) -> None:
        self._t0 = time.perf_counter()

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: Any) -> None:
        self.seconds = time.perf_counter() - self._t0


def guarded_epoch(model: nn.Module, loader: TensorBatches, val: TensorBatches
                  ) -> tuple[float, float]:
    """One epoch of fit_model; returns (seconds for the call, seconds for the epoch)."""
    timer = _EpochTimer()
    t0 = time.perf_counter()
    fit_model(model, loader, val, task="forecast", epochs=1, accelerator="cpu", devices=1,
              progress=False, callbacks=[timer], seed=0)
    return time.perf_counter() - t0, timer.seconds


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--windows", type=int, default=20_000)
    ap.add_argument("--input-len", type=int, default=48)
    ap.add_argument("--features", type=int, default=16)
    ap.add_argument("--horizon", type=int, default=24)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    x, y, last = make_data(args.windows, args.input_len, args.features, args.horizon, args.seed)
    train = TensorBatches(x, y, last, args.batch_size, shuffle=True, seed=args.seed)
    val = TensorBatches(x[:args.batch_size], y[:args.batch_size], last[:args.batch_size],
                        args.batch_size, shuffle=False)
    torch.manual_seed(args.seed)
    config = {"n_features": args.features, "task": "forecast", "horizon": args.horizon,
                  "hidden": args.hidden, "layers": args.layers}
    init = SequenceModel(**config).state_dict()

    def fresh() -> nn.Module:
        m = SequenceModel(**config)
        m.load_state_dict(init)
        return m

    ds = make_table(x, y)
    lazy = WindowLoader(ds, args.batch_size, shuffle=True, seed=args.seed)

    plain_epoch(fresh(), train, max_steps=5)  # warm-up (allocator, kernels)
    guarded_epoch(fresh(), TensorBatches(x[:1280], y[:1280], last[:1280], args.batch_size,
                                         True), val)
    plain_s: list[float] = []
    call_s: list[float] = []
    epoch_s: list[float] = []
    plain_cpu: list[float] = []
    call_cpu: list[float] = []
    lazy_s: list[float] = []
    for _ in range(args.repeats):
        train.set_epoch(0)
        c0 = time.process_time()
        plain_s.append(plain_epoch(fresh(), train))
        plain_cpu.append(time.process_time() - c0)
        train.set_epoch(0)
        c0 = time.process_time()
        c, e = guarded_epoch(fresh(), train, val)
        call_cpu.append(time.process_time() - c0)
        call_s.append(c)
        epoch_s.append(e)
        lazy.set_epoch(0)
        lazy_s.append(guarded_epoch(fresh(), lazy, val)[0])
    n = args.windows
    n_lazy = len(ds)
    result = {
        "benchmark": "training_throughput",
        "windows": n, "input_len": args.input_len, "features": args.features,
        "horizon": args.horizon, "batch_size": args.batch_size, "hidden": args.hidden,
        "layers": args.layers, "threads": torch.get_num_threads(),
        "plain_windows_per_s": n / min(plain_s),
        "fit_model_windows_per_s": n / min(call_s),
        "fit_model_epoch_windows_per_s": n / min(epoch_s),
        "fit_model_windowloader_windows_per_s": n_lazy / min(lazy_s),
        "ratio": min(plain_s) / min(call_s),
        "windows_ratio": (n_lazy / min(lazy_s)) / (n / min(plain_s)),
        "epoch_ratio": min(plain_s) / min(epoch_s),
        "cpu_ratio": min(plain_cpu) / min(call_cpu),
        "target_ratio": 0.85,
        "plain_s": plain_s, "fit_model_s": call_s, "fit_model_epoch_s": epoch_s,
        "fit_model_windowloader_s": lazy_s, "plain_cpu_s": plain_cpu, "fit_model_cpu_s": call_cpu,
        "torch": torch.__version__, "lightning": L.__version__,
        "machine": platform.machine(), "python": platform.python_version(),
    }
    result["meets_target"] = result["ratio"] >= result["target_ratio"]
    print(f"plain loop : {result['plain_windows_per_s']:9.0f} windows/s")
    print(f"fit_model  : {result['fit_model_windows_per_s']:9.0f} windows/s (whole call), "
          f"{result['fit_model_epoch_windows_per_s']:.0f} (epoch only)")
    print(f"fit_model + WindowLoader: "
          f"{result['fit_model_windowloader_windows_per_s']:9.0f} windows/s "
          f"(ratio {result['windows_ratio']:.3f})")
    print(f"ratio      : {result['ratio']:.3f} (epoch only {result['epoch_ratio']:.3f}, "
          f"CPU time {result['cpu_ratio']:.3f}; target >= {result['target_ratio']})")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
