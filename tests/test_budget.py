"""The training budget (batch_size="auto", "train longer"), given splits, and messages.

Issue 10 items 6, 7, 8a, 8c: a batch size that gives small data sets several optimiser
steps per epoch; a warning with the fix when the loss is still falling at the last
epoch; ``--test-data`` / ``--val-data`` for a test or validation set of its own; an
empty part named with its option; class labels (not codes) and CLI spellings in
messages.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_helpers import assert_one_error_line, run_cli

import seqguard
from seqguard.errors import DataWarning, InputError, TrainingWarning
from seqguard.training import resolve_batch_size, steps_per_epoch, still_improving

_TINY = {"hidden": 8, "layers": 1, "progress": False}
_CLI_TINY = ["--epochs", "1", "--hidden", "8", "--layers", "1"]


def sequences(n_series: int, seed: int = 0, labels=(0, 1)) -> pd.DataFrame:
    """Variable-length sequences whose mean says the class."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_series):
        k = s % len(labels)
        x = rng.normal(1.5 * k, 1.0, int(rng.integers(6, 14)))
        rows += [(f"s{s:03d}", i, float(v), labels[k]) for i, v in enumerate(x)]
    return pd.DataFrame(rows, columns=["id", "t", "x", "label"])


def sine(n: int = 240, phase: float = 0.0) -> pd.DataFrame:
    t = np.arange(n)
    return pd.DataFrame({"time": pd.date_range("2021-01-01", periods=n, freq="h"),
                         "y": np.sin(t / 4 + phase) + 0.05 * np.cos(t / 7)})


_CLS_READ = {"time_col": "t", "series_col": "id"}


# ----------------------------------------------------------------- batch size
def test_auto_rule_caps_large_data_at_64_and_gives_small_data_steps():
    # the Beijing demo's training windows: 64 since docs/training.md's measurements (was 256)
    assert resolve_batch_size("auto", 30_600) == 64
    b = resolve_batch_size("auto", 188)
    assert b == 16 and steps_per_epoch(188, b) == 12  # was 256: one step an epoch
    assert resolve_batch_size("auto", 2_000) == 32 and steps_per_epoch(2_000, 32) >= 32
    assert resolve_batch_size("auto", 3) == 16
    assert resolve_batch_size(512, 188) == 512  # an integer is used as given (the demo)


@pytest.mark.parametrize("bad", [0, -4, 2.5, "big", True])
def test_bad_batch_size_is_named_with_its_option(bad):
    with pytest.raises(InputError, match=r"'batch_size' option \(--batch-size\) must be "
                                         r"'auto' or an integer >= 1"):
        resolve_batch_size(bad, 100)


def test_default_batch_gives_a_small_classification_set_several_steps():
    df = sequences(120)
    c = seqguard.SequenceClassifier("label", epochs=1, read_options=_CLS_READ, **_TINY)
    assert c.get_params()["batch_size"] == "auto"
    c.fit(df)
    assert c.get_params()["batch_size"] == "auto"  # resolved apart, never written over
    n_train = c.n_windows_["train"]
    assert 60 <= n_train < 120
    assert c._batch_size == 16 == c.budget_["batch_size"] and c.budget_["auto"] is True
    assert c.budget_["steps_per_epoch"] == -(-n_train // 16) > 1
    assert c.budget_["n_train"] == n_train


def test_budget_is_saved_and_loaded(tmp_path):
    f = seqguard.Forecaster("y", input_len=12, horizon=2, epochs=1, batch_size=64,
                            **_TINY).fit(sine(120))
    assert f._batch_size == 64 and f.budget_["auto"] is False
    f.save(tmp_path / "run")
    again = seqguard.load(tmp_path / "run")
    assert again.budget_ == json.loads(json.dumps(f.budget_))
    assert again.get_params()["batch_size"] == 64


# ----------------------------------------------------------------- train longer
def test_still_improving_is_a_finding_and_a_warning_when_epochs_are_too_few():
    # on persistence (the hourly sine's best baseline would be its season, a start the
    # two epochs need not improve on): a fit that learns, with too few epochs
    f = seqguard.Forecaster("y", input_len=12, horizon=2, epochs=2, lr=1e-2,
                            head="residual:persistence", **_TINY)
    with pytest.warns(TrainingWarning, match=r"^validation loss was still falling at the "
                                             r"last epoch \(2\); pass --epochs 4 to train "
                                             r"longer\.$"):
        f.fit(sine(120))
    found = [x for x in f.findings_ if x["code"] == "still_improving"]
    assert len(found) == 1 and found[0]["severity"] == "warning"
    assert found[0]["evidence"]["best_epoch"] == 2 and "--epochs 4" in found[0]["fix"]


def test_no_still_improving_when_early_stopping_fired():
    # an lr far below float32 resolution leaves the weights, and the loss, unchanged:
    # early stopping fires after `patience` epochs without improvement
    f = seqguard.Forecaster("y", input_len=12, horizon=2, epochs=6, patience=1, lr=1e-20,
                            optimizer="sgd", **_TINY)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingWarning)
        f.fit(sine(120))
    assert f.budget_["stopped_reason"] == "early_stopping"
    assert not [x for x in f.findings_ if x["code"] == "still_improving"]


