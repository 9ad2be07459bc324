"""Benchmark: seasonality by default (issue 11, item 1) on seeded synthetic series.

Two series, built here with a fixed seed (no download):

* ``monthly``: 732 months (1960-2020) of ``10·sin(2π·month/12)`` plus Gaussian noise
  (σ = 0.7); 24 months in, 12 out.
* ``weekly``: 520 weeks (10 years) with a linear trend (+0.01 a week), a yearly
  season on the calendar (``3·sin(2π·day of year/365.25)`` plus a second harmonic)
  and noise (σ = 0.5); 52 weeks in, 13 out.

Each series is fitted with these configurations, the same seed and epochs, side by
side in one run:

``before``     ``--head residual:persistence --ar 0`` (the first slice's defaults);
``auto``       ``--head residual:auto --ar 0`` (the head on the best baseline);
``default``    the defaults now: ``--head residual`` (auto) with ``--ar auto`` (the
               linear term on the recent target where the base is seasonal);
``calendar``   the defaults with ``--calendar auto``;
``no_channels`` the defaults without the baseline channels
               (``seqguard.residual_base.USE_CHANNELS``: on by default where the base
               is seasonal).

Printed: test MAE of each, the baselines (persistence, seasonal naive,
climatology), the baseline ``auto`` chose, fit seconds. The last line is JSON.

Usage::

    python benchmarks/bench_seasonal.py [--seeds 0] [--epochs 30] [--only monthly]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

CONFIGS: dict[str, dict[str, Any]] = {
    "before": {"head": "residual:persistence", "ar": 0},
    "auto": {"head": "residual:auto", "ar": 0},
    "default": {},
    "calendar": {"calendar": "auto"},
    "no_channels": {"_channels": False},
}


def monthly(seed: int = 0) -> tuple[pd.DataFrame, dict[str, Any]]:
    rng = np.random.default_rng(seed)
    n = 732
    t = pd.date_range("1960-01-01", periods=n, freq="MS")
    y = 10 * np.sin(2 * np.pi * np.arange(n) / 12) + rng.normal(0, 0.7, n)
    return pd.DataFrame({"time": t, "y": y}), {"input_len": 24, "horizon": 12}


def weekly(seed: int = 0) -> tuple[pd.DataFrame, dict[str, Any]]:
    rng = np.random.default_rng(seed + 1)
    n = 520
    t = pd.date_range("2010-01-03", periods=n, freq="W-SUN")
    doy = 2 * np.pi * t.day_of_year.to_numpy() / 365.25
    y = 0.01 * np.arange(n) + 3 * np.sin(doy) + np.cos(2 * doy) + rng.normal(0, 0.5, n)
    return pd.DataFrame({"time": t, "y": y}), {"input_len": 52, "horizon": 13}


SERIES = {"monthly": monthly, "weekly": weekly}


def run_one(df: pd.DataFrame, protocol: dict[str, Any], config: dict[str, Any], seed: int,
            epochs: int) -> dict[str, Any]:
    import seqguard
    from seqguard import residual_base

    params = {k: v for k, v in config.items() if not k.startswith("_")}
    default_channels = residual_base.USE_CHANNELS
    residual_base.USE_CHANNELS = config.get("_channels", default_channels)
    est = seqguard.Forecaster("y", **protocol, epochs=epochs, seed=seed, progress=False,
                              **params)
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(df)
    finally:
        residual_base.USE_CHANNELS = default_channels
    m = est.metrics_
    spec = getattr(est.pipeline_, "residual_base_", None) or {}
    return {"mae": m["test"]["mae"], "skill_vs_best": m.get("skill_vs_best"),
            "base": spec.get("base", "persistence"), "epochs": len(est.history_),
            "seconds": round(time.perf_counter() - t0, 1),
            "baselines": {k: v["mae"] for k, v in m["baselines"].items()}}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--only", default=",".join(SERIES))
    ap.add_argument("--configs", default=",".join(CONFIGS))
    args = ap.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    out: dict[str, Any] = {}
    for name in args.only.split(","):
        df, protocol = SERIES[name]()
        rows: dict[str, Any] = {}
        for cname in args.configs.split(","):
            runs = [run_one(df, protocol, CONFIGS[cname], s, args.epochs) for s in seeds]
            maes = [r["mae"] for r in runs]
            rows[cname] = {"mae_mean": float(np.mean(maes)), "runs": runs}
            print(f"{name:8s} {cname:9s} MAE {np.mean(maes):.3f} (seeds {maes}) base "
                  f"{runs[0]['base']}, {runs[0]['epochs']} epochs, "
                  f"{runs[0]['seconds']:.0f} s", flush=True)
        base = next(iter(rows.values()))["runs"][0]["baselines"]
        print(f"{name:8s} baselines " + ", ".join(f"{k} {v:.3f}" for k, v in base.items()))
        out[name] = {"protocol": protocol, "configs": rows, "baselines": base}
    print(json.dumps(out, default=str))
    return out


if __name__ == "__main__":
    main()
