"""Scores against scikit-learn as the oracle, baselines against hand examples, metrics.json keys."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    roc_auc_score,
    root_mean_squared_error,
)
from sklearn.preprocessing import label_binarize

from seqguard.baselines import (
    base_rate,
    baseline_scores,
    classification_baseline_scores,
    last_observed_before,
    majority_class,
    mean_baseline,
    persistence,
    season_from_freq,
    seasonal_naive,
    tag_baseline_scores,
)
from seqguard.errors import InputError
from seqguard.metrics import (
    CLASSIFICATION_KEYS,
    REGRESSION_KEYS,
    TAG_KEYS,
    build_metrics,
    classification_scores,
    json_safe,
    mase_scale,
    prediction_std_ratio,
    regression_scores,
    skill,
)

# The metrics.json example of DESIGN.md ("Run directory"), copied verbatim.
DESIGN_METRICS = json.loads("""
{"task": "forecast", "target": "pm2.5", "input_len": 48, "horizon": 24,
 "test": {"mae": 0.0, "rmse": 0.0, "smape": 0.0, "mase": 0.0,
          "by_horizon": [{"h": 1, "mae": 0.0, "rmse": 0.0}]},
 "baselines": {"persistence": {"mae": 0.0, "rmse": 0.0},
               "seasonal_naive": {"mae": 0.0, "rmse": 0.0},
               "mean": {"mae": 0.0, "rmse": 0.0}},
 "skill_vs_persistence": 0.0,
 "prediction_std_ratio": 0.0,
 "n_windows": {"train": 0, "val": 0, "test": 0},
 "guard_events": 0}
