"""Time splits per series and series splits for classification."""

from __future__ import annotations

import itertools
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from seqguard.errors import DataWarning, InputError
from seqguard.splits import (
    GAP,
    TEST,
    TRAIN,
    VAL,
    SeriesSplit,
    TimeSplit,
    bounds_from_groups,
    check_bounds,
    groups_from_bounds,
    part_code,
)
from seqguard.table import Table


def hourly(start: str, periods: int) -> np.ndarray:
    return pd.date_range(start, periods=periods, freq="h").to_numpy()


def two_series() -> tuple[np.ndarray, np.ndarray]:
    """Series 0: 100 hours from 2020-01-01; series 1: 40 hours from 2020-01-03 00:00."""
    t = np.r_[hourly("2020-01-01", 100), hourly("2020-01-03", 40)]
    g = np.r_[np.zeros(100, np.int64), np.ones(40, np.int64)]
    return t, g


def runs(part: np.ndarray) -> list[tuple[int, int]]:
    """Run-length encoding of a part array: [(code, length), ...]."""
    change = np.flatnonzero(np.r_[True, part[1:] != part[:-1], True])
    return [(int(part[a]), int(b - a)) for a, b in itertools.pairwise(change)]


# ----------------------------------------------------------------- layout helpers
def test_bounds_and_groups_round_trip() -> None:
    g = np.array([7, 7, 3, 3, 3, 9])
    b = bounds_from_groups(g)
    assert b.tolist() == [0, 2, 5, 6]
    assert b.dtype == np.int64
    assert groups_from_bounds(b).tolist() == [0, 0, 1, 1, 1, 2]
    assert bounds_from_groups([]).tolist() == [0]


def test_groups_must_be_contiguous() -> None:
    with pytest.raises(InputError, match=r"series 0 comes back at row 3.*Sort the rows"):
        bounds_from_groups([0, 0, 1, 0])


def test_check_bounds_errors() -> None:
    with pytest.raises(InputError, match="must start at 0 and never decrease"):
        check_bounds([0, 5, 3])
    with pytest.raises(InputError, match="bounds end at row 5 but the data has 6 rows"):
        check_bounds([0, 5], 6)


def test_part_code() -> None:
    assert [part_code(w) for w in ("train", "val", "test", 0, 1, 2)] == [0, 1, 2, 0, 1, 2]
    with pytest.raises(InputError, match=r"which='valid' is not a part"):
        part_code("valid")


# ----------------------------------------------------------------- TimeSplit
def test_fractions_per_series_with_different_spans() -> None:
    t, g = two_series()
    split = TimeSplit()  # 0.15 / 0.15
    part = split.fit_transform(t, g)
    assert part.dtype == np.int8
    # 100 rows: 15 test, 15 val; 40 rows: 6 test, 6 val (rounded)
    assert runs(part[:100]) == [(TRAIN, 70), (VAL, 15), (TEST, 15)]
    assert runs(part[100:]) == [(TRAIN, 28), (VAL, 6), (TEST, 6)]
    assert split.train_end_.tolist() == [70, 28]
    assert split.val_begin_.tolist() == [70, 28]
    assert split.test_begin_.tolist() == [85, 34]
    assert split.n_rows_ == {"train": 98, "val": 21, "test": 21, "gap": 0}
    assert split.test_time_ == ["2020-01-04 13:00:00", "2020-01-04 10:00:00"]


def test_fractions_zero_leave_part_empty() -> None:
    part = TimeSplit(val_frac=0.0, test_frac=0.25).fit_transform(np.arange(8.0))
    assert part.tolist() == [0, 0, 0, 0, 0, 0, 2, 2]
    part = TimeSplit(val_frac=0.25, test_frac=0.0).fit_transform(np.arange(8.0))
    assert part.tolist() == [0, 0, 0, 0, 0, 0, 1, 1]


def test_dates_per_series() -> None:
    t, g = two_series()
    split = TimeSplit(val_start="2020-01-04 00:00", test_start="2020-01-04 12:00")
    part = split.fit_transform(t, g)
    # series 0 starts 2020-01-01 00:00: val at row 72, test at row 84
    assert runs(part[:100]) == [(TRAIN, 72), (VAL, 12), (TEST, 16)]
    # series 1 starts 2020-01-03 00:00: val at row 24, test at row 36
    assert runs(part[100:]) == [(TRAIN, 24), (VAL, 12), (TEST, 4)]
    assert split.val_time_ == ["2020-01-04 00:00:00"] * 2
    assert split.time_kind_ == "datetime"


