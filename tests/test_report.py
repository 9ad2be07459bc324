"""The run report: every section and plot present and non-empty, escaping, size, failures."""

from __future__ import annotations

import json
import shutil

import pytest
from report_helpers import (
    EVIL_COLUMN,
    EVIL_SERIES,
    Page,
    fit_classify,
    fit_forecast,
    fit_tag,
)

from seqguard.errors import ArtifactError
from seqguard.report import read_folder, render_report, report_html

SECTIONS = ["data", "pipeline", "training", "results", "diagnosis"]


@pytest.fixture(scope="module")
def forecast_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "fc"
    est, df = fit_forecast(out)
    return out, est, df


@pytest.fixture(scope="module")
def forecast_page(forecast_run):
    out, est, df = forecast_run
    return report_html(out, data=df, estimator=est)


def _nonempty_plots(page: Page, names: list[str]) -> None:
    for name in names:
        assert name in page.plots, (name, sorted(page.plots))
        p = page.plots[name]
        assert p["svg"] == 1 and p["marks"] > 5 and p["text"] > 2, (name, p)


def test_forecast_report_has_every_section_and_plot(forecast_page):
    page = Page(forecast_page)
    assert page.sections == SECTIONS
    _nonempty_plots(page, ["missingness", "loss", "lr", "grad-norms", "by-horizon", "spread",
                           "forecasts", "predicted-observed"])
    for name in ("missing", "strategy", "scaling", "windows", "scores", "per-series"):
        assert page.tables.get(name, 0) >= 2, (name, page.tables)
    text = page.all_text
    assert "2021-01-01 00:00:00 to 2021-01-05 23:00:00" in text  # the time span
    assert "persistence" in text and "seasonal naive" in text and "MAE (pm2.5)" in text
    import re

    gaps = re.search(r"(\d+) with missing inputs", text)
    assert gaps and int(gaps.group(1)) >= 1
    assert not page.needs  # nothing missing when the data and estimator are given


def test_report_is_self_contained_and_escaped(forecast_page):
    page = Page(forecast_page)
    assert "script" not in page.tags and "i" not in page.tags and "img" not in page.tags
    assert all(r.startswith("#") for r in page.refs), [r for r in page.refs
                                                       if not r.startswith("#")]
    assert "<script" not in forecast_page.lower() and "<i>" not in forecast_page
    text = page.all_text
    assert EVIL_COLUMN in text and EVIL_SERIES in text  # shown, as text
    assert "http://" not in forecast_page.replace("http://www.w3.org/", "")
    assert "default-src 'none'" in forecast_page
    assert len(forecast_page.encode()) < 2 * 2**20


def test_example_windows_are_test_windows_and_gaps_are_real(forecast_run):
    import numpy as np

    from seqguard.report.evidence import collect

    out, est, df = forecast_run
    view = read_folder(out)
    ev = collect(view, est, df)
    test_start = view.state("split_")["test_time_"]
    assert ev.test is not None and len(ev.windows) == 4
    assert (ev.test.groupby("series")["time"].min() >= test_start[0]).all()
    for w in ev.windows:
        rows = df[df["site"] == w["series"]].set_index("time")
        window = rows.loc[:w["origin"]].tail(8)  # input_len 8, ending at the origin
        has_gap = bool(window[[EVIL_COLUMN, "pm2.5"]].isna().to_numpy().any())
        assert has_gap == w["inputs_missing"], w["origin"]
        np.testing.assert_allclose(w["past"], window["pm2.5"].to_numpy())
    assert sum(w["inputs_missing"] for w in ev.windows) == 2


def test_per_series_table_is_worst_first(forecast_page):
    import re

    body = forecast_page.split('data-table="per-series"')[1].split("</table>")[0]
    rows = [re.findall(r"<td[^>]*>([^<]*)</td>", r)
            for r in re.findall(r"<tr>(<td.*?)</tr>", body)]
    assert len(rows) == 2
    # metrics.json by_series: worst first by skill vs the best baseline (column 6)
    skills = [float(r[5].replace(",", "").replace("\u2212", "-")) for r in rows]
    assert skills == sorted(skills)


def test_report_from_run_directory_alone_says_what_needs_data(forecast_run):
    out, _, _ = forecast_run
    html = report_html(out)
    page = Page(html)
    assert page.sections == SECTIONS
    _nonempty_plots(page, ["loss", "lr", "grad-norms", "by-horizon"])
    assert "forecasts" not in page.plots and "missingness" not in page.plots
    assert "data" in page.needs and "needs the data" in page.all_text


def test_render_report_takes_a_loaded_run(forecast_run):
    from seqguard.artifact import load_run

    out, _, _ = forecast_run
    page = Page(render_report(load_run(out)))
    assert page.sections == SECTIONS and "loss" in page.plots


def test_tag_report(tmp_path):
    est, df = fit_tag(tmp_path / "tag")
    page = Page(report_html(tmp_path / "tag", data=df, estimator=est))
    assert page.sections == SECTIONS
    _nonempty_plots(page, ["missingness", "loss", "spread", "forecasts", "predicted-observed"])
    assert "by-horizon" not in page.plots and page.tables["scores"] >= 2


