"""The accuracy panel: seqguard's defaults against baselines and peers on real data.

Every dataset is real and local (no download at run time): Beijing PM2.5 and
PhysioNet 2012 set-a from ``$SEQGUARD_DATA`` (../shared/data, read in place), and
the files that the PyPI packages of the ``bench`` extra ship (``vega_datasets``'
local data, ``pmdarima``'s sunspots). The script writes docs/benchmarks.md.

Protocol, the same for every forecasting dataset:

* Chronological cut dates per dataset (``DATASETS``, printed in the page): train
  before ``val_start``, validate until ``test_start``, test after. A window belongs
  to the part that holds all its targets; inputs may look back into earlier parts.
* seqguard's defaults through its public API (``seqguard.Forecaster`` with only the
  protocol given: columns, input length, horizon, cut dates), seeds 0-2, fit time.
* Persistence, seasonal naive and climatology are seqguard's own baselines from
  ``metrics_`` (``best_baseline`` / ``skill_vs_best``).
* LightGBM (one L1 model per horizon on lag, rolling and calendar features, early
  stopping on the validation part) and statsforecast's AutoETS (fitted on the
  history before the test part, then run forward from every test origin without
  refitting) forecast from the very origins of seqguard's test windows
  (``Forecaster.predict``), and every row is scored on the same cells: observed
  targets, original units, MAE pooled over all (window, step) cells as
  ``metrics_["test"]["mae"]``.
* Beijing also runs ../shared/reference/lstm_reference.py and gbm_peer.py as
  subprocesses (their code is not copied here), and keeps DESIGN.md's recipe rows.
* PhysioNet: 5 seeded stratified splits of the stays (64 / 16 / 20 %), the same
  for ``seqguard.SequenceClassifier`` (given ``val_data`` / ``test_data``) and for
  LightGBM on per-stay aggregates (last / min / max / mean / count per variable).

``seattle_weather`` is kept out of every tuning loop: it is reported separately.

Usage::

    python benchmarks/bench_accuracy.py [--quick] [--only NAME,NAME] [--out FILE]

``--quick`` (for development) runs seed 0 only, caps training at 3 epochs, trains
on a shorter span where a dataset is large, runs one PhysioNet split and fewer
LightGBM trees; the page says so in its title. ``main(argv)`` returns the results.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import re
import subprocess
import sys
import tarfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HOLDOUT = "seattle_weather"


def data_root() -> Path:
    """The shared data folder: ``$SEQGUARD_DATA``, else ../shared/data beside the project."""
    return Path(os.environ.get("SEQGUARD_DATA", ROOT.parent / "shared" / "data"))


def reference_root() -> Path:
    return data_root().parent / "reference"


# ---------------------------------------------------------------- pure helpers
def mae(pred: np.ndarray, truth: np.ndarray) -> float:
    """MAE over the observed cells of ``truth`` (NaN = missing), pooled over all cells."""
    pred = np.asarray(pred, dtype=np.float64)
    truth = np.asarray(truth, dtype=np.float64)
    obs = np.isfinite(truth)
    if not obs.any():
        return float("nan")
    if not np.isfinite(pred[obs]).all():
        raise ValueError("non-finite prediction at an observed target")
    return float(np.abs(pred[obs] - truth[obs]).mean())


def skill(score: float, reference: float) -> float:
    """``1 - score / reference``: positive when ``score`` (an error) is lower."""
    return float(1.0 - score / reference) if reference else float("nan")


def spread(values: list[float], signed: bool = False) -> str:
    """``mean ± half-range`` of a few seed results, or the value alone for one.

    Examples
    --------
    >>> spread([1.0, 2.0, 3.0]), spread([0.25], signed=True)
    ('2 ± 1', '+0.250')
    """
    v = np.asarray(values, dtype=np.float64)
    mid = f"{v.mean():+.3f}" if signed else f"{v.mean():.4g}"
    if len(v) == 1:
        return mid
    return f"{mid} ± {(v.max() - v.min()) / 2:.2g}"


def lag_features(y: np.ndarray, origins: np.ndarray, lags: int,
                 windows: tuple[int, ...]) -> dict[str, np.ndarray]:
    """Past-only features at each origin row ``i`` (the last input row) of one series.

    ``lag_k`` is ``y[i - k]`` for ``k = 0 .. lags-1``; ``mean_w`` / ``std_w`` the
    NaN-aware mean and std of ``y[i-w+1 .. i]``; ``last`` the last observed value at
    or before ``i`` and ``age`` how many rows ago it was (``lags`` + 1 when none in
    the last ``lags`` rows). Rows before the start of ``y`` are NaN.

    Examples
    --------
    >>> f = lag_features(np.array([1.0, 2.0, np.nan, 4.0]), np.array([2, 3]), 2, (2,))
    >>> f["lag_0"].tolist(), f["lag_1"].tolist(), f["last"].tolist(), f["age"].tolist()
    ([nan, 4.0], [2.0, nan], [2.0, 4.0], [1, 0])
    >>> f["mean_2"].tolist()
    [2.0, 4.0]
    """
    y = np.asarray(y, dtype=np.float64)
    origins = np.asarray(origins, dtype=np.int64)
    depth = max(lags, *windows) if windows else lags
    pad = np.concatenate([np.full(depth, np.nan), y])
    idx = origins[:, None] + depth - np.arange(depth)[None, :]  # col k = y[i - k]
    win = pad[idx]
    out: dict[str, np.ndarray] = {f"lag_{k}": win[:, k] for k in range(lags)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for w in windows:
            out[f"mean_{w}"] = np.nanmean(win[:, :w], axis=1)
            out[f"std_{w}"] = np.nanstd(win[:, :w], axis=1)
    obs = np.isfinite(win[:, :lags])
    first = np.argmax(obs, axis=1)
    anyobs = obs.any(axis=1)
    out["last"] = np.where(anyobs, win[np.arange(len(win)), first], np.nan)
    out["age"] = np.where(anyobs, first, lags + 1)
    return out


def calendar_features(times: pd.Series | pd.DatetimeIndex, freq: str) -> dict[str, np.ndarray]:
    """Calendar of the forecast step: hour (sub-daily), day of week (daily and
    finer), month and day of year (finer than monthly), month (monthly)."""
    t = pd.DatetimeIndex(times)
    out: dict[str, np.ndarray] = {}
    if freq in ("h", "H"):
        out["hour"] = t.hour.to_numpy()
    if freq in ("h", "H", "D"):
        out["dow"] = t.day_of_week.to_numpy()
        out["doy"] = t.day_of_year.to_numpy()
    out["month"] = t.month.to_numpy()
    return out


def stratified_split(labels: np.ndarray, seed: int, test: float = 0.2,
                     val: float = 0.2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices (train, val, test): ``test`` of each class to test, then ``val`` of the
    rest to validation, shuffled with ``seed``; sorted within each part.

    Examples
    --------
    >>> tr, va, te = stratified_split(np.array([0] * 80 + [1] * 20), seed=0)
    >>> len(tr), len(va), len(te), int(np.array([0] * 80 + [1] * 20)[te].sum())
    (64, 16, 20, 4)
    """
    rng = np.random.default_rng(seed)
    parts: list[list[int]] = [[], [], []]
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        n_te = round(test * len(idx))
        n_va = round(val * (len(idx) - n_te))
        parts[2] += idx[:n_te].tolist()
        parts[1] += idx[n_te:n_te + n_va].tolist()
        parts[0] += idx[n_te + n_va:].tolist()
    tr, va, te = (np.sort(np.asarray(p, dtype=np.int64)) for p in parts)
    return tr, va, te


