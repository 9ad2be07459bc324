"""The out-of-core path (issue 15): a Parquet folder read shard by shard, the streaming
fit against the in-memory Pipeline.fit on the concatenated table, windows drawn from
memory-mapped shards, one epoch of fit_model through the shard loader, and the ways it
goes wrong (options it cannot honour, shards that disagree, incomplete shard folders)."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from seqguard.audit import audit
from seqguard.audit.streaming import audit_streaming
from seqguard.errors import InputError
from seqguard.io import ParquetDataset, fit_streaming, is_parquet_folder, prepare_shards
from seqguard.io.streaming import merge_splits, shard_pipeline
from seqguard.pipeline import Pipeline
from seqguard.scaling import Scaler
from seqguard.scaling.statistics import SeriesStats
from seqguard.windows import ShardSet, ShardWindowLoader


def _series(rng: np.random.Generator, k: int, n: int, with_gaps: bool = True) -> pd.DataFrame:
    t = pd.date_range("2021-03-01", periods=n, freq="h")
    x = rng.normal(size=(n, 3)) * [1.0, 10.0, 100.0] + k
    x[:, 2] += np.arange(n) % 24  # a daily pattern
    if with_gaps:
        x[rng.random((n, 3)) < 0.1] = np.nan
        x[20 + k:40 + k, 1] = np.nan  # an outage
    y = np.sin(np.arange(n) / 5) + 0.1 * rng.normal(size=n) + 0.3 * k
    y[rng.random(n) < 0.05] = np.nan
    if k == 2:
        x[:, 0] = 7.0  # constant in one series: its per-series scale falls back
    frame = pd.DataFrame({"site": f"s{k}", "time": t, "a": x[:, 0], "b": x[:, 1],
                          "c": x[:, 2], "y": y})
    return frame.drop(index=[5 + k])  # an absent row: the grid inserts it


@pytest.fixture
def folder(tmp_path, rng):
    """Seven series of different lengths in three files, rows shuffled in each file."""
    frames = [_series(rng, k, 200 + 13 * k) for k in range(7)]
    d = tmp_path / "data"
    d.mkdir()
    for j in range(3):
        pd.concat(frames[j::3]).sample(frac=1, random_state=j).to_parquet(
            d / f"part{j}.parquet")
    return d


@pytest.fixture
def data(folder):
    return ParquetDataset(folder, series_col="site", time_col="time", shard_rows=500)


def _close(a, b, path=""):
    """Equal JSON trees, floats to float64 rounding (rtol 1e-9, atol 1e-12)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), (path, set(a) ^ set(b))
        for k in a:
            _close(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (
            math.isnan(a) and math.isnan(b)), (path, a, b)
    else:
        assert a == b, (path, a, b)


OPTIONS = {
    "defaults": {},
    "per_series": {"scale_per": "series"},
    "minmax_lags_rolling": {"scaler": "minmax", "lags": "y:1,24", "rolling": "a:3;b:6"},
    "mask_calendar": {"missing": "mask", "calendar": "hour,dayofweek"},
    "none_drop_dates": {"scaler": "none", "missing": "drop", "val_start": "2021-03-06",
                        "test_start": "2021-03-08"},
    "ffill_gap": {"missing": "impute:ffill", "gap": 3, "target_scaler": "minmax"},
    "tag": {"task": "tag", "input_len": 10, "horizon": None},
}


def _pipe(opts):
    """A pipeline with small windows; ``horizon: None`` leaves the horizon unset (tag)."""
    kw = {"input_len": 12, "horizon": 3, "calendar": "none", **opts}
    return Pipeline("y", **{k: v for k, v in kw.items() if v is not None})


# ------------------------------------------------------------------ reading
def test_dataset_lists_series_and_shards_in_table_order(data, folder):
    assert data.series_names == [f"s{k}" for k in range(7)]
    assert [s for shard in data.shards for s in shard] == data.series_names
    assert all(sum(data.series_rows[data.series_names.index(s)] for s in shard) <= 500
               or len(shard) == 1 for shard in data.shards)
    whole = data.read_all()
    frames = [t.frame for t in data.tables()]
    pd.testing.assert_frame_equal(pd.concat(frames, ignore_index=True), whole.frame)
    assert is_parquet_folder(folder) and not is_parquet_folder(folder / "part0.parquet")


def test_hive_partitioned_dataset_by_series(tmp_path, rng):
    import pyarrow as pa
    import pyarrow.dataset as pa_ds

    frame = pd.concat([_series(rng, k, 120) for k in range(4)])
    pa_ds.write_dataset(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "hive",
                        format="parquet", partitioning=["site"],
                        partitioning_flavor="hive")
    data = ParquetDataset(tmp_path / "hive", series_col="site", time_col="time",
                          shard_rows=250)
    assert data.series_names == ["s0", "s1", "s2", "s3"] and len(data.shards) == 2
    table = data.read_series(["s2"])
    assert table.series_names() == ["s2"] and table.n_rows == 120


# ------------------------------------------------------------------ the key test
@pytest.mark.parametrize("opts", list(OPTIONS.values()), ids=list(OPTIONS))
def test_streaming_fit_equals_in_memory_fit(data, opts):
    whole = data.read_all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        memory = _pipe(opts).fit(whole)
        streamed = fit_streaming(_pipe(opts), data)
    assert len(data.shards) > 2
    _close(memory.to_dict(), streamed.to_dict())
    # the same prepared arrays and windows, shard by shard
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = memory.transform(whole)
    X = np.concatenate([shard_pipeline(streamed, t).transform(t, windows=False).X
                        for t in data.tables()])
    np.testing.assert_allclose(X, full.X, rtol=1e-5, atol=1e-6, equal_nan=True)


@pytest.mark.parametrize("opts", [OPTIONS["defaults"], OPTIONS["tag"]], ids=["forecast", "tag"])
def test_shard_windows_equal_in_memory_windows(data, tmp_path, opts):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        memory = _pipe(opts).fit(data.read_all())
        full = memory.transform(data.read_all())
        shards = prepare_shards(fit_streaming(_pipe(opts), data), data, tmp_path / "prep")
    assert shards.meta["n_windows"] == {p: len(full.datasets[p]) for p in ("train", "val",
                                                                           "test")}
    for part in ("train", "val", "test"):
        batches = list(ShardWindowLoader(shards, part, batch_size=17))
        ds = full.datasets[part]
        want = ds.gather(np.arange(len(ds)))
        for key in ("x", "y", "y_mask"):
            got = torch.cat([b[key] for b in batches])
            np.testing.assert_allclose(got.numpy(), want[key].numpy(), rtol=1e-5, atol=1e-6,
                                       equal_nan=True)


def test_loader_shuffles_every_window_once_per_epoch(data, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shards = prepare_shards(fit_streaming(_pipe({}), data), data, tmp_path / "prep")
    n = shards.n_windows("train")

    def epoch(loader):
        batches = list(loader)
        assert len(batches) == len(loader)
        return torch.cat([b["y"] for b in batches]).numpy(), [len(b["y"]) for b in batches]

    plain, _ = epoch(ShardWindowLoader(shards, batch_size=32))
    loader = ShardWindowLoader(shards, batch_size=32, shuffle=True, seed=3, buffer_shards=2)
    first, sizes = epoch(loader)
    second, _ = epoch(loader)
    assert len(loader) == math.ceil(n / 32) and sizes[:-1] == [32] * (len(sizes) - 1)
    key = np.nan_to_num(plain, nan=-99.0)
    for got in (first, second):
        assert not np.array_equal(np.nan_to_num(got, nan=-99.0), key)
        np.testing.assert_array_equal(np.unique(np.nan_to_num(got, nan=-99.0), axis=0),
                                      np.unique(key, axis=0))
    assert not np.array_equal(np.nan_to_num(first, nan=-9), np.nan_to_num(second, nan=-9))
    loader.set_epoch(0)
    np.testing.assert_array_equal(np.nan_to_num(epoch(loader)[0], nan=-9),
                                  np.nan_to_num(first, nan=-9))
    dropped = ShardWindowLoader(shards, batch_size=32, shuffle=True, drop_last=True)
    assert len(dropped) == n // 32 == len(list(dropped))


def test_one_epoch_of_fit_model_from_the_shard_loader(data, tmp_path, seed):
    from seqguard.models import SequenceModel
    from seqguard.training import fit_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe = fit_streaming(_pipe({}), data)
        shards = prepare_shards(pipe, data, tmp_path / "prep")
    train = ShardWindowLoader(shards, "train", batch_size=64, shuffle=True, seed=seed)
    val = ShardWindowLoader(shards, "val", batch_size=64)
    model = SequenceModel(len(pipe.feature_names_), task="forecast", horizon=3, hidden=8)
    before = [p.detach().clone() for p in model.parameters()]
    result = fit_model(model, train, val, epochs=1, accelerator="cpu", devices=1,
                       progress=False, seed=seed)
    assert len(result.history) == 1 and np.isfinite(result.history["val_loss"].iloc[0])
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


# ------------------------------------------------------------------ statistics
def test_series_stats_merge_as_one_fit(rng):
    values = rng.normal(size=(300, 2)) * [3.0, 0.0] + [1.0, 5.0]  # column 1 constant
    values[rng.random((300, 2)) < 0.2] = np.nan
    codes = np.repeat(np.arange(6), 50)
    for method in ("standard", "minmax", "none"):
        whole = Scaler(method, per="series").fit(pd.DataFrame(values, columns=["a", "b"]),
                                                 groups=codes)
        parts = [SeriesStats.of_rows(values[a:a + 100], codes[a:a + 100], method)
                 for a in (200, 0, 100)]
        merged = Scaler(method, per="series")
        merged.learn_from_stats(SeriesStats.concat(parts), ["a", "b"])
        for name in ("center_", "scale_", "n_observed_", "series_codes_",
                     "series_center_", "series_scale_"):
            np.testing.assert_allclose(getattr(merged, name), getattr(whole, name),
                                       rtol=1e-12, atol=1e-15)
        assert merged.scale_[1] == 1.0 and merged.center_[1] == (0.0 if method == "none"
                                                                 else 5.0)


def test_merge_splits_concatenates_per_series_state(data):
    from seqguard.splits import TimeSplit

    parts = [TimeSplit(val_frac=0.2, test_frac=0.1).fit(t) for t in data.tables()]
    whole = TimeSplit(val_frac=0.2, test_frac=0.1).fit(data.read_all())
    _close(whole.to_dict(), merge_splits(parts).to_dict())


# ------------------------------------------------------------------ audit
def test_streaming_audit_totals_and_series_findings(data):
    memory = audit(data.read_all(), target="y")
    streamed = audit_streaming(data, "y")
    for key in ("n_rows", "n_series", "inserted_rows", "missing"):
        assert streamed.summary[key] == memory.summary[key], key
    assert streamed.summary["n_shards"] == len(data.shards)
    per_series = sorted((f.code, f.series) for f in memory if f.series is not None)
    assert sorted((f.code, f.series) for f in streamed if f.series is not None) == per_series
    shared = [f for f in streamed if f.series is None]
    assert shared and all(f.evidence["shards"][1] == len(data.shards) for f in shared)
    assert all("shards; the figures are one shard's" in f.message for f in shared)
    assert set(streamed.codes()) <= set(memory.codes()) | {"series_missing"}


# ------------------------------------------------------------------ what goes wrong
@pytest.mark.parametrize(("opts", "match"), [
    ({"scaler": "robust"}, "--scaler robust cannot be fitted out of core"),
    ({"target_scaler": "robust"}, "--target-scaler robust cannot be fitted out of core"),
    ({"missing": "impute:median"}, "impute:median cannot be fitted out of core"),
    ({"missing": "impute:knn"}, "impute:knn cannot be fitted out of core"),
    ({"task": "classify", "horizon": None}, "--task classify cannot be fitted out of core"),
], ids=["robust", "robust_target", "median", "knn", "classify"])
def test_options_the_streaming_fit_cannot_honour(data, opts, match):
    pipe = _pipe(opts)
    with pytest.raises(InputError, match=match):
        fit_streaming(pipe, data)
    assert not pipe.fitted_attributes()


def test_categorical_inputs_are_refused(tmp_path, rng):
    d = tmp_path / "cat"
    d.mkdir()
    for k in range(2):
        f = _series(rng, k, 100)
        f["kind"] = np.where(np.arange(len(f)) % 2, "on", "off")
        f.to_parquet(d / f"{k}.parquet")
    data = ParquetDataset(d, series_col="site", time_col="time", shard_rows=100)
    with pytest.raises(InputError, match="column 'kind' is categorical"):
        fit_streaming(_pipe({}), data)


def test_bad_folders(tmp_path, folder, rng):
    with pytest.raises(InputError, match="not a folder of Parquet files"):
        ParquetDataset(tmp_path / "nothing", series_col="site")
    with pytest.raises(InputError, match="needs one series column: pass --series-col"):
        ParquetDataset(folder, series_col=None)
    with pytest.raises(InputError, match="no column 'sitee' for --series-col.*site"):
        ParquetDataset(folder, series_col="sitee")
    with pytest.raises(InputError, match="shard_rows must be a whole number"):
        ParquetDataset(folder, series_col="site", shard_rows=0)
    odd = tmp_path / "odd"
    odd.mkdir()
    _series(rng, 0, 60).to_parquet(odd / "a.parquet")
    half = _series(rng, 1, 60)
    half["time"] = pd.date_range("2021-03-01", periods=len(half), freq="30min")
    half.to_parquet(odd / "b.parquet")
    data = ParquetDataset(odd, series_col="site", time_col="time", shard_rows=60)
    with pytest.raises(InputError, match=r"series 's1'.*the grid step is <30 \* Minutes>, "
                                         "the first shard's <Hour>. Pass --freq"):
        list(data.tables())
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match="cannot read it as a Parquet dataset"):
        ParquetDataset(bad, series_col="site")


def test_incomplete_or_changed_shard_folders(data, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe = fit_streaming(_pipe({}), data)
        shards = prepare_shards(pipe, data, tmp_path / "prep")
    with pytest.raises(InputError, match="exists and is not an empty folder"):
        prepare_shards(pipe, data, tmp_path / "prep")
    with pytest.raises(InputError, match="has no shards.json: it is not a complete"):
        ShardSet(tmp_path)
    meta = json.loads((shards.folder / "shards.json").read_text())
    meta["shards"][0]["n_windows"]["train"] += 1
    (shards.folder / "shards.json").write_text(json.dumps(meta))
    with pytest.raises(InputError, match="manifest .*: the files changed"):
        list(ShardWindowLoader(shards.folder, batch_size=8))
    (shards.folder / "00001.X.npy").unlink()
    with pytest.raises(InputError, match=r"00001\.X\.npy' cannot be read"):
        ShardSet(shards.folder).arrays(1)
    (shards.folder / "shards.json").write_text("{not json")
    with pytest.raises(InputError, match="is not a valid shard manifest"):
        ShardSet(shards.folder)
    with pytest.raises(InputError, match="part must be one of"):
        ShardWindowLoader(shards, part="dev")


def test_a_failed_prepare_leaves_nothing_behind(data, tmp_path, monkeypatch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe = fit_streaming(_pipe({}), data)
    from seqguard.io import shard_cache

    calls = {"n": 0}
    real = shard_cache.shard_pipeline

    def fail_second(p, table):
        calls["n"] += 1
        if calls["n"] == 2:
            raise InputError("boom")
        return real(p, table)

    monkeypatch.setattr(shard_cache, "shard_pipeline", fail_second)
    with pytest.raises(InputError, match="boom"):
        prepare_shards(pipe, data, tmp_path / "prep")
    assert not (tmp_path / "prep").exists() and not (tmp_path / "prep.partial").exists()


def test_shard_view_refuses_unknown_series(data, rng, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe = fit_streaming(_pipe({}), data)
    other = tmp_path / "other"
    other.mkdir()
    _series(rng, 9, 80).to_parquet(other / "a.parquet")
    table = ParquetDataset(other, series_col="site", time_col="time").read_series(["s9"])
    with pytest.raises(InputError, match="series 's9' is not in the data the pipeline"):
        shard_pipeline(pipe, table)


# ------------------------------------------------------------------ command line
def test_cli_audits_a_folder_shard_by_shard(folder, data, capsys):
    from cli_helpers import run_cli

    code, out, _ = run_cli(["audit", str(folder), "--series-col", "site", "--time-col",
                              "time", "--target", "y", "--format", "json"], capsys)
    report = json.loads(out)
    memory = audit(data.read_all(), target="y")
    assert code == memory.exit_code == 0
    assert report["summary"]["n_rows"] == memory.summary["n_rows"]
    assert report["summary"]["missing"] == memory.summary["missing"]
    assert report["summary"]["n_shards"] == 1  # the default shard holds a million rows


@pytest.mark.parametrize("args", [
    ["fit", "{folder}", "--target", "y", "--series-col", "site", "--out", "{out}"],
    ["audit", "{folder}", "--target", "y"],
    ["audit", "{folder}", "--series-col", "site", "--thousands", ","],
], ids=["fit", "audit_without_series_col", "audit_text_option"])
def test_cli_folder_errors_say_what_is_supported(folder, tmp_path, capsys, args):
    from cli_helpers import assert_one_error_line, run_cli

    argv = [a.format(folder=folder, out=tmp_path / "run") for a in args]
    code, _, err = run_cli(argv, capsys)
    words = {"fit": ("folder of Parquet files", "seqguard audit FOLDER", "fit_streaming",
                     "pass one file"),
             "audit": ("--series-col",)}[args[0]]
    if "--thousands" in args:
        words = ("--thousands applies to text files",)
    assert_one_error_line(code, err, *words)
    assert not (tmp_path / "run").exists()
