"""Benchmark: lazy forecast windows keep memory near the size of the data.

Generates a float32 table (default 10,000,000 rows x 16 features in 4 series, a
target with 5 % missing values and runs of unusable rows, 0.1 % of them), splits it by time, builds
the training :class:`~seqguard.windows.ForecastWindows` (input length 168, horizon
24) and iterates shuffled batches through :class:`~seqguard.windows.WindowLoader`
(default 200 batches of 256 windows). The first batch's time (which includes the
epoch's shuffle of every window number) is reported apart from the steady per-batch
time.

It reports, as multiples of the raw float32 table size (``rows x features x 4``):

* ``tracemalloc_peak``: the peak of the memory traced by ``tracemalloc`` since just
  before the table was generated. numpy reports every array it allocates to
  tracemalloc, so this is the table itself plus every numpy array the split, the
  windows and the loader made (``y``, last observed values, start rows, prefix
  counts, the shuffle order). torch's own allocations (the batch tensors, about
  3 MiB each) are not traced.
* ``rss_peak_delta``: the growth of the process' peak resident memory
  (``resource.getrusage(...).ru_maxrss``) over its value after the imports: every
  allocation, numpy's and torch's, plus allocator slack; the honest figure for
  "how much memory did this need".

Target: both at most 2.5x. Materialising the windows up front would need
``n_windows x 168 x 16 x 4`` bytes, printed as ``eager_windows_gib`` for contrast.

Usage::

    python benchmarks/bench_windows.py [--rows N] [--features F] [--series S]
        [--input-len L] [--horizon H] [--batches B] [--batch-size N] [--seed S]

``main(argv)`` returns the results as a dict, for ``benchmarks/run_all.py``.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
import tracemalloc
from typing import Any

import numpy as np
import torch

from seqguard.splits import TimeSplit
from seqguard.windows import ForecastWindows, WindowLoader, last_observed


def _maxrss_bytes() -> int:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(rss if sys.platform == "darwin" else rss * 1024)  # Linux reports KiB


def make_table(rows: int, features: int, series: int, seed: int = 0
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """X (float32), y (float32 with NaN), bounds, usable; generated without float64 copies."""
    rng = np.random.default_rng(seed)
    X = np.empty((rows, features), dtype=np.float32)
    step = 1 << 20
    for a in range(0, rows, step):
        rng.standard_normal(out=X[a:a + step], dtype=np.float32)
    y = X[:, 0].copy()
    y[rng.random(rows, dtype=np.float32) < 0.05] = np.nan
    cuts = np.sort(rng.choice(np.arange(1, rows), size=series - 1, replace=False)) \
        if series > 1 else np.array([], dtype=np.int64)
    bounds = np.r_[0, cuts, rows].astype(np.int64)
    usable = np.ones(rows, dtype=bool)  # incomplete rows come in runs: 100 rows per 100k
    for a in rng.integers(0, max(rows - 100, 1), size=max(rows // 100_000, 1)).tolist():
        usable[a:a + 100] = False
    return X, y, bounds, usable


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--features", type=int, default=16)
    p.add_argument("--series", type=int, default=4)
    p.add_argument("--input-len", type=int, default=168)
    p.add_argument("--horizon", type=int, default=24)
    p.add_argument("--batches", type=int, default=200)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    table_bytes = args.rows * args.features * 4
    rss0 = _maxrss_bytes()
    tracemalloc.start()
    t0 = time.perf_counter()
    X, y, bounds, usable = make_table(args.rows, args.features, args.series, args.seed)
    t_make = time.perf_counter() - t0

    t0 = time.perf_counter()
    part = TimeSplit().fit_transform(bounds=bounds)
    last = last_observed(y, bounds)
    ds = ForecastWindows(X, y, bounds, args.input_len, args.horizon, part=part, which="train",
                         usable=usable, last_obs=last)
    t_build = time.perf_counter() - t0

    loader = WindowLoader(ds, args.batch_size, shuffle=True, seed=args.seed)
    n_batches = min(args.batches, len(loader))
    checksum = 0.0
    t0 = time.perf_counter()
    batches = iter(loader)
    batch = next(batches)  # the epoch's shuffle happens here
    t_first = time.perf_counter() - t0
    checksum += float(batch["x"][:, -1, 0].sum())  # touch the data
    t0 = time.perf_counter()
    for _ in range(n_batches - 1):
        batch = next(batches)
        checksum += float(batch["x"][:, -1, 0].sum())
    t_iter = time.perf_counter() - t0
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_delta = _maxrss_bytes() - rss0

    eager = len(ds) * args.input_len * args.features * 4
    result = {
        "benchmark": "windows",
        "rows": args.rows, "features": args.features, "series": args.series,
        "input_len": args.input_len, "horizon": args.horizon,
        "batch_size": args.batch_size, "batches": n_batches,
        "n_windows_train": len(ds), "n_dropped": ds.n_dropped,
        "table_mib": round(table_bytes / 2**20, 1),
        "tracemalloc_peak_mib": round(traced_peak / 2**20, 1),
        "tracemalloc_peak": round(traced_peak / table_bytes, 3),
        "rss_peak_delta_mib": round(rss_delta / 2**20, 1),
        "rss_peak_delta": round(rss_delta / table_bytes, 3),
        "target": 2.5,
        "ok": bool(traced_peak <= 2.5 * table_bytes and rss_delta <= 2.5 * table_bytes),
        "eager_windows_gib": round(eager / 2**30, 1),
        "make_s": round(t_make, 2),
        "build_s": round(t_build, 2),
        "first_batch_s": round(t_first, 3),
        "iterate_s": round(t_iter, 3),
        "ms_per_batch": round(1000 * t_iter / max(n_batches - 1, 1), 3),
        "windows_per_s": round((n_batches - 1) * args.batch_size / t_iter) if t_iter else None,
        "checksum": checksum,
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(), "torch": torch.__version__,
        "numpy": np.__version__, "machine": platform.machine(),
    }
    print(f"table: {args.rows:,} rows x {args.features} float32 = {result['table_mib']} MiB "
          f"({args.series} series); {len(ds):,} training windows "
          f"(L={args.input_len}, H={args.horizon}); eager windows would be "
          f"{result['eager_windows_gib']} GiB")
    print(f"build {t_build:.2f} s; first batch (with the epoch's shuffle) {t_first:.3f} s; "
          f"then {n_batches - 1} batches of {args.batch_size} in {t_iter:.3f} s "
          f"({result['ms_per_batch']} ms/batch, {result['windows_per_s']:,} windows/s)")
    print(f"peak memory: tracemalloc {result['tracemalloc_peak_mib']} MiB = "
          f"{result['tracemalloc_peak']}x table; RSS growth {result['rss_peak_delta_mib']} MiB = "
          f"{result['rss_peak_delta']}x table (target <= 2.5x): "
          f"{'OK' if result['ok'] else 'OVER'}")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
