"""Helpers the command-line tests share: run ``seqguard`` in-process, read its output."""

from __future__ import annotations

import pytest

from seqguard.cli import main


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``seqguard ARGS`` through :func:`seqguard.cli.main`: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def assert_one_error_line(code: int, err: str, *words: str) -> None:
    """Exit 2 with exactly one ``error: ...`` line holding every word, and no traceback."""
    assert code == 2
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for w in words:
        assert w in lines[0], (w, lines[0])
