"""Past-only features: TA-Lib and pandas oracles, leakage, gaps, buckets, calendar, JSON."""

from __future__ import annotations

import itertools
import json
import warnings

import numpy as np
import pandas as pd
import pytest
import talib
from hypothesis import given, settings
from hypothesis import strategies as st

from seqguard.errors import DataWarning, InputError
from seqguard.features import (
    Calendar,
    Categoricals,
    FeatureBuilder,
    Indicators,
    Lags,
    RollingStats,
    parse_calendar,
    parse_indicators,
    parse_lags,
    parse_rolling,
)

TOL = 1e-6


# ---------------------------------------------------------------------------- data
def price_walk(seed: int = 0, n: int = 3000) -> np.ndarray:
    """Geometric random walk: a price-like series."""
    r = np.random.default_rng(seed)
    return 100.0 * np.exp(np.cumsum(r.normal(0.0, 0.01, n)))


@pytest.fixture(scope="module")
def beijing(beijing_path) -> pd.DataFrame:
    return pd.read_csv(beijing_path, usecols=["pm2.5", "TEMP", "PRES"])


def talib_outputs(x: np.ndarray) -> dict[str, np.ndarray]:
    """TA-Lib's values under seqguard's column names (column 'p')."""
    macd, signal, hist = talib.MACD(x, 12, 26, 9)
    upper, middle, lower = talib.BBANDS(x, 20, 2, 2, 0)
    return {
        "p__sma20": talib.SMA(x, 20), "p__sma5": talib.SMA(x, 5),
        "p__ema12": talib.EMA(x, 12), "p__ema26": talib.EMA(x, 26),
        "p__rsi14": talib.RSI(x, 14), "p__rsi6": talib.RSI(x, 6),
        "p__macd12_26_9": macd, "p__macdsignal12_26_9": signal, "p__macdhist12_26_9": hist,
        "p__bbmid20_2": middle, "p__bbup20_2": upper, "p__bblow20_2": lower,
    }


ALL_INDICATORS = ["sma:20", "sma:5", "ema:12", "ema:26", "rsi:14", "rsi:6", "macd:12/26/9",
                  "bollinger:20/2"]
OUTPUT_NAMES = list(talib_outputs(price_walk(n=100)))


def ours(x: np.ndarray, items=ALL_INDICATORS, groups=None) -> pd.DataFrame:
    X = pd.DataFrame({"p": x})
    return Indicators({"p": items}).fit(X).transform(X, groups=groups)


# ---------------------------------------------------------------------------- TA-Lib oracle
@pytest.mark.parametrize("name", OUTPUT_NAMES)
def test_indicators_match_talib_on_price_walk(name):
    x = price_walk(seed=1)
    ref = talib_outputs(x)[name]
    got = ours(x)[name].to_numpy()
    warm = np.isnan(ref)
    assert warm.sum() < 40 and not warm[40:].any()
    np.testing.assert_allclose(got[~warm], ref[~warm], rtol=0, atol=TOL)
    # Rows before TA-Lib's warm-up: NaN for all but the MACD line (defined 8 rows earlier).
    first = np.flatnonzero(~np.isnan(got))[0]
    assert first == (25 if name == "p__macd12_26_9" else warm.sum())


@pytest.mark.parametrize("column", ["TEMP", "PRES"])
@pytest.mark.parametrize("name", OUTPUT_NAMES)
def test_indicators_match_talib_on_beijing(beijing, column, name):
    x = beijing[column].to_numpy(np.float64)
    assert np.isfinite(x).all()
    ref = talib_outputs(x)[name]
    got = ours(x)[name].to_numpy()
    ok = ~np.isnan(ref)
    assert ok.sum() > len(x) - 40
    np.testing.assert_allclose(got[ok], ref[ok], rtol=0, atol=TOL)