def test_date_between_grid_points_starts_at_next_row() -> None:
    t = hourly("2020-01-01", 10)
    part = TimeSplit(val_start="2020-01-01 05:30", test_start=pd.Timestamp("2020-01-01 08:00")
                     ).fit_transform(t)
    assert part.tolist() == [0] * 6 + [1, 1] + [2, 2]


def test_series_ending_before_a_date_has_no_later_part() -> None:
    t = np.r_[hourly("2020-01-01", 10), hourly("2020-01-01", 5)]
    g = np.r_[np.zeros(10, int), np.ones(5, int)]
    part = TimeSplit(val_start="2020-01-01 06:00", test_start="2020-01-01 08:00"
                     ).fit_transform(t, g)
    assert part[10:].tolist() == [0] * 5


def test_series_starting_after_a_date_is_warned() -> None:
    t = np.r_[hourly("2020-01-01", 10), hourly("2020-01-01 07:00", 3)]
    g = np.r_[np.zeros(10, int), np.ones(3, int)]
    with pytest.warns(DataWarning, match=r"1 series have no training rows.*'late'"):
        part = TimeSplit(val_start="2020-01-01 06:00", test_start="2020-01-01 08:00").fit(
            t, g, series_names=["early", "late"]).transform()
    assert part[10:].tolist() == [1, 2, 2]


def test_time_zone_aware_time() -> None:
    t = pd.Series(pd.date_range("2020-01-01", periods=10, freq="h", tz="Asia/Shanghai"))
    # a naive date is read in the data's zone
    part = TimeSplit(val_start="2020-01-01 06:00", test_start="2020-01-01 08:00"
                     ).fit_transform(t)
    assert part.tolist() == [0] * 6 + [1, 1, 2, 2]
    # an aware date in another zone is converted: 00:00 UTC = 08:00 in Shanghai
    split = TimeSplit(val_start="2020-01-01 06:00", test_start="2019-12-31T23:00:00+00:00")
    assert split.fit_transform(t).tolist() == [0] * 6 + [1, 2, 2, 2]
    assert split.test_time_ == ["2020-01-01 07:00:00+08:00"]


def test_positions_negative_and_positive() -> None:
    t, g = two_series()
    part = TimeSplit(val_start=-20, test_start=-10).fit_transform(t, g)
    assert runs(part[:100]) == [(TRAIN, 80), (VAL, 10), (TEST, 10)]
    assert runs(part[100:]) == [(TRAIN, 20), (VAL, 10), (TEST, 10)]
    part = TimeSplit(val_start="20", test_start="30").fit_transform(t, g)  # digits = rows
    assert runs(part[100:]) == [(TRAIN, 20), (VAL, 10), (TEST, 10)]
    assert runs(part[:100]) == [(TRAIN, 20), (VAL, 10), (TEST, 70)]


def test_positions_without_time() -> None:
    split = TimeSplit(val_start=-4, test_start=-2).fit(bounds=[0, 6, 12])
    assert split.transform().tolist() == [0, 0, 1, 1, 2, 2] * 2
    assert split.time_kind_ == "position"
    assert split.test_time_ == ["4", "4"]


def test_val_by_fraction_before_dated_test() -> None:
    t = hourly("2020-01-01", 20)
    part = TimeSplit(test_start="2020-01-01 16:00", val_frac=0.2).fit_transform(t)
    assert runs(part) == [(TRAIN, 12), (VAL, 4), (TEST, 4)]


def test_numeric_time_values() -> None:
    t = np.arange(10, dtype=float) * 0.5  # 0.0, 0.5, ..., 4.5
    part = TimeSplit(val_start=3.0, test_start="4.0").fit_transform(t)
    assert part.tolist() == [0] * 6 + [1, 1, 2, 2]
    assert TimeSplit(val_start=3.0, test_start=4.0).fit(t).time_kind_ == "numeric"


