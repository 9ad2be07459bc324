"""The pure helpers of benchmarks/bench_accuracy.py (no bench extra needed): scoring over
observed targets, past-only peer features, the stratified splits and the test windows."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_accuracy.py"
_spec = importlib.util.spec_from_file_location("bench_accuracy", _PATH)
B = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("bench_accuracy", B)  # dataclasses look their module up
_spec.loader.exec_module(B)


def test_mae_scores_observed_targets_only() -> None:
    truth = np.array([[1.0, np.nan], [3.0, 5.0]])
    pred = np.array([[2.0, np.nan], [3.0, 1.0]])  # no prediction needed where unobserved
    assert B.mae(pred, truth) == pytest.approx((1 + 0 + 4) / 3)


def test_mae_refuses_a_missing_prediction_at_an_observed_target() -> None:
    with pytest.raises(ValueError, match="non-finite prediction"):
        B.mae(np.array([np.nan]), np.array([1.0]))


def test_lag_features_read_only_the_past_and_match_pandas() -> None:
    rng = np.random.default_rng(0)
    y = rng.normal(size=60)
    y[[5, 17, 18]] = np.nan
    origins = np.arange(9, 50)
    f = B.lag_features(y, origins, lags=10, windows=(3, 10))
    s = pd.Series(y)
    for k in (0, 1, 9):
        np.testing.assert_array_equal(f[f"lag_{k}"], s.shift(k).to_numpy()[origins])
    np.testing.assert_allclose(f["mean_3"], s.rolling(3, min_periods=1).mean().to_numpy()[origins])
    np.testing.assert_allclose(f["std_10"],
                               s.rolling(10, min_periods=1).std(ddof=0).to_numpy()[origins])
    # changing the future leaves every feature of an origin unchanged
    y2 = y.copy()
    y2[30:] += 100.0
    g = B.lag_features(y2, origins, lags=10, windows=(3, 10))
    before = origins < 30
    for name in f:
        np.testing.assert_array_equal(f[name][before], g[name][before])


def test_lag_features_last_observed_and_its_age() -> None:
    y = np.array([1.0, np.nan, np.nan, np.nan])
    f = B.lag_features(y, np.array([0, 3]), lags=2, windows=())
    assert f["last"][0] == 1.0 and f["age"][0] == 0
    assert np.isnan(f["last"][1]) and f["age"][1] == 3  # none in the last 2 rows


def test_stratified_split_is_disjoint_stratified_and_seeded() -> None:
    y = np.array([0] * 300 + [1] * 50)
    tr, va, te = B.stratified_split(y, seed=3)
    assert len(set(tr) | set(va) | set(te)) == len(y) == len(tr) + len(va) + len(te)
    assert y[te].mean() == pytest.approx(y.mean(), abs=0.01)
    assert y[va].mean() == pytest.approx(y.mean(), abs=0.02)
    again = B.stratified_split(y, seed=3)
    other = B.stratified_split(y, seed=4)
    assert all(np.array_equal(a, b) for a, b in zip((tr, va, te), again))
    assert not np.array_equal(te, other[2])


def test_test_frame_keeps_windows_whose_first_target_is_in_the_test_part() -> None:
    times = pd.date_range("2020-01-01", periods=6, freq="D")
    rows = []
    for o in range(3):  # origins day 0, 1, 2; horizon 2
        for h in (1, 2):
            rows.append({"series": "a", "origin": times[o], "time": times[o + h],
                         "horizon": h, "prediction": float(o), "observed": float(o + h)})
    keys, pred, truth = B._test_frame(pd.DataFrame(rows), "2020-01-03", 2)
    assert list(keys["origin"]) == [times[1], times[2]]
    np.testing.assert_array_equal(pred, [[1, 1], [2, 2]])
    np.testing.assert_array_equal(truth, [[2, 3], [3, 4]])


def test_calendar_features_by_grid() -> None:
    t = pd.date_range("2021-03-01 05:00", periods=2, freq="h")
    assert set(B.calendar_features(t, "h")) == {"hour", "dow", "doy", "month"}
    assert set(B.calendar_features(t, "MS")) == {"month"}
    assert B.calendar_features(t, "h")["hour"].tolist() == [5, 6]
