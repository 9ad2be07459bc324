"""Benchmark: SequenceClassifier on PhysioNet 2012 set-a in-hospital mortality.

The protocol of the accuracy panel (benchmarks/bench_accuracy.py, ``run_physionet``):
3996 stays of set-a, 5 seeded stratified splits (64 / 16 / 20 %), 48 h on an hourly
grid, ``seqguard.SequenceClassifier("death", input_len=48, ...)`` fitted with the
validation and test parts given as files of their own (``val_data`` / ``test_data``).
The loaders and the split are imported from bench_accuracy (not copied), so the
numbers are the panel's.

Usage::

    python benchmarks/bench_physionet.py [--splits 0,1,2,3,4] [--threads 1]
        [--epochs N] [--set key=value ...]

``--set`` overrides a SequenceClassifier parameter (``--set pool=mean``), to
measure an alternative against the same protocol; without it the defaults are
measured. The wide tables of a split are cached under ``$TMPDIR`` (Parquet) so that
screening runs skip the 30-s load. The last printed line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_accuracy import (
    load_physionet,
    physionet_wide,
    stratified_split,
)
from bench_beijing import _value


def split_parts(k: int) -> list[pd.DataFrame]:
    """(train, val, test) wide tables of split ``k``, cached as Parquet."""
    cache = Path(tempfile.gettempdir()) / "seqguard_physionet"
    paths = [cache / f"split{k}_{name}.parquet" for name in ("train", "val", "test")]
    if all(p.exists() for p in paths):
        return [pd.read_parquet(p) for p in paths]
    long, labels = load_physionet()
    stays = np.asarray(sorted(set(long["stay"]) & set(labels.index)), dtype=np.int64)
    y = labels.loc[stays].to_numpy()
    parts = [physionet_wide(long, labels, stays[p]) for p in stratified_split(y, seed=k)]
    cache.mkdir(parents=True, exist_ok=True)
    for p, frame in zip(paths, parts):
        frame.to_parquet(p)
    return parts


def run_split(k: int, overrides: dict[str, Any]) -> dict[str, Any]:
    import seqguard

    train, val, test = split_parts(k)
    params: dict[str, Any] = {"input_len": 48, "seed": k, "progress": False,
                              "val_frac": 0.0, "test_frac": 0.0,
                              "read_options": {"time_col": "hours", "series_col": "stay",
                                               "freq": 1.0}}
    params |= overrides
    est = seqguard.SequenceClassifier("death", **params)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(train, val_data=val, test_data=test)
    seconds = time.perf_counter() - t0
    m = est.metrics_["test"]
    h = est.history_
    out = {"split": k, "roc_auc": round(float(m["roc_auc"]), 4),
           "pr_auc": round(float(m["pr_auc"]), 4), "log_loss": round(float(m["log_loss"]), 4),
           "epochs": len(h), "best_epoch": est.budget_["best_epoch"],
           "val_loss": [round(float(v), 4) for v in h["val_loss"]],
           "seconds": round(seconds, 1), "n_features": len(est.feature_names_)}
    if "val_roc_auc" in h.columns:
        out["val_roc_auc"] = [round(float(v), 4) for v in h["val_roc_auc"]]
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--splits", default="0")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (0: torch's)")
    ap.add_argument("--epochs", type=int, default=0, help="maximum epochs (0: the default)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
        os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    overrides = {}
    for item in args.set:
        key, _, value = item.partition("=")
        overrides[key.replace("-", "_")] = _value(value)
    if args.epochs:
        overrides["epochs"] = args.epochs
    runs = []
    for k in [int(x) for x in args.splits.split(",") if x.strip()]:
        r = run_split(k, overrides)
        runs.append(r)
        print(f"split {k}: ROC-AUC {r['roc_auc']:.4f} PR-AUC {r['pr_auc']:.4f} "
              f"(best epoch {r['best_epoch']} of {r['epochs']}, {r['seconds']:.0f} s)",
              flush=True)
    result = {"overrides": overrides, "splits": runs,
              "mean_roc_auc": round(float(np.mean([r["roc_auc"] for r in runs])), 4),
              "mean_pr_auc": round(float(np.mean([r["pr_auc"] for r in runs])), 4)}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