def test_leading_missing_values_are_skipped_like_talib():
    x = price_walk(seed=2, n=400)
    x[:17] = np.nan
    got = ours(x)
    for name, ref in talib_outputs(x).items():
        ok = ~np.isnan(ref)
        np.testing.assert_allclose(got[name].to_numpy()[ok], ref[ok], rtol=0, atol=TOL,
                                   err_msg=name)
        assert np.isnan(got[name].to_numpy()[:17]).all(), name


def test_rsi_is_zero_without_any_movement_as_in_talib():
    x = np.r_[np.full(30, 5.0), np.arange(10.0)]
    got = ours(x, ["rsi:14"])["p__rsi14"].to_numpy()
    ref = talib.RSI(x, 14)
    np.testing.assert_allclose(got[14:], ref[14:], atol=TOL)
    assert (got[14:30] == 0).all()


# ---------------------------------------------------------------------------- gaps
RECURSIVE = ["p__ema12", "p__rsi14", "p__macd12_26_9", "p__macdsignal12_26_9",
             "p__macdhist12_26_9"]


@pytest.mark.parametrize("name", RECURSIVE)
def test_talib_propagates_nan_after_a_gap_ours_stays_finite(name):
    x = price_walk(seed=3, n=2000)
    gap = slice(700, 730)
    x[gap] = np.nan
    ref = talib_outputs(x)[name]
    # The problem: after the first missing input TA-Lib gives NaN for good (RSI: 0 for good).
    if name == "p__rsi14":
        assert (ref[700:] == 0).all()
    else:
        assert np.isnan(ref[700:]).all()
    got = ours(x)[name].to_numpy()
    assert np.isfinite(got[40:]).all()
    # Through the gap the value is held at the last one before it.
    assert (got[gap] == got[699]).all()
    # Equal to the indicator of the series with the gap rows removed (observation clock).
    compressed = ours(np.r_[x[:700], x[730:]])[name].to_numpy()
    np.testing.assert_allclose(got[730:], compressed[700:], rtol=0, atol=1e-12)
    # And sensible: it forgets the gap and meets TA-Lib restarted on the data after it.
    restarted = talib_outputs(x[730:])[name]
    np.testing.assert_allclose(got[730 + 500:], restarted[500:], rtol=0, atol=TOL)


def test_indicators_on_real_data_with_gaps_are_finite_after_warm_up(beijing):
    x = beijing["pm2.5"].to_numpy(np.float64)
    assert np.isnan(x).sum() > 2000
    first = np.flatnonzero(np.isfinite(x))[0]
    first_gap = first + np.flatnonzero(np.isnan(x[first:]))[0]
    assert first_gap < 1000
    assert np.isnan(talib.EMA(x, 12)[first_gap:]).all()
    got = ours(x, ["sma:20", "ema:12", "rsi:14", "macd", "bollinger"])
    tail = got.iloc[first + 60:]
    assert np.isfinite(tail.to_numpy()).all()
    rsi = tail["p__rsi14"].to_numpy()
    assert (rsi >= 0).all() and (rsi <= 100).all()
    ema = tail["p__ema12"].to_numpy()
    assert ema.min() >= np.nanmin(x) and ema.max() <= np.nanmax(x)


def test_window_indicators_use_the_last_n_observed_values():
    x = price_walk(seed=4, n=300)
    x[100:150] = np.nan
    x[200] = np.inf  # treated as missing
    got = ours(x, ["sma:20", "bollinger:20/2"])
    obs = np.flatnonzero(np.isfinite(x))
    for t in (150, 155, 169, 201, 299):
        last = x[obs[obs <= t][-20:]]
        assert got["p__sma20"].iloc[t] == pytest.approx(last.mean(), abs=1e-9)
        assert got["p__bbup20_2"].iloc[t] == pytest.approx(last.mean() + 2 * last.std(), abs=1e-9)
    assert np.isfinite(got.to_numpy()[19:]).all()


