"""The one contract test (STYLE.md, *Tests*), like scikit-learn's ``check_estimator``.

It runs over every public fit/transform object of seqguard: the transforms, the
splits, the :class:`~seqguard.Pipeline` and the three estimators. The list of
classes is found by walking seqguard's public modules, so a new class fails
:func:`test_every_public_estimator_has_a_contract_case` until it gets a case here.

The checks, each one test parametrised over the cases:

* **params**: ``__init__`` stores its arguments unchanged; ``get_params`` /
  ``clone`` / ``set_params`` round trip (nested steps included); fit writes over no
  argument and fitting a clone leaves the original unfitted.
* **not fitted**: every method that needs fitted state raises seqguard's
  ``NotFittedError`` (a scikit-learn ``NotFittedError``) before ``fit``.
* **failed fit**: after a ``fit`` that raises ``InputError`` the object is still
  unfitted, and its methods raise ``NotFittedError`` (not ``AttributeError``).
* **JSON**: the fitted state through strict JSON text (as run directories write
  it) gives an object that transforms bit-identically and writes the same text;
  estimators through ``save`` / ``load`` predict identically.
* **training part only**: rows outside the training part, poisoned with huge
  values, NaN and unseen categories, change no fitted state; for the transforms
  (which are handed the training rows), the output on the training rows does not
  change whatever rows follow them (past only), except for the fills that are
  documented to look ahead.
* **transform state**: ``transform`` changes no learned state.
* **finite**: outputs that promise no NaN have none.

Only public import paths are used, so moving modules around does not break it.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import json
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch
from frame_helpers import series_frame
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.exceptions import NotFittedError as SkNotFittedError
from sklearn.utils.validation import check_is_fitted

import seqguard
from seqguard import (
    Calendar,
    Categoricals,
    FeatureBuilder,
    Forecaster,
    Indicators,
    InputError,
    Lags,
    MissingStrategy,
    NotFittedError,
    Pipeline,
    RollingStats,
    Scaler,
    SequenceClassifier,
    SequenceTagger,
    SeriesSplit,
    TargetScaler,
    TimeSplit,
)
from seqguard.static import StaticCovariates

pytestmark = pytest.mark.filterwarnings("ignore::seqguard.SeqguardWarning")

TRAIN = 0  # the part code of training rows (Prepared.part)
HUGE = 1e6


# =============================================================================== data
def _feature_frame() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Two hourly series of 40 rows: a price walk, a gappy noise, a categorical."""
    rng = np.random.default_rng(9)
    n = 80
    X = pd.DataFrame({
        "time": pd.date_range("2022-01-01", periods=n, freq="h"),
        "p": 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n))),
        "q": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),
        "kind": pd.array(rng.choice(["x", "y", None], size=n), dtype="string"),
    })
    groups = np.repeat([0, 1], 40).astype(np.int64)
    return X, groups, _first_rows(groups, 0.6)


def _numeric_frame() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Two series (40 and 30 rows), three columns with leading, inner, trailing gaps."""
    rng = np.random.default_rng(5)
    n1, n2 = 40, 30
    X = pd.DataFrame(rng.normal(size=(n1 + n2, 3)), columns=["a", "b", "c"])
    a, b, c = (X[k].to_numpy(copy=True) for k in "abc")
    a[[0, 1, 2, 7, 8, 15, 30, 38, 39, 40, 41, 55, 56, 57, 69]] = np.nan
    a[20] = np.inf
    b[[5, 12, 13, 14, 45, 62]] = np.nan
    b[25] = -np.inf
    c[[3, 43, 60]] = np.nan
    X["a"], X["b"], X["c"] = a, b, c
    groups = np.r_[np.zeros(n1), np.ones(n2)].astype(np.int64)
    return X, groups, _first_rows(groups, 0.6)


def _first_rows(groups: np.ndarray, frac: float) -> np.ndarray:
    """The first ``frac`` of each series: the training rows."""
    keep = np.zeros(len(groups), dtype=bool)
    for code in np.unique(groups):
        pos = np.flatnonzero(groups == code)
        keep[pos[: int(len(pos) * frac)]] = True
    return keep


def _poison_frame(X: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """``X`` with huge values, NaN, ±inf and unseen categories on ``rows`` (time kept)."""
    rng = np.random.default_rng(1)
    Y = X.copy()
    idx = np.flatnonzero(rows)
    for c in Y.columns:
        if pd.api.types.is_datetime64_any_dtype(Y[c]):
            continue
        if pd.api.types.is_numeric_dtype(Y[c]):
            v = Y[c].to_numpy(dtype=np.float64, copy=True)
            v[idx] = rng.normal(HUGE, HUGE, len(idx))
            v[idx[::3]] = np.nan
            v[idx[1::5]] = np.inf
            Y[c] = v
        else:
            Y[c] = Y[c].astype(object)
            Y.loc[rows, c] = "zzz-unseen"
            Y[c] = Y[c].astype(X[c].dtype)
    return Y


def _hourly_frame(n: int = 24 * 30) -> pd.DataFrame:
    """Hourly data with a daily cycle in the target (``--calendar auto`` keeps hour)."""
    rng = np.random.default_rng(3)
    t = pd.date_range("2021-01-01", periods=n, freq="h")
    x = rng.normal(size=n)
    y = 5 * np.sin(2 * np.pi * t.hour / 24) + x + rng.normal(0, 0.3, n)
    return pd.DataFrame({"time": t, "x": x, "y": y})


def _labelled(n_series: int = 24, seed: int = 0) -> pd.DataFrame:
    """Variable-length sequences whose mean says the class; a static column ``s``."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_series):
        k = s % 2
        m = int(rng.integers(5, 12))
        static = float(rng.normal()) if s % 5 else np.nan
        rows += [(f"s{s:02d}", i, rng.normal(2.0 * k - 1.0), static, k) for i in range(m)]
    return pd.DataFrame(rows, columns=["id", "t", "x", "s", "label"])


