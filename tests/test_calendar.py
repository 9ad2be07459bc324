"""Calendar grids: months, quarters, years, weeks and business days are counted on
the calendar, never approximated by a number of hours (issue 10, item 1)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from seqguard import audit, read
from seqguard.baselines import season_from_freq
from seqguard.cli import cli
from seqguard.errors import DataWarning, InputError
from seqguard.estimator import Forecaster, load
from seqguard.features import Calendar
from seqguard.grid import (
    describe_freq,
    freq_from_json,
    freq_to_json,
    parse_freq,
    shift_times,
    span_words,
)


def labels(table) -> list[str]:
    return table.frame[table.time_col].dt.strftime("%Y-%m-%d").tolist()


def dates(freq: str, start: str, periods: int) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=periods, freq=freq)


# (pandas freq, start, the step the table must have, its default season)
GRIDS = [
    ("MS", "1950-01-01", pd.offsets.MonthBegin(), 12),
    ("ME", "1950-01-31", pd.offsets.MonthEnd(), 12),
    ("QS", "1950-01-01", pd.offsets.QuarterBegin(startingMonth=1), 4),
    ("QE", "1950-03-31", pd.offsets.QuarterEnd(startingMonth=12), 4),
    ("YS", "1950-01-01", pd.offsets.YearBegin(month=1), 1),
    ("YE", "1950-12-31", pd.offsets.YearEnd(month=12), 1),
    ("W-SAT", "2021-01-02", pd.offsets.Week(weekday=5), 52),
    ("W-MON", "2021-01-04", pd.offsets.Week(weekday=0), 52),
    ("B", "2021-01-04", pd.offsets.BusinessDay(), 5),
]


@pytest.mark.parametrize("alias,start,offset,season", GRIDS, ids=[g[0] for g in GRIDS])
def test_calendar_grid_without_gaps(alias, start, offset, season):
    idx = dates(alias, start, 40)
    table = read(pd.DataFrame({"time": idx, "y": np.arange(40.0)}))
    assert table.freq == offset and table.freq.freqstr == offset.freqstr
    assert table.n_rows == 40 and not table.inserted.any()
    assert labels(table) == idx.strftime("%Y-%m-%d").tolist()
    assert table.frame["y"].tolist() == list(np.arange(40.0))
    assert season_from_freq(table.freq) == season
    assert np.array_equal(np.diff(table.time_values()), np.ones(39))
    assert table.report.irregular_steps == 0 and table.report.aggregated_rows == 0


@pytest.mark.parametrize("alias,start,offset,season", GRIDS, ids=[g[0] for g in GRIDS])
def test_calendar_grid_with_gaps(alias, start, offset, season):
    idx = dates(alias, start, 40)
    drop = [5, 6, 7, 20]
    keep = np.setdiff1d(np.arange(40), drop)
    table = read(pd.DataFrame({"time": idx[keep], "y": keep.astype(float)}))
    assert table.freq == offset
    assert table.n_rows == 40 and labels(table) == idx.strftime("%Y-%m-%d").tolist()
    assert np.flatnonzero(table.inserted).tolist() == drop
    assert np.isnan(table.frame["y"].to_numpy()[drop]).all()
    assert table.frame["y"].to_numpy()[keep].tolist() == keep.astype(float).tolist()
    assert table.report.inserted_rows == 4 and table.report.largest_inserted_run == 3
    assert table.report.irregular_steps == 2  # two jumps over the gaps


def test_business_days_skip_weekends_and_fill_a_holiday():
    idx = pd.bdate_range("2021-03-01", periods=15)          # Mon 1 March .. Fri 19 March
    keep = np.setdiff1d(np.arange(15), [7])                 # Wednesday 10 March missing
    table = read(pd.DataFrame({"time": idx[keep], "y": keep.astype(float)}))
    assert table.freq == pd.offsets.BusinessDay() and table.n_rows == 15
    assert labels(table) == idx.strftime("%Y-%m-%d").tolist()
    assert np.flatnonzero(table.inserted).tolist() == [7]
    assert (table.frame["time"].dt.day_of_week < 5).all()


def test_mid_month_readings_get_the_month_start_label():
    idx = dates("MS", "1950-01-01", 24) + pd.Timedelta(days=14)   # the 15th
    keep = np.setdiff1d(np.arange(24), [3, 4])
    table = read(pd.DataFrame({"time": idx[keep], "y": keep.astype(float)}))
    assert table.freq == pd.offsets.MonthBegin() and table.n_rows == 24
    assert labels(table) == dates("MS", "1950-01-01", 24).strftime("%Y-%m-%d").tolist()
    assert table.frame["y"].to_numpy()[keep].tolist() == keep.astype(float).tolist()
    assert np.flatnonzero(table.inserted).tolist() == [3, 4]


def test_month_end_readings_stay_month_end_with_any_day_count():
    idx = pd.DatetimeIndex(["2000-01-31", "2000-02-29", "2000-04-30", "2001-02-28"])
    table = read(pd.DataFrame({"time": idx, "y": [1.0, 2, 3, 4]}))
    assert table.freq == pd.offsets.MonthEnd() and table.n_rows == 14
    assert labels(table)[:4] == ["2000-01-31", "2000-02-29", "2000-03-31", "2000-04-30"]
    assert labels(table)[-1] == "2001-02-28"


def test_year_month_strings_from_a_csv(tmp_path):
    idx = dates("MS", "2001-01-01", 30)
    keep = np.setdiff1d(np.arange(30), [10])
    p = tmp_path / "m.csv"
    pd.DataFrame({"month": idx[keep].strftime("%Y-%m"), "y": keep.astype(float)}).to_csv(
        p, index=False)
    table = read(p, time_col="month")
    assert table.freq == pd.offsets.MonthBegin() and table.n_rows == 30
    assert labels(table) == idx.strftime("%Y-%m-%d").tolist()
    assert table.inserted.tolist() == [i == 10 for i in range(30)]


def test_the_732_months_with_a_sentinel_are_neither_averaged_nor_shifted(tmp_path):
    idx = dates("MS", "1950-01-01", 732)                   # 1950-01 .. 2010-12
    assert idx[-1] == pd.Timestamp("2010-12-01")
    y = np.round(100 + 10 * np.sin(np.arange(732) * 2 * np.pi / 12), 3)
    y[245] = -999                                          # 1970-06
    p = tmp_path / "monthly.csv"
    pd.DataFrame({"date": idx.strftime("%Y-%m-%d"), "value": y}).to_csv(p, index=False)
    table = read(p, na_values=[-999])
    assert table.n_rows == 732 and table.freq == pd.offsets.MonthBegin()
    assert labels(table) == idx.strftime("%Y-%m-%d").tolist()
    got = table.frame["value"].to_numpy()
    assert np.isnan(got[245]) and np.isnan(got).sum() == 1
    assert got[244] == y[244] and got[246] == y[246]
    assert np.array_equal(np.delete(got, 245), np.delete(y, 245))
    assert table.report.aggregated_rows == 0 and table.report.inserted_rows == 0
    assert table.frame["date"].iloc[605] == pd.Timestamp("2000-06-01")


def test_time_col_year_quarter_and_year_week_and_year_month():
    df = pd.DataFrame({"year": [2000] * 4 + [2001] * 3, "quarter": [1, 2, 3, 4, 1, 3, 4],
                       "y": np.arange(7.0)})
    table = read(df, time_col="year,quarter")
    assert table.freq == pd.offsets.QuarterBegin(startingMonth=1) and table.n_rows == 8
    assert labels(table) == dates("QS", "2000-01-01", 8).strftime("%Y-%m-%d").tolist()
    assert np.flatnonzero(table.inserted).tolist() == [5]

    df = pd.DataFrame({"year": [2020, 2020, 2020, 2021, 2021], "week": [51, 52, 53, 1, 3],
                       "y": np.arange(5.0)})
    table = read(df, time_col="year,week")                  # ISO weeks, by their Monday
    assert table.freq == pd.offsets.Week(weekday=0) and table.n_rows == 6
    assert labels(table) == ["2020-12-14", "2020-12-21", "2020-12-28", "2021-01-04",
                             "2021-01-11", "2021-01-18"]

    df = pd.DataFrame({"year": [1999, 1999, 2000], "month": [11, 12, 2], "y": [1.0, 2, 3]})
    table = read(df, time_col="year,month")
    assert table.freq == pd.offsets.MonthBegin()
    assert labels(table) == ["1999-11-01", "1999-12-01", "2000-01-01", "2000-02-01"]


@pytest.mark.parametrize(("part", "values", "freq"), [
    ("quarter", [1, 2, 4], pd.offsets.QuarterBegin(startingMonth=1)),
    ("month", [1, 2, 4], pd.offsets.MonthBegin()),
    ("week", [1, 2, 4], pd.offsets.Week(weekday=0)),
], ids=["year,quarter", "year,month", "year,week"])
def test_coarse_date_parts_are_found_by_name(part, values, freq):
    df = pd.DataFrame({"year": [2021] * 3, part: values, "y": [1.0, 2.0, 3.0]})
    table = read(df, target="y")
    assert table.time_col == "time" and table.freq == freq
    assert table.numeric == ["y"] and table.n_rows == 4 and table.inserted.tolist() == \
        [False, False, True, False]
    assert table.report.time_col_found == f"from the date parts year, {part}"
    note = audit(table, target="y").select(code="time_column")
    assert len(note) == 1 and f"from the date parts year, {part}" in note[0].message


def test_bad_date_parts_are_input_errors():
    df = pd.DataFrame({"year": [2019, 2019], "week": [52, 53], "y": [1.0, 2]})
    with pytest.raises(InputError, match="row 2: ISO year 2019 has 52 weeks, not week 53"):
        read(df, time_col="year,week")
    df = pd.DataFrame({"year": [2019, 2019], "quarter": [4, 5], "y": [1.0, 2]})
    with pytest.raises(InputError, match="row 2, column 'quarter': '5' is not a valid date part"):
        read(df, time_col="year,quarter")
    df = pd.DataFrame({"year": [2019], "quarter": [1], "day": [1], "y": [1.0]})
    with pytest.raises(InputError, match="quarter and week go with year alone"):
        read(df, time_col="year,quarter,day")


def test_cli_time_col_year_quarter(tmp_path):
    p = tmp_path / "q.csv"
    pd.DataFrame({"year": [2000] * 4 + [2001] * 4, "quarter": [1, 2, 3, 4] * 2,
                  "y": np.arange(8.0)}).to_csv(p, index=False)
    res = CliRunner().invoke(cli, ["audit", str(p), "--time-col", "year,quarter",
                                   "--format", "json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)["summary"]
    assert summary["freq"] == "QS-JAN" and summary["n_rows"] == 8


# ------------------------------------------------------------------ merging
def test_an_inferred_grid_never_merges_readings():
    t = pd.DatetimeIndex(["2000-01-01", "2000-02-01", "2000-03-01", "2000-03-15",
                          "2000-04-01", "2000-05-01"])
    df = pd.DataFrame({"time": t, "y": [1.0, 2, 3, 4, 5, 6]})
    with pytest.raises(InputError, match=r"the reading at 2000-02-01 00:00:00 \(row 2\) is not "
                                         r"on the inferred grid 14D .* Pass --freq"):
        read(df)
    table = read(df, freq="MS")                     # asked for: averaged and reported
    assert table.n_rows == 5 and table.report.aggregated_rows == 1
    assert table.frame["y"].tolist() == [1.0, 2, 3.5, 5, 6]
    table = read(df, freq="D")                      # a finer step keeps them apart
    assert table.n_rows == 122 and table.report.aggregated_rows == 0


def test_hourly_readings_off_the_inferred_step_are_not_averaged_silently():
    t = pd.date_range("2021-01-01", periods=10, freq="h").insert(3, pd.Timestamp(
        "2021-01-01 02:30"))
    df = pd.DataFrame({"time": t, "y": np.arange(11.0)})
    with pytest.raises(InputError, match="inferred grid h, which would average them. Pass "
                                         "--freq h to average"):
        read(df)
    assert read(df, freq="h").report.aggregated_rows == 1


def test_series_on_different_calendars_must_be_told_apart():
    a = dates("MS", "2000-01-01", 12)
    b = dates("QS", "2000-01-01", 6)
    df = pd.DataFrame({"id": ["a"] * 12 + ["b"] * 6, "time": a.append(b),
                       "y": np.arange(18.0)})
    table = read(df, series_col="id")               # quarters on a month grid: 3 months apart
    assert table.freq == pd.offsets.MonthBegin() and table.n_rows == 12 + 16
    month_end = dates("ME", "2000-01-31", 6)
    df = pd.DataFrame({"id": ["a"] * 12 + ["b"] * 6, "time": a.append(month_end),
                       "y": np.arange(18.0)})
    with pytest.raises(InputError, match="series 'a' steps monthly \\(MS\\) but series 'b' "
                                         "steps monthly \\(ME\\).*Pass --freq"):
        read(df, series_col="id")
    weeks = dates("W-SUN", "2000-01-02", 6)
    df = pd.DataFrame({"id": ["a"] * 12 + ["b"] * 6, "time": a.append(weeks),
                       "y": np.arange(18.0)})
    with pytest.raises(InputError, match="steps weekly \\(W-SUN\\)"):
        read(df, series_col="id")


# ------------------------------------------------------------------ --freq
@pytest.mark.parametrize("text,expected", [
    ("month", "MS"), ("MS", "MS"), ("ME", "ME"), ("M", "ME"), ("monthly", "MS"),
    ("quarter", "QS-JAN"), ("QS", "QS-JAN"), ("QE", "QE-DEC"), ("Q", "QE-DEC"),
    ("year", "YS-JAN"), ("YS", "YS-JAN"), ("YE", "YE-DEC"), ("Y", "YE-DEC"),
    ("week", "W-SUN"), ("W", "W-SUN"), ("W-SUN", "W-SUN"), ("W-SAT", "W-SAT"),
    ("B", "B"), ("bday", "B"), ("day", "D"), ("D", "D"), ("hour", "h"), ("h", "h"),
    ("H", "h"), ("15min", "15min"), ("30min", "30min"), ("2 months", "2MS"),
    ("90 minutes", "90min"),
], ids=str)
def test_freq_spellings(text, expected):
    assert parse_freq(text).freqstr == expected


def test_freq_junk_and_unsupported_steps():
    with pytest.raises(InputError, match="--freq 'monthy' is not a time step. Did you mean "
                                         "'monthly'?"):
        parse_freq("monthy")
    with pytest.raises(InputError, match="--freq 'SMS' .* is not a grid step seqguard "
                                         "supports"):
        parse_freq("SMS")
    df = pd.DataFrame({"time": dates("MS", "2000-01-01", 5), "y": np.arange(5.0)})
    with pytest.raises(InputError, match="--freq 'fortnight' is not a time step"):
        read(df, freq="fortnight")


@pytest.mark.parametrize("freq", ["MS", "M", "month", "ME", "QS", "W", "W-SUN"])
def test_cli_freq_calendar_spellings_are_accepted(tmp_path, freq):
    p = tmp_path / "m.csv"
    pd.DataFrame({"time": dates("MS", "2000-01-01", 24).strftime("%Y-%m-%d"),
                  "y": np.arange(24.0)}).to_csv(p, index=False)
    res = CliRunner().invoke(cli, ["audit", str(p), "--freq", freq, "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["summary"]["freq"] == parse_freq(freq).freqstr


def test_given_week_step_puts_readings_on_the_anchor_day():
    idx = pd.DatetimeIndex(["2021-01-04", "2021-01-13", "2021-01-22"])  # Mon, Wed, Fri
    table = read(pd.DataFrame({"time": idx, "y": [1.0, 2, 3]}), freq="W-SAT")
    assert labels(table) == ["2021-01-09", "2021-01-16", "2021-01-23"]


def test_numeric_time_at_1e300_is_one_input_error():
    df = pd.DataFrame({"t": [0.0, 1, 2, 1e300], "y": [1.0, 2, 3, 4]})
    with pytest.raises(InputError, match=r"row 4, time column 't': 1e\+300 is too far"):
        read(df, time_col="t")


def test_irregular_numeric_time_asks_for_freq():
    df = pd.DataFrame({"minutes": [0.0, 7, 60, 120, 180], "y": [1.0, 2, 3, 4, 5]})
    with pytest.raises(InputError, match="the readings at 0 and 7 .* Pass --freq 60 to average"):
        read(df, time_col="minutes")
    table = read(df, time_col="minutes", freq=60)
    assert table.n_rows == 4 and table.report.aggregated_rows == 1


def test_numeric_time_and_hourly_are_unchanged():
    table = read(pd.DataFrame({"t": [0, 1, 3], "y": [1.0, 2, 3]}), time_col="t")
    assert table.freq == 1.0 and table.n_rows == 4
    idx = pd.date_range("2021-01-01", periods=48, freq="15min")
    table = read(pd.DataFrame({"time": idx.delete([5]), "y": np.arange(47.0)}))
    assert table.freq == pd.offsets.Minute(15) and table.n_rows == 48
    assert season_from_freq(table.freq) == 96


def test_time_zone_aware_months_stay_on_local_month_starts():
    idx = pd.date_range("2021-01-01", periods=12, freq="MS", tz="Europe/Berlin")
    table = read(pd.DataFrame({"time": idx.delete([4]), "y": np.arange(11.0)}))
    assert table.freq == pd.offsets.MonthBegin() and table.n_rows == 12
    assert table.frame["time"].tolist() == list(idx)


def test_local_days_stay_local_midnight_across_daylight_saving():
    idx = pd.date_range("2021-03-20", periods=20, freq="D", tz="Europe/Berlin")
    table = read(pd.DataFrame({"time": idx.delete([3]), "y": np.arange(19.0)}))
    assert table.freq == pd.offsets.Day() and table.n_rows == 20
    assert table.frame["time"].tolist() == list(idx)
    assert np.array_equal(np.diff(table.time_values()), np.ones(19))
    ahead = shift_times(table.frame["time"].iloc[[5]], np.array([10]), table.freq)
    assert ahead.iloc[0] == pd.Timestamp("2021-04-04", tz="Europe/Berlin")


# ------------------------------------------------------------------ helpers
def test_words_and_json_of_a_step():
    assert describe_freq(pd.offsets.MonthBegin()) == "monthly (MS)"
    assert describe_freq(pd.offsets.Minute(15)) == "every 15 minutes (15min)"
    assert span_words(48, pd.offsets.MonthBegin()) == "4 years"
    assert span_words(5, pd.offsets.MonthBegin()) == "5 months"
    assert span_words(24, pd.offsets.Hour()) == "1 day"
    assert span_words(10, pd.offsets.BusinessDay()) == "2 weeks"
    for off in (pd.offsets.MonthEnd(), pd.offsets.QuarterBegin(startingMonth=1),
                pd.offsets.Week(weekday=5), pd.offsets.BusinessDay(), pd.offsets.Hour(),
                pd.offsets.MonthBegin(2)):
        assert freq_from_json(freq_to_json(off)) == off
    assert freq_from_json(3.0) == 3.0 and freq_from_json(None) is None
    assert freq_from_json("0 days 01:00:00") == pd.offsets.Hour()   # an older run's Timedelta
    assert season_from_freq(pd.offsets.MonthBegin(3)) == 4
    assert season_from_freq(pd.offsets.Day()) == 7


def test_shift_times_counts_calendar_steps():
    t = pd.Series(pd.DatetimeIndex(["2000-01-31", "2000-11-30"]))
    out = shift_times(t, np.array([1, 3]), pd.offsets.MonthEnd())
    assert out.dt.strftime("%Y-%m-%d").tolist() == ["2000-02-29", "2001-02-28"]
    out = shift_times(pd.Series(pd.DatetimeIndex(["2021-01-08"])), np.array([1]),
                      pd.offsets.BusinessDay())
    assert out.iloc[0] == pd.Timestamp("2021-01-11")
    out = shift_times(pd.Series(pd.DatetimeIndex(["2021-01-08"])), np.array([2]),
                      pd.Timedelta("1h"))                   # a Table built with a Timedelta
    assert out.iloc[0] == pd.Timestamp("2021-01-08 02:00")
    assert shift_times(pd.Series([1.0, 2.0]), np.array([1, 2]), 0.5).tolist() == [1.5, 3.0]


def test_calendar_features_for_monthly_data():
    X = pd.DataFrame({"time": dates("MS", "2000-01-01", 36)})
    cal = Calendar("auto").fit(X)
    assert cal.parts_ == ["month"]
    cal = Calendar("auto", freq="MS").fit(X)
    assert cal.parts_ == ["month"]
    with pytest.warns(Warning, match="'dayofweek' do\\(es\\) not vary"):
        Calendar(["month", "dayofyear", "dayofweek"], freq="month").fit(X)


# ------------------------------------------------------------------ forecasting
FUTURE = [
    ("MS", "2000-01-01", ["2005-01-01", "2005-02-01", "2005-03-01"]),
    ("ME", "2000-01-31", ["2005-01-31", "2005-02-28", "2005-03-31"]),
    ("QS", "1990-01-01", ["2005-01-01", "2005-04-01", "2005-07-01"]),
    ("YS", "1945-01-01", ["2005-01-01", "2006-01-01", "2007-01-01"]),
    ("W-SAT", "2020-01-04", ["2021-02-27", "2021-03-06", "2021-03-13"]),
    ("B", "2020-10-05", ["2020-12-28", "2020-12-29", "2020-12-30"]),
]


@pytest.mark.parametrize("alias,start,future", FUTURE, ids=[f[0] for f in FUTURE])
def test_predict_future_labels_on_calendar_grids(alias, start, future):
    n = 60
    idx = dates(alias, start, n)
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"time": idx.delete([30]), "y": rng.normal(size=n - 1),
                       "x": rng.normal(size=n - 1)})
    f = Forecaster("y", input_len=6, horizon=3, epochs=1, hidden=8, layers=1,
                   progress=False, batch_size=64)
    f.fit(df)
    assert f.freq_ == parse_freq(alias)
    out = f.predict(df, future=True)
    assert out["origin"].iloc[0] == idx[-1]
    assert out["time"].dt.strftime("%Y-%m-%d").tolist() == future
    assert out["prediction"].notna().all()
    if alias == "MS":  # new data on another grid than the training data: say so
        daily = pd.DataFrame({"time": pd.date_range("2000-01-01", periods=20, freq="D"),
                              "y": np.arange(20.0), "x": np.zeros(20)})
        with pytest.warns(DataWarning, match="fitted on monthly \\(MS\\).*--freq MS"):
            f.predict(daily, future=True)


def test_cli_fit_prints_the_grid_and_predicts_future_months(tmp_path):
    p = tmp_path / "m.csv"
    rng = np.random.default_rng(1)
    idx = dates("MS", "1990-01-01", 240)
    pd.DataFrame({"date": idx.strftime("%Y-%m"), "y": rng.normal(size=240),
                  "x": rng.normal(size=240)}).to_csv(p, index=False)
    run = tmp_path / "run"
    res = CliRunner().invoke(cli, ["fit", str(p), "--target", "y", "--input-len", "48",
                                   "--horizon", "24", "--epochs", "1", "--hidden", "8",
                                   "--out", str(run)])
    assert res.exit_code == 0, res.output
    assert ("grid: monthly (MS), season 12; input 48 steps (4 years), horizon 24 steps "
            "(2 years)") in res.output
    assert json.loads((run / "pipeline.json").read_text())["freq"] == "MS"
    assert load(run).freq_ == pd.offsets.MonthBegin()
    res = CliRunner().invoke(cli, ["predict", str(run), str(p), "--future"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.strip().splitlines()  # the CSV; progress and "wrote ..." on stderr
    assert len(lines) == 25
    assert lines[1].startswith("all,2009-12-01,2010-01-01,1,")
    assert lines[-1].startswith("all,2009-12-01,2011-12-01,24,")