def _history(losses):
    return pd.DataFrame({"epoch": np.arange(1, len(losses) + 1), "val_loss": losses})


def test_still_improving_rule_on_histories():
    falling = _history([5.0, 4.0, 3.0])
    hit = still_improving(falling, stopped_reason="max_epochs", best_epoch=3,
                          monitor="val_loss")
    assert hit is not None and "at the last epoch (3); pass --epochs 6" in hit["message"]
    assert still_improving(falling, stopped_reason="early_stopping", best_epoch=3,
                           monitor="val_loss") is None
    late = _history([5.0, 4.0, 3.0, 2.9, 2.0, 2.1, 2.2])
    hit = still_improving(late, stopped_reason="max_epochs", best_epoch=5,
                          monitor="val_loss")
    assert hit is not None and "best at epoch 5 of 7" in hit["message"]
    flat = _history([5.0, 2.0, 2.5, 2.6, 2.7, 2.8])
    assert still_improving(flat, stopped_reason="max_epochs", best_epoch=2,
                           monitor="val_loss") is None
    few = still_improving(falling, stopped_reason="max_epochs", best_epoch=3,
                          monitor="val_loss", steps=1)
    assert few is not None and "smaller --batch-size (1 optimiser step(s)" in few["message"]
    small = still_improving(falling, stopped_reason="max_epochs", best_epoch=3,
                            monitor="val_loss", steps=1, batch_size=16)
    assert small is not None and "--batch-size" not in small["message"]  # already the floor


# ----------------------------------------------------------------- CLI
def _write_sine(path: Path, n: int, phase: float = 0.0) -> Path:
    sine(n, phase).to_csv(path, index=False)
    return path


def _write_sequences(path: Path, n_series: int, seed: int, labels=(0, 1),
                     prefix: str = "s") -> Path:
    df = sequences(n_series, seed, labels)
    df["id"] = prefix + df["id"]
    df.to_csv(path, index=False)
    return path


def test_cli_fit_prints_the_budget_line_and_the_train_longer_warning(tmp_path, capsys):
    data = _write_sine(tmp_path / "d.csv", 120)
    code, out, err = run_cli(["fit", str(data), "--target", "y", "--input-len", "12",
                              "--horizon", "2", "--epochs", "2", "--lr", "1e-2", "--hidden",
                              "8", "--layers", "1", "--head", "residual:persistence",
                              "--out", str(tmp_path / "run")], capsys)
    assert code == 0, err
    line = [ln for ln in out.splitlines() if ln.startswith("training: ")]
    assert len(line) == 1
    assert "batch size 16 (auto) for 71 windows: 5 steps per epoch, 2 epoch(s)" in line[0]
    assert "warning: validation loss was still falling at the last epoch (2); pass " \
           "--epochs 4 to train longer." in err
    assert "TrainingWarning" not in err  # one line, not Python's warning format
    diagnosis = json.loads((tmp_path / "run" / "diagnosis.json").read_text())
    assert any(f["code"] == "still_improving" for f in diagnosis["findings"])


