"""``seqguard fit`` checks what it can before it trains (issue 13, items 2 and 4).

Each case ends in exit 2 with one ``error:`` line naming the cause *before any
training time is spent* (``fit_model`` is replaced by a function that fails the test
if it is called), and loses nothing: a finished run already in ``--out`` still
verifies, byte for byte, and no temporary folder is left behind.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_helpers import assert_one_error_line, run_cli

import seqguard.cli
import seqguard.training
from seqguard.artifact import folder_state, save_failed, verify_run
from seqguard.cli import _outdir
from seqguard.errors import InputError, ParameterError, TrainingFailed

_SMALL = ["--input-len", "8", "--horizon", "2", "--epochs", "1", "--hidden", "8",
          "--batch-size", "16", "--quiet"]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "d.csv"
    rng = np.random.default_rng(0)
    n = 160
    pd.DataFrame({"time": pd.date_range("2021-01-01", periods=n, freq="h"),
                  "x": rng.normal(size=n),
                  "y": np.sin(np.arange(n) / 4) + rng.normal(0, 0.1, n)}).to_csv(
        path, index=False)
    return path


@pytest.fixture(scope="module")
def finished(data, tmp_path_factory) -> Path:
    """A finished run, fitted once; tests copy it."""
    out = tmp_path_factory.mktemp("runs") / "run"
    with pytest.raises(SystemExit) as exc:
        seqguard.cli.main(["fit", str(data), "--target", "y", *_SMALL, "--out", str(out)])
    assert exc.value.code in (0, None)
    return out


def _copy(run: Path, dest: Path) -> Path:
    import shutil

    shutil.copytree(run, dest)
    return dest


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if the fit gets as far as training."""
    def trained(*args, **kwargs):
        raise AssertionError("training started; the check should have come first")

    monkeypatch.setattr(seqguard.training, "fit_model", trained)


def _fit(data, out, *extra):
    return ["fit", str(data), "--target", "y", *_SMALL, "--out", str(out), *extra]


def _no_leftovers(parent: Path) -> None:
    left = [p.name for p in parent.iterdir() if ".tmp" in p.name or ".old-" in p.name
            or p.name.endswith(".lock")]
    assert left == [], left


# ------------------------------------------------------------------ what --out holds
def test_resume_never_replaces_a_finished_run(finished, data, tmp_path, capsys, no_training):
    run = _copy(finished, tmp_path / "run")
    before = _digest(run)
    code, _, err = run_cli(_fit(data, run, "--resume"), capsys)
    assert_one_error_line(code, err, "already holds a finished run", "--resume",
                          "--overwrite")
    assert _digest(run) == before and verify_run(run) == []
    _no_leftovers(tmp_path)


def test_overwrite_never_replaces_someone_elses_files(data, tmp_path, capsys, no_training):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work")
    code, _, err = run_cli(_fit(data, folder, "--overwrite"), capsys)
    assert_one_error_line(code, err, "'thesis.tex'", "not a seqguard run",
                          "--overwrite replaces only")
    assert (folder / "thesis.tex").read_text() == "years of work"
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.tex"]


def test_a_finished_run_needs_overwrite_and_is_then_replaced(finished, data, tmp_path,
                                                             capsys):
    run = _copy(finished, tmp_path / "run")
    code, _, err = run_cli(_fit(data, run), capsys)
    assert_one_error_line(code, err, "already holds a seqguard run", "--overwrite")
    code, _, err = run_cli(_fit(data, run, "--overwrite", "--seed", "7"), capsys)
    assert code == 0, err
    assert verify_run(run) == [] and json.loads((run / "pipeline.json").read_text())[
        "params"]["seed"] == 7
    assert "report.html" in json.loads((run / "MANIFEST.json").read_text())["files"]
    _no_leftovers(tmp_path)


def _failing(monkeypatch):
    def fails(*args, **kwargs):
        raise TrainingFailed("the loss stayed non-finite after 5 rollbacks. Lower --lr.")

    monkeypatch.setattr(seqguard.training, "fit_model", fails)


def test_after_exit_4_overwrite_retrains_in_the_failed_folder(data, tmp_path, capsys,
                                                               monkeypatch):
    out = tmp_path / "run"
    _failing(monkeypatch)
    code, _, err = run_cli(_fit(data, out), capsys)
    assert code == 4 and folder_state(out) == "failed"
    assert sorted(p.name for p in out.iterdir()) == ["diagnosis.json", "report.html"]
    monkeypatch.undo()
    code, _, err = run_cli(_fit(data, out), capsys)  # told up front, before training
    assert_one_error_line(code, err, "the diagnosis of a failed fit", "--overwrite")
    code, _, err = run_cli(_fit(data, out, "--overwrite"), capsys)
    assert code == 0, err
    assert verify_run(out) == [] and folder_state(out) == "run"


