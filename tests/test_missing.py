"""Missing-data strategies: contract over every spec, oracles, and the failure paths."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import KNNImputer

from seqguard.errors import DataWarning, InputError, LeakageWarning
from seqguard.missing import (
    MissingSpec,
    MissingStrategy,
    parse_missing,
    since_to_steps,
    timestep_mask,
)

SPECS = [
    "auto",
    "drop",
    "mask",
    "indicators",
    "impute:mean",
    "impute:median",
    "impute:ffill",
    "impute:ffill:lead=zero",
    "impute:ffill:lead=drop",
    "impute:ffill:lead=bfill",
    "impute:bfill",
    "impute:bfill:trail=drop",
    "impute:linear",
    "impute:time",
    "impute:knn:k=3",
    "impute:seasonal:season=5",
]
LOOKAHEAD = {"impute:ffill:lead=bfill", "impute:bfill", "impute:bfill:trail=drop",
             "impute:linear", "impute:time"}
PAST_ONLY = [s for s in SPECS if s not in LOOKAHEAD]


def _toy(rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """Two series (40 and 30 rows), three columns with leading, inner and trailing gaps."""
    n1, n2 = 40, 30
    X = pd.DataFrame(rng.normal(size=(n1 + n2, 3)), columns=["a", "b", "c"])
    groups = np.r_[np.zeros(n1), np.ones(n2)].astype(np.int64)
    a = X["a"].to_numpy(copy=True)
    a[[0, 1, 2, 7, 8, 15, 30, 38, 39, 40, 41, 55, 56, 57, 69]] = np.nan
    a[20] = np.inf
    b = X["b"].to_numpy(copy=True)
    b[[5, 12, 13, 14, 45, 62]] = np.nan
    b[25] = -np.inf
    c = X["c"].to_numpy(copy=True)
    c[[3, 43, 60]] = np.nan
    X["a"], X["b"], X["c"] = a, b, c
    return X, groups


def _train(X: pd.DataFrame, groups: np.ndarray, frac: float = 0.6):
    """First ``frac`` of each series: the training rows."""
    keep = np.zeros(len(X), dtype=bool)
    for code in np.unique(groups):
        pos = np.flatnonzero(groups == code)
        keep[pos[: int(len(pos) * frac)]] = True
    return X[keep], groups[keep]


@pytest.fixture
def toy(rng):
    X, g = _toy(rng)
    Xtr, gtr = _train(X, g)
    return X, g, Xtr, gtr


def _clean(X: pd.DataFrame) -> np.ndarray:
    """The values with ±inf as NaN, as scikit-learn's imputers expect."""
    return X.replace([np.inf, -np.inf], np.nan).to_numpy()


def _fit(spec, Xtr, gtr, **kw):
    s = MissingStrategy(spec, **kw)
    if spec in LOOKAHEAD:
        with pytest.warns(LeakageWarning, match="looks ahead in time"):
            s.fit(Xtr, groups=gtr)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            s.fit(Xtr, groups=gtr)
    return s


# --------------------------------------------------------------------------- contract
@pytest.mark.parametrize("spec", SPECS, ids=SPECS)
def test_contract(spec, toy):
    X, g, Xtr, gtr = toy
    s = _fit(spec, Xtr, gtr)
    out = s.transform(X, groups=g)
    usable = s.usable_rows(X, groups=g)
    # the pipeline's one pass gives both, the same
    one_out, one_usable = s.transform_usable(X, groups=g)
    pd.testing.assert_frame_equal(one_out, out)
    np.testing.assert_array_equal(one_usable, usable)

    assert list(out.columns) == list(s.get_feature_names_out())
    assert list(out.columns[:3]) == ["a", "b", "c"]
    assert out.index.equals(X.index)
    assert usable.dtype == bool and usable.shape == (len(X),)
    values = out.to_numpy(dtype=np.float64)
    if spec == "drop":
        assert np.isfinite(values[usable]).all()
        assert np.isnan(values[~usable]).any(axis=1).all()
        assert (~usable).sum() == (~np.isfinite(X.to_numpy())).any(axis=1).sum()
    else:
        assert np.isfinite(values).all()
    if spec not in ("drop", "impute:ffill:lead=drop", "impute:bfill:trail=drop"):
        assert usable.all()
    # observed values are never changed
    raw = X.to_numpy()
    seen = np.isfinite(raw)
    assert np.array_equal(out[["a", "b", "c"]].to_numpy()[seen], raw[seen])

    # the defaults (the JSON round trip, clone and NotFittedError are in test_contract.py)
    assert s.get_params() == {"method": spec, "per_column": None, "columns": None,
                              "knn_max_rows": 5000, "random_state": 0}