def test_gap_rows_before_each_later_part() -> None:
    part = TimeSplit(val_start=-6, test_start=-3, gap=1).fit_transform(np.arange(12.0))
    assert part.tolist() == [0, 0, 0, 0, 0, GAP, 1, 1, GAP, 2, 2, 2]
    split = TimeSplit(val_start=-6, test_start=-3, gap=1).fit(np.arange(12.0))
    assert split.n_rows_ == {"train": 5, "val": 2, "test": 3, "gap": 2}


def test_table_input_uses_series_names() -> None:
    frame = pd.DataFrame({
        "site": ["a"] * 10 + ["b"] * 10,
        "time": np.r_[hourly("2020-01-01", 10), hourly("2020-01-01", 10)],
        "v": np.arange(20.0),
    })
    table = Table(frame=frame, time_col="time", series_col="site", numeric=["v"],
                  categorical=[], freq=pd.Timedelta("1h"), inserted=np.zeros(20, bool))
    split = TimeSplit(val_start="2020-01-01 06:00", test_start="2020-01-01 08:00").fit(table)
    assert split.series_names_ == ["a", "b"]
    assert split.transform(table).tolist() == ([0] * 6 + [1, 1, 2, 2]) * 2
    bounds = split.boundaries()
    assert bounds["series"].tolist() == ["a", "b"]
    assert bounds["test_begin"].tolist() == [8, 8]


def test_json_round_trip_of_fitted_split() -> None:
    t, g = two_series()
    split = TimeSplit(val_start=pd.Timestamp("2020-01-04"), test_start="2020-01-04 12:00",
                      gap=2).fit(t, g, series_names=["x", "y"])
    data = json.loads(json.dumps(split.to_dict()))
    back = TimeSplit.from_dict(data)
    assert back.get_params()["val_start"] == "2020-01-04T00:00:00"
    assert np.array_equal(back.transform(), split.transform())
    for name in split.fitted_attributes():
        a, b = getattr(split, name), getattr(back, name)
        assert np.array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object)), name
    # refitting the restored params gives the same split
    assert np.array_equal(TimeSplit(**back.get_params()).fit(t, g).transform(), split.transform())