# ========================================================================= families
class Family:
    """How a kind of object is fitted, used, compared and poisoned.

    ``data`` is whatever the family needs (built once per case by ``make_data``).
    """

    #: whether the "rows outside the training part" check applies
    poison = True

    def make_data(self, case: Case) -> Any:
        raise NotImplementedError

    def fit(self, obj: Any, data: Any) -> Any:
        raise NotImplementedError

    def bad_fit(self, obj: Any, data: Any, case: Case) -> None:
        """A fit that raises InputError (the case's ``bad`` turns good data bad)."""
        raise NotImplementedError

    def uses(self, obj: Any, data: Any) -> dict[str, Callable[[], Any]]:
        """Every method that needs fitted state, ready to call."""
        raise NotImplementedError

    def outputs(self, obj: Any, data: Any) -> dict[str, Any]:
        raise NotImplementedError

    def state(self, obj: Any) -> Any:
        """The fitted state, comparable with :func:`assert_same`."""
        return _json_text(obj)

    def restore(self, obj: Any, tmp_path: Any) -> Any:
        """The object rebuilt from its saved form, as a run directory stores it."""
        text = _json_text(obj)
        back = type(obj).from_dict(json.loads(text))
        assert _json_text(back) == text, "from_dict(to_dict()) writes other JSON"
        return back

    def finite(self, obj: Any, data: Any, out: dict[str, Any]) -> list[Any]:
        """Arrays that must be finite (none by default)."""
        return []


def _json_text(obj: Any) -> str:
    """``to_dict`` as strict JSON text, the way pipeline.json is written."""
    return json.dumps(obj.to_dict(), allow_nan=False, indent=2, sort_keys=True)


class FrameTransform(Family):
    """A SeriesTransform: ``fit(X_train, groups=...)``, ``transform(X, groups=...)``."""

    def __init__(self, frame: Callable[[], tuple[pd.DataFrame, np.ndarray, np.ndarray]]):
        self.frame = frame

    def make_data(self, case: Case) -> Any:
        return self.frame()

    def fit(self, obj: Any, data: Any) -> Any:
        X, g, train = data
        return obj.fit(X[train], groups=g[train])

    def bad_fit(self, obj: Any, data: Any, case: Case) -> None:
        X, g, train = data
        obj.fit(case.bad(X[train]), groups=g[train])

    def uses(self, obj: Any, data: Any) -> dict[str, Callable[[], Any]]:
        X, g, _ = data
        calls = {
            "transform": lambda: obj.transform(X, groups=g),
            "inverse_transform": lambda: obj.inverse_transform(X, groups=g),
            "get_feature_names_out": lambda: obj.get_feature_names_out(),
            "usable_rows": lambda: obj.usable_rows(X, groups=g),
            "report": lambda: obj.report(X, groups=g),
            "timestep_mask": lambda: obj.timestep_mask(X),
        }
        return {k: v for k, v in calls.items() if hasattr(obj, k)}

    def outputs(self, obj: Any, data: Any) -> dict[str, Any]:
        X, g, _ = data
        out = {"transform": obj.transform(X, groups=g)}
        assert out["transform"].index.equals(X.index), "transform changed the index"
        if hasattr(obj, "get_feature_names_out"):
            out["names"] = list(obj.get_feature_names_out())
            assert list(out["transform"].columns) == out["names"], \
                "transform's columns are not get_feature_names_out()"
        if hasattr(obj, "usable_rows"):
            out["usable"] = obj.usable_rows(X, groups=g)
        if hasattr(obj, "inverse_transform"):
            out["inverse"] = obj.inverse_transform(out["transform"], groups=g)
        return out

    def finite(self, obj: Any, data: Any, out: dict[str, Any]) -> list[Any]:
        values = out["transform"].to_numpy(dtype=np.float64)
        if "usable" in out:  # a drop column keeps NaN on the rows it makes unusable
            values = values[out["usable"]]
        return [values]


