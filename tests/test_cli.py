"""The `seqguard` command: exit codes, one-line errors, JSON output, --config."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from seqguard.cli import main


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def small_csv(path: Path, rows: int = 60, constant_target: bool = False) -> Path:
    lines = ["time,x,y"]
    for i in range(rows):
        y = 5.0 if constant_target else float(i % 7)
        lines.append(f"2021-01-{1 + i // 24:02d} {i % 24:02d}:00:00,{i * 0.5},{y}")
    path.write_text("\n".join(lines) + "\n")
    return path


def assert_one_error_line(code: int, err: str, *words: str) -> None:
    assert code == 2
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for w in words:
        assert w in lines[0], (w, lines[0])


def test_audit_beijing_text(beijing_path, capsys):
    code, out, _ = run_cli(["audit", str(beijing_path), "--time-col", "year,month,day,hour",
                            "--target", "pm2.5"], capsys)
    assert code == 0
    assert "2067" in out and "leading run of 24" in out and "pm2.5" in out


def test_audit_beijing_json(beijing_path, capsys):
    code, out, _ = run_cli(["audit", str(beijing_path), "--target", "pm2.5",
                            "--format", "json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["counts"]["error"] == 0
    lead = [f for f in doc["findings"] if f["code"] == "leading_missing"
            and f["column"] == "pm2.5"]
    assert lead and lead[0]["evidence"]["leading_run"] == 24


def test_audit_exit_3_on_constant_target(tmp_path, capsys):
    p = small_csv(tmp_path / "c.csv", constant_target=True)
    code, out, _ = run_cli(["audit", str(p), "--target", "y", "--format", "json"], capsys)
    assert code == 3
    assert any(f["code"] == "target_constant" for f in json.loads(out)["findings"])


def test_audit_quiet_hides_notes(tmp_path, capsys):
    p = small_csv(tmp_path / "d.csv")
    _, loud, _ = run_cli(["audit", str(p), "--target", "y"], capsys)
    _, quiet, _ = run_cli(["audit", str(p), "--target", "y", "--quiet"], capsys)
    assert loud.count("│ info") >= quiet.count("│ info") == 0


@pytest.mark.parametrize("args,words", [
    (["audit", "nope.csv"], ["nope.csv", "does not exist"]),
    (["audit", "{csv}", "--target", "yy"], ["'yy'", "Did you mean 'y'?"]),
    (["audit", "{csv}", "--format", "jsn"], ["jsn", "Did you mean 'json'?"]),
    (["audit", "{csv}", "--duplicates", "avg"], ["avg"]),
    (["audit", "{csv}", "--no-such-option"], ["--no-such-option"]),
    (["audit"], ["DATA"]),
    (["frobnicate"], ["frobnicate"]),
], ids=["missing-file", "unknown-target", "bad-format", "bad-duplicates", "unknown-option",
        "missing-argument", "unknown-command"])
def test_usage_errors_exit_2_with_one_line(tmp_path, capsys, args, words):
    p = small_csv(tmp_path / "d.csv")
    args = [a.replace("{csv}", str(p)) for a in args]
    code, _, err = run_cli(args, capsys)
    assert_one_error_line(code, err, *words)


def test_config_file_gives_options_and_command_line_wins(tmp_path, capsys):
    p = small_csv(tmp_path / "d.csv", constant_target=True)
    cfg = tmp_path / "run.toml"
    cfg.write_text('target = "y"\nformat = "json"\n')
    code, out, _ = run_cli(["audit", str(p), "--config", str(cfg)], capsys)
    assert code == 3 and json.loads(out)["summary"]["target"] == "y"
    code, out, _ = run_cli(["audit", str(p), "--config", str(cfg), "--target", "x"], capsys)
    assert code == 0 and json.loads(out)["summary"]["target"] == "x"


def test_config_unknown_key(tmp_path, capsys):
    p = small_csv(tmp_path / "d.csv")
    cfg = tmp_path / "run.toml"
    cfg.write_text('targt = "y"\n')
    code, _, err = run_cli(["audit", str(p), "--config", str(cfg)], capsys)
    assert_one_error_line(code, err, "targt", "Did you mean 'target'?")


def test_config_not_toml(tmp_path, capsys):
    p = small_csv(tmp_path / "d.csv")
    cfg = tmp_path / "run.toml"
    cfg.write_text("this is = = not toml")
    code, _, err = run_cli(["audit", str(p), "--config", str(cfg)], capsys)
    assert_one_error_line(code, err, "run.toml", "not valid TOML")


def test_console_script_runs_without_traceback(tmp_path):
    exe = Path(sys.executable).with_name("seqguard")
    proc = subprocess.run([str(exe), "audit", str(tmp_path / "missing.csv")],
                          check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: file") and "Traceback" not in proc.stderr