def test_a_failed_retrain_keeps_the_finished_run(finished, data, tmp_path, capsys,
                                                 monkeypatch):
    run = _copy(finished, tmp_path / "run")
    before = _digest(run)
    _failing(monkeypatch)
    code, _, err = run_cli(_fit(data, run, "--overwrite"), capsys)
    assert code == 4 and err.strip().splitlines()[-1].startswith("error: the loss stayed")
    assert _digest(run) == before and verify_run(run) == []
    failed = tmp_path / "run.failed"
    assert "non-finite" in json.loads((failed / "diagnosis.json").read_text())["error"]
    _no_leftovers(tmp_path)


def test_save_failed_refuses_a_folder_of_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError, match="'notes.txt'"):
        save_failed(tmp_path, {"error": "x"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


# ------------------------------------------------------------------ the lock
def test_a_second_fit_on_the_same_out_stops_at_once(data, tmp_path, capsys, no_training):
    out = tmp_path / "run"
    with _outdir.claim_out(out):
        assert _outdir.lock_path(out).exists()
        t0 = time.monotonic()
        code, _, err = run_cli(_fit(data, out), capsys)
        assert time.monotonic() - t0 < 30
    assert_one_error_line(code, err, "another seqguard fit is writing --out",
                          f"pid {os.getpid()}", "Wait for it")
    assert not _outdir.lock_path(out).exists()  # released when the first one ends
    assert not out.exists()


def test_two_concurrent_fit_processes_on_one_out(data, tmp_path, capsys, no_training):
    out = tmp_path / "run"
    exe = Path(sys.executable).with_name("seqguard")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    first = subprocess.Popen([str(exe), *_fit(data, out)[:-2], "--epochs", "400",
                              "--patience", "400", "--out", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=env)
    try:
        deadline = time.monotonic() + 120
        while not _outdir.lock_path(out).exists():
            assert first.poll() is None and time.monotonic() < deadline, first.communicate()
            time.sleep(0.05)
        code, _, err = run_cli(_fit(data, out), capsys)
        assert_one_error_line(code, err, "another seqguard fit is writing",
                              f"pid {first.pid}")
    finally:
        first.terminate()
        _, first_err = first.communicate(timeout=120)
    # the first fit is interrupted (whether it was still reading or already training),
    # not killed: the line, exit 143, and its lock released
    assert first.returncode == 143, first_err
    assert first_err.strip().splitlines()[-1].startswith("interrupted: ")
    assert not _outdir.lock_path(out).exists()


def test_a_stale_lock_file_does_not_block(data, tmp_path, capsys):
    out = tmp_path / "run"
    _outdir.lock_path(out).write_text("pid 999999 on elsewhere, since long ago")
    code, _, err = run_cli(_fit(data, out), capsys)  # no process holds it: taken over
    assert code == 0, err
    assert verify_run(out) == [] and not _outdir.lock_path(out).exists()


# ------------------------------------------------------------------ the file system
def _deny(monkeypatch, err: int, path_part: str) -> None:
    real = os.open

    def fake(path, *args, **kwargs):
        if path_part in str(path):
            raise OSError(err, os.strerror(err), str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake)


def test_a_read_only_folder_is_refused_before_training(data, tmp_path, capsys, monkeypatch,
                                                       no_training):
    out = tmp_path / "ro" / "run"
    out.parent.mkdir()
    _deny(monkeypatch, errno.EROFS, ".run.lock")  # as a read-only mount answers
    code, _, err = run_cli(_fit(data, out), capsys)
    assert_one_error_line(code, err, "--out", f"'{out.parent}'", "read-only")
    assert list(out.parent.iterdir()) == []


def test_a_folder_without_permission_is_refused(data, tmp_path, capsys, monkeypatch,
                                                no_training):
    out = tmp_path / "run"
    _deny(monkeypatch, errno.EACCES, ".run.lock")
    code, _, err = run_cli(_fit(data, out), capsys)
    assert_one_error_line(code, err, "permission denied", "--out")


def test_a_parent_that_is_a_file_is_refused(data, tmp_path, capsys, no_training):
    (tmp_path / "afile").write_text("x")
    code, _, err = run_cli(_fit(data, tmp_path / "afile" / "run"), capsys)
    assert_one_error_line(code, err, "--out", "afile", "is a file")


def test_missing_folders_of_out_are_created(data, tmp_path, capsys):
    out = tmp_path / "a" / "b" / "run"
    code, _, err = run_cli(_fit(data, out), capsys)
    assert code == 0, err
    assert verify_run(out) == []


def test_too_little_free_space_is_refused_before_training(data, tmp_path, capsys,
                                                          monkeypatch, no_training):
    import shutil

    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage",
                        lambda p: real(p)._replace(free=5 * 2**20))
    code, _, err = run_cli(_fit(data, tmp_path / "run"), capsys)
    assert_one_error_line(code, err, "only 5.0 MiB free", "--out", "another disk")
    assert not (tmp_path / "run").exists()


def test_a_full_disk_while_saving_keeps_the_previous_run(finished, data, tmp_path, capsys,
                                                         monkeypatch):
    from seqguard.artifact import writer

    run = _copy(finished, tmp_path / "run")
    before = _digest(run)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(args[1]))

    monkeypatch.setattr(writer, "save_file", full)  # the weights: the biggest file
    code, _, err = run_cli(_fit(data, run, "--overwrite"), capsys)
    assert_one_error_line(code, err, "No space left on device", "free some space")
    assert _digest(run) == before and verify_run(run) == []
    _no_leftovers(tmp_path)


# ------------------------------------------------------------------ Lightning's options
@pytest.mark.parametrize("extra,flag,words", [
    (["--accelerator", "foo"], "--accelerator", ["invalid accelerator name", "'foo'"]),
    (["--accelerator", "gpu"], "--accelerator", ["gpu", "'cpu'"]),
    (["--devices", "abc"], "--devices", ["'abc'", "number of devices"]),
    (["--devices", "0"], "--devices", ["devices='0'", "Got '0'"]),
    (["--strategy", "foo"], "--strategy", ["invalid strategy name", "'ddp'"]),
], ids=["accelerator", "no-gpu", "devices", "zero-devices", "strategy"])
def test_lightning_options_are_resolved_before_reading(data, tmp_path, capsys, no_training,
                                                       extra, flag, words):
    code, out, err = run_cli(_fit(data, tmp_path / "run", *extra), capsys)
    assert_one_error_line(code, err, f"The {flag} option cannot be used here", *words)
    assert "audit of" not in out + err  # the data was not even read
    assert not (tmp_path / "run").exists()
    _no_leftovers(tmp_path)


def test_a_model_too_big_for_memory_is_refused_before_training(data, tmp_path, capsys,
                                                               no_training):
    code, _, err = run_cli(_fit(data, tmp_path / "run", "--hidden", "1000000"), capsys)
    assert_one_error_line(code, err, "The --hidden option gives a model of",
                          "TiB of memory", "--layers", "--batch-size")


def test_check_model_fits_counts_and_refuses():
    import torch

    from seqguard.models import SequenceModel
    from seqguard.training.resources import check_model_fits

    with torch.device("meta"):
        model = SequenceModel(n_features=3, task="forecast", model="lstm", hidden=16)
    n = sum(p.numel() for p in model.parameters())
    assert check_model_fits(model, owner="Forecaster", batch_size=8, input_len=4,
                            memory=2**30) == n
    with pytest.raises(ParameterError, match="'hidden' parameter of Forecaster gives a "
                                             f"model of {n:,} parameters"):
        check_model_fits(model, owner="Forecaster", batch_size=8, input_len=4, memory=1000)


# ------------------------------------------------------------------ predict, diagnose
def test_predict_out_into_a_missing_folder_or_onto_a_folder(finished, data, tmp_path, capsys):
    code, _, err = run_cli(["predict", str(finished), str(data), "--out",
                            str(tmp_path / "nope" / "p.csv")], capsys)
    assert_one_error_line(code, err, "nope", "does not exist",
                          "Create the folder")
    code, _, err = run_cli(["predict", str(finished), str(data), "--out", str(tmp_path)],
                           capsys)
    assert_one_error_line(code, err, "is a folder", "predictions.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_diagnose_on_a_read_only_run_still_prints_its_findings(finished, tmp_path, capsys,
                                                               monkeypatch):
    import seqguard.artifact

    run = _copy(finished, tmp_path / "run")
    before = _digest(run)

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(run / "diagnosis.json"))

    monkeypatch.setattr(seqguard.artifact, "update_run", read_only)
    code, out, err = run_cli(["diagnose", str(run)], capsys)
    assert code == 0, err
    assert "warning: the findings are not saved" in err and "read-only" in err.lower()
    assert "Traceback" not in err and out.strip()
    assert _digest(run) == before


