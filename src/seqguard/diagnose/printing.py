"""Printing a :class:`Diagnosis` on a ``rich`` console (the CLI's output)."""

from __future__ import annotations

from typing import Any

from .findings import Diagnosis, _evidence_text

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def print_diagnosis(diagnosis: Diagnosis, console: Any, verbose: bool = False) -> None:
    """Print a diagnosis as a readable numbered list on a ``rich`` console."""
    from rich.markup import escape

    lines = diagnosis.to_text(verbose=verbose).splitlines()
    console.print(escape(lines[0]))
    for k, f in enumerate(diagnosis.findings, 1):
        sev = f["severity"]
        console.print(f"{k}. [{_STYLE.get(sev, 'bold')}]{sev.upper():7s}[/] "
                      f"[bold]{escape(f['code'])}[/]: {escape(f['message'])}")
        console.print(f"   fix: {escape(f['fix'])}")
        if verbose and f.get("evidence"):
            console.print("   evidence: " + escape(", ".join(
                f"{key}={_evidence_text(v)}" for key, v in f["evidence"].items())))