@pytest.mark.parametrize("spec", PAST_ONLY, ids=PAST_ONLY)
def test_past_only_output_ignores_the_future(spec, toy, rng):
    X, g, Xtr, gtr = toy
    s = _fit(spec, Xtr, gtr)
    out = s.transform(X, groups=g)
    usable = s.usable_rows(X, groups=g)
    for t in (10, 27, 39, 50, 60):
        Xp = X.copy()
        noise = rng.normal(size=(len(X) - t - 1, 3)) * 100
        noise[rng.random(noise.shape) < 0.3] = np.nan
        Xp.iloc[t + 1:] = noise
        outp = s.transform(Xp, groups=g)
        pd.testing.assert_frame_equal(outp.iloc[: t + 1], out.iloc[: t + 1], check_exact=True)
        assert np.array_equal(s.usable_rows(Xp, groups=g)[: t + 1], usable[: t + 1])


@pytest.mark.parametrize("spec", sorted(LOOKAHEAD))
def test_lookahead_fills_warn_and_really_look_ahead(spec):
    X = pd.DataFrame({"a": [np.nan, 1.0, np.nan, 3.0, 5.0]})
    s = _fit(spec, X.iloc[:4], None)
    before = s.transform(X)["a"].to_numpy()
    looked_ahead = False
    for t in (1, 3):  # does a value before row t depend on row t?
        X2 = X.copy()
        X2.loc[t, "a"] = 30.0
        after = s.transform(X2)["a"].to_numpy()
        looked_ahead |= bool((before[:t] != after[:t]).any())
    assert looked_ahead


def test_fit_sees_only_the_training_rows(toy):
    X, _g, Xtr, gtr = toy
    s = MissingStrategy("impute:mean").fit(Xtr, groups=gtr)
    a = Xtr["a"].to_numpy()
    assert s.mean_["a"] == pytest.approx(a[np.isfinite(a)].mean(), rel=1e-15)
    full = X["a"].to_numpy()
    assert s.mean_["a"] != pytest.approx(full[np.isfinite(full)].mean(), rel=1e-6)
    # the fitted state depends on the training rows only
    Xp = X.copy()
    Xp.loc[~X.index.isin(Xtr.index), :] = 1e6
    s2 = MissingStrategy("impute:mean").fit(Xp.loc[Xtr.index], groups=gtr)
    assert s2.to_dict() == s.to_dict()


def test_fit_transform_passes_groups(toy):
    X, g, _, _ = toy
    s = MissingStrategy("impute:ffill")
    out = s.fit_transform(X, groups=g)
    # row 40 starts series 1 with a gap: training mean, not the last value of series 0
    assert out.loc[40, "a"] == s.fill_["a"]


# --------------------------------------------------------------------------- fills
def test_ffill_never_crosses_a_series_boundary():
    X = pd.DataFrame({"x": [1.0, 2.0, 5.0, np.nan, np.nan, 4.0, np.nan]})
    g = np.array([0, 0, 0, 1, 1, 1, 1])
    s = MissingStrategy("impute:ffill").fit(X, groups=g)
    out = s.transform(X, groups=g)["x"].to_numpy()
    mean = np.mean([1.0, 2.0, 5.0, 4.0])
    np.testing.assert_array_equal(out, [1.0, 2.0, 5.0, mean, mean, 4.0, 4.0])


def test_ffill_carries_the_past_across_the_split_boundary():
    X = pd.DataFrame({"x": [0.5, 1.5, np.nan, np.nan, 2.0]})
    s = MissingStrategy("impute:ffill").fit(X.iloc[:2])
    np.testing.assert_array_equal(s.transform(X)["x"], [0.5, 1.5, 1.5, 1.5, 2.0])


