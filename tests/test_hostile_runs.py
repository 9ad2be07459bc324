"""Hostile run directories: files that are consistent with their MANIFEST (the hashes
recomputed after the edit) but crafted to do harm. Every case is refused with an
ArtifactError naming the file and field, fast and without allocating much; through
the CLI: exit 2, one error line, no traceback. Nothing outside the run directory is
opened (a symlink pointing out is refused, and the target's access time stays)."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import seqguard
from seqguard.errors import ArtifactError

EXE = Path(sys.executable).with_name("seqguard")


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    """One small fitted forecast run, saved once; each test edits a copy."""
    import warnings

    root = tmp_path_factory.mktemp("hostile")
    rng = np.random.default_rng(0)
    n = 400
    df = pd.DataFrame({"time": pd.date_range("2021-01-01", periods=n, freq="h"),
                       "y": np.sin(np.arange(n) / 5) + 0.1 * rng.standard_normal(n),
                       "x": rng.standard_normal(n)})
    df.to_csv(root / "data.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = seqguard.Forecaster("y", input_len=12, horizon=3, epochs=1, hidden=4,
                                progress=False, read_options={"time_col": "time"}).fit(df)
    f.save(root / "run")
    return root


def _copy(clean_run, tmp_path) -> Path:
    run = tmp_path / "run"
    shutil.copytree(clean_run / "run", run)
    return run


def _reseal(run: Path) -> None:
    """Recompute MANIFEST.json after an edit: the run is consistent again."""
    m = json.loads((run / "MANIFEST.json").read_text())
    for name in list(m["files"]):
        p = run / name
        if p.is_file() and not p.is_symlink():
            data = p.read_bytes()
            m["files"][name] = {**m["files"][name], "sha256": hashlib.sha256(data).hexdigest(),
                                "bytes": len(data)}
    (run / "MANIFEST.json").write_text(json.dumps(m, indent=2, sort_keys=True))


_DEEP = 100_000


def _edit_json(run: Path, name: str, change) -> None:
    doc = json.loads((run / name).read_text())
    doc = change(doc) or doc
    text = json.dumps(doc)
    # json.dumps cannot write 100,000 levels: the placeholder becomes them as text
    text = text.replace('"__deep__"', "[" * _DEEP + "1" + "]" * _DEEP)
    (run / name).write_text(text)
    _reseal(run)


def _set(path: list, value):
    def change(doc):
        d = doc
        for k in path[:-1]:
            d = d[k]
        d[path[-1]] = value
    return change


def _delete(path: list):
    def change(doc):
        d = doc
        for k in path[:-1]:
            d = d[k]
        del d[path[-1]]
    return change


def _first_array(doc, path=()):
    if isinstance(doc, dict):
        if "__ndarray__" in doc:
            return doc
        for v in doc.values():
            found = _first_array(v)
            if found is not None:
                return found
    return None


def _array(change_array):
    def change(doc):
        change_array(_first_array(doc["pipeline"]))
    return change


def _deep(doc):
    doc["params"]["read_options"] = {"deep": "__deep__"}  # see _edit_json
    return doc


CASES = {
    "hidden 200000": ("pipeline.json", _set(["model", "hidden"], 200_000), "hidden"),
    "layers 10**7": ("pipeline.json", _set(["model", "layers"], 10**7), "layers"),
    "hidden a float": ("pipeline.json", _set(["model", "hidden"], 4.5), "hidden"),
    "unknown model key": ("pipeline.json", _set(["model", "evil"], 1), "evil"),
    "ndarray dtype (10000,10000)f8": (
        "pipeline.json", _array(lambda a: a.__setitem__("dtype", "(10000,10000)f8")), "dtype"),
    "ndarray huge shape": (
        "pipeline.json", _array(lambda a: a.__setitem__("shape", [10**6, 10**6])), "shape"),
    "ndarray bad shape": ("pipeline.json", _array(lambda a: a.__setitem__("shape", [-3])),
                          "shape"),
    "unknown params key": ("pipeline.json", _set(["params", "evil"], 1), "evil"),
    "missing params": ("pipeline.json", _delete(["params"]), "params"),
    "params wrong type": ("pipeline.json", _set(["params", "epochs"], "many"), "epochs"),
    "state overrides a method": (
        "pipeline.json", _set(["pipeline", "state", "transform"], 1), "transform"),
    "deep nesting": ("pipeline.json", _deep, "nest"),
    "pipeline.json a list": ("pipeline.json", lambda doc: [doc], "pipeline.json"),
    "metrics.json wrong types": ("metrics.json", _set(["test"], "not scores"), "metrics.json"),
    "diagnosis.json wrong types": ("diagnosis.json", lambda doc: {"findings": 7},
                                   "diagnosis.json"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_crafted_consistent_run_is_refused_quickly_and_cheaply(case, clean_run, tmp_path):
    name, change, word = CASES[case]
    run = _copy(clean_run, tmp_path)
    _edit_json(run, name, change)
    tracemalloc.start()
    t = time.perf_counter()
    try:
        with pytest.raises(ArtifactError) as info:
            seqguard.load(run)
        seconds = time.perf_counter() - t
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(info.value)
    assert name in message and word.lower() in message.lower(), message
    assert seconds < 2, f"{case}: {seconds:.1f} s"
    assert peak < 200 * 2**20, f"{case}: {peak / 2**20:.0f} MB"


@pytest.mark.parametrize("case", ["hidden 200000", "state overrides a method", "deep nesting"])
def test_the_cli_refuses_them_with_exit_2_and_no_traceback(case, clean_run, tmp_path):
    name, change, _ = CASES[case]
    run = _copy(clean_run, tmp_path)
    _edit_json(run, name, change)
    proc = subprocess.run([str(EXE), "predict", str(run), str(clean_run / "data.csv"),
                           "--out", str(tmp_path / "pred.csv")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "traceback" not in (proc.stdout + proc.stderr).lower()
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and name in lines[0]
    assert not (tmp_path / "pred.csv").exists()


@pytest.mark.parametrize("inside", ["audit.json", "metrics.json"])
def test_a_symlink_out_of_the_run_is_refused_and_not_opened(inside, clean_run, tmp_path):
    run = _copy(clean_run, tmp_path)
    outside = tmp_path / "outside.json"
    shutil.copy(run / inside, outside)
    (run / inside).unlink()
    (run / inside).symlink_to(outside)  # same bytes: the MANIFEST hash still matches
    os.utime(outside, ns=(1_000_000_000, 1_000_000_000))
    with pytest.raises(ArtifactError, match=f"{inside}.*symbolic link"):
        seqguard.load(run)
    assert os.stat(outside).st_atime_ns == 1_000_000_000
    proc = subprocess.run([str(EXE), "verify", str(run)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 2 and "symbolic link" in proc.stderr
    assert "traceback" not in (proc.stdout + proc.stderr).lower()


def test_verify_prints_what_the_manifest_checks(clean_run, tmp_path):
    run = _copy(clean_run, tmp_path)
    ok = subprocess.run([str(EXE), "verify", str(run)], capture_output=True, text=True,
                        timeout=120, check=False)
    assert ok.returncode == 0, ok.stderr
    for name in ("model.safetensors", "pipeline.json", "metrics.json"):
        assert name in ok.stdout
    with open(run / "metrics.json", "a") as f:
        f.write(" ")
    bad = subprocess.run([str(EXE), "verify", str(run)], capture_output=True, text=True,
                         timeout=120, check=False)
    assert bad.returncode == 2 and "metrics.json" in bad.stderr
    # the message a tampered run gives names a command that exists
    with pytest.raises(ArtifactError) as info:
        seqguard.load(run)
    assert "seqguard verify" in str(info.value)


def test_the_untouched_copy_still_loads(clean_run, tmp_path):
    run = _copy(clean_run, tmp_path)
    _reseal(run)
    est = seqguard.load(run)
    assert est.predict(pd.read_csv(clean_run / "data.csv")) is not None
    assert copy.copy(est) is not None


# ---------------------------------------------------------------- measured apart
_RSS_SCRIPT = """
import json, resource, sys, warnings
warnings.simplefilter("ignore")
import seqguard
from seqguard.errors import ArtifactError
seqguard.load(sys.argv[1])  # warm: imports, one real load
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = {}
for run in sys.argv[2:]:
    try:
        seqguard.load(run)
        out[run] = "loaded"
    except ArtifactError as e:
        out[run] = str(e)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"grew_kb": peak - base, "results": out}))