def test_cli_forecast_test_and_val_data(tmp_path, capsys):
    train = _write_sine(tmp_path / "train.csv", 200)
    val = _write_sine(tmp_path / "val.csv", 60, phase=1.0)
    test = _write_sine(tmp_path / "test.csv", 80, phase=2.0)
    run = tmp_path / "run"
    code, _, err = run_cli(["fit", str(train), "--target", "y", "--input-len", "12",
                            "--horizon", "3", "--test-data", str(test), "--test-frac", "0",
                            "--val-data", str(val), "--val-frac", "0", *_CLI_TINY,
                            "--quiet", "--out", str(run)], capsys)
    assert code == 0, err
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["n_windows"] == {"train": 200 - 12 - 3 + 1, "val": 60 - 12 - 3 + 1,
                                    "test": 80 - 12 - 3 + 1}
    # the given test file is scored on its own, exactly as evaluate scores it
    again = seqguard.load(run).evaluate(str(test))
    for key in ("mae", "rmse", "smape", "mase"):
        assert again["test"][key] == pytest.approx(metrics["test"][key], rel=1e-9)
    for name, scores in metrics["baselines"].items():
        for key in ("mae", "rmse"):
            assert again["baselines"][name][key] == pytest.approx(scores[key], rel=1e-9)
        assert [h["mae"] for h in again["baselines"][name]["by_horizon"]] == \
            pytest.approx([h["mae"] for h in scores["by_horizon"]], rel=1e-9)
    pipeline = json.loads((run / "pipeline.json").read_text())
    assert pipeline["given_data"]["test"].endswith("test.csv")
    assert pipeline["given_data"]["val"].endswith("val.csv")


def test_cli_classify_test_data(tmp_path, capsys):
    train = _write_sequences(tmp_path / "train.csv", 60, seed=0)
    test = _write_sequences(tmp_path / "test.csv", 21, seed=1, prefix="t")
    run = tmp_path / "run"
    code, _, err = run_cli(["fit", str(train), "--target", "label", "--task", "classify",
                            "--series-col", "id", "--time-col", "t", "--test-data",
                            str(test), "--test-frac", "0", *_CLI_TINY, "--quiet",
                            "--out", str(run)], capsys)
    assert code == 0, err
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["n_windows"]["test"] == 21
    assert metrics["n_windows"]["train"] + metrics["n_windows"]["val"] == 60
    again = seqguard.load(run).evaluate(str(test))
    assert again["test"]["accuracy"] == pytest.approx(metrics["test"]["accuracy"])


@pytest.mark.parametrize("task", ["forecast", "classify"])
def test_cli_test_frac_0_without_test_data_names_the_part_and_options(tmp_path, capsys,
                                                                      task):
    if task == "forecast":
        data = _write_sine(tmp_path / "d.csv", 120)
        args = ["--target", "y", "--input-len", "12", "--horizon", "2"]
    else:
        data = _write_sequences(tmp_path / "d.csv", 30, seed=0)
        args = ["--target", "label", "--task", "classify", "--series-col", "id",
                "--time-col", "t"]
    code, _, err = run_cli(["fit", str(data), *args, "--test-frac", "0", *_CLI_TINY,
                            "--out", str(tmp_path / "run")], capsys)
    assert_one_error_line(code, err, "the test part is empty (--test-frac 0",
                          "--test-data FILE", "--test-frac")
    assert "every selected series is empty" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]


def test_given_test_data_with_the_in_file_test_part_warns(tmp_path):
    f = seqguard.Forecaster("y", input_len=12, horizon=2, epochs=1, **_TINY)
    with pytest.warns(DataWarning, match=r"still holds a test part \(--test-frac 0\.15: "
                                         r"\d+ windows\) that --test-data replaces.*Pass "
                                         r"--test-frac 0"):
        f.fit(sine(200), test_data=sine(60, phase=1.0))
    assert f.n_windows_["test"] == 60 - 12 - 2 + 1
    assert f.metrics_["n_windows"]["test"] == 47