@pytest.mark.parametrize(
    "spec, lead_value, usable",
    [
        ("impute:ffill", "mean", [True] * 6),
        ("impute:ffill:lead=mean", "mean", [True] * 6),
        ("impute:ffill:lead=zero", 0.0, [True] * 6),
        ("impute:ffill:lead=drop", "mean", [False, False, True, True, True, True]),
    ],
)
def test_leading_gap_follows_the_lead_policy(spec, lead_value, usable):
    X = pd.DataFrame({"x": [np.nan, np.nan, 2.0, np.nan, 4.0, np.nan]})
    s = MissingStrategy(spec).fit(X.iloc[:5])
    out = s.transform(X)["x"].to_numpy()
    expected_lead = 3.0 if lead_value == "mean" else lead_value  # training mean of 2 and 4
    np.testing.assert_array_equal(out, [expected_lead, expected_lead, 2.0, 2.0, 4.0, 4.0])
    assert s.usable_rows(X).tolist() == usable


def test_default_strategy_invents_no_zeros():
    X = pd.DataFrame({"x": [np.nan, np.nan, 2.0, np.nan, 4.0]})
    out = MissingStrategy().fit(X).transform(X)
    assert (out["x"] != 0.0).all()
    np.testing.assert_array_equal(out["x"], [3.0, 3.0, 2.0, 2.0, 4.0])


def test_lead_bfill_warns_and_looks_ahead_only_in_the_leading_gap():
    X = pd.DataFrame({"x": [np.nan, np.nan, 2.0, np.nan, 4.0]})
    with pytest.warns(LeakageWarning, match="a leading gap is filled with the first observed"):
        s = MissingStrategy("impute:ffill:lead=bfill").fit(X)
    np.testing.assert_array_equal(s.transform(X)["x"], [2.0, 2.0, 2.0, 2.0, 4.0])


def test_bfill_and_trail_policies():
    X = pd.DataFrame({"x": [np.nan, 1.0, np.nan, 3.0, np.nan, np.nan]})
    with pytest.warns(LeakageWarning, match="'impute:bfill:trail=ffill'.*next observed value"):
        s = MissingStrategy("impute:bfill").fit(X)
    np.testing.assert_array_equal(s.transform(X)["x"], [1.0, 1.0, 3.0, 3.0, 3.0, 3.0])
    with pytest.warns(LeakageWarning):
        s = MissingStrategy("impute:bfill:trail=drop").fit(X)
    np.testing.assert_array_equal(s.transform(X)["x"], [1.0, 1.0, 3.0, 3.0, 2.0, 2.0])
    assert s.usable_rows(X).tolist() == [True, True, True, True, False, False]


def test_mean_and_median_match_numpy_on_training_rows(toy):
    X, g, Xtr, gtr = toy
    tr = Xtr.to_numpy(copy=True)
    tr[~np.isfinite(tr)] = np.nan
    med = MissingStrategy("impute:median").fit(Xtr, groups=gtr)
    mean = MissingStrategy("impute:mean").fit(Xtr, groups=gtr)
    for j, c in enumerate(["a", "b", "c"]):
        assert med.fill_[c] == np.nanmedian(tr[:, j])
        assert mean.fill_[c] == pytest.approx(np.nanmean(tr[:, j]), rel=1e-15)
    out = med.transform(X, groups=g)
    missing = ~np.isfinite(X["a"].to_numpy())
    assert (out["a"].to_numpy()[missing] == np.nanmedian(tr[:, 0])).all()


def test_linear_matches_pandas_interpolate_inside_gaps(toy):
    X, g, Xtr, gtr = toy
    with pytest.warns(LeakageWarning, match="interpolating towards the next observed"):
        s = MissingStrategy("impute:linear:lead=drop:trail=drop").fit(Xtr, groups=gtr)
    out = s.transform(X, groups=g)
    clean = X.replace([np.inf, -np.inf], np.nan)
    expected = clean.groupby(g).transform(
        lambda col: col.interpolate(method="linear", limit_area="inside"))
    inside = expected.notna().to_numpy()
    np.testing.assert_allclose(out[["a", "b", "c"]].to_numpy()[inside],
                               expected.to_numpy()[inside], rtol=1e-13, atol=0)
    # edges: unusable rows are exactly the leading/trailing gaps pandas leaves as NaN
    assert np.array_equal(~s.usable_rows(X, groups=g), ~inside.all(axis=1))


