"""Benchmark: seqguard's defaults against variants of one option, on the panel's data.

For each forecasting dataset of ``bench_accuracy.FORECASTS`` (its loader and
protocol: input length, horizon, cut dates) and each variant, a
:class:`seqguard.Forecaster` is fitted with the protocol plus the variant's
overrides, one seed at a time; the test MAE, the best baseline, the epochs and the
fit time are printed, and the last line is JSON. Used for docs/normalisation.md
(``--variant revin:norm=revin``) and docs/ensemble.md (``--variant k3:ensemble=3``).

``seattle_weather`` is the held-out dataset: report it, choose nothing by it.

Usage::

    python benchmarks/bench_variants.py --only sunspots,stocks --seeds 0 \\
        --variant none: --variant revin:norm=revin [--threads 1] [--epochs N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_accuracy import FORECASTS, HOLDOUT, _read_options
from bench_beijing import _value


def _variant(text: str) -> tuple[str, dict[str, Any]]:
    name, _, rest = text.partition(":")
    over = {}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        over[key.strip().replace("-", "_")] = _value(value.strip())
    return name or "defaults", over


def run(ds: Any, df: Any, seed: int, overrides: dict[str, Any]) -> dict[str, Any]:
    import seqguard

    params: dict[str, Any] = {"input_len": ds.input_len, "horizon": ds.horizon,
                              "val_start": ds.val_start, "test_start": ds.test_start,
                              "seed": seed, "progress": False,
                              "read_options": _read_options(ds)} | overrides
    est = seqguard.Forecaster(ds.target, **params)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(df)
    seconds = time.perf_counter() - t0
    m = est.metrics_
    out = {"seed": seed, "mae": m["test"]["mae"], "best_baseline": m["best_baseline"],
           "best_baseline_mae": m["baselines"][m["best_baseline"]]["mae"],
           "epochs": len(est.history_), "best_epoch": est.budget_.get("best_epoch"),
           "seconds": round(seconds, 1)}
    if "ensemble" in m:
        out["members_mae"] = [r["test"]["mae"] for r in m["ensemble"]["members"]]
        out["members_seconds"] = [r["fit_seconds"] for r in m["ensemble"]["members"]]
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    import torch

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="sunspots,stocks,temps")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--variant", action="append", default=[],
                    help="NAME:key=value,key=value (NAME: alone = the defaults)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=0)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    variants = [_variant(v) for v in (args.variant or ["defaults:"])]
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    wanted = [n.strip() for n in args.only.split(",") if n.strip()]
    result: dict[str, Any] = {"variants": dict(variants), "datasets": {}}
    for ds in [d for d in FORECASTS if d.name in wanted]:
        df = ds.load(False)
        rows: dict[str, Any] = {}
        for name, over in variants:
            if args.epochs:
                over = {**over, "epochs": args.epochs}
            runs = [run(ds, df, s, over) for s in seeds]
            rows[name] = {"runs": runs, "mae_mean": float(np.mean([r["mae"] for r in runs])),
                          "seconds_mean": float(np.mean([r["seconds"] for r in runs]))}
            for r in runs:
                extra = f", members {[round(v, 4) for v in r['members_mae']]}" \
                    if "members_mae" in r else ""
                print(f"{ds.name}{' (held out)' if ds.name == HOLDOUT else ''} {name} "
                      f"seed {r['seed']}: test MAE {r['mae']:.4f} (best baseline "
                      f"{r['best_baseline']} {r['best_baseline_mae']:.4f}), {r['epochs']} "
                      f"epochs (best {r['best_epoch']}), {r['seconds']:.0f} s{extra}",
                      flush=True)
        result["datasets"][ds.name] = rows
    print(json.dumps(result, default=str))
    return result


if __name__ == "__main__":
    main()