class Target(Family):
    """TargetScaler: ``fit(y_train, groups=...)``, 1-D targets and 2-D windows."""

    def make_data(self, case: Case) -> Any:
        rng = np.random.default_rng(2)
        g = np.repeat([0, 1, 2], 30).astype(np.int64)
        y = rng.lognormal(3.0, 1.0, len(g))
        y[rng.random(len(g)) < 0.1] = np.nan
        y[7] = np.inf
        return y, g, _first_rows(g, 0.6)

    def fit(self, obj: Any, data: Any) -> Any:
        y, g, train = data
        return obj.fit(y[train], groups=g[train])

    def bad_fit(self, obj: Any, data: Any, case: Case) -> None:
        y, g, train = data
        obj.fit(np.column_stack([y[train], y[train]]), groups=g[train])

    def uses(self, obj: Any, data: Any) -> dict[str, Callable[[], Any]]:
        y, g, _ = data
        return {"transform": lambda: obj.transform(y, groups=g),
                "inverse_transform": lambda: obj.inverse_transform(y, groups=g)}

    def outputs(self, obj: Any, data: Any) -> dict[str, Any]:
        y, g, _ = data
        z = obj.transform(y, groups=g)
        windows = np.column_stack([y, np.roll(y, 1), np.roll(y, 2)])
        return {"transform": z, "windows": obj.transform(windows, groups=g),
                "inverse": obj.inverse_transform(z, groups=g)}


class Split(Family):
    """TimeSplit: ``fit(time, groups)`` resolves per-series boundaries from all rows.

    Reading the time of every row is what a split is for, so the poison check does
    not apply.
    """

    poison = False

    def make_data(self, case: Case) -> Any:
        t = pd.date_range("2022-01-01", periods=40, freq="h")
        return pd.Series(t.append(t)), np.repeat([0, 1], 40).astype(np.int64)

    def fit(self, obj: Any, data: Any) -> Any:
        t, g = data
        return obj.fit(t, g, series_names=["north", "south"])

    def bad_fit(self, obj: Any, data: Any, case: Case) -> None:
        t, g = data
        obj.fit(*case.bad(t, g))

    def uses(self, obj: Any, data: Any) -> dict[str, Callable[[], Any]]:
        t, g = data
        return {"transform": lambda: obj.transform(), "boundaries": obj.boundaries,
                "transform(data)": lambda: obj.transform(t, g)}

    def outputs(self, obj: Any, data: Any) -> dict[str, Any]:
        t, g = data
        return {"transform": obj.transform(), "transform(data)": obj.transform(t, g),
                "boundaries": obj.boundaries(), "n_rows": obj.n_rows_}


class LabelSplit(Family):
    """SeriesSplit: ``fit(labels)`` assigns whole series to parts (no rows to poison)."""

    poison = False
    LABELS = np.array([0, 1] * 8)
    BOUNDS = np.cumsum(np.r_[0, np.arange(16) % 3 + 2])

    def make_data(self, case: Case) -> Any:
        return self.LABELS

    def fit(self, obj: Any, data: Any) -> Any:
        return obj.fit(data)

    def bad_fit(self, obj: Any, data: Any, case: Case) -> None:
        obj.fit(np.r_[data[:3].astype(float), np.nan])

    def uses(self, obj: Any, data: Any) -> dict[str, Callable[[], Any]]:
        return {"transform": lambda: obj.transform(), "series": lambda: obj.series(0),
                "transform(bounds)": lambda: obj.transform(bounds=self.BOUNDS)}

    def outputs(self, obj: Any, data: Any) -> dict[str, Any]:
        return {"transform": obj.transform(), "rows": obj.transform(bounds=self.BOUNDS),
                "series": [obj.series(k) for k in (0, 1, 2)], "stratified": obj.stratified_}


class Static(Family):
    """StaticCovariates: ``fit(frame, bounds)`` on the training series."""

    poison = False  # the caller hands it the training series only

    def make_data(self, case: Case) -> Any:
        df = _labelled()
        bounds = np.r_[0, np.cumsum(df.groupby("id", sort=False).size().to_numpy())]
        n_train = 16
        train = df.iloc[:bounds[n_train]]
        return df, bounds, train, bounds[:n_train + 1]

    def fit(self, obj: Any, data: Any) -> Any:
        _, _, train, train_bounds = data
        return obj.fit(train, train_bounds)

    def bad_fit(self, obj: Any, data: Any, case: Case) -> None:
        _, _, train, train_bounds = data
        obj.fit(train.drop(columns=["s"]), train_bounds)

    def uses(self, obj: Any, data: Any) -> dict[str, Callable[[], Any]]:
        df, bounds, _, _ = data
        return {"transform": lambda: obj.transform(df, bounds)}

    def outputs(self, obj: Any, data: Any) -> dict[str, Any]:
        df, bounds, _, _ = data
        return {"transform": obj.transform(df, bounds), "names": obj.feature_names_}

    def finite(self, obj: Any, data: Any, out: dict[str, Any]) -> list[Any]:
        return [out["transform"]]


