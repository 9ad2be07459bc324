"""Benchmark: how long the ``seqguard`` command takes to start.

Times ``seqguard --version``, ``seqguard --help`` and ``seqguard audit`` on a small
CSV against ``python -c pass`` (the interpreter's own start-up), in the same run,
best of ``--repeat`` runs each, and prints the ratios. The command line imports
neither torch nor Lightning for these (``seqguard/__init__.py`` loads public names
on first use), so the ratio for ``--version`` should stay in the low single digits
rather than the ~300x it was when ``import seqguard`` loaded torch (about 4 s).

Usage::

    python benchmarks/bench_startup.py [--repeat R]

``main(argv)`` returns the results as a dict, for ``benchmarks/run_all.py``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _best(cmd: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    exe = str(Path(sys.executable).with_name("seqguard"))
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "small.csv"
        rows = ["time,y"] + [f"2020-01-01 {h:02d}:00,{h % 7}" for h in range(24)]
        csv.write_text("\n".join(rows) + "\n")
        base = _best([sys.executable, "-c", "pass"], args.repeat)
        results: dict[str, Any] = {"python_c_pass_s": round(base, 4)}
        for name, cmd in (("version", [exe, "--version"]), ("help", [exe, "--help"]),
                          ("audit", [exe, "audit", str(csv), "--target", "y"])):
            t = _best(cmd, args.repeat)
            results[f"{name}_s"] = round(t, 4)
            results[f"{name}_ratio"] = round(t / base, 1)
            print(f"seqguard {name:8s} {t:6.3f} s = {t / base:6.1f} x python -c pass "
                  f"({base:.3f} s)")
    print(json.dumps(results))
    return results


if __name__ == "__main__":
    main()