# ------------------------------------------------------------------ datasets
@dataclass
class Forecast:
    """One forecasting dataset of the panel and its protocol."""

    name: str
    title: str
    load: Callable[[bool], pd.DataFrame]
    target: str
    input_len: int
    horizon: int
    val_start: str
    test_start: str
    freq: str  # the grid (for calendar features of the peers)
    time_col: str = "time"
    series_col: str | None = None
    categorical: tuple[str, ...] = ()
    univariate: bool = False
    source: str = ""
    quick_start: str | None = None  # --quick: training starts here
    note: str = ""
    read_options: dict[str, Any] = field(default_factory=dict)


def _vega(name: str) -> pd.DataFrame:
    from vega_datasets import local_data

    return getattr(local_data, name.replace("-", "_"))()


def load_beijing(quick: bool) -> pd.DataFrame:
    path = data_root() / "beijing_pm25" / "PRSA_data_2010.1.1-2014.12.31.csv.gz"
    df = pd.read_csv(path)
    df.insert(0, "time", pd.to_datetime(df[["year", "month", "day", "hour"]]))
    return df[["time", "pm2.5", "DEWP", "TEMP", "PRES", "cbwd", "Iws", "Is", "Ir"]]


def load_temps(quick: bool) -> pd.DataFrame:
    parts = []
    for city, name in (("seattle", "seattle-temps"), ("san_francisco", "sf-temps")):
        d = _vega(name).rename(columns={"date": "time"})
        d.insert(0, "city", city)
        parts.append(d[["city", "time", "temp"]])
    return pd.concat(parts, ignore_index=True)


def load_weather(quick: bool) -> pd.DataFrame:
    d = _vega("seattle-weather").rename(columns={"date": "time"})
    return d[["time", "temp_max", "temp_min", "precipitation", "wind", "weather"]]


def load_sunspots(quick: bool) -> pd.DataFrame:
    from pmdarima.datasets import load_sunspots as sun

    s = sun(as_series=True)
    time_index = pd.date_range("1749-01-01", periods=len(s), freq="MS")
    return pd.DataFrame({"time": time_index, "sunspots": s.to_numpy(dtype=np.float64)})


def load_stocks(quick: bool) -> pd.DataFrame:
    d = _vega("stocks").rename(columns={"date": "time"})
    d["time"] = pd.to_datetime(d["time"])
    return d[["symbol", "time", "price"]]


FORECASTS: list[Forecast] = [
    Forecast("beijing_a", "Beijing PM2.5, Task A (48 h in, 24 h out)", load_beijing, "pm2.5",
             48, 24, "2013-01-01", "2014-01-01", "h", categorical=("cbwd",),
             source="UCI Beijing PM2.5 (Liang et al. 2015), CC BY 4.0",
             quick_start="2012-01-01", note="train 2010-2012, val 2013, test 2014"),
    Forecast("beijing_b", "Beijing PM2.5, Task B (48 h in, 1 h out)", load_beijing, "pm2.5",
             48, 1, "2013-01-01", "2014-01-01", "h", categorical=("cbwd",),
             source="UCI Beijing PM2.5 (Liang et al. 2015), CC BY 4.0",
             quick_start="2012-01-01", note="train 2010-2012, val 2013, test 2014"),
    Forecast("temps", "Hourly temperature, Seattle + San Francisco, one global model "
             "(72 h in, 24 h out)", load_temps, "temp", 72, 24, "2010-09-01",
             "2010-11-01", "h", series_col="city", univariate=True,
             source="vega_datasets seattle-temps, sf-temps (NOAA, 2010)",
             quick_start="2010-05-01",
             note="2010 hourly: train Jan-Aug, val Sep-Oct, test Nov-Dec, each city"),
    Forecast("seattle_weather", "Daily Seattle weather, target temp_max (28 d in, 7 d out)",
             load_weather, "temp_max", 28, 7, "2014-07-01", "2015-01-01", "D",
             categorical=("weather",),
             source="vega_datasets seattle-weather (NOAA, 2012-2015)",
             note="train 2012-01 .. 2014-06, val 2014-07 .. 2014-12, test 2015"),
    Forecast("sunspots", "Monthly sunspots (120 months in, 12 out)", load_sunspots,
             "sunspots", 120, 12, "1920-01-01", "1950-01-01", "MS", univariate=True,
             source="pmdarima load_sunspots (SIDC monthly means, 1749-1983)",
             note="train 1749-1919, val 1920-1949, test 1950-1983"),
    Forecast("stocks", "Monthly prices of 5 stocks, one global model (12 months in, 3 out)",
             load_stocks, "price", 12, 3, "2007-01-01", "2008-07-01", "MS",
             series_col="symbol", univariate=True,
             source="vega_datasets stocks (AAPL, AMZN, GOOG, IBM, MSFT, 2000-2010)",
             note="train to 2006-12, val 2007-01 .. 2008-06, test 2008-07 .. 2010-03"),
]


# --------------------------------------------------------- seqguard defaults
def _read_options(ds: Forecast) -> dict[str, Any]:
    ro: dict[str, Any] = {"time_col": ds.time_col}
    if ds.series_col:
        ro["series_col"] = ds.series_col
    if ds.categorical:
        ro["categorical"] = list(ds.categorical)
    return ro | ds.read_options


