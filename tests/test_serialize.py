"""One strict-JSON policy: NaN and inf are null in every file seqguard writes."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import seqguard
from seqguard._serialize import decode, encode, json_value
from seqguard.artifact import JSON_FILES, MANIFEST, load_run


def _refuse(token: str) -> None:
    raise ValueError(f"non-strict JSON token {token}")


def strict_load(text: str) -> object:
    """json.loads that refuses NaN, Infinity and -Infinity."""
    return json.loads(text, parse_constant=_refuse)


def test_strict_load_refuses_nan_tokens():
    with pytest.raises(ValueError, match="non-strict JSON token NaN"):
        strict_load('{"a": NaN}')


def test_json_value_writes_non_finite_as_null():
    value = {"a": np.float32(1.5), "b": [np.nan, np.int64(2)], "c": (np.inf, -np.inf),
             "d": np.array([[1.0, np.nan]]), 4: np.bool_(True), "e": None, "f": "nan"}
    assert json_value(value) == {"a": 1.5, "b": [None, 2], "c": [None, None],
                                 "d": [[1.0, None]], "4": True, "e": None, "f": "nan"}
    assert json_value({"p": pd.Timestamp("2020-01-01")}, fallback=str) == {
        "p": "2020-01-01 00:00:00"}
    marker = object()
    assert json_value([marker]) == [marker]  # json.dumps then names what it cannot write


def test_fitted_state_round_trips_exactly():
    arr = np.array([1.0, np.nan, np.inf, -np.inf], dtype=np.float32)
    doc = encode({"arr": arr, "x": np.nan, "y": np.inf})
    text = json.dumps(doc, allow_nan=False)
    back = decode(strict_load(text))
    np.testing.assert_array_equal(back["arr"], arr)
    assert back["arr"].dtype == np.float32
    assert np.isnan(back["x"]) and back["y"] == np.inf
    # NaN in a float array is null (the dtype turns it back into NaN)
    assert doc["__dict__"][0][1]["__ndarray__"][1] is None


def test_pipeline_state_written_before_the_change_still_decodes():
    old = {"__ndarray__": [1.0, {"__float__": "nan"}], "dtype": "<f8", "shape": [2]}
    np.testing.assert_array_equal(decode(old), np.array([1.0, np.nan]))


@pytest.fixture(scope="module")
def fitted_run(tmp_path_factory):
    rng = np.random.default_rng(0)
    n = 240
    t = np.arange(n)
    df = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n),
                       "y": np.sin(t / 5) + 0.1 * rng.normal(size=n)})
    df.loc[5:20, "z"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = seqguard.Forecaster("y", progress=False, layers=1, hidden=4, epochs=1,
                                  input_len=8, horizon=2).fit(df)
    # values that are NaN in memory: a score, audit evidence, a guard finding's evidence
    est.metrics_["test"]["mase"] = float("nan")
    est.audit_["findings"].append({"code": "outliers", "severity": "info", "column": "x",
                                   "series": None, "message": "m", "fix": "f",
                                   "evidence": {"median": np.float64("nan")}})
    est.findings_.append({"severity": "warning", "code": "still_improving", "message": "m",
                          "evidence": {"last": float("inf")}, "fix": "f"})
    run = tmp_path_factory.mktemp("serialize") / "run"
    est.save(run)
    return run


def test_every_json_file_of_a_fitted_run_is_strict(fitted_run):
    for name in (*JSON_FILES, MANIFEST):
        strict_load((fitted_run / name).read_text(encoding="utf-8"))
    metrics = strict_load((fitted_run / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["test"]["mase"] is None
    audit = strict_load((fitted_run / "audit.json").read_text(encoding="utf-8"))
    assert audit["findings"][-1]["evidence"] == {"median": None}
    diagnosis = strict_load((fitted_run / "diagnosis.json").read_text(encoding="utf-8"))
    assert diagnosis["findings"][-1]["evidence"] == {"last": None}


def test_a_fitted_run_with_nulls_loads(fitted_run):
    assert load_run(fitted_run).metrics["test"]["mase"] is None
    est = seqguard.load(fitted_run)
    assert est.metrics_["test"]["mase"] is None


def test_a_run_saved_with_nan_strings_and_old_codes_loads_and_diagnoses(fitted_run, tmp_path):
    """What seqguard wrote before the one policy: "nan" strings in audit.json, and the
    codes diagnose used before it shared the audit's."""
    import shutil

    from seqguard import artifact

    run = tmp_path / "old"
    shutil.copytree(fitted_run, run)
    audit = json.loads((run / "audit.json").read_text(encoding="utf-8"))
    audit["findings"][-1]["evidence"] = {"median": "nan", "worst": "inf"}
    (run / "audit.json").write_text(json.dumps(audit), encoding="utf-8")
    diagnosis = json.loads((run / "diagnosis.json").read_text(encoding="utf-8"))
    diagnosis["diagnose"] = {"findings": [{"severity": "info", "code": "constant_feature",
                                           "message": "m", "evidence": {}, "fix": "f"}],
                             "codes": ["constant_feature"]}
    (run / "diagnosis.json").write_text(json.dumps(diagnosis), encoding="utf-8")
    manifest = json.loads((run / MANIFEST).read_text(encoding="utf-8"))
    for name in ("audit.json", "diagnosis.json"):
        sha, size = artifact._sha256(run / name)
        manifest["files"][name] = {"sha256": sha, "bytes": size}
    (run / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")

    loaded = load_run(run)
    assert loaded.audit["findings"][-1]["evidence"] == {"median": None, "worst": None}
    assert loaded.diagnosis["diagnose"]["codes"] == ["constant_column"]
    est = seqguard.load(run)
    assert est.audit_["findings"][-1]["evidence"] == {"median": None, "worst": None}
    d = seqguard.diagnose(run)
    assert "constant_feature" not in d.codes and "target_constant" not in d.codes
    assert artifact.verify_run(run) == []
