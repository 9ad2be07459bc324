"""Training progress (seqguard.training.progress) and the steps before it (seqguard._status):
epochs counted from 1 with the losses and lr, guard events as they happen, a bar in a
terminal, one line per epoch in a log, nothing when switched off; Lightning's banner and
tips never reach the user (checked on a real ``seqguard fit`` in a subprocess, through
pipes and through a terminal)."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from test_training import FAST, NaNAt, Tiny, loaders

from seqguard import _status
from seqguard.training import fit_model
from seqguard.training.progress import epoch_line, event_line, format_lr, progress_mode

QUIET = {k: v for k, v in FAST.items() if k != "progress"}
EPOCH = re.compile(r"^epoch +(\d+)/(\d+)  train \S+  val \S+  lr \S+$")
# what Lightning prints by itself: none of it may reach the user
BANNER = ("GPU available", "TPU available", "HPU available", "Tip", "💡", "LOCAL_RANK",
          "Trainer.fit", "stopped:", "| Name", "Trainable params", "litlogger", "LitLogger")
SGR = re.compile(r"\x1b\[[0-9;]*m")


def _lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip()]


# ------------------------------------------------------------------ formatting
@pytest.mark.parametrize("lr,text", [(1e-3, "1e-3"), (3e-3, "3e-3"), (2.5e-4, "2.5e-4"),
                                     (1.25e-5, "1.25e-5"), (0.5, "0.5"), (0.01, "0.01"),
                                     (0.0, "0")])
def test_learning_rates_print_as_people_write_them(lr, text):
    assert format_lr(lr) == text


def test_epoch_line_counts_from_one_and_aligns_to_the_total():
    row = {"epoch": 3, "train_loss": 0.41234, "val_loss": float("nan"), "lr": 1e-3}
    assert epoch_line(row, 30) == "epoch  3/30  train 0.4123  val nan  lr 1e-3"
    assert epoch_line(row, 5, validation=False) == "epoch 3/5  train 0.4123  lr 1e-3"


def test_event_line_names_guard_and_reason_on_one_line():
    line = event_line({"guard": "NonFiniteGuard", "reason": "non_finite_loss",
                       "message": "the loss was nan\n  at step 3; rolled back."})
    assert line == "guard NonFiniteGuard (non_finite_loss): the loss was nan at step 3; " \
                   "rolled back."


def test_progress_mode_outside_a_terminal(monkeypatch):
    monkeypatch.setattr(_status, "stderr_is_terminal", lambda: False)
    from seqguard.training import progress

    monkeypatch.setattr(progress, "stderr_is_terminal", lambda: False)
    assert (progress_mode(True), progress_mode(None), progress_mode(False)) == \
        ("lines", None, None)
    monkeypatch.setattr(progress, "stderr_is_terminal", lambda: True)
    assert (progress_mode(True), progress_mode(None), progress_mode(False)) == \
        ("bar", "bar", None)


# ------------------------------------------------------------------ fit_model
def test_a_log_gets_one_line_per_epoch_counted_from_one(seed, capsys):
    train, val = loaders()
    torch.manual_seed(0)
    res = fit_model(Tiny(), train, val, epochs=3, patience=10, progress=True, **QUIET)
    out, err = capsys.readouterr()
    assert out == ""
    epochs = [ln for ln in _lines(err) if ln.startswith("epoch")]
    assert [EPOCH.match(ln).groups() for ln in epochs] == [("1", "3"), ("2", "3"), ("3", "3")]
    first = res.history.iloc[0]
    assert epochs[0] == epoch_line(first.to_dict(), 3)
    assert f"train {first['train_loss']:.4g}" in epochs[0]
    assert not any(b in err for b in BANNER), err


def test_guard_events_print_as_they_happen_between_epochs(seed, capsys):
    train, val = loaders()
    torch.manual_seed(0)
    res = fit_model(NaNAt(bad={3, 9}), train, val, epochs=3, lr=1e-3, progress=True, **QUIET)
    lines = _lines(capsys.readouterr().err)
    guard = [i for i, ln in enumerate(lines) if ln.startswith("guard NonFiniteGuard")]
    epoch = {int(EPOCH.match(ln).group(1)): i for i, ln in enumerate(lines) if EPOCH.match(ln)}
    assert len(guard) == 2 == res.guard_events
    # step 3 is in epoch 1 (6 steps an epoch), step 9 in epoch 2: each before its epoch's line
    assert guard[0] < epoch[1] < guard[1] < epoch[2] < epoch[3]
    assert "(non_finite_loss)" in lines[guard[0]] and "rolled back" in lines[guard[0]]
    assert "lr 1e-4" in lines[epoch[1]] and "lr 1e-5" in lines[epoch[2]]


@pytest.mark.parametrize("progress", [False, None], ids=["off", "default-outside-terminal"])
def test_nothing_is_printed_when_off_or_outside_a_terminal_by_default(seed, capsys, progress):
    train, val = loaders()
    fit_model(Tiny(), train, val, epochs=2, progress=progress, **QUIET)
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_a_resumed_run_goes_on_counting_and_does_not_repeat(seed, capsys, tmp_path):
    train, val = loaders()
    torch.manual_seed(0)
    fit_model(Tiny(), train, val, epochs=2, patience=10, checkpoint_dir=tmp_path, **FAST)
    capsys.readouterr()
    torch.manual_seed(0)
    fit_model(Tiny(), train, val, epochs=4, patience=10, checkpoint_dir=tmp_path, resume=True,
              progress=True, **QUIET)
    epochs = [EPOCH.match(ln).groups() for ln in _lines(capsys.readouterr().err)
              if EPOCH.match(ln)]
    assert epochs == [("3", "4"), ("4", "4")]


def test_a_terminal_gets_a_bar_and_the_same_epoch_lines(seed, capsys, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich: stderr counts as a terminal
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    assert progress_mode(None) == "bar"
    train, val = loaders()
    fit_model(Tiny(), train, val, epochs=2, patience=10, progress=None, **QUIET)
    err = capsys.readouterr().err
    plain = SGR.sub("", err)
    assert "━" in plain and "6/6" in plain  # the bar with the steps of an epoch
    assert re.search(r"epoch 2/2 .*train \S+  val \S+  lr 1e-3", plain)  # last epoch's stats
    lines = [seg for ln in plain.splitlines() for seg in ln.split("\r")]
    assert sum(bool(EPOCH.match(re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", s).strip()))
               for s in lines) >= 2
    assert SGR.search(err)  # colour on a terminal


def test_an_error_inside_training_stops_the_bar(seed, capsys, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    from seqguard.errors import TrainingFailed

    train, val = loaders()
    with pytest.raises(TrainingFailed):
        fit_model(NaNAt(always=True), train, val, epochs=1, max_rollbacks=1, progress=None,
                  **QUIET)
    err = capsys.readouterr().err
    assert "guard NonFiniteGuard (gave_up)" in SGR.sub("", err)
    assert err.rfind("\x1b[?25h") > err.rfind("\x1b[?25l") >= 0  # the cursor is back


# ------------------------------------------------------------------ _status.Steps
def test_steps_print_one_line_when_a_step_ends_and_nothing_when_off(capsys):
    with _status.steps() as shown:
        assert _status.current_steps() is shown
        shown.start("reading data.csv")
        assert shown.active
        shown.finish("read data.csv (12 rows)")
        shown.finish("printed twice?")  # nothing is running: no line
        shown.start("preparing windows")  # ended by the block, without a line
    assert _status.current_steps() is None
    with _status.steps(enabled=False) as off:
        off.start("reading")
        off.finish("read")
    assert capsys.readouterr() == ("", "read data.csv (12 rows)\n")


def test_no_color_means_no_style_at_all(monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    con = _status.console()
    with con.capture() as cap:
        con.print("[bold red]x[/]")
    assert cap.get() == "x\n"
    monkeypatch.setenv("NO_COLOR", "")  # empty: not set (no-color.org)
    con = _status.console()
    with con.capture() as cap:
        con.print("[bold red]x[/]")
    assert SGR.search(cap.get())


# ------------------------------------------------------------------ the real command
def _tiny_csv(path: Path, rows: int = 240) -> Path:
    import numpy as np

    rng = np.random.default_rng(0)
    t = np.arange(rows)
    lines = ["time,x,y"] + [
        f"2021-01-{1 + i // 24:02d} {i % 24:02d}:00:00,{rng.normal():.4f},"
        f"{np.sin(i / 4) + 0.1 * rng.normal():.4f}" for i in t]
    path.write_text("\n".join(lines) + "\n")
    return path


def _fit_args(tmp_path: Path, *extra: str) -> list[str]:
    exe = Path(sys.executable).with_name("seqguard")
    return [str(exe), "fit", str(_tiny_csv(tmp_path / "d.csv")), "--target", "y",
            "--input-len", "12", "--horizon", "3", "--epochs", "2", "--hidden", "8",
            "--layers", "1", "--batch-size", "32", "--out", str(tmp_path / "run"), *extra]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(OMP_NUM_THREADS="1", **extra)
    return env


def _in_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``args`` with stdin, stdout and stderr on a pseudo-terminal: (exit code, output)."""
    main, child = pty.openpty()
    proc = subprocess.Popen(args, stdin=child, stdout=child, stderr=child, env=env,
                            close_fds=True)
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    return proc.wait(timeout=300), b"".join(chunks).decode("utf-8", "replace")