def _test_frame(frame: pd.DataFrame, test_start: str, horizon: int
                ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The test windows of a ``predict`` frame: (series, origin) of each window whose
    first target is at or after ``test_start``, with (n, H) predictions and targets."""
    first = frame[frame["horizon"] == 1]
    keep = first.loc[pd.DatetimeIndex(first["time"]) >= pd.Timestamp(test_start),
                     ["series", "origin"]]
    sub = frame.merge(keep, on=["series", "origin"])
    sub = sub.sort_values(["series", "origin", "horizon"])
    n = len(keep)
    pred = sub["prediction"].to_numpy(np.float64).reshape(n, horizon)
    truth = sub["observed"].to_numpy(np.float64).reshape(n, horizon)
    keys = sub[sub["horizon"] == 1][["series", "origin"]].reset_index(drop=True)
    return keys, pred, truth


def run_defaults(ds: Forecast, df: pd.DataFrame, seed: int, quick: bool,
                 overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Fit seqguard's defaults on ``df`` (with ``overrides``, ``--set``: an alternative
    to compare); scores, fit time and the test windows."""
    import seqguard
    from seqguard.metrics import verdict_lines

    params: dict[str, Any] = {"input_len": ds.input_len, "horizon": ds.horizon,
                              "val_start": ds.val_start, "test_start": ds.test_start,
                              "seed": seed, "progress": False,
                              "read_options": _read_options(ds)}
    if quick:
        params["epochs"] = 3
    params.update(overrides or {})
    est = seqguard.Forecaster(ds.target, **params)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(df)
        seconds = time.perf_counter() - t0
        frame = est.predict(df)
    m = est.metrics_
    keys, pred, truth = _test_frame(frame, ds.test_start, ds.horizon)
    check = mae(pred, truth)
    if not np.isclose(check, m["test"]["mae"], rtol=1e-6):
        raise RuntimeError(f"{ds.name}: the test windows of predict() score {check:.6g}, "
                           f"metrics_ says {m['test']['mae']:.6g}; the panel would not "
                           "compare like with like.")
    return {"seed": seed, "mae": m["test"]["mae"], "rmse": m["test"]["rmse"],
            "by_horizon": [b["mae"] for b in m["test"]["by_horizon"]],
            "baselines": {k: v["mae"] for k, v in m["baselines"].items()},
            "season": m["baselines"]["seasonal_naive"].get("season"),
            "best_baseline": m["best_baseline"], "skill_vs_best": m["skill_vs_best"],
            "verdict": verdict_lines(m, est.get_params()),
            "epochs": len(est.history_), "best_epoch": est.budget_.get("best_epoch"),
            "n_windows": m["n_windows"], "guard_events": m["guard_events"],
            "seconds": round(seconds, 1), "keys": keys, "pred": pred, "truth": truth}


# ------------------------------------------------------------------- peers
def _grid(ds: Forecast, df: pd.DataFrame) -> tuple[list[str], list[pd.DataFrame]]:
    """Each series on seqguard's regular grid (the rows its windows see)."""
    import seqguard

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = seqguard.read(df, target=ds.target, **_read_options(ds))
    names = [str(n) for n in table.series_names()]
    b = table.series_bounds()
    frame = table.frame.rename(columns={table.time_col: "time"})
    return names, [frame.iloc[b[k]:b[k + 1]].reset_index(drop=True) for k in range(len(names))]


def _origin_rows(series: pd.DataFrame, origins: pd.Series) -> np.ndarray:
    pos = pd.Index(pd.DatetimeIndex(series["time"])).get_indexer(pd.DatetimeIndex(origins))
    if (pos < 0).any():
        raise RuntimeError("a test origin is not on the grid")
    return pos.astype(np.int64)


def lightgbm_peer(ds: Forecast, df: pd.DataFrame, keys: pd.DataFrame, quick: bool,
                  season: int) -> tuple[np.ndarray, np.ndarray, float]:
    """One L1 LightGBM model per horizon step, predicting the change from the last
    observed target, from the test origins ``keys``. Returns the (n, H) predictions,
    the last observed target at each origin (persistence, as a check that the origins
    line up with seqguard's) and the seconds."""
    import lightgbm as lgb

    t0 = time.perf_counter()
    names, series = _grid(ds, df)
    L, H = ds.input_len, ds.horizon
    windows = tuple(sorted({w for w in (3, season, L) if 1 < w <= L}))
    numeric = [c for c in series[0].columns if c not in ("time", ds.target, ds.series_col)
               and c not in ds.categorical and pd.api.types.is_numeric_dtype(series[0][c])]
    blocks, test_rows = [], []
    for k, s in enumerate(series):
        n = len(s)
        y = s[ds.target].to_numpy(np.float64)
        origins = np.arange(L - 1, n - 1)
        feats = lag_features(y, origins, L, windows)
        for c in numeric:
            v = s[c].to_numpy(np.float64)
            feats[f"{c}_0"], feats[f"{c}_1"] = v[origins], v[np.maximum(origins - 1, 0)]
        for c in ds.categorical:
            feats[c] = pd.Categorical(s[c]).codes[origins]
        t_next = pd.DatetimeIndex(s["time"]).to_numpy()[np.minimum(origins + 1, n - 1)]
        feats |= calendar_features(t_next, ds.freq)
        block = pd.DataFrame(feats)
        block["series_id"] = k
        times = pd.DatetimeIndex(s["time"])
        tt = np.full((len(origins), H), np.datetime64("NaT"), dtype="datetime64[ns]")
        yy = np.full((len(origins), H), np.nan)
        for h in range(1, H + 1):
            ok = origins + h < n
            tt[ok, h - 1] = times.to_numpy()[origins[ok] + h]
            yy[ok, h - 1] = y[origins[ok] + h]
        block_y = yy - block["last"].to_numpy()[:, None]
        blocks.append((block, tt, block_y, block["last"].to_numpy()))
        sel = keys["series"].astype(str) == names[k]
        rows = _origin_rows(s, keys.loc[sel, "origin"]) - (L - 1)
        test_rows.append((np.flatnonzero(sel.to_numpy()), rows))
    X = pd.concat([b[0] for b in blocks], ignore_index=True)
    T = np.concatenate([b[1] for b in blocks])
    Y = np.concatenate([b[2] for b in blocks])
    offsets = np.cumsum([0] + [len(b[0]) for b in blocks])
    last = np.concatenate([b[3] for b in blocks])
    val_start, test_start = np.datetime64(ds.val_start), np.datetime64(ds.test_start)
    # a window belongs to the part that holds all its targets (first and last step)
    train = T[:, -1] < val_start
    val = (T[:, 0] >= val_start) & (T[:, -1] < test_start)
    test_idx = np.empty(len(keys), dtype=np.int64)
    for k, (where, rows) in enumerate(test_rows):
        test_idx[where] = offsets[k] + rows
    cats = [c for c in ds.categorical] + (["series_id"] if len(series) > 1 else [])
    for c in cats:
        X[c] = X[c].astype("category")
    pred = np.empty((len(keys), H))
    # one thread: on a shared machine LightGBM's OpenMP threads wait on each other
    n_est, lr, stop = (200, 0.1, 20) if quick else (2000, 0.03, 100)
    for h in range(H):
        tr, va = train & np.isfinite(Y[:, h]), val & np.isfinite(Y[:, h])
        model = lgb.LGBMRegressor(objective="l1", n_estimators=n_est, learning_rate=lr,
                                  num_leaves=31, min_child_samples=20, subsample=0.8,
                                  subsample_freq=1, colsample_bytree=0.8, n_jobs=1,
                                  verbose=-1, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X[tr], Y[tr, h], eval_set=[(X[va], Y[va, h])], eval_metric="l1",
                      callbacks=[lgb.early_stopping(stop, verbose=False)])
        pred[:, h] = model.predict(X.iloc[test_idx]) + last[test_idx]
    return pred, last[test_idx], time.perf_counter() - t0


def ets_peer(ds: Forecast, df: pd.DataFrame, keys: pd.DataFrame, season: int
             ) -> tuple[np.ndarray, float, list[str]]:
    """Exponential smoothing per series (statsmodels' ETSModel, additive errors; trend
    none / damped additive and season none / additive chosen by AIC) fitted on the
    history before the test part, then run with those parameters up to every test
    origin (no refit: one causal pass over the series) and forecast ``horizon`` steps. Missing grid values are
    linearly interpolated for ETS (it takes no gaps)."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    t0 = time.perf_counter()
    names, series = _grid(ds, df)
    H = ds.horizon
    pred = np.empty((len(keys), H))
    chosen = []
    for k, s in enumerate(series):
        y = s[ds.target].astype(np.float64).interpolate(limit_direction="both").to_numpy()
        times = pd.DatetimeIndex(s["time"])
        hist = y[times < pd.Timestamp(ds.test_start)]
        best = None
        specs = [(None, False, None)] + [("add", True, None)]
        if season > 1 and len(hist) >= 3 * season:
            specs += [(None, False, "add"), ("add", True, "add")]
        for trend, damped, seasonal in specs:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    model = ETSModel(hist, error="add", trend=trend, damped_trend=damped,
                                     seasonal=seasonal,
                                     seasonal_periods=season if seasonal else None)
                    res = model.fit(disp=False, maxiter=200)
                except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
                    chosen.append(f"{names[k]}: {trend}/{seasonal} did not fit ({exc})")
                    continue
            if np.isfinite(res.aic) and (best is None or res.aic < best[0]):
                best = (res.aic, (trend, damped, seasonal), res.params)
        assert best is not None
        trend, damped, seasonal = best[1]
        chosen.append(f"{names[k]}: trend={trend or 'none'}{' damped' if damped else ''}, "
                      f"season={seasonal or 'none'}")
        sel = np.flatnonzero((keys["series"].astype(str) == names[k]).to_numpy())
        rows = _origin_rows(s, keys["origin"].iloc[sel])
        # The filter is causal: smoothed once over the whole series with the fixed
        # parameters, its state at row i is the state of y[:i + 1] smoothed alone, and
        # get_prediction(start=i + 1, dynamic=0) forecasts from that state (equal to the
        # per-origin refilter to the last bit, and linear instead of quadratic in time).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            full = ETSModel(pd.Series(y), error="add", trend=trend, damped_trend=damped,
                            seasonal=seasonal, seasonal_periods=season if seasonal else None
                            ).smooth(best[2])
            for j, i in zip(sel, rows):
                pred[j] = full.get_prediction(start=i + 1, end=i + H,
                                              dynamic=0).predicted_mean.to_numpy()
    return pred, time.perf_counter() - t0, chosen


# ----------------------------------------------------- Beijing reference rows
#: DESIGN.md's measured rows on Task A that are not rerun here (Keras-style recipes).
DESIGN_ROWS = {"residual MSE (DESIGN.md, not rerun)": 44.93,
               "direct value L1 (DESIGN.md, not rerun)": 45.52}
_MAE_RE = re.compile(r"MAE (?P<mae>[0-9.]+).*?h1 (?P<h1>[0-9.]+)")


def run_reference(script: str, args: list[str]) -> dict[str, Any]:
    """Run one of ../shared/reference's scripts as a subprocess; parse its last line."""
    path = reference_root() / script
    if not path.exists():
        return {"error": f"{path} not found"}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(path), *args], capture_output=True, text=True, check=False,
                          env=os.environ | {"PYTHONWARNINGS": "ignore"})
    seconds = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if _MAE_RE.search(ln)]
    if proc.returncode or not lines:
        return {"error": (proc.stderr or proc.stdout).strip().splitlines()[-1:] or "no output"}
    m = _MAE_RE.search(lines[-1])
    assert m is not None
    return {"mae": float(m["mae"]), "mae_h1": float(m["h1"]), "seconds": round(seconds, 1),
            "line": lines[-1]}


