"""Benchmark: the out-of-core path on a generated Parquet folder (issue 15, larger than memory).

Generates (seeded, once; reused when already there) a dataset of ``--series`` series
x ``--steps`` hourly steps x ``--features`` features with realistic missingness,
stored as Parquet shards (``--series-per-file`` series per file) under a cache
folder outside the repository (``$SEQGUARD_BENCH_CACHE``, default
``<tmp>/seqguard-bench-scale``). Missingness: every feature has its own rate of
scattered gaps (0-12 %), every series has sensor outages (runs of 6-200 steps where
every feature is missing), 1 % of (series, feature) pairs are dead sensors (all
missing), the target misses 2 % of its values plus its own outages, and 0.5 % of
the rows are absent from the files (the regular grid inserts them).

Then, for each series count of ``--counts`` (the first N series of the folder,
read through a folder of links to their files), each stage runs in a fresh
subprocess that reports its wall time and its own peak RSS
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``):

* ``audit``: :func:`seqguard.audit.streaming.audit_streaming`, shard by shard;
* ``prepare``: :func:`seqguard.io.fit_streaming` (one pass) then
  :func:`seqguard.io.prepare_shards` (a second pass writing the memory-mapped
  arrays) with the default pipeline (``input_len 48``, ``horizon 24``);
* ``train``: one epoch of :func:`seqguard.training.fit_model` over a
  :class:`~seqguard.windows.ShardWindowLoader` (default LSTM, batch 256), **cut to
  ``--train-steps`` batches**: a full epoch over millions of windows takes hours on
  2 CPU cores. The output says so and gives windows/s and the full epoch's windows.

Peak RSS is also given as a multiple of one shard's in-memory size (the pandas frame
of the first shard as read, ``memory_usage(deep=True)``), in all and above the RSS
of the interpreter with the libraries imported (``base_rss_mb``, measured in the
``shard`` stage): it must not grow with the number of series.

The full run writes its figures into docs/benchmarks.md, section "Larger than
memory" (replaced in place between its markers, appended when absent; the rest of
the page is left as it is); ``--quick`` and ``--no-docs`` write nothing.

Usage::

    python benchmarks/bench_scale.py [--quick] [--counts 1000,3000,10000]
        [--train-steps 200] [--shard-rows 1000000] [--no-docs]

``main(argv)`` returns the results as a dict, for ``benchmarks/run_all.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
TARGET = "y"
PIPELINE = {"input_len": 48, "horizon": 24}
FULL = {"series": 10_000, "steps": 2000, "features": 16, "series_per_file": 250,
        "counts": [1000, 3000, 10_000], "shard_rows": 1_000_000, "train_steps": 200,
        "batch_size": 256}
QUICK = {"series": 24, "steps": 300, "features": 4, "series_per_file": 4,
         "counts": [8, 24], "shard_rows": 2400, "train_steps": 5, "batch_size": 64}


# ---------------------------------------------------------------- the dataset
def _cache_root() -> Path:
    return Path(os.environ.get("SEQGUARD_BENCH_CACHE",
                               Path(tempfile.gettempdir()) / "seqguard-bench-scale"))


def _series_frame(rng: np.random.Generator, name: str, steps: int,
                  features: int) -> Any:
    """One series: daily-seasonal AR(1) features, a target driven by them, the gaps."""
    import pandas as pd

    t = np.arange(steps)
    noise = rng.normal(size=(steps, features))
    x = np.empty((steps, features))
    x[0] = noise[0]
    for i in range(1, steps):  # AR(1), phi 0.9
        x[i] = 0.9 * x[i - 1] + noise[i]
    level = rng.normal(size=features) * [10.0 ** (j % 4) for j in range(features)]
    x = x * (1 + np.arange(features) % 3) + level + 3 * np.sin(2 * np.pi * t / 24)[:, None]
    w = rng.normal(size=features) / np.sqrt(features)
    y = x[:, :features] @ w * 0.1 + 5 * np.sin(2 * np.pi * (t + rng.integers(24)) / 24) \
        + rng.normal(size=steps)
    rates = np.linspace(0.0, 0.12, features)
    x[rng.random((steps, features)) < rates] = np.nan
    for _ in range(int(rng.integers(1, 4))):  # outages: every feature missing
        a = int(rng.integers(0, steps))
        x[a:a + int(rng.integers(6, 200))] = np.nan
    dead = rng.random(features) < 0.01
    x[:, dead] = np.nan
    y[rng.random(steps) < 0.02] = np.nan
    a = int(rng.integers(0, steps))
    y[a:a + int(rng.integers(6, 48))] = np.nan
    frame = pd.DataFrame(x.astype(np.float32), columns=[f"x{j:02d}" for j in range(features)])
    frame.insert(0, "time", pd.date_range("2020-01-01", periods=steps, freq="h"))
    frame.insert(0, "series", name)
    frame[TARGET] = y
    keep = rng.random(steps) >= 0.005  # absent rows: the grid inserts them
    keep[0] = keep[-1] = True
    return frame[keep]


def generate(root: Path, *, series: int, steps: int, features: int,
             series_per_file: int, seed: int = 0) -> Path:
    """Write the dataset under ``root`` (reused when its marker is there)."""
    import pandas as pd

    folder = root / f"data-{series}x{steps}x{features}-{series_per_file}-s{seed}"
    if (folder / "_DONE").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for f, a in enumerate(range(0, series, series_per_file)):
        rng = np.random.default_rng([seed, f])
        names = [f"s{k:05d}" for k in range(a, min(a + series_per_file, series))]
        frame = pd.concat([_series_frame(rng, n, steps, features) for n in names])
        frame.to_parquet(folder / f"part-{f:04d}.parquet", index=False)
    (folder / "_DONE").write_text("complete\n")
    return folder


def subset(folder: Path, n_series: int, series_per_file: int) -> Path:
    """A folder of links to the files of the first ``n_series`` series."""
    out = folder.parent / f"{folder.name}-first{n_series}"
    if out.exists():
        return out
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    files = sorted(folder.glob("part-*.parquet"))[:-(-n_series // series_per_file)]
    for f in files:
        (tmp / f.name).symlink_to(f)
    os.replace(tmp, out)
    return out


# ---------------------------------------------------------------- the stages
def _dataset(folder: Path, shard_rows: int) -> Any:
    from seqguard.io import ParquetDataset

    return ParquetDataset(folder, series_col="series", time_col="time", target=TARGET,
                          shard_rows=shard_rows)


def _shard_mb(data: Any) -> float:
    """The in-memory size of the first shard's frame as read (MB)."""
    table = data.read_series(data.shards[0])
    return float(table.frame.memory_usage(deep=True).sum()) / 2**20


