"""Scaler and TargetScaler, with scikit-learn's scalers as the oracle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.base import clone
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

from seqguard._serialize import from_dict
from seqguard.errors import DataWarning, InputError, NotFittedError
from seqguard.scaling import METHODS, Scaler, TargetScaler, check_method, get_scaler

ORACLES = {"standard": StandardScaler, "minmax": MinMaxScaler, "robust": RobustScaler}
SCALED = ["standard", "minmax", "robust"]
TOL = {"rtol": 1e-12, "atol": 1e-12}


def _frame(rng: np.random.Generator, n: int = 120, nan_frac: float = 0.0) -> pd.DataFrame:
    values = np.column_stack([
        rng.normal(10.0, 3.0, n),
        rng.lognormal(3.0, 1.0, n),        # heavy-tailed, like PM2.5
        rng.uniform(-1000.0, 1020.0, n),
    ])
    if nan_frac:
        values[rng.random(values.shape) < nan_frac] = np.nan
    return pd.DataFrame(values, columns=["a", "pm2.5", "PRES"])


def _oracle_params(method: str, est) -> tuple[np.ndarray, np.ndarray]:
    if method == "standard":
        return est.mean_, est.scale_
    if method == "minmax":
        return est.data_min_, est.data_range_
    return est.center_, est.scale_


def _groups(sizes: list[int]) -> np.ndarray:
    return np.repeat(np.arange(len(sizes)), sizes).astype(np.int64)


# ------------------------------------------------------------------ against sklearn
@pytest.mark.parametrize("method", SCALED)
def test_matches_sklearn_without_missing(method: str, rng: np.random.Generator) -> None:
    X = _frame(rng)
    ours = Scaler(method).fit(X)
    ref = ORACLES[method]().fit(X.to_numpy())
    center, scale = _oracle_params(method, ref)
    np.testing.assert_allclose(ours.center_, center, **TOL)
    np.testing.assert_allclose(ours.scale_, scale, **TOL)
    Z = ours.transform(X)
    assert isinstance(Z, pd.DataFrame) and list(Z.columns) == list(X.columns)
    assert Z.index.equals(X.index) and (Z.dtypes == np.float64).all()
    np.testing.assert_allclose(Z.to_numpy(), ref.transform(X.to_numpy()), **TOL)


@pytest.mark.parametrize("method", SCALED)
def test_nan_aware_matches_sklearn(method: str, rng: np.random.Generator) -> None:
    X = _frame(rng, n=200, nan_frac=0.2)
    assert X.isna().sum().min() > 10
    ours = Scaler(method).fit(X)
    # sklearn's scalers ignore NaN in fit and pass it through in transform ...
    ref = ORACLES[method]().fit(X.to_numpy())
    np.testing.assert_allclose(ours.transform(X).to_numpy(), ref.transform(X.to_numpy()),
                               equal_nan=True, **TOL)
    # ... and that is the same as fitting each column on its observed values only.
    for j, col in enumerate(X.columns):
        observed = X[col].dropna().to_numpy()[:, None]
        center, scale = _oracle_params(method, ORACLES[method]().fit(observed))
        assert ours.center_[j] == pytest.approx(center[0], rel=1e-12)
        assert ours.scale_[j] == pytest.approx(scale[0], rel=1e-12)
        assert ours.n_observed_[j] == len(observed)


@pytest.mark.parametrize("method", SCALED)
def test_inf_is_missing_in_fit_and_nan_in_transform(method: str,
                                                    rng: np.random.Generator) -> None:
    X = _frame(rng, nan_frac=0.1)
    with_inf = X.copy()
    with_inf.iloc[3, 0], with_inf.iloc[7, 1] = np.inf, -np.inf
    as_nan = with_inf.replace([np.inf, -np.inf], np.nan)
    a, b = Scaler(method).fit(with_inf), Scaler(method).fit(as_nan)
    np.testing.assert_array_equal(a.center_, b.center_)
    np.testing.assert_array_equal(a.scale_, b.scale_)
    Z = a.transform(with_inf)
    assert np.isnan(Z.iloc[3, 0]) and np.isnan(Z.iloc[7, 1])
    pd.testing.assert_frame_equal(Z, b.transform(as_nan))


@pytest.mark.parametrize("method", SCALED)
def test_per_series_equals_one_sklearn_scaler_per_series(method: str,
                                                         rng: np.random.Generator) -> None:
    sizes = [40, 25, 60]
    X = _frame(rng, n=sum(sizes), nan_frac=0.15)
    groups = _groups(sizes) + 10  # codes need not start at 0
    s = Scaler(method, per="series").fit(X, groups=groups)
    np.testing.assert_array_equal(s.series_codes_, [10, 11, 12])
    Z = s.transform(X, groups=groups).to_numpy()
    for code in (10, 11, 12):
        rows = groups == code
        ref = ORACLES[method]().fit(X.to_numpy()[rows])
        np.testing.assert_allclose(Z[rows], ref.transform(X.to_numpy()[rows]),
                                   equal_nan=True, **TOL)
    # The global statistics are learned too (the fallback).
    np.testing.assert_allclose(s.center_, Scaler(method).fit(X).center_, **TOL)


@pytest.mark.parametrize("method", ["standard", "robust"])
def test_real_data_beijing(method: str, beijing_path: Path) -> None:
    df = pd.read_csv(beijing_path)
    cols = ["pm2.5", "DEWP", "TEMP", "PRES", "Iws", "Is", "Ir"]
    train = df.loc[df["year"] <= 2012, cols]
    ours = Scaler(method).fit(train)
    ref = ORACLES[method]().fit(train.to_numpy(dtype=float))
    everything = df[cols]
    np.testing.assert_allclose(ours.transform(everything).to_numpy(),
                               ref.transform(everything.to_numpy(dtype=float)),
                               equal_nan=True, rtol=1e-12, atol=1e-12)
    if method == "robust":  # 'Is' (hours of snow) is mostly 0: IQR 0 → scale 1, as sklearn
        assert ours.scale_[cols.index("Is")] == 1.0


# --------------------------------------------------------------- no division by zero
@pytest.mark.parametrize("method", METHODS)
def test_constant_column_gives_finite_output(method: str) -> None:
    X = pd.DataFrame({"c": [0.1] * 7 + [np.nan], "x": np.arange(8.0)})
    s = Scaler(method).fit(X)
    Z = s.transform(X)
    assert np.isfinite(Z["c"].iloc[:7]).all() and np.isnan(Z["c"].iloc[7])
    assert s.scale_[0] == 1.0
    if method in ("standard", "minmax", "robust"):
        assert s.center_[0] == 0.1  # exactly the constant
        assert (Z["c"].iloc[:7] == 0.0).all()
    np.testing.assert_allclose(s.inverse_transform(Z).to_numpy(), X.to_numpy(), equal_nan=True,
                               rtol=1e-15)


def test_all_missing_column_warns_and_stays_unscaled() -> None:
    X = pd.DataFrame({"empty": [np.nan, np.inf, np.nan], "x": [1.0, 2.0, 3.0]})
    with pytest.warns(DataWarning, match=r"Scaler: no observed value in the training part for "
                                         r"column\(s\) 'empty'; left unscaled \(center 0, scale 1\)"):
        s = Scaler().fit(X)
    assert s.center_[0] == 0.0 and s.scale_[0] == 1.0 and s.n_observed_[0] == 0
    later = pd.DataFrame({"empty": [5.0, np.nan], "x": [2.0, 2.0]})
    assert s.transform(later)["empty"].tolist()[0] == 5.0


def test_per_series_constant_takes_global_scale_and_missing_takes_global_stats() -> None:
    X = pd.DataFrame({"x": [3.0, 3.0, 3.0, 1.0, 5.0, 9.0],
                      "y": [np.nan, np.nan, np.nan, 1.0, 2.0, 4.0]})
    groups = np.array([0, 0, 0, 1, 1, 1])
    s = Scaler("standard", per="series").fit(X, groups=groups)
    g = Scaler("standard").fit(X)
    assert s.series_center_[0, 0] == 3.0                  # the series' constant ...
    assert s.series_scale_[0, 0] == g.scale_[0]           # ... on the global scale
    np.testing.assert_array_equal(s.series_center_[0, 1:], g.center_[1:])  # nothing observed
    np.testing.assert_array_equal(s.series_scale_[0, 1:], g.scale_[1:])
    Z = s.transform(X, groups=groups)
    assert np.isfinite(Z["x"]).all() and (Z["x"].iloc[:3] == 0.0).all()


def test_values_too_large_are_reported() -> None:
    X = pd.DataFrame({"big": [1e308, -1e308, 0.0]})
    with pytest.raises(InputError, match=r"Scaler: column 'big' has values too large to scale in "
                                         r"float64 \(center 0.0, spread inf\)\. Divide"):
        Scaler().fit(X)


# ------------------------------------------------------------------ contract checks
# (the rest of the contract, leakage included, is in test_contract.py)
CASES = [(m, p) for m in METHODS for p in ("global", "series")]


@pytest.mark.parametrize(("method", "per"), CASES, ids=[f"{m}-{p}" for m, p in CASES])
def test_json_round_trip_is_bit_exact(method: str, per: str, rng: np.random.Generator) -> None:
    X = _frame(rng, n=90, nan_frac=0.1)
    groups = _groups([30, 30, 30])
    s = Scaler(method, per=per).fit(X.iloc[:60], groups=groups[:60])  # series 2 unseen
    text = json.dumps(s.to_dict())
    back = from_dict(json.loads(text))
    assert type(back) is Scaler and back.get_params() == s.get_params()
    z1 = s.transform(X, groups=groups).to_numpy()
    z2 = back.transform(X, groups=groups).to_numpy()
    assert z1.tobytes() == z2.tobytes()
    assert back.inverse_transform(z2, groups=groups).tobytes() == \
        s.inverse_transform(z1, groups=groups).tobytes()
    assert Scaler.from_dict(json.loads(text)).feature_names_in_.tolist() == list(X.columns)


@pytest.mark.parametrize(("method", "per"), CASES, ids=[f"{m}-{p}" for m, p in CASES])
def test_inverse_transform_is_exact(method: str, per: str, rng: np.random.Generator) -> None:
    X = _frame(rng, n=90, nan_frac=0.1)
    groups = _groups([30, 30, 30])
    s = Scaler(method, per=per).fit(X, groups=groups)
    Z = s.transform(X, groups=groups)
    assert not np.isinf(Z.to_numpy()).any()
    back = s.inverse_transform(Z, groups=groups)
    assert isinstance(back, pd.DataFrame) and back.index.equals(X.index)
    np.testing.assert_allclose(back.to_numpy(), X.to_numpy(), rtol=1e-12, atol=0,
                               equal_nan=True)


def test_get_params_and_clone_round_trip() -> None:
    s = Scaler(method="robust", per="series")
    assert s.get_params() == {"method": "robust", "per": "series"}
    c = clone(s)
    assert c is not s and c.get_params() == s.get_params()
    # __init__ stores arguments unchanged, even invalid ones; fit validates.
    bad = Scaler(method="Standard")
    assert clone(bad).get_params()["method"] == "Standard"
    t = TargetScaler("minmax", per="series")
    assert clone(t).get_params() == {"method": "minmax", "per": "series"}


def test_fit_transform_passes_groups() -> None:
    X = pd.DataFrame({"x": [1.0, 2.0, 10.0, 20.0]})
    groups = np.array([0, 0, 1, 1])
    Z = Scaler("minmax", per="series").fit_transform(X, groups=groups)
    assert Z["x"].tolist() == [0.0, 1.0, 0.0, 1.0]


def test_failed_fit_leaves_the_scaler_unfitted() -> None:
    s = Scaler(method="stdandard")
    with pytest.raises(InputError):
        s.fit(pd.DataFrame({"x": [1.0, 2.0]}))
    with pytest.raises(NotFittedError):
        s.transform(pd.DataFrame({"x": [1.0]}))


def test_column_mismatch_message() -> None:
    s = Scaler().fit(pd.DataFrame({"pm2.5": [1.0, 2.0], "TEMP": [3.0, 4.0]}))
    with pytest.raises(InputError, match=r"Scaler was fitted on other columns: missing 'pm2.5' "
                                         r"Did you mean 'pm25'\?; unexpected 'pm25'\. Transform "
                                         r"data with the columns used in fit\."):
        s.transform(pd.DataFrame({"pm25": [1.0], "TEMP": [2.0]}))
    with pytest.raises(InputError, match="the columns are in another order"):
        s.transform(pd.DataFrame({"TEMP": [2.0], "pm2.5": [1.0]}))


def test_bad_method_and_per_with_did_you_mean() -> None:
    X = pd.DataFrame({"x": [1.0, 2.0]})
    with pytest.raises(InputError, match=r"^The 'method' parameter of Scaler must be one of "
                                         r"'standard', 'minmax', 'robust', 'none'\. Got "
                                         r"'stdandard' instead\. Did you mean 'standard'\?$"):
        Scaler(method="stdandard").fit(X)
    with pytest.raises(InputError, match=r"^The 'per' parameter of Scaler must be one of "
                                         r"'global', 'series'\. Got 'serie' instead\. "
                                         r"Did you mean 'series'\?$"):
        Scaler(per="serie").fit(X)
    with pytest.raises(InputError, match=r"The 'method' parameter of TargetScaler must be one "
                                         r".* Got None instead\.$"):
        TargetScaler(method=None).fit(np.ones(3))


def test_get_scaler_and_check_method() -> None:
    s = get_scaler("robust", per="series")
    assert type(s) is Scaler and s.get_params() == {"method": "robust", "per": "series"}
    t = get_scaler("minmax", target=True)
    assert type(t) is TargetScaler and t.method == "minmax"
    assert check_method("none") == "none"
    with pytest.raises(InputError, match=r"^The '--scaler' option must be one of 'standard', "
                                         r"'minmax', 'robust', 'none'\. Got 'MinMax' instead\. "
                                         r"Did you mean 'minmax'\?$"):
        get_scaler("MinMax", option="--scaler")
    with pytest.raises(InputError, match=r"Got 'zscore' instead\.$"):  # nothing close: no hint
        get_scaler("zscore")


def test_non_numeric_column_is_refused() -> None:
    X = pd.DataFrame({"x": [1.0, 2.0], "cbwd": ["NW", "SE"]})
    with pytest.raises(InputError, match=r"Scaler scales numeric columns only; 'cbwd' is str. "
                                         r"Encode categorical columns first"):
        Scaler().fit(X)


def test_not_a_dataframe_and_no_rows() -> None:
    with pytest.raises(InputError, match=r"Scaler.fit expects a pandas DataFrame .* got ndarray"):
        Scaler().fit(np.ones((3, 2)))
    with pytest.raises(InputError, match=r"Scaler.fit got no training rows"):
        Scaler().fit(pd.DataFrame({"x": np.array([], dtype=float)}))


def test_nullable_and_integer_columns() -> None:
    X = pd.DataFrame({"i": pd.array([1, None, 3], dtype="Int64"), "b": [True, False, True]})
    Z = Scaler("minmax").fit(X).transform(X)
    assert Z["i"].tolist()[0] == 0.0 and np.isnan(Z["i"].iloc[1]) and Z["i"].iloc[2] == 1.0
    assert Z["b"].tolist() == [1.0, 0.0, 1.0]


# ------------------------------------------------------------------- series lookup
def test_unseen_series_falls_back_to_global(rng: np.random.Generator) -> None:
    X = _frame(rng, n=60)
    groups = _groups([30, 30])
    s = Scaler("standard", per="series").fit(X, groups=groups)
    new = _frame(rng, n=10)
    got = s.transform(new, groups=np.full(10, 7)).to_numpy()
    np.testing.assert_array_equal(got, ((new.to_numpy() - s.center_) / s.scale_))
    mixed = s.transform(pd.concat([X.iloc[:5], new.iloc[:5]], ignore_index=True),
                        groups=np.r_[np.zeros(5, int), np.full(5, 7)]).to_numpy()
    np.testing.assert_array_equal(mixed[:5], s.transform(X, groups=groups).to_numpy()[:5])
    np.testing.assert_array_equal(mixed[5:], got[:5])


def test_per_series_needs_groups_in_transform(rng: np.random.Generator) -> None:
    X = _frame(rng, n=40)
    s = Scaler(per="series").fit(X, groups=_groups([20, 20]))
    with pytest.raises(InputError, match=r"Scaler\(per='series'\) was fitted on 2 series; pass "
                                         r"groups="):
        s.transform(X)
    with pytest.raises(InputError, match=r"groups has shape \(3,\), expected \(40,\)"):
        s.transform(X, groups=[0, 1, 1])
    # Fitted on one series (groups=None): transform without groups is that series.
    one = Scaler(per="series").fit(X)
    pd.testing.assert_frame_equal(one.transform(X), Scaler().fit(X).transform(X))


# ------------------------------------------------------------------- TargetScaler
@pytest.mark.parametrize(("method", "per"), CASES, ids=[f"{m}-{p}" for m, p in CASES])
def test_target_scaler_exact_inverse_1d_and_2d(method: str, per: str,
                                               rng: np.random.Generator) -> None:
    y = rng.lognormal(4.0, 1.0, 300)
    y[rng.random(300) < 0.1] = np.nan
    groups = _groups([100, 100, 100])
    train = np.r_[0:70, 100:170, 200:270]
    ts = TargetScaler(method, per=per).fit(y[train], groups=groups[train])
    z = ts.transform(y, groups=groups)
    assert z.shape == y.shape and z.dtype == np.float64
    np.testing.assert_array_equal(np.isnan(z), np.isnan(y))  # NaN stays NaN, never imputed
    back = ts.inverse_transform(z, groups=groups)
    obs = ~np.isnan(y)
    np.testing.assert_allclose(back[obs], y[obs], rtol=1e-12, atol=0)
    # Windows: rows × horizons, each row in its row's series.
    windows = np.column_stack([y, np.roll(y, -1), np.roll(y, -2)])
    zw = ts.transform(windows, groups=groups)
    np.testing.assert_array_equal(zw[:, 0], z)
    np.testing.assert_allclose(ts.inverse_transform(zw, groups=groups), windows, rtol=1e-12,
                               atol=0, equal_nan=True)


@pytest.mark.parametrize("method", SCALED)
def test_target_scaler_agrees_with_scaler(method: str, rng: np.random.Generator) -> None:
    y = pd.Series(rng.normal(50, 20, 80), name="pm2.5")
    y.iloc[::9] = np.nan
    groups = _groups([40, 40])
    ts = TargetScaler(method, per="series").fit(y, groups=groups)
    sc = Scaler(method, per="series").fit(y.to_frame(), groups=groups)
    for attr in ("center_", "scale_", "series_center_", "series_scale_", "series_codes_"):
        np.testing.assert_array_equal(getattr(ts, attr), getattr(sc, attr))
    np.testing.assert_array_equal(ts.transform(y, groups=groups),
                                  sc.transform(y.to_frame(), groups=groups)["pm2.5"].to_numpy())
    ref = ORACLES[method]().fit(y.to_numpy()[:40, None])
    np.testing.assert_allclose(ts.transform(y.to_numpy()[:40], groups=groups[:40]),
                               ref.transform(y.to_numpy()[:40, None])[:, 0], equal_nan=True,
                               **TOL)


def test_target_scaler_json_round_trip_and_shapes(rng: np.random.Generator) -> None:
    ts = TargetScaler("robust", per="series").fit(rng.normal(size=50),
                                                  groups=_groups([25, 25]))
    back = from_dict(json.loads(json.dumps(ts.to_dict())))
    assert type(back) is TargetScaler and back.n_features_in_ == 1
    w = rng.normal(size=(50, 24))
    assert back.transform(w, groups=_groups([25, 25])).tobytes() == \
        ts.transform(w, groups=_groups([25, 25])).tobytes()
    z = ts.transform(np.array([np.inf, -np.inf, 1.0]), groups=[0, 1, 9])
    assert np.isnan(z[:2]).all() and np.isfinite(z[2])
    with pytest.raises(InputError, match=r"TargetScaler.fit expects the 1-D target of the "
                                         r"training rows, got shape \(10, 2\)"):
        TargetScaler().fit(np.ones((10, 2)))
    with pytest.raises(InputError, match=r"expects a 1-D array \(rows\) or a 2-D array "
                                         r"\(rows × horizons\), got shape \(2, 2, 2\)"):
        ts.transform(np.ones((2, 2, 2)), groups=[0, 1])
    with pytest.raises(InputError, match=r"one target column, got a DataFrame with 2 columns"):
        TargetScaler().fit(pd.DataFrame({"a": [1.0], "b": [2.0]}))
    with pytest.raises(InputError, match=r"the target must be numeric"):
        TargetScaler().fit(pd.Series(["a", "b"]))


@pytest.mark.filterwarnings("ignore::seqguard.errors.DataWarning")  # all-NaN examples
@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(2, 40),
              elements=st.one_of(st.floats(-1e9, 1e9), st.just(np.nan))),
       st.sampled_from(METHODS))
def test_target_inverse_property(y: np.ndarray, method: str) -> None:
    ts = TargetScaler(method).fit(y)
    z = ts.transform(y)
    assert not np.isinf(z).any()
    back = ts.inverse_transform(z)
    obs = ~np.isnan(y)
    # Exact up to float64 rounding of (y - c) / s * s + c.
    tol = 1e-12 * max(1.0, np.abs(y[obs]).max() if obs.any() else 1.0)
    np.testing.assert_allclose(back[obs], y[obs], rtol=0, atol=tol)
    assert np.isnan(back[~obs]).all()