def test_time_interpolation_uses_a_datetime_index():
    idx = pd.to_datetime(["2020-01-01 00:00", "2020-01-01 01:00", "2020-01-01 04:00",
                          "2020-01-01 05:00", "2020-01-01 06:00"])
    X = pd.DataFrame({"x": [0.0, np.nan, np.nan, 10.0, 20.0]}, index=idx)
    with pytest.warns(LeakageWarning):
        s = MissingStrategy("impute:time").fit(X)
    out = s.transform(X)["x"]
    expected = X["x"].interpolate(method="time")
    np.testing.assert_allclose(out.to_numpy(), expected.to_numpy(), rtol=1e-14)
    assert out.iloc[1] == pytest.approx(2.0)  # 1 h of a 5 h gap, not 1/3 of the way


def test_knn_matches_sklearn_fitted_on_the_training_rows(toy):
    X, g, Xtr, gtr = toy
    s = MissingStrategy("impute:knn:k=3").fit(Xtr, groups=gtr)
    expected = KNNImputer(n_neighbors=3).fit(_clean(Xtr)).transform(_clean(X))
    np.testing.assert_array_equal(s.transform(X, groups=g).to_numpy(), expected)
    np.testing.assert_array_equal(s.knn_fit_X_, _clean(Xtr))


def test_knn_keeps_a_seeded_capped_sample(toy):
    X, g, Xtr, gtr = toy
    s = MissingStrategy("impute:knn", knn_max_rows=10, random_state=3).fit(Xtr, groups=gtr)
    assert s.knn_fit_X_.shape == (10, 3)
    rows = np.sort(np.random.default_rng(3).choice(len(Xtr), size=10, replace=False))
    expected = KNNImputer(n_neighbors=5).fit(_clean(Xtr)[rows]).transform(_clean(X))
    np.testing.assert_array_equal(s.transform(X, groups=g).to_numpy(), expected)
    with pytest.raises(InputError, match="'knn_max_rows' parameter .* Got 0 instead"):
        MissingStrategy("impute:knn", knn_max_rows=0).fit(Xtr)


def test_seasonal_takes_the_value_one_season_earlier():
    x = [1.0, 2.0, 3.0, np.nan, 5.0, np.nan, np.nan, np.nan, 9.0, np.nan]
    #    season 3: row 3 <- row 0 (1.0); row 5 <- row 2 (3.0); row 6 <- row 3 missing -> ffill 5.0
    #    row 7 <- row 4 (5.0); row 9 <- row 6 missing -> ffill 9.0
    X = pd.DataFrame({"x": x})
    s = MissingStrategy("impute:seasonal:season=3").fit(X)
    np.testing.assert_array_equal(s.transform(X)["x"],
                                  [1.0, 2.0, 3.0, 1.0, 5.0, 3.0, 5.0, 5.0, 9.0, 9.0])


def test_seasonal_never_reaches_into_another_series():
    X = pd.DataFrame({"x": [7.0, 8.0, 1.0, np.nan, np.nan]})
    g = np.array([0, 0, 1, 1, 1])
    s = MissingStrategy("impute:seasonal:season=2").fit(X, groups=g)
    # row 3 <- row 1 is another series: ffill 1.0; row 4 <- row 2 (1.0)
    np.testing.assert_array_equal(s.transform(X, groups=g)["x"], [7.0, 8.0, 1.0, 1.0, 1.0])
    Y = pd.DataFrame({"x": [7.0, 8.0, np.nan, np.nan]})
    s = MissingStrategy("impute:seasonal:season=2").fit(Y, groups=[0, 0, 1, 1])
    np.testing.assert_array_equal(s.transform(Y, groups=[0, 0, 1, 1])["x"], [7.0, 8.0, 7.5, 7.5])


