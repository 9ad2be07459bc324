"""Many series (issue 15): per-series scores (metrics.json ``by_series``), the audit's
per-series figures, the report's per-series section, the learned series embedding
(``series_embedding``) and series-level static covariates for forecast and tag."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from cli_helpers import assert_one_error_line, run_cli
from frame_helpers import many_series_frame, series_frame

import seqguard
from seqguard.audit import audit
from seqguard.errors import ArtifactError, DataWarning, InputError, ParameterError
from seqguard.metrics.by_series import series_entries
from seqguard.models import SequenceModel
from seqguard.run_schema import check_document

READ = {"series_col": "s", "time_col": "t"}
TINY = {"input_len": 8, "horizon": 2, "epochs": 2, "hidden": 8, "layers": 1,
        "progress": False}


def _quiet_fit(est, data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(data, **kw)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return many_series_frame()


@pytest.fixture(scope="module")
def embedded(frame, tmp_path_factory):
    """A forecaster with a series embedding and a static covariate, saved once."""
    torch.manual_seed(0)
    f = seqguard.Forecaster("y", series_embedding=3, static="size", scale_per="series",
                            read_options=READ, **TINY)
    _quiet_fit(f, frame)
    run = tmp_path_factory.mktemp("many") / "run"
    f.save(run)
    return f, run


def _check_by_series(m: dict) -> None:
    """``by_series`` is worst first and adds up to the totals."""
    bs = m["by_series"]
    skills = [e["skill"] for e in bs]
    assert skills == sorted(skills)  # worst (lowest skill vs the best baseline) first
    n = np.array([e["n"] for e in bs])
    assert n.sum() > 0 and all(e["baseline"] == m["best_baseline"] for e in bs)
    mae = np.array([e["mae"] for e in bs])
    np.testing.assert_allclose((n * mae).sum() / n.sum(), m["test"]["mae"], rtol=1e-9)
    rmse = np.array([e["rmse"] for e in bs])
    np.testing.assert_allclose(np.sqrt((n * rmse ** 2).sum() / n.sum()), m["test"]["rmse"],
                               rtol=1e-9)
    base = np.array([e["baseline_mae"] for e in bs])
    np.testing.assert_allclose((n * base).sum() / n.sum(),
                               m["baselines"][m["best_baseline"]]["mae"], rtol=1e-9)
    for e in bs:
        assert e["skill"] == pytest.approx(1 - e["mae"] / e["baseline_mae"])


# ------------------------------------------------------------------ metrics by_series
def test_by_series_of_fit_and_evaluate_is_worst_first_and_adds_up(embedded, frame):
    f, _ = embedded
    m = f.metrics_
    assert {e["series"] for e in m["by_series"]} <= set(frame["s"].unique())
    assert len(m["by_series"]) >= 10
    _check_by_series(m)
    e = f.evaluate(frame)
    assert e["n_windows"]["test"] > m["n_windows"]["test"]  # every window of the data
    _check_by_series(e)


def test_by_series_of_a_tag_run(frame):
    t = _quiet_fit(seqguard.SequenceTagger("y", input_len=8, epochs=1, hidden=4, layers=1,
                                           progress=False, read_options=READ), frame)
    m = t.metrics_
    assert tuple(m) == seqguard.metrics.TAG_KEYS
    _check_by_series(m)
    assert sum(e["n"] for e in m["by_series"]) == m["n_windows"]["test"]


def test_a_single_series_run_has_one_entry():
    f = _quiet_fit(seqguard.Forecaster("y", read_options={"time_col": "t"}, **TINY),
                   series_frame(200))
    (entry,) = f.metrics_["by_series"]
    assert entry["series"] == "all" and entry["mae"] == f.metrics_["test"]["mae"]


def test_series_entries_sort_worst_first_with_unknown_skill_last():
    y = np.array([[1.0, np.nan], [2.0, 3.0], [4.0, 4.0], [8.0, 8.0], [np.nan, np.nan],
                  [5.0, 5.0]])
    p = np.array([[1.5, 9.0], [2.0, 3.0], [1.0, 4.0], [8.0, 8.0], [0.0, 0.0], [5.0, 6.0]])
    base = np.array([[2.0, 0.0], [2.0, 4.0], [5.0, 5.0], [8.0, 8.0], [0.0, 0.0],
                     [np.nan, 5.0]])
    e = series_entries(y, p, ["a", "a", "b", "c", "d", "e"], "mean", base)
    assert [d["series"] for d in e] == ["b", "a", "e", "c"]  # d: no observed target
    a, b = e[1], e[0]
    assert (a["n"], a["mae"], a["baseline_mae"]) == (3, 0.5 / 3, 2.0 / 3)
    assert a["rmse"] == pytest.approx(np.sqrt(0.25 / 3))
    assert (b["mae"], b["baseline_mae"], b["skill"]) == (1.5, 1.0, -0.5)
    # e: the baseline is not finite at an observed target: no baseline MAE, no skill
    assert e[2]["baseline_mae"] is None and e[2]["skill"] is None
    assert e[3]["skill"] is None  # c: the baseline is perfect (MAE 0)
    for d in e:  # the oracle: regression_scores on each series' rows
        rows = {"a": [0, 1], "b": [2], "c": [3], "e": [5]}[d["series"]]
        ref = seqguard.metrics.regression_scores(y[rows], p[rows])
        assert (d["mae"], d["rmse"]) == pytest.approx((ref["mae"], ref["rmse"]))
    with pytest.raises(InputError, match="one series name per row"):
        series_entries(y, p, ["a"], "mean")
    with pytest.raises(InputError, match="not finite at an observed target"):
        series_entries(y, np.full_like(p, np.nan), list("aabcde"), "mean")


@pytest.mark.parametrize("value,field", [
    ("x", "by_series"), (["x"], "by_series[0]"), ([{"n": 1}], "by_series[0].series"),
    ([{"series": "a", "n": -1}], "by_series[0].n"),
    ([{"series": "a", "n": 1, "mae": "1"}], "by_series[0].mae"),
], ids=["not-a-list", "not-an-object", "no-name", "negative-n", "text-mae"])
def test_run_schema_refuses_a_bad_by_series(value, field):
    with pytest.raises(ArtifactError) as exc:
        check_document("metrics.json", {"by_series": value}, "metrics.json in run 'r'")
    assert f"field {field!r}" in str(exc.value)


def test_a_crafted_by_series_stops_load_and_the_cli(embedded, frame, tmp_path, capsys):
    import hashlib

    _, run = embedded
    bad = tmp_path / "run"
    shutil.copytree(run, bad)
    doc = json.loads((bad / "metrics.json").read_text())
    doc["by_series"][0]["n"] = "many"
    (bad / "metrics.json").write_text(json.dumps(doc))
    man = json.loads((bad / "MANIFEST.json").read_text())
    data = (bad / "metrics.json").read_bytes()
    man["files"]["metrics.json"].update(sha256=hashlib.sha256(data).hexdigest(),
                                        bytes=len(data))
    (bad / "MANIFEST.json").write_text(json.dumps(man))
    with pytest.raises(ArtifactError, match=r"by_series\[0\]\.n"):
        seqguard.load(bad)
    data = tmp_path / "many.csv"
    frame.to_csv(data, index=False)
    code, _, err = run_cli(["evaluate", str(bad), str(data)], capsys)
    assert_one_error_line(code, err, "metrics.json", "by_series[0].n")
    code, _, err = run_cli(["report", str(bad)], capsys)  # the page names the problem
    assert code == 0 and "by_series[0].n" in (bad / "report.html").read_text()


# ------------------------------------------------------------------ series embedding
def test_embedding_is_saved_and_loaded_with_identical_predictions(embedded, frame):
    f, run = embedded
    spec = json.loads((run / "pipeline.json").read_text())
    assert spec["params"]["series_embedding"] == 3
    assert spec["model"]["series_embedding"] == 3 and spec["model"]["series_at"] == "steps"
    assert spec["model"]["n_series"] == frame["s"].nunique() and spec["model"]["n_static"] == 1
    assert spec["pipeline"]["state"]["series_names_"] == sorted(frame["s"].unique())
    g = seqguard.load(run)
    a, b = f.predict(frame), g.predict(frame)
    pd.testing.assert_frame_equal(a, b)
    fa, fb = f.predict(frame, future=True), g.predict(frame, future=True)
    pd.testing.assert_frame_equal(fa, fb)
    assert np.isfinite(fa["prediction"]).all() and len(fa) == 2 * frame["s"].nunique()
    assert g.evaluate(frame) == f.evaluate(frame)


def test_the_embedding_changes_what_the_model_predicts_per_series(embedded, frame):
    f, _ = embedded
    model = f.model_
    with torch.no_grad():
        saved = model.series.weight.clone()
        model.series.weight.normal_()
        try:
            changed = f.predict(frame)
        finally:
            model.series.weight.copy_(saved)
    assert not np.allclose(changed["prediction"], f.predict(frame)["prediction"])


def test_an_unseen_series_gets_the_mean_embedding_with_a_warning(frame):
    # global scaling: the renamed series is scaled as the known one (per-series scaling
    # would give an unseen series the global statistics)
    f = _quiet_fit(seqguard.Forecaster("y", series_embedding=3, read_options=READ,
                                       **{**TINY, "epochs": 1}), frame)
    one = frame[frame["s"] == "s03"]
    renamed = one.assign(s="brand-new")
    with pytest.warns(DataWarning, match=r"1 series not seen in training \('brand-new'\) get "
                                         r"the mean series embedding"):
        new = f.predict(renamed)
    assert np.isfinite(new["prediction"]).all()
    model = f.model_
    with torch.no_grad():
        saved = model.series.weight.clone()
        model.series.weight.copy_(saved.mean(dim=0).expand_as(saved))  # every row = mean
        try:
            same = f.predict(one)
        finally:
            model.series.weight.copy_(saved)
    np.testing.assert_allclose(new["prediction"], same["prediction"], rtol=1e-6)
    with pytest.warns(DataWarning, match="mean series embedding"):
        f.predict(renamed, future=True)
    with pytest.warns(DataWarning, match="mean series embedding"):
        f.evaluate(renamed)


@pytest.mark.parametrize("at", ["head", "steps"])
def test_model_series_codes_out_of_range_read_the_mean(at):
    torch.manual_seed(0)
    m = SequenceModel(n_features=2, task="forecast", horizon=2, hidden=4, n_series=3,
                      series_embedding=2, series_at=at, head="direct")
    x = torch.randn(4, 5, 2)
    codes = torch.tensor([[0.0], [1.0], [3.0], [-1.0]])
    out = m(x[:, :, :], static=codes)
    with torch.no_grad():
        m.series.weight.copy_(m.series.weight.mean(0).expand_as(m.series.weight))
    mean = m(x, static=torch.zeros(4, 1))
    torch.testing.assert_close(out[2:], mean[2:])
    with pytest.raises(InputError, match=r"static covariates and the series code of shape "
                                         r"\(4, 1\)"):
        m(x, static=torch.zeros(4, 2))
    assert SequenceModel.from_config(m.config).config == m.config
    with pytest.raises(InputError, match="needs n_series >= 1"):
        SequenceModel(n_features=2, task="forecast", series_embedding=2)


def test_the_parameter_is_checked_and_applies_to_forecast_and_tag(frame):
    with pytest.raises(ParameterError, match="'series_embedding' parameter of Forecaster "
                                             "must be"):
        seqguard.Forecaster("y", series_embedding=-1, read_options=READ).fit(frame)
    with pytest.raises(ParameterError, match="applies to"):
        seqguard.SequenceClassifier("y", series_embedding=2).fit(frame)
    t = _quiet_fit(seqguard.SequenceTagger("y", input_len=8, epochs=1, hidden=4, layers=1,
                                           series_embedding=2, progress=False,
                                           read_options=READ), frame)
    assert t.model_config_["series_embedding"] == 2
    assert np.isfinite(t.predict(frame)["prediction"]).all()


def test_cli_series_embedding_and_save_config(frame, tmp_path, capsys):
    import tomllib

    data = tmp_path / "many.csv"
    frame.to_csv(data, index=False)
    cfg = tmp_path / "run.toml"
    args = ["fit", str(data), "--target", "y", "--series-col", "s", "--time-col", "t",
            "--input-len", "8", "--horizon", "2", "--epochs", "1", "--hidden", "4",
            "--layers", "1", "--static", "size", "--series-embedding", "2", "--quiet"]
    code, _, err = run_cli([*args, "--out", str(tmp_path / "a"), "--save-config", str(cfg)],
                           capsys)
    assert code == 0, err
    assert tomllib.loads(cfg.read_text())["series_embedding"] == 2
    code, _, err = run_cli(["fit", "--config", str(cfg), "--out", str(tmp_path / "b"),
                            "--quiet"], capsys)
    assert code == 0, err
    a = json.loads((tmp_path / "a" / "metrics.json").read_text())
    b = json.loads((tmp_path / "b" / "metrics.json").read_text())
    assert a == b and len(a["by_series"]) == frame["s"].nunique()
    model = json.loads((tmp_path / "b" / "pipeline.json").read_text())["model"]
    assert model["series_embedding"] == 2 and model["n_static"] == 1
    code, _, err = run_cli([*args[:-2], "--series-embedding", "lots", "--out",
                            str(tmp_path / "c")], capsys)
    assert_one_error_line(code, err, "--series-embedding")
    assert not (tmp_path / "c").exists()


# ------------------------------------------------------------------ static covariates
def test_forecast_static_covariates_reach_the_model(frame):
    from seqguard.pipeline import Pipeline
    from seqguard.table import Table

    table = seqguard.read(frame, **READ)
    assert isinstance(table, Table)
    pipe = Pipeline("y", task="forecast", input_len=8, horizon=2, static="detect")
    prep = pipe.fit_transform(table)
    assert pipe.static_.columns == ["size"]  # the per-series constant, found by detect
    batch = prep.train.gather(np.arange(len(prep.train)))
    series = prep.train.series_index()
    sizes = frame.groupby("s")["size"].first().to_numpy()
    z = (sizes - sizes.mean()) / sizes.std()
    np.testing.assert_allclose(batch["static"][:, 0].numpy(), z[series], rtol=1e-5)
    none = Pipeline("y", task="forecast", input_len=8, horizon=2).fit_transform(table)
    assert "static" not in none.train.gather(np.array([0]))


def test_static_covariates_are_fitted_on_the_training_rows_only(frame):
    from seqguard.pipeline import Pipeline

    late = frame.copy()
    # a value seen only after the training part: no part of the fitted statistics
    tail = late.groupby("s").cumcount() >= 120
    late.loc[tail, "size"] = 1000.0
    late.loc[~tail, "size"] = np.nan
    late.loc[late.groupby("s").head(1).index, "size"] = 2.0
    pipe = Pipeline("y", task="forecast", input_len=8, horizon=2, static=["size"])
    pipe.fit(seqguard.read(late, **READ))
    assert pipe.static_.mean_[0] == 2.0


def test_forecaster_with_static_columns_and_a_bad_column(frame):
    f = _quiet_fit(seqguard.Forecaster("y", static="size", read_options=READ, **TINY), frame)
    assert f.model_config_["n_static"] == 1 and "series_embedding" not in f.model_config_
    with pytest.raises(InputError, match="--static names the column 'sise'.*Did you mean "
                                         "'size'"):
        _quiet_fit(seqguard.Forecaster("y", static="sise", read_options=READ, **TINY), frame)
    auto = _quiet_fit(seqguard.Forecaster("y", read_options=READ, **TINY), frame)
    assert "n_static" not in auto.model_config_  # forecast: auto is none


# ------------------------------------------------------------------ audit
def test_audit_by_series_is_worst_first_and_in_the_text(frame):
    tiny = frame[frame["s"] == "s00"].head(10).assign(s="tiny")
    report = audit(pd.concat([frame, tiny], ignore_index=True), target="y", **READ)
    d = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    bs = d["by_series"]
    assert len(bs) == 13
    assert bs[0]["series"] == "tiny" and bs[0]["short"]  # the short series, first
    assert not any(e["short"] for e in bs[1:])
    assert bs[1]["series"] == "s11"  # then the most target missing (30%)
    bs = bs[1:]
    one = frame[frame["s"] == "s05"]
    e = next(x for x in bs if x["series"] == "s05")
    assert e["rows"] == len(one) and (e["start"], e["end"]) == (0, len(one) - 1)
    assert e["target_missing"] == pytest.approx(one["y"].isna().mean(), abs=1e-6)
    assert e["missing"]["x"] == pytest.approx(one["x"].isna().mean(), abs=1e-6)
    assert e["missing"]["size"] == 0.0 and e["worst_input"] == "x"
    rest = [x["target_missing"] for x in bs[1:]]
    assert rest == sorted(rest, reverse=True)
    text = report.to_text()
    assert "Series, worst first (the worst 10 of 13" in text
    assert "... and 3 more series" in text and "tiny" in text
    assert "by_series" not in audit(series_frame(100), target="y", time_col="t").to_dict()


def test_audit_json_by_series_is_checked():
    check_document("audit.json", {"by_series": [{"series": "a", "rows": 3}]}, "audit.json")
    with pytest.raises(ArtifactError, match=r"by_series\[0\]"):
        check_document("audit.json", {"by_series": [{"rows": 3}]}, "audit.json")


# ------------------------------------------------------------------ report
def test_report_has_a_per_series_section_from_the_run_alone(embedded):
    from seqguard.report import report_html

    f, run = embedded
    html = report_html(run)
    assert 'data-table="per-series"' in html and 'data-plot="per-series"' in html
    first = f.metrics_["by_series"][0]["series"]
    body = html.split('data-table="per-series"')[1].split("</tbody>")[0]
    assert body.split("<tbody><tr><td>")[1].startswith(first)  # worst first
    losing = sum(1 for e in f.metrics_["by_series"] if e["skill"] < 0)
    assert f"on {losing} of {len(f.metrics_['by_series'])} series" in html


def test_report_of_one_series_has_no_per_series_section(tmp_path):
    from seqguard.report import report_html

    f = _quiet_fit(seqguard.Forecaster("y", read_options={"time_col": "t"}, **TINY),
                   series_frame(200))
    f.save(tmp_path / "run")
    html = report_html(tmp_path / "run")
    assert 'data-table="per-series"' not in html and 'data-plot="per-series"' not in html


# ------------------------------------------------------------------ a real file
def test_real_multisite_file_many_series(shared_data, tmp_path):
    folder = Path(shared_data) / "beijing_multisite"
    files = sorted(folder.glob("*.csv.gz"))[:3]
    df = pd.concat([pd.read_csv(p).iloc[-400:] for p in files], ignore_index=True)
    df = df[["year", "month", "day", "hour", "PM2.5", "TEMP", "DEWP", "station"]]
    read = {"series_col": "station", "time_col": "year,month,day,hour"}
    report = audit(df, target="PM2.5", **read)
    stations = sorted(df["station"].unique())
    assert sorted(e["series"] for e in report.by_series) == stations
    f = _quiet_fit(seqguard.Forecaster("PM2.5", input_len=12, horizon=3, epochs=1, hidden=4,
                                       layers=1, scale_per="series", series_embedding=2,
                                       progress=False, read_options=read), df)
    ts = f.pipeline_.target_scaler_
    assert ts.series_center_.shape == (3, 1)  # the target's scaling is per station
    assert f.pipeline_.series_names_ == stations
    assert len(set(ts.series_center_[:, 0].round(6))) == 3
    assert sorted(e["series"] for e in f.metrics_["by_series"]) == stations
    _check_by_series(f.metrics_)
    f.save(tmp_path / "run")
    audit_json = json.loads((tmp_path / "run" / "audit.json").read_text())
    assert len(audit_json["by_series"]) == 3


def test_grud_gets_the_embedding_at_the_head(frame):
    f = _quiet_fit(seqguard.Forecaster("y", model="grud", missing="indicators",
                                       series_embedding=2, read_options=READ,
                                       **{**TINY, "epochs": 1}), frame)
    assert f.model_config_["model"] == "grud" and f.model_config_["series_at"] == "head"
    assert np.isfinite(f.predict(frame)["prediction"]).all()


@pytest.mark.parametrize("field,value", [("n_series", 10**9), ("series_embedding", -2),
                                         ("n_series", 5)], ids=["huge", "negative", "other"])
def test_a_crafted_embedding_config_is_refused(embedded, tmp_path, field, value):
    import hashlib

    _, run = embedded
    bad = tmp_path / "run"
    shutil.copytree(run, bad)
    doc = json.loads((bad / "pipeline.json").read_text())
    doc["model"][field] = value
    (bad / "pipeline.json").write_text(json.dumps(doc))
    man = json.loads((bad / "MANIFEST.json").read_text())
    data = (bad / "pipeline.json").read_bytes()
    man["files"]["pipeline.json"].update(sha256=hashlib.sha256(data).hexdigest(),
                                         bytes=len(data))
    (bad / "MANIFEST.json").write_text(json.dumps(man))
    with pytest.raises(ArtifactError, match="series" if value != 5 else "series.weight"):
        seqguard.load(bad)
