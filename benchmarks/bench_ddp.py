"""Benchmark: training throughput on 1 process against N DDP processes (gloo, CPU).

One epoch of :func:`seqguard.training.fit_model` over the same lazy
:class:`~seqguard.windows.ForecastWindows` (default 20,000 windows x input length 48
x 16 features, horizon 24; the model ``seqguard fit`` trains: a 2-layer LSTM(64)
with the residual head), global batch 256, with every guard on, as:

* ``single``: one process, ``--threads`` torch threads (default: all cores);
* ``ddp``: ``--processes`` processes started by Lightning's DDP launcher, the cores
  shared out (one torch thread each by default): each trains on its share of every
  batch and reduces the step's loss across processes.

Each is run in a fresh process, alternately, ``--repeats`` times; the best epoch time
(between ``on_train_epoch_start`` and ``on_train_epoch_end``) is reported as windows
per second, and ``ratio`` = ddp / single. On a GPU machine the same command with
``--accelerator cuda`` compares 1 GPU with N. On 2 CPU cores this shows the cost of
the path, not a speed-up: the cores are the same ones either way.

Usage::

    python benchmarks/bench_ddp.py [--windows N] [--processes P] [--repeats R]
        [--accelerator A]

``main(argv)`` returns the results as a dict and prints them, last line JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()


def _worker(out: Path, devices: int, args: argparse.Namespace) -> None:
    import lightning as L
    import numpy as np
    import torch

    from seqguard.models import SequenceModel
    from seqguard.training import fit_model
    from seqguard.windows import ForecastWindows, WindowLoader

    if args.threads:
        torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    rows = args.windows + args.input_len + args.horizon - 1
    X = rng.standard_normal((rows, args.features)).astype(np.float32)
    y = X[:, 0].copy()
    y[rng.random(rows) < 0.05] = np.nan
    part = np.zeros(rows, dtype=np.int8)
    ds = ForecastWindows(X, y, [0, rows], args.input_len, args.horizon, part=part,
                         which="train")
    val = ForecastWindows(X[:2000], y[:2000], [0, 2000], args.input_len, args.horizon)
    torch.manual_seed(0)
    model = SequenceModel(n_features=args.features, task="forecast", horizon=args.horizon,
                          hidden=64, layers=2)

    class Clock(L.Callback):
        def on_train_epoch_start(self, trainer, pl_module):
            self.t0 = time.perf_counter()

        def on_train_epoch_end(self, trainer, pl_module):
            self.seconds = time.perf_counter() - self.t0

    clock = Clock()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit_model(model, WindowLoader(ds, args.batch_size, shuffle=True),
                  WindowLoader(val, 1024), epochs=1, accelerator=args.accelerator,
                  devices=devices, strategy="ddp" if devices > 1 else "auto",
                  progress=False, callbacks=[clock])
    if int(os.environ.get("LOCAL_RANK", "0")) == 0:
        out.write_text(json.dumps({"seconds": clock.seconds, "windows": len(ds)}))


def _run(devices: int, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    out = tmp / f"d{devices}.json"
    threads = args.threads or (0 if devices == 1 else max(1, (os.cpu_count() or 2) // devices))
    cmd = [sys.executable, str(HERE), "--worker", str(out), str(devices),
           "--windows", str(args.windows), "--threads", str(threads),
           "--accelerator", args.accelerator, "--batch-size", str(args.batch_size)]
    env = {**os.environ}
    if devices > 1:
        env["OMP_NUM_THREADS"] = str(threads)
    subprocess.run(cmd, check=True, env=env, capture_output=True, text=True)
    return json.loads(out.read_text())


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--windows", type=int, default=20_000)
    p.add_argument("--input-len", type=int, default=48)
    p.add_argument("--horizon", type=int, default=24)
    p.add_argument("--features", type=int, default=16)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--accelerator", default="cpu")
    p.add_argument("--worker", nargs=2, default=None, help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = _parser().parse_args(argv)
    if args.worker:
        _worker(Path(args.worker[0]), int(args.worker[1]), args)
        return {}
    best = {"single": float("inf"), "ddp": float("inf")}
    n = args.windows
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeats):
            for name, devices in (("single", 1), ("ddp", args.processes)):
                r = _run(devices, args, Path(tmp))
                best[name] = min(best[name], r["seconds"])
                n = r["windows"]
    result = {"windows": n, "processes": args.processes, "accelerator": args.accelerator,
              "single_windows_per_s": round(n / best["single"]),
              "ddp_windows_per_s": round(n / best["ddp"]),
              "ratio": round(best["single"] / best["ddp"], 3)}
    print(f"one epoch of {n:,} windows: 1 process {result['single_windows_per_s']:,}/s, "
          f"{args.processes} DDP processes {result['ddp_windows_per_s']:,}/s "
          f"(ratio {result['ratio']})")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