def test_report_on_a_read_only_run_is_one_line(finished, tmp_path, capsys, monkeypatch):
    import seqguard.artifact

    run = _copy(finished, tmp_path / "run")

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(run / "report.html"))

    monkeypatch.setattr(seqguard.artifact, "update_run", read_only)
    code, _, err = run_cli(["report", str(run)], capsys)
    assert_one_error_line(code, err, "report.html", "Read-only file system",
                          "another disk")
    assert verify_run(run) == []


def test_the_resolved_devices_are_recorded_in_pipeline_json(finished):
    hardware = json.loads((finished / "pipeline.json").read_text())["hardware"]
    assert hardware == {"accelerator": "cpu", "devices": 1, "strategy": "SingleDeviceStrategy",
                        "precision": "32-true", "device": "cpu", "num_nodes": 1,
                        "world_size": 1}


def test_a_run_directory_is_readable_by_others_as_the_umask_allows(finished):
    import stat

    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(finished.stat().st_mode) == 0o777 & ~umask
    for f in finished.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o666 & ~umask, f.name


def test_child_rank_reads_the_launchers_variables(monkeypatch):
    for name in ("RANK", "LOCAL_RANK", "NODE_RANK", "GROUP_RANK"):
        monkeypatch.delenv(name, raising=False)
    assert not _outdir.child_rank()
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("LOCAL_RANK", "0")
    assert not _outdir.child_rank()  # torchrun's rank 0
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert _outdir.child_rank()
    monkeypatch.setenv("LOCAL_RANK", "x")
    assert not _outdir.child_rank()