def stage(name: str, folder: Path, work: Path, *, shard_rows: int, train_steps: int,
          batch_size: int) -> dict[str, Any]:
    """Run one stage here; its figures (wall time measured by the caller)."""
    warnings.simplefilter("ignore")
    data = _dataset(folder, shard_rows)
    out: dict[str, Any] = {"n_series": len(data.series_names), "n_rows": data.n_rows,
                           "n_shards": len(data.shards)}
    if name == "shard":  # also the RSS of the interpreter and the libraries alone
        import seqguard.audit.streaming
        import seqguard.io.shard_cache
        import seqguard.training  # noqa: F401

        out["base_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out["shard_mb"] = _shard_mb(data)
    elif name == "audit":
        from seqguard.audit.streaming import audit_streaming

        report = audit_streaming(data, TARGET)
        out["findings"] = len(report)
        out["codes"] = report.codes()
    elif name == "prepare":
        from seqguard.io import fit_streaming, prepare_shards
        from seqguard.pipeline import Pipeline

        t0 = time.perf_counter()
        pipe = fit_streaming(Pipeline(TARGET, **PIPELINE), data)
        out["fit_s"] = time.perf_counter() - t0
        shutil.rmtree(work / "shards", ignore_errors=True)
        shards = prepare_shards(pipe, data, work / "shards")
        out["write_s"] = time.perf_counter() - t0 - out["fit_s"]
        out["n_windows"] = shards.meta["n_windows"]
        out["n_features"] = len(pipe.feature_names_)
        (work / "pipeline.json").write_text(json.dumps(pipe.to_dict()))
    elif name == "train":
        out.update(_train(work, train_steps, batch_size))
    else:
        raise ValueError(f"unknown stage {name!r}")
    return out


class _FirstBatches:
    """The first ``n`` batches of a loader, as a loader (a documented partial epoch)."""

    def __init__(self, loader: Any, n: int) -> None:
        self.loader, self.n = loader, min(int(n), len(loader))
        self.dataset = list(range(self.n * loader.batch_size))
        self.batch_size = loader.batch_size

    def set_epoch(self, epoch: int) -> None:
        self.loader.set_epoch(epoch)

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Any:
        for i, batch in enumerate(self.loader):
            if i >= self.n:
                break
            yield batch


def _train(work: Path, steps: int, batch_size: int) -> dict[str, Any]:
    from seqguard.models import SequenceModel
    from seqguard.training import fit_model
    from seqguard.windows import ShardSet, ShardWindowLoader

    shards = ShardSet(work / "shards")
    train = ShardWindowLoader(shards, "train", batch_size=batch_size, shuffle=True, seed=0)
    part = _FirstBatches(train, steps)
    meta = shards.meta
    model = SequenceModel(len(meta["feature_names"]), task="forecast",
                          horizon=int(meta["horizon"]))
    t0 = time.perf_counter()
    fit_model(model, part, None, epochs=1, accelerator="cpu", devices=1, progress=False)
    wall = time.perf_counter() - t0
    windows = part.n * batch_size
    return {"train_batches": part.n, "batches_per_epoch": len(train),
            "train_windows": windows, "epoch_windows": train.n_windows,
            "windows_per_s": windows / wall, "partial_epoch": part.n < len(train)}


def _run_stage(name: str, folder: Path, work: Path, cfg: dict[str, Any]) -> dict[str, Any]:
    """One stage in a fresh process: its figures, wall time and own peak RSS (MB)."""
    cmd = [sys.executable, __file__, "--stage", name, "--data", str(folder),
           "--work", str(work), "--shard-rows", str(cfg["shard_rows"]),
           "--train-steps", str(cfg["train_steps"]), "--batch-size", str(cfg["batch_size"])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(HERE.parent / "src"), os.environ.get("PYTHONPATH", "")])}
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - t0
    if done.returncode:
        raise RuntimeError(f"stage {name} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = wall
    return result


def _child(args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    out = stage(args.stage, Path(args.data), Path(args.work), shard_rows=args.shard_rows,
                train_steps=args.train_steps, batch_size=args.batch_size)
    out["stage_s"] = time.perf_counter() - t0
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out, default=str))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a tiny smoke run")
    p.add_argument("--counts", help="series counts, e.g. 1000,3000,10000")
    p.add_argument("--train-steps", type=int)
    p.add_argument("--shard-rows", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    p.add_argument("--stage", help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--work", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.stage:
        _child(args)
        return {}
    cfg = dict(QUICK if args.quick else FULL)
    if args.counts:
        cfg["counts"] = [int(c) for c in args.counts.split(",")]
    for key in ("train_steps", "shard_rows", "batch_size"):
        if getattr(args, key) is not None:
            cfg[key] = getattr(args, key)
    cfg["series"] = max(cfg["series"], *cfg["counts"])
    t0 = time.perf_counter()
    folder = generate(_cache_root(), series=cfg["series"], steps=cfg["steps"],
                      features=cfg["features"], series_per_file=cfg["series_per_file"])
    results: dict[str, Any] = {"config": cfg, "data": str(folder),
                               "generate_s": time.perf_counter() - t0, "by_series": {}}
    print(f"dataset: {folder} ({cfg['series']} series x {cfg['steps']} steps x "
          f"{cfg['features']} features; {results['generate_s']:.0f} s)", flush=True)
    for n in cfg["counts"]:
        sub = subset(folder, n, cfg["series_per_file"])
        work = Path(tempfile.mkdtemp(prefix="bench-scale-", dir=_cache_root()))
        try:
            row = {s: _run_stage(s, sub, work, cfg)
                   for s in ("shard", "audit", "prepare", "train")}
        finally:
            shutil.rmtree(work, ignore_errors=True)
        shard, base = row["shard"]["shard_mb"], row["shard"]["base_rss_mb"]
        for s in ("audit", "prepare", "train"):
            row[s]["rss_per_shard"] = row[s]["peak_rss_mb"] / shard
            row[s]["above_base_per_shard"] = (row[s]["peak_rss_mb"] - base) / shard
        results["by_series"][n] = row
        tr = row["train"]
        print(f"{n} series ({row['shard']['n_rows']} rows, {row['shard']['n_shards']} shards "
              f"of {shard:.0f} MB): audit {row['audit']['wall_s']:.1f} s / "
              f"{row['audit']['peak_rss_mb']:.0f} MB ({row['audit']['rss_per_shard']:.1f}x); "
              f"prepare {row['prepare']['wall_s']:.1f} s / {row['prepare']['peak_rss_mb']:.0f} "
              f"MB ({row['prepare']['rss_per_shard']:.1f}x); train {tr['wall_s']:.1f} s / "
              f"{tr['peak_rss_mb']:.0f} MB ({tr['rss_per_shard']:.1f}x), "
              f"{tr['train_batches']} of {tr['batches_per_epoch']} batches of the epoch"
              f"{' (partial epoch: --train-steps)' if tr['partial_epoch'] else ''}, "
              f"{tr['windows_per_s']:.0f} windows/s; the libraries alone {base:.0f} MB",
              flush=True)
    if not (args.quick or args.no_docs):
        update_docs(HERE.parent / "docs" / "benchmarks.md", render(results))
        print("wrote the 'Larger than memory' section of docs/benchmarks.md")
    return results


# ---------------------------------------------------------------- docs/benchmarks.md
START, END = "<!-- bench_scale.py: start -->", "<!-- bench_scale.py: end -->"


def render(res: dict[str, Any]) -> str:
    """The markdown section of the results."""
    cfg = res["config"]
    rows = res["by_series"]
    first = next(iter(rows.values()))
    lines = [
        START, "## Larger than memory (out of core, issue 15)", "",
        (f"`benchmarks/bench_scale.py`: a generated dataset of {cfg['series']:,} series x "
        f"{cfg['steps']:,} hourly steps x {cfg['features']} features plus the target, with "
        "realistic missingness (per-feature gaps of 0-12 %, outages of 6-200 steps where "
        "every feature is missing, 1 % dead sensors, 2 % of the target plus its own "
        "outage, 0.5 % of the rows absent), stored as Parquet files of "
        f"{cfg['series_per_file']} series. Shards of at most {cfg['shard_rows']:,} input "
        f"rows ({cfg['shard_rows'] // cfg['steps']} series); one shard as read is "
        f"{first['shard']['shard_mb']:.0f} MB in memory. Each stage runs in a fresh "
        "process on 2 shared CPU cores; peak RSS is the process's own "
        f"(`ru_maxrss`); the interpreter with the libraries imported is "
        f"{first['shard']['base_rss_mb']:.0f} MB of it. Default pipeline, input_len "
        f"{PIPELINE['input_len']}, horizon {PIPELINE['horizon']}."), "",
        ("| series | rows | shards | audit s | audit MB (x shard) | prepare s (fit + write) "
        "| prepare MB (x shard) | prepare above the libraries (x shard) | train s "
        "| train MB (x shard) | windows/s |"),
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, r in rows.items():
        a, p, t = r["audit"], r["prepare"], r["train"]
        lines.append(
            f"| {int(n):,} | {r['shard']['n_rows']:,} | {r['shard']['n_shards']} | "
            f"{a['wall_s']:.0f} | {a['peak_rss_mb']:.0f} ({a['rss_per_shard']:.1f}x) | "
            f"{p['wall_s']:.0f} ({p['fit_s']:.0f} + {p['write_s']:.0f}) | "
            f"{p['peak_rss_mb']:.0f} ({p['rss_per_shard']:.1f}x) | "
            f"{p['peak_rss_mb'] - r['shard']['base_rss_mb']:.0f} "
            f"({p['above_base_per_shard']:.1f}x) | {t['wall_s']:.0f} | "
            f"{t['peak_rss_mb']:.0f} ({t['rss_per_shard']:.1f}x) | "
            f"{t['windows_per_s']:.0f} |")
    last = rows[max(rows, key=int)]["train"]
    lines += [
        "",
        (f"**The training epoch is cut to {cfg['train_steps']} batches of "
        f"{cfg['batch_size']}** ({last['train_windows']:,} windows): the full epoch at "
        f"{int(max(rows, key=int)):,} series is {last['epoch_windows']:,} training windows "
        f"({last['batches_per_epoch']:,} batches), about "
        f"{last['epoch_windows'] / last['windows_per_s'] / 3600:.1f} h on 2 CPU cores at "
        "the rate measured. The train time includes Lightning's start-up; windows/s is over the "
        "whole call. The cores are shared with other jobs, so the wall times (the training "
        "rate most) move with their load; the memory figures do not. Peak memory does not grow with the number of series: it is set by "
        "one shard (audit, preparation) or by the two shards of the loader's buffer "
        "(training). See docs/out-of-core.md for what to expect."), END]
    return "\n".join(lines) + "\n"


def update_docs(path: Path, section: str) -> None:
    """Replace the section between its markers in ``path``, or append it."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + section.rstrip("\n") + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