# ---------------------------------------------------------------------------- pandas oracle
def two_series(rng, n1=60, n2=45, p_missing=0.2):
    a = rng.normal(size=n1 + n2).cumsum()
    a[rng.random(n1 + n2) < p_missing] = np.nan
    b = rng.normal(size=n1 + n2)
    groups = np.r_[np.full(n1, 7), np.full(n2, 3)].astype(np.int64)
    return pd.DataFrame({"a": a, "b": b}), groups


def per_series(X: pd.DataFrame, groups: np.ndarray, fn) -> pd.Series:
    """Apply ``fn`` to each contiguous block separately (the oracle's way)."""
    change = np.r_[0, np.flatnonzero(groups[1:] != groups[:-1]) + 1, len(groups)]
    return pd.concat([fn(X.iloc[s:e]) for s, e in itertools.pairwise(change)])


@settings(derandomize=True, max_examples=40, deadline=None)
@given(sizes=st.lists(st.integers(1, 40), min_size=1, max_size=4),
       window=st.integers(1, 12), min_periods=st.integers(1, 14),
       p_missing=st.sampled_from([0.0, 0.3, 0.8]), seed=st.integers(0, 10_000))
def test_rolling_matches_pandas_per_series(sizes, window, min_periods, p_missing, seed):
    r = np.random.default_rng(seed)
    n = sum(sizes)
    x = r.normal(size=n) * 10
    x[r.random(n) < p_missing] = np.nan
    groups = np.repeat(np.arange(len(sizes)), sizes)
    X = pd.DataFrame({"a": x})
    got = RollingStats({"a": [window]}, min_periods=min_periods).fit(X).transform(
        X, groups=groups)
    for stat in ("mean", "std", "min", "max"):
        ref = per_series(X, groups, lambda d, stat=stat: getattr(
            d["a"].rolling(window, min_periods=min(min_periods, window)), stat)())
        np.testing.assert_allclose(got[f"a__r{stat}{window}"].to_numpy(), ref.to_numpy(),
                                   rtol=1e-10, atol=1e-10)


@settings(derandomize=True, max_examples=40, deadline=None)
@given(sizes=st.lists(st.integers(1, 30), min_size=1, max_size=4),
       lags=st.lists(st.integers(1, 35), min_size=1, max_size=3, unique=True),
       seed=st.integers(0, 10_000))
def test_lags_match_pandas_shift_per_series(sizes, lags, seed):
    r = np.random.default_rng(seed)
    n = sum(sizes)
    x = r.normal(size=n)
    x[r.random(n) < 0.2] = np.nan
    groups = np.repeat(np.arange(len(sizes)), sizes)
    X = pd.DataFrame({"a": x})
    got = Lags({"a": lags}).fit(X).transform(X, groups=groups)
    for k in lags:
        ref = per_series(X, groups, lambda d, k=k: d["a"].shift(k))
        np.testing.assert_array_equal(got[f"a__lag{k}"].to_numpy(), ref.to_numpy())


def test_lags_and_rolling_never_cross_a_series_boundary(rng):
    X, groups = two_series(rng, p_missing=0.0)
    lags = Lags({"a": [1, 3]}).fit(X).transform(X, groups=groups)
    assert np.isnan(lags["a__lag1"].iloc[60]) and np.isnan(lags["a__lag3"].iloc[60:63]).all()
    assert lags["a__lag1"].iloc[61] == X["a"].iloc[60]
    roll = RollingStats({"a": [10]}).fit(X).transform(X, groups=groups)
    assert roll["a__rmean10"].iloc[60] == X["a"].iloc[60]
    assert roll["a__rmax10"].iloc[62] == X["a"].iloc[60:63].max()
    assert np.isnan(roll["a__rstd10"].iloc[60])
    # Without groups the same rows do see the previous series: groups matter.
    assert Lags({"a": [1]}).fit(X).transform(X)["a__lag1"].iloc[60] == X["a"].iloc[59]


def test_indicators_restart_at_each_series():
    x1, x2 = price_walk(seed=5, n=200), price_walk(seed=6, n=150)
    got = ours(np.r_[x1, x2], groups=np.r_[np.zeros(200), np.ones(150)].astype(np.int64))
    alone = ours(x2)
    pd.testing.assert_frame_equal(got.iloc[200:].reset_index(drop=True), alone)