# ---------------------------------------------------------------- PhysioNet
def load_physionet() -> tuple[pd.DataFrame, pd.Series]:
    """Long readings (stay, hours, parameter, value) of set-a and the mortality label.

    -1 marks a missing static descriptor (Height, Weight, ...) in these files: NaN."""
    root = data_root() / "physionet2012"
    frames = []
    with tarfile.open(root / "set-a.tar.gz") as tar:
        for member in tar:
            if not member.isfile() or not Path(member.name).stem.isdigit():
                continue
            f = tar.extractfile(member)
            assert f is not None
            d = pd.read_csv(io.BytesIO(f.read()))
            d["stay"] = int(Path(member.name).stem)
            frames.append(d)
    long = pd.concat(frames, ignore_index=True)
    long = long[long["Parameter"].notna() & (long["Parameter"] != "RecordID")]
    hm = long["Time"].str.split(":", expand=True).astype(int)
    long["hours"] = hm[0] + hm[1] / 60.0
    long["Value"] = long["Value"].where(long["Value"] != -1)
    out = pd.read_csv(root / "Outcomes-a.txt").set_index("RecordID")["In-hospital_death"]
    return long[["stay", "hours", "Parameter", "Value"]], out


def physionet_wide(long: pd.DataFrame, labels: pd.Series, stays: np.ndarray) -> pd.DataFrame:
    """One row per (stay, reading time), one column per variable, plus the label."""
    sub = long[long["stay"].isin(stays)]
    wide = sub.pivot_table(index=["stay", "hours"], columns="Parameter", values="Value",
                           aggfunc="mean").reset_index()
    wide.columns.name = None
    wide["death"] = wide["stay"].map(labels).astype(np.float64)
    return wide


