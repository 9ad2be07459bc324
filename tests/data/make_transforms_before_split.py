"""Write tests/data/transforms_before_split.json (run once, with the code at b5c2d90).

The fitted state (``to_dict``) and the outputs of the feature builder, the missing-data
strategy and the scalers, from before features.py, missing.py and scaling.py became
packages. tests/test_saved_transforms.py checks that today's code loads that state,
writes it back the same, refits it the same and transforms bit for bit the same.
Run from the repository root: ``python tests/data/make_transforms_before_split.py``.
"""
import json
import warnings

import numpy as np
import pandas as pd

from seqguard._serialize import encode
from seqguard.features import Calendar, Categoricals, FeatureBuilder, Indicators, Lags, RollingStats
from seqguard.missing import MissingStrategy
from seqguard.scaling import Scaler, TargetScaler

warnings.simplefilter("ignore")
rng = np.random.default_rng(12)
n_per = 40
groups = np.repeat([3, 7], n_per).astype(np.int64)
n = len(groups)
t = pd.date_range("2020-01-01", periods=n_per, freq="6h")
time = np.concatenate([t, t])
a = 100 + np.cumsum(rng.normal(0, 1, n))
b = rng.normal(5, 2, n)
c = rng.normal(-1, 3, n)
a[[2, 3, 17, 41, 42, 43, 60]] = np.nan
b[[0, 1, 10, 11, 12, 40, 79]] = np.nan
b[25] = np.inf
c[[5, 50, 51]] = np.nan
cat = rng.choice(["n", "s", "e", "w"], size=n).astype(object)
cat[[4, 44]] = None
train = np.r_[np.arange(30), np.arange(40, 70)]

feat_X = pd.DataFrame({"time": time, "a": a, "b": b, "cat": cat})
num_X = pd.DataFrame({"a": a, "b": b, "c": c, "d": rng.normal(0, 1, n),
                      "e": rng.normal(0, 1, n), "f": rng.normal(0, 1, n),
                      "g": rng.normal(0, 1, n), "h": rng.normal(0, 1, n),
                      "i": rng.normal(0, 1, n), "j": rng.normal(0, 1, n),
                      "k": rng.normal(0, 1, n)})
for col, rows in {"d": [0, 9, 10, 39], "e": [3, 4, 5, 6, 44], "f": [20, 21, 61],
                  "g": [1, 2, 41, 77, 78, 79], "h": [30, 31, 32, 50], "i": [7, 8, 48],
                  "j": [12, 13, 14, 55], "k": [0, 1, 2, 3, 45]}.items():
    num_X.loc[rows, col] = np.nan
y = a.copy()

cases = []
def frame_out(df):
    return {"columns": [str(x) for x in df.columns],
            "values": {str(k): encode(np.asarray(df[k].to_numpy())) for k in df.columns}}

fb = FeatureBuilder(
    lags=Lags({"a": [1, 2, 5], "b": [1]}),
    rolling=RollingStats({"a": [3, 7], "b": [4]}, min_periods=2),
    indicators=Indicators({"a": ["sma:5", "ema:4", "rsi:3", "macd:3/5/2", "bollinger:6/1.5"],
                           "b": ["rsi:4"]}),
    calendar=Calendar("auto"),
    categorical=Categoricals(["cat"], max_categories=3))
fbx = FeatureBuilder(calendar=Calendar(["hour", "dayofweek", "month", "dayofyear"],
                                       time_col="time"),
                     categorical=Categoricals(["cat"], encoding="codes", missing="unknown"))
for name, tr in (("feature_builder", fb), ("feature_builder_codes", fbx)):
    tr.fit(feat_X.iloc[train], groups=groups[train])
    out = tr.transform(feat_X, groups=groups)
    cases.append({"name": name, "input": "features", "state": tr.to_dict(),
                  "output": frame_out(out.drop(columns=["time", "cat"]))})

ms = MissingStrategy("auto", per_column={
    "b": "mask", "c": "drop", "d": "impute:mean", "e": "impute:median",
    "f": "impute:ffill:lead=zero", "g": "impute:bfill:trail=mean",
    "h": "impute:linear:lead=drop:trail=mean", "i": "impute:time", "j": "impute:knn:k=3",
    "k": "impute:seasonal:season=4:lead=bfill"}, knn_max_rows=25)
ms.fit(num_X.iloc[train], groups=groups[train])
out = ms.transform(num_X, groups=groups)
cases.append({"name": "missing_strategy", "input": "numeric", "state": ms.to_dict(),
              "output": frame_out(out),
              "usable_rows": encode(ms.usable_rows(num_X, groups=groups)),
              "report": ms.report(num_X, groups=groups).to_dict()})

for method in ("standard", "minmax", "robust", "none"):
    for per in ("global", "series"):
        sc = Scaler(method, per=per).fit(num_X.iloc[train][["a", "b", "d"]], groups=groups[train])
        out = sc.transform(num_X[["a", "b", "d"]], groups=groups)
        cases.append({"name": f"scaler_{method}_{per}", "input": "numeric_abd",
                      "state": sc.to_dict(), "output": frame_out(out),
                      "inverse": frame_out(sc.inverse_transform(out, groups=groups))})
for method in ("standard", "robust"):
    ts = TargetScaler(method, per="series").fit(y[train], groups=groups[train])
    z = ts.transform(np.column_stack([y, y[::-1]]), groups=groups)
    cases.append({"name": f"target_scaler_{method}_series", "input": "target",
                  "state": ts.to_dict(), "output_array": encode(z),
                  "inverse_array": encode(ts.inverse_transform(z, groups=groups))})

doc = {"written_by": "seqguard at commit b5c2d90 (before features/, missing/, scaling/ "
                     "became packages)",
       "inputs": {"groups": encode(groups), "train": encode(train),
                  "features": {"time": [str(x) for x in time], "a": encode(a),
                               "b": encode(b), "cat": list(cat)},
                  "numeric": {k: encode(num_X[k].to_numpy()) for k in num_X.columns},
                  "target": encode(y)},
       "cases": cases}
path = "tests/data/transforms_before_split.json"
with open(path, "w") as fh:
    json.dump(doc, fh, separators=(",", ":"))
    fh.write("\n")
print(path, [c["name"] for c in cases])