def test_infinite_values_count_as_missing():
    X = pd.DataFrame({"a": [1.0, np.inf, 3.0, -np.inf, 5.0]})
    lag = Lags({"a": [1]}).fit(X).transform(X)["a__lag1"].to_numpy()
    np.testing.assert_array_equal(lag, [np.nan, 1.0, np.nan, 3.0, np.nan])
    roll = RollingStats({"a": [2]}, stats=["mean"]).fit(X).transform(X)["a__rmean2"]
    np.testing.assert_array_equal(roll.to_numpy(), [1.0, 1.0, 3.0, 3.0, 5.0])


# ---------------------------------------------------------------------------- leakage
def leak_frame(seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    r = np.random.default_rng(seed)
    sizes = [120, 90, 100]
    frames = []
    for i, n in enumerate(sizes):
        price = price_walk(seed=seed * 10 + i, n=n)
        price[r.random(n) < 0.15] = np.nan
        frames.append(pd.DataFrame({
            "time": pd.date_range("2021-03-01", periods=n, freq="h"),
            "p": price,
            "q": r.normal(size=n),
            "kind": pd.array(r.choice(["x", "y", "z", None], size=n), dtype="string"),
        }))
    return pd.concat(frames, ignore_index=True), np.repeat(np.arange(3), sizes).astype(np.int64)


LEAK_STEPS = {
    "lags": {"lags": Lags({"p": [1, 5], "q": [2]})},
    "rolling": {"rolling": RollingStats({"p": [6], "q": [3, 24]})},
    "indicators": {"indicators": Indicators({"p": ["sma:5", "ema:5", "rsi:5", "macd:3/8/4",
                                                    "bollinger:6/2"]})},
    "calendar": {"calendar": Calendar(["hour", "dayofweek", "dayofyear"])},
    "categorical": {"categorical": Categoricals(["kind"])},
    "everything": {"lags": Lags({"p": [1]}), "rolling": RollingStats({"p": [6]}),
                   "indicators": Indicators({"q": ["macd:3/8/4", "rsi:4"]}),
                   "calendar": Calendar(),
                   "categorical": Categoricals(["kind"], encoding="codes")},
}


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("kind", list(LEAK_STEPS), ids=list(LEAK_STEPS))
def test_perturbing_the_future_changes_no_past_feature(kind, seed):
    X, groups = leak_frame(seed)
    r = np.random.default_rng(100 + seed)
    builder = FeatureBuilder(**LEAK_STEPS[kind]).fit(X.iloc[:60], groups=groups[:60])
    before = builder.transform(X, groups=groups)
    t = X["time"].iloc[0] + pd.Timedelta(hours=int(r.integers(5, 85)))
    future = (X["time"] > t).to_numpy()
    Y = X.copy()
    Y.loc[future, "p"] = r.normal(size=future.sum()) * 1e3
    Y.loc[future & (r.random(len(X)) < 0.5), "p"] = np.nan
    Y.loc[future, "q"] = np.nan
    Y.loc[future, "kind"] = "new"
    after = builder.transform(Y, groups=groups)
    new = builder.new_features_
    assert new
    pd.testing.assert_frame_equal(before.loc[~future, new], after.loc[~future, new])
    if kind != "calendar":  # the perturbation did reach the future rows
        assert not before.loc[future, new].equals(after.loc[future, new])


# ---------------------------------------------------------------------------- categoricals
def test_unseen_category_goes_to_unknown_and_missing_to_its_own_bucket():
    train = pd.DataFrame({"c": pd.array(["a", "b", "a", None, "c", "a", "b"], dtype="string")})
    test = pd.DataFrame({"c": pd.array(["a", "zzz", None, "c"], dtype="string")})
    enc = Categoricals(["c"]).fit(train)
    assert enc.categories_ == {"c": ["a", "b", "c"]}
    assert enc.vocabularies_ == {"c": ["__unknown__", "__missing__", "a", "b", "c"]}
    out = enc.transform(test)
    assert out.columns.tolist() == ["c____unknown__", "c____missing__", "c__a", "c__b", "c__c"]
    np.testing.assert_array_equal(out.to_numpy(), [[0, 0, 1, 0, 0], [1, 0, 0, 0, 0],
                                                   [0, 1, 0, 0, 0], [0, 0, 0, 0, 1]])
    assert not out.isna().any().any()
    codes = Categoricals(["c"], encoding="codes").fit(train).transform(test)
    assert codes["c__code"].dtype == np.int64
    assert codes["c__code"].tolist() == [2, 0, 1, 4]
    merged = Categoricals(["c"], encoding="codes", missing="unknown").fit(train).transform(test)
    assert merged["c__code"].tolist() == [1, 0, 0, 3]


@pytest.mark.parametrize("missing", ["bucket", "unknown"])
def test_category_codes_match_a_dictionary_lookup(missing):
    """Oracle: the bucket of every value by a plain dict over the vocabulary (unseen
    values and NA included), also for a column with no category seen in training."""
    rng = np.random.default_rng(0)
    pool = np.array(["a", "b", "c", "d", "e", None], dtype=object)
    train = pd.DataFrame({"c": rng.choice(pool[[0, 1, 2, 5]], 200), "e": [None] * 200})
    test = pd.DataFrame({"c": rng.choice(pool, 500), "e": rng.choice(pool, 500)})
    enc = Categoricals(["c", "e"], missing=missing).fit(train)
    assert enc.vocabularies_["e"] == (["__unknown__", "__missing__"] if missing == "bucket"
                                      else ["__unknown__"])
    for col in ("c", "e"):
        vocab = enc.vocabularies_[col]
        lookup = {b: i for i, b in enumerate(vocab) if not b.startswith("__")}
        na = vocab.index("__missing__") if missing == "bucket" else 0
        expected = [na if pd.isna(v) else lookup.get(v, 0) for v in test[col]]
        assert enc.codes(test, col).tolist() == expected


def test_categories_are_capped_by_training_frequency_and_json_safe():
    values = ["a"] * 5 + ["b"] * 3 + ["d"] * 3 + ["c"] * 1
    train = pd.DataFrame({"c": values})
    enc = Categoricals(["c"], max_categories=2).fit(train)
    assert enc.categories_ == {"c": ["a", "b"]}  # 'b' and 'd' tie: by name
    out = enc.transform(pd.DataFrame({"c": ["d", "c", "b"]}))
    assert out["c____unknown__"].tolist() == [1.0, 1.0, 0.0]
    json.dumps(enc.to_dict())


def test_category_named_like_a_bucket_is_refused():
    X = pd.DataFrame({"c": ["__unknown__", "a"]})
    with pytest.raises(InputError, match="column 'c' holds the value '__unknown__'.*Rename"):
        Categoricals(["c"]).fit(X)


def test_categorical_options_are_validated():
    X = pd.DataFrame({"cbwd": ["NW", "SE"]})
    with pytest.raises(InputError, match=r"encoding=\.\.\.\) must be one of onehot, codes, "
                                         r"got 'onehat'\. Did you mean 'onehot'\?"):
        Categoricals(["cbwd"], encoding="onehat").fit(X)
    with pytest.raises(InputError, match="column 'cbdw' is not in the data. Did you mean 'cbwd'"):
        Categoricals(["cbdw"]).fit(X)
    with pytest.raises(InputError,
                       match=r"max_categories=\.\.\.\) must be a whole number >= 1, got 0"):
        Categoricals(["cbwd"], max_categories=0).fit(X)


# ---------------------------------------------------------------------------- calendar
def test_calendar_for_hourly_data():
    t = pd.date_range("2020-12-30 20:00", periods=24 * 9, freq="h")
    X = pd.DataFrame({"time": t, "v": 0.0})
    # "auto" on 9 days keeps hour only (a part needs two cycles of training span)
    assert Calendar().fit(X).parts_ == ["hour"]
    cal = Calendar(["hour", "dayofweek", "month"]).fit(X)
    assert cal.parts_ == ["hour", "dayofweek", "month"]
    out = cal.transform(X)
    assert out.columns.tolist() == ["cal__hour_sin", "cal__hour_cos", "cal__dayofweek_sin",
                                    "cal__dayofweek_cos", "cal__month_sin", "cal__month_cos"]
    vals = out.to_numpy()
    assert np.isfinite(vals).all() and (vals >= -1).all() and (vals <= 1).all()
    np.testing.assert_allclose(out["cal__hour_sin"] ** 2 + out["cal__hour_cos"] ** 2, 1.0)
    hour = t.hour.to_numpy()
    midnight = out[hour == 0]
    # Hour 0 is hour 24: the angle is a full turn, and the 23→0 step equals the 0→1 step.
    np.testing.assert_allclose(midnight["cal__hour_sin"], np.sin(2 * np.pi), atol=1e-12)
    np.testing.assert_allclose(midnight["cal__hour_cos"], np.cos(2 * np.pi), atol=1e-12)
    pair = out[["cal__hour_sin", "cal__hour_cos"]].to_numpy()
    i = int(np.flatnonzero(hour == 0)[0])
    assert np.linalg.norm(pair[i] - pair[i - 1]) == pytest.approx(
        np.linalg.norm(pair[i + 1] - pair[i]))
    # Same hour on different days: identical values.
    np.testing.assert_allclose(pair[i], pair[i + 24])
    # December and January are neighbours.
    assert out["cal__month_cos"].iloc[0] == pytest.approx(np.cos(2 * np.pi * 11 / 12))


def test_calendar_auto_skips_hour_for_daily_data_and_warns_when_asked():
    X = pd.DataFrame({"time": pd.date_range("2020-01-01", periods=800, freq="D")})
    assert Calendar().fit(X).parts_ == ["dayofweek", "month"]
    assert Calendar().fit(X[:400]).parts_ == ["dayofweek"]  # month: two years of span
    with pytest.warns(DataWarning, match=r"'hour' do\(es\) not vary at the data's frequency"):
        cal = Calendar(["hour", "dayofyear"]).fit(X)
    assert cal.get_feature_names_out().tolist() == ["cal__dayofyear_sin", "cal__dayofyear_cos"]
    doy = cal.transform(X)
    assert doy["cal__dayofyear_sin"].iloc[0] == 0.0


def test_calendar_on_numeric_time_gives_nothing_with_a_warning():
    # named parts warn; "auto" (the estimators' default) makes none silently (issue 11)
    X = pd.DataFrame({"step": np.arange(10.0), "v": 1.0})
    with pytest.warns(DataWarning, match="Calendar features need datetime time, but time column "
                                         "'step' has no datetime values"):
        cal = Calendar(["month"], time_col="step").fit(X)
    assert cal.transform(X).shape == (10, 0)
    with pytest.warns(DataWarning, match="the data has no datetime values"):
        Calendar(["hour"]).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Calendar(time_col="step").fit(X).transform(X).shape == (10, 0)


def test_calendar_uses_local_time_of_aware_stamps_and_fractional_hours():
    t = pd.date_range("2021-06-01 00:00", periods=96, freq="15min", tz="Asia/Shanghai")
    out = Calendar(["hour"]).fit_transform(pd.DataFrame({"time": t}))
    assert out["cal__hour_sin"].iloc[0] == 0.0 and out["cal__hour_cos"].iloc[0] == 1.0
    # 06:00 local is a quarter turn; 00:15 is 1/96 of a turn.
    assert out["cal__hour_sin"].iloc[24] == pytest.approx(1.0)
    assert out["cal__hour_sin"].iloc[1] == pytest.approx(np.sin(2 * np.pi / 96))


def test_calendar_uses_the_series_step_not_the_jump_between_series():
    t1 = pd.date_range("2020-01-01", periods=30, freq="D")
    X = pd.DataFrame({"time": t1.append(t1)})
    groups = np.repeat([0, 1], 30)
    cal = Calendar().fit(X, groups=groups)
    assert cal.freq_seconds_ == 86400.0


# ------------------------------------------------------------------------------ builder
def step_frame(rng):
    n = 80
    return pd.DataFrame({
        "time": pd.date_range("2022-01-01", periods=n, freq="h"),
        "p": price_walk(seed=9, n=n),
        "q": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),
        "kind": pd.array(rng.choice(["x", "y", None], size=n), dtype="string"),
    }), np.repeat([0, 1], 40)