def physionet_aggregates(long: pd.DataFrame) -> pd.DataFrame:
    """Per stay and variable: last, min, max, mean, count of the readings."""
    g = long.dropna(subset=["Value"]).sort_values(["stay", "hours"]) \
        .groupby(["stay", "Parameter"])["Value"]
    agg = g.agg(["last", "min", "max", "mean", "count"]).unstack("Parameter")
    agg.columns = [f"{var}_{stat}" for stat, var in agg.columns]
    return agg


def run_physionet(quick: bool) -> dict[str, Any]:
    import lightgbm as lgb
    from sklearn.metrics import average_precision_score, roc_auc_score

    import seqguard

    long, labels = load_physionet()
    stays = np.asarray(sorted(set(long["stay"]) & set(labels.index)), dtype=np.int64)
    y = labels.loc[stays].to_numpy()
    agg = physionet_aggregates(long).reindex(stays)
    splits = [0] if quick else [0, 1, 2, 3, 4]
    rows: list[dict[str, Any]] = []
    for k in splits:
        tr, va, te = stratified_split(y, seed=k)
        parts = [physionet_wide(long, labels, stays[p]) for p in (tr, va, te)]
        params: dict[str, Any] = {"input_len": 48, "seed": k, "progress": False,
                                  "val_frac": 0.0, "test_frac": 0.0,
                                  "read_options": {"time_col": "hours", "series_col": "stay",
                                                   "freq": 1.0}}
        if quick:
            params["epochs"] = 3
        est = seqguard.SequenceClassifier("death", **params)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(parts[0], val_data=parts[1], test_data=parts[2])
        seconds = time.perf_counter() - t0
        m = est.metrics_["test"]
        t0 = time.perf_counter()
        n_est, lr = (300, 0.05) if quick else (2000, 0.02)
        gbm = lgb.LGBMClassifier(n_estimators=n_est, learning_rate=lr, num_leaves=15,
                                 min_child_samples=20, subsample=0.8, subsample_freq=1,
                                 colsample_bytree=0.5, n_jobs=1, verbose=-1, random_state=k)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gbm.fit(agg.iloc[tr], y[tr], eval_set=[(agg.iloc[va], y[va])], eval_metric="auc",
                    callbacks=[lgb.early_stopping(100, verbose=False)])
        p = gbm.predict_proba(agg.iloc[te])[:, 1]
        rows.append({"split": k, "n": [len(tr), len(va), len(te)],
                     "seqguard": {"roc_auc": m["roc_auc"], "pr_auc": m["pr_auc"],
                                  "epochs": len(est.history_), "seconds": round(seconds, 1)},
                     "lightgbm": {"roc_auc": float(roc_auc_score(y[te], p)),
                                  "pr_auc": float(average_precision_score(y[te], p)),
                                  "seconds": round(time.perf_counter() - t0, 1)},
                     "base_rate": float(y[te].mean())})
        print(f"physionet split {k}: seqguard ROC-AUC {m['roc_auc']:.3f} PR-AUC "
              f"{m['pr_auc']:.3f} ({seconds:.0f} s); LightGBM aggregates "
              f"{rows[-1]['lightgbm']['roc_auc']:.3f} / {rows[-1]['lightgbm']['pr_auc']:.3f}",
              flush=True)
    return {"splits": rows, "n_stays": len(stays), "positive_rate": float(y.mean())}


# ------------------------------------------------------------------ driver
def run_forecast(ds: Forecast, seeds: list[int], quick: bool,
                 overrides: dict[str, Any] | None = None,
                 defaults_only: bool = False) -> dict[str, Any]:
    df = ds.load(quick)
    if quick and ds.quick_start:
        df = df[pd.DatetimeIndex(df[ds.time_col]) >= pd.Timestamp(ds.quick_start)]
    runs = []
    for s in seeds:
        r = run_defaults(ds, df, s, quick, overrides)
        runs.append(r)
        print(f"{ds.name} seed {s}: MAE {r['mae']:.4g} (best baseline {r['best_baseline']} "
              f"{r['baselines'][r['best_baseline']]:.4g}, skill {r['skill_vs_best']:+.3f}), "
              f"{r['epochs']} epochs (best {r['best_epoch']}), {r['seconds']:.0f} s",
              flush=True)
    if defaults_only:
        for r in runs:
            for k in ("keys", "pred", "truth"):
                r.pop(k)
        return {"name": ds.name, "runs": runs, "overrides": overrides or {}}
    first = runs[0]
    keys, truth = first["keys"], first["truth"]
    for r in runs[1:]:
        if not (r["keys"].equals(keys) and np.array_equal(r["truth"], truth, equal_nan=True)):
            raise RuntimeError(f"{ds.name}: seeds scored different test windows")
    season = int(first["season"] or 1)
    peers: dict[str, Any] = {}
    pred, last, sec = lightgbm_peer(ds, df, keys, quick, season)
    persist = np.repeat(last[:, None], ds.horizon, axis=1)
    ours, theirs = mae(persist, truth), first["baselines"]["persistence"]
    if not np.isclose(ours, theirs, rtol=1e-6):
        raise RuntimeError(f"{ds.name}: persistence from the peers' origins scores {ours:.6g}, "
                           f"seqguard's {theirs:.6g}: the peers would not forecast from the "
                           "same origins.")
    persistence_by_h = [mae(persist[:, h], truth[:, h]) for h in range(ds.horizon)]
    peers["LightGBM per horizon (lags, rolling, calendar)"] = {
        "mae": mae(pred, truth), "seconds": round(sec, 1),
        "by_horizon": [mae(pred[:, h], truth[:, h]) for h in range(ds.horizon)]}
    print(f"{ds.name} LightGBM: MAE {peers['LightGBM per horizon (lags, rolling, calendar)']['mae']:.4g} "
          f"({sec:.0f} s)", flush=True)
    if ds.univariate:
        pred, sec, chosen = ets_peer(ds, df, keys, season)
        peers["ETS (statsmodels, AIC-selected)"] = {
            "mae": mae(pred, truth), "seconds": round(sec, 1), "chosen": chosen}
        print(f"{ds.name} ETS: MAE {mae(pred, truth):.4g} ({sec:.0f} s)", flush=True)
    refs: dict[str, Any] = {}
    if ds.name.startswith("beijing"):
        task = ds.horizon
        if task == 24:
            for s in seeds:
                args = ["--seed", str(s)] + (["--epochs", "3"] if quick else [])
                refs[f"lstm_reference.py seed {s}"] = run_reference("lstm_reference.py", args)
                print(f"{ds.name} lstm_reference seed {s}: {refs[f'lstm_reference.py seed {s}']}",
                      flush=True)
        if task == 1 or not quick:
            refs["gbm_peer.py"] = run_reference("gbm_peer.py", ["--horizon", str(task)])
            print(f"{ds.name} gbm_peer: {refs['gbm_peer.py']}", flush=True)
    for r in runs:
        for k in ("keys", "pred", "truth"):
            r.pop(k)
    return {"name": ds.name, "title": ds.title, "note": ds.note, "source": ds.source,
            "input_len": ds.input_len, "horizon": ds.horizon, "season": season,
            "quick_start": ds.quick_start if quick else None,
            "n_test_windows": len(keys), "runs": runs, "peers": peers,
            "persistence_by_horizon": persistence_by_h,
            "references": refs}


