"""Forecaster end to end: fit, save, load, predict reproduces evaluate, CLI exit codes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli

import seqguard
from seqguard import ArtifactError, Forecaster
from seqguard.errors import InputError


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
    assert set(m["baselines"]) == {"persistence", "seasonal_naive", "climatology", "mean"}
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
    import pandas as pd

    import seqguard.training
    from seqguard.training import FitResult

    finding = {"severity": "error", "code": "non_finite_training",
               "message": "the loss stayed non-finite", "evidence": {"rollbacks": 5},
               "fix": "Lower --lr."}

    def always_fails(*args, **kwargs):
        err = seqguard.TrainingFailed("the loss stayed non-finite after 5 rollbacks "
                                      "(lr 1e-3 down to 1e-8). Lower --lr.")
        err.result = FitResult(history=pd.DataFrame([{"epoch": 1, "train_loss": float("nan")}]),
                               events=[{"guard": "NonFiniteGuard", "epoch": 1}],
                               findings=[finding])
        raise err

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
    saved = json.loads((out / "diagnosis.json").read_text())
    assert "non-finite" in saved["error"]
    assert [f["code"] for f in saved["findings"]] == ["non_finite_training"]
    assert saved["events"][0]["guard"] == "NonFiniteGuard"
    assert saved["history"][0]["epoch"] == 1 and saved["history"][0]["train_loss"] is None


# ----------------------------------------------------------------- forecast beyond the data
def test_future_forecast_equals_the_last_window_of_the_longer_data(fitted):
    f, df, _ = fitted
    H = f.horizon
    short = df.iloc[:-H]
    future = f.predict(short, future=True)
    inside = f.predict(df)
    origin = short["time"].iloc[-1]
    last = inside[inside["origin"] == origin].reset_index(drop=True)
    assert list(future.columns) == list(inside.columns)
    assert len(future) == len(last) == H
    np.testing.assert_allclose(future["prediction"], last["prediction"], rtol=1e-5, atol=1e-6)
    assert (future["origin"] == origin).all()
    hours = pd.to_timedelta(np.arange(1, H + 1), unit="h")
    assert (future["time"].to_numpy() == (origin + hours).to_numpy()).all()
    assert (future["time"] == last["time"]).all()
    assert future["observed"].isna().all() and list(future["horizon"]) == list(range(1, H + 1))


def test_future_forecast_of_several_series_and_short_series_error():
    frames = [driven_series(120, seed=k).assign(site=name)
              for k, name in enumerate(["a", "b"])]
    df = pd.concat(frames, ignore_index=True)
    f = Forecaster("y", input_len=12, horizon=3, epochs=1, hidden=8, layers=1, progress=False,
                   read_options={"time_col": "time", "series_col": "site"}).fit(df)
    future = f.predict(df, future=True)
    assert list(future["series"]) == ["a"] * 3 + ["b"] * 3
    assert (future["origin"] == df["time"].iloc[119]).all()
    assert np.isfinite(future["prediction"]).all()
    short = pd.concat([frames[0], frames[1].iloc[:5]], ignore_index=True)
    with pytest.raises(seqguard.InputError, match=r"series 'b' has 5 rows, but a forecast "
                                                  r"beyond the data reads its last input_len "
                                                  r"= 12 rows\. Pass at least 12 rows"):
        f.predict(short, future=True)


# ----------------------------------------------------------------- tagging
def tag_series(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """y at each step is a function of the inputs at that step and the one before."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = 2.0 * x + 0.5 * np.r_[0.0, x[:-1]] + rng.normal(0, 0.1, n)
    y[rng.random(n) < 0.1] = np.nan
    time = pd.date_range("2021-01-01", periods=n, freq="h")
    return pd.DataFrame({"time": time, "x": x, "y": y})


def test_load_on_a_task_class_returns_that_class_or_refuses(fitted):
    from seqguard.estimator.base import _SequenceEstimator

    _, _, run = fitted
    assert type(Forecaster.load(run)) is Forecaster
    assert type(_SequenceEstimator.load(run)) is Forecaster  # the base loads any run
    with pytest.raises(InputError, match=r"holds a forecast run, saved by Forecaster; "
                                         r"SequenceClassifier\.load reads classify runs "
                                         r"only\. Load it with Forecaster\.load\(dir\)"):
        seqguard.SequenceClassifier.load(run)
    with pytest.raises(InputError, match="SequenceTagger.load reads tag runs only"):
        seqguard.SequenceTagger.load(run)