def test_builder_appends_new_columns_and_reports_them(rng):
    X, groups = step_frame(rng)
    fb = FeatureBuilder(lags=Lags({"p": [1]}), categorical=Categoricals(["kind"],
                                                                        encoding="codes"))
    out = fb.fit_transform(X, groups=groups)
    assert fb.new_features_ == ["p__lag1", "kind__code"]
    assert out.columns.tolist() == ["time", "p", "q", "kind", "p__lag1", "kind__code"]
    assert np.isnan(out["p__lag1"].iloc[40])  # fit_transform passes groups to transform
    pd.testing.assert_frame_equal(out[X.columns], X)


def test_builder_refuses_a_feature_that_shadows_a_column():
    X = pd.DataFrame({"p": [1.0, 2.0], "p__lag1": [0.0, 1.0]})
    with pytest.raises(InputError,
                       match="Lags makes column 'p__lag1', which the input already has"):
        FeatureBuilder(lags=Lags({"p": [1]})).fit(X)


def test_transform_on_other_columns_is_refused():
    X = pd.DataFrame({"pm2.5": [1.0, 2.0]})
    lags = Lags({"pm2.5": [1]}).fit(X)
    with pytest.raises(InputError, match=r"missing 'pm2.5' Did you mean 'pm2_5'\?; unexpected"):
        lags.transform(pd.DataFrame({"pm2_5": [1.0, 2.0]}))


