"""The data doctor: one test per finding code, clean data, JSON and text output, Beijing."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seqguard.audit import AuditReport, Finding, audit
from seqguard.errors import InputError
from seqguard.table import IngestReport, Table


# ----------------------------------------------------------------- helpers
def make_table(df: pd.DataFrame, *, time: str = "t", series: str | None = None,
               categorical: Sequence[str] = (), target: str | None = None,
               inserted: np.ndarray | None = None, report: IngestReport | None = None,
               freq: float | pd.Timedelta = 1.0) -> Table:
    """A Table with the guarantees of seqguard.table, built without seqguard.io."""
    df = df.copy()
    if time not in df:
        if series is None:
            df[time] = np.arange(len(df), dtype=np.float64)
        else:
            df[time] = df.groupby(series).cumcount().astype(np.float64)
    keys = [series, time] if series else [time]
    df = df.sort_values(keys, kind="stable").reset_index(drop=True)
    values = [c for c in df.columns if c not in keys]
    numeric = [c for c in values if c not in categorical]
    for c in numeric:
        df[c] = df[c].astype("float64")
    for c in categorical:
        df[c] = df[c].astype("string")
    if series:
        df[series] = df[series].astype("string")
    df = df[keys + values]
    ins = np.zeros(len(df), bool) if inserted is None else np.asarray(inserted, bool)
    return Table(frame=df, time_col=time, series_col=series, numeric=numeric,
                 categorical=list(categorical), freq=freq, inserted=ins,
                 source="test.csv", report=report or IngestReport(n_input_rows=len(df)),
                 target=target)


def one(report: AuditReport, code: str, column: str | None = None) -> Finding:
    found = report.select(code=code, column=column)
    assert len(found) == 1, (code, column, [(f.code, f.column) for f in report])
    return found[0]


def clean_frame(rng: np.random.Generator, n: int = 300) -> pd.DataFrame:
    a = rng.normal(0, 1, n)
    return pd.DataFrame({
        "a": a,
        "b": rng.normal(10, 2, n),
        "c": rng.uniform(0, 5, n),
        "kind": rng.choice(["x", "y", "z"], n),
        "y": 0.5 * a + rng.normal(0, 1, n),
    })


# ------------------------------------------------------------ clean data
def test_clean_data_has_no_findings(rng):
    report = audit(make_table(clean_frame(rng), categorical=["kind"], target="y"))
    assert len(report) == 0, [f.message for f in report]
    assert report.exit_code == 0 and not report.has_errors
    assert report.counts == {"error": 0, "warning": 0, "info": 0}
    assert "No problems found." in report.to_text()


def test_table_target_is_the_default_target(rng):
    df = clean_frame(rng)
    df.loc[:99, "y"] = np.nan
    report = audit(make_table(df, categorical=["kind"], target="y"))
    assert report.summary["target"] == "y"
    assert one(report, "target_missing", "y").severity == "warning"


# ---------------------------------------------------------- missing values
def test_missing_values_counts_runs_and_gap(rng):
    df = clean_frame(rng, 100)
    x = df["b"].to_numpy().copy()
    x[[0, 1, 2]] = np.nan            # leading run 3
    x[50:55] = np.nan                # internal gap 5
    x[98:] = np.nan                  # trailing run 2
    df["b"] = x
    report = audit(make_table(df, categorical=["kind"]))
    f = one(report, "missing_values", "b")
    assert f.severity == "warning"
    assert f.evidence == {"count": 10, "fraction": 0.1, "leading_run": 3,
                          "trailing_run": 2, "longest_gap": 5}
    assert "10 missing values (10%)" in f.message
    assert "leading run of 3 missing values" in f.message
    assert "longest gap 5 rows from time 50.0" in f.message
    lead = one(report, "leading_missing", "b")
    assert lead.severity == "info"
    assert lead.evidence["leading_run"] == 3 and lead.evidence["first_observed_row"] == 3
    assert "--missing" in f.fix


def test_few_missing_values_are_info(rng):
    df = clean_frame(rng, 300)
    df.loc[150, "a"] = np.nan
    f = one(audit(make_table(df, categorical=["kind"])), "missing_values", "a")
    assert f.severity == "info"
    assert f.evidence["count"] == 1 and f.evidence["leading_run"] == 0


def test_missing_values_in_categorical_column(rng):
    df = clean_frame(rng, 100)
    df["kind"] = df["kind"].astype(object)
    df.loc[:9, "kind"] = None
    f = one(audit(make_table(df, categorical=["kind"])), "missing_values", "kind")
    assert f.evidence["count"] == 10 and f.evidence["leading_run"] == 10


def test_inserted_rows_count_as_missing_and_are_reported(rng):
    df = clean_frame(rng, 100)
    inserted = np.zeros(100, bool)
    inserted[40:43] = True
    df.loc[inserted, ["a", "b", "c", "y"]] = np.nan
    df["kind"] = df["kind"].astype(object)
    df.loc[inserted, "kind"] = None
    rep = IngestReport(n_input_rows=97, inserted_rows=3, largest_inserted_run=3,
                       irregular_steps=1)
    report = audit(make_table(df, categorical=["kind"], inserted=inserted, report=rep))
    f = one(report, "missing_values", "a")
    assert f.evidence["inserted_rows"] == 3 and f.evidence["longest_gap"] == 3
    assert "3 of them in inserted grid rows" in f.message
    ins = one(report, "inserted_rows")
    assert ins.severity == "info" and ins.evidence["count"] == 3
    assert ins.evidence["largest_run"] == 3
    assert one(report, "irregular_timestamps").severity == "info"
    assert report.summary["inserted_rows"] == 3


def test_all_missing_column(rng):
    df = clean_frame(rng, 50)
    df["empty"] = np.nan
    f = one(audit(make_table(df, categorical=["kind"])), "all_missing", "empty")
    assert f.severity == "warning"
    assert "no observed value in 50 rows" in f.message
    assert f.fix.startswith("Drop it with --features a,b,c,kind,y (")


# ------------------------------------------------------------- infinities
def test_infinite_values(rng):
    df = clean_frame(rng, 100)
    df.loc[[5, 7], "b"] = np.inf
    df.loc[9, "b"] = -np.inf
    f = one(audit(make_table(df, categorical=["kind"])), "infinite_values", "b")
    assert f.severity == "warning"
    assert f.evidence == {"count": 3, "positive": 2, "negative": 1, "first_row": 5}
    assert "3 infinite values (2 +inf, 1 -inf), first at time 5.0" in f.message


def test_target_all_infinite_is_an_error(rng):
    df = clean_frame(rng, 40)
    df["y"] = np.inf
    report = audit(make_table(df, categorical=["kind"]), target="y")
    f = one(report, "infinite_values", "y")
    assert f.severity == "error" and report.exit_code == 3
    assert "has no finite value: 40 values are infinite" in f.message


# --------------------------------------------------------------- sentinels
def _sentinels(report: AuditReport) -> dict[str | None, list[float]]:
    out: dict[str | None, list[float]] = {}
    for f in report.select(code="sentinel_value"):
        out.setdefault(f.column, []).append(f.evidence["value"])
    return out


def test_sentinel_minus_200_in_a_positive_column(rng):
    n = 1000
    co = rng.gamma(2.0, 1.0, n)
    idx = rng.choice(n, 40, replace=False)
    co[idx] = -200
    report = audit(make_table(pd.DataFrame({"co": co, "y": rng.normal(size=n)}), target="y"))
    f = one(report, "sentinel_value", "co")
    assert f.evidence["value"] == -200 and f.evidence["count"] == 40
    assert f.evidence["first_row"] == int(idx.min())
    assert f.fix == "Pass --na-values -200 to read it as missing."
    assert "holds the value -200 40 times (4.0%)" in f.message
    # the sentinel does not also show up as an outlier
    assert not report.select(code="outliers", column="co")


def test_sentinel_with_a_large_share(rng):
    n = 1000
    x = rng.normal(0, 5, n)           # mixed sign: the negative rule does not apply
    x[: n // 3] = -9999               # a third of the rows: it shifts the quartiles
    rng.shuffle(x)
    report = audit(make_table(pd.DataFrame({"x": x})))
    assert _sentinels(report) == {"x": [-9999.0]}
    f = one(report, "sentinel_value", "x")
    assert f.evidence["count"] == n // 3 and f.evidence["reason"] == "extreme"
    assert -100 < f.evidence["typical_low"] < 0 < f.evidence["typical_high"] < 100


def test_sentinel_9999_in_a_mixed_sign_column(rng):
    n = 500
    x = rng.normal(0, 1, n)
    x[rng.choice(n, 10, replace=False)] = 9999
    report = audit(make_table(pd.DataFrame({"temp": x})))
    f = one(report, "sentinel_value", "temp")
    assert f.evidence["value"] == 9999 and f.evidence["reason"] == "range"
    assert "--na-values 9999" in f.fix


def test_sentinel_minus_one_in_a_count_column(rng):
    n = 600
    x = rng.poisson(3.0, n).astype(float)
    x[rng.choice(n, 12, replace=False)] = -1
    f = one(audit(make_table(pd.DataFrame({"visits": x}))), "sentinel_value", "visits")
    assert f.evidence["value"] == -1 and f.evidence["reason"] == "negative"
    assert "only negative value" in f.message


def test_no_sentinel_false_positives(rng):
    n = 5000
    snow = np.zeros(n)                # Beijing's Is: mostly 0, rare counts up to 27
    hit = rng.choice(n, 40, replace=False)
    snow[hit] = rng.integers(1, 28, 40)
    power = np.where(rng.random(n) < 0.5, 0.0, rng.normal(1000, 20, n))  # off / on
    df = pd.DataFrame({
        "snow": snow,
        "rain": rng.poisson(0.2, n).astype(float),
        "income": rng.lognormal(10, 1, n),                  # heavy tail, no repeats
        "sign": rng.choice([-1.0, 1.0], n),                 # -1 is a real value
        "trend": rng.choice([-1.0, 0.0, 1.0], n),
        "power": power,
        "temp": rng.normal(-5, 10, n).round(),              # integers, many negatives
        "holiday": (rng.random(n) < 0.03).astype(float),    # a rare 0/1 flag
        "spikes": np.where(rng.random(n) < 0.02, 3.0, 0.0),  # a rare 0/3 flag
        "small": rng.choice([0.0, 1.0, 2.0], n, p=[0.97, 0.025, 0.005]),
    })
    report = audit(make_table(df))
    assert _sentinels(report) == {}


# ------------------------------------------------- constant / near constant
def test_constant_column(rng):
    df = clean_frame(rng, 60)
    df["flag"] = 7.0
    f = one(audit(make_table(df, categorical=["kind"])), "constant_column", "flag")
    assert f.severity == "warning" and f.evidence == {"value": 7.0, "count": 60}
    assert "--features a,b,c,kind,y" in f.fix


def test_constant_categorical_column(rng):
    df = clean_frame(rng, 60)
    df["site"] = "A"
    f = one(audit(make_table(df, categorical=["kind", "site"])), "constant_column", "site")
    assert f.evidence == {"value": "A", "count": 60}


def test_near_constant_column(rng):
    df = clean_frame(rng, 1000)
    df["mostly"] = 0.0
    df.loc[500, "mostly"] = 1.0                       # 99.9% one value: warning
    df["sparse"] = 0.0
    df.loc[::125, "sparse"] = 3.0                      # 99.2% one value: info
    df["tiny"] = 1e6 + rng.normal(0, 1e-5, 1000)       # relative std 1e-11
    report = audit(make_table(df, categorical=["kind"]))
    f = one(report, "near_constant", "mostly")
    assert f.severity == "warning" and f.evidence["share"] == 0.999
    assert "0 is 99.9% of its 1000 observed values (1 other value)" in f.message
    g = one(report, "near_constant", "sparse")
    assert g.severity == "info" and g.evidence["share"] == 0.992
    h = one(report, "near_constant", "tiny")
    assert h.severity == "warning" and h.evidence["relative_std"] < 1e-8


# ------------------------------------------------ scale and outliers
def test_scale_disparity(rng):
    df = clean_frame(rng, 400)
    df["big"] = rng.normal(0, 1e5, 400)
    f = one(audit(make_table(df, categorical=["kind"])), "scale_disparity")
    assert f.column is None and f.severity == "warning"
    assert f.evidence["largest"] == "big" and f.evidence["smallest"] == "a"
    assert f.evidence["ratio"] > 1e3
    assert "--scaler" in f.fix


def test_large_values_warn_even_for_a_single_input(rng):
    n = 400
    df = pd.DataFrame({"t": np.arange(n), "price": 1e9 + rng.normal(0, 1e7, n),
                       "pressure": 1013 + rng.normal(0, 8, n), "y": rng.normal(0, 1, n)})
    report = audit(make_table(df, target="y"), target="y")
    f = one(report, "large_values")
    assert f.column == "price" and f.severity == "warning"
    assert 9e8 < f.evidence["magnitude"] < 1.1e9
    assert "--scaler none" in f.fix and "saturates" in f.message
    # values in the thousands (air pressure in hPa) are ordinary inputs
    assert not report.select(code="large_values", column="pressure")
    # a single huge input has no partner for scale_disparity: this is its only warning
    alone = audit(make_table(df[["t", "price", "y"]], target="y"), target="y")
    assert [g.code for g in alone if g.severity == "warning"] == ["large_values"]


def test_outliers(rng):
    df = clean_frame(rng, 400)
    df.loc[37, "b"] = 1000.0
    df.loc[90, "b"] = -500.0
    f = one(audit(make_table(df, categorical=["kind"])), "outliers", "b")
    assert f.evidence["count"] == 2
    assert f.evidence["worst_value"] == 1000.0 and f.evidence["worst_row"] == 37
    assert "the worst is 1000" in f.message and "at time 37.0" in f.message
    assert "--scaler robust" in f.fix


def test_a_mild_outlier_is_info(rng):
    df = clean_frame(rng, 2000)
    df.loc[1500, "c"] = 2.5 + 12 * 1.4826 * 1.25     # about 12 robust sigmas out
    f = one(audit(make_table(df, categorical=["kind"])), "outliers", "c")
    assert f.severity == "info" and f.evidence["count"] == 1
    assert 10 < f.evidence["worst_z"] < 20
    assert "has 1 value (" in f.message


def test_row_index_column(rng):
    df = clean_frame(rng, 100)
    df["No"] = np.arange(1, 101)
    df["big"] = rng.normal(0, 1e5, 100)
    report = audit(make_table(df, categorical=["kind"]))
    f = one(report, "row_index", "No")
    assert f.evidence == {"first": 1.0, "step": 1.0}
    assert "looks like a row number" in f.message
    # a row number is left out of the scale comparison (it is dropped anyway)
    assert one(report, "scale_disparity").evidence["largest"] == "big"


def test_row_index_restarting_in_each_series(rng):
    df = pd.DataFrame({"site": np.repeat(["A", "B", "C"], 30), "a": rng.normal(size=90),
                       "No": np.tile(np.arange(30.0), 3)})
    f = one(audit(make_table(df, series="site")), "row_index", "No")
    assert "within each series" in f.message


# ------------------------------------------------------- categorical
def test_high_cardinality(rng):
    df = clean_frame(rng, 200)
    df["user"] = [f"u{i}" for i in range(200)]
    f = one(audit(make_table(df, categorical=["kind", "user"])), "high_cardinality", "user")
    assert f.evidence == {"distinct": 200, "observed": 200, "fraction": 1.0}
    assert "--series-col" in f.fix and "--features" in f.fix
    assert not audit(make_table(df, categorical=["kind", "user"])).select(
        code="high_cardinality", column="kind")


# ------------------------------------------------------ ingestion facts
def test_ingestion_report_findings(rng):
    rep = IngestReport(n_input_rows=130, unsorted_rows=12, duplicate_rows=4,
                       duplicate_examples=[("all", "3.0"), ("all", "8.0")],
                       duplicates_policy="mean", aggregated_rows=6, irregular_steps=9,
                       na_markers={"b": 5})
    report = audit(make_table(clean_frame(rng, 120), categorical=["kind"], report=rep))
    dup = one(report, "duplicate_timestamps")
    assert dup.severity == "warning" and dup.evidence["count"] == 4
    assert dup.evidence["policy"] == "mean"
    assert "(all, 3.0)" in dup.message and "--duplicates" in dup.fix
    uns = one(report, "unsorted_rows")
    assert uns.severity == "info" and "12 of 130 input rows" in uns.message
    irr = one(report, "irregular_timestamps")
    assert irr.severity == "warning"        # readings were averaged
    assert irr.evidence["aggregated_rows"] == 6 and "--freq" in irr.fix
    assert one(report, "na_markers").evidence == {"count": 5, "per_column": {"b": 5}}
    assert not report.select(code="inserted_rows")


# -------------------------------------------------------------- target
def test_target_missing_fraction(rng):
    df = clean_frame(rng, 100)
    df.loc[rng.choice(100, 30, replace=False), "y"] = np.nan
    report = audit(make_table(df, categorical=["kind"]), target="y")
    f = one(report, "target_missing", "y")
    assert f.severity == "warning" and f.evidence["count"] == 30
    assert not report.select(code="missing_values", column="y")
    assert report.exit_code == 0


def test_target_all_missing_is_an_error(rng):
    df = clean_frame(rng, 100)
    df["y"] = np.nan
    report = audit(make_table(df, categorical=["kind"]), target="y")
    f = one(report, "target_missing", "y")
    assert f.severity == "error"
    assert report.has_errors and report.exit_code == 3
    assert report.findings[0] is f                       # errors come first
    assert "no observed value in 100 rows" in f.message


def test_target_constant_is_an_error(rng):
    df = clean_frame(rng, 100)
    df["y"] = 3.0
    report = audit(make_table(df, categorical=["kind"]), target="y")
    f = one(report, "target_constant", "y")
    assert f.severity == "error" and report.exit_code == 3
    assert "single value (3) in all 100 observed rows" in f.message


def test_categorical_target_with_one_class_is_an_error(rng):
    df = clean_frame(rng, 50)
    df["label"] = "ok"
    report = audit(make_table(df, categorical=["kind", "label"], target="label"))
    assert one(report, "target_constant", "label").severity == "error"


# ------------------------------------------------------------- leakage
def test_leakage_shifted_target_within_series(rng):
    n = 200
    frames = []
    for s in ("A", "B"):
        y = np.cumsum(rng.normal(size=n))
        frames.append(pd.DataFrame({
            "site": s, "y": y,
            "future": np.r_[y[3:], [np.nan] * 3],      # y three steps ahead: a leak
            "lagged": np.r_[[np.nan], y[:-1]],         # y one step back: legitimate
            "noise": rng.normal(size=n)}))
    table = make_table(pd.concat(frames, ignore_index=True), series="site", target="y")
    report = audit(table)
    f = one(report, "leakage_shifted_target", "future")
    assert f.evidence == {"shift": 3, "match_fraction": 1.0}
    assert "equals the target 'y' 3 steps in the future" in f.message
    assert "--features" in f.fix
    assert not report.select(column="lagged", code="leakage_shifted_target")
    assert not report.select(code="leakage_correlated")


def test_leakage_correlated(rng):
    df = clean_frame(rng, 300)
    df["y_in_cents"] = df["y"] * 100 + 3
    f = one(audit(make_table(df, categorical=["kind"], target="y")),
            "leakage_correlated", "y_in_cents")
    assert f.evidence["correlation"] == pytest.approx(1.0)
    assert f.evidence["lag"] == 0


def test_sparse_binary_feature_is_not_a_shifted_leak(rng):
    n = 2000
    y = (rng.random(n) < 0.01).astype(float)       # rare events, mostly 0
    x = (rng.random(n) < 0.01).astype(float)
    report = audit(make_table(pd.DataFrame({"x": x, "y": y}), target="y"))
    assert not report.select(code="leakage_shifted_target")


# ------------------------------------------------------------ per series
def test_series_missing_and_short_series(rng):
    frames = []
    for s, n in (("A", 100), ("B", 100), ("C", 100), ("D", 100), ("E", 5)):
        a = rng.normal(size=n)
        if s == "C":
            a[:80] = np.nan
        frames.append(pd.DataFrame({"site": s, "a": a, "b": rng.normal(size=n)}))
    report = audit(make_table(pd.concat(frames, ignore_index=True), series="site"))
    f = one(report, "series_missing", "a")
    assert f.series == "C" and f.evidence["series_names"] == ["C"]
    assert f.evidence["missing_fraction"] == [0.8]
    assert "'C' (80%)" in f.message
    m = one(report, "missing_values", "a")
    assert m.evidence["leading_run"] == 80 and m.evidence["series_all_missing"] == 0
    lead = one(report, "leading_missing", "a")
    assert lead.series == "C" and "series 'C'" in lead.message
    short = one(report, "short_series")
    assert short.series == "E" and short.evidence["lengths"] == [5]
    assert report.summary["n_series"] == 5


def test_series_without_any_observed_value(rng):
    frames = [pd.DataFrame({"site": s, "a": rng.normal(size=50), "b": rng.normal(size=50)})
              for s in ("A", "B", "C", "D")]
    frames[1]["a"] = np.nan                      # sensor 'a' never installed at site B
    report = audit(make_table(pd.concat(frames, ignore_index=True), series="site"))
    m = one(report, "missing_values", "a")
    assert m.evidence["series_all_missing"] == 1 and m.evidence["leading_run"] == 0
    assert "1 series with no observed value" in m.message
    f = one(report, "series_missing", "a")
    assert f.series == "B" and f.evidence["missing_fraction"] == [1.0]


def test_runs_do_not_cross_series_boundaries():
    a = np.r_[np.arange(5.0), [np.nan] * 3, [np.nan] * 2, np.arange(5.0)]
    df = pd.DataFrame({"site": ["A"] * 8 + ["B"] * 7, "a": a})
    f = one(audit(make_table(df, series="site")), "missing_values", "a")
    # 3 trailing in A and 2 leading in B are not one gap of 5
    assert f.evidence["longest_gap"] == 0
    assert f.evidence["trailing_run"] == 3 and f.evidence["leading_run"] == 2


# ---------------------------------------------------------- output forms
def _messy_report(rng) -> AuditReport:
    df = clean_frame(rng, 200)
    df.loc[:4, "a"] = np.nan
    df.loc[10, "b"] = np.inf
    df.loc[rng.choice(200, 10, replace=False), "c"] = -999
    df["const"] = 1.0
    return audit(make_table(df, categorical=["kind"], target="y"))


def test_json_is_strict_and_stable(rng):
    report = _messy_report(rng)
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert list(data) == ["source", "summary", "findings", "counts"]
    assert data["source"] == "test.csv"
    assert {"n_rows", "n_series", "n_columns", "source", "freq", "missing"} <= set(
        data["summary"])
    assert data["summary"]["missing"] == {"a": 5, "b": 0, "c": 0, "kind": 0, "y": 0,
                                          "const": 0}
    for f in data["findings"]:
        assert list(f) == ["code", "severity", "column", "series", "message",
                           "evidence", "fix"]
    assert data["counts"] == {"error": 0, "warning": 4, "info": 1}
    assert json.loads(report.to_json()) == data
    codes = report.codes()
    assert set(codes) == {"missing_values", "leading_missing", "infinite_values",
                          "sentinel_value", "constant_column"}


def test_audit_is_deterministic():
    reports = [_messy_report(np.random.default_rng(3)) for _ in range(2)]
    assert reports[0].to_json() == reports[1].to_json()


def test_findings_sorted_by_severity_then_column(rng):
    sev = [f.severity for f in _messy_report(rng)]
    ranks = [("error", "warning", "info").index(s) for s in sev]
    assert ranks == sorted(ranks)
    cols = [f.column or "" for f in _messy_report(rng) if f.severity == "warning"]
    assert cols == sorted(cols)


def test_non_finite_evidence_becomes_null():
    f = Finding("outliers", "info", None, None, "m", {"v": float("inf"),
                                                       "w": np.float64("nan"),
                                                       "k": np.int64(3), "t": (1, 2)})
    assert f.to_dict()["evidence"] == {"v": None, "w": None, "k": 3, "t": [1, 2]}
    text = audit(pd.DataFrame({"t": range(6), "y": [1.0, np.inf, 2, 3, 4, 5]}),
                 time_col="t", target="y").to_json()
    json.loads(text, parse_constant=_refuse)  # strict JSON: no NaN / Infinity tokens


def _refuse(token):
    raise ValueError(f"non-strict JSON token {token}")


def test_unknown_code_or_severity_is_a_bug():
    with pytest.raises(ValueError, match="finding code 'x' is not in seqguard.findings.CODES"):
        Finding("x", "info", None, None, "m")
    with pytest.raises(ValueError, match="severity 'fatal' is not one of error, warning"):
        Finding("outliers", "fatal", None, None, "m")


def test_text_rendering(rng):
    df = clean_frame(rng, 200)
    df = df.rename(columns={"a": "x[1]"})
    df.loc[:6, "x[1]"] = np.nan
    df.loc[rng.choice(200, 8, replace=False), "c"] = -999
    report = audit(make_table(df, categorical=["kind"]))
    text = report.to_text(width=200)
    assert "\x1b[" not in text                          # plain text, no colour codes
    for word in ("severity", "column", "series", "finding", "fix", "x[1]", "c",
                 "7 missing values", "-999", "--na-values -999", "warning"):
        assert word in text, word
    assert text.splitlines()[0].startswith("Audit of test.csv: 200 rows, 1 series")
    assert str(report) == report.to_text()


def test_text_never_cuts_a_long_fix(rng):
    cols = {f"sensor_{i:02d}": rng.normal(size=50) for i in range(12)}
    cols["flat"] = np.ones(50)
    report = audit(make_table(pd.DataFrame(cols)))
    fix = one(report, "constant_column", "flat").fix
    text = report.to_text(width=90)
    fix_cells = [line.split("│")[5] for line in text.splitlines() if line.count("│") == 6]
    assert "".join("".join(fix_cells).split()) == "".join(fix.split())
    assert "…" not in text


def test_iteration_and_len(rng):
    report = _messy_report(rng)
    assert len(report) == len(list(report)) == len(report.findings)
    assert all(isinstance(f, Finding) for f in report)


# ------------------------------------------------------------- errors
def test_read_options_with_a_table_are_refused(rng):
    table = make_table(clean_frame(rng, 20), categorical=["kind"])
    with pytest.raises(InputError, match=r"read options 'time_col' with a Table"):
        audit(table, time_col="t")


def test_unknown_target_names_the_columns(rng):
    table = make_table(clean_frame(rng, 20), categorical=["kind"])
    with pytest.raises(InputError, match=r"no value column 'Y' .* Did you mean 'y'\?"):
        audit(table, target="Y")
    with pytest.raises(InputError, match=r"the target 't' is the time column"):
        audit(table, target="t")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32),
                          st.sampled_from([-200.0, 0.0, 9999.0])),
                min_size=1, max_size=60))
def test_any_column_gives_strict_json(values):
    df = pd.DataFrame({"x": values, "y": values[::-1]})
    report = audit(make_table(df, target="y"))
    json.loads(report.to_json())
    assert report.exit_code in (0, 3)
    report.to_text()


# --------------------------------------------------------- through read
def test_audit_reads_a_dataframe(rng):
    df = clean_frame(rng, 50)
    df["t"] = pd.date_range("2024-01-01", periods=50, freq="h")
    df = df.drop(index=[10, 11]).reset_index(drop=True)
    report = audit(df, time_col="t", target="y")
    assert report.summary["freq"] == "h" and report.summary["n_rows"] == 50
    ins = one(report, "inserted_rows")
    assert ins.evidence["count"] == 2 and ins.evidence["largest_run"] == 2
    assert one(report, "target_missing", "y").evidence["inserted_rows"] == 2


def test_na_values_given_to_read_remove_the_sentinel(rng):
    df = clean_frame(rng, 300)
    df.loc[rng.choice(300, 20, replace=False), "c"] = -200
    assert one(audit(df, target="y"), "sentinel_value", "c").evidence["value"] == -200
    report = audit(df, target="y", na_values=[-200])
    assert not report.select(code="sentinel_value")
    assert one(report, "missing_values", "c").evidence["count"] == 20
    assert one(report, "na_markers").evidence["count"] == 20


@pytest.fixture(scope="module")
def beijing_report(beijing_path) -> AuditReport:
    return audit(beijing_path, time_col=["year", "month", "day", "hour"], target="pm2.5")


def test_beijing_pm25_missing_values(beijing_report):
    f = one(beijing_report, "target_missing", "pm2.5")
    assert f.evidence["count"] == 2067 and f.evidence["leading_run"] == 24
    assert "2067 missing values" in f.message
    assert "leading run of 24 missing values" in f.message
    lead = one(beijing_report, "leading_missing", "pm2.5")
    assert lead.evidence["leading_run"] == 24
    assert "time 2010-01-02 00:00:00" in lead.message
    data = json.loads(beijing_report.to_json())
    assert data["summary"]["missing"]["pm2.5"] == 2067
    assert '"leading_run": 24' in beijing_report.to_json()
    text = beijing_report.to_text()
    assert "2067" in text and "leading run of 24 missing values" in text


def test_beijing_has_no_false_alarms(beijing_report):
    r = beijing_report
    assert r.exit_code == 0
    assert r.summary["n_rows"] == 43824 and r.summary["freq"] == "h"
    assert not r.select(code="sentinel_value")          # Is / Ir are mostly 0: not markers
    assert not r.select(code="leakage_shifted_target")
    assert not r.select(code="leakage_correlated")
    assert one(r, "row_index", "No").severity == "warning"
    assert one(r, "near_constant", "Is").severity == "info"
    assert one(r, "outliers", "Iws").evidence["worst_value"] == 585.6
    assert set(r.codes()) <= {"target_missing", "leading_missing", "row_index",
                              "near_constant", "outliers"}


def test_docstring_examples_run():
    import doctest
    import importlib
    import pkgutil

    # seqguard.audit is the function (re-exported); the package's modules hold the examples
    package = importlib.import_module("seqguard.audit")
    attempted = 0
    for info in pkgutil.iter_modules(package.__path__):
        result = doctest.testmod(importlib.import_module(f"seqguard.audit.{info.name}"))
        assert result.failed == 0, info.name
        attempted += result.attempted
    assert attempted >= 4