# --------------------------------------------------------------------------- channels
def test_since_counts_on_a_hand_example():
    X = pd.DataFrame({"x": [1.0, np.nan, np.nan, 2.0, np.nan, np.nan, np.nan, 3.0]})
    g = np.array([0, 0, 0, 0, 0, 1, 1, 1])
    s = MissingStrategy("indicators").fit(X, groups=g)
    out = s.transform(X, groups=g)
    steps = [0, 1, 2, 0, 1, 1, 2, 0]  # series 1 counts from its start
    assert list(out.columns) == ["x", "x__observed", "x__since"]
    np.testing.assert_array_equal(out["x__since"], np.log1p(steps))
    np.testing.assert_array_equal(since_to_steps(out["x__since"].to_numpy()), steps)
    np.testing.assert_array_equal(out["x__observed"], [1, 0, 0, 1, 0, 0, 0, 1])
    assert s.since_transform_ == "log1p"
    np.testing.assert_array_equal(out["x"], [1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 3.0])


def test_channel_order_and_only_for_columns_missing_in_training():
    X = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [1.0, 2.0, 3.0], "c": [np.nan, 1.0, 2.0]})
    s = MissingStrategy("indicators").fit(X)
    assert list(s.get_feature_names_out()) == [
        "a", "b", "c", "a__observed", "a__since", "c__observed", "c__since"]
    assert list(MissingStrategy("mask").fit(X).get_feature_names_out()) == [
        "a", "b", "c", "a__observed", "c__observed"]


def test_mask_is_per_feature_and_never_masks_real_values():
    # row 1: x is a real -1.0, y is missing. Row 2: both real zeros. Row 3: both missing.
    X = pd.DataFrame({"x": [0.5, -1.0, 0.0, np.nan, 2.0],
                      "y": [1.0, np.nan, 0.0, np.nan, -1.0]})
    s = MissingStrategy("mask").fit(X)
    out = s.transform(X)
    np.testing.assert_array_equal(out["x__observed"], [1, 1, 1, 0, 1])
    np.testing.assert_array_equal(out["y__observed"], [1, 0, 1, 0, 1])
    assert out.loc[1, "x"] == -1.0 and out.loc[2, "x"] == 0.0 and out.loc[2, "y"] == 0.0
    assert out.loc[1, "y"] == s.mean_["y"]
    # Keras' recipe: fill NaN with -1, Masking(mask_value=-1) masks a step only when every
    # feature equals -1: the partially missing row 1 is skipped whole (the real x=-1 is lost).
    keras_filled = X.fillna(-1.0).to_numpy()
    keras_keeps = ~(keras_filled == -1.0).all(axis=1)
    assert keras_keeps.tolist() == [True, False, True, False, True]
    # seqguard's timestep mask keeps row 1: x was observed
    assert s.timestep_mask(X).tolist() == [True, True, True, False, True]
    assert timestep_mask(X).tolist() == [True, True, True, False, True]


def test_column_missing_only_after_training_is_filled_and_warned():
    X = pd.DataFrame({"a": [1.0, np.nan, 3.0, np.nan], "b": [1.0, 2.0, np.nan, np.nan]})
    s = MissingStrategy("indicators").fit(X.iloc[:2])
    with pytest.warns(DataWarning, match=r"column\(s\) 'b' have missing values here but none "
                                         "in the training part"):
        out = s.transform(X)
    with pytest.warns(DataWarning, match="'b' have missing values here") as caught:
        s.transform_usable(X)
    assert [w.filename for w in caught] == [__file__]  # the caller's line, not the strategy's
    assert "b__observed" not in out.columns
    np.testing.assert_array_equal(out["b"], [1.0, 2.0, 2.0, 2.0])
    assert np.isfinite(out.to_numpy()).all()


def test_column_with_no_training_observation_warns_and_fills_zero():
    X = pd.DataFrame({"a": [np.nan, np.nan, 5.0], "b": [1.0, 2.0, 3.0]})
    with pytest.warns(DataWarning, match=r"'a' have no observed value in the training part"):
        s = MissingStrategy("impute:mean").fit(X.iloc[:2])
    np.testing.assert_array_equal(s.transform(X)["a"], [0.0, 0.0, 5.0])


# --------------------------------------------------------------------------- options
def test_auto_resolves_privately_to_indicators(toy):
    X, g, Xtr, gtr = toy
    s = MissingStrategy().fit(Xtr, groups=gtr)
    assert s.method == "auto"
    assert s.methods_ == {"a": "indicators", "b": "indicators", "c": "indicators"}
    ref = MissingStrategy("indicators").fit(Xtr, groups=gtr)
    pd.testing.assert_frame_equal(s.transform(X, groups=g), ref.transform(X, groups=g))