def test_transform_other_layout() -> None:
    split = TimeSplit().fit(np.arange(20.0))
    assert split.transform(np.arange(20.0)).tolist() == split.transform().tolist()
    with pytest.raises(InputError, match=r"fitted on 1 series with 20 rows; this data has 2 "
                                         r"series with 20 rows\. Call fit"):
        split.transform(bounds=[0, 10, 20])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"val_start": "2020-01-04 12:00", "test_start": "2020-01-04"},
         (r"val_start='2020-01-04 12:00' is not before test_start='2020-01-04'\. Validation "
          r"must come before test")),
        ({"val_start": "2020-01-04", "test_start": "2020-01-04"}, "is not before test_start"),
        ({"test_start": "2021-06-01"},
         (r"test_start='2021-06-01' is outside the data's time range 2020-01-01 00:00:00 to "
          r"2020-01-05 03:00:00\. Pass a date inside that range")),
        ({"val_start": "2019-12-31"}, r"val_start='2019-12-31' is outside the data's time range"),
        ({"val_frac": 0.6, "test_frac": 0.4},
         r"val_frac \+ test_frac = 1 leaves no training part in any series"),
        ({"val_frac": 1.2}, r"val_frac must be a number in \[0, 1\), got 1\.2"),
        ({"gap": -1}, "gap must be a non-negative integer"),
        ({"val_start": -30, "test_start": -35},
         r"val_start=-30 is not before the test part in series '0'"),
        ({"test_start": 120}, r"series '0' has 100 rows: too short for test_start=120"),
        ({"test_start": -45}, r"series '1' has 40 rows: too short for test_start=-45"),
        ({"test_start": "next year"}, r"test_start='next year' is not a date"),
        ({"test_start": 4.5}, r"test_start=4\.5 is not a date"),
        ({"val_start": -12, "test_start": -6, "gap": 6},
         r"series '0': gap=6 leaves no validation rows"),
        ({"test_start": 0}, "test_start=0 leaves no training rows"),
    ],
    ids=["val-after-test", "val-equals-test", "date-after-range", "date-before-range",
         "fracs-sum-1", "frac-out-of-range", "negative-gap", "positions-out-of-order",
         "position-past-end", "negative-position-too-long", "not-a-date", "float-for-dates",
         "gap-eats-val", "position-zero"],
)
def test_errors(kwargs: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        TimeSplit(**kwargs).fit(*two_series())


def test_series_too_short_for_fractions() -> None:
    t = np.r_[np.arange(100.0), np.arange(2.0)]
    g = np.r_[np.zeros(100, int), np.ones(2, int)]
    with pytest.raises(InputError, match=r"series 'tiny' has 2 rows: too short to keep training "
                                         r"rows with val_frac=0\.15, test_frac=0\.15"):
        TimeSplit().fit(t, g, series_names=["big", "tiny"])


def test_dates_need_a_time_column() -> None:
    with pytest.raises(InputError, match=r"val_start='2020-01-01' is a date, but there is no "
                                         "time column"):
        TimeSplit(val_start="2020-01-01").fit(n_rows=10)


def test_timezone_date_on_naive_time() -> None:
    with pytest.raises(InputError, match="has a time zone but the time column has none"):
        TimeSplit(test_start="2020-01-02T00:00:00+00:00").fit(*two_series())


# ----------------------------------------------------------------- SeriesSplit
def labels_30() -> np.ndarray:
    return np.r_[np.zeros(20, np.int64), np.ones(10, np.int64)]


def test_series_split_stratified_and_seeded() -> None:
    y = labels_30()
    split = SeriesSplit(val_frac=0.2, test_frac=0.2, seed=3).fit(y)
    part = split.part_
    assert split.stratified_ is True
    assert np.bincount(part).tolist() == [18, 6, 6]
    for p in (TRAIN, VAL, TEST):  # 2:1 in every part
        counts = np.bincount(y[part == p], minlength=2)
        assert counts[0] == 2 * counts[1], (p, counts)
    again = SeriesSplit(val_frac=0.2, test_frac=0.2, seed=3).fit(y)
    assert np.array_equal(again.part_, part)
    other = SeriesSplit(val_frac=0.2, test_frac=0.2, seed=4).fit(y)
    assert not np.array_equal(other.part_, part)
    assert sorted(np.r_[split.series("train"), split.series(1), split.series("test")]
                  .tolist()) == list(range(30))


def test_series_split_falls_back_when_a_class_is_too_small() -> None:
    y = np.r_[np.zeros(19, np.int64), [1]]
    with pytest.warns(DataWarning, match=r"cannot stratify by label.*stratify=False"):
        split = SeriesSplit(val_frac=0.2, test_frac=0.2).fit(y)
    assert split.stratified_ is False
    assert np.bincount(split.part_).tolist() == [12, 4, 4]


def test_series_split_unstratified_does_not_warn() -> None:
    y = np.r_[np.zeros(19, np.int64), [1]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        split = SeriesSplit(stratify=False).fit(y)
    assert split.stratified_ is False


def test_series_split_rows_and_json() -> None:
    split = SeriesSplit(val_frac=0.25, test_frac=0.25, stratify=False).fit(["a", "b", "a", "b"])
    rows = split.transform(bounds=[0, 2, 5, 6, 6])
    assert rows.tolist() == np.repeat(split.part_, [2, 3, 1, 0]).tolist()
    back = SeriesSplit.from_dict(json.loads(json.dumps(split.to_dict())))
    assert np.array_equal(back.part_, split.part_) and back.part_.dtype == np.int8
    with pytest.raises(InputError, match="fitted on 4 series; this data has 2"):
        split.transform(groups=[0, 0, 1])


@pytest.mark.parametrize(
    "kwargs, labels, match",
    [
        ({"val_frac": 0.5, "test_frac": 0.5}, [0, 1] * 5, r"val_frac \+ test_frac = 1 leaves"),
        ({}, [0.0, np.nan, 1.0], r"labels: series 1 has no label"),
        ({}, [0, 1], r"2 series cannot be split into 3 parts"),
        ({"test_frac": -0.1}, [0, 1] * 5, r"test_frac must be a number in \[0, 1\)"),
    ],
    ids=["fracs", "missing-label", "too-few-series", "negative-frac"],
)
def test_series_split_errors(kwargs: dict, labels: list, match: str) -> None:
    with pytest.raises(InputError, match=match):
        SeriesSplit(**kwargs).fit(labels)
