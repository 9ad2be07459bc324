"""Seasonality by default (issue 11, item 1): calendar features on for datetime time,
the baseline channels, and ``--head residual:auto|persistence|seasonal|climatology``."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from cli_helpers import run_cli

import seqguard
from seqguard.baselines import seasonal_naive
from seqguard.errors import DataWarning, InputError
from seqguard.features import Calendar
from seqguard.models import SequenceModel
from seqguard.residual_base import HEADS, BaselineInputs, parse_head

FAST = {"epochs": 1, "hidden": 8, "layers": 1, "progress": False, "batch_size": 32}


def monthly(n: int = 240, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = pd.date_range("2000-01-01", periods=n, freq="MS")
    y = 10 * np.sin(2 * np.pi * np.arange(n) / 12) + rng.normal(0, 0.5, n)
    return pd.DataFrame({"time": t, "y": y})


def fit(df: pd.DataFrame, **kw) -> seqguard.Forecaster:
    params = {"input_len": 24, "horizon": 6, **FAST, **kw}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return seqguard.Forecaster("y", **params).fit(df)


# ------------------------------------------------------------------ head option
@pytest.mark.parametrize("text, expected", [
    ("residual", ("residual", "auto")), ("residual:auto", ("residual", "auto")),
    ("residual:seasonal", ("residual", "seasonal")),
    ("Residual:Climatology", ("residual", "climatology")),
    ("residual:persistence", ("residual", "persistence")), ("direct", ("direct", None)),
])
def test_parse_head(text, expected):
    assert parse_head(text) == expected


def test_parse_head_names_the_choices():
    with pytest.raises(InputError, match=r"--head option must be one of .*Got "
                                         r"'residual:seasnal' instead\. Did you mean "
                                         r"'residual:seasonal'"):
        parse_head("residual:seasnal")


def test_cli_head_choices_match_the_library():
    from seqguard.cli import _HEADS

    assert _HEADS == HEADS


# ------------------------------------------------------------------ calendar
@pytest.mark.parametrize("freq, parts", [
    ("MS", ["month"]), ("QS", ["month"]), ("W-SUN", ["dayofyear"]),
    ("D", ["dayofweek", "month"]), ("B", ["dayofweek", "month"]),
    ("h", ["hour", "dayofweek", "month"]), ("YS", []),
], ids=["monthly", "quarterly", "weekly", "daily", "business-daily", "hourly", "yearly"])
def test_calendar_auto_parts_follow_the_grid(freq, parts):
    # three years: every part's cycle is covered twice by the training span
    t = pd.date_range("2001-01-01", "2004-01-01", freq=freq)
    cal = Calendar("auto", freq=freq).fit(pd.DataFrame({"t": t}))
    assert cal.parts_ == parts


def test_calendar_auto_is_silent_for_numeric_time_but_named_parts_warn():
    X = pd.DataFrame({"t": np.arange(10.0)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Calendar("auto").fit(X).parts_ == []
    with pytest.warns(DataWarning, match="Calendar features need datetime time"):
        Calendar(["month"]).fit(X)


def test_calendar_is_opt_in_and_auto_picks_the_parts_of_the_grid():
    # off by default until the Beijing loss of docs/seasonal.md is explained
    assert seqguard.Forecaster("y").get_params()["calendar"] is None
    on = fit(monthly(), calendar="auto")
    assert [c for c in on.feature_names_ if c.startswith("cal__")] == [
        "cal__month_sin", "cal__month_cos"]
    off = fit(monthly(), calendar="none")
    assert not [c for c in off.feature_names_ if c.startswith("cal__")]


def test_numeric_time_is_never_an_input():
    df = pd.DataFrame({"y": np.sin(np.arange(200) / 3)})
    est = fit(df, input_len=12, horizon=2)
    assert est.feature_names_ == ["y"]
    # no season: the head starts from the last observed value, as before
    assert est.pipeline_.residual_base_ is None and est.baseline_summary() is None
    assert "baselines" not in est.model_config_


def test_explicit_seasonal_head_needs_a_season():
    df = pd.DataFrame({"y": np.sin(np.arange(200) / 3)})
    with pytest.raises(InputError, match=r"--head residual:seasonal needs a season, but the "
                                         r"season of this grid is 1\. Pass --season N"):
        fit(df, input_len=12, horizon=2, head="residual:seasonal")


# ------------------------------------------------------------------ channels
def test_seasonal_channel_is_seasonal_naive_and_past_only():
    rng = np.random.default_rng(1)
    n, L, H, m = 60, 8, 5, 4
    y = rng.normal(size=n).astype(np.float32)
    y[[10, 23, 24]] = np.nan
    bounds = np.array([0, 30, 60])
    last = seqguard.windows.last_observed(y, bounds)
    inputs = BaselineInputs("seasonal", ["persistence", "seasonal"], m, y, last, bounds, None)
    ends = np.array([9, 12, 28 - H, 30 + L - 1, 55 - H])
    got = inputs(ends, H)
    assert got.shape == (5, 3, H)
    rows = ends[:, None] + np.arange(1, H + 1)
    starts = bounds[np.searchsorted(bounds, ends, side="right") - 1]
    oracle = seasonal_naive(y.astype(np.float64), rows, starts, m, last=last[ends])
    np.testing.assert_allclose(got[:, 0], oracle, rtol=1e-6)
    np.testing.assert_allclose(got[:, 2], oracle, rtol=1e-6)
    np.testing.assert_allclose(got[:, 1], np.repeat(last[ends][:, None], H, 1), rtol=1e-6)
    # leak-free: changing every row after a window's last input row changes nothing
    for i, e in enumerate(ends):
        future = y.copy()
        future[e + 1:] = 1e6
        fut = BaselineInputs("seasonal", ["persistence", "seasonal"], m, future,
                             seqguard.windows.last_observed(future, bounds), bounds, None)
        np.testing.assert_array_equal(fut(ends[i:i + 1], H), got[i:i + 1])


def test_model_without_channels_in_the_batch_adds_nothing():
    m = SequenceModel(n_features=2, task="forecast", horizon=3, hidden=4, baselines=2)
    x = torch.zeros(2, 5, 2)
    base = torch.tensor([[1.0, 2, 3], [4, 5, 6]])
    last = torch.stack([base, base + 1, base - 7], dim=1)
    assert torch.equal(m(x, last), base)
    assert torch.equal(m(x, torch.tensor([1.0, 2.0])), torch.tensor([[1.0] * 3, [2.0] * 3]))
    with pytest.raises(InputError, match=r"last must have shape \(2,\) or \(2, 3, 3\)"):
        m(x, torch.zeros(2, 2, 3))


# ------------------------------------------------------------------ untrained = baseline
def _zero_correction(est: seqguard.Forecaster) -> None:
    with torch.no_grad():
        est.model_.head.out.weight.zero_()
        est.model_.head.out.bias.zero_()


@pytest.mark.parametrize("head, base", [("residual:seasonal", "seasonal_naive"),
                                        ("residual:climatology", "climatology"),
                                        ("residual:persistence", "persistence")])
def test_untrained_model_predicts_exactly_its_baseline(head, base):
    df = monthly()
    est = fit(df, head=head)
    _zero_correction(est)
    m = est.evaluate(df)  # every window of the data, scored like metrics.json
    assert m["test"]["mae"] == pytest.approx(m["baselines"][base]["mae"], rel=1e-5)
    prep, _ = est._transform(df)
    pred, _, rows, starts = est._window_frame(prep, prep.datasets["all"])
    if base == "seasonal_naive":
        expected = seasonal_naive(prep.y_raw, rows, starts, 12)
    elif base == "climatology":
        times = prep.table.frame["time"].iloc[rows.reshape(-1)]
        expected = est.climatology_.predict(times, prep.table.freq).reshape(rows.shape)
    else:
        expected = np.repeat(prep.y_raw[rows[:, 0] - 1][:, None], rows.shape[1], axis=1)
    np.testing.assert_allclose(pred, expected, rtol=1e-5, atol=1e-4)


def test_auto_picks_the_best_baseline_on_validation():
    est = fit(monthly(), head="residual:auto")
    spec = est.pipeline_.residual_base_
    assert spec["head"] == "residual:auto" and spec["chosen_on"] == "validation"
    assert set(spec["mae"]) == {"persistence", "seasonal", "climatology"}
    assert spec["base"] == min(spec["mae"], key=spec["mae"].get)
    assert spec["base"] != "persistence"  # a clean sine: a seasonal baseline wins
    # a seasonal base: the head also reads the other baselines (USE_CHANNELS "seasonal")
    assert spec["channels"] == ["persistence", "seasonal", "climatology"]
    assert est.model_config_["baselines"] == 3
    # the validation MAEs are those of the baselines on the validation windows
    val = est.pipeline_.transform(est._read(monthly()))
    sn = seasonal_naive(val.y_raw, val.val.target_rows(),
                        0, 12)
    truth = val.y_raw[val.val.target_rows()]
    assert spec["mae"]["seasonal"] == pytest.approx(np.nanmean(np.abs(sn - truth)), rel=1e-5)


def test_default_head_is_auto_and_persistence_keeps_the_fast_path():
    # plain "residual" (the default) picks the baseline: seasonal on a clean sine
    est = fit(monthly())
    assert est.get_params()["head"] == "residual"
    assert est.pipeline_.residual_base_["base"] != "persistence"
    assert est.pipeline_.baseline_inputs(est._transform(monthly())[0]) is not None
    # a random walk: persistence wins, the choice is recorded, and the windows give
    # the model the last observed value (the batch's fast path), not a baseline call
    rng = np.random.default_rng(1)
    walk = pd.DataFrame({"time": pd.date_range("2000-01-01", periods=240, freq="MS"),
                         "y": np.cumsum(rng.normal(0, 1, 240)) * 5})
    est = fit(walk)
    spec = est.pipeline_.residual_base_
    assert spec["base"] == "persistence" and spec["head"] == "residual:auto"
    assert spec["channels"] == [] and "baselines" not in est.model_config_
    assert "ar_steps" not in est.model_config_  # --ar auto: off on persistence
    prep, _ = est._transform(walk)
    assert est.pipeline_.baseline_inputs(prep) is None
    assert est.pipeline_.baseline_inputs(prep, for_model=False) is not None
    assert all(getattr(ds, "baseline", None) is None for ds in prep.datasets.values())


def test_auto_without_validation_uses_the_training_windows():
    est = fit(monthly(), val_frac=0.0, head="residual:auto")
    assert est.pipeline_.residual_base_["chosen_on"] == "training"


def test_choice_is_saved_and_used_by_a_loaded_run(tmp_path):
    df = monthly()
    est = fit(df, epochs=2, head="residual:auto")
    est.save(tmp_path / "run")
    spec = json.loads((tmp_path / "run" / "pipeline.json").read_text())
    assert "residual_base_" in json.dumps(spec["pipeline"])
    loaded = seqguard.load(tmp_path / "run")
    assert loaded.pipeline_.residual_base_["base"] == est.pipeline_.residual_base_["base"]
    pd.testing.assert_frame_equal(loaded.predict(df), est.predict(df))
    assert loaded.evaluate(df)["test"] == est.evaluate(df)["test"]
    fut, fut2 = est.predict(df, future=True), loaded.predict(df, future=True)
    pd.testing.assert_frame_equal(fut, fut2)
    assert len(fut) == 6 and np.isfinite(fut["prediction"]).all()


def test_future_forecast_of_an_untrained_model_is_its_baseline():
    df = monthly()
    est = fit(df, head="residual:seasonal")
    _zero_correction(est)
    fut = est.predict(df, future=True)
    # seasonal naive after the end: the values one season before each future month
    np.testing.assert_allclose(fut["prediction"], df["y"].to_numpy()[-12:-6], rtol=1e-5)


def test_fit_prints_the_chosen_baseline(tmp_path, capsys):
    data = tmp_path / "m.csv"
    monthly().to_csv(data, index=False)
    code, out, err = run_cli(["fit", str(data), "--target", "y", "--input-len", "24",
                              "--horizon", "6", "--epochs", "1", "--hidden", "8",
                              "--layers", "1", "--head", "residual:auto",
                              "--out", str(tmp_path / "run")], capsys)
    assert code == 0, err
    line = next(s for s in out.splitlines() if s.startswith("head: "))
    assert "(auto: the lowest MAE on the validation windows; persistence " in line
    assert "an untrained model predicts exactly that baseline" in line
    code, out, err = run_cli(["fit", str(data), "--target", "y", "--head", "residual:seasnal",
                              "--out", str(tmp_path / "bad")], capsys)
    assert code == 2 and "residual:seasonal" in err


def test_calendar_auto_needs_two_cycles_of_training_span():
    t = pd.date_range("2001-01-01", periods=24 * 10, freq="h")  # 10 days
    assert Calendar("auto").fit(pd.DataFrame({"t": t})).parts_ == ["hour"]


def test_calendar_auto_keeps_only_parts_that_beat_the_mean_on_validation():
    est = fit(monthly(), calendar="auto")  # a clean yearly sine: month of year carries over
    assert est.pipeline_.calendar_ == "month"
    mae, mean = est.pipeline_.calendar_check_["month"]
    assert mae < 0.98 * mean
    rng = np.random.default_rng(3)  # white noise: no month pattern to carry over
    noise = monthly().assign(y=rng.normal(size=240))
    est = fit(noise, calendar="auto")
    assert est.pipeline_.calendar_ == "none"
    assert not [c for c in est.feature_names_ if c.startswith("cal__")]
