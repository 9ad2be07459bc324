"""Baselines and the verdict against the best of them (issue 10, items 5 and 8b).

Climatology against a pandas groupby oracle, ``by_horizon`` on every baseline,
``best_baseline`` / ``skill_vs_best`` in metrics.json (fit, evaluate, tag), the CLI
verdict that names the best baseline, a loaded run that reuses the fit-time
climatology, and diagnose's scores in the target's units.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli

import seqguard
from seqguard.baselines import (
    Climatology,
    baseline_scores,
    season_kind,
    season_position,
    tag_baseline_scores,
)
from seqguard.metrics import SKILL_MARGIN, beats_baseline, best_baseline, verdict_lines

VAL_START, TEST_START = pd.Timestamp("2012-01-01"), pd.Timestamp("2015-01-01")
_TINY = {"epochs": 1, "hidden": 8, "layers": 1, "progress": False}


def monthly_frame(seed: int = 0) -> pd.DataFrame:
    """20 years of a strongly seasonal monthly series, with missing targets; every
    March of the training years is missing (a position unseen in training)."""
    rng = np.random.default_rng(seed)
    t = pd.date_range("2000-01-01", periods=240, freq="MS")
    y = 50 + 20 * np.sin(2 * np.pi * (t.month.to_numpy() - 1) / 12) + rng.normal(0, 1.0, len(t))
    y[rng.random(len(t)) < 0.08] = np.nan
    # on the grid seqguard reads (re-reading this frame gives the same rows)
    df = seqguard.read(pd.DataFrame({"time": t, "y": y}), target="y",
                       time_col="time").frame[["time", "y"]].copy()
    df.loc[(df.time.dt.month == 3) & (df.time < VAL_START), "y"] = np.nan
    return df


def _tail(df: pd.DataFrame, input_len: int) -> pd.DataFrame:
    """The test part with the ``input_len`` rows before it: its windows are exactly the
    test windows of a fit (every target row in the test part)."""
    first = int(np.flatnonzero((df.time >= TEST_START).to_numpy())[0])
    return df.iloc[first - input_len:].reset_index(drop=True)


def oracle_climatology(train: pd.DataFrame, times: pd.Series, key) -> np.ndarray:
    """Training mean of the target by ``key(time)``, mapped onto ``times``; a position
    not seen in training gets the training mean."""
    means = train.groupby(key(train["time"]))["y"].mean()
    return key(times).map(means).fillna(train["y"].mean()).to_numpy(np.float64)


def month(t: pd.Series) -> pd.Series:
    return t.dt.month


def hour(t: pd.Series) -> pd.Series:
    return t.dt.hour


@pytest.fixture(scope="module")
def monthly_run(tmp_path_factory):
    df = monthly_frame()
    f = seqguard.Forecaster("y", input_len=6, horizon=3, val_start=str(VAL_START.date()),
                            test_start=str(TEST_START.date()),
                            read_options={"time_col": "time"}, **_TINY).fit(df)
    run = tmp_path_factory.mktemp("verdict") / "run"
    f.save(run)
    return f, df, run


# ----------------------------------------------------------------- season position
@pytest.mark.parametrize("freq, season, times, expected", [
    ("MS", 12, ["2020-01-01", "2020-07-01", "2021-12-01"], [0, 6, 11]),
    (pd.offsets.MonthBegin(), 12, ["2020-03-01", "2021-03-01"], [2, 2]),
    (pd.Timedelta(days=31), 12, ["2020-03-01", "2021-11-01"], [2, 10]),
    ("QS", 4, ["2020-01-01", "2020-10-01"], [0, 3]),
    ("h", 24, ["2020-01-01 00:00", "2020-01-05 17:00"], [0, 17]),
    (pd.Timedelta(hours=1), 24, ["2020-01-01 23:00"], [23]),
    (pd.offsets.Hour(), 24, ["2020-01-01 06:00"], [6]),
    ("15min", 96, ["2020-01-01 00:15", "2020-01-02 23:45"], [1, 95]),
    ("D", 7, ["2024-01-01", "2024-01-07"], [0, 6]),  # a Monday, a Sunday
    (pd.Timedelta(days=1), 7, ["2024-01-03"], [2]),
    (pd.offsets.Week(weekday=5), 52, ["2024-01-06", "2024-12-28"], [0, 51]),
    (pd.Timedelta(weeks=1), 52, ["2024-01-06"], [0]),
    ("D", 1, ["2024-01-03", "2025-07-01"], [0, 0]),
], ids=["MS", "MonthBegin", "31days", "QS", "h", "Timedelta-h", "Hour", "15min", "D",
        "Timedelta-D", "W-SAT", "Timedelta-W", "no-season"])
def test_season_position_is_the_calendar_position(freq, season, times, expected):
    t = pd.Series(pd.to_datetime(times))
    assert season_position(t, freq, season).tolist() == expected


def test_season_position_in_the_time_zone_of_the_stamps():
    t = pd.Series(pd.date_range("2020-06-01 00:00", periods=3, freq="h", tz="Europe/Paris"))
    assert season_position(t, "h", 24).tolist() == [0, 1, 2]  # local hours, not UTC


def test_season_position_step_index_modulo_the_season():
    # numeric time: round(time / freq) modulo the season
    assert season_position([0.0, 2.0, 4.0, 6.0, 8.0], 2.0, 3).tolist() == [0, 1, 2, 0, 1]
    # an explicit season that is not the calendar one: grid steps since 1970-01-01
    t = pd.Series(pd.date_range("1970-01-01", periods=200, freq="h"))
    assert season_kind("h", 168) == "step"
    assert season_position(t, "h", 168).tolist() == [i % 168 for i in range(200)]
    m = pd.Series(pd.date_range("1970-01-01", periods=30, freq="MS"))
    assert season_position(m, "MS", 6).tolist() == [i % 6 for i in range(30)]
    # the shape of the input is kept
    assert season_position(np.arange(6.0).reshape(2, 3), 1.0, 4).tolist() == [[0, 1, 2],
                                                                              [3, 0, 1]]


# ----------------------------------------------------------------- climatology
def test_climatology_matches_a_pandas_groupby_oracle_by_month():
    df = monthly_frame()
    train, test = df[df.time < VAL_START], df[df.time >= TEST_START]
    clim = Climatology(12).fit(train["time"], train["y"], pd.offsets.MonthBegin())
    got = clim.predict(test["time"], pd.offsets.MonthBegin())
    expected = oracle_climatology(train, test["time"], month)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert 2 not in clim.table_  # March was never observed in training ...
    march = (test["time"].dt.month == 3).to_numpy()
    np.testing.assert_allclose(got[march], np.nanmean(train["y"]))  # ... so: the mean
    assert clim.position_name == "month of year"
    # the Timedelta grid step of the same data gives the same table
    again = Climatology(12).fit(train["time"], train["y"], pd.Timedelta(days=31))
    assert again.table_ == clim.table_


def test_climatology_matches_a_pandas_groupby_oracle_by_hour(rng):
    t = pd.Series(pd.date_range("2021-01-01", periods=24 * 40, freq="h"))
    y = pd.Series(10 + 3 * np.cos(2 * np.pi * t.dt.hour / 24) + rng.normal(0, 0.3, len(t)))
    y[rng.random(len(t)) < 0.1] = np.nan
    train_rows = t < pd.Timestamp("2021-01-31")
    y[train_rows & (t.dt.hour == 5)] = np.nan  # hour 5 unseen in training
    train = pd.DataFrame({"time": t[train_rows], "y": y[train_rows]})
    clim = Climatology(24).fit(train["time"], train["y"], pd.Timedelta(hours=1))
    test_t = t[~train_rows].reset_index(drop=True)
    got = clim.predict(test_t, pd.offsets.Hour())
    np.testing.assert_allclose(got, oracle_climatology(train, test_t, hour), rtol=1e-12)
    assert np.allclose(got[(test_t.dt.hour == 5).to_numpy()], train["y"].mean())


def test_climatology_state_is_plain_json():
    df = monthly_frame()
    train = df[df.time < VAL_START]
    clim = Climatology(12).fit(train["time"], train["y"], "MS")
    state = json.loads(json.dumps(clim.to_dict(), allow_nan=False))
    back = Climatology.from_dict(state)
    assert back.table_ == clim.table_ and back.mean_ == clim.mean_
    assert back.kind_ == "month"
    np.testing.assert_array_equal(back.predict(df["time"], "MS"), clim.predict(df["time"], "MS"))


def test_climatology_refuses_a_training_part_without_targets():
    with pytest.raises(seqguard.errors.InputError, match="no observed value"):
        Climatology(12).fit(pd.date_range("2020", periods=3, freq="MS"), [np.nan] * 3, "MS")


# ----------------------------------------------------------------- by_horizon
def test_every_baseline_reports_by_horizon(rng):
    y = rng.normal(10, 2, 80)
    y[rng.random(80) < 0.2] = np.nan
    rows = np.arange(20, 60).reshape(-1, 4)  # 10 windows, horizon 4
    truth = y[rows]
    clim = rng.normal(10, 1, rows.shape)
    s = baseline_scores(truth, y=y, target_rows=rows, series_start=0, season=3,
                        train_mean=10.0, climatology=clim)
    assert list(s) == ["persistence", "seasonal_naive", "climatology", "mean"]
    for name, entry in s.items():
        assert [b["h"] for b in entry["by_horizon"]] == [1, 2, 3, 4], name
        for b in entry["by_horizon"]:
            h = b["h"] - 1
            seen = ~np.isnan(truth[:, h])
            if not seen.any():
                assert b["mae"] is None
    # per-step MAE of the climatology against a direct computation
    for b in s["climatology"]["by_horizon"]:
        h = b["h"] - 1
        seen = ~np.isnan(truth[:, h])
        assert b["mae"] == pytest.approx(np.abs(clim[seen, h] - truth[seen, h]).mean())
        assert b["rmse"] == pytest.approx(math.sqrt(((clim[seen, h] - truth[seen, h]) ** 2)
                                                    .mean()))
    tag = tag_baseline_scores(truth[:, 0], train_mean=10.0, climatology=clim[:, 0])
    assert list(tag) == ["climatology", "mean"]
    assert all(entry["by_horizon"] is None for entry in tag.values())  # no horizon


def test_fit_metrics_have_by_horizon_for_every_baseline(monthly_run):
    f, _, _ = monthly_run
    m = f.metrics_
    assert set(m["baselines"]) == {"persistence", "seasonal_naive", "climatology", "mean"}
    for name, entry in m["baselines"].items():
        assert [b["h"] for b in entry["by_horizon"]] == [1, 2, 3], name
        assert all(b["mae"] is not None for b in entry["by_horizon"])


# ----------------------------------------------------------------- best baseline
def test_best_baseline_helper():
    assert best_baseline({"persistence": {"mae": 2.0}, "seasonal_naive": {"mae": 2.0},
                          "mean": {"mae": 3.0}}) == "persistence"  # the first of equals
    assert best_baseline({"persistence": {"mae": None}, "mean": {"mae": 3.0}}) == "mean"
    assert best_baseline({"persistence": {"mae": None}}) is None


def test_best_baseline_and_skill_on_a_seasonal_series(monthly_run):
    f, _, _ = monthly_run
    m = f.metrics_
    base = m["baselines"]
    maes = {k: v["mae"] for k, v in base.items()}
    assert m["best_baseline"] == min(maes, key=maes.get)
    # a seasonal series: the seasonal baselines beat persistence by far
    assert m["best_baseline"] in ("seasonal_naive", "climatology")
    assert maes[m["best_baseline"]] < 0.5 * maes["persistence"]
    assert m["skill_vs_best"] == pytest.approx(1 - m["test"]["mae"] / maes[m["best_baseline"]])
    assert m["skill_vs_persistence"] == pytest.approx(1 - m["test"]["mae"] /
                                                      maes["persistence"])
    assert base["climatology"]["season"] == 12 and base["seasonal_naive"]["season"] == 12
    assert base["climatology"]["position"] == "month of year"
    keys = list(m)
    assert keys.index("skill_vs_persistence") + 1 == keys.index("best_baseline")
    assert keys.index("best_baseline") + 1 == keys.index("skill_vs_best")
    json.dumps(m, allow_nan=False)


def test_fit_time_climatology_matches_the_oracle_on_the_test_windows(monthly_run):
    f, df, _ = monthly_run
    # the test windows: every window whose targets are in the test part; predicting the
    # data from input_len rows before the test start gives exactly their target rows
    tail = _tail(df, 6)
    rows = f.predict(tail)
    assert rows["time"].min() == df.time[df.time >= TEST_START].min()
    train = df[df.time < VAL_START]
    clim = oracle_climatology(train, rows["time"], month)
    seen = rows["observed"].notna().to_numpy()
    err = np.abs(clim - rows["observed"].to_numpy())
    entry = f.metrics_["baselines"]["climatology"]
    assert entry["mae"] == pytest.approx(err[seen].mean(), rel=1e-9)
    for b in entry["by_horizon"]:
        at = seen & (rows["horizon"].to_numpy() == b["h"])
        assert b["mae"] == pytest.approx(err[at].mean(), rel=1e-9)
    assert f.metrics_["baselines"]["mean"]["mae"] == pytest.approx(
        np.abs(train["y"].mean() - rows["observed"].to_numpy())[seen].mean(), rel=1e-9)


def test_evaluate_on_a_loaded_run_reuses_the_fit_time_climatology(monthly_run):
    f, df, run = monthly_run
    state = json.loads((run / "pipeline.json").read_text())["state"]["climatology"]
    assert state["kind"] == "month" and 2 not in state["positions"]  # no March
    loaded = seqguard.load(run)
    tail = _tail(df, 6)
    ev = loaded.evaluate(tail)
    fit_clim = f.metrics_["baselines"]["climatology"]
    assert ev["baselines"]["climatology"]["mae"] == pytest.approx(fit_clim["mae"], rel=1e-12)
    for got, want in zip(ev["baselines"]["climatology"]["by_horizon"],
                         fit_clim["by_horizon"], strict=True):
        assert got["h"] == want["h"] and got["mae"] == pytest.approx(want["mae"], rel=1e-12)
    # the mean baseline is the stored training mean too, not the mean of the new data
    assert ev["baselines"]["mean"]["mae"] == pytest.approx(
        f.metrics_["baselines"]["mean"]["mae"], rel=1e-12)
    maes = {k: v["mae"] for k, v in ev["baselines"].items()}
    assert ev["best_baseline"] == min(maes, key=maes.get)
    assert ev["skill_vs_best"] == pytest.approx(1 - ev["test"]["mae"] /
                                                maes[ev["best_baseline"]])


def test_a_run_without_a_stored_climatology_is_scored_without_it(monthly_run):
    _, df, run = monthly_run
    old = seqguard.load(run)
    old._set_state({})  # the state of a run written before the climatology existed
    assert old.climatology_ is None
    ev = old.evaluate(_tail(df, 6))
    assert set(ev["baselines"]) == {"persistence", "seasonal_naive", "mean"}
    assert ev["best_baseline"] in ev["baselines"]


def test_tag_compares_with_climatology_and_mean(rng):
    t = pd.date_range("2021-01-01", periods=24 * 30, freq="h")
    x = rng.normal(size=len(t))
    y = 20 + 8 * np.sin(2 * np.pi * t.hour.to_numpy() / 24) + 0.5 * x + rng.normal(0, 0.3, len(t))
    df = pd.DataFrame({"time": t, "x": x, "y": y})
    tagger = seqguard.SequenceTagger("y", input_len=12, read_options={"time_col": "time"},
                                     **_TINY).fit(df)
    m = tagger.metrics_
    assert list(m["baselines"]) == ["climatology", "mean"]
    assert m["baselines"]["climatology"]["mae"] < 0.5 * m["baselines"]["mean"]["mae"]
    assert m["best_baseline"] == "climatology"
    assert m["skill_vs_best"] == pytest.approx(
        1 - m["test"]["mae"] / m["baselines"]["climatology"]["mae"])
    assert m["skill_vs_persistence"] is None and m["skill_vs_mean"] is not None


def test_numeric_time_has_no_climatology_without_a_season(rng):
    df = pd.DataFrame({"y": np.cumsum(rng.normal(size=300))})
    f = seqguard.Forecaster("y", input_len=8, horizon=2, **_TINY).fit(df)
    assert set(f.metrics_["baselines"]) == {"persistence", "seasonal_naive", "mean"}
    assert f.metrics_["best_baseline"] in f.metrics_["baselines"]


# ----------------------------------------------------------------- verdict
def test_verdict_lines_name_the_best_baseline_and_persistence():
    m = {"task": "forecast", "input_len": 48, "best_baseline": "climatology",
         "skill_vs_best": 0.12, "skill_vs_persistence": 0.3, "prediction_std_ratio": 1.0,
         "baselines": {"climatology": {"season": 24, "position": "hour of day"}}}
    lines = verdict_lines(m)
    assert lines[0] == ("The model beats climatology, the best baseline: skill +0.120 "
                        "(1 - MAE/MAE_climatology).")
    assert lines[1].startswith("The model beats persistence: skill +0.300")
    assert len(lines) == 2  # no advice for a model that wins
    m.update(best_baseline="persistence", skill_vs_best=0.01, skill_vs_persistence=0.01)
    lines = verdict_lines(m)
    assert lines[0].startswith("The model does NOT beat persistence (the best baseline): "
                               "skill +0.010 (1 - MAE/MAE_persistence) (a gain under 2%")
    assert "--epochs" in lines[1] and "--lr" in lines[1] and len(lines) == 2
    assert not beats_baseline(0.01) and SKILL_MARGIN == 0.02


def test_cli_fit_and_evaluate_name_the_best_baseline(tmp_path, capsys):
    df = monthly_frame()
    data = tmp_path / "monthly.csv"
    df.to_csv(data, index=False)
    out = tmp_path / "run"
    code, text, err = run_cli(["fit", str(data), "--target", "y", "--time-col", "time",
                               "--input-len", "6", "--horizon", "3", "--epochs", "1",
                               "--hidden", "8", "--layers", "1",
                               "--val-start", str(VAL_START.date()),
                               "--test-start", str(TEST_START.date()),
                               "--out", str(out)], capsys)
    assert code == 0, err
    m = json.loads((out / "metrics.json").read_text())
    best, sk = m["best_baseline"], m["skill_vs_best"]
    assert best in ("seasonal_naive", "climatology")
    if beats_baseline(sk):
        assert f"The model beats {best}, the best baseline: skill {sk:+.3f}" in text
    else:
        assert (f"The model does NOT beat {best} (the best baseline): skill {sk:+.3f} "
                f"(1 - MAE/MAE_{best})") in text
        # the calendar is off by default: the advice names it
        assert "--input-len 12 or more (now 6)" in text and "--calendar auto" in text
        assert "--lags 12" in text and "every 12 steps" in text
    sp = m["skill_vs_persistence"]
    assert f"persistence: skill {sp:+.3f} (1 - MAE/MAE_persistence)" in text
    assert "in the target's units ('y')" in text
    code, text, err = run_cli(["evaluate", str(out), str(data)], capsys)
    assert code == 0, err
    assert "(the best baseline)" in text or "the best baseline:" in text
    assert "climatology" in text


# ----------------------------------------------------------------- diagnose
def test_diagnose_scores_are_in_the_target_units(monthly_run, capsys):
    f, df, run = monthly_run
    diag = seqguard.diagnose(run, df)
    scores = diag.context["scores"]
    assert scores["units"] == "the target's units ('y')"
    # the diagnosed windows are the test windows: the MAEs are those of metrics.json
    assert diag.context["windows"] == "test"
    m = f.metrics_
    assert scores["model"] == pytest.approx(m["test"]["mae"], rel=1e-5)
    assert scores["persistence"] == pytest.approx(m["baselines"]["persistence"]["mae"],
                                                  rel=1e-5)
    assert scores["mean"] == pytest.approx(m["baselines"]["mean"]["mae"], rel=1e-5)
    data = run.parent / "monthly.csv"
    df.to_csv(data, index=False)
    code, text, err = run_cli(["diagnose", str(run), str(data)], capsys)
    assert code == 0, err
    # the untrained-like model is no better than the mean or persistence here
    assert "no_better_than" in text
    assert "in the target's units ('y')" in text


def test_diagnose_names_a_seasonal_best_baseline(monthly_run):
    f, df, run = monthly_run
    m = f.metrics_
    best = m["best_baseline"]
    assert best in ("seasonal_naive", "climatology") and not beats_baseline(m["skill_vs_best"])
    for diag in (seqguard.diagnose(run), seqguard.diagnose(run, df)):  # metrics / data
        assert "no_better_than_best_baseline" in diag.codes
        found = diag.findings[diag.codes.index("no_better_than_best_baseline")]
        assert found["evidence"]["baseline"] == best
        assert found["evidence"][f"{best}_mae"] == pytest.approx(
            m["baselines"][best]["mae"], rel=1e-6)
        assert "the best baseline" in found["message"]
        assert "in the target's units ('y')" in found["message"]


def test_diagnose_best_baseline_finding_only_for_a_seasonal_best():
    from seqguard.diagnose.collapse import _baseline_findings

    codes = [f["code"] for f in _baseline_findings(
        {"model": 1.0, "persistence": 1.0, "mean": 2.0, "climatology": 1.5}, "the test part")]
    assert codes == ["no_better_than_persistence"]  # persistence is the best: covered
    codes = [f["code"] for f in _baseline_findings(
        {"model": 0.5, "persistence": 1.0, "mean": 2.0, "climatology": 0.9}, "the test part")]
    assert codes == []  # beats every baseline
    found = _baseline_findings({"model": 0.99, "persistence": 1.0, "mean": 2.0,
                                "seasonal_naive": 0.6}, "the test part", units="y")
    assert [f["code"] for f in found] == ["no_better_than_persistence",
                                          "no_better_than_best_baseline"]
    assert "in the target's units ('y')" in found[1]["message"]


def test_advice_leaves_out_the_options_the_run_already_used():
    from seqguard.metrics import verdict_lines

    m = {"task": "forecast", "input_len": 24, "best_baseline": "climatology",
         "skill_vs_best": -0.4, "skill_vs_persistence": 0.8, "prediction_std_ratio": 1.0,
         "baselines": {"climatology": {"season": 12, "position": "month of year"}}}
    fresh = verdict_lines(m)[-1]
    assert "--calendar auto" in fresh and "--lags 12" in fresh
    half = verdict_lines(m, {"calendar": "auto", "lags": None, "epochs": 30})[-1]
    assert "--calendar auto" not in half and "--lags 12" in half
    done = verdict_lines(m, {"calendar": "auto", "lags": "y:1,12", "epochs": 30})[-1]
    assert done == ("To beat climatology: the model already sees the season (--calendar, "
                    "--lags 12); train longer (--epochs above 30) or give it more inputs that "
                    "lead the target (--features, --rolling).")
