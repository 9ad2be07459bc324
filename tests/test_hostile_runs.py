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
