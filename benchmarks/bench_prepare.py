"""Benchmark: the end-to-end preparation time of the Beijing fit (Pipeline.fit_transform).

Reads Beijing PM2.5 (UCI, CC BY 4.0; ``$SEQGUARD_DATA/beijing_pm25``, as
bench_beijing.py) with the features of DESIGN.md's protocol, then times
``Pipeline("pm2.5", input_len=48, horizon=24, val_start="2013-01-01",
test_start="2014-01-01").fit_transform(table)``: the split, features, scaling, the
missing-data strategy, the target and the three window datasets, everything a
``Forecaster.fit`` does before training. The read is timed apart (it is not
preparation). Each run is timed twice: wall time and the CPU time of the process
(``time.process_time``; the work is single-threaded with ``OMP_NUM_THREADS=1``, so
the CPU time hardly moves when other processes load the machine, while the wall
time does). A process does one untimed warm-up run first.

Without ``--compare`` the result is the median of ``--repeats`` runs in this
process. ``--compare SRC`` measures another seqguard source tree (``SRC`` is a folder
holding the ``seqguard`` package, e.g. ``../main/src``) in the same run: ``--repeats``
rounds, each a fresh process per tree (alternating, so both see the same load) that
times ``--inner`` runs; a round's timing is the median of its runs, and the result is
the median of the rounds for each tree and their ratio (this tree / SRC; below 1 is
faster), in CPU and in wall time.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_prepare.py [--repeats 5] [--inner 5]
        [--compare SRC]

``main(argv)`` returns the results as a dict, for ``benchmarks/run_all.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FEATURES = "pm2.5,DEWP,TEMP,PRES,cbwd,Iws,Is,Ir"
PIPELINE = {"input_len": 48, "horizon": 24, "val_start": "2013-01-01",
            "test_start": "2014-01-01"}


def _data_path() -> Path:
    root = Path(os.environ.get("SEQGUARD_DATA", HERE.parents[1] / "shared" / "data"))
    return root / "beijing_pm25" / "PRSA_data_2010.1.1-2014.12.31.csv.gz"


def measure(repeats: int = 1) -> dict[str, Any]:
    """Time the read and ``repeats`` fit_transform runs (after one warm-up) here."""
    import seqguard
    from seqguard.pipeline import Pipeline

    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    table = seqguard.read(_data_path(), time_col="year,month,day,hour", target="pm2.5",
                          features=FEATURES, categorical="cbwd")
    read_s = time.perf_counter() - t0
    Pipeline("pm2.5", **PIPELINE).fit_transform(table)  # warm-up: imports, caches
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        prep = Pipeline("pm2.5", **PIPELINE).fit_transform(table)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {"seqguard": str(Path(seqguard.__file__).parent), "rows": len(table.frame),
            "features": len(prep.feature_names), "read_s": round(read_s, 3),
            "prepare_s": [round(r, 4) for r in wall], "prepare_cpu_s": [round(r, 4) for r in cpu],
            "n_windows": {k: len(v) for k, v in prep.datasets.items()}}


def _in_process(src: Path, repeats: int) -> dict[str, Any]:
    """One :func:`measure` in a fresh Python whose ``seqguard`` is the one in ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    code = (f"import sys, json; sys.path.insert(0, {str(HERE)!r}); import bench_prepare; "
            f"print(json.dumps(bench_prepare.measure({repeats})))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--inner", type=int, default=5, help="with --compare: runs per process")
    p.add_argument("--compare", type=Path, default=None,
                   help="another seqguard source tree to time in the same run")
    args = p.parse_args(argv)
    if args.compare is None:
        one = measure(args.repeats)
        result = {"benchmark": "prepare", **one,
                  "prepare_median_s": round(statistics.median(one["prepare_s"]), 4),
                  "prepare_cpu_median_s": round(statistics.median(one["prepare_cpu_s"]), 4)}
    else:
        here = HERE.parent / "src"
        trees = {"this": here, "compare": args.compare.resolve()}
        rounds: dict[tuple[str, str], list[float]] = {}
        info: dict[str, dict[str, Any]] = {}
        for _ in range(args.repeats):  # alternate the trees: the same load for both
            for name, src in trees.items():
                info[name] = _in_process(src, args.inner)
                for clock, key in (("cpu", "prepare_cpu_s"), ("wall", "prepare_s")):
                    rounds.setdefault((name, clock), []).append(
                        statistics.median(info[name][key]))
        med = {k: statistics.median(v) for k, v in rounds.items()}
        result = {"benchmark": "prepare", "repeats": args.repeats, "inner": args.inner,
                  **{f"{k}_seqguard": info[k]["seqguard"] for k in trees},
                  "rows": info["this"]["rows"], "n_windows": info["this"]["n_windows"],
                  "same_windows": info["this"]["n_windows"] == info["compare"]["n_windows"]}
        for clock in ("cpu", "wall"):
            for name in trees:
                result[f"{name}_{clock}_rounds_s"] = [round(t, 4)
                                                      for t in rounds[(name, clock)]]
                result[f"{name}_{clock}_median_s"] = round(med[(name, clock)], 4)
            result[f"{clock}_ratio_this_over_compare"] = round(
                med[("this", clock)] / med[("compare", clock)], 3)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
