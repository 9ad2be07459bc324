"""One guarded ``fit_model`` run, for tests/test_distributed.py.

Run as ``python ddp_fit.py OUT_DIR DEVICES [NAN_RANK NAN_STEP]``: with DEVICES > 1,
Lightning's DDP launcher starts this same script once more per extra process
(gloo on 127.0.0.1, CPU). Each process writes ``OUT_DIR/rank-R.json``: its history,
guard events, the windows it trained on, and a hash of its final weights. With
NAN_RANK, the model returns NaN at training step NAN_STEP on that process only.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import warnings
from pathlib import Path

import lightning as L
import numpy as np
import torch
from torch import nn

from seqguard.errors import InputError
from seqguard.training import FitInterrupted, fit_model
from seqguard.windows import ForecastWindows, WindowLoader

N, F, LEN, H = 700, 3, 12, 2


class Tiny(nn.Module):
    def __init__(self, nan_step: int | None) -> None:
        super().__init__()
        self.rnn = nn.LSTM(F, 8, batch_first=True)
        self.head = nn.Linear(8, H)
        self.nan_step = nan_step
        self.calls = 0

    def forward(self, x, last=None, lengths=None):
        if self.training:
            self.calls += 1
        out, _ = self.rnn(x)
        pred = self.head(out[:, -1]) + last[:, None]
        if self.training and self.calls == self.nan_step:
            pred = pred * float("nan")
        return pred


class Seen(L.Callback):
    """The window numbers this process trained on, per epoch."""

    def __init__(self) -> None:
        self.epochs: list[list[int]] = []
        self.batches = 0

    def on_train_epoch_start(self, trainer, pl_module):
        self.epochs.append([])

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        self.epochs[-1].extend(batch["window"].tolist())
        self.batches += 1
        if self.batches == self.sigterm_at:
            os.kill(os.getpid(), signal.SIGTERM)

    sigterm_at: int | None = None


class Numbered(ForecastWindows):
    """Forecast windows whose batches also carry the window numbers."""

    bad_step: int | None = None  # this process's training batch with a NaN input
    calls = 0

    def gather(self, idx):
        out = super().gather(idx)
        out["window"] = torch.as_tensor(np.asarray(idx))
        Numbered.calls += 1
        if Numbered.calls == self.bad_step:
            out["x"] = out["x"].clone()
            out["x"][0, 0, 1] = float("nan")
        return out


def main() -> None:
    out, devices = Path(sys.argv[1]), int(sys.argv[2])
    nan_rank = int(sys.argv[3]) if len(sys.argv) > 3 else -1
    nan_step = int(sys.argv[4]) if len(sys.argv) > 4 else None
    rank = int(os.environ.get("LOCAL_RANK", "0"))
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, F)).astype(np.float32)
    y = (np.sin(np.arange(N) / 5) + 0.3 * X[:, 0]).astype(np.float32)
    part = np.zeros(N, dtype=np.int8)
    part[560:] = 1
    train = WindowLoader(Numbered(X, y, [0, N], LEN, H, part=part, which="train"), 64,
                         shuffle=True, seed=3)
    val = WindowLoader(ForecastWindows(X, y, [0, N], LEN, H, part=part, which="val"), 128)
    if int(os.environ.get("DDP_NAN_INPUT_RANK", "-1")) == rank:
        Numbered.bad_step = 3
    if os.environ.get("DDP_TORCH_LOADER"):
        train = train.torch_loader()
    torch.manual_seed(0)
    model = Tiny(nan_step if rank == nan_rank else None)
    seen = Seen()
    if int(os.environ.get("DDP_SIGTERM_RANK", "-1")) == rank:
        seen.sigterm_at = int(os.environ.get("DDP_SIGTERM_AT", "5"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ckpt = os.environ.get("DDP_CHECKPOINTS")
        try:
            result = fit_model(model, train, val, epochs=3, patience=10, seed=1, lr=5e-3,
                               checkpoint_dir=ckpt, resume=bool(os.environ.get("DDP_RESUME")),
                               accelerator="cpu", devices=devices,
                               precision=os.environ.get("DDP_PRECISION", "32"),
                               strategy="ddp" if devices > 1 else "auto", progress=False,
                               callbacks=[seen])
        except FitInterrupted as exc:
            (out / f"rank-{rank}.json").write_text(json.dumps({
                "rank": rank, "interrupted": exc.signum, "batches": seen.batches}))
            raise SystemExit(143) from None
        except InputError as exc:
            (out / f"rank-{rank}.json").write_text(json.dumps({"rank": rank,
                                                               "error": str(exc)}))
            raise SystemExit(2) from None
    digest = hashlib.sha256()
    for k, v in sorted(model.state_dict().items()):
        digest.update(k.encode())
        digest.update(v.detach().cpu().numpy().tobytes())
    record = {"rank": rank, "world": devices, "n_train": len(train.dataset),
              "history": result.history[["epoch", "train_loss", "val_loss", "lr",
                                         "skipped_steps"]].to_dict("list"),
              "events": [{k: e[k] for k in ("epoch", "step", "guard", "reason")}
                         for e in result.events],
              "seen": seen.epochs, "weights": digest.hexdigest(),
              "best_val_loss": result.best_val_loss}
    (out / f"rank-{rank}.json").write_text(json.dumps(record))


if __name__ == "__main__":
    main()
