"""Classification options of issue 11 item 5: pooling over time, class weights,
best-state selection on the validation ROC-AUC, static covariates.

Each numeric routine is checked against a trusted oracle (scikit-learn's log loss and
ROC-AUC, a plain masked mean); the estimator tests check that each option reaches the
model, is saved in the run directory and predicts the same after loading.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from cli_helpers import assert_one_error_line, run_cli

import seqguard
from seqguard.errors import InputError
from seqguard.models import SequenceModel
from seqguard.models.pooling import Pool
from seqguard.static import StaticCovariates, detect_static, first_observed, parse_static
from seqguard.training.losses import classification_loss
from seqguard.training.module import auc_loss


# ------------------------------------------------------------------ data
def _frame(n_series: int = 60, seed: int = 0) -> pd.DataFrame:
    """Binary labels from a step input and from a static 'age' recorded at step 0."""
    rng = np.random.default_rng(seed)
    parts = []
    for k in range(n_series):
        label = k % 2
        n = int(rng.integers(8, 16))
        d = pd.DataFrame({"id": f"s{k:03d}", "t": np.arange(n),
                          "x": rng.normal(0.8 * label, 1.0, n), "label": label})
        d["age"] = np.nan
        d.loc[0, "age"] = 50.0 + 15.0 * label + rng.normal(0, 5)
        d["sex"] = float(k % 3 == 0)  # repeated on every row: static too
        parts.append(d)
    return pd.concat(parts, ignore_index=True)


_OPTS = {"time_col": "t", "series_col": "id"}


def _fit(df: pd.DataFrame, **kw) -> seqguard.SequenceClassifier:
    params = {"epochs": 3, "hidden": 8, "layers": 1, "progress": False, "batch_size": 16,
              "read_options": _OPTS} | kw
    est = seqguard.SequenceClassifier("label", **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(df)


# ------------------------------------------------------------------ pooling
def test_mean_and_max_pool_read_the_valid_steps_only():
    seq = torch.randn(3, 5, 4)
    lengths = torch.tensor([5, 2, 3])
    mean = Pool("mean", 4)(seq, torch.zeros(3, 4), lengths)
    top = Pool("max", 4)(seq, torch.zeros(3, 4), lengths)
    for b in range(3):
        torch.testing.assert_close(mean[b], seq[b, :lengths[b]].mean(dim=0))
        torch.testing.assert_close(top[b], seq[b, :lengths[b]].amax(dim=0))


def test_model_auto_is_grud_for_classify_with_indicator_channels_and_lstm_otherwise():
    df = _frame()
    df.loc[df.index % 3 == 1, "x"] = np.nan  # missing steps: indicator channels
    assert _fit(df, epochs=1).model_config_["model"] == "grud"
    full = _frame()
    full["age"] = 40.0  # nothing missing: no channels, a plain encoder
    assert _fit(full, epochs=1).model_config_["model"] == "lstm"
    assert _fit(df, epochs=1, model="gru").model_config_["model"] == "gru"
    f = seqguard.Forecaster("y", input_len=8, horizon=2, epochs=1, progress=False)
    f.fit(pd.DataFrame({"y": np.sin(np.arange(120) / 5)}))
    assert f.get_params()["model"] == "auto" and f.model_config_["model"] == "lstm"


def test_static_auto_is_the_classify_default_and_none_elsewhere():
    c = seqguard.SequenceClassifier("label", read_options=_OPTS)
    assert c.get_params()["static"] == "auto"
    assert c.make_pipeline().static == seqguard.SequenceClassifier.AUTO_STATIC
    assert seqguard.Forecaster("y").make_pipeline().static is None


@pytest.mark.parametrize("kind", ["mean", "max", "attention"])
def test_pooling_never_reads_padding(kind):
    torch.manual_seed(0)
    pool = Pool(kind, 4)
    if kind == "attention":
        torch.nn.init.normal_(pool.score.weight)  # not the mean it starts as
    seq = torch.randn(2, 6, 4)
    lengths = torch.tensor([6, 3])
    junk = seq.clone()
    junk[1, 3:] = torch.tensor(float("nan"))  # what lies beyond the length is never read
    a = pool(seq, torch.zeros(2, 4), lengths)
    b = pool(junk, torch.zeros(2, 4), lengths)
    torch.testing.assert_close(a, b)
    assert torch.isfinite(b).all()


def test_attention_starts_as_the_mean():
    seq, lengths = torch.randn(2, 5, 3), torch.tensor([5, 2])
    torch.testing.assert_close(Pool("attention", 3)(seq, torch.zeros(2, 3), lengths),
                               Pool("mean", 3)(seq, torch.zeros(2, 3), lengths))


@pytest.mark.parametrize("model", ["lstm", "gru"])
@pytest.mark.parametrize("pool", ["last", "mean", "max", "attention"])
def test_classifier_output_ignores_padding_for_every_pool(model, pool):
    torch.manual_seed(0)
    m = SequenceModel(n_features=2, task="classify", model=model, hidden=4, layers=1,
                      pool=pool).eval()
    x = torch.randn(1, 4, 2)
    padded = torch.cat([x, torch.full((1, 3, 2), 7.0)], dim=1)
    with torch.no_grad():
        a = m(x, lengths=torch.tensor([4]))
        b = m(padded, lengths=torch.tensor([4]))
    torch.testing.assert_close(a, b)


def test_model_config_keeps_pool_and_static_and_rejects_them_elsewhere():
    m = SequenceModel(n_features=3, task="classify", hidden=4, pool="attention", n_static=2)
    assert m.config["pool"] == "attention" and m.config["n_static"] == 2
    assert SequenceModel.from_config(m.config).config == m.config
    assert "pool" not in SequenceModel(n_features=3, task="classify", hidden=4).config
    with pytest.raises(InputError, match="task='classify' only"):
        SequenceModel(n_features=3, task="forecast", hidden=4, pool="mean")
    with pytest.raises(InputError, match="static covariates of shape"):
        m(torch.zeros(2, 5, 3))
    assert m(torch.zeros(2, 5, 3), static=torch.zeros(2, 2)).shape == (2,)


# ------------------------------------------------------------------ class weights
def test_weighted_loss_matches_sklearn_log_loss_with_sample_weights():
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(0)
    z = rng.normal(size=50)
    y = (rng.random(50) < 0.2).astype(np.float64)
    w = np.array([0.6, 2.5])
    loss, n = classification_loss(torch.tensor(z), torch.tensor(y), torch.tensor(w))
    p = 1 / (1 + np.exp(-z))
    sw = w[y.astype(int)]
    expected = log_loss(y, p, sample_weight=sw) * sw.sum() / len(y)
    assert int(n) == 50 and float(loss) == pytest.approx(expected, rel=1e-5)
    z3 = rng.normal(size=(40, 3))
    y3 = rng.integers(0, 3, 40)
    w3 = np.array([1.0, 2.0, 0.5])
    loss3, _ = classification_loss(torch.tensor(z3), torch.tensor(y3), torch.tensor(w3))
    p3 = np.exp(z3) / np.exp(z3).sum(axis=1, keepdims=True)
    sw3 = w3[y3]
    assert float(loss3) == pytest.approx(
        log_loss(y3, p3, sample_weight=sw3) * sw3.sum() / 40, rel=1e-5)


def test_balanced_class_weights_reach_the_loss():
    df = _frame()
    df.loc[df["id"].isin([f"s{k:03d}" for k in range(1, 60, 4)]), "label"] = 0  # 2:1
    est = _fit(df, class_weight="balanced")
    counts = np.array(est.train_class_counts_, dtype=float)
    expected = counts.sum() / (2 * counts)
    np.testing.assert_allclose(est.budget_["class_weights"], expected)
    assert "class_weights" not in _fit(df).budget_


# ------------------------------------------------------------------ selection
def test_auc_loss_matches_sklearn():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(1)
    z, y = rng.normal(size=30), rng.integers(0, 2, 30)
    batches = [(torch.tensor(z[:10]), torch.tensor(y[:10])),
               (torch.tensor(z[10:]), torch.tensor(y[10:]))]
    assert auc_loss(batches) == pytest.approx(1 - roc_auc_score(y, z))
    assert math.isnan(auc_loss([(torch.tensor(z), torch.zeros(30))]))  # one class


def test_select_roc_auc_keeps_the_epoch_with_the_best_validation_auc():
    est = _fit(_frame(), select="roc_auc", epochs=4, patience=10)
    h, budget = est.history_, est.budget_
    assert budget["monitor"] == "val_auc_loss" and "val_auc_loss" in h.columns
    vals = [float(v) for v in h["val_auc_loss"]]
    best, kept = budget["best_epoch"], budget["best_val_loss"]
    if best == 0:  # the untrained start is a candidate: no epoch beat it
        assert all(v >= kept for v in vals)
    else:
        assert vals[best - 1] == pytest.approx(kept) and vals.index(min(vals)) == best - 1
    assert 0.0 <= kept <= 1.0


def test_select_roc_auc_falls_back_to_the_loss_without_both_classes_in_validation():
    df = _frame()
    val = df[df["label"] == 0].copy()
    val["id"] = "v" + val["id"]
    est = seqguard.SequenceClassifier("label", epochs=1, hidden=4, layers=1,
                                      progress=False, val_frac=0, select="roc_auc",
                                      read_options=_OPTS)
    with pytest.warns(seqguard.TrainingWarning, match="--select roc_auc needs every class"):
        est.fit(df, val_data=val)
    assert "monitor" not in est.budget_ and "val_auc_loss" not in est.history_.columns


# ------------------------------------------------------------------ static covariates
def test_detect_static_finds_first_row_and_per_series_constant_columns():
    df = _frame(n_series=20)
    bounds = np.concatenate([[0], np.cumsum(df.groupby("id", sort=False).size())])
    found = detect_static(df, ["x", "age", "sex"], bounds)
    assert found == ["age", "sex"]
    few = df[df["id"].isin(["s000", "s001"])]
    assert detect_static(few, ["age"], np.array([0, (few["id"] == "s000").sum(),
                                                 len(few)])) == []  # seen in < 10 series


def test_static_covariates_standardise_on_training_series_and_mark_missing():
    frame = pd.DataFrame({"a": [1.0, np.nan, 3.0, np.nan, np.nan, 5.0]})
    bounds = np.array([0, 2, 4, 6])  # series values: 1, 3, missing... then 5 on row 2
    np.testing.assert_array_equal(first_observed(frame[["a"]].to_numpy(), bounds)[:, 0],
                                  [1.0, 3.0, 5.0])
    frame.loc[5, "a"] = np.nan
    st = StaticCovariates(["a"]).fit(frame, bounds)
    assert st.feature_names_ == ["a", "a__observed"]
    assert st.mean_[0] == 2.0 and st.scale_[0] == 1.0
    out = st.transform(frame, bounds)
    np.testing.assert_array_equal(out, [[-1.0, 1.0], [1.0, 1.0], [0.0, 0.0]])


def test_parse_static_specs():
    assert parse_static("auto") == "auto" and parse_static(None) == "none"
    assert parse_static("Detect") == "detect"
    assert parse_static(" Age , Gender ") == ["Age", "Gender"]
    with pytest.raises(InputError, match="empty column name"):
        parse_static("Age,,Gender")


def test_static_detect_feeds_the_head_and_keeps_the_step_inputs(tmp_path):
    df = _frame()
    est = _fit(df, pool="attention", static="detect")
    assert est.pipeline_.static_.columns == ["age", "sex"]
    assert {"age", "sex"} <= set(est.feature_names_)
    assert est.model_config_["n_static"] == 2 and est.model_config_["pool"] == "attention"
    none = _fit(df, static="none")
    assert getattr(none.pipeline_, "static_", None) is None
    assert "age" in none.feature_names_ and "n_static" not in none.model_config_
    est.save(tmp_path / "run")
    loaded = seqguard.load(tmp_path / "run")
    pd.testing.assert_frame_equal(loaded.predict(df), est.predict(df))
    saved = json.loads((tmp_path / "run" / "pipeline.json").read_text())
    assert saved["params"]["pool"] == "attention" and saved["model"]["n_static"] == 2
    # the static values change the predictions: they are read, per series
    older = df.copy()
    older["age"] = older["age"] + 30.0
    assert not np.allclose(est.predict_proba(older).to_numpy(),
                           est.predict_proba(df).to_numpy())


def test_static_named_columns_and_their_errors():
    df = _frame()
    est = _fit(df, static="age")
    assert est.pipeline_.static_.columns == ["age"] and est.model_config_["n_static"] == 1
    with pytest.raises(InputError, match="'agee'.*Did you mean 'age'"):
        _fit(df, static="agee")
    # static covariates apply to forecasting too since issue 15 (tests/test_many_series.py);
    # the pooling is still classify's own
    with pytest.raises(InputError, match="'pool' parameter of Forecaster applies to task 'classify'"):
        seqguard.Forecaster("x", pool="mean", read_options=_OPTS).fit(df)


# ------------------------------------------------------------------ options and CLI
@pytest.mark.parametrize("kw,words", [
    ({"pool": "median"}, ["'pool'", "last", "mean", "attention"]),
    ({"class_weight": "equal"}, ["'class_weight'", "auto", "balanced"]),
    ({"select": "auc"}, ["'select'", "roc_auc"]),
])
def test_bad_classify_options_fail_before_any_work(kw, words):
    with pytest.raises(InputError) as exc:
        seqguard.SequenceClassifier("label", read_options=_OPTS, **kw).fit("no-such-file.csv")
    for w in words:
        assert w in str(exc.value)


def test_classify_options_rejected_for_forecasting():
    df = pd.DataFrame({"y": np.sin(np.arange(200) / 5)})
    with pytest.raises(InputError, match="'pool' parameter of Forecaster applies to task 'classify'"):
        seqguard.Forecaster("y", input_len=8, horizon=2, pool="mean").fit(df)


def _csv(tmp_path) -> str:
    path = tmp_path / "cls.csv"
    _frame(n_series=40).to_csv(path, index=False)
    return str(path)


_SMALL = ["--epochs", "2", "--hidden", "8", "--layers", "1", "--quiet",
          "--series-col", "id", "--time-col", "t"]


@pytest.mark.parametrize("extra,words", [
    (["--pool", "median"], ["--pool", "attention"]),
    (["--class-weight", "equal"], ["--class-weight", "balanced"]),
    (["--select", "auc"], ["--select", "roc_auc"]),
    (["--static", "agee"], ["--static", "'agee'", "Did you mean"]),
])
def test_cli_bad_classify_options_exit_2(tmp_path, capsys, extra, words):
    out = tmp_path / "run"
    code, _, err = run_cli(["fit", _csv(tmp_path), "--target", "label", "--task", "classify",
                            *_SMALL, "--out", str(out), *extra], capsys)
    assert_one_error_line(code, err, *words)
    assert not out.exists()


def test_cli_pool_on_forecast_exits_2(tmp_path, capsys):
    # --static applies to forecasting too since issue 15 (tests/test_many_series.py)
    code, _, err = run_cli(["fit", _csv(tmp_path), "--target", "x", *_SMALL,
                            "--input-len", "4", "--horizon", "1", "--pool", "mean",
                            "--out", str(tmp_path / "run")], capsys)
    assert_one_error_line(code, err, "--pool", "--task classify")


def test_cli_classify_options_are_saved_and_loaded(tmp_path, capsys):
    out = tmp_path / "run"
    data = _csv(tmp_path)
    code, _, err = run_cli(["fit", data, "--target", "label", "--task", "classify", *_SMALL,
                            "--pool", "mean", "--static", "age", "--class-weight",
                            "balanced", "--select", "roc_auc", "--out", str(out)], capsys)
    assert code == 0, err
    spec = json.loads((out / "pipeline.json").read_text())
    assert spec["params"]["pool"] == "mean" and spec["params"]["static"] == "age"
    assert spec["params"]["class_weight"] == "balanced"
    assert spec["model"]["pool"] == "mean" and spec["model"]["n_static"] == 1
    assert spec["budget"]["monitor"] == "val_auc_loss"
    loaded = seqguard.load(out)
    assert loaded.pipeline_.static_.columns == ["age"]
    code, text, _ = run_cli(["predict", str(out), data], capsys)
    assert code == 0 and len(text.splitlines()) == 41
