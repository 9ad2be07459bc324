"""Run directory: round trip, tampering, atomic writes, refusal paths."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from seqguard import artifact
from seqguard.artifact import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    REQUIRED_FILES,
    Run,
    load_run,
    save_run,
    update_run,
    verify_run,
)
from seqguard.errors import ArtifactError, InputError


@pytest.fixture
def parts(seed) -> dict:
    """Everything save_run needs, small."""
    return {
        "state_dict": {
            "lstm.weight_ih_l0": torch.randn(8, 3),
            "lstm.bias": torch.randn(8, dtype=torch.float64),
            "head.weight": torch.randn(2, 4).to(torch.bfloat16),
            "step": torch.tensor([7], dtype=torch.int64),
        },
        "pipeline": {"target": "pm2.5", "steps": [{"__class__": "StandardScaler"}],
                     "versions": {"seqguard": "0.1.0"}, "unicode": "µg/m³"},
        "metrics": {"task": "forecast", "test": {"mae": 1.5, "mase": None}},
        "history": [{"epoch": 0, "train_loss": 1.0, "val_loss": 0.9, "event": ""},
                    {"epoch": 1, "train_loss": float("nan"), "val_loss": 0.8,
                     "event": "nan_loss_rollback"}],
        "audit": {"findings": [{"code": "missing", "severity": "warning"}]},
        "diagnosis": {"findings": []},
    }


def _leftovers(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


def _flip_byte(path: Path, offset: int = -1) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0xFF
    path.write_bytes(bytes(raw))


def _rewrite_manifest(run: Path) -> None:
    """What an attacker (or a careless script) would do: make the checksums match again."""
    m = json.loads((run / MANIFEST).read_text())
    for name in m["files"]:
        sha, size = artifact._sha256(run / name)
        m["files"][name] = {"sha256": sha, "bytes": size}
    (run / MANIFEST).write_text(json.dumps(m))


# ----------------------------------------------------------------- round trip
def test_round_trip(tmp_path, parts):
    run_dir = tmp_path / "run"
    out = save_run(run_dir, **parts, extra_files={"report.html": "<html>µ</html>"})
    assert out == run_dir
    assert sorted(p.name for p in run_dir.iterdir()) == sorted(
        [*REQUIRED_FILES, MANIFEST, "report.html"])
    assert verify_run(run_dir) == []
    run = load_run(str(run_dir))
    assert isinstance(run, Run) and run.path == run_dir
    assert set(run.state_dict) == set(parts["state_dict"])
    for k, t in parts["state_dict"].items():
        assert run.state_dict[k].dtype == t.dtype
        assert torch.equal(run.state_dict[k], t)
    for name in ("pipeline", "metrics", "audit", "diagnosis"):
        assert getattr(run, name) == parts[name]
    expected = pd.DataFrame(parts["history"])
    expected["event"] = expected["event"].replace("", np.nan)  # CSV: empty cell is missing
    pd.testing.assert_frame_equal(run.history, expected, check_dtype=False)
    assert run.files == sorted([*REQUIRED_FILES, "report.html"])
    m = run.manifest
    assert (m["format"], m["format_version"]) == (FORMAT, FORMAT_VERSION)
    assert m["seqguard_version"]
    assert set(m["files"]["model.safetensors"]) == {"sha256", "bytes"}
    assert (run_dir / "report.html").read_text(encoding="utf-8") == "<html>µ</html>"
    assert _leftovers(tmp_path, "run") == []


def test_json_is_strict_sorted_and_indented(tmp_path, parts):
    run_dir = save_run(tmp_path / "run", **parts)
    text = (run_dir / "pipeline.json").read_text(encoding="utf-8")
    assert text == json.dumps(parts["pipeline"], indent=2, sort_keys=True,
                              ensure_ascii=False) + "\n"
    metrics = (run_dir / "metrics.json").read_text(encoding="utf-8")
    assert list(json.loads(metrics)) == list(parts["metrics"])  # insertion order kept
    manifest = (run_dir / MANIFEST).read_text(encoding="utf-8")
    assert manifest == json.dumps(json.loads(manifest), indent=2, sort_keys=True) + "\n"


def test_empty_history_round_trips(tmp_path, parts):
    parts["history"] = []
    run = load_run(save_run(tmp_path / "run", **parts))
    assert run.history.empty


def test_overwrite_previous_run(tmp_path, parts):
    run_dir = save_run(tmp_path / "run", **parts)
    parts["state_dict"] = {"w": torch.zeros(3)}
    with pytest.raises(InputError, match=r"already holds a seqguard run\. Choose another "
                                         r"directory, or pass overwrite=True"):
        save_run(run_dir, **parts)
    assert set(load_run(run_dir).state_dict) == {"lstm.weight_ih_l0", "lstm.bias",
                                                 "head.weight", "step"}
    save_run(run_dir, **parts, overwrite=True)
    assert torch.equal(load_run(run_dir).state_dict["w"], torch.zeros(3))
    assert not (run_dir / "report.html").exists()
    assert _leftovers(tmp_path, "run") == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_empty_existing_directory_is_used(tmp_path, parts):
    (tmp_path / "run").mkdir()
    save_run(tmp_path / "run", **parts)
    assert verify_run(tmp_path / "run") == []


# ----------------------------------------------------------------- tampering
def test_flipped_byte_in_weights_is_refused(tmp_path, parts):
    run_dir = save_run(tmp_path / "run", **parts)
    _flip_byte(run_dir / "model.safetensors")
    with pytest.raises(ArtifactError, match=r"model\.safetensors was altered after it was "
                                            r"written \(SHA-256 mismatch\) .*Refit, or "
                                            r"restore the file"):
        load_run(run_dir)
    problems = verify_run(run_dir)
    assert len(problems) == 1 and problems[0].startswith("model.safetensors was altered")


def test_edited_metrics_is_refused(tmp_path, parts):
    run_dir = save_run(tmp_path / "run", **parts)
    m = json.loads((run_dir / "metrics.json").read_text())
    m["test"]["mae"] = 0.1
    (run_dir / "metrics.json").write_text(json.dumps(m, indent=2))
    with pytest.raises(ArtifactError, match=r"^metrics\.json was altered after it was written"):
        load_run(run_dir)


def test_deleted_pipeline_is_named(tmp_path, parts):
    run_dir = save_run(tmp_path / "run", **parts)
    (run_dir / "pipeline.json").unlink()
    with pytest.raises(ArtifactError, match=r"^pipeline\.json is missing from run directory"):
        load_run(run_dir)
    assert any("pipeline.json is missing" in p for p in verify_run(run_dir))


def test_several_problems_are_all_listed(tmp_path, parts):
    run_dir = save_run(tmp_path / "run", **parts)
    (run_dir / "audit.json").unlink()
    _flip_byte(run_dir / "history.csv", 0)
    problems = verify_run(run_dir)
    assert len(problems) == 2
    with pytest.raises(ArtifactError, match=r"\(1 more problem\(s\)"):
        load_run(run_dir)


@pytest.mark.parametrize("version,word", [(2, "a newer"), (0, "an older")], ids=["2", "0"])
def test_other_format_version_is_refused(tmp_path, parts, version, word):
    run_dir = save_run(tmp_path / "run", **parts)
    m = json.loads((run_dir / MANIFEST).read_text())
    m["format_version"] = version
    m["seqguard_version"] = "9.9.9"
    (run_dir / MANIFEST).write_text(json.dumps(m))
    with pytest.raises(ArtifactError, match=rf"is run format version {version} \(written by "
                                            rf"seqguard 9\.9\.9\), but this seqguard .* reads "
                                            rf"version 1 only: it comes from {word} seqguard"):
        load_run(run_dir)


def test_missing_or_foreign_manifest(tmp_path, parts):
    run_dir = save_run(tmp_path / "run", **parts)
    (run_dir / MANIFEST).write_text('{"format": "something-else"}')
    with pytest.raises(ArtifactError, match="does not describe a seqguard run"):
        load_run(run_dir)
    (run_dir / MANIFEST).write_text("{not json")
    with pytest.raises(ArtifactError, match=r"MANIFEST\.json in .* cannot be read"):
        load_run(run_dir)
    (run_dir / MANIFEST).unlink()
    with pytest.raises(ArtifactError, match=r"MANIFEST\.json is missing in .*not a seqguard "
                                            r"run directory"):
        load_run(run_dir)
    with pytest.raises(ArtifactError, match="run directory .* does not exist"):
        load_run(tmp_path / "nowhere")


def test_corrupt_weights_with_rewritten_manifest_give_artifact_error(tmp_path, parts):
    run_dir = save_run(tmp_path / "run", **parts)
    raw = (run_dir / "model.safetensors").read_bytes()
    (run_dir / "model.safetensors").write_bytes(raw[: len(raw) // 2])
    _rewrite_manifest(run_dir)
    with pytest.raises(ArtifactError, match=r"model\.safetensors in run directory .* cannot "
                                            r"be read \(SafetensorError"):
        load_run(run_dir)
    assert any("model.safetensors in run directory" in p for p in verify_run(run_dir))


def test_corrupt_json_with_rewritten_manifest_give_artifact_error(tmp_path, parts):
    run_dir = save_run(tmp_path / "run", **parts)
    (run_dir / "audit.json").write_text("[1, 2")
    _rewrite_manifest(run_dir)
    with pytest.raises(ArtifactError, match=r"audit\.json in run directory .* cannot be read"):
        load_run(run_dir)
    (run_dir / "audit.json").write_text("[1, 2]")
    _rewrite_manifest(run_dir)
    with pytest.raises(ArtifactError, match=r"audit\.json .* holds a list, not a JSON object"):
        load_run(run_dir)
    assert len(verify_run(run_dir)) == 1


def test_non_finite_weights_in_a_rewritten_file_are_refused(tmp_path, parts):
    from safetensors.torch import save_file

    run_dir = save_run(tmp_path / "run", **parts)
    save_file({"w": torch.tensor([1.0, float("nan")])}, str(run_dir / "model.safetensors"))
    _rewrite_manifest(run_dir)
    with pytest.raises(ArtifactError, match=r"holds non-finite weights \(tensor 'w'\)"):
        load_run(run_dir)


# ----------------------------------------------------------------- refusals, atomicity
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")], ids=str)
def test_non_finite_weights_refused_and_nothing_written(tmp_path, parts, bad):
    parts["state_dict"]["lstm.bias"][3] = bad
    with pytest.raises(ArtifactError, match=r"refusing to save non-finite weights: tensor "
                                            r"'lstm\.bias' holds NaN or inf"):
        save_run(tmp_path / "run", **parts)
    assert list(tmp_path.iterdir()) == []


def test_non_json_metrics_refused_and_nothing_written(tmp_path, parts):
    parts["metrics"] = {"test": {"mae": object()}}
    with pytest.raises(ArtifactError, match=r"cannot write metrics\.json: .*object.*Only "
                                            r"plain JSON values"):
        save_run(tmp_path / "run", **parts)
    assert list(tmp_path.iterdir()) == []


def _refuse(token):
    raise ValueError(f"non-strict JSON token {token}")


def test_nan_and_inf_are_written_as_null(tmp_path, parts):
    parts["metrics"] = {"test": {"mae": float("nan"), "rmse": np.float32(2.5),
                                 "by_horizon": [{"h": 1, "mae": np.float64(1.0),
                                                 "rmse": np.inf}]}}
    parts["audit"] = {"findings": [{"code": "outliers", "evidence": {"median": np.nan}}]}
    run_dir = save_run(tmp_path / "run", **parts)
    for name in artifact.JSON_FILES + (MANIFEST,):
        json.loads((run_dir / name).read_text(encoding="utf-8"), parse_constant=_refuse)
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["test"] == {"mae": None, "rmse": 2.5,
                               "by_horizon": [{"h": 1, "mae": 1.0, "rmse": None}]}
    assert load_run(run_dir).audit["findings"][0]["evidence"] == {"median": None}


def test_a_run_written_before_the_one_vocabulary_still_loads(tmp_path, parts):
    """audit.json held NaN as "nan" strings and diagnose wrote constant_target."""
    parts["audit"] = {"findings": [{"code": "outliers", "severity": "info",
                                    "evidence": {"median": "nan", "worst": "-inf",
                                                 "unit": "°C", "n": 3}}]}
    parts["diagnosis"] = {"findings": [], "diagnose": {
        "findings": [{"severity": "error", "code": "constant_target", "message": "m",
                      "evidence": {"value": "nan"}, "fix": "f"},
                     {"severity": "info", "code": "constant_feature", "message": "m",
                      "evidence": {}, "fix": "f"}],
        "codes": ["constant_target", "constant_feature"]}}
    run = load_run(save_run(tmp_path / "run", **parts))
    assert run.audit["findings"][0]["evidence"] == {"median": None, "worst": None,
                                                    "unit": "°C", "n": 3}
    diag = run.diagnosis["diagnose"]
    assert diag["codes"] == ["target_constant", "constant_column"]
    assert [f["code"] for f in diag["findings"]] == diag["codes"]
    assert diag["findings"][0]["evidence"] == {"value": "nan"}  # a label, not a number


def test_existing_non_run_directory_refused(tmp_path, parts):
    d = tmp_path / "mydata"
    d.mkdir()
    (d / "important.csv").write_text("a,b\n1,2\n")
    for overwrite in (False, True):
        with pytest.raises(InputError, match=r"'.*mydata' is not empty and is not a seqguard "
                                             r"run directory \(it holds 'important\.csv'\); "
                                             r"refusing to write into it\. "
                                             r"Choose a new or empty directory"):
            save_run(d, **parts, overwrite=overwrite)
    assert [p.name for p in d.iterdir()] == ["important.csv"]
    assert _leftovers(tmp_path, "mydata") == []
    f = tmp_path / "file.txt"
    f.write_text("x")
    with pytest.raises(InputError, match="exists and is not a directory"):
        save_run(f, **parts)
    with pytest.raises(InputError, match="its parent folder .* does not exist"):
        save_run(tmp_path / "no" / "run", **parts)


def test_failure_in_the_middle_leaves_nothing(tmp_path, parts, monkeypatch):
    calls = {"n": 0}
    real_dump = json.dump

    def flaky_dump(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real_dump(*args, **kwargs)

    monkeypatch.setattr(artifact.files.json, "dump", flaky_dump)
    with pytest.raises(OSError, match="disk full"):
        save_run(tmp_path / "run", **parts)
    assert calls["n"] == 3
    assert list(tmp_path.iterdir()) == []


def test_failure_while_overwriting_keeps_the_old_run(tmp_path, parts, monkeypatch):
    run_dir = save_run(tmp_path / "run", **parts)
    before = {p.name: p.read_bytes() for p in run_dir.iterdir()}

    def broken_save_file(*args, **kwargs):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(artifact.writer, "save_file", broken_save_file)
    parts["state_dict"] = {"w": torch.zeros(2)}
    with pytest.raises(RuntimeError, match="interrupted"):
        save_run(run_dir, **parts, overwrite=True)
    assert {p.name: p.read_bytes() for p in run_dir.iterdir()} == before
    assert _leftovers(tmp_path, "run") == []
    assert verify_run(run_dir) == []


def test_bad_arguments(tmp_path, parts):
    with pytest.raises(InputError, match="extra file name '../x' is not a plain file name"):
        save_run(tmp_path / "run", **parts, extra_files={"../x": "a"})
    with pytest.raises(InputError, match="extra file 'metrics.json' would overwrite"):
        save_run(tmp_path / "run", **parts, extra_files={"metrics.json": "{}"})
    with pytest.raises(InputError, match="state_dict entry 'w' is a ndarray"):
        save_run(tmp_path / "run", **{**parts, "state_dict": {"w": np.zeros(2)}})
    with pytest.raises(InputError, match="history must be a pandas DataFrame or a list"):
        save_run(tmp_path / "run", **{**parts, "history": "epoch,loss"})
    with pytest.raises(InputError, match="audit.json must hold a dict; got list"):
        save_run(tmp_path / "run", **{**parts, "audit": []})
    assert list(tmp_path.iterdir()) == []


def test_shared_storage_tensors_are_saved(tmp_path, parts):
    w = torch.randn(4, 4)
    parts["state_dict"] = {"enc.weight": w, "dec.weight": w, "view": w[1]}
    run = load_run(save_run(tmp_path / "run", **parts))
    assert torch.equal(run.state_dict["dec.weight"], w)
    assert torch.equal(run.state_dict["view"], w[1])


# ----------------------------------------------------------------- update
def test_update_run_adds_report_and_replaces_diagnosis(tmp_path, parts):
    run_dir = save_run(tmp_path / "run", **parts)
    update_run(run_dir, {"report.html": "<html></html>",
                         "diagnosis.json": {"findings": [{"code": "constant"}]}})
    assert verify_run(run_dir) == []
    run = load_run(run_dir)
    assert run.diagnosis == {"findings": [{"code": "constant"}]}
    assert "report.html" in run.files
    assert [p.name for p in run_dir.iterdir() if p.name.startswith(".")] == []
    with pytest.raises(InputError, match="update_run cannot replace 'model.safetensors'"):
        update_run(run_dir, {"model.safetensors": b""})
    _flip_byte(run_dir / "metrics.json", 2)
    with pytest.raises(ArtifactError, match="metrics.json was altered"):
        update_run(run_dir, {"report.html": "x"})


# ----------------------------------------------------------------- no unsafe loading
@pytest.mark.parametrize("path", sorted(Path(artifact.__file__).parent.glob("*.py")),
                         ids=lambda p: p.name)
def test_module_never_uses_pickle_torch_load_or_joblib(path):
    src = path.read_text(encoding="utf-8")
    assert "pickle" not in src.lower()
    assert "joblib" not in src.lower()
    assert re.search(r"\btorch\.load\b", src) is None
    imported = set()
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported.isdisjoint({"pickle", "cPickle", "dill", "joblib", "cloudpickle"})
