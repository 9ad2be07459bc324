"""Run every benchmark in one process and print their ratios side by side (`make bench`).

Speed and memory are reported as ratios measured in the same run, never asserted
in tests: `seqguard --version` / `python -c pass`, audit time / read time (target <= 1), window peak memory / raw table
size (target <= 2.5), the Beijing fit's preparation time, training throughput / plain PyTorch loop (target >= 0.85); the
test MAE of the defaults on DESIGN.md's Beijing protocol against its table; and the
accuracy panel (bench_accuracy.py), which writes docs/benchmarks.md.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = {
    "startup": ("bench_startup.py", []),
    "audit": ("bench_audit.py", []),
    "windows": ("bench_windows.py", ["--rows", "2000000"]),
    # the Beijing fit's preparation (Pipeline.fit_transform), median of 5; against
    # another tree in one run: python benchmarks/bench_prepare.py --compare ../main/src
    "prepare": ("bench_prepare.py", []),
    "training": ("bench_training.py", []),
    # one epoch on 1 process against 2 DDP processes (gloo on the CPU; --accelerator cuda
    # on a GPU machine): the cost of the distributed path
    "ddp": ("bench_ddp.py", []),
    # DESIGN.md's protocol, one seed (about 3-10 minutes on 2 cores); the three seeds
    # of the table: python benchmarks/bench_beijing.py --seeds 0,1,2
    "beijing": ("bench_beijing.py", ["--seeds", "0"]),
    # the accuracy panel of issue 11: every dataset, seeds 0-2, writes docs/benchmarks.md
    # (needs the bench extra; hours on 2 cores; --quick for development)
    "accuracy": ("bench_accuracy.py", []),
    # the out-of-core path (issue 15): 10,000 series x 2,000 steps x 16 features as Parquet
    # shards, audit / preparation / a training epoch cut to 200 batches at 1,000, 3,000 and
    # 10,000 series, wall time and peak RSS (about 25 minutes on 2 cores; --quick: a minute).
    # After the accuracy panel, which rewrites docs/benchmarks.md: this updates its own
    # section there ("Larger than memory")
    "scale": ("bench_scale.py", []),
}


def _load(name: str, file: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", HERE / file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses (bench_accuracy) look their module up
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> dict:
    only = set(argv or sys.argv[1:])
    results = {}
    for name, (file, args) in BENCHES.items():
        if only and name not in only:
            continue
        if not (HERE / file).exists():
            results[name] = {"skipped": f"{file} not found"}
            continue
        print(f"== {name} ==", flush=True)
        results[name] = _load(name, file).main(args)
    print("== summary ==")
    print(json.dumps(results, indent=2, default=str))
    return results


if __name__ == "__main__":
    main()
