"""The ``seqguard`` command (filled in by the ingestion/audit work)."""

from __future__ import annotations


def main() -> None:
    raise SystemExit(0)
