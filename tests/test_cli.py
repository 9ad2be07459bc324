"""The `seqguard` command: exit codes, one-line errors, JSON output, --config."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import assert_one_error_line, run_cli


def small_csv(path: Path, rows: int = 60, constant_target: bool = False) -> Path:
    lines = ["time,x,y"]
    for i in range(rows):
        y = 5.0 if constant_target else float(i % 7)
        lines.append(f"2021-01-{1 + i // 24:02d} {i % 24:02d}:00:00,{i * 0.5},{y}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_audit_beijing_text(beijing_path, capsys):
    code, out, _ = run_cli(["audit", str(beijing_path), "--time-col", "year,month,day,hour",
                            "--target", "pm2.5"], capsys)
    assert code == 0
    assert "2067" in out and "leading run of 24" in out and "pm2.5" in out


def test_audit_beijing_json(beijing_path, capsys):
    code, out, _ = run_cli(["audit", str(beijing_path), "--target", "pm2.5",
                            "--format", "json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["counts"]["error"] == 0
    lead = [f for f in doc["findings"] if f["code"] == "leading_missing"
            and f["column"] == "pm2.5"]
    assert lead and lead[0]["evidence"]["leading_run"] == 24


def test_audit_exit_3_on_constant_target(tmp_path, capsys):
    p = small_csv(tmp_path / "c.csv", constant_target=True)
    code, out, _ = run_cli(["audit", str(p), "--target", "y", "--format", "json"], capsys)
    assert code == 3
    assert any(f["code"] == "target_constant" for f in json.loads(out)["findings"])


def test_audit_quiet_hides_notes(tmp_path, capsys):
    p = small_csv(tmp_path / "d.csv")
    _, loud, _ = run_cli(["audit", str(p), "--target", "y"], capsys)
    _, quiet, _ = run_cli(["audit", str(p), "--target", "y", "--quiet"], capsys)
    assert loud.count("│ info") >= quiet.count("│ info") == 0


@pytest.mark.parametrize("args,words", [
    (["audit", "nope.csv"], ["nope.csv", "does not exist"]),
    (["audit", "{csv}", "--target", "yy"], ["'yy'", "Did you mean 'y'?"]),
    (["audit", "{csv}", "--format", "jsn"], ["jsn", "Did you mean 'json'?"]),
    (["audit", "{csv}", "--duplicates", "avg"], ["avg"]),
    (["audit", "{csv}", "--no-such-option"], ["--no-such-option"]),
    (["audit"], ["DATA"]),
    (["frobnicate"], ["frobnicate"]),
], ids=["missing-file", "unknown-target", "bad-format", "bad-duplicates", "unknown-option",
        "missing-argument", "unknown-command"])
def test_usage_errors_exit_2_with_one_line(tmp_path, capsys, args, words):
    p = small_csv(tmp_path / "d.csv")
    args = [a.replace("{csv}", str(p)) for a in args]
    code, _, err = run_cli(args, capsys)
    assert_one_error_line(code, err, *words)


def test_config_file_gives_options_and_command_line_wins(tmp_path, capsys):
    p = small_csv(tmp_path / "d.csv", constant_target=True)
    cfg = tmp_path / "run.toml"
    cfg.write_text('target = "y"\nformat = "json"\n')
    code, out, _ = run_cli(["audit", str(p), "--config", str(cfg)], capsys)
    assert code == 3 and json.loads(out)["summary"]["target"] == "y"
    code, out, _ = run_cli(["audit", str(p), "--config", str(cfg), "--target", "x"], capsys)
    assert code == 0 and json.loads(out)["summary"]["target"] == "x"


def test_config_unknown_key(tmp_path, capsys):
    p = small_csv(tmp_path / "d.csv")
    cfg = tmp_path / "run.toml"
    cfg.write_text('targt = "y"\n')
    code, _, err = run_cli(["audit", str(p), "--config", str(cfg)], capsys)
    assert_one_error_line(code, err, "targt", "Did you mean 'target'?")


def test_config_not_toml(tmp_path, capsys):
    p = small_csv(tmp_path / "d.csv")
    cfg = tmp_path / "run.toml"
    cfg.write_text("this is = = not toml")
    code, _, err = run_cli(["audit", str(p), "--config", str(cfg)], capsys)
    assert_one_error_line(code, err, "run.toml", "not valid TOML")


def test_console_script_runs_without_traceback(tmp_path):
    exe = Path(sys.executable).with_name("seqguard")
    proc = subprocess.run([str(exe), "audit", str(tmp_path / "missing.csv")],
                          check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: file") and "Traceback" not in proc.stderr


# ----------------------------------------------------------------- tag and classify
def tag_csv(path: Path, rows: int = 300) -> Path:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    x = rng.normal(size=rows)
    y = 2 * x + rng.normal(0, 0.1, rows)
    y[rng.random(rows) < 0.1] = np.nan
    pd.DataFrame({"time": pd.date_range("2021-01-01", periods=rows, freq="h"), "x": x,
                  "y": y}).to_csv(path, index=False)
    return path


def classify_csv(path: Path, n_series: int = 36) -> Path:
    import numpy as np

    rng = np.random.default_rng(0)
    lines = ["id,t,x,label"]
    for s in range(n_series):
        label = ("low", "mid", "high")[s % 3]
        centre = {"low": -2.0, "mid": 0.0, "high": 2.0}[label]
        for i in range(int(rng.integers(8, 20))):
            lines.append(f"s{s:02d},{i},{rng.normal(centre, 1.0):.4f},{label}")
    path.write_text("\n".join(lines) + "\n")
    return path


_SMALL = ["--epochs", "2", "--hidden", "8", "--layers", "1", "--quiet"]


def test_cli_tag_fit_evaluate_predict(tmp_path, capsys):
    from seqguard.metrics import TAG_KEYS

    data = tag_csv(tmp_path / "tag.csv")
    out = tmp_path / "run"
    code, _, err = run_cli(["fit", str(data), "--target", "y", "--task", "tag",
                            "--input-len", "12", "--batch-size", "32", *_SMALL,
                            "--out", str(out)], capsys)
    assert code == 0, err
    metrics = json.loads((out / "metrics.json").read_text())
    assert tuple(metrics) == TAG_KEYS and metrics["task"] == "tag"
    assert set(metrics["baselines"]) <= {"climatology", "mean"} and metrics["horizon"] is None
    code, text, _ = run_cli(["evaluate", str(out), str(data), "--format", "json"], capsys)
    observed = sum(1 for line in data.read_text().splitlines()[1:] if line.split(",")[2])
    assert code == 0 and json.loads(text)["n_windows"]["test"] == observed  # once a step
    code, text, _ = run_cli(["evaluate", str(out), str(data)], capsys)
    assert code == 0 and "skill vs the training mean" in text
    pred = tmp_path / "pred.csv"
    code, _, _ = run_cli(["predict", str(out), str(data), "--out", str(pred)], capsys)
    lines = pred.read_text().splitlines()
    assert code == 0 and lines[0] == "series,time,prediction,observed" and len(lines) == 301
    code, _, err = run_cli(["predict", str(out), str(data), "--future"], capsys)
    assert_one_error_line(code, err, "--future", "tag run")


def test_cli_classify_fit_evaluate_predict(tmp_path, capsys):
    from seqguard.metrics import CLASSIFICATION_KEYS

    data = classify_csv(tmp_path / "cls.csv")
    out = tmp_path / "run"
    code, text, err = run_cli(["fit", str(data), "--target", "label", "--task", "classify",
                               "--series-col", "id", "--time-col", "t", "--batch-size", "8",
                               *_SMALL, "--out", str(out)], capsys)
    assert code == 0, err
    metrics = json.loads((out / "metrics.json").read_text())
    assert tuple(metrics) == CLASSIFICATION_KEYS
    assert metrics["classes"] == ["high", "low", "mid"] and metrics["n_classes"] == 3
    for key in ("accuracy", "roc_auc", "pr_auc", "log_loss"):
        assert isinstance(metrics["test"][key], float), key
    code, text, _ = run_cli(["evaluate", str(out), str(data)], capsys)
    assert code == 0 and "accuracy" in text and "majority class" in text
    code, text, _ = run_cli(["evaluate", str(out), str(data), "--format", "json"], capsys)
    assert code == 0 and json.loads(text)["n_windows"]["test"] == 36
    code, text, _ = run_cli(["predict", str(out), str(data)], capsys)
    lines = text.splitlines()
    assert code == 0 and len(lines) == 37
    assert lines[0] == "series,prediction,proba_high,proba_low,proba_mid,observed"
    assert lines[1].split(",")[1] in {"high", "low", "mid"}


@pytest.mark.parametrize("extra,words", [
    (["--time-col", "t"], ["--task classify", "--series-col"]),
    (["--series-col", "id", "--time-col", "t", "--target", "x"],
     ["column 'x'", "varies within series 's00'", "--task tag"]),
    (["--series-col", "id", "--time-col", "t", "--target", "lable"],
     ["'lable'", "Did you mean 'label'?"]),
], ids=["no-series-col", "label-varies", "unknown-label-column"])
def test_cli_classify_input_errors_exit_2_and_write_nothing(tmp_path, capsys, extra, words):
    data = classify_csv(tmp_path / "cls.csv", n_series=9)
    out = tmp_path / "run"
    args = ["fit", str(data), "--target", "label", "--task", "classify", *_SMALL,
            "--out", str(out), *extra]
    code, _, err = run_cli(args, capsys)
    assert_one_error_line(code, err, *words)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cls.csv"]


def test_cli_classify_training_failure_exits_4(tmp_path, capsys, monkeypatch):
    import seqguard.training

    def always_fails(*args, **kwargs):
        raise seqguard.TrainingFailed("the loss stayed non-finite after 5 rollbacks. "
                                      "Lower --lr.")

    monkeypatch.setattr(seqguard.training, "fit_model", always_fails)
    data = classify_csv(tmp_path / "cls.csv", n_series=24)
    out = tmp_path / "run"
    code, _, err = run_cli(["fit", str(data), "--target", "label", "--task", "classify",
                            "--series-col", "id", "--time-col", "t", "--quiet",
                            "--out", str(out)], capsys)
    assert code == 4 and err.strip().splitlines()[-1].startswith("error: the loss stayed")
    assert not (out / "model.safetensors").exists()
    assert "non-finite" in json.loads((out / "diagnosis.json").read_text())["error"]


def test_cli_predict_future_hourly(tmp_path, capsys):
    import pandas as pd

    data = tag_csv(tmp_path / "d.csv", rows=200)
    out = tmp_path / "run"
    code, _, err = run_cli(["fit", str(data), "--target", "y", "--input-len", "12",
                            "--horizon", "4", *_SMALL, "--out", str(out)], capsys)
    assert code == 0, err
    pred = tmp_path / "future.csv"
    code, _, err = run_cli(["predict", str(out), str(data), "--future", "--out", str(pred)],
                           capsys)
    assert code == 0, err
    frame = pd.read_csv(pred, parse_dates=["origin", "time"])
    last = pd.Timestamp("2021-01-01") + pd.Timedelta(hours=199)
    assert (frame["origin"] == last).all() and list(frame["horizon"]) == [1, 2, 3, 4]
    assert list(frame["time"]) == [last + pd.Timedelta(hours=h) for h in range(1, 5)]
    assert frame["observed"].isna().all() and frame["prediction"].notna().all()


@pytest.mark.parametrize("extra,words", [
    (["--lags", "1"], ["--lags uses the target 'y'", "--task tag", "never an input"]),
    (["--rolling", "y:3"], ["--rolling uses the target 'y'"]),
], ids=["target-lags", "target-rolling"])
def test_cli_tag_target_features_exit_2_and_write_nothing(tmp_path, capsys, extra, words):
    data = tag_csv(tmp_path / "tag.csv", rows=60)
    code, _, err = run_cli(["fit", str(data), "--target", "y", "--task", "tag", *_SMALL,
                            "--out", str(tmp_path / "run"), *extra], capsys)
    assert_one_error_line(code, err, *words)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tag.csv"]