"""


def test_every_case_stays_under_200_mb_of_peak_rss_in_a_subprocess(clean_run, tmp_path):
    """tracemalloc sees Python's allocations only; the peak resident size of a fresh
    process also sees numpy's and torch's."""
    runs = []
    for k, (name, change, _) in enumerate(CASES.values()):
        run = tmp_path / f"case{k}"
        shutil.copytree(clean_run / "run", run)
        _edit_json(run, name, change)
        runs.append(str(run))
    proc = subprocess.run([sys.executable, "-c", _RSS_SCRIPT, str(clean_run / "run"), *runs],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert all(v != "loaded" for v in report["results"].values()), report["results"]
    assert report["grew_kb"] < 200 * 1024, f"peak RSS grew {report['grew_kb'] / 1024:.0f} MB"


def _link_out(run: Path, inside: str, target: Path) -> None:
    (run / inside).unlink()
    (run / inside).symlink_to(target)


def test_a_link_to_a_fifo_outside_is_never_opened(clean_run, tmp_path):
    """Opening a FIFO for reading blocks until a writer comes: any read through the
    link would hang the command, so finishing in time proves it was not opened."""
    run = _copy(clean_run, tmp_path)
    fifo = tmp_path / "outside.fifo"
    os.mkfifo(fifo)
    _link_out(run, "pipeline.json", fifo)
    for args in (["verify", str(run)],
                 ["predict", str(run), str(clean_run / "data.csv"), "--out",
                  str(tmp_path / "pred.csv")]):
        proc = subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=60,
                              check=False)
        assert proc.returncode == 2, proc.stderr
        assert "pipeline.json" in proc.stderr and "symbolic link" in proc.stderr
        assert "traceback" not in (proc.stdout + proc.stderr).lower()
    assert not (tmp_path / "pred.csv").exists()


@pytest.mark.parametrize("inside", ["MANIFEST.json", "model.safetensors", "history.csv",
                                    "pipeline.json"])
def test_no_file_outside_is_opened_or_statted_through_a_link(inside, clean_run, tmp_path,
                                                             monkeypatch):
    run = _copy(clean_run, tmp_path)
    outside = tmp_path / "outside" / inside
    outside.parent.mkdir()
    shutil.copy(run / inside, outside)
    _link_out(run, inside, outside)
    touched: list[str] = []
    real_open, real_os_open, real_stat = open, os.open, os.stat

    def spy_open(file, *a, **k):
        touched.append(os.fspath(file) if isinstance(file, (str, os.PathLike)) else "")
        return real_open(file, *a, **k)

    def spy_os_open(path, *a, **k):
        touched.append(os.fspath(path))
        return real_os_open(path, *a, **k)

    def spy_stat(path, *a, follow_symlinks=True, **k):
        if follow_symlinks and not isinstance(path, int):
            touched.append(os.fspath(path))
        return real_stat(path, *a, follow_symlinks=follow_symlinks, **k)

    monkeypatch.setattr("builtins.open", spy_open)
    monkeypatch.setattr(os, "open", spy_os_open)
    monkeypatch.setattr(os, "stat", spy_stat)
    with pytest.raises(ArtifactError, match=f"{inside}.*symbolic link"):
        seqguard.load(run)
    problems = seqguard.artifact.verify_run(run)
    monkeypatch.undo()
    assert any("symbolic link" in p and inside in p for p in problems), problems
    through = [p for p in touched if Path(p) in (run / inside, outside)]
    assert through == [], through


def test_a_fifo_or_a_folder_inside_the_run_is_refused(clean_run, tmp_path):
    run = _copy(clean_run, tmp_path)
    (run / "audit.json").unlink()
    os.mkfifo(run / "audit.json")
    with pytest.raises(ArtifactError, match=r"audit\.json in run directory .* is not a plain "
                                            r"file"):
        seqguard.load(run)
    os.unlink(run / "audit.json")
    (run / "audit.json").mkdir()
    with pytest.raises(ArtifactError, match=r"audit\.json in run directory .* not a "
                                            r"regular file"):
        seqguard.load(run)


def test_an_oversized_history_is_refused_before_it_is_parsed(clean_run, tmp_path, monkeypatch):
    from seqguard import run_checks

    run = _copy(clean_run, tmp_path)
    biggest = max((run / n).stat().st_size for n in
                  ("pipeline.json", "metrics.json", "audit.json", "diagnosis.json",
                   "MANIFEST.json"))
    with open(run / "history.csv", "a") as f:
        f.write("1,2,3\n" * (biggest // 3 + 10))
    _reseal(run)
    monkeypatch.setitem(run_checks.LIMITS, "json_bytes", biggest + 100)
    with pytest.raises(ArtifactError, match=r"history\.csv in run directory .* bytes, more "
                                            r"than the"):
        seqguard.load(run)


@pytest.mark.parametrize("command", ["evaluate", "diagnose"])
def test_wrong_types_in_metrics_stop_every_command_with_exit_2(command, clean_run, tmp_path):
    run = _copy(clean_run, tmp_path)
    _edit_json(run, "metrics.json", _set(["baselines", "persistence"], [1, 2]))
    args = [command, str(run)] + ([str(clean_run / "data.csv")] if command == "evaluate" else [])
    proc = subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert lines[-1].startswith("error: ") and "metrics.json" in lines[-1]
    assert "baselines.persistence" in lines[-1] and "traceback" not in proc.stderr.lower()


def test_the_report_of_such_a_run_names_the_problem(clean_run, tmp_path):
    """``report`` is meant for broken folders too (a failed fit's): it writes the page
    and names the problem on it instead of refusing."""
    run = _copy(clean_run, tmp_path)
    _edit_json(run, "metrics.json", _set(["baselines", "persistence"], [1, 2]))
    proc = subprocess.run([str(EXE), "report", str(run)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "traceback" not in (proc.stdout + proc.stderr).lower()
    page = (run / "report.html").read_text()
    assert "metrics.json" in page and "baselines.persistence" in page


@pytest.mark.parametrize(("field", "value", "word"), [
    (["pipeline", "params", "evil"], 1, "evil"),
    (["pipeline", "__class__"], "Scaler", "__class__"),
    (["pipeline", "state", "split_", "__class__"], "NoSuchStep", "NoSuchStep"),
    (["pipeline", "params", "scaler"], "stdandard", "scaler"),
    (["feature_names"], "x", "feature_names"),
    (["model", "layers"], -1, "layers"),
    (["budget"], None, "budget"),
    (["state"], [1], "state"),
    (["pipeline", "state", "split_"], {"__ndarray__": ["a"], "dtype": "<f8", "shape": [1]},
     "split_"),
])
def test_more_crafted_fields_are_named(field, value, word, clean_run, tmp_path):
    run = _copy(clean_run, tmp_path)
    _edit_json(run, "pipeline.json", _set(field, value))
    with pytest.raises(ArtifactError, match="pipeline.json") as info:
        seqguard.load(run)
    assert word in str(info.value)


@pytest.fixture(scope="module")
def ensemble_run(clean_run, tmp_path_factory):
    import warnings

    root = tmp_path_factory.mktemp("ensemble")
    df = pd.read_csv(clean_run / "data.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = seqguard.Forecaster("y", input_len=12, horizon=3, epochs=1, hidden=4, ensemble=2,
                                progress=False, read_options={"time_col": "time"}).fit(df)
    f.save(root / "run")
    return root / "run"


def test_an_ensemble_member_of_another_shape_is_refused(ensemble_run, tmp_path):
    from safetensors.torch import load_file, save_file

    run = tmp_path / "run"
    shutil.copytree(ensemble_run, run)
    tensors = load_file(str(run / "model.1.safetensors"))
    name = min(tensors)
    tensors[name] = tensors[name].flatten()[:1].clone()
    save_file(tensors, str(run / "model.1.safetensors"))
    _reseal(run)
    with pytest.raises(ArtifactError, match=r"pipeline\.json .* model\.1\.safetensors"):
        seqguard.load(run)


def test_a_linked_ensemble_member_is_refused(ensemble_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(ensemble_run, run)
    outside = tmp_path / "member.safetensors"
    shutil.copy(run / "model.1.safetensors", outside)
    _link_out(run, "model.1.safetensors", outside)
    with pytest.raises(ArtifactError, match=r"model\.1\.safetensors.*symbolic link"):
        seqguard.load(run)


def test_the_untouched_ensemble_still_loads(ensemble_run, clean_run):
    est = seqguard.load(ensemble_run)
    pred = est.predict(pd.read_csv(clean_run / "data.csv"))
    assert len(est.member_histories_) == 1 and np.isfinite(
        pred["prediction"].to_numpy(float)).all()
