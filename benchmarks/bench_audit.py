"""Benchmark: does auditing a table cost more than reading it?

Writes a generated CSV (default 1,000,000 rows x 16 numeric columns, with missing
values, one column using -9999 as a missing marker, a heavy-tailed column and an
hourly time column) to a temporary folder, then times ``seqguard.io.read`` alone
and ``read`` followed by ``seqguard.audit.audit``. Prints the read and audit
seconds and the ratio audit / read (target: at most 1.0), then one JSON line with
the results.

Usage::

    python benchmarks/bench_audit.py [--rows N] [--cols K] [--repeat R] [--seed S]

``main(argv)`` returns the results as a dict, for ``benchmarks/run_all.py``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def make_frame(rows: int, cols: int, seed: int = 0) -> pd.DataFrame:
    """A messy but plausible hourly table: NaN gaps, a -9999 marker, a heavy tail."""
    rng = np.random.default_rng(seed)
    data: dict[str, Any] = {
        "time": pd.date_range("2000-01-01", periods=rows, freq="h")
    }
    for j in range(cols):
        x = np.round(rng.normal(10.0 * j, 1.0 + j, rows), 3)
        if j == 1:
            x = np.round(rng.lognormal(2.0, 1.2, rows), 3)       # heavy tail
        if j % 3 == 0:
            x[rng.random(rows) < 0.02] = np.nan                  # scattered missing
        if j == 2:
            start = rows // 3
            x[start:start + 500] = np.nan                         # one long gap
        if j == cols - 1:
            x[rng.random(rows) < 0.01] = -9999.0                 # sentinel marker
        data[f"x{j}"] = x
    return pd.DataFrame(data)


def _best(fn: Any, repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; print a human summary and one JSON line; return the results."""
    from seqguard.audit import audit
    from seqguard.io import read

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--cols", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=1, help="best of R runs (default 1)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="seqguard-bench-audit-") as tmp:
        path = Path(tmp) / "bench.csv"
        t0 = time.perf_counter()
        make_frame(args.rows, args.cols, args.seed).to_csv(path, index=False)
        write_s = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6

        read_s, table = _best(lambda: read(path, time_col="time", target="x0"), args.repeat)
        audit_s, report = _best(lambda: audit(table), args.repeat)
        # the end-to-end path a user takes: read then audit, in one call
        both_s, _ = _best(lambda: audit(path, time_col="time", target="x0"), args.repeat)

    result = {
        "benchmark": "audit",
        "rows": args.rows,
        "numeric_columns": args.cols,
        "csv_mb": round(size_mb, 1),
        "read_s": round(read_s, 4),
        "audit_s": round(audit_s, 4),
        "read_plus_audit_s": round(both_s, 4),
        "ratio_audit_over_read": round(audit_s / read_s, 4),
        "target_ratio": 1.0,
        "ok": audit_s <= read_s,
        "findings": report.counts,
        "codes": report.codes(),
        "write_csv_s": round(write_s, 2),
        "repeat": args.repeat,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
    }
    print(f"rows {args.rows:,} x {args.cols} numeric columns ({size_mb:.0f} MB CSV)")
    print(f"read           {read_s:8.3f} s")
    print(f"audit          {audit_s:8.3f} s")
    print(f"read + audit   {both_s:8.3f} s")
    print(f"audit / read   {audit_s / read_s:8.3f}   (target <= 1.0: "
          f"{'ok' if result['ok'] else 'TOO SLOW'})")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    res = main()
    sys.exit(0 if res["ok"] else 1)