# ---------------------------------------------------------------------------- fit validation
def test_fit_names_unknown_and_non_numeric_columns():
    X = pd.DataFrame({"pm2.5": [1.0], "cbwd": pd.array(["NW"], dtype="string")})
    with pytest.raises(InputError, match=r"Lags\(lags=\.\.\.\): column 'pm25' is not in the "
                                         r"data\. Did you mean 'pm2\.5'\?"):
        Lags({"pm25": [1]}).fit(X)
    with pytest.raises(InputError, match="column 'cbwd' has dtype string, not numbers"):
        RollingStats({"cbwd": [3]}).fit(X)
    with pytest.raises(InputError, match="lags must be whole numbers >= 1, got 0"):
        Lags({"pm2.5": [0]}).fit(X)
    with pytest.raises(InputError, match="unknown statistic 'median'"):
        RollingStats({"pm2.5": [3]}, stats=["median"]).fit(X)
    with pytest.raises(InputError,
                       match=r"unknown indicator 'rsx' in 'rsx:14'\. Did you mean 'rsi'\?"):
        Indicators({"pm2.5": ["rsx:14"]}).fit(X)
    with pytest.raises(InputError, match="unknown part 'hours'. Did you mean 'hour'"):
        Calendar(["hours"]).fit(X)


# ---------------------------------------------------------------------------- spec parsers
def test_spec_parsers_build_the_steps():
    assert parse_lags("pm2.5:1,2,24;TEMP:1").lags == {"pm2.5": [1, 2, 24], "TEMP": [1]}
    assert parse_lags(" 1, 2 ", target="pm2.5").lags == {"pm2.5": [1, 2]}
    assert parse_lags("a:b:3").lags == {"a:b": [3]}
    assert parse_rolling("pm2.5:24,168").windows == {"pm2.5": [24, 168]}
    ind = parse_indicators("sma:20,ema:12,rsi:14@TEMP,macd,bollinger:20/2.5", target="pm2.5")
    assert ind.indicators == {"pm2.5": ["sma:20", "ema:12", "macd:12/26/9", "bollinger:20/2.5"],
                              "TEMP": ["rsi:14"]}
    assert parse_calendar("auto").parts == "auto"
    assert parse_calendar("hour, dayofyear").parts == ["hour", "dayofyear"]
    fb = FeatureBuilder.from_specs(lags="1", indicators="rsi", calendar="auto",
                                   categorical=["cbwd"], target="pm2.5")
    assert fb.lags.lags == {"pm2.5": [1]} and fb.categorical.columns == ["cbwd"]
    assert fb.rolling is None


