"""The finish of the command line: --version, an example in every command's --help, shell
completion, the one line each command ends with, evaluate's title by period, colour only
on a terminal and never with NO_COLOR, and fit --save-config / --config reproducing a
run exactly."""

from __future__ import annotations

import importlib.metadata
import json
import re
import sys
from pathlib import Path

import pytest
from cli_helpers import assert_one_error_line, run_cli
from test_progress import SGR, _env, _in_terminal

from seqguard.cli import cli
from seqguard.cli._output import _period, _run_line
from seqguard.params import ESTIMATOR_PARAMS

try:
    import tomllib
except ImportError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

TINY = ["--input-len", "12", "--horizon", "3", "--epochs", "2", "--hidden", "8",
        "--layers", "1", "--batch-size", "32"]


def _csv(path: Path, rows: int = 240) -> Path:
    import numpy as np

    rng = np.random.default_rng(1)
    lines = ["time,x,y"] + [
        f"2021-01-{1 + i // 24:02d} {i % 24:02d}:00:00,{rng.normal():.4f},"
        f"{np.sin(i / 4) + 0.1 * rng.normal():.4f}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small forecast run and its data: (run directory, data file)."""
    from seqguard import Forecaster

    folder = tmp_path_factory.mktemp("finish")
    data = _csv(folder / "d.csv")
    est = Forecaster("y", input_len=12, horizon=3, epochs=1, hidden=8, layers=1,
                     batch_size=32, progress=False).fit(str(data))
    est.save(folder / "run")
    return folder / "run", data


def _no_blank_lines(*texts: str) -> None:
    for text in texts:
        assert "" not in text.splitlines(), repr(text)


# ------------------------------------------------------------------ version, help
def test_version_is_the_installed_one(capsys):
    code, out, _ = run_cli(["--version"], capsys)
    assert code == 0 and out == f"seqguard, version {importlib.metadata.version('seqguard')}\n"


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_help_has_an_example(capsys, name):
    code, out, _ = run_cli([name, "--help"], capsys)
    assert code == 0
    examples = out.split("Examples:", 1)
    assert len(examples) == 2, out
    lines = [ln.strip() for ln in examples[1].splitlines() if ln.strip()]
    assert lines and all(ln.startswith(f"seqguard {name}") for ln in lines), lines


def test_top_level_help_documents_shell_completion(capsys):
    code, out, _ = run_cli(["--help"], capsys)
    assert code == 0 and "_SEQGUARD_COMPLETE=bash_source seqguard" in out
    assert "seqguard fit data.csv --target pm2.5 --out runs/pm25" in out


@pytest.mark.parametrize("shell,words", [
    ("bash", ["_seqguard_completion()", "complete -o nosort -F _seqguard_completion seqguard"]),
    ("zsh", ["#compdef seqguard", "_SEQGUARD_COMPLETE=zsh_complete"]),
    ("fish", ["complete --no-files --command seqguard"]),
])
def test_shell_completion_prints_a_script(capsys, monkeypatch, shell, words):
    monkeypatch.setenv("_SEQGUARD_COMPLETE", f"{shell}_source")
    code, out, err = run_cli([], capsys)
    assert code == 0 and err == ""
    for w in words:
        assert w in out, out


def test_shell_completion_completes_commands_and_options(capsys, monkeypatch):
    monkeypatch.setenv("_SEQGUARD_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", "seqguard fi")
    monkeypatch.setenv("COMP_CWORD", "1")
    assert run_cli([], capsys)[1].split() == ["plain,fit"]
    monkeypatch.setenv("COMP_WORDS", "seqguard fit d.csv --save-c")
    monkeypatch.setenv("COMP_CWORD", "3")
    assert run_cli([], capsys)[1].split() == ["plain,--save-config"]


# ------------------------------------------------------------------ final lines
def test_predict_out_ends_with_what_it_wrote_on_stderr(fitted, tmp_path, capsys):
    run, data = fitted
    pred = tmp_path / "pred.csv"
    code, out, err = run_cli(["predict", str(run), str(data), "--out", str(pred)], capsys)
    assert code == 0 and out == ""
    rows = pred.read_text().splitlines()[1:]
    origins = len({r.split(",")[1] for r in rows})
    wrote = f"wrote {len(rows):,} predictions ({origins:,} forecast origins) to {pred}"
    assert err.splitlines() == [f"read {data} (240 rows)", wrote]
    _no_blank_lines(out, err)


def test_predict_to_stdout_keeps_stdout_the_csv_alone(fitted, tmp_path, capsys):
    run, data = fitted
    pred = tmp_path / "pred.csv"
    run_cli(["predict", str(run), str(data), "--out", str(pred)], capsys)
    code, out, err = run_cli(["predict", str(run), str(data)], capsys)
    assert code == 0 and out == pred.read_text()
    # 240 rows, 12 in, 3 out: origins 12..237, each with 3 steps
    assert err.splitlines()[-1] == "wrote 678 predictions (226 forecast origins) to stdout"
    code, out, err = run_cli(["predict", str(run), str(data), "--future"], capsys)
    assert code == 0 and len(out.splitlines()) == 4  # header + 3 steps
    assert err.splitlines()[-1] == "wrote 3 predictions to stdout"


def test_evaluate_titles_the_scores_by_the_period_scored(fitted, capsys):
    run, data = fitted
    code, text, _ = run_cli(["evaluate", str(run), str(data), "--format", "json"], capsys)
    n = json.loads(text)["n_windows"]["test"]
    code, out, err = run_cli(["evaluate", str(run), str(data)], capsys)
    assert code == 0
    assert out.splitlines()[0].strip() == f"scores of 'y' on 2021-01-01 .. 2021-01-10 " \
                                          f"({n:,} windows)"
    assert "test scores" not in out
    assert err.splitlines() == [f"read {data} (240 rows)"]


def test_the_period_of_numeric_and_same_day_tables():
    import pandas as pd

    from seqguard.io import read

    hours = read(pd.DataFrame({"t": pd.date_range("2021-03-04 06:00", periods=5, freq="h"),
                               "y": range(5)}), time_col="t")
    assert _period(hours) == "2021-03-04 06:00 .. 2021-03-04 10:00"
    steps = read(pd.DataFrame({"t": [0.0, 1.0, 2.0], "y": [1.0, 2.0, 3.0]}), time_col="t")
    assert _period(steps) == "t 0 .. 2"


def test_diagnose_ends_with_what_it_wrote(fitted, capsys):
    run, _ = fitted
    code, out, err = run_cli(["diagnose", str(run), "--format", "json"], capsys)
    n = len(json.loads(out)["findings"])
    assert code == 0
    assert err.splitlines()[-1] == f"wrote {n} finding{'s' if n != 1 else ''} to " \
                                   f"{run / 'diagnosis.json'}"


def test_run_line_names_the_report_only_when_there_is_one(tmp_path):
    assert _run_line(tmp_path) == f"run directory: {tmp_path}"
    (tmp_path / "report.html").write_text("<html></html>")
    assert _run_line(tmp_path) == f"run directory: {tmp_path} (report: " \
                                  f"{tmp_path / 'report.html'})"


def test_fit_ends_with_the_run_directory_and_quiet_prints_nothing(tmp_path, capsys):
    data = _csv(tmp_path / "d.csv")
    code, out, err = run_cli(["fit", str(data), "--target", "y", *TINY,
                              "--out", str(tmp_path / "loud")], capsys)
    assert code == 0, err
    loud = tmp_path / "loud"
    assert out.splitlines()[-1] == f"run directory: {loud} (report: {loud / 'report.html'})"
    assert out.splitlines()[3].startswith("test scores of 'y' (")  # fit: the test part
    assert re.search(r"^epoch 2/2  train \S+  val \S+  lr 1e-3$", err, re.MULTILINE)
    _no_blank_lines(out, err)
    code, out, err = run_cli(["fit", str(data), "--target", "y", *TINY, "--quiet",
                              "--out", str(tmp_path / "quiet")], capsys)
    assert code == 0 and out == ""
    assert all(ln.startswith("warning: ") for ln in err.splitlines()), err


# ------------------------------------------------------------------ colour
def test_no_colour_outside_a_terminal(fitted, capsys):
    run, data = fitted
    _, out, err = run_cli(["evaluate", str(run), str(data)], capsys)
    assert "┏" in out and "\x1b" not in out + err


def test_colour_on_a_terminal_and_none_with_no_color(fitted):
    run, data = fitted
    exe = str(Path(sys.executable).with_name("seqguard"))
    code, text = _in_terminal([exe, "evaluate", str(run), str(data)], _env(COLUMNS="120"))
    assert code == 0 and SGR.search(text) and "scores of 'y' on 2021-01-01" in text, text
    code, text = _in_terminal([exe, "evaluate", str(run), str(data)],
                              _env(COLUMNS="120", NO_COLOR="1"))
    assert code == 0 and "scores of 'y' on 2021-01-01" in text
    assert not SGR.search(text), text


# ------------------------------------------------------------------ --save-config
def _declared(task: str) -> set[str]:
    """The declared options of ``task`` that have a value by default."""
    return {p.name for p in ESTIMATOR_PARAMS
            if p.option and task in p.tasks and p.default is not None}


@pytest.mark.parametrize("task,extra", [
    ("forecast", ["--lr", "0.003", "--seed", "3", "--scaler", "robust"]),
    ("tag", ["--val-start", "150", "--test-start", "195", "--missing", "mask"]),
], ids=["forecast", "tag-with-split-positions"])
def test_save_config_then_config_reproduces_the_run_exactly(tmp_path, capsys, task, extra):
    data = _csv(tmp_path / "d.csv")
    cfg = tmp_path / "run.toml"
    tiny = TINY if task == "forecast" else TINY[:2] + TINY[4:]  # tag: no --horizon
    args = ["fit", str(data), "--target", "y", "--task", task, *tiny, *extra]
    code, out, err = run_cli([*args, "--out", str(tmp_path / "a"), "--save-config", str(cfg)],
                             capsys)
    assert code == 0, err
    assert f"configuration: {cfg} (seqguard fit --config {cfg} repeats the run)" in out
    saved = tomllib.loads(cfg.read_text())
    assert saved["data"] == str(data) and saved["task"] == task and saved["epochs"] == 2
    skipped = {"val_frac", "test_frac"} if task == "tag" else set()
    assert _declared(task) - skipped <= set(saved), _declared(task) - set(saved)
    assert not set(saved) & {"quiet", "verbose", "overwrite", "resume", "config",
                             "save_config"}
    if task == "forecast":
        assert (saved["lr"], saved["seed"], saved["scaler"]) == (0.003, 3, "robust")
        assert saved["weight_decay"] == 1e-4 and saved["val_frac"] == 0.15  # defaults too
    else:
        assert "head" not in saved and "horizon" not in saved  # forecast only
        assert (saved["val_start"], saved["test_start"]) == ("150", "195")
    assert "# resolved at fit: batch size: 32" in cfg.read_text()

    code, out, err = run_cli(["fit", "--config", str(cfg), "--out", str(tmp_path / "b")],
                             capsys)
    assert code == 0, err
    for name in ("metrics.json", "model.safetensors", "history.csv"):
        first, again = (tmp_path / d / name for d in ("a", "b"))
        assert first.read_bytes() == again.read_bytes(), name


def test_save_config_refuses_a_folder_and_a_missing_folder_before_training(tmp_path, capsys):
    data = _csv(tmp_path / "d.csv")
    base = ["fit", str(data), "--target", "y", *TINY, "--out", str(tmp_path / "run")]
    code, _, err = run_cli([*base, "--save-config", str(tmp_path)], capsys)
    assert_one_error_line(code, err, "--save-config", "is a folder", "run.toml")
    code, _, err = run_cli([*base, "--save-config", str(tmp_path / "no" / "run.toml")], capsys)
    assert_one_error_line(code, err, "--save-config", "does not exist")
    (tmp_path / "run").mkdir()
    code, _, err = run_cli([*base, "--overwrite", "--save-config",
                            str(tmp_path / "run" / "run.toml")], capsys)
    assert_one_error_line(code, err, "--save-config", "inside the run directory",
                          str(tmp_path / "run.toml"))
    assert not any((tmp_path / "run").iterdir())


def test_config_gives_data_and_the_command_line_wins(tmp_path, capsys):
    data = _csv(tmp_path / "d.csv")
    cfg = tmp_path / "a.toml"
    cfg.write_text(f'data = "{tmp_path / "nope.csv"}"\ntarget = "y"\nformat = "json"\n')
    code, _, err = run_cli(["audit", "--config", str(cfg)], capsys)
    assert_one_error_line(code, err, "nope.csv", "does not exist")
    code, out, _ = run_cli(["audit", str(data), "--config", str(cfg)], capsys)
    assert code == 0 and json.loads(out)["summary"]["n_rows"] == 240
    cfg.write_text(f'data = "{data}"\nformat = "json"\n')
    code, out, _ = run_cli(["audit", "--config", str(cfg)], capsys)
    assert code == 0 and json.loads(out)["summary"]["source"] == str(data)