class Pipe(Family):
    """Pipeline: ``fit(table)`` finds the training part itself; ``transform(table)``."""

    def __init__(self, frame: Callable[[], pd.DataFrame], read: dict[str, Any],
                 target: str, bad: Callable[[pd.DataFrame], pd.DataFrame]):
        self.frame, self.read, self.target, self.bad = frame, read, target, bad

    def table(self, df: pd.DataFrame) -> Any:
        return seqguard.read(df, target=self.target, **self.read)

    def make_data(self, case: Case) -> Any:
        df = self.frame()
        return df, self.table(df)

    def fit(self, obj: Any, data: Any) -> Any:
        return obj.fit(data[1])

    def bad_fit(self, obj: Any, data: Any, case: Case) -> None:
        obj.fit(self.table(self.bad(data[0])))

    def uses(self, obj: Any, data: Any) -> dict[str, Callable[[], Any]]:
        return {"transform": lambda: obj.transform(data[1]),
                "transform(split=False)": lambda: obj.transform(data[1], split=False)}

    def outputs(self, obj: Any, data: Any) -> dict[str, Any]:
        prep = obj.transform(data[1])
        out = {k: getattr(prep, k) for k in ("X", "y", "y_raw", "bounds", "part", "usable",
                                              "feature_names", "summary")}
        for name, ds in prep.datasets.items():
            out[f"windows[{name}]"] = ds.gather(np.arange(len(ds))) if len(ds) else None
        return out

    def finite(self, obj: Any, data: Any, out: dict[str, Any]) -> list[Any]:
        windows = [w["x"] for k, w in out.items() if k.startswith("windows[") and w]
        return [out["X"][out["usable"]], *windows]

    def poison_rows(self, obj: Any, data: Any, case: Case) -> np.ndarray:
        df, table = data
        # the rows of the table are those of the frame, in order (what poisoning relies on)
        assert_same(table.frame[self.target].to_numpy(np.float64),
                    df[self.target].to_numpy(np.float64), "table rows")
        part = obj.transform(table).part
        return part == 2 if case.reads_val else part != TRAIN


class Estimator(Family):
    """Forecaster, SequenceTagger, SequenceClassifier: ``fit(data)`` trains on the
    training part, validates on the validation part and scores the test part.

    The validation part rightly steers training (early stopping, the best state, the
    residual head's baseline), so the poison check spoils the test part only: it
    must change neither the fitted pipeline nor one weight.
    """

    def __init__(self, frame: Callable[[], pd.DataFrame], bad: Callable[[pd.DataFrame],
                                                                         pd.DataFrame]):
        self.frame, self.bad = frame, bad

    def make_data(self, case: Case) -> Any:
        return self.frame()

    def fit(self, obj: Any, data: Any) -> Any:
        return obj.fit(data)

    def bad_fit(self, obj: Any, data: Any, case: Case) -> None:
        obj.fit(self.bad(data))

    def uses(self, obj: Any, data: Any) -> dict[str, Callable[[], Any]]:
        calls = {"predict": lambda: obj.predict(data), "evaluate": lambda: obj.evaluate(data),
                 "score": lambda: obj.score(data),
                 "predict_proba": lambda: obj.predict_proba(data)}
        return {k: v for k, v in calls.items() if hasattr(obj, k)}

    def outputs(self, obj: Any, data: Any) -> dict[str, Any]:
        out = {"predict": obj.predict(data), "evaluate": obj.evaluate(data)}
        if hasattr(obj, "predict_proba"):
            out["predict_proba"] = obj.predict_proba(data)
        return out

    def state(self, obj: Any) -> Any:
        return {"pipeline": _json_text(obj.pipeline_),
                "weights": {k: v.detach().numpy() for k, v in obj.model_.state_dict().items()}}

    def restore(self, obj: Any, tmp_path: Any) -> Any:
        run = obj.save(tmp_path / "run")
        back = type(obj).load(run)
        assert type(seqguard.load(run)) is type(obj), "seqguard.load gives another class"
        assert _json_text(back.pipeline_) == _json_text(obj.pipeline_)
        return back

    def finite(self, obj: Any, data: Any, out: dict[str, Any]) -> list[Any]:
        frames = [out["predict"]] + ([out["predict_proba"]] if "predict_proba" in out else [])
        return [f.drop(columns=["observed"], errors="ignore").select_dtypes("number")
                .to_numpy(np.float64) for f in frames]

    def poison_rows(self, obj: Any, data: Any, case: Case) -> np.ndarray:
        table = seqguard.read(data, target=obj.target, **(obj.read_options or {}))
        return obj.pipeline_.transform(table).part == 2


