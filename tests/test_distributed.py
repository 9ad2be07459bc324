"""Distributed training (DDP) on 2 CPU processes: gloo on 127.0.0.1.

Every process trains on its share of each batch (the union is one epoch), reads the
same reduced loss, agrees on every guard decision (a NaN on rank 1 only rolls back
both ranks in the same step) and ends with the same weights; the result is that of a
single process within tolerance.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from seqguard.windows import WindowBatchSampler

SCRIPT = Path(__file__).parent / "scripts" / "ddp_fit.py"


# --------------------------------------------------------------------- the shards
@pytest.mark.parametrize("n, bs, world", [(100, 16, 2), (101, 16, 3), (5, 4, 4), (3, 8, 4)])
def test_the_shards_of_an_epoch_are_the_epoch(n, bs, world):
    epochs = []
    for rank in range(world):
        s = WindowBatchSampler(n, bs, shuffle=True, seed=7)
        s.set_shard(rank, world)
        s.set_epoch(2)
        epochs.append(list(s))
    assert len({len(e) for e in epochs}) == 1  # the same number of steps everywhere
    assert all(len(b) > 0 for e in epochs for b in e)
    whole = WindowBatchSampler(n, bs, shuffle=True, seed=7)
    whole.set_epoch(2)
    for k, batch in enumerate(whole):  # each global batch is split across the ranks
        parts = np.concatenate([e[k] for e in epochs])
        if len(batch) >= world:
            assert sorted(parts.tolist()) == sorted(batch.tolist())
        else:  # topped up with the epoch's first windows
            assert set(batch.tolist()) <= set(parts.tolist()) and len(parts) == world
    seen = np.concatenate([b for e in epochs for b in e])
    assert set(seen.tolist()) == set(range(n))


def test_a_shard_must_be_one_of_the_processes():
    s = WindowBatchSampler(10, 4)
    for rank, world in [(2, 2), (-1, 2), (0, 0)]:
        with pytest.raises(ValueError, match="rank"):
            s.set_shard(rank, world)


# --------------------------------------------------------------------- 2 processes
def _run(tmp_path: Path, devices: int, *extra: str, env: dict | None = None) -> list[dict]:
    out = tmp_path / f"d{devices}{'-'.join(extra)}{'t' if env else ''}"
    out.mkdir()
    run_env = {**os.environ, "OMP_NUM_THREADS": "1", **(env or {})}
    for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "NODE_RANK", "MASTER_PORT"):
        run_env.pop(name, None)
    proc = subprocess.run([sys.executable, str(SCRIPT), str(out), str(devices), *extra],
                          capture_output=True, text=True, env=run_env, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = [json.loads((out / f"rank-{r}.json").read_text()) for r in range(devices)]
    assert [r["rank"] for r in records] == list(range(devices))
    return records


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("single"), 1)[0]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("pair"), 2)


def test_two_processes_share_every_epoch_and_end_the_same(pair):
    r0, r1 = pair
    for e0, e1 in zip(r0["seen"], r1["seen"]):
        assert not set(e0) & set(e1)  # no window trained twice in an epoch
        assert sorted(e0 + e1) == list(range(r0["n_train"]))  # every window once
        assert abs(len(e0) - len(e1)) <= len(r0["seen"])
    assert r0["history"] == r1["history"]  # the same reduced numbers on both
    assert r0["weights"] == r1["weights"]
    assert r0["best_val_loss"] == r1["best_val_loss"]


def test_two_processes_train_like_one(pair, single):
    assert len(single["seen"][0]) == single["n_train"]
    h1, h2 = single["history"], pair[0]["history"]
    assert len(h1["epoch"]) == len(h2["epoch"]) == 3
    # the same global batches and seed: the same path within float noise and the
    # per-process weighting of the mean loss
    np.testing.assert_allclose(h2["train_loss"], h1["train_loss"], rtol=0.05)
    np.testing.assert_allclose(h2["val_loss"], h1["val_loss"], rtol=0.05)
    assert pair[0]["best_val_loss"] < h1["val_loss"][0] * 1.2


def test_a_nan_on_rank_1_only_rolls_back_both_ranks_in_the_same_step(tmp_path):
    r0, r1 = _run(tmp_path, 2, "1", "4")
    rollbacks = [[e for e in r["events"] if e["guard"] == "NonFiniteGuard"] for r in (r0, r1)]
    assert rollbacks[0] == rollbacks[1]
    assert len(rollbacks[0]) == 1
    assert rollbacks[0][0]["step"] == 4 and rollbacks[0][0]["reason"] == "non_finite_loss"
    assert r0["weights"] == r1["weights"] and r0["history"] == r1["history"]
    assert r0["history"]["lr"][0] == pytest.approx(5e-4)  # lowered on both
    assert r0["history"]["skipped_steps"][0] == 1


def test_the_torch_loader_is_sharded_too_and_bf16_mixed_agrees(tmp_path):
    r0, r1 = _run(tmp_path, 2, env={"DDP_TORCH_LOADER": "1", "DDP_PRECISION": "bf16-mixed"})
    for e0, e1 in zip(r0["seen"], r1["seen"]):
        assert sorted(e0 + e1) == list(range(r0["n_train"]))
    assert r0["weights"] == r1["weights"] and r0["history"] == r1["history"]
    assert all(np.isfinite(r0["history"]["val_loss"]))


def test_a_nan_input_on_rank_1_stops_both_ranks_with_one_clear_error(tmp_path):
    out = tmp_path / "bad"
    out.mkdir()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "DDP_NAN_INPUT_RANK": "1"}
    proc = subprocess.run([sys.executable, str(SCRIPT), str(out), "2"], capture_output=True,
                          text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 2, proc.stderr[-3000:]
    r0 = json.loads((out / "rank-0.json").read_text())
    assert "another training process" in r0["error"] and "batch index 2" in r0["error"]
    assert "Traceback" not in proc.stderr


def test_sigterm_on_rank_1_only_stops_both_after_the_same_step_and_resume_is_exact(
        tmp_path, pair):
    ckpt = str(tmp_path / "ckpt")
    out = tmp_path / "stopped"
    out.mkdir()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "DDP_SIGTERM_RANK": "1",
           "DDP_SIGTERM_AT": "12", "DDP_CHECKPOINTS": ckpt}  # in epoch 2 (9 steps each)
    proc = subprocess.run([sys.executable, str(SCRIPT), str(out), "2"], capture_output=True,
                          text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 143, proc.stderr[-3000:]
    r0, r1 = (json.loads((out / f"rank-{r}.json").read_text()) for r in (0, 1))
    assert r0["interrupted"] == r1["interrupted"] == 15
    assert r0["batches"] == r1["batches"] == 12  # rank 0 stopped after rank 1's step
    assert sorted(p.name for p in Path(ckpt).iterdir()) == ["epoch-0001.json",
                                                          "epoch-0001.safetensors"]
    r0, r1 = _run(tmp_path, 2, env={"DDP_CHECKPOINTS": ckpt, "DDP_RESUME": "1"})
    assert r0["weights"] == r1["weights"] == pair[0]["weights"]
    assert r0["history"] == pair[0]["history"]


# --------------------------------------------------------------------- the command line
def _forecast_csv(path: Path) -> Path:
    import pandas as pd

    rng = np.random.default_rng(0)
    frames = []
    for s in range(3):
        n = 240
        t = np.arange(n)
        frames.append(pd.DataFrame({
            "site": f"s{s}", "time": pd.date_range("2021-01-01", periods=n, freq="h"),
            "x": rng.normal(size=n),
            "y": np.sin(t / 4 + s) + 0.05 * s * t / n + rng.normal(0, 0.1, n)}))
    pd.concat(frames).to_csv(path, index=False)
    return path


def _fit_cli(args: list[str], devices: int) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("seqguard")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    extra = ["--devices", str(devices)] + (["--strategy", "ddp"] if devices > 1 else [])
    proc = subprocess.run([str(exe), *args, *extra], capture_output=True, text=True, env=env,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    return proc


@pytest.mark.parametrize("task", ["forecast", "classify"])
def test_fit_on_two_processes_gives_one_complete_run_like_one_process(tmp_path, task):
    from test_cli import classify_csv

    from seqguard.artifact import load_run, verify_run

    if task == "forecast":
        data = _forecast_csv(tmp_path / "many.csv")
        args = ["fit", str(data), "--target", "y", "--series-col", "site", "--input-len", "12",
                "--horizon", "3", "--epochs", "3", "--hidden", "16", "--batch-size", "32"]
        keys = ("mae", "rmse")
    else:
        data = classify_csv(tmp_path / "cls.csv", n_series=120)
        args = ["fit", str(data), "--target", "label", "--task", "classify", "--series-col",
                "id", "--time-col", "t", "--epochs", "3", "--hidden", "16", "--layers", "1",
                "--batch-size", "16"]
        keys = ("accuracy", "log_loss")
    runs = {}
    for devices in (1, 2):
        out = tmp_path / f"run{devices}"
        proc = _fit_cli([*args, "--out", str(out)], devices)
        assert verify_run(out) == [], devices
        runs[devices] = json.loads((out / "metrics.json").read_text())
        assert load_run(out) is not None
        if devices == 2:
            # rank 1 showed nothing: one "epoch" line per epoch, from rank 0
            assert proc.stderr.count("epoch 1/3") == 1, proc.stderr
            hardware = json.loads((out / "pipeline.json").read_text())["hardware"]
            assert hardware["world_size"] == 2 and hardware["strategy"] == "DDPStrategy"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("run")) == \
        ["run1", "run2"]  # no lock, no temporary folder left
    one, two = runs[1]["test"], runs[2]["test"]
    print({k: (one[k], two[k]) for k in keys})
    for k in keys:
        assert two[k] == pytest.approx(one[k], rel=0.1), k
    assert runs[1]["n_windows"] == runs[2]["n_windows"]


def test_fit_under_torchrun_writes_one_run_and_rank_1_stays_quiet(tmp_path):
    """docs/scaling.md's torchrun command: torchrun starts both processes, Lightning
    takes its world from them (TorchElasticEnvironment) and launches nothing."""
    from seqguard.artifact import verify_run

    data = _forecast_csv(tmp_path / "many.csv")
    out = tmp_path / "run"
    exe = Path(sys.executable).with_name("seqguard")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
         "--master-port", "29517", str(exe), "fit", str(data), "--target", "y",
         "--series-col", "site", "--input-len", "12", "--horizon", "3", "--epochs", "2",
         "--hidden", "8", "--devices", "2", "--strategy", "ddp", "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert verify_run(out) == []
    assert json.loads((out / "pipeline.json").read_text())["hardware"]["world_size"] == 2
    both = proc.stdout + proc.stderr
    assert both.count("audit of ") == 1 and both.count("epoch 2/2") == 1, both


def test_num_nodes_goes_to_lightning_and_is_recorded():
    from seqguard.errors import ParameterError
    from seqguard.training.devices import resolve_devices

    hw = resolve_devices("Forecaster", accelerator="cpu", devices=2, strategy="ddp",
                         precision="32-true", num_nodes=3)
    assert (hw["num_nodes"], hw["world_size"], hw["strategy"]) == (3, 6, "DDPStrategy")
    with pytest.raises(ParameterError, match="num_nodes"):
        resolve_devices("Forecaster", accelerator="cpu", devices=1, strategy="auto",
                        precision="32-true", num_nodes=0)


def test_num_nodes_below_one_is_one_clear_cli_error(tmp_path, capsys):
    from cli_helpers import assert_one_error_line, run_cli

    data = _forecast_csv(tmp_path / "many.csv")
    code, _, err = run_cli(["fit", str(data), "--target", "y", "--num-nodes", "0", "--out",
                            str(tmp_path / "run")], capsys)
    assert_one_error_line(code, err, "--num-nodes", "0")
    assert not (tmp_path / "run").exists()
