"""Forecaster end to end: fit, save, load, predict reproduces evaluate, CLI exit codes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import seqguard
from seqguard import ArtifactError, Forecaster
from seqguard.cli import main


def driven_series(n: int = 700, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = np.zeros(n)
    y = np.zeros(n)
    for i in range(1, n):
        x[i] = 0.9 * x[i - 1] + rng.normal()
        y[i] = 0.6 * y[i - 1] + 2.0 * x[max(i - 3, 0)] + 3 * np.sin(2 * np.pi * i / 24) \
            + rng.normal(0, 0.5)
    x[rng.random(n) < 0.05] = np.nan
    time = pd.date_range("2021-01-01", periods=n, freq="h")
    return pd.DataFrame({"time": time, "x": x, "y": y})


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    df = driven_series()
    f = Forecaster("y", input_len=24, horizon=6, epochs=4, hidden=16, layers=1,
                   progress=False, read_options={"time_col": "time"})
    f.fit(df)
    run = tmp_path_factory.mktemp("runs") / "run"
    f.save(run)
    return f, df, run


def test_metrics_follow_the_contract(fitted):
    f, _, _ = fitted
    m = f.metrics_
    assert m["task"] == "forecast" and m["horizon"] == 6 and len(m["test"]["by_horizon"]) == 6
    assert set(m["baselines"]) == {"persistence", "seasonal_naive", "mean"}
    assert np.isfinite(m["test"]["mae"]) and m["n_windows"]["test"] > 50
    skill = 1 - m["test"]["mae"] / m["baselines"]["persistence"]["mae"]
    assert m["skill_vs_persistence"] == pytest.approx(skill)
    json.dumps(m, allow_nan=False)


def test_loaded_run_predicts_identically(fitted):
    f, df, run = fitted
    again = seqguard.load(run)
    a, b = f.predict(df), again.predict(df)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["series", "origin", "time", "horizon", "prediction", "observed"]
    assert np.isfinite(a["prediction"]).all()


def test_predict_reproduces_evaluate(fitted):
    f, df, _ = fitted
    pred = f.predict(df)
    scores = f.evaluate(df)
    seen = pred.dropna(subset=["observed"])
    mae = float(np.mean(np.abs(seen["prediction"] - seen["observed"])))
    assert mae == pytest.approx(scores["test"]["mae"], rel=1e-9)


def test_tampered_weights_are_refused(fitted, tmp_path):
    _, _, run = fitted
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(run, bad)
    with open(bad / "model.safetensors", "r+b") as fh:
        fh.seek(200)
        byte = fh.read(1)
        fh.seek(200)
        fh.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ArtifactError, match="model.safetensors"):
        seqguard.load(bad)


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def test_cli_fit_predict_evaluate(tmp_path, capsys):
    data = tmp_path / "d.csv"
    driven_series(400).to_csv(data, index=False)
    out = tmp_path / "run"
    code, text, err = run_cli(["fit", str(data), "--target", "y", "--input-len", "24",
                               "--horizon", "3", "--epochs", "2", "--hidden", "8",
                               "--layers", "1", "--quiet", "--out", str(out)], capsys)
    assert code == 0, err
    assert (out / "MANIFEST.json").exists() and not list(tmp_path.glob(".run.checkpoints"))
    code, text, _ = run_cli(["evaluate", str(out), str(data), "--format", "json"], capsys)
    assert code == 0 and json.loads(text)["test"]["mae"] > 0
    # an existing run is not overwritten without --overwrite
    code, _, err = run_cli(["fit", str(data), "--target", "y", "--out", str(out)], capsys)
    assert code == 2 and "already holds a seqguard run" in err and "--overwrite" in err


def test_cli_training_failure_exits_4(tmp_path, capsys, monkeypatch):
    import seqguard.training

    def always_fails(*args, **kwargs):
        raise seqguard.TrainingFailed("the loss stayed non-finite after 5 rollbacks "
                                      "(lr 1e-3 down to 1e-8). Lower --lr.")

    monkeypatch.setattr(seqguard.training, "fit_model", always_fails)
    data = tmp_path / "d.csv"
    driven_series(300).to_csv(data, index=False)
    out = tmp_path / "run"
    code, _, err = run_cli(["fit", str(data), "--target", "y", "--input-len", "12",
                            "--horizon", "1", "--quiet", "--out", str(out)], capsys)
    assert code == 4
    assert err.strip().splitlines()[-1] == ("error: the loss stayed non-finite after 5 "
                                            "rollbacks (lr 1e-3 down to 1e-8). Lower --lr.")
    assert not (out / "model.safetensors").exists()
    assert "non-finite" in json.loads((out / "diagnosis.json").read_text())["error"]
