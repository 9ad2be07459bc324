"""What a report computes from the data (and a fitted estimator), beyond the run's files.

A run directory holds scores, not predictions, and no copy of the data. The plots
that need rows (missingness over time, forecasts against actuals, predicted against
observed, the per-series table, ROC / PR curves) are computed here from the data and
the fitted estimator's public :meth:`predict`. The test part is the one recorded in
``pipeline.json`` (the split's per-series test start, or the test series of a
classification split), so the windows shown are the ones the test scores cover.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .source import RunView

__all__ = ["DataView", "Evidence", "collect"]

MAX_HEAT_ROWS = 24
HEAT_BINS = 60


@dataclass
class DataView:
    """The data as the run read it: sizes, span and missingness."""

    n_rows: int
    series: list[str]
    time_col: str
    start: Any
    end: Any
    freq: str
    missing: pd.DataFrame            # column, missing, share
    heat: pd.DataFrame               # rows: "series · column", columns: bin start
    heat_note: str = ""


@dataclass
class Evidence:
    """Everything computed from data and estimator; ``None`` where not available."""

    data: DataView | None = None
    test: pd.DataFrame | None = None          # predict() rows of the test part
    windows: list[dict[str, Any]] = field(default_factory=list)  # forecast examples
    per_series: pd.DataFrame | None = None
    proba: pd.DataFrame | None = None         # classify: test series
    notes: list[str] = field(default_factory=list)


def _read(view: RunView, data: Any) -> Any:
    from ..table import Table

    if isinstance(data, Table):
        return data
    from ..io import read

    opts = dict(((view.pipeline or {}).get("params") or {}).get("read_options") or {})
    if view.task != "classify":
        return read(data, target=view.target, **opts)
    # a label may be text: read it as any column (as SequenceClassifier does), and keep
    # it when the read options list the features
    features = opts.get("features")
    if features is not None:
        names = features.split(",") if isinstance(features, str) else list(features)
        opts["features"] = [str(n).strip() for n in names] + [view.target]
    return read(data, **opts)


def _data_view(table: Any) -> DataView:
    frame = table.frame
    cols = [c for c in table.value_columns if c in frame.columns]
    names = table.series_names()
    miss = frame[cols].isna()
    missing = pd.DataFrame({"column": cols, "missing": [int(miss[c].sum()) for c in cols],
                            "share": [float(miss[c].mean()) if len(frame) else 0.0
                                      for c in cols]})
    t = frame[table.time_col]
    bins = min(HEAT_BINS, max(1, len(frame) // max(1, len(names))))
    codes = pd.cut(t.astype("int64") if table.time_is_datetime else t.astype(float),
                   bins=bins, labels=False, include_lowest=True) if len(frame) else t
    edges = pd.Series(t.to_numpy()).groupby(np.asarray(codes)).min()
    series_code = table.series_codes()
    pairs = [(s, c) for s in range(len(names)) for c in cols]
    note = ""
    if len(pairs) > MAX_HEAT_ROWS:
        worst = sorted(pairs, key=lambda p: -float(miss[p[1]][series_code == p[0]].mean()))
        pairs = sorted(worst[:MAX_HEAT_ROWS])
        note = (f"the {MAX_HEAT_ROWS} series × column pairs with the most missing values "
                f"of {len(names) * len(cols):,}")
    rows = {}
    for s, c in pairs:
        m = miss[c][series_code == s]
        share = m.groupby(np.asarray(codes)[series_code == s]).mean()
        key = c if len(names) == 1 else f"{names[s]} · {c}"
        rows[key] = share.reindex(edges.index)
    heat = pd.DataFrame(rows).T
    heat.columns = list(edges.to_numpy())
    return DataView(n_rows=len(frame), series=names, time_col=table.time_col,
                    start=t.iloc[0] if len(t) else None, end=t.max() if len(t) else None,
                    freq=str(getattr(table.freq, "freqstr", table.freq)), missing=missing,
                    heat=heat, heat_note=note)


def _positions(table: Any) -> dict[str, pd.Series]:
    """Per series: time -> position inside the series."""
    frame, b, names = table.frame, table.series_bounds(), table.series_names()
    t = frame[table.time_col].to_numpy()
    return {names[k]: pd.Series(np.arange(b[k + 1] - b[k]), index=t[b[k]:b[k + 1]])
            for k in range(len(names))}


def _series_arrays(table: Any, view: RunView) -> dict[str, dict[str, np.ndarray]]:
    frame, b, names = table.frame, table.series_bounds(), table.series_names()
    inputs = [c for c in view.pipeline_state.get("input_columns_") or []
              if c in frame.columns] or list(table.numeric)
    y = frame[view.target].to_numpy(dtype=float)
    gap = frame[inputs].isna().any(axis=1).to_numpy()
    out = {}
    for k, name in enumerate(names):
        sl = slice(b[k], b[k + 1])
        out[name] = {"y": y[sl], "gap": gap[sl],
                     "last": pd.Series(y[sl]).ffill().to_numpy()}
    return out


def _forecast(ev: Evidence, view: RunView, table: Any, pred: pd.DataFrame) -> None:
    split = view.state("split_")
    names = list(split.get("series_names_") or table.series_names())
    begin = split.get("test_begin_", {})
    begin = begin.get("__ndarray__") if isinstance(begin, dict) else begin
    test_at = dict(zip(names, begin or [], strict=False))
    L = int((view.metrics or {}).get("input_len")
            or ((view.pipeline or {}).get("params") or {})["input_len"])
    pos = _positions(table)
    arrays = _series_arrays(table, view)
    parts = []
    for name, g in pred.groupby("series", sort=False):
        p = pos[str(name)]
        origin = p.reindex(g["origin"].to_numpy()).to_numpy()
        g = g.assign(origin_pos=origin)
        first = g.loc[g["horizon"] == 1].set_index("origin")["origin_pos"] + 1
        keep = first[first >= test_at.get(str(name), 0)].index
        g = g[g["origin"].isin(keep)]
        a = arrays[str(name)]
        o = g["origin_pos"].to_numpy(dtype=np.int64)
        csum = np.r_[0, np.cumsum(a["gap"])]
        lo = np.maximum(o - L + 1, 0)
        g = g.assign(inputs_missing=(csum[o + 1] - csum[lo]) > 0,
                     persistence=a["last"][o])
        parts.append(g)
    if not parts:
        return
    test = pd.concat(parts, ignore_index=True)
    if not test_at:
        ev.notes.append("pipeline.json records no test start: every window of the data "
                        "is shown.")
    ev.test = test
    ev.windows = _examples(test, arrays, pos, L)
    ev.per_series = _per_series(test, "persistence")


def _examples(test: pd.DataFrame, arrays: dict[str, Any], pos: dict[str, pd.Series],
              L: int, k: int = 4) -> list[dict[str, Any]]:
    """A few test windows: evenly spread, half of them with missing inputs if any."""
    w = test.groupby(["series", "origin"], sort=False).agg(
        gap=("inputs_missing", "first"), pos=("origin_pos", "first"),
        observed=("observed", lambda s: int(s.notna().sum()))).reset_index()
    w = w[w["observed"] > 0]
    picked = []
    gaps, full = w[w["gap"]], w[~w["gap"]]
    n_gap = min(len(gaps), k // 2)
    for part, n in ((gaps, n_gap), (full, k - n_gap)):
        if len(part) and n:
            idx = np.unique(np.linspace(0, len(part) - 1, n).round().astype(int))
            picked += [part.iloc[i] for i in idx]
    out = []
    for row in picked:
        a, o = arrays[str(row["series"])], int(row["pos"])
        g = test[(test["series"] == row["series"]) & (test["origin"] == row["origin"])]
        lo = max(0, o - L + 1)
        out.append({"series": str(row["series"]), "origin": row["origin"],
                    "inputs_missing": bool(row["gap"]),
                    "past": a["y"][lo:o + 1], "past_x": np.arange(lo - o, 1),
                    "h": g["horizon"].to_numpy(), "pred": g["prediction"].to_numpy(),
                    "obs": g["observed"].to_numpy(dtype=float),
                    "persistence": float(a["last"][o])})
    return out


def _per_series(test: pd.DataFrame, baseline: str | None) -> pd.DataFrame:
    ok = test[test["observed"].notna()]
    err = (ok["prediction"] - ok["observed"]).abs()
    df = pd.DataFrame({"series": ok["series"].astype(str), "abs": err, "sq": err ** 2})
    if baseline is not None:
        df["base"] = (ok[baseline] - ok["observed"]).abs()
    agg = {"n": ("abs", "size"), "mae": ("abs", "mean"), "rmse": ("sq", "mean")}
    if baseline is not None:
        agg["base_mae"] = ("base", "mean")
    out = df.groupby("series", sort=False).agg(**agg).reset_index()
    out["rmse"] = np.sqrt(out["rmse"])
    if baseline is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            out["skill"] = 1 - out["mae"] / out["base_mae"]
    return out.sort_values("mae", ascending=False, kind="stable").reset_index(drop=True)


def _tag(ev: Evidence, view: RunView, table: Any, pred: pd.DataFrame) -> None:
    split = view.state("split_")
    begin = split.get("test_begin_", {})
    begin = begin.get("__ndarray__") if isinstance(begin, dict) else begin
    names = list(split.get("series_names_") or table.series_names())
    test_at = dict(zip(names, begin or [], strict=False))
    pos = _positions(table)
    parts = []
    for name, g in pred.groupby("series", sort=False):
        p = pos[str(name)].reindex(g["time"].to_numpy()).to_numpy()
        parts.append(g[p >= test_at.get(str(name), 0)])
    ev.test = pd.concat(parts, ignore_index=True) if parts else pred.iloc[:0]
    ev.per_series = _per_series(ev.test, None)


def _classify(ev: Evidence, view: RunView, pred: pd.DataFrame) -> None:
    split = view.state("split_")
    part = split.get("part_", {})
    part = part.get("__ndarray__") if isinstance(part, dict) else part
    names = view.pipeline_state.get("series_names_") or []
    test_names = {str(n) for n, p in zip(names, part or [], strict=False) if p == 2}
    frame = pred[pred["series"].astype(str).isin(test_names)] if test_names else pred
    if not test_names:
        ev.notes.append("pipeline.json records no test series: every series is shown.")
    if "observed" in frame.columns:
        frame = frame[frame["observed"].notna()]
    ev.proba = frame.reset_index(drop=True)


def collect(view: RunView, estimator: Any = None, data: Any = None) -> Evidence:
    """Compute what the data and estimator add (see module docstring)."""
    ev = Evidence()
    if data is None:
        return ev
    table = _read(view, data)
    ev.data = _data_view(table)
    if estimator is None or view.metrics is None:
        return ev
    pred = estimator.predict(table)
    task = view.task
    if task == "forecast":
        _forecast(ev, view, table, pred)
    elif task == "tag":
        _tag(ev, view, table, pred)
    elif task == "classify":
        _classify(ev, view, pred)
    return ev