def merge_results(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One result from runs of different datasets (``--json`` files), in panel order."""
    out = dict(parts[0])
    out["quick"] = any(p["quick"] for p in parts)
    seen = {k: d for p in parts for k, d in p["datasets"].items()}
    out["datasets"] = {ds.name: seen[ds.name] for ds in FORECASTS if ds.name in seen}
    for p in parts:
        if "physionet" in p:
            out["physionet"] = p["physionet"]
    out["seconds"] = sum(p.get("seconds", 0) for p in parts)
    out["date"] = max(p.get("date", "") for p in parts) or \
        datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out.setdefault("machine", {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                               "processor": platform.processor() or platform.machine()})
    out.setdefault("versions", versions())
    return out


def versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for p in ("seqguard", "torch", "lightning", "numpy", "pandas", "scikit-learn", "lightgbm",
              "statsmodels", "vega_datasets", "pmdarima"):
        try:
            out[p] = md.version(p)
        except md.PackageNotFoundError:
            out[p] = "not installed"
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="seed 0, 3 epochs, shorter spans")
    ap.add_argument("--only", default="", help="comma-separated dataset names "
                    f"({', '.join([d.name for d in FORECASTS] + ['physionet'])})")
    ap.add_argument("--seeds", default=None, help="seqguard seeds (default 0,1,2; quick 0)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    ap.add_argument("--json", default=None, help="also write the raw results here")
    ap.add_argument("--render", default=None, metavar="JSON[,JSON]",
                    help="run nothing: write the page from results saved by --json (runs of "
                    "different datasets are merged)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a Forecaster parameter (an alternative to compare with "
                    "the defaults; the page is then not written)")
    ap.add_argument("--defaults-only", action="store_true",
                    help="fit seqguard only (no peers, no page): the tuning loop")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--note", action="append", default=[],
                    help="a sentence for the page's header (with --render: how the merged "
                    "runs differ)")
    args = ap.parse_args(argv)
    if args.render:
        merged = merge_results([json.loads(Path(p).read_text())
                                for p in args.render.split(",")])
        merged["notes"] = args.note
        Path(args.out).write_text(render(merged), encoding="utf-8")
        print(f"wrote {args.out} from {args.render}")
        return merged
    seeds = [int(s) for s in (args.seeds or ("0" if args.quick else "0,1,2")).split(",")]
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    from bench_beijing import _value  # the --set value parser the benchmarks share

    overrides = {k.replace("-", "_"): _value(v)
                 for k, _, v in (item.partition("=") for item in args.set)}
    if overrides or args.defaults_only:
        for ds in FORECASTS:
            if not only or ds.name in only:
                r = run_forecast(ds, seeds, args.quick, overrides, defaults_only=True)
                maes = [x["mae"] for x in r["runs"]]
                print(json.dumps({"dataset": ds.name, "overrides": overrides,
                                  "mae": maes, "mean": float(np.mean(maes))}), flush=True)
        return {}
    t0 = time.perf_counter()
    results: dict[str, Any] = {"quick": args.quick, "seeds": seeds, "datasets": {},
                               "notes": args.note}
    for ds in FORECASTS:
        if only and ds.name not in only:
            continue
        results["datasets"][ds.name] = run_forecast(ds, seeds, args.quick)
        _save(args.json, results)
    if not only or "physionet" in only:
        results["physionet"] = run_physionet(args.quick)
    results["machine"] = {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                          "processor": platform.processor() or platform.machine()}
    results["date"] = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    results["versions"] = versions()
    results["seconds"] = round(time.perf_counter() - t0)
    _save(args.json, results)
    Path(args.out).write_text(render(results), encoding="utf-8")
    print(f"wrote {args.out} ({results['seconds']} s)")
    return results


def _save(path: str | None, results: dict[str, Any]) -> None:
    """Write the results so far (after every dataset: a long run that stops keeps them)."""
    if path:
        Path(path).write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")


# ------------------------------------------------------------------ the page
def _f(x: Any, digits: int = 4) -> str:
    return "–" if x is None or (isinstance(x, float) and not np.isfinite(x)) else f"{x:.{digits}g}"


def _summary_row(d: dict[str, Any]) -> tuple[str, list[str]]:
    runs = d["runs"]
    maes = [r["mae"] for r in runs]
    base = runs[0]["baselines"]
    best = runs[0]["best_baseline"]
    sk = [r["skill_vs_best"] for r in runs]
    gbm = d["peers"]["LightGBM per horizon (lags, rolling, calendar)"]["mae"]
    ets = d["peers"].get("ETS (statsmodels, AIC-selected)", {}).get("mae")
    mean = float(np.mean(maes))
    beats = "yes" if mean < gbm else "**no**"
    cells = [d["name"], spread(maes), f"{best} {_f(base[best])}", spread(sk, signed=True), _f(gbm),
             _f(ets), beats, f"{np.mean([r['seconds'] for r in runs]):.0f}"]
    return d["name"], cells


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _losses(d: dict[str, Any]) -> list[str]:
    """Plain sentences: where the defaults lose on this dataset."""
    runs = d["runs"]
    mean = float(np.mean([r["mae"] for r in runs]))
    name = d["name"]
    out = []
    best = runs[0]["best_baseline"]
    sk = float(np.mean([r["skill_vs_best"] for r in runs]))
    if name == "stocks":
        p = runs[0]["baselines"]["persistence"]
        gap = mean / p - 1
        says = best == "persistence" and "persistence" in runs[0]["verdict"][0]
        if gap > 0.02 or not says:
            out.append(f"stocks (the honesty check): defaults {gap:+.1%} against persistence "
                       f"({'within' if gap <= 0.02 else '**worse than**'} 2%); best baseline "
                       f"{best}; the verdict: \"{runs[0]['verdict'][0]}\"")
    elif sk < 0.05:
        out.append(f"{name}: skill against the best baseline ({best}) is {sk:+.3f}, below "
                   "the 0.05 of issue 11.")
    for peer, v in d["peers"].items():
        if name != "stocks" and v["mae"] < mean:
            out.append(f"{name}: {peer} is better (MAE {_f(v['mae'])} against {_f(mean)}, "
                       f"{mean / v['mae'] - 1:+.1%}).")
    for ref, v in d["references"].items():
        if "mae" in v and v["mae"] < mean:
            out.append(f"{name}: {ref} is better (MAE {_f(v['mae'])} against {_f(mean)}).")
    return out


def _checks(res: dict[str, Any]) -> list[str]:
    """The "Done when" of issue 11 that this panel measures, each PASS or FAIL."""
    ds = res["datasets"]
    out = []

    def line(ok: bool, text: str) -> None:
        out.append(f"- {'PASS' if ok else '**FAIL**'}: {text}")

    def mean_mae(d: dict[str, Any]) -> float:
        return float(np.mean([r["mae"] for r in d["runs"]]))

    if "beijing_a" in ds:
        d = ds["beijing_a"]
        m = mean_mae(d)
        line(m <= 43.4, f"Beijing Task A mean MAE {m:.2f} <= 43.4")
        pers = d.get("persistence_by_horizon")
        if pers:
            by_h = [float(np.mean([r["by_horizon"][h] for r in d["runs"]]))
                    for h in range(d["horizon"])]
            worse = [h + 1 for h in range(d["horizon"]) if by_h[h] > pers[h]]
            line(not worse, "Beijing Task A no worse than persistence at every step"
                 + (f" (worse at {', '.join(map(str, worse))})" if worse else ""))
    if "beijing_b" in ds:
        d = ds["beijing_b"]
        m, p = mean_mae(d), d["runs"][0]["baselines"]["persistence"]
        line(m < p, f"Beijing Task B MAE {m:.2f} below persistence {p:.2f}")
    others = [n for n in ds if n != "stocks"]
    for n in others:
        sk = float(np.mean([r["skill_vs_best"] for r in ds[n]["runs"]]))
        line(sk >= 0.05, f"{n}: skill_vs_best {sk:+.3f} >= 0.05")
    if others:
        gbm = "LightGBM per horizon (lags, rolling, calendar)"
        won = [n for n in others if mean_mae(ds[n]) < ds[n]["peers"][gbm]["mae"]]
        line(2 * len(won) >= len(others), f"defaults beat LightGBM on {len(won)} of "
             f"{len(others)} ({', '.join(won) or 'none'}); at least half needed")
    if "stocks" in ds:
        d = ds["stocks"]
        r0 = d["runs"][0]
        gap = mean_mae(d) / r0["baselines"]["persistence"] - 1
        says = r0["best_baseline"] == "persistence" and "persistence" in r0["verdict"][0]
        line(gap <= 0.02 and says, f"stocks: defaults {gap:+.1%} against persistence (at most "
             f"+2%), best baseline {r0['best_baseline']}, verdict: \"{r0['verdict'][0]}\"")
    if "physionet" in res:
        a = float(np.mean([s["seqguard"]["roc_auc"] for s in res["physionet"]["splits"]]))
        line(a >= 0.85, f"PhysioNet mean ROC-AUC {a:.3f} >= 0.85")
    return out


def render(res: dict[str, Any]) -> str:
    quick = res["quick"]
    label = "QUICK run (development numbers: seed 0, 3 epochs, shorter spans)" if quick \
        else f"full run, seeds {','.join(map(str, res['seeds']))}"
    v = res["versions"]
    lines = [
        "# Accuracy panel",
        "",
        (f"Written by `benchmarks/bench_accuracy.py` (`make bench`) on {res['date']}: **{label}**, "
        f"{res['seconds'] / 60:.0f} min in all."),
        (f"Machine: {res['machine']['cpu_count']} CPU cores ({res['machine']['processor']}, "
        f"{res['machine']['platform']}), shared with other jobs while it ran; times are wall "
        "seconds."),
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".",
        *[f"Note: {n}" for n in res.get("notes") or []],
        "",
        ("Protocol: each dataset is cut by date into train / validation / test per series "
        "(below); a window belongs to the part holding all its targets. seqguard's defaults "
        "are `seqguard.Forecaster` with only the columns, input length, horizon and cut dates "
        "given. Persistence, seasonal naive and climatology are seqguard's own baselines "
        "(`metrics_`). LightGBM and ETS forecast from the same test origins as seqguard; "
        "every row is the MAE in the target's units over the observed test targets, pooled "
        "over windows and steps, on the same cells. The MAE of the defaults is the mean over "
        "seeds ± half the range."),
        "",
        ("LightGBM: one L1 model per horizon step predicting the change from the last "
        "observed target; features at the origin: the `input_len` lags of the target, "
        "rolling mean/std over 3, one season and `input_len` steps, last value and its age, "
        "the other columns at lags 0 and 1, categories, the series, the calendar of the "
        "first forecast step; early stopping on the validation part. ETS: statsmodels' "
        "`ETSModel` (additive error; trend none or damped additive, season none or "
        "additive, chosen by AIC on the history before the test part), run with those "
        "parameters up to every test origin without refitting. statsforecast's AutoETS was "
        "dropped from the bench extra: it requires pandas < 3 and would downgrade the pandas "
        "seqguard runs on."),
        "",
    ]
    ds = res["datasets"]
    head = ["dataset", "defaults MAE", "best baseline (MAE)", "skill vs best", "LightGBM",
            "ETS", "defaults beat LightGBM", "fit s / seed"]
    tuned = [_summary_row(d)[1] for n, d in ds.items() if n != HOLDOUT]
    if tuned:
        lines += ["## Summary", ""] + _table(head, tuned) + [""]
    checks = _checks(res)
    if checks:
        lines += ["## Issue 11's targets on this run", ""] + checks + [""]
    if HOLDOUT in ds:
        lines += [f"## Held out of tuning: {HOLDOUT}", "",
                  ("No default was chosen by looking at this dataset; it shows whether the "
                  "choices made on the others generalise."), ""]
        lines += _table(head, [_summary_row(ds[HOLDOUT])[1]]) + [""]
    if "physionet" in res:
        ph = res["physionet"]["splits"]
        lines += ["## PhysioNet 2012 set-a, in-hospital mortality", "",
                  (f"{res['physionet']['n_stays']} stays, {res['physionet']['positive_rate']:.1%} "
                  f"deaths; {len(ph)} seeded stratified split(s) of the stays (train 64 %, "
                  "validation 16 %, test 20 %), the same for every row. seqguard: "
                  "`SequenceClassifier` defaults on the readings of the first 48 h on an hourly "
                  "grid (`freq=1.0`: readings inside one hour are averaged), given "
                  "`val_data`/`test_data`. LightGBM: per-stay last / min / max / mean / count "
                  "of each variable, early stopping on validation AUC."), ""]
        rows = []
        for who in ("seqguard", "lightgbm"):
            roc = [s[who]["roc_auc"] for s in ph]
            pr = [s[who]["pr_auc"] for s in ph]
            sec = np.mean([s[who]["seconds"] for s in ph])
            rows.append([{"seqguard": "seqguard defaults", "lightgbm": "LightGBM on aggregates"}
                         [who], spread(roc), spread(pr), f"{sec:.0f}"])
        rows += [["GRU-D (paper, 5-fold; not rerun)", "0.8424", "–", "–"],
                 ["BRITS (paper; not rerun)", "0.850", "–", "–"],
                 ["base rate", "0.5", spread([s["base_rate"] for s in ph]), "–"]]
        lines += _table(["row", "ROC-AUC", "PR-AUC", "fit s"], rows) + [""]
        lines += ["Per split: " + "; ".join(
            f"{s['split']}: {s['seqguard']['roc_auc']:.3f} vs {s['lightgbm']['roc_auc']:.3f}"
            for s in ph) + " (seqguard vs LightGBM ROC-AUC).", ""]
    lines += ["## Each dataset", ""]
    for name, d in ds.items():
        runs = d["runs"]
        r0 = runs[0]
        lines += [f"### {d['title']}" + (" (held out of tuning)" if name == HOLDOUT else ""), "",
                  f"Source: {d['source']}. Split: {d['note']}"
                  + (f" (quick: training from {d['quick_start']})" if d["quick_start"] else "")
                  + f". Test windows: {d['n_test_windows']}; season {d['season']} steps.", ""]
        rows = [["seqguard defaults (seed " + ",".join(str(r["seed"]) for r in runs) + ")",
                 spread([r["mae"] for r in runs]), spread([r["skill_vs_best"] for r in runs], signed=True),
                 f"{np.mean([r['seconds'] for r in runs]):.0f}"]]
        best_mae = r0["baselines"][r0["best_baseline"]]
        for b in ("persistence", "seasonal_naive", "climatology", "mean"):
            if b in r0["baselines"]:
                rows.append([b + (" (best baseline)" if b == r0["best_baseline"] else ""),
                             _f(r0["baselines"][b]), f"{skill(r0['baselines'][b], best_mae):+.3f}",
                             "–"])
        for peer, v in d["peers"].items():
            rows.append([peer, _f(v["mae"]), f"{skill(v['mae'], best_mae):+.3f}",
                         f"{v['seconds']:.0f}"])
        for ref, v in d["references"].items():
            rows.append([f"../shared/reference/{ref}" + (" (quick: 3 epochs)" if quick and
                                                         "lstm" in ref else ""),
                         _f(v.get("mae")) if "mae" in v else f"failed: {v.get('error')}",
                         f"{skill(v['mae'], best_mae):+.3f}" if "mae" in v else "–",
                         f"{v.get('seconds', 0):.0f}"])
        if name == "beijing_a":
            for row, val in DESIGN_ROWS.items():
                rows.append([row, _f(val), f"{skill(val, best_mae):+.3f}", "–"])
        lines += _table(["row", "test MAE", "skill vs best baseline", "fit s"], rows) + [""]
        if d["horizon"] > 1:
            by_h = [float(np.mean([r["by_horizon"][h] for r in runs]))
                    for h in range(d["horizon"])]
            pers = d.get("persistence_by_horizon") or [float("nan")] * d["horizon"]
            worse = [h + 1 for h in range(d["horizon"]) if by_h[h] > pers[h]]
            lines += ["MAE by horizon step, defaults (seed mean): " + ", ".join(
                _f(v, 3) for v in by_h) + "; persistence: " + ", ".join(
                _f(v, 3) for v in pers) + ". Steps where the defaults are worse than "
                "persistence: " + (", ".join(map(str, worse)) if worse else "none") + ".", ""]
        lines += ["Epochs run (best): " + ", ".join(f"{r['epochs']} ({r['best_epoch']})"
                                                     for r in runs)
                  + f"; guard events: {sum(r['guard_events'] for r in runs)}. Verdict (seed "
                  f"{r0['seed']}): " + " ".join(r0["verdict"]), ""]
        if "ETS (statsmodels, AIC-selected)" in d["peers"]:
            lines += ["ETS chose: " + "; ".join(d["peers"]["ETS (statsmodels, AIC-selected)"]
                                                 ["chosen"]) + ".", ""]
    loses = [s for d in ds.values() for s in _losses(d)]
    if "physionet" in res:
        ph = res["physionet"]["splits"]
        a = float(np.mean([s["seqguard"]["roc_auc"] for s in ph]))
        b = float(np.mean([s["lightgbm"]["roc_auc"] for s in ph]))
        if a < 0.85:
            loses.append(f"physionet: ROC-AUC {a:.3f}, below the 0.85 of issue 11 (GRU-D 0.8424, "
                         "BRITS 0.850).")
        if a < b:
            loses.append(f"physionet: LightGBM on aggregates is better (ROC-AUC {b:.3f} "
                         f"against {a:.3f}).")
    lines += ["## Where seqguard loses", ""] + ([f"- {s}" for s in loses] or
                                                ["- nowhere on this run."]) + [""]
    lines += [("Data: Beijing PM2.5, UCI Machine Learning Repository (Liang et al. 2015), CC BY "
              "4.0; PhysioNet/CinC Challenge 2012 set-a (Silva et al. 2012), ODC-By 1.0; "
              "vega_datasets' local copies of NOAA weather and of the stocks sample; "
              "pmdarima's sunspots (SIDC)."), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