# =========================================================================== cases
@dataclass
class Case:
    id: str
    cls: type
    params: dict[str, Any]
    family: Family
    #: turns good training data into data that makes ``fit`` raise InputError
    bad: Callable[..., Any] | None = None
    #: fills that are documented to look ahead in time (LeakageWarning): no past-only check
    lookahead: bool = False
    #: documented to read the validation rows in fit (``--calendar auto``)
    reads_val: bool = False
    #: outputs promise to be finite
    finite: bool = False
    #: check name -> reason, for the known bugs (strict xfail: fixing one shows up here)
    xfail: dict[str, str] = field(default_factory=dict)

    def new(self) -> Any:
        return self.cls(**self.params)


def _drop(*cols: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return lambda X: X.drop(columns=list(cols))


def _text_column(X: pd.DataFrame) -> pd.DataFrame:
    return X.assign(word=["w"] * len(X))


FEATURES = FrameTransform(_feature_frame)
NUMERIC = FrameTransform(_numeric_frame)


FEATURE_CASES = [
    Case("Lags", Lags, {"lags": {"p": [1, 3], "q": (2,)}}, FEATURES, bad=_drop("p")),
    Case("RollingStats", RollingStats,
         {"windows": {"q": [4]}, "stats": ("mean", "max"), "min_periods": 2}, FEATURES,
         bad=_drop("q")),
    Case("Indicators", Indicators,
         {"indicators": {"p": ["sma:5", "ema:4", "rsi", "macd:3/7/2", "bollinger:5/1.5"]}},
         FEATURES, bad=_drop("p")),
    Case("Calendar", Calendar, {"parts": ["hour", "dayofweek"], "time_col": "time",
                                "freq": "1h"}, FEATURES, bad=_drop("time"), finite=True),
    Case("Calendar-auto", Calendar, {}, FEATURES, finite=True,
         bad=lambda X: X.assign(again=X["time"])),  # two datetime columns
    Case("Categoricals-onehot", Categoricals, {"columns": ["kind"], "max_categories": 5},
         FEATURES, bad=_drop("kind"), finite=True),
    Case("Categoricals-codes", Categoricals, {"columns": ["kind"], "encoding": "codes",
                                              "missing": "unknown"}, FEATURES,
         bad=_drop("kind"), finite=True),
    Case("FeatureBuilder", FeatureBuilder,
         {"lags": Lags({"q": [1]}), "indicators": Indicators({"p": ["rsi:3"]}),
          "calendar": Calendar(), "categorical": Categoricals(["kind"])}, FEATURES,
         bad=_drop("p")),
]

MISSING_SPECS = ["auto", "drop", "mask", "indicators", "impute:mean", "impute:median",
                 "impute:ffill", "impute:ffill:lead=zero", "impute:ffill:lead=drop",
                 "impute:ffill:lead=bfill", "impute:bfill", "impute:bfill:trail=drop",
                 "impute:linear", "impute:time", "impute:knn:k=3", "impute:seasonal:season=5"]
LOOKAHEAD = {"impute:ffill:lead=bfill", "impute:bfill", "impute:bfill:trail=drop",
             "impute:linear", "impute:time"}
MISSING_CASES = [
    Case(f"MissingStrategy-{spec}", MissingStrategy, {"method": spec}, NUMERIC,
         bad=_text_column, lookahead=spec in LOOKAHEAD, finite=True)
    for spec in MISSING_SPECS
] + [
    Case("MissingStrategy-per-column", MissingStrategy,
         {"method": "mask", "per_column": {"b": "impute:median"}, "columns": ["a", "b"],
          "knn_max_rows": 50, "random_state": 3}, NUMERIC, bad=_drop("b")),
    # (not finite: column c is left out by columns=, so its NaN pass through unchanged)
]

SCALER_CASES = [
    Case(f"Scaler-{method}-{per}", Scaler, {"method": method, "per": per}, NUMERIC,
         bad=_text_column)
    for method in ("standard", "minmax", "robust", "none") for per in ("global", "series")
] + [
    Case(f"TargetScaler-{method}-{per}", TargetScaler, {"method": method, "per": per},
         Target())
    for method, per in (("standard", "global"), ("robust", "series"), ("minmax", "series"))
]

SPLIT_CASES = [
    Case("TimeSplit-fractions", TimeSplit, {"val_frac": 0.2, "test_frac": 0.2, "gap": 1},
         Split(), bad=lambda t, g: (t[:3], g[:3])),  # too short to keep training rows
    Case("TimeSplit-dates", TimeSplit,
         {"val_start": pd.Timestamp("2022-01-02 08:00"), "test_start": "2022-01-02 12:00"},
         Split(), bad=lambda t, g: (t[t.dt.hour < 6], g[(t.dt.hour < 6).to_numpy()])),
    Case("TimeSplit-positions", TimeSplit, {"val_start": -12, "test_start": "-6"}, Split(),
         bad=lambda t, g: (t[:5], g[:5])),  # a position before the series start
    Case("SeriesSplit", SeriesSplit, {"val_frac": 0.25, "test_frac": 0.25, "seed": 3},
         LabelSplit()),
]

STATIC_CASES = [
    Case("StaticCovariates", StaticCovariates, {"columns": ["s"]}, Static(), finite=True),
]


def _short(df: pd.DataFrame) -> pd.DataFrame:
    return df.head(2)  # too short to keep training rows beside validation and test


_SERIES = Pipe(series_frame, {"time_col": "t"}, "y", _short)
PIPELINE_OPTIONS = {
    "defaults": {},
    "robust-per-series": {"scaler": "robust", "scale_per": "series"},
    "features": {"lags": "y:1,2", "rolling": "x:5", "indicators": "ema:5,rsi:14"},
    "minmax-drop": {"scaler": "minmax", "missing": "drop"},
    "tag": {"task": "tag"},
}
PIPELINE_CASES = [
    Case(f"Pipeline-{name}", Pipeline,
         {"target": "y", "input_len": 16, **({} if opts.get("task") == "tag" else {"horizon": 4}),
          **opts}, _SERIES, finite=True)
    for name, opts in PIPELINE_OPTIONS.items()
] + [
    Case("Pipeline-calendar-auto", Pipeline,
         {"target": "y", "input_len": 24, "horizon": 6, "calendar": "auto"},
         Pipe(_hourly_frame, {"time_col": "time"}, "y", _short), finite=True, reads_val=True),
    Case("Pipeline-classify", Pipeline,
         {"target": "label", "task": "classify", "static": "detect", "seed": 1},
         Pipe(_labelled, {"time_col": "t", "series_col": "id"}, "label",
              lambda df: df[df["id"].isin(["s00", "s01"])]), finite=True),
]

_FIT = {"epochs": 1, "hidden": 4, "layers": 1, "progress": False, "batch_size": 16}
ESTIMATOR_CASES = [
    Case("Forecaster", Forecaster,
         {"target": "y", "input_len": 8, "horizon": 2, "read_options": {"time_col": "t"},
          **_FIT}, Estimator(lambda: series_frame(160), _short), finite=True),
    Case("SequenceTagger", SequenceTagger,
         {"target": "y", "input_len": 8, "read_options": {"time_col": "t"}, **_FIT},
         Estimator(lambda: series_frame(160), _short), finite=True),
    Case("SequenceClassifier", SequenceClassifier,
         {"target": "label", "read_options": {"time_col": "t", "series_col": "id"},
          **(_FIT | {"batch_size": 8})},
         Estimator(_labelled, lambda df: df[df["id"].isin(["s00", "s01"])]), finite=True),
]
CASES = (FEATURE_CASES + MISSING_CASES + SCALER_CASES + SPLIT_CASES + STATIC_CASES
         + PIPELINE_CASES + ESTIMATOR_CASES)
# one case per class for the checks that do not depend on the options
_FIRST: dict[type, Case] = {}
for _case in CASES:
    _FIRST.setdefault(_case.cls, _case)
PER_CLASS = list(_FIRST.values())


def _params(check: str, cases: list[Case]) -> list[Any]:
    out = []
    for case in cases:
        marks = [pytest.mark.xfail(strict=True, reason=case.xfail[check])] \
            if check in case.xfail else []
        out.append(pytest.param(case, id=case.id, marks=marks))
    return out


# ======================================================================== helpers
_CACHE: dict[str, tuple[Any, Any, Any]] = {}


def fitted(case: Case) -> tuple[Any, Any, Any]:
    """``(original, fitted clone, data)`` for a case, fitted once per session."""
    if case.id not in _CACHE:
        data = case.family.make_data(case)
        original = case.new()
        model = clone(original)
        torch.manual_seed(0)
        case.family.fit(model, data)
        _CACHE[case.id] = (original, model, data)
    return _CACHE[case.id]


def assert_same(a: Any, b: Any, where: str = "output") -> None:
    """Equal to the bit: values, NaN positions, dtypes, index and column names."""
    if isinstance(a, pd.DataFrame):
        assert isinstance(b, pd.DataFrame), where
        assert list(a.columns) == list(b.columns), f"{where}: columns differ"
        assert a.index.equals(b.index), f"{where}: index differs"
        for c in a.columns:
            assert_same(a[c], b[c], f"{where}[{c!r}]")
    elif isinstance(a, pd.Series):
        assert a.dtype == b.dtype, f"{where}: dtype {a.dtype} != {b.dtype}"
        if pd.api.types.is_numeric_dtype(a.dtype) and not isinstance(a.dtype, pd.BooleanDtype):
            assert_same(a.to_numpy(), b.to_numpy(), where)
        else:
            pd.testing.assert_series_equal(a, b, check_exact=True, obj=where)
    elif isinstance(a, torch.Tensor):
        assert_same(a.detach().numpy(), b.detach().numpy(), where)
    elif isinstance(a, np.ndarray):
        b = np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape, \
            f"{where}: {a.dtype}{a.shape} != {b.dtype}{b.shape}"
        if a.dtype.kind in "biufcmM":
            assert a.tobytes() == b.tobytes(), f"{where}: values differ"
        else:
            assert a.tolist() == b.tolist(), f"{where}: values differ"
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), f"{where}: keys differ"
        for k in a:
            assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), f"{where}: lengths differ"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float):
        assert isinstance(b, float) and (a == b or (np.isnan(a) and np.isnan(b))) and \
            np.signbit(a) == np.signbit(b), f"{where}: {a!r} != {b!r}"
    elif isinstance(a, str) and isinstance(b, str) and a != b and "\n" in a:
        diff = difflib.unified_diff(b.splitlines(), a.splitlines(), "expected", "got",
                                    lineterm="", n=2)
        raise AssertionError(f"{where} differs:\n" + "\n".join(list(diff)[:40]))
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def _spec(obj: Any) -> Any:
    """What ``get_params`` describes, nested steps included, comparable with ``==``."""
    if isinstance(obj, BaseEstimator):
        return (type(obj).__name__, _spec(obj.get_params(deep=False)))
    if isinstance(obj, dict):
        return {k: _spec(v) for k, v in obj.items()}
    return obj