@pytest.fixture(scope="module")
def tagged(tmp_path_factory):
    df = tag_series()
    t = seqguard.SequenceTagger("y", input_len=16, epochs=3, hidden=16, layers=1, lr=1e-2,
                                batch_size=32,
                                progress=False, read_options={"time_col": "time"}).fit(df)
    run = tmp_path_factory.mktemp("runs") / "tag"
    t.save(run)
    return t, df, run


def test_tagger_metrics_keys_and_the_target_is_no_input(tagged):
    from seqguard.metrics import TAG_KEYS

    t, _, _ = tagged
    m = t.metrics_
    assert tuple(m) == TAG_KEYS
    assert m["task"] == "tag" and m["horizon"] is None and m["test"]["by_horizon"] is None
    assert set(m["baselines"]) <= {"climatology", "mean"} and m["skill_vs_persistence"] is None
    assert m["skill_vs_mean"] == pytest.approx(1 - m["test"]["mae"] /
                                               m["baselines"]["mean"]["mae"])
    assert m["skill_vs_mean"] > 0.5  # the inputs explain the target
    assert not any(name.startswith("y") for name in t.feature_names_), t.feature_names_
    json.dumps(m, allow_nan=False)


def test_tagger_loaded_predicts_identically_and_reproduces_evaluate(tagged):
    t, df, run = tagged
    again = seqguard.load(run)
    assert isinstance(again, seqguard.SequenceTagger)
    a, b = t.predict(df), again.predict(df)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["series", "time", "prediction", "observed"]
    assert len(a) == len(df) and (a["time"].to_numpy() == df["time"].to_numpy()).all()
    scores = again.evaluate(df)
    seen = a.dropna(subset=["observed"])
    assert scores["n_windows"]["test"] == len(seen) == int(df["y"].notna().sum())
    mae = float(np.mean(np.abs(seen["prediction"] - seen["observed"])))
    assert mae == pytest.approx(scores["test"]["mae"], rel=1e-9)


def test_tagger_reads_each_step_from_the_window_ending_there(tagged):
    import torch

    t, df, _ = tagged
    pred = t.predict(df)
    prep = t.pipeline_.transform(t._read(df), split=False)
    scaler = t.pipeline_.target_scaler_
    L = t.input_len
    for row in (0, 5, L - 1, 200, len(df) - 1):
        start = max(0, row - L + 1)
        with torch.no_grad():
            x = torch.from_numpy(np.array(prep.X[None, start:start + L]))
            z = t.model_(x)[0, row - start]
        want = scaler.inverse_transform(np.array([float(z)]))[0]
        assert pred["prediction"].iloc[row] == pytest.approx(want, rel=1e-5, abs=1e-6)


# ----------------------------------------------------------------- classification
def labelled_sequences(n_series: int = 60, labels=("cat", "dog", "eel"), seed: int = 0,
                       unlabelled: int = 0) -> pd.DataFrame:
    """Variable-length sequences whose mean says the class (easy to learn)."""
    rng = np.random.default_rng(seed)
    centre = np.linspace(-2.0, 2.0, len(labels))
    rows = []
    for s in range(n_series):
        k = s % len(labels)
        n = int(rng.integers(8, 25))
        x = rng.normal(centre[k], 1.0, n)
        label = None if s < unlabelled else labels[k]
        rows += [(f"s{s:03d}", i, x[i], label) for i in range(n)]
    return pd.DataFrame(rows, columns=["id", "t", "x", "label"])


def make_classifier(**kw) -> seqguard.SequenceClassifier:
    params = {"epochs": 6, "hidden": 16, "layers": 1, "lr": 1e-2, "batch_size": 8,
              "progress": False,
              "read_options": {"time_col": "t", "series_col": "id"}}
    return seqguard.SequenceClassifier("label", **(params | kw))


@pytest.fixture(scope="module")
def classified(tmp_path_factory):
    df = labelled_sequences(unlabelled=6)
    c = make_classifier().fit(df)
    run = tmp_path_factory.mktemp("runs") / "cls"
    c.save(run)
    return c, df, run


def test_classifier_string_labels_three_classes(classified):
    from seqguard.metrics import CLASSIFICATION_KEYS

    c, _, _ = classified
    m = c.metrics_
    assert c.classes_ == ["cat", "dog", "eel"] and m["classes"] == c.classes_
    assert tuple(m) == CLASSIFICATION_KEYS and m["n_classes"] == 3
    assert set(m["test"]) == {"accuracy", "roc_auc", "pr_auc", "log_loss", "notes"}
    assert set(m["baselines"]) == {"majority", "base_rate"}
    assert sum(m["n_windows"].values()) == 54  # the 6 unlabelled series are left out
    assert m["test"]["roc_auc"] > 0.8 and m["test"]["accuracy"] > m["baselines"]["majority"][
        "accuracy"]
    assert not any(name.startswith("label") for name in c.feature_names_)
    json.dumps(m, allow_nan=False)


