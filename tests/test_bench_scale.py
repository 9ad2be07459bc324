"""The scale benchmark's generator and stages on a tiny size (CI catches breakage; nothing
is timed here: the figures come from benchmarks/bench_scale.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "benchmarks" /
                                                  "bench_scale.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_generator_and_stages_on_a_tiny_dataset(tmp_path):
    bench = _bench()
    folder = bench.generate(tmp_path, series=6, steps=160, features=3, series_per_file=2)
    again = bench.generate(tmp_path, series=6, steps=160, features=3, series_per_file=2)
    assert again == folder and len(list(folder.glob("part-*.parquet"))) == 3
    frame = pd.read_parquet(folder)
    assert frame["series"].nunique() == 6 and len(frame) < 6 * 160  # absent rows
    x = frame[[f"x{j:02d}" for j in range(3)]].to_numpy()
    assert 0 < np.isnan(x).mean() < 0.9 and frame["y"].isna().any()
    sub = bench.subset(folder, 4, 2)
    assert sorted(p.name for p in sub.iterdir()) == ["part-0000.parquet", "part-0001.parquet"]
    opts = {"shard_rows": 320, "train_steps": 2, "batch_size": 16}
    work = tmp_path / "work"
    work.mkdir()
    shard = bench.stage("shard", sub, work, **opts)
    assert shard["n_series"] == 4 and shard["n_shards"] == 2 and shard["shard_mb"] > 0
    assert bench.stage("audit", sub, work, **opts)["findings"] > 0
    prepared = bench.stage("prepare", sub, work, **opts)
    assert prepared["n_windows"]["train"] > 0 and (work / "shards" / "shards.json").exists()
    trained = bench.stage("train", sub, work, **opts)
    assert trained["train_batches"] == 2 and trained["partial_epoch"]
    assert trained["epoch_windows"] == prepared["n_windows"]["train"]

    # the docs section: rendered from the stages' figures, replaced in place, rest kept
    row = {"shard": {**shard, "base_rss_mb": 500.0}}
    for name, figures in (("audit", {}), ("prepare", prepared), ("train", trained)):
        row[name] = {**figures, "wall_s": 1.0, "peak_rss_mb": 600.0, "rss_per_shard": 2.0,
                      "above_base_per_shard": 1.0}
    results = {"config": {**bench.QUICK, "series": 6, "steps": 160, "series_per_file": 2,
                          "shard_rows": 320, "train_steps": 2, "batch_size": 16},
               "by_series": {"4": row}}
    page = tmp_path / "benchmarks.md"
    page.write_text("# Accuracy panel\n\nkept\n")
    bench.update_docs(page, bench.render(results))
    bench.update_docs(page, bench.render(results))
    text = page.read_text()
    assert text.startswith("# Accuracy panel\n\nkept\n") and text.count(bench.START) == 1
    assert "| 4 |" in text and "cut to 2 batches of 16" in text