def test_classify_report_has_roc_pr_and_confusion(tmp_path):
    _, df = fit_classify(tmp_path / "cls")
    html = report_html(tmp_path / "cls", data=df)  # the estimator is loaded from the run
    page = Page(html)
    assert page.sections == SECTIONS
    _nonempty_plots(page, ["loss", "roc-pr", "confusion"])
    assert page.tables["confusion"] == 3  # header + one row per class
    assert "ROC AUC" in page.all_text and "majority class" in page.all_text


def test_failed_fit_folder_renders_what_exists(tmp_path, capsys, monkeypatch):
    from types import SimpleNamespace

    import pandas as pd
    from cli_helpers import run_cli
    from report_helpers import forecast_frame

    import seqguard.training

    result = SimpleNamespace(
        history=pd.DataFrame({"epoch": [1, 2], "train_loss": [0.5, float("nan")],
                              "val_loss": [0.4, float("nan")], "lr": [1e-3, 5e-4],
                              "grad_norm_total": [0.3, 40.0]}),
        events=[{"epoch": 2, "step": 7, "guard": "NonFiniteGuard", "reason": "nan_loss",
                 "message": "the loss was nan; rolled back and halved the lr"}],
        findings=[{"severity": "error", "code": "nan_loss", "message": "the loss stayed nan",
                   "evidence": {"rollbacks": 5}, "fix": "Lower --lr."}])

    def fails(*args, **kwargs):
        exc = seqguard.TrainingFailed("the loss stayed non-finite after 5 rollbacks. "
                                      "Lower --lr.")
        exc.result = result  # what the training loop attaches (history, events, findings)
        raise exc

    monkeypatch.setattr(seqguard.training, "fit_model", fails)
    data = tmp_path / "d.csv"
    forecast_frame().rename(columns=lambda c: "x" if c.startswith("<") else c).to_csv(
        data, index=False)
    out = tmp_path / "failed"
    code, _, _ = run_cli(["fit", str(data), "--target", "pm2.5", "--series-col", "site",
                          "--input-len", "8", "--horizon", "3", "--quiet", "--out", str(out)],
                         capsys)
    # exit 4 writes the diagnosis and the page of the failed run beside it
    assert code == 4 and sorted(p.name for p in out.iterdir()) == ["diagnosis.json",
                                                                   "report.html"]
    assert "Training failed" in (out / "report.html").read_text(encoding="utf-8")
    view = read_folder(out)
    assert view.failed and not view.verified and "metrics.json" in view.missing
    page = Page(report_html(out))
    assert page.sections == SECTIONS
    _nonempty_plots(page, ["loss", "lr", "grad-norms"])
    assert page.tables["events"] == 2 and "nan_loss" in page.all_text
    text = page.all_text
    assert "Training failed" in text and "Lower --lr." in text
    assert {"metrics.json", "pipeline.json", "files"} <= set(page.needs)
    # with the data, the folder's missing read options never stop the page
    assert Page(report_html(out, data=data)).sections == SECTIONS


def test_report_refuses_a_folder_without_run_files(tmp_path):
    with pytest.raises(ArtifactError, match="holds none of a run's files"):
        report_html(tmp_path)
    with pytest.raises(ArtifactError, match="is not a directory"):
        report_html(tmp_path / "nope")


def test_altered_run_is_rendered_with_a_warning(forecast_run, tmp_path):
    out, _, _ = forecast_run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    m = json.loads((copy / "metrics.json").read_text())
    m["test"]["mae"] = 0.0
    (copy / "metrics.json").write_text(json.dumps(m))
    page = Page(report_html(copy))
    assert "Not a verified run directory" in page.all_text and "metrics.json" in page.all_text


@pytest.mark.parametrize("value,text", [(None, "–"), (1234567, "1,234,567"),
                                        (0.000123456, "0.0001235"), (12.3456789, "12.35"),
                                        (float("nan"), "–"), (1e12, "1.000e+12"),
                                        (-0.5, "-0.5000")],
                         ids=["none", "int", "small", "float", "nan", "huge", "negative"])
def test_number_format(value, text):
    from seqguard.report.html import fmt

    assert fmt(value) == text


def test_docs_example_runs(tmp_path, monkeypatch):
    import re
    import warnings
    from pathlib import Path

    from seqguard.artifact import load_run
    from seqguard.errors import TrainingWarning

    doc = (Path(__file__).resolve().parents[1] / "docs" / "report.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", doc, flags=re.DOTALL)
    assert blocks
    monkeypatch.chdir(tmp_path)
    for code in blocks:
        with warnings.catch_warnings():  # two epochs: "still falling" is expected
            warnings.simplefilter("ignore", TrainingWarning)
            exec(compile(code, "docs/report.md", "exec"), {})  # noqa: S102 (our own docs)
    run = load_run(tmp_path / "pm25-run")
    assert "report.html" in run.files
    assert Page((tmp_path / "pm25-run" / "report.html").read_text()).sections == SECTIONS
