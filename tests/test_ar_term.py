"""The residual head's linear autoregressive term (``--ar``, LSTNet's highway): a
correction that is a linear function of the recent target, learnt directly."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from cli_helpers import assert_one_error_line, run_cli

import seqguard
from seqguard.errors import InputError
from seqguard.models import SequenceModel

FAST = {"hidden": 8, "layers": 1, "progress": False, "batch_size": 32}


def drifting_cycle(days: int = 90) -> pd.DataFrame:
    """Hourly: a clean daily cycle on a slow drift that changes direction, so seasonal
    naive (yesterday's value) misses by yesterday's drift, which the recent target
    shows."""
    t = np.arange(days * 24)
    y = 10 * np.sin(2 * np.pi * t / 24) + 8 * np.sin(2 * np.pi * t / (24 * 30))
    return pd.DataFrame({"time": pd.date_range("2020-01-01", periods=len(t), freq="h"),
                         "y": y})


def _fit(df: pd.DataFrame, **kw) -> seqguard.Forecaster:
    params = {"input_len": 48, "horizon": 12, **FAST, **kw}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return seqguard.Forecaster("y", **params).fit(df)


def test_untrained_term_adds_nothing():
    m = SequenceModel(n_features=3, task="forecast", horizon=4, hidden=8, ar_steps=5,
                      ar_index=1)
    x = torch.randn(2, 10, 3)
    last = torch.tensor([1.0, -2.0])
    with torch.no_grad():
        np.testing.assert_allclose(m(x, last).numpy(), last[:, None].expand(2, 4).numpy())
        m.ar.weight.zero_()
        m.ar.weight[:, -1] = 1.0  # the last value of column 1, added to every step
        out = m(x, last).numpy()
    np.testing.assert_allclose(out, (last[:, None] + x[:, -1, 1][:, None]).expand(2, 4).numpy(),
                               rtol=1e-6)
    assert SequenceModel.from_config(m.config).config == m.config
    assert m.config["ar_steps"] == 5 and m.config["ar_index"] == 1
    assert "ar_steps" not in SequenceModel(n_features=3, task="forecast").config


def test_short_window_is_padded_on_the_left():
    m = SequenceModel(n_features=1, task="forecast", horizon=1, hidden=4, ar_steps=6,
                      ar_index=0)
    with torch.no_grad():
        m.ar.weight.fill_(1.0)
        out = m(torch.ones(1, 3, 1), torch.zeros(1))
    assert out.item() == pytest.approx(3.0)  # three ones, three zeros of padding


@pytest.mark.parametrize("kw, match", [
    ({"ar_steps": 3}, "ar_index"), ({"ar_steps": 3, "ar_index": 5}, "input column"),
    ({"ar_index": 0}, "ar_steps > 0"), ({"ar_steps": -1}, "ar_steps"),
    ({"ar_steps": 3, "ar_index": 0, "head": "direct"}, "residual forecast head only"),
])
def test_bad_model_options_are_refused(kw, match):
    with pytest.raises(InputError, match=match):
        SequenceModel(n_features=2, task="forecast", **kw)


def test_auto_reads_the_last_two_seasons_of_the_target():
    df = drifting_cycle(20)
    est = _fit(df, epochs=1)
    cfg = est.model_config_
    assert est.pipeline_.residual_base_["base"] == "seasonal"
    assert cfg["ar_steps"] == 48  # two seasons of 24 h (the whole window here)
    prep, _ = est._transform(df)
    assert prep.feature_names[cfg["ar_index"]] == "y"
    off = _fit(drifting_cycle(20), epochs=1, ar=0)
    assert "ar_steps" not in off.model_config_
    assert _fit(drifting_cycle(20), epochs=1, ar=6).model_config_["ar_steps"] == 6
    assert _fit(drifting_cycle(20), epochs=1, input_len=96).model_config_["ar_steps"] == 48
    assert "ar_steps" not in _fit(drifting_cycle(20), epochs=1, head="direct").model_config_


def test_the_term_learns_the_drift_that_seasonal_naive_misses():
    df = drifting_cycle()
    est = _fit(df, epochs=8, seed=0)
    m = est.metrics_
    assert est.pipeline_.residual_base_["base"] == "seasonal"
    # seasonal naive misses by one day's drift; the term sees it in the last 48 h
    assert m["test"]["mae"] < 0.5 * m["baselines"]["seasonal_naive"]["mae"]


def test_a_loaded_run_predicts_the_same(tmp_path):
    df = drifting_cycle(30)
    est = _fit(df, epochs=2)
    est.save(tmp_path / "run")
    back = seqguard.Forecaster.load(tmp_path / "run")
    assert back.model_config_["ar_steps"] == est.model_config_["ar_steps"]
    pd.testing.assert_frame_equal(back.predict(df), est.predict(df))


@pytest.mark.parametrize("value", ["-1", "many"])
def test_cli_bad_ar_exits_2_with_one_line(tmp_path, capsys, value):
    path = tmp_path / "d.csv"
    drifting_cycle(10).to_csv(path, index=False)
    code, _, err = run_cli(["fit", str(path), "--target", "y", "--ar", value,
                            "--out", str(tmp_path / "run")], capsys)
    assert_one_error_line(code, err, "--ar")
    assert not (tmp_path / "run").exists()
