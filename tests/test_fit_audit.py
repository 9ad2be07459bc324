"""``fit`` shows the audit before it trains and stops on an error (issue 10, item 4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from cli_helpers import run_cli

TINY = ["--input-len", "8", "--horizon", "2", "--epochs", "1", "--hidden", "8",
        "--layers", "1", "--seed", "0"]


def _csv(path: Path, *, constant: bool = False, gappy: bool = False) -> Path:
    n = 240
    rng = np.random.default_rng(0)
    y = np.full(n, 3.0) if constant else np.sin(np.arange(n) / 24 * 2 * np.pi) + \
        rng.normal(0, 0.1, n)
    x = rng.normal(size=n)
    if gappy:
        x[rng.random(n) < 0.3] = np.nan
    frame = pd.DataFrame({"time": pd.date_range("2021-01-01", periods=n, freq="h"),
                          "y": y, "x": x})
    frame.to_csv(path, index=False)
    return path


def test_error_finding_stops_fit_with_exit_3_and_writes_nothing(tmp_path, capsys):
    data = _csv(tmp_path / "const.csv", constant=True)
    out = tmp_path / "run"
    code, stdout, err = run_cli(["fit", str(data), "--target", "y", *TINY,
                                 "--out", str(out)], capsys)
    assert code == 3
    lines = err.strip().splitlines()
    assert any(ln.startswith("error: The target 'y' takes a single value (3)") and
               "Fix: Choose another --target" in ln for ln in lines), err
    assert lines[-1].startswith("error: the audit of ") and "--ignore-audit" in lines[-1]
    assert "Traceback" not in err and stdout == ""
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["const.csv"]  # no checkpoints


def test_quiet_never_hides_the_audit_errors(tmp_path, capsys):
    data = _csv(tmp_path / "const.csv", constant=True)
    code, _, err = run_cli(["fit", str(data), "--target", "y", *TINY, "--quiet",
                            "--out", str(tmp_path / "run")], capsys)
    assert code == 3
    assert "error: The target 'y' takes a single value" in err
    assert "warning:" not in err  # --quiet hides warnings


def test_ignore_audit_trains_anyway(tmp_path, capsys):
    data = _csv(tmp_path / "const.csv", constant=True)
    out = tmp_path / "run"
    code, _, err = run_cli(["fit", str(data), "--target", "y", *TINY, "--ignore-audit",
                            "--out", str(out)], capsys)
    assert code == 0, err
    assert "error: The target 'y' takes a single value" in err
    assert "training despite 1 audit error (--ignore-audit)" in err
    assert (out / "MANIFEST.json").is_file()


def test_warnings_print_one_line_each_before_training(tmp_path, capsys):
    data = _csv(tmp_path / "gappy.csv", gappy=True)
    code, stdout, err = run_cli(["fit", str(data), "--target", "y", *TINY,
                                 "--out", str(tmp_path / "run")], capsys)
    assert code == 0, err
    lines = err.strip().splitlines()
    assert lines[0].startswith("audit of ") and "0 errors, 1 warnings" in lines[0]
    assert lines[1].startswith("warning: Column 'x' has ") and " Fix: " in lines[1]
    assert "run directory:" in stdout
    code, _, err = run_cli(["fit", str(data), "--target", "y", *TINY, "--quiet",
                            "--out", str(tmp_path / "run2")], capsys)
    assert code == 0 and "warning: Column 'x'" not in err


def test_python_warnings_print_in_cli_spelling(tmp_path, capsys):
    data = _csv(tmp_path / "ok.csv")
    code, _, err = run_cli(["fit", str(data), "--target", "y", *TINY, "--dropout", "0.2",
                            "--out", str(tmp_path / "run")], capsys)
    assert code == 0, err
    hits = [ln for ln in err.splitlines() if "has no effect" in ln]
    expected = ("warning: --dropout 0.2 has no effect with --layers 1 and --head-layers 0: "
                "dropout applies between recurrent layers and after dense head layers. "
                "Pass --layers 2 or more, --head-layers 1, or --dropout 0.")
    assert hits == [expected], err
    assert "ModelWarning" not in err and ".py:" not in err
