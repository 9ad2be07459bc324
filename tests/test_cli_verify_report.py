"""`seqguard verify RUN_DIR` (what MANIFEST vouches for) and `seqguard report RUN_DIR
[DATA]` (report.html, added to MANIFEST) through the command line."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import seqguard
from seqguard.cli import main


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    root = tmp_path_factory.mktemp("vr")
    rng = np.random.default_rng(0)
    n = 300
    df = pd.DataFrame({"time": pd.date_range("2021-01-01", periods=n, freq="h"),
                       "y": np.sin(np.arange(n) / 5) + 0.1 * rng.standard_normal(n)})
    df.to_csv(root / "data.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seqguard.Forecaster("y", input_len=12, horizon=3, epochs=1, hidden=4, progress=False,
                            read_options={"time_col": "time"}).fit(df).save(root / "run")
    return root


def _run(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


def test_verify_lists_every_file_and_exits_0(fitted, capsys):
    code, out, err = _run(["verify", str(fitted / "run")], capsys)
    assert code == 0, err
    names = json.loads((fitted / "run" / "MANIFEST.json").read_text())["files"]
    for name in names:
        assert f"ok  {name}" in out
    assert f"{len(names)} file(s) match MANIFEST.json" in out


def test_verify_names_an_altered_file_and_exits_2(fitted, tmp_path, capsys):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(fitted / "run", run)
    with open(run / "metrics.json", "a") as f:
        f.write(" ")
    code, out, err = _run(["verify", str(run)], capsys)
    assert code == 2 and "metrics.json" in err and "SHA-256" in err
    assert "traceback" not in (out + err).lower()
    # the message a tampered run gives when loading names this command, which exists
    with pytest.raises(seqguard.errors.ArtifactError):
        seqguard.load(run)


def test_verify_refuses_a_symlink_in_the_run(fitted, tmp_path, capsys):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(fitted / "run", run)
    (run / "extra.json").symlink_to(tmp_path / "elsewhere.json")
    code, _, err = _run(["verify", str(run)], capsys)
    assert code == 2 and "symbolic link" in err and "extra.json" in err


def test_verify_of_a_missing_folder_exits_2(tmp_path, capsys):
    code, _, err = _run(["verify", str(tmp_path / "nope")], capsys)
    assert code == 2 and "is not a folder" in err


def test_report_writes_report_html_into_the_manifest(fitted, tmp_path, capsys):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(fitted / "run", run)
    code, out, err = _run(["report", str(run), str(fitted / "data.csv")], capsys)
    assert code == 0, err
    assert f"wrote {run / 'report.html'}" in out
    html = (run / "report.html").read_text()
    assert html.lstrip().lower().startswith("<!doctype html") and "<svg" in html
    assert "report.html" in json.loads((run / "MANIFEST.json").read_text())["files"]
    code, _, err = _run(["verify", str(run)], capsys)
    assert code == 0, err
    seqguard.load(run)  # still a valid run


def test_write_atomic_replaces_whole_and_leaves_no_temporary(tmp_path):
    from seqguard.artifact import write_atomic

    target = tmp_path / "report.html"
    target.write_text("old")
    write_atomic(target, "<!doctype html>new")
    assert target.read_text() == "<!doctype html>new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