def test_fit_into_a_log_shows_epochs_and_no_lightning_banner(tmp_path):
    proc = subprocess.run(_fit_args(tmp_path), capture_output=True, text=True, timeout=300,
                          env=_env(), check=False)
    assert proc.returncode == 0, proc.stderr
    both = proc.stdout + proc.stderr
    assert not any(b in both for b in BANNER), both
    assert not SGR.search(both) and "\x1b" not in both  # no colour into a log
    err = _lines(proc.stderr)
    assert err[0].startswith(f"audit of {tmp_path / 'd.csv'} (240 rows): ")
    assert any(ln.startswith("prepared ") and "training windows" in ln for ln in err)
    assert [EPOCH.match(ln).groups() for ln in err if EPOCH.match(ln)] == [("1", "2"),
                                                                          ("2", "2")]
    run = tmp_path / "run"  # fit writes the report into the run
    assert proc.stdout.splitlines()[-1] == f"run directory: {run} (report: {run / 'report.html'})"
    assert "" not in proc.stdout.splitlines() and "" not in proc.stderr.splitlines()


def test_fit_in_a_terminal_shows_the_bar_and_no_lightning_banner(tmp_path):
    code, text = _in_terminal(_fit_args(tmp_path), _env(COLUMNS="120"))
    assert code == 0, text
    assert not any(b in text for b in BANNER), text
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    assert "━" in plain and re.search(r"epoch 2/2  train \S+  val \S+  lr 1e-3", plain)
    assert "epoch 0/" not in plain  # counted from 1, unlike Lightning's bar
    assert SGR.search(text)  # colour on a terminal
    code, text = _in_terminal(_fit_args(tmp_path, "--overwrite"),
                              _env(COLUMNS="120", NO_COLOR="1"))
    assert code == 0 and not SGR.search(text), text  # NO_COLOR: none at all


def test_fit_quiet_prints_no_progress_and_no_blank_line(tmp_path):
    proc = subprocess.run(_fit_args(tmp_path, "--quiet"), capture_output=True, text=True,
                          timeout=300, env=_env(), check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    # only warnings (the loss still falling after 2 epochs), one line each
    assert all(ln.startswith("warning: ") for ln in proc.stderr.splitlines()), proc.stderr