@pytest.mark.parametrize("func, spec, kwargs, message", [
    (parse_indicators, "sma:20,rsx:14", {"target": "y"},
     r"--indicators: unknown indicator 'rsx' in 'rsx:14'\. Did you mean 'rsi'\? Choose from sma"),
    (parse_indicators, "bolinger", {"target": "y"}, r"Did you mean 'bollinger'\?"),
    (parse_indicators, "rsi@TEMP", {"columns": ["pm2.5", "TEMP "]},
     r"--indicators: column 'TEMP' is not in the data\. Did you mean 'TEMP '\?"),
    (parse_indicators, "sma:20,50", {"target": "y"},
     r"'50' is not an indicator; separate an indicator's parameters with '/'"),
    (parse_indicators, "macd:26/12", {"target": "y"}, "fast period .26. must be shorter"),
    (parse_indicators, "macd:12/26/9/4", {"target": "y"}, "macd takes at most 3 parameter"),
    (parse_indicators, "ema:1", {"target": "y"}, "ema n must be a whole number >= 2, got '1'"),
    (parse_indicators, "bollinger:20/-1", {"target": "y"}, "bollinger k must be a number > 0"),
    (parse_indicators, "rsi:14", {}, r"'rsi:14' names no column and there is no target"),
    (parse_indicators, " ", {"target": "y"}, "--indicators is empty"),
    (parse_lags, "pm25:1,2", {"columns": ["pm2.5", "TEMP"]},
     r"--lags: column 'pm25' is not in the data\. Did you mean 'pm2\.5'\?"),
    (parse_lags, "pm2.5:1,x", {}, r"--lags 'pm2.5:1,x': 'x' is not a whole number >= 1"),
    (parse_lags, "pm2.5:0", {}, r"'0' is not a whole number >= 1"),
    (parse_lags, "1,2", {}, "names no column and there is no target"),
    (parse_lags, ":3", {}, "the column name before ':' is empty"),
    (parse_rolling, "pm2.5:24;TMEP:3", {"columns": ["pm2.5", "TEMP"]},
     r"--rolling: column 'TMEP' is not in the data\. Did you mean 'TEMP'\?"),
    (parse_rolling, "", {}, "--rolling is empty"),
    (parse_rolling, " ; ;", {"target": "y"}, r"--rolling is empty\. Example: --rolling "),
    (parse_lags, ";", {"target": "y"}, r"--lags is empty\. Example: --lags pm2\.5:1,2,24"),
    (parse_indicators, ", ,", {"target": "y"}, r"--indicators is empty\. Example"),
    (parse_indicators, "sma:20@ ", {"target": "y"}, r"'sma:20@': the column after '@' is empty"),
    (parse_rolling, "24", {}, r"--rolling '24' names no column and there is no target"),
    (parse_calendar, "hour,weekday", {}, r"--calendar: unknown part 'weekday'"),
    (parse_calendar, "hour,dayofwek", {}, r"Did you mean 'dayofweek'\?"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None)
def test_spec_parser_errors(func, spec, kwargs, message):
    with pytest.raises(InputError, match=message):
        func(spec, **kwargs)