def _assert_unfitted(obj: Any, uses: dict[str, Callable[[], Any]], when: str) -> None:
    name = type(obj).__name__
    for call in uses.values():
        with pytest.raises(NotFittedError, match=rf"This {name} is not fitted yet\. Call 'fit'"):
            call()
    leftover = sorted(k for k in vars(obj) if k.endswith("_") and not k.startswith("__"))
    with pytest.raises(SkNotFittedError):
        check_is_fitted(obj)
    assert not leftover, f"{name} {when} holds fitted attributes {leftover}"


# ========================================================================== checks
def _discover() -> dict[str, type]:
    """Every public class of seqguard's public modules that has ``fit`` (sklearn-style)."""
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(seqguard.__path__, "seqguard."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if inspect.isclass(obj) and issubclass(obj, BaseEstimator) \
                    and obj.__module__.startswith("seqguard.") \
                    and not obj.__name__.startswith("_") and callable(getattr(obj, "fit", None)):
                found[obj.__name__] = obj
    return found


def test_every_public_estimator_has_a_contract_case():
    found = _discover()
    assert {"Lags", "RollingStats", "Indicators", "Calendar", "Categoricals", "FeatureBuilder",
            "MissingStrategy", "Scaler", "TargetScaler", "TimeSplit", "SeriesSplit",
            "Pipeline", "Forecaster", "SequenceTagger", "SequenceClassifier"} <= set(found)
    transforms = {n for n, c in found.items() if issubclass(c, TransformerMixin)}
    assert {"Lags", "MissingStrategy", "Scaler", "FeatureBuilder"} <= transforms
    covered = {case.cls for case in CASES}
    missing = sorted(n for n, c in found.items() if c not in covered)
    assert not missing, f"add a contract case to tests/test_contract.py for {missing}"
    stale = sorted(c.__name__ for c in covered if found.get(c.__name__) is not c)
    assert not stale, f"contract cases for classes that are not public any more: {stale}"


@pytest.mark.parametrize("case", _params("params", CASES))
def test_params_clone_and_set_params_round_trip(case):
    obj = case.new()
    params = obj.get_params(deep=False)
    assert set(params) == set(inspect.signature(case.cls).parameters)
    for k, v in case.params.items():  # __init__ stores the arguments unchanged
        assert params[k] is v, f"__init__ changed the argument {k!r}"
    twin = clone(obj)
    assert type(twin) is type(obj) and _spec(twin) == _spec(obj)
    for k, v in params.items():  # the clone holds copies of mutable arguments
        if isinstance(v, (dict, list, BaseEstimator)):
            assert twin.get_params(deep=False)[k] is not v, f"clone shares {k!r}"
    assert _spec(type(obj)(**params)) == _spec(obj)
    deep = obj.get_params(deep=True)
    assert _spec(clone(obj).set_params(**deep)) == _spec(obj)
    for k in params:  # set_params sets exactly the one parameter
        marker = object()
        changed = clone(obj).set_params(**{k: marker}).get_params(deep=False)
        assert changed[k] is marker
        assert _spec({n: v for n, v in changed.items() if n != k}) == \
            _spec({n: v for n, v in params.items() if n != k})
    original, model, _ = fitted(case)  # ``model`` is a fitted clone of ``original``
    assert _spec(model) == _spec(original), "fit wrote over an argument"
    with pytest.raises(SkNotFittedError):
        check_is_fitted(original)  # fitting the clone left the original alone
    check_is_fitted(model)
    assert _spec(clone(model)) == _spec(original)
    with pytest.raises(SkNotFittedError):
        check_is_fitted(clone(model))  # a clone of a fitted object is unfitted


@pytest.mark.parametrize("case", _params("not_fitted", PER_CLASS))
def test_not_fitted_before_fit(case):
    assert issubclass(NotFittedError, SkNotFittedError)
    obj = case.new()
    uses = case.family.uses(obj, case.family.make_data(case))
    assert uses
    _assert_unfitted(obj, uses, "before fit")


@pytest.mark.parametrize("case", _params("failed_fit", PER_CLASS))
def test_failed_fit_leaves_the_object_unfitted(case):
    obj = case.new()
    data = case.family.make_data(case)
    with pytest.raises(InputError):
        case.family.bad_fit(obj, data, case)
    _assert_unfitted(obj, case.family.uses(obj, data), "after a failed fit")


@pytest.mark.parametrize("case", _params("json", CASES))
def test_saved_state_round_trip_transforms_identically(case, tmp_path):
    _, model, data = fitted(case)
    back = case.family.restore(model, tmp_path)
    assert type(back) is type(model)
    assert_same(case.family.outputs(back, data), case.family.outputs(model, data))
    assert_same(case.family.state(back), case.family.state(model), "fitted state")


POISON_CASES = [c for c in CASES if c.family.poison]


@pytest.mark.parametrize("case", _params("training_part", POISON_CASES))
def test_fit_never_reads_rows_outside_the_training_part(case):
    _, model, data = fitted(case)
    family = case.family
    again = case.new()
    if isinstance(family, (FrameTransform, Target)):
        values, g, train = data
        spoiled = _poison_frame(values, ~train) if isinstance(values, pd.DataFrame) else \
            np.where(train, values, HUGE)
        torch.manual_seed(0)
        family.fit(again, (spoiled, g, train))
        assert_same(family.state(again), family.state(model), "fitted state")
        if not case.lookahead:  # past only: the training rows come out the same
            a = family.outputs(model, data)["transform"]
            b = family.outputs(model, (spoiled, g, train))["transform"]
            assert_same(b[train], a[train], "transform of the training rows")
        return
    clean = case.new()  # a fresh fit: its state before any transform
    torch.manual_seed(0)
    family.fit(clean, data)
    expected = family.state(clean)
    rows = family.poison_rows(clean, data, case)
    assert rows.any() and not rows.all()
    df = data[0] if isinstance(family, Pipe) else data
    # the time and series columns stay; so do the labels of classify (a stratified
    # split reads every series' label: that is how it keeps the classes in each part)
    keep = [c for c in ("t", "time", "id") if c in df.columns]
    keep += [model.target] if model.task == "classify" else []
    spoiled = _poison_frame(df.drop(columns=keep), rows).join(df[keep])[df.columns]
    if isinstance(family, Pipe):
        family.fit(again, (spoiled, family.table(spoiled)))
    else:
        torch.manual_seed(0)
        family.fit(again, spoiled)
    assert_same(family.state(again), expected, "fitted state")


@pytest.mark.parametrize("case", _params("transform_state", CASES))
def test_transform_changes_no_learned_state(case):
    data = case.family.make_data(case)
    obj = case.new()
    torch.manual_seed(0)
    case.family.fit(obj, data)
    before = case.family.state(obj)
    case.family.outputs(obj, data)
    assert_same(case.family.state(obj), before, "fitted state after transform")


@pytest.mark.parametrize("case", _params("finite", [c for c in CASES if c.finite]))
def test_outputs_promised_finite_are_finite(case):
    _, model, data = fitted(case)
    arrays = case.family.finite(model, data, case.family.outputs(model, data))
    assert arrays
    for k, values in enumerate(arrays):
        values = np.asarray(values, dtype=np.float64)
        assert values.size and np.isfinite(values).all(), f"output {k} has NaN or inf"


# ------------------------------------------------ every declared parameter is checked
def _declared_with_a_check():
    from seqguard.params import ANY, ESTIMATOR_PARAMS, PIPELINE_PARAMS

    cases = []
    for owner, params in ((Forecaster, ESTIMATOR_PARAMS), (SequenceTagger, ESTIMATOR_PARAMS),
                          (SequenceClassifier, ESTIMATOR_PARAMS), (Pipeline, PIPELINE_PARAMS)):
        for p in params:
            if ANY not in p.accepts:
                cases.append(pytest.param(owner, p.name, id=f"{owner.__name__}-{p.name}"))
    return cases


class _NotAValue:
    def __repr__(self) -> str:
        return "<not a value>"


@pytest.mark.parametrize("owner, name", _declared_with_a_check())
def test_an_invalid_value_for_every_declared_parameter_is_refused_with_the_template(
        owner, name):
    from seqguard.errors import ParameterError

    obj = owner("y")
    obj.set_params(**{name: _NotAValue()})
    with pytest.raises(ParameterError) as info:
        obj.fit(series_frame(40))  # the check comes before any work on the data
    message = str(info.value)
    assert message.startswith(f"The '{name}' parameter of {owner.__name__} must be ")
    assert message.endswith("Got <not a value> instead.")


def test_the_declarations_are_covered():
    names = {c.id for c in _declared_with_a_check()}
    assert {"Forecaster-lr", "Forecaster-scaler", "Pipeline-missing",
            "SequenceClassifier-pool"} <= names