def test_per_column_override_and_columns_restriction(toy):
    X, g, Xtr, gtr = toy
    s = MissingStrategy("auto", per_column={"b": "impute:median", "c": "drop"})
    s.fit(Xtr, groups=gtr)
    assert s.methods_ == {"a": "indicators", "b": "impute:median", "c": "drop"}
    out = s.transform(X, groups=g)
    assert list(out.columns) == ["a", "b", "c", "a__observed", "a__since"]
    assert (~s.usable_rows(X, groups=g)).sum() == X["c"].isna().sum()

    only_a = MissingStrategy("impute:ffill", columns=["a"]).fit(Xtr, groups=gtr)
    out = only_a.transform(X, groups=g)
    assert np.isfinite(out["a"]).all()
    pd.testing.assert_series_equal(out["b"], X["b"])  # untouched, NaN and inf kept
    assert only_a.columns_ == ["a"]


def test_option_errors_name_the_place(toy):
    X, _g, Xtr, gtr = toy
    with pytest.raises(InputError, match=r"per_column.*names column 'temp'.*Did you mean 'TEMP'"):
        MissingStrategy(per_column={"temp": "drop"}).fit(
            pd.DataFrame({"TEMP": [1.0, np.nan]}))
    with pytest.raises(InputError, match=r"The per_column\['a'\] option must be one of"):
        MissingStrategy(per_column={"a": "sometimes"}).fit(Xtr)
    with pytest.raises(InputError, match=r"'columns' parameter .* names 'aa'.*Did you mean 'a'"):
        MissingStrategy(columns=["aa"]).fit(Xtr)
    with pytest.raises(InputError, match=r"must be a list of column names.*columns=\['TEMP'\]"):
        MissingStrategy(columns="TEMP").fit(Xtr)
    with pytest.raises(InputError, match=r"column 'cbwd' has dtype str"):
        MissingStrategy().fit(pd.DataFrame({"x": [1.0], "cbwd": ["NW"]}))
    with pytest.raises(InputError, match="0 training rows"):
        MissingStrategy().fit(Xtr.iloc[:0])
    with pytest.raises(InputError, match=r"would add channel\(s\) 'a__observed'"):
        MissingStrategy().fit(pd.DataFrame({"a": [np.nan, 1.0], "a__observed": [1.0, 1.0]}))
    s = MissingStrategy().fit(Xtr, groups=gtr)
    with pytest.raises(InputError, match=r"fitted on other columns: missing 'c'"):
        s.transform(X[["a", "b"]])
    with pytest.raises(InputError, match=r"groups has shape \(3,\)"):
        s.transform(X, groups=[0, 0, 0])


def test_report_counts(toy):
    X, g, Xtr, gtr = toy
    s = MissingStrategy("drop").fit(Xtr, groups=gtr)
    r = s.report(X, groups=g)
    incomplete = (~np.isfinite(X.to_numpy())).any(axis=1)
    assert r.n_rows == 70 and r.n_series == 2
    assert r.n_incomplete_rows == r.n_unusable_rows == incomplete.sum()
    assert r.unusable_per_series == [int(incomplete[:40].sum()), int(incomplete[40:].sum())]
    assert r.missing_per_column == {"a": 16, "b": 7, "c": 3}
    assert str(r).startswith(f"{incomplete.sum()} of 70 rows unusable")
    r2 = MissingStrategy().fit(Xtr, groups=gtr).report(X, groups=g)
    assert r2.n_unusable_rows == 0 and r2.n_incomplete_rows == r.n_incomplete_rows