def test_classifier_loaded_predicts_identically_and_reproduces_evaluate(classified):
    from sklearn.metrics import log_loss, roc_auc_score

    c, df, run = classified
    again = seqguard.load(run)
    assert isinstance(again, seqguard.SequenceClassifier) and again.classes_ == c.classes_
    a, b = c.predict(df), again.predict(df)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["series", "prediction", "proba_cat", "proba_dog", "proba_eel",
                               "observed"]
    assert len(a) == df["id"].nunique() == 60
    proba = a[["proba_cat", "proba_dog", "proba_eel"]].to_numpy()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(a["prediction"]) <= {"cat", "dog", "eel"}
    assert a["observed"].iloc[:6].isna().all()  # unlabelled series are predicted too
    scores = again.evaluate(df)
    seen = a.dropna(subset=["observed"])
    p = seen[["proba_cat", "proba_dog", "proba_eel"]].to_numpy()
    assert scores["n_windows"]["test"] == len(seen) == 54
    assert scores["test"]["accuracy"] == pytest.approx(
        float(np.mean(seen["prediction"] == seen["observed"])))
    assert scores["test"]["log_loss"] == pytest.approx(
        log_loss(seen["observed"], p, labels=c.classes_), rel=1e-6)
    assert scores["test"]["roc_auc"] == pytest.approx(
        roc_auc_score(seen["observed"], p, multi_class="ovr", labels=c.classes_), rel=1e-6)
    assert scores["test"]["roc_auc"] > 0.8
    assert again.score(df) == scores["test"]["accuracy"]


def test_classifier_binary_integer_labels():
    df = labelled_sequences(40, labels=(0, 1), seed=1)
    c = make_classifier(epochs=3).fit(df)
    assert c.classes_ == [0, 1] and c.metrics_["n_classes"] == 2
    pred = c.predict(df.drop(columns=["label"]))  # no label column: nothing observed
    assert list(pred.columns) == ["series", "prediction", "proba_0", "proba_1"]
    assert set(pred["prediction"]) <= {0, 1}
    scores = c.evaluate(df)
    assert scores["test"]["roc_auc"] > 0.8 and scores["classes"] == [0, 1]


def test_classifier_input_errors():
    df = labelled_sequences(12)
    varying = df.copy()
    varying.loc[varying.index[3], "label"] = "dog"  # series s000 is 'cat' elsewhere
    with pytest.raises(seqguard.InputError, match=r"column 'label': the label varies within "
                                                  r"series 's000' \('cat' and 'dog'\)"):
        make_classifier().fit(varying)
    with pytest.raises(seqguard.InputError, match="no series column. Pass --series-col"):
        make_classifier(read_options={"time_col": "t"}).fit(df[df["id"] == "s000"])
    one = df.assign(label="cat")
    with pytest.raises(seqguard.InputError, match="classification needs at least two classes"):
        make_classifier().fit(one)


def test_classifier_refuses_to_score_an_unknown_class(classified):
    c, df, _ = classified
    other = df.assign(label=df["label"].replace({"eel": "fox"}))
    with pytest.raises(seqguard.InputError, match="holds 'fox', a class the model was not "
                                                  "trained on"):
        c.evaluate(other)


def test_tagger_without_inputs_besides_the_target_is_refused():
    df = tag_series(100)[["time", "y"]]
    t = seqguard.SequenceTagger("y", input_len=8, epochs=1, progress=False,
                                read_options={"time_col": "time"})
    with pytest.raises(seqguard.InputError, match="no input column besides the target 'y'. "
                                                  "With --task tag the target is the answer"):
        t.fit(df)


def test_predict_covers_origins_whose_targets_are_all_missing(fitted):
    f, df, _ = fitted
    new = df.copy()
    H = f.horizon
    # the last 3*H targets missing: the last windows have no observed target at all
    new.loc[new.index[-3 * H:], "y"] = np.nan
    out = f.predict(new)
    full = f.predict(df)
    assert len(out) == len(full)  # every origin predicted, as with complete targets
    last = out[out["origin"] == out["origin"].max()]
    assert last["observed"].isna().all() and np.isfinite(last["prediction"]).all()
    # evaluate scores only observed targets: fewer windows than predicted origins
    scored = f.evaluate(new)["n_windows"]["test"]
    assert scored < len(out) // H