""")


def _masked(rng: np.random.Generator, n: int = 60, h: int = 5, frac: float = 0.3):
    y = rng.normal(50, 20, size=(n, h))
    p = y + rng.normal(0, 8, size=(n, h))
    y[rng.random((n, h)) < frac] = np.nan
    y[0, 0] = 3.0  # at least one observed everywhere
    return y, p


# ----------------------------------------------------------------- regression
def test_regression_scores_match_sklearn_on_observed_targets(rng):
    y, p = _masked(rng)
    p[np.isnan(y)] = np.nan  # a prediction at a missing target is never read
    m = ~np.isnan(y)
    s = regression_scores(y, p)
    assert s["mae"] == pytest.approx(mean_absolute_error(y[m], p[m]), rel=1e-12)
    assert s["rmse"] == pytest.approx(root_mean_squared_error(y[m], p[m]), rel=1e-12)
    assert s["rmse"] == pytest.approx(math.sqrt(mean_squared_error(y[m], p[m])), rel=1e-12)
    assert s["n_observed"] == int(m.sum())
    assert [b["h"] for b in s["by_horizon"]] == [1, 2, 3, 4, 5]
    for h, b in enumerate(s["by_horizon"]):
        col = m[:, h]
        assert b["mae"] == pytest.approx(mean_absolute_error(y[col, h], p[col, h]))
        assert b["rmse"] == pytest.approx(root_mean_squared_error(y[col, h], p[col, h]))
    assert s["mase"] is None  # no y_train given


def test_smape_by_hand_with_zero_pair_and_missing():
    y = np.array([[100.0, 0.0, np.nan], [-50.0, 10.0, 0.0]])
    p = np.array([[110.0, 0.0, 999.0], [50.0, 30.0, 5.0]])
    # terms: 200*10/210, 0 (both zero), -, 200*100/100, 200*20/40, 200*5/5
    terms = [2000 / 210, 0.0, 200.0, 100.0, 200.0]
    assert regression_scores(y, p)["smape"] == pytest.approx(sum(terms) / 5)
    assert regression_scores([[0.0]], [[0.0]])["smape"] == 0.0


def test_mase_by_hand_pooled_over_series_with_nan():
    train = [np.array([1.0, 3.0, np.nan, 4.0, 8.0]), np.array([10.0, 10.0, 13.0])]
    # season 1 pairs (both observed): |3-1|, |8-4| and |10-10|, |13-10| -> mean 9/4
    assert mase_scale(train, 1) == pytest.approx(9 / 4)
    # season 2: |nan-1| skipped, |4-3|, |8-nan| skipped; |13-10| -> (1 + 3) / 2
    assert mase_scale(train, 2) == pytest.approx(2.0)
    y = np.array([[1.0, np.nan], [5.0, 2.0]])
    p = np.array([[2.0, 0.0], [3.0, 2.0]])  # MAE = (1 + 2 + 0) / 3 = 1
    s = regression_scores(y, p, y_train=train, season=1)
    assert s["mase"] == pytest.approx(1 / (9 / 4))
    # a flat 1-D training series is one series
    assert regression_scores(y, p, y_train=np.array([0.0, 2.0, 4.0]))["mase"] == 0.5


@pytest.mark.parametrize("y_train", [np.array([5.0, 5.0, 5.0]), np.array([1.0]),
                                     np.array([1.0, np.nan, 2.0])],
                         ids=["constant", "too-short", "no-observed-pair"])
def test_mase_none_when_not_computable(y_train):
    assert mase_scale(y_train, 1) is None
    s = regression_scores([[1.0]], [[2.0]], y_train=y_train)
    assert s["mase"] is None
    json.dumps(s, allow_nan=False)


def test_regression_by_horizon_none_for_unobserved_step():
    s = regression_scores([[1.0, np.nan], [2.0, np.nan]], [[1.0, 5.0], [4.0, 5.0]])
    assert s["by_horizon"][1] == {"h": 2, "mae": None, "rmse": None}
    assert s["by_horizon"][0]["mae"] == 1.0


def test_regression_errors():
    with pytest.raises(InputError, match=r"y_true has shape \(2, 3\) but y_pred has shape"):
        regression_scores(np.zeros((2, 3)), np.zeros((2, 2)))
    with pytest.raises(InputError, match="no observed target"):
        regression_scores([[np.nan]], [[1.0]])
    with pytest.raises(InputError, match=r"non-finite value\(s\) at observed targets "
                                         r"\(first: window 1, step h=2"):
        regression_scores([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, np.nan]])
    with pytest.raises(InputError, match="'season' parameter must be an integer >= 1"):
        regression_scores([[1.0]], [[1.0]], y_train=[1.0, 2.0], season=0)
    with pytest.raises(InputError, match="y_true holds infinite values"):
        regression_scores([[np.inf]], [[1.0]])


def test_prediction_std_ratio(rng):
    y, p = _masked(rng)
    m = ~np.isnan(y)
    expected = np.std(p[m], ddof=0) / np.std(y[m], ddof=0)
    assert prediction_std_ratio(y, p) == pytest.approx(expected)
    const = np.full_like(p, 0.1)
    const[~m] = 123.0  # values at missing targets are not read
    assert prediction_std_ratio(y, const) == 0.0
    assert prediction_std_ratio([[2.0, 2.0]], [[1.0, 3.0]]) is None  # constant target
    assert prediction_std_ratio([[2.0, 2.0]], [[1.0, 1.0]]) == 0.0


def test_skill():
    assert skill(5.0, 10.0) == 0.5
    assert skill(15.0, 10.0) == -0.5
    assert skill(1.0, 0.0) is None
    assert skill(None, 1.0) is None
    assert skill(1.0, float("nan")) is None


# ----------------------------------------------------------------- classification
def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_binary_logits_match_sklearn_with_missing_labels(rng):
    n = 200
    y = (rng.random(n) < 0.4).astype(float)
    z = 2.0 * (y - 0.5) + rng.normal(0, 1.5, n)
    y[rng.random(n) < 0.2] = np.nan
    m = ~np.isnan(y)
    yo, p1 = y[m].astype(int), 1 / (1 + np.exp(-z[m]))
    for scores, kind in [(z, "logits"), (z[:, None], "logits"), (1 / (1 + np.exp(-z)), "auto"),
                         (np.stack([-z / 2, z / 2], axis=1), "logits")]:
        s = classification_scores(y, scores, n_classes=2, kind=kind)
        assert s["accuracy"] == pytest.approx(accuracy_score(yo, p1 >= 0.5))
        assert s["roc_auc"] == pytest.approx(roc_auc_score(yo, p1))
        assert s["pr_auc"] == pytest.approx(average_precision_score(yo, p1))
        assert s["log_loss"] == pytest.approx(log_loss(yo, p1, labels=[0, 1]), rel=1e-9)
        assert s["n_observed"] == int(m.sum())
        assert s["notes"] == {}


def test_multiclass_logits_match_sklearn_ovr_macro(rng):
    n, K = 300, 4
    y = rng.integers(0, K, n).astype(float)
    z = rng.normal(0, 1, (n, K))
    z[np.arange(n), y.astype(int)] += 1.0
    y[rng.random(n) < 0.1] = np.nan
    m = ~np.isnan(y)
    yo, P = y[m].astype(int), _softmax(z[m])
    for scores, kind in [(z, "logits"), (_softmax(z), "auto"), (_softmax(z), "proba")]:
        s = classification_scores(y, scores, n_classes=K, kind=kind)
        assert s["accuracy"] == pytest.approx(accuracy_score(yo, P.argmax(1)))
        assert s["roc_auc"] == pytest.approx(
            roc_auc_score(yo, P, multi_class="ovr", average="macro", labels=range(K)))
        assert s["pr_auc"] == pytest.approx(
            average_precision_score(label_binarize(yo, classes=range(K)), P, average="macro"))
        assert s["log_loss"] == pytest.approx(log_loss(yo, P, labels=range(K)), rel=1e-9)


def test_single_class_gives_none_with_reason():
    s = classification_scores([1, 1, np.nan, 1], [0.9, 0.2, 0.5, 0.7], n_classes=2)
    assert s["roc_auc"] is None and s["pr_auc"] is None
    assert s["accuracy"] == pytest.approx(2 / 3)
    assert "only class 1 is present among the 3 observed labels" in s["notes"]["roc_auc"]
    json.dumps(s, allow_nan=False)


def test_multiclass_absent_class_is_noted(rng):
    z = rng.normal(size=(6, 3))
    s = classification_scores([0, 1, 0, 1, 1, 0], z, n_classes=3, kind="logits")
    P = _softmax(z)
    lab = np.array([0, 1, 0, 1, 1, 0])
    expected = np.mean([roc_auc_score(lab == k, P[:, k]) for k in (0, 1)])
    assert s["roc_auc"] == pytest.approx(expected)
    assert "class(es) [2] have no observed label" in s["notes"]["roc_auc"]


def test_classification_errors():
    with pytest.raises(InputError, match="'n_classes' parameter must be an integer >= 2"):
        classification_scores([0, 1], [0.1, 0.9], n_classes=1)
    with pytest.raises(InputError, match="y_true holds 2, which is not a class code 0 .. 1"):
        classification_scores([0, 2], [0.1, 0.9], n_classes=2)
    with pytest.raises(InputError, match="scores have 2 columns but n_classes=3"):
        classification_scores([0, 1], np.zeros((2, 2)), n_classes=3)
    with pytest.raises(InputError, match="a 1-D score array is the positive-class score"):
        classification_scores([0, 1], [0.1, 0.9], n_classes=3)
    with pytest.raises(InputError, match="y_true has 3 rows but the scores have 2"):
        classification_scores([0, 1, 1], [0.1, 0.9], n_classes=2)
    with pytest.raises(InputError, match="no observed label"):
        classification_scores([np.nan], [0.3], n_classes=2)
    with pytest.raises(InputError, match="scores hold NaN/inf at observed labels"):
        classification_scores([0, 1], [np.nan, 0.3], n_classes=2, kind="logits")


# ----------------------------------------------------------------- baselines
def test_persistence_and_mean():
    assert persistence([1.0, 2.0], 2).tolist() == [[1.0, 1.0], [2.0, 2.0]]
    assert mean_baseline(3.0, 2, 3).tolist() == [[3.0] * 3] * 2
    assert mean_baseline([1.0, 2.0], 2, 1).tolist() == [[1.0], [2.0]]
    with pytest.raises(InputError, match=r"train_mean has shape \(3,\); expected a number "
                                         r"or \(2,\)"):
        mean_baseline([1.0, 2.0, 3.0], 2, 1)
    with pytest.raises(InputError, match="'horizon' parameter must be an integer >= 1"):
        persistence([1.0], 0)


def test_seasonal_naive_hand_example_with_nan_and_series_start():
    # two series: rows 0..7 (season 3) and rows 8..13
    y = np.array([10, 20, np.nan, 11, 21, 31, 12, 22,
                  100, 200, 300, np.nan, 201, 301], dtype=float)
    rows = np.array([[4, 5, 6, 7],       # series 0, e = 3
                     [10, 11, 12, 13]])  # series 1, e = 9
    out = seasonal_naive(y, rows, [0, 8], season=3)
    # window 0: r=4 -> y[1]=20; r=5 -> y[2] NaN -> persistence y[3]=11; r=6 -> y[3]=11;
    #           r=7 -> k=2 -> y[1]=20
    assert out[0].tolist() == [20.0, 11.0, 11.0, 20.0]
    # window 1 (e = 9, last = 200): r=10 -> row 7 belongs to series 0 -> persistence 200;
    #           r=11 -> y[8]=100; r=12 -> y[9]=200; r=13 -> k=2 -> row 7 -> persistence
    assert out[1].tolist() == [200.0, 100.0, 200.0, 200.0]
    # season 1 is persistence; an explicit last is used as the fallback
    assert seasonal_naive(y, rows, [0, 8], season=1).tolist() == [[11.0] * 4, [200.0] * 4]
    assert seasonal_naive(y, rows[1:], 8, season=3, last=[-1.0])[0].tolist() == \
        [-1.0, 100.0, 200.0, -1.0]


def test_seasonal_naive_never_reads_the_future_or_another_series(rng):
    n = 200
    bounds = [0, 70, 130, 200]
    y = rng.normal(size=n)
    y[rng.random(n) < 0.2] = np.nan
    H, L = 6, 5
    starts, s0 = [], []
    for a, b in itertools.pairwise(bounds):
        for s in range(a, b - L - H + 1):
            starts.append(s)
            s0.append(a)
    starts, s0 = np.array(starts), np.array(s0)
    rows = starts[:, None] + np.arange(L, L + H)
    base = seasonal_naive(y, rows, s0, season=4)
    for i in rng.choice(len(starts), 25, replace=False):
        e, a = rows[i, 0] - 1, s0[i]
        y2 = y.copy()
        y2[e + 1:] = rng.normal(size=n - e - 1) + 1e3  # the future, and later series
        y2[:a] = rng.normal(size=a) - 1e3               # earlier series
        again = seasonal_naive(y2, rows[i:i + 1], a, season=4)
        np.testing.assert_array_equal(again[0], base[i])


def test_seasonal_naive_errors():
    y = np.arange(10.0)
    with pytest.raises(InputError, match="target_rows of window 0 are not consecutive"):
        seasonal_naive(y, [[3, 5]], 0, season=2)
    with pytest.raises(InputError, match=r"target_rows hold 8..10, outside y's 10 rows"):
        seasonal_naive(y, [[8, 9, 10]], 0, season=2)
    with pytest.raises(InputError, match="last input row 4 is before its series start 5"):
        seasonal_naive(y, [[5, 6]], 5, season=2)
    with pytest.raises(InputError, match=r"series_start has shape \(3,\)"):
        seasonal_naive(y, [[5, 6]], [0, 0, 0], season=2)


def test_last_observed_before_stays_in_series():
    y = [1.0, np.nan, 7.0, np.nan, np.nan]
    out = last_observed_before(y, [1, 4, 4, 3], [0, 0, 3, 2])
    assert out[[0, 1, 3]].tolist() == [1.0, 7.0, 7.0]
    assert np.isnan(out[2])  # series starting at row 3 has nothing observed yet


@pytest.mark.parametrize("freq,season", [
    ("h", 24), ("1h", 24), ("H", 24), ("D", 7), ("15min", 96), ("30min", 48), ("min", 1440),
    ("W", 52), ("W-SUN", 52), ("MS", 12), ("ME", 12), ("QS", 4), ("2h", 12), ("10s", 1),
    (pd.Timedelta(hours=1), 24), (pd.Timedelta(days=1), 7), (pd.offsets.MonthBegin(), 12),
    (pd.offsets.Week(weekday=6), 52), (pd.offsets.Hour(), 24),
    (1.0, 1), (3, 1), (None, 1),
], ids=str)
def test_season_from_freq(freq, season):
    assert season_from_freq(freq) == season


def test_season_override_and_errors():
    assert season_from_freq("h", season=168) == 168
    with pytest.raises(InputError, match=r"'season' parameter \(--season\) must be an integer"):
        season_from_freq("h", season=0)
    with pytest.raises(InputError, match="freq 'fortnightly' is not a time step"):
        season_from_freq("fortnightly")


def test_majority_class_and_base_rate():
    assert majority_class([0, 2, 2, 1, np.nan, 1]) == 1  # tie -> smallest code
    assert base_rate([0, 1, 1, np.nan, 1], 3).tolist() == [0.25, 0.75, 0.0]
    with pytest.raises(InputError, match="y_train has no observed label"):
        majority_class([np.nan])


def test_baseline_scores_hand_example():
    y = np.array([1.0, 2.0, np.nan, 4.0, 5.0, 6.0])
    rows = np.array([[3, 4], [4, 5]])
    y_true = y[rows]
    s = baseline_scores(y_true, y=y, target_rows=rows, series_start=0, season=2,
                        train_mean=3.0)
    assert set(s) == {"persistence", "seasonal_naive", "mean"}  # no climatology given
    assert all({"mae", "rmse", "by_horizon"} <= set(v) for v in s.values())
    assert s["seasonal_naive"]["season"] == 2
    # persistence: last = 2 (row 2 missing) then 4 -> errors 2, 3, 1, 2
    assert s["persistence"]["mae"] == pytest.approx(2.0)
    # seasonal (e=2): r3 -> y1=2, r4 -> y2 NaN -> last 2; (e=3): r4 -> y2 NaN -> 4, r5 -> y3=4
    assert s["seasonal_naive"]["mae"] == pytest.approx((2 + 3 + 1 + 2) / 4)
    assert s["mean"]["rmse"] == pytest.approx(math.sqrt((1 + 4 + 4 + 9) / 4))


def test_classification_baseline_scores():
    b = classification_baseline_scores([0, 1, 1, np.nan], [1, 1, 0, 1], 2)
    assert b["majority"] == {"class": 1, "accuracy": pytest.approx(2 / 3)}
    assert b["base_rate"]["log_loss"] == pytest.approx(
        log_loss([0, 1, 1], [[0.25, 0.75]] * 3))


# ----------------------------------------------------------------- metrics.json
def _keys(d):
    if isinstance(d, dict):
        return {k: _keys(v) for k, v in d.items()}
    if isinstance(d, list):
        return [_keys(v) for v in d[:1]]
    return None


def _contains(big, small):
    if isinstance(small, dict):
        return isinstance(big, dict) and all(k in big and _contains(big[k], v)
                                             for k, v in small.items())
    if isinstance(small, list):
        return isinstance(big, list) and all(_contains(b, s) for b, s in zip(big, small))
    return True


def test_build_metrics_regression_matches_design_keys(rng):
    y, p = _masked(rng, n=20, h=3)
    flat = rng.normal(50, 20, 200)
    rows = np.arange(100, 160).reshape(20, 3)
    base = baseline_scores(flat[rows], y=flat, target_rows=rows, series_start=0, season=24,
                           train_mean=50.0)
    m = build_metrics(task="forecast", target="pm2.5", input_len=48, y_true=y, y_pred=p,
                      baselines=base, n_windows={"train": 100, "val": 20, "test": 20},
                      guard_events=2, y_train=np.full(5, 1.0), season=1)
    assert tuple(m) == REGRESSION_KEYS
    # DESIGN.md's keys, plus best_baseline / skill_vs_best and the baselines' extras
    assert _contains(_keys(m), _keys(DESIGN_METRICS))
    assert set(m) - set(DESIGN_METRICS) == {"best_baseline", "skill_vs_best", "by_series"}
    assert m["horizon"] == 3 and len(m["test"]["by_horizon"]) == 3
    assert m["test"]["mase"] is None  # constant training series: not computable
    assert m["skill_vs_persistence"] == pytest.approx(
        1 - m["test"]["mae"] / base["persistence"]["mae"])
    assert m["guard_events"] == 2 and m["n_windows"]["val"] == 20
    text = json.dumps(m, allow_nan=False)
    assert json.loads(text) == m


def test_build_metrics_classification_keys(rng):
    y = rng.integers(0, 3, 30).astype(float)
    z = rng.normal(size=(30, 3))
    base = classification_baseline_scores(y, rng.integers(0, 3, 50), 3)
    m = build_metrics(task="classify", target="label", input_len=None, y_true=y, y_pred=z,
                      baselines=base, n_windows={"train": 50, "val": 10, "test": 30},
                      n_classes=3, kind="logits")
    assert tuple(m) == CLASSIFICATION_KEYS
    assert set(m["test"]) == {"accuracy", "roc_auc", "pr_auc", "log_loss", "notes"}
    assert set(m["baselines"]) == {"majority", "base_rate"}
    assert m["skill_vs_base_rate"] == pytest.approx(
        1 - m["test"]["log_loss"] / base["base_rate"]["log_loss"])
    json.dumps(m, allow_nan=False)


def test_tag_baseline_is_the_training_mean_over_observed_steps(rng):
    y = rng.normal(10, 3, 200)
    y[rng.random(200) < 0.2] = np.nan
    seen = y[~np.isnan(y)]
    base = tag_baseline_scores(y, train_mean=9.5)
    assert set(base) == {"mean"} and base["mean"]["by_horizon"] is None
    assert base["mean"]["mae"] == pytest.approx(mean_absolute_error(seen, np.full_like(seen, 9.5)))
    assert base["mean"]["rmse"] == pytest.approx(
        root_mean_squared_error(seen, np.full_like(seen, 9.5)))


def test_build_metrics_tag_keys(rng):
    y = rng.normal(10, 3, 100)
    p = y + rng.normal(0, 1, 100)
    y[::7] = np.nan
    base = tag_baseline_scores(y, train_mean=10.0)
    m = build_metrics(task="tag", target="y", input_len=16, y_true=y, y_pred=p,
                      baselines=base, n_windows={"train": 50, "val": 10, "test": 85},
                      y_train=rng.normal(10, 3, 300), season=1)
    assert tuple(m) == TAG_KEYS and TAG_KEYS[:len(REGRESSION_KEYS)] == REGRESSION_KEYS
    assert m["horizon"] is None and m["test"]["by_horizon"] is None
    assert set(m["test"]) == {"mae", "rmse", "smape", "mase", "by_horizon"}
    seen = ~np.isnan(y)
    assert m["test"]["mae"] == pytest.approx(mean_absolute_error(y[seen], p[seen]))
    assert m["baselines"] == base and m["skill_vs_persistence"] is None
    assert m["skill_vs_mean"] == pytest.approx(1 - m["test"]["mae"] / base["mean"]["mae"])
    assert m["prediction_std_ratio"] == pytest.approx(np.std(p[seen]) / np.std(y[seen]))
    assert json.loads(json.dumps(m, allow_nan=False)) == m
    with pytest.raises(InputError, match=r"baselines lacks \['mean'\]"):
        build_metrics(task="tag", target="y", input_len=16, y_true=y, y_pred=p,
                      baselines={}, n_windows={})


def test_build_metrics_classification_names_the_classes(rng):
    y = rng.integers(0, 2, 40).astype(float)
    base = classification_baseline_scores(y, rng.integers(0, 2, 80), 2)
    m = build_metrics(task="classify", target="label", input_len=None, y_true=y,
                      y_pred=rng.normal(size=40), baselines=base, n_windows={"test": 40},
                      n_classes=2, classes=["no", "yes"], kind="logits")
    assert m["classes"] == ["no", "yes"]


def test_build_metrics_errors(rng):
    y, p = _masked(rng, n=4, h=2)
    kw = {"target": "t", "input_len": 3, "y_true": y, "y_pred": p,
          "n_windows": {"train": 1, "val": 1, "test": 1}}
    with pytest.raises(InputError, match="'task' parameter must be one of forecast, tag, "
                                         "classify. Got 'regress'"):
        build_metrics(task="regress", baselines={}, **kw)
    with pytest.raises(InputError, match=r"baselines lacks \['seasonal_naive', 'mean'\]"):
        build_metrics(task="forecast", baselines={"persistence": {"mae": 1, "rmse": 1}}, **kw)
    with pytest.raises(InputError, match="needs n_classes"):
        build_metrics(task="classify", baselines={}, **kw)


def test_json_safe():
    out = json_safe({"a": np.float32(np.nan), "b": np.array([1.0, np.inf]), "c": np.int64(3),
                     "d": (np.bool_(True),)})
    assert out == {"a": None, "b": [1.0, None], "c": 3, "d": [True]}
    json.dumps(out, allow_nan=False)


def test_beats_baseline_needs_more_than_the_noise_margin():
    from seqguard.metrics import SKILL_MARGIN, beats_baseline

    assert SKILL_MARGIN == 0.02
    assert beats_baseline(0.021) and beats_baseline(0.5)
    assert not beats_baseline(0.02) and not beats_baseline(0.014)
    assert not beats_baseline(-0.1) and not beats_baseline(float("nan"))
    assert not beats_baseline(None)
    assert beats_baseline(0.01, margin=0.0)
