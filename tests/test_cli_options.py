"""The options of `seqguard fit` come from the declarations; nothing is ignored or coerced."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import assert_one_error_line, run_cli


def small_csv(path: Path, rows: int = 120) -> Path:
    lines = ["time,x,y"]
    for i in range(rows):
        t = f"2021-01-{1 + i // 24:02d} {i % 24:02d}:00:00"
        lines.append(f"{t},{i * 0.5},{float(i % 7)}")
    path.write_text("\n".join(lines) + "\n")
    return path


_SMALL = ["--epochs", "1", "--hidden", "4", "--layers", "1", "--input-len", "8"]


@pytest.mark.parametrize("line, words", [
    ("epochs = 1.5", ["epochs = 1.5", "--epochs", "not an integer"]),
    ("lr = true", ["lr = True", "--lr", "not a number"]),
    ("hidden = false", ["hidden = False", "--hidden"]),
    ("bidirectional = 'yes'", ["bidirectional = 'yes'", "--bidirectional", "switch"]),
], ids=["epochs-float", "lr-bool", "hidden-bool", "flag-text"])
def test_toml_wrong_types_exit_2_naming_the_key(tmp_path, capsys, line, words):
    cfg = tmp_path / "c.toml"
    cfg.write_text(line + "\n")
    out = tmp_path / "run"
    code, _, err = run_cli(["fit", str(small_csv(tmp_path / "d.csv")), "--target", "y",
                            "--config", str(cfg), "--out", str(out)], capsys)
    assert_one_error_line(code, err, *words)
    assert not out.exists()


def test_command_line_numbers_are_strict(tmp_path, capsys):
    code, _, err = run_cli(["fit", str(small_csv(tmp_path / "d.csv")), "--target", "y",
                            "--epochs", "1.5", "--out", str(tmp_path / "run")], capsys)
    assert code == 2 and "--epochs" in err


@pytest.mark.parametrize("extra, words", [
    (["--val-start", "2021-01-04", "--val-frac", "0.3"],
     ["The --val-frac option is ignored when --val-start is given", "--val-start"]),
    (["--val-start", "2021-01-04", "--val-frac", "0.15"], ["--val-frac", "--val-start"]),
    (["--test-start", "90", "--test-frac", "0.2"], ["--test-frac", "--test-start"]),
    (["--task", "tag", "--head", "direct"],
     ["The --head option applies to --task forecast only", "--task tag"]),
    (["--task", "tag", "--head", "residual"], ["--head", "--task tag"]),
    (["--task", "tag", "--norm", "revin"], ["--norm", "--task tag"]),
    (["--scaler", "stdandard"], ["The --scaler option must be one of 'standard'",
                                 "Did you mean 'standard'?"]),
    (["--lr", "-1"], ["The --lr option must be a float > 0. Got -1.0 instead."]),
    (["--batch-size", "big"], ["The --batch-size option must be 'auto' or an int >= 1",
                               "'big'"]),
    (["--dropout", "1.5"], ["The --dropout option", "1.5"]),
    (["--data-dir", "somewhere"], ["--data-dir applies to 'seqguard demo' only"]),
    (["--quiet", "--verbose"], ["--quiet", "--verbose"]),
], ids=["val-frac", "val-frac-default", "test-frac", "head-tag", "head-tag-default",
        "norm-tag", "scaler", "lr", "batch-size", "dropout", "data-dir", "quiet-verbose"])
def test_options_that_would_be_ignored_or_are_bad_exit_2(tmp_path, capsys, extra, words):
    out = tmp_path / "run"
    horizon = [] if "tag" in extra else ["--horizon", "2"]
    code, _, err = run_cli(["fit", str(small_csv(tmp_path / "d.csv")), "--target", "y",
                            *_SMALL, *horizon, "--out", str(out), *extra], capsys)
    assert_one_error_line(code, err, *words)
    assert not out.exists()


def test_data_dir_is_refused_on_audit_and_from_a_config(tmp_path, capsys):
    data = small_csv(tmp_path / "d.csv")
    code, _, err = run_cli(["audit", str(data), "--data-dir", str(tmp_path)], capsys)
    assert_one_error_line(code, err, "--data-dir")
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"data-dir = '{tmp_path}'\n")
    code, _, err = run_cli(["audit", str(data), "--config", str(cfg)], capsys)
    assert_one_error_line(code, err, "--data-dir")


def test_verbose_fit_prints_every_audit_finding_with_its_evidence(tmp_path, capsys):
    data = small_csv(tmp_path / "d.csv", rows=400)
    lines = data.read_text().splitlines()
    lines[1:] = [ln.rsplit(",", 1)[0] + "," if k % 9 == 4 else ln for k, ln in enumerate(lines[1:])]
    data.write_text("\n".join(lines) + "\n")  # some missing targets: findings to show
    code, _, err = run_cli(["fit", str(data), "--target", "y", *_SMALL, "--verbose",
                            "--out", str(tmp_path / "run")], capsys)
    assert code == 0, err
    assert "evidence: " in err
    code, _, quiet_err = run_cli(["fit", str(data), "--target", "y", *_SMALL,
                                  "--out", str(tmp_path / "run2")], capsys)
    assert code == 0 and "evidence: " not in quiet_err


def test_help_lists_the_declared_options_with_their_defaults(capsys):
    code, out, _ = run_cli(["fit", "--help"], capsys)
    assert code == 0
    for words in ("--scaler [standard|minmax|robust|none]", "--epochs INTEGER",
                  "[default: 30]", "--lr FLOAT", "--pool [auto|last|mean|max|attention]"):
        assert words in " ".join(out.split()), words
