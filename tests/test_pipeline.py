"""The preprocessing pipeline end to end on real data (leakage and JSON: test_contract.py)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from frame_helpers import series_frame

import seqguard
from seqguard import InputError
from seqguard.pipeline import Pipeline, prepare

BEIJING_FEATURES = ["pm2.5", "DEWP", "TEMP", "PRES", "cbwd", "Iws", "Is", "Ir"]
STRATEGIES = ["auto", "drop", "mask", "indicators", "impute:mean", "impute:median",
              "impute:ffill", "impute:ffill:lead=zero", "impute:seasonal:season=24"]


@pytest.fixture(scope="module")
def beijing(beijing_path):
    return seqguard.read(beijing_path, target="pm2.5", features=BEIJING_FEATURES)


@pytest.mark.parametrize("missing", STRATEGIES, ids=STRATEGIES)
def test_every_strategy_gives_finite_inputs_on_beijing(beijing, missing):
    prep = Pipeline("pm2.5", missing=missing, input_len=48, horizon=24).fit_transform(beijing)
    for name in ("train", "val", "test"):
        ds = prep.datasets[name]
        assert len(ds) > 1000
        batch = ds.gather(np.arange(0, len(ds), 97))
        assert torch_finite(batch["x"]) and torch_finite(batch["last"])
    if missing == "drop":
        # pm2.5 has 2067 missing hours: every window reading one is lost, and said so
        # (8,334 of 51,247 candidate windows on this protocol)
        assert prep.summary["lost_unusable"] > 5000
        assert 0.1 < prep.summary["lost_share"] < 0.5
    else:
        assert prep.summary["lost_unusable"] == 0


def torch_finite(t) -> bool:
    return bool(np.isfinite(t.numpy()).all())


def test_default_adds_missingness_channels(beijing):
    prep = Pipeline("pm2.5").fit_transform(beijing)
    assert "pm2.5__observed" in prep.feature_names and "pm2.5__since" in prep.feature_names
    assert any(n.startswith("cbwd__") for n in prep.feature_names)


def test_target_is_never_imputed_and_scaled_exactly(beijing):
    pipe = Pipeline("pm2.5")
    prep = pipe.fit_transform(beijing)
    raw = beijing.frame["pm2.5"].to_numpy()
    assert np.isnan(prep.y).sum() == np.isnan(raw).sum() == 2067
    # the model sees float32; the inverse is exact in float64 (scores use y_raw)
    back = pipe.target_scaler_.inverse_transform(prep.y.astype(np.float64))
    np.testing.assert_allclose(back, raw, atol=1e-4, equal_nan=True)
    exact = pipe.target_scaler_.inverse_transform(pipe.target_scaler_.transform(raw))
    np.testing.assert_allclose(exact, raw, rtol=1e-12, atol=1e-9, equal_nan=True)
    np.testing.assert_array_equal(prep.y_raw, raw)


# the leakage and JSON round-trip checks of every option set are in test_contract.py


def test_unseen_category_in_test_period_is_finite():
    df = series_frame()
    df.loc[350:, "c"] = "new"
    prep = prepare(df, target="y", input_len=16, horizon=4, read_options={"time_col": "t"})
    assert np.isfinite(prep.X).all()
    unknown = [i for i, n in enumerate(prep.feature_names) if "unknown" in n]
    assert unknown and prep.X[360:, unknown[0]].min() == 1.0


def test_classify_splits_by_series():
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(int(rng.integers(5, 30)), 2)) for _ in range(40)]
    frames = []
    for k, s in enumerate(seqs):
        frames.append(pd.DataFrame({"id": k, "t": np.arange(len(s)), "a": s[:, 0],
                                    "b": s[:, 1], "label": float(k % 2)}))
    prep = prepare(pd.concat(frames), target="label", task="classify",
                   read_options={"time_col": "t", "series_col": "id"})
    n = {k: len(prep.datasets[k]) for k in ("train", "val", "test")}
    assert sum(n.values()) == 40 and min(n.values()) >= 4
    batch = prep.train.gather(np.arange(4))
    assert batch["lengths"].shape == (4,) and batch["x"].shape[0] == 4


@pytest.mark.parametrize("option,value,message", [
    ("task", "predict", (r"^The 'task' parameter of Pipeline must be one of 'forecast', 'tag', "
                        r"'classify'\. Got 'predict' instead\.$")),
    ("missing", "sometimes", r"--missing option must be one of .*Got 'sometimes'"),
    ("scaler", "stdandard", (r"^The 'scaler' parameter of Pipeline must be one of 'standard', "
                            r"'minmax', 'robust', 'none'\. Got 'stdandard' instead\. Did you "
                            r"mean 'standard'\?$")),
    ("input_len", 0, r"^The 'input_len' parameter of Pipeline must be an int >= 1\. Got 0"),
    ("scale_per", "row", (r"^The 'scale_per' parameter of Pipeline must be one of 'global', "
                         r"'series'\. Got 'row' instead\.$")),
], ids=["task", "missing", "scaler", "input-len", "scale-per"])
def test_bad_options_fail_before_any_work(option, value, message):
    with pytest.raises(InputError, match=message):
        prepare("this-file-is-never-read.csv", target="y", **{option: value})


def test_fewer_rows_than_one_window():
    df = pd.DataFrame({"y": np.arange(30.0)})
    with pytest.raises(InputError, match="--input-len"):
        prepare(df, target="y", input_len=48, horizon=24)


# --------------------------------------------------- each step once, state untouched
def test_fit_transform_equals_fit_then_transform_and_computes_features_once(monkeypatch):
    table = seqguard.read(series_frame(), time_col="t", target="y")
    opts = {"input_len": 16, "horizon": 4, "lags": "y:1,2", "rolling": "x:5"}
    a = Pipeline("y", **opts).fit_transform(table)
    b = Pipeline("y", **opts).fit(table).transform(table)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.usable, b.usable)
    assert a.summary == b.summary
    calls = []
    real = Pipeline._features
    monkeypatch.setattr(Pipeline, "_features",
                        lambda self, *args: calls.append(1) or real(self, *args))
    Pipeline("y", **opts).fit_transform(table)
    assert len(calls) == 1


def test_transform_changes_no_learned_state():
    df = pd.concat([pd.DataFrame({"id": k, "t": np.arange(12), "x": np.arange(12.0) + k,
                                  "label": k % 2}) for k in range(20)])
    table = seqguard.read(df, time_col="t", series_col="id", target="label")
    pipe = Pipeline("label", task="classify", input_len=4, val_frac=0.2, test_frac=0.2)
    pipe.fit(table)
    before = json.dumps(pipe.to_dict())
    more = df.copy()
    more.loc[more["id"] == 3, "label"] = 2  # a class the fit never saw
    pipe.transform(seqguard.read(more, time_col="t", series_col="id", target="label"),
                   split=False)
    assert json.dumps(pipe.to_dict()) == before and pipe.n_classes_ == 2


def test_a_failed_fit_leaves_the_pipeline_unfitted():
    from seqguard.errors import NotFittedError

    good = seqguard.read(series_frame(), time_col="t", target="y")
    pipe = Pipeline("y", input_len=16, horizon=4).fit(good)
    bad = seqguard.read(series_frame().drop(columns=["y"]).assign(y="a"), time_col="t")
    with pytest.raises(InputError):
        pipe.fit(bad)
    with pytest.raises(NotFittedError):
        pipe.transform(good)
    assert pipe.fitted_attributes() == []


@pytest.mark.parametrize("task,missing", [("forecast", "auto"), ("forecast", "drop"),
                                          ("tag", "impute:ffill:lead=drop")])
def test_transform_runs_the_missing_strategy_once_and_scans_x_once(monkeypatch, task, missing):
    """transform: one pass of the missing-data strategy (values and usable rows), one
    finiteness scan of the model inputs X (not one per window dataset)."""
    from seqguard.missing import MissingStrategy

    table = seqguard.read(series_frame(), time_col="t", target="y", categorical="c")
    pipe = Pipeline("y", task=task, missing=missing, input_len=8,
                    **({"horizon": 2} if task == "forecast" else {})).fit(table)
    width = len(pipe.feature_names_)
    runs: list[bool] = []
    scans: list[tuple[int, ...]] = []
    apply, isfinite = MissingStrategy._apply, np.isfinite

    def counting_apply(self, X, groups, full):
        runs.append(full)
        return apply(self, X, groups, full)

    def counting_isfinite(a, *args, **kwargs):
        shape = np.shape(a)
        if shape == (len(table.frame), width):  # the whole of X
            scans.append(shape)
        return isfinite(a, *args, **kwargs)

    monkeypatch.setattr(MissingStrategy, "_apply", counting_apply)
    monkeypatch.setattr(np, "isfinite", counting_isfinite)
    prep = pipe.transform(table)
    monkeypatch.undo()
    assert runs == [True]
    assert len(scans) == 1
    assert set(prep.datasets) == {"train", "val", "test"}
    # the same arrays as the strategy's two separate calls give
    scaled = pipe._scale(pipe._features(pipe._inputs(table), pipe.series_groups(table),
                                        ["c"], table), pipe.series_groups(table))
    groups = pipe.series_groups(table)
    np.testing.assert_array_equal(prep.usable, pipe.missing_.usable_rows(scaled, groups=groups))
    np.testing.assert_array_equal(
        prep.X, pipe.missing_.transform(scaled, groups=groups).to_numpy(np.float32))


def test_a_non_finite_input_is_still_refused_with_one_scan():
    """The one finiteness scan still names a bad value in X (here: a strategy that
    leaves NaN on usable rows, a bug the windows' check exists to catch)."""
    from seqguard.missing import MissingStrategy

    table = seqguard.read(series_frame(), time_col="t", target="y", categorical="c")
    pipe = Pipeline("y", input_len=8, horizon=2).fit(table)

    def leaky(self, X, *, groups=None):
        out = X.fillna(0.0)
        out.iloc[300, 0] = np.nan  # a validation row: the train dataset scans all of X
        return out.reindex(columns=self.feature_names_out_, fill_value=0.0), \
            np.ones(len(X), dtype=bool)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(MissingStrategy, "transform_usable", leaky)
        with pytest.raises(InputError, match=r"X row 300 \(series 0\), feature 0 is nan"):
            pipe.transform(table)


@pytest.mark.parametrize("task", ["forecast", "tag"])
def test_the_window_datasets_share_one_x(task):
    """X is made once, in row order, and every part's windows view it (no copy each)."""
    table = seqguard.read(series_frame(), time_col="t", target="y", categorical="c")
    prep = Pipeline("y", task=task, input_len=8,
                    **({"horizon": 2} if task == "forecast" else {})).fit_transform(table)
    assert prep.X.flags["C_CONTIGUOUS"] and prep.X.dtype == np.float32
    assert [name for name, ds in prep.datasets.items() if ds.X is not prep.X] == []
