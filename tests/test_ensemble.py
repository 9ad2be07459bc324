"""--ensemble K: K models with seeds seed..seed+K-1, predictions averaged."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from cli_helpers import assert_one_error_line, run_cli

import seqguard
from seqguard.errors import ArtifactError, InputError
from seqguard.models import EnsembleModel, SequenceModel


def _series(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = np.sin(t / 5) + rng.normal(0, 0.1, n)
    y[rng.choice(n, 15, replace=False)] = np.nan
    return pd.DataFrame({"y": y, "x": np.cos(t / 5)})


def _fit(cls=seqguard.Forecaster, df=None, **kw):
    df = _series() if df is None else df
    base = {"input_len": 16, "horizon": 3} if cls is seqguard.Forecaster else {"input_len": 16}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls("y", epochs=2, progress=False, hidden=8, **{**base, **kw}).fit(df)


def test_forecast_ensemble_is_the_mean_of_its_members(tmp_path):
    df = _series()
    f = _fit(ensemble=3, seed=4)
    assert isinstance(f.model_, EnsembleModel) and len(f.model_.members) == 3
    ens = f.metrics_["ensemble"]
    assert ens["k"] == 3 and ens["seeds"] == [4, 5, 6]
    assert [m["seed"] for m in ens["members"]] == [4, 5, 6]
    assert all(m["fit_seconds"] > 0 and m["best_val_loss"] is not None for m in ens["members"])
    # each figure is rounded to the millisecond, so the sum of rounded members
    # may exceed the rounded total by half a millisecond per member
    members_sum = sum(m["fit_seconds"] for m in ens["members"])
    assert ens["fit_seconds"] == pytest.approx(members_sum, abs=0.0005 * (len(ens["members"]) + 1))
    # member 0 is the plain model of seed 4
    single = _fit(seed=4)
    for (k, a), b in zip(f.model_.members[0].state_dict().items(),
                         single.model_.state_dict().values()):
        assert torch.equal(a, b), k
    assert ens["members"][0]["test"]["mae"] == pytest.approx(single.metrics_["test"]["mae"])
    prep, _ = f._transform(df)
    batch = next(iter(seqguard.WindowLoader(prep.datasets["all"], 8)))
    with torch.no_grad():
        outs = [m(batch["x"], last=batch["last"]) for m in f.model_.members]
        torch.testing.assert_close(f.model_(batch["x"], last=batch["last"]),
                                   torch.stack(outs).mean(0))
    f.save(tmp_path / "run")
    names = set(json.loads((tmp_path / "run" / "MANIFEST.json").read_text())["files"])
    assert {"model.safetensors", "model.1.safetensors", "model.2.safetensors",
            "history.1.csv", "history.2.csv"} <= names
    assert not list((tmp_path / "run").glob("*.pt")) and not list((tmp_path / "run").glob("*.pkl"))
    g = seqguard.load(tmp_path / "run")
    assert isinstance(g.model_, EnsembleModel) and len(g.member_histories_) == 2
    np.testing.assert_array_equal(f.predict(df)["prediction"], g.predict(df)["prediction"])
    np.testing.assert_array_equal(f.predict(df, future=True)["prediction"],
                                  g.predict(df, future=True)["prediction"])
    assert g.evaluate(df)["test"]["mae"] == pytest.approx(f.evaluate(df)["test"]["mae"])
    assert "ensemble" in g.metrics_
    report = seqguard.diagnose(g, df)
    # diagnose reads the ensemble like one model: its weights and trace are checked
    # and it scores the averaged prediction, the run's test score
    assert report.context["source"] == "estimator"
    assert {"weights", "non-finite trace", "model state"} <= set(report.context["checked"])
    assert not {"non_finite_input", "non_finite_weights", "non_finite_activation"} & \
        set(report.codes)
    assert report.context["n_windows"] == g.n_windows_["test"]
    assert report.context["scores"]["model"] == pytest.approx(g.metrics_["test"]["mae"])


def test_k1_keeps_the_single_model_layout(tmp_path):
    f = _fit(ensemble=1)
    assert isinstance(f.model_, SequenceModel) and "ensemble" not in f.metrics_
    f.save(tmp_path / "run")
    names = set(json.loads((tmp_path / "run" / "MANIFEST.json").read_text())["files"])
    assert names == {"model.safetensors", "pipeline.json", "metrics.json", "history.csv",
                     "audit.json", "diagnosis.json"}
    # a run of an earlier version has no 'ensemble' parameter: it loads as one model
    spec = json.loads((tmp_path / "run" / "pipeline.json").read_text())
    assert spec["params"]["ensemble"] == 1


def test_missing_member_file_is_an_artifact_error(tmp_path):
    f = _fit(ensemble=2)
    f.save(tmp_path / "run")
    (tmp_path / "run" / "model.1.safetensors").unlink()
    with pytest.raises(ArtifactError, match="model.1.safetensors"):
        seqguard.load(tmp_path / "run")


def test_classifier_ensemble_averages_probabilities(tmp_path):
    rng = np.random.default_rng(0)
    rows = []
    for s in range(40):
        label = s % 2
        v = rng.normal(0, 1, 20) + (np.arange(20) / 10 if label else 0)
        rows += [{"sid": s, "t": i, "x": v[i], "y": label} for i in range(20)]
    df = pd.DataFrame(rows)
    ro = {"series_col": "sid", "time_col": "t"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = seqguard.SequenceClassifier("y", epochs=2, progress=False, hidden=8, ensemble=3,
                                        read_options=ro).fit(df)
    assert c.metrics_["ensemble"]["combine"] == "mean of the probabilities"
    p = c.predict_proba(df)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    x = torch.randn(4, 20, c.model_config_["n_features"])
    with torch.no_grad():
        z = c.model_(x)
        probs = torch.stack([torch.sigmoid(m(x)) for m in c.model_.members]).mean(0) \
            if c.model_.n_outputs == 1 else \
            torch.stack([torch.softmax(m(x), -1) for m in c.model_.members]).mean(0)
        got = torch.sigmoid(z) if c.model_.n_outputs == 1 else torch.softmax(z, -1)
    torch.testing.assert_close(got, probs, rtol=1e-5, atol=1e-6)
    c.save(tmp_path / "run")
    g = seqguard.load(tmp_path / "run")
    pd.testing.assert_frame_equal(p, g.predict_proba(df))


def test_tagger_ensemble_saves_and_loads(tmp_path):
    df = _series().assign(y=lambda d: d["y"].fillna(0.0))
    t = _fit(seqguard.SequenceTagger, df=df, ensemble=2)
    t.save(tmp_path / "run")
    g = seqguard.load(tmp_path / "run")
    np.testing.assert_array_equal(t.predict(df)["prediction"], g.predict(df)["prediction"])


@pytest.mark.parametrize("k", [0, -1, 1.5, True, "3"])
def test_bad_k_is_an_input_error(k):
    with pytest.raises(InputError, match="'ensemble' parameter"):
        _fit(ensemble=k)


@pytest.mark.parametrize("k", ["0", "two"])
def test_cli_bad_k_exits_2(tmp_path, capsys, k):
    path = tmp_path / "d.csv"
    _series().to_csv(path, index=False)
    code, _, err = run_cli(["fit", str(path), "--target", "y", "--ensemble", k,
                            "--out", str(tmp_path / "run")], capsys)
    assert_one_error_line(code, err, "--ensemble")
    assert not (tmp_path / "run").exists()


def test_cli_fit_with_ensemble_predicts(tmp_path, capsys):
    path = tmp_path / "d.csv"
    _series().to_csv(path, index=False)
    run = tmp_path / "run"
    code, _, err = run_cli(["fit", str(path), "--target", "y", "--input-len", "16",
                              "--horizon", "3", "--epochs", "1", "--hidden", "8",
                              "--ensemble", "2", "--quiet", "--out", str(run)], capsys)
    assert code == 0, err
    code, _, err = run_cli(["predict", str(run), str(path), "--out",
                              str(tmp_path / "p.csv")], capsys)
    assert code == 0, err
    assert len(pd.read_csv(tmp_path / "p.csv")) > 0
    code, _, err = run_cli(["diagnose", str(run), str(path)], capsys)
    assert code == 0, err