# --------------------------------------------------------------------------- parser
@pytest.mark.parametrize("spec, canonical", [
    ("auto", "auto"), ("drop", "drop"), ("mask", "mask"), ("Indicators ", "indicators"),
    ("impute:mean", "impute:mean"), ("impute:median", "impute:median"),
    ("impute:ffill", "impute:ffill:lead=mean"),
    ("impute:ffill:lead=zero", "impute:ffill:lead=zero"),
    ("impute:bfill", "impute:bfill:trail=ffill"),
    ("impute:linear:trail=mean,lead=drop", "impute:linear:lead=drop:trail=mean"),
    ("impute:time", "impute:time:lead=mean:trail=ffill"),
    ("impute:knn", "impute:knn:k=5"), ("impute:knn:k=7", "impute:knn:k=7"),
    ("impute:seasonal:season=24", "impute:seasonal:lead=mean:season=24"),
])
def test_parse_missing_accepts(spec, canonical):
    parsed = parse_missing(spec)
    assert isinstance(parsed, MissingSpec)
    assert str(parsed) == canonical
    assert str(parse_missing(str(parsed))) == canonical


@pytest.mark.parametrize("spec, message", [
    ("sometimes", (r"^The --missing option must be one of auto, drop, mask, indicators, "
                  r"impute:<mean\|median\|ffill\|bfill\|linear\|time\|knn\|seasonal>\. "
                  r"Got 'sometimes' instead\.$")),
    ("indicator", r"Got 'indicator' instead\. Did you mean 'indicators'\?"),
    ("imputer:mean", r"Did you mean 'impute:mean'\?"),
    ("impute", r"'impute' needs a method: impute:<mean\|median"),
    ("impute:avg", (r"The impute method in the --missing option must be one of mean, median, "
                   r"ffill, bfill, linear, time, knn, seasonal\. Got 'avg' \(in 'impute:avg'\)")),
    ("impute:medain", r"Did you mean 'median'\?"),
    ("impute:ffill:lead=maybe", (r"lead option of impute:ffill must be one of mean, zero, "
                                r"bfill, drop\. Got 'maybe'")),
    ("impute:ffill:leed=zero", (r"'leed' is not accepted by impute:ffill; it accepts lead\..*"
                               r"Did you mean 'lead'\?")),
    ("impute:mean:k=3", r"'k' is not accepted by impute:mean; it takes no options"),
    ("impute:knn:k=0", (r"k option of impute:knn must be a whole number of at least 1\. "
                       r"Got '0'")),
    ("impute:knn:k=2.5", r"must be a whole number of at least 1\. Got '2.5'"),
    ("impute:seasonal", r"impute:seasonal needs the 'season' option.*season=24"),
    ("impute:ffill:zero", r"has 'zero' where key=value is expected"),
    ("impute:ffill:lead=zero:lead=mean", r"gives 'lead' twice"),
    ("drop:now", r"option 'drop' takes no options"),
])
def test_parse_missing_errors(spec, message):
    with pytest.raises(InputError, match=message):
        parse_missing(spec)


def test_parse_missing_rejects_non_strings():
    with pytest.raises(InputError, match=r"must be a string .* Got 3 \(int\) instead"):
        parse_missing(3)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"^The method option must be one of"):
        MissingStrategy("sometimes").fit(pd.DataFrame({"x": [1.0]}))


# --------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def beijing(beijing_path):
    raw = pd.read_csv(beijing_path)
    X = raw[["pm2.5", "DEWP", "TEMP"]].astype("float64")
    X = (X - X.mean()) / X.std()  # crude scaling stands in for the Scaler
    train = raw["year"].to_numpy() <= 2012
    return X, train


@pytest.mark.parametrize("spec", SPECS, ids=SPECS)
def test_beijing_every_strategy_gives_finite_output(spec, beijing):
    X, train = beijing
    s = _fit(spec, X[train], None)
    out = s.transform(X)
    assert len(out) == 43824
    usable = s.usable_rows(X)
    values = out.to_numpy(np.float64)
    assert np.isfinite(values[usable]).all()
    if spec != "drop":
        assert np.isfinite(values).all()
    if s.methods_["pm2.5"] in ("indicators", "mask"):
        assert "pm2.5__observed" in out.columns
        assert out["pm2.5__observed"].sum() == 43824 - 2067


def test_beijing_drop_reports_incomplete_rows(beijing):
    X, train = beijing
    s = MissingStrategy("drop", columns=["pm2.5"]).fit(X[train])
    assert (~s.usable_rows(X)).sum() == 2067
    r = s.report(X)
    assert r.n_unusable_rows == r.n_incomplete_rows == 2067
    assert r.missing_per_column == {"pm2.5": 2067}