def test_given_data_errors_name_the_option(tmp_path):
    f = seqguard.Forecaster("y", input_len=12, horizon=2, epochs=1, test_frac=0, **_TINY)
    with pytest.raises(InputError, match=r"^--test-data '.*nope\.csv' does not exist"):
        f.fit(sine(120), test_data=str(tmp_path / "nope.csv"))
    c = seqguard.SequenceClassifier("label", epochs=1, val_frac=0, read_options=_CLS_READ,
                                    **_TINY)
    other = sequences(12, seed=3, labels=(0, 5))
    with pytest.raises(InputError, match=r"given by --val-data.*label 5 is not among the "
                                         r"training classes \(0, 1\)"):
        c.fit(sequences(40), val_data=other)
    with pytest.raises(InputError, match=r"given by --test-data\): a forecast window needs "
                                         r"input_len \+ horizon = 12 \+ 2"):
        f.fit(sine(120), test_data=sine(10))
    with pytest.raises(InputError, match=r"given by --test-data\) has no windows: the test "
                                         r"data needs at least --input-len 12 \+ --horizon 2"):
        gappy = sine(40)
        gappy.loc[12:, "y"] = np.nan  # no window has an observed target
        f.fit(sine(120), test_data=gappy)


# ----------------------------------------------------------------- messages
def test_missing_class_note_names_labels_not_codes():
    from seqguard.metrics import classification_scores

    labels = list(range(1, 10))  # codes 0..8 stand for the labels 1..9
    present = [2, 4, 5, 6, 8]  # codes 0, 1, 3, 7 have no observed label
    y = np.array(present * 4, dtype=float)
    logits = np.random.default_rng(0).normal(size=(len(y), 9))
    s = classification_scores(y, logits, n_classes=9, kind="logits", classes=labels)
    assert "class(es) [1, 2, 4, 8] have no observed label" in s["notes"]["roc_auc"]
    one = classification_scores(np.zeros(4), np.zeros((4, 2)), n_classes=2, kind="logits",
                                classes=["cat", "dog"])
    assert "only class 'cat' is present" in one["notes"]["roc_auc"]


def test_classifier_metrics_notes_use_labels():
    df = sequences(40, labels=(3, 7, 9))
    test = sequences(6, seed=2, labels=(3, 7, 9))
    test = test[test["label"] != 7]
    test["id"] = "t" + test["id"]
    c = seqguard.SequenceClassifier("label", epochs=1, test_frac=0, read_options=_CLS_READ,
                                    **_TINY).fit(df, test_data=test)
    assert "class(es) [7] have no observed label" in c.metrics_["test"]["notes"]["roc_auc"]


def test_split_warnings_name_cli_options():
    from seqguard.splits import SeriesSplit, TimeSplit

    y = np.r_[np.zeros(19, np.int64), [1]]
    with pytest.warns(DataWarning, match=r"--val-frac / --test-frac.*--val-data / "
                                         r"--test-data"):
        SeriesSplit(val_frac=0.2, test_frac=0.2).fit(y)
    t = np.r_[np.arange(10.0), np.arange(20.0, 30.0)]
    with pytest.warns(DataWarning, match=r"no training rows.*Move --val-start / "
                                         r"--test-start later"):
        TimeSplit(val_start=20.0, test_start=25.0).fit(t, groups=np.r_[np.zeros(10),
                                                                        np.ones(10)])


def test_tag_test_data_is_scored_as_evaluate_scores_it():
    def tagged(n: int, seed: int) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        x = rng.normal(size=n)
        return pd.DataFrame({"time": pd.date_range("2021-01-01", periods=n, freq="h"),
                             "x": x, "y": 2 * x + rng.normal(0, 0.1, n)})

    t = seqguard.SequenceTagger("y", input_len=12, epochs=1, test_frac=0,
                                read_options={"time_col": "time"}, **_TINY)
    t.fit(tagged(200, 0), test_data=tagged(50, 1))
    assert t.metrics_["n_windows"]["test"] == 50  # every observed step of the file
    assert t.evaluate(tagged(50, 1))["test"]["mae"] == pytest.approx(
        t.metrics_["test"]["mae"], rel=1e-9)
