"""Ingestion: every accepted input, the table's guarantees, and every user error."""

from __future__ import annotations

import gzip
import io as _io
import string

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import seqguard
from seqguard import InputError, read
from seqguard.errors import SeqguardError


def write(tmp_path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def hourly_csv(n: int = 10, sep: str = ",") -> str:
    rows = [sep.join(["time", "x", "y"])]
    for i in range(n):
        rows.append(sep.join([f"2021-01-01 {i:02d}:00:00", f"{i * 1.5}", f"{i}"]))
    return "\n".join(rows) + "\n"


def check_guarantees(table: seqguard.Table) -> None:
    """The guarantees written in seqguard.table's docstring."""
    f = table.frame
    assert isinstance(f.index, pd.RangeIndex)
    codes = table.series_codes()
    assert np.all(np.diff(codes) >= 0)
    t = table.time_values()
    for a, b in zip(table.series_bounds()[:-1], table.series_bounds()[1:]):
        np.testing.assert_allclose(np.diff(t[a:b]), 1.0)
    for c in table.numeric:
        assert f[c].dtype == np.float64
    for c in table.categorical:
        assert isinstance(f[c].dtype, pd.StringDtype)
    assert len(table.inserted) == len(f)


# ------------------------------------------------------------------ formats
@pytest.mark.parametrize("sep", [",", ";", "\t", "|"], ids=["comma", "semicolon", "tab", "pipe"])
def test_csv_any_delimiter(tmp_path, sep):
    table = read(write(tmp_path, "d.csv", hourly_csv(sep=sep)), time_col="time")
    assert table.numeric == ["x", "y"]
    assert table.frame["x"].iloc[3] == 4.5
    assert table.freq == pd.Timedelta("1h")
    check_guarantees(table)


def test_gzip_csv(tmp_path):
    p = tmp_path / "d.csv.gz"
    with gzip.open(p, "wt") as fh:
        fh.write(hourly_csv())
    table = read(p, time_col="time")
    assert table.n_rows == 10


def test_parquet(tmp_path):
    df = pd.read_csv(_io.StringIO(hourly_csv()), parse_dates=["time"])
    p = tmp_path / "d.parquet"
    df.to_parquet(p)
    table = read(p, time_col="time", target="y")
    assert table.target == "y" and table.n_rows == 10
    check_guarantees(table)


def test_pandas_with_datetime_index():
    idx = pd.date_range("2020-01-01", periods=5, freq="D", name="day")
    table = read(pd.DataFrame({"v": np.arange(5.0)}, index=idx))
    assert table.time_col == "day" and table.freq == pd.offsets.Day()  # a pandas offset


def test_polars():
    pl = pytest.importorskip("polars")
    df = pl.DataFrame({"t": [0, 1, 2], "v": [1.0, None, 3.0]})
    table = read(df, time_col="t")
    assert np.isnan(table.frame["v"].iloc[1]) and table.n_rows == 3


def test_numpy_3d_is_one_series_per_sample(rng):
    x = rng.normal(size=(12, 4, 2))
    table = read(x, columns=["a", "b"])
    assert table.series_col == "sequence" and table.numeric == ["a", "b"]
    assert table.series_names() == [str(i) for i in range(12)]
    np.testing.assert_array_equal(table.frame["a"].to_numpy().reshape(12, 4), x[:, :, 0])


def test_list_of_variable_length_arrays(rng):
    seqs = [rng.normal(size=(n, 3)) for n in (5, 2, 7)]
    table = read(seqs)
    assert list(np.diff(table.series_bounds())) == [5, 2, 7]
    np.testing.assert_array_equal(table.numeric_array()[5:7], seqs[1])


def test_ragged_feature_count_is_an_error(rng):
    with pytest.raises(InputError, match="sequence 1 has 2 features but sequence 0 has 3"):
        read([rng.normal(size=(4, 3)), rng.normal(size=(4, 2))])


def test_long_format_is_pivoted(tmp_path):
    text = ("Time,Parameter,Value\n00:00,HR,80\n00:00,Temp,37\n00:07,HR,82\n"
            "00:35,HR,90\n01:10,Temp,37.5\n")
    table = read(write(tmp_path, "stay.txt", text), freq=60)
    # 'HH:MM' becomes minutes; three readings within the first hour are averaged
    assert table.time_col == "Time" and table.freq == 60.0
    assert sorted(table.numeric) == ["HR", "Temp"]
    assert table.frame["HR"].iloc[0] == pytest.approx((80 + 82 + 90) / 3)
    assert table.frame["Temp"].iloc[1] == 37.5 and np.isnan(table.frame["HR"].iloc[1])
    assert table.report.aggregated_rows == 2


def test_long_format_with_series():
    df = pd.DataFrame({"time": [0, 1, 0, 1], "variable": ["a", "a", "a", "b"],
                       "value": [1.0, 2.0, 3.0, 4.0], "series": ["s1", "s1", "s2", "s2"]})
    table = read(df, series_col="series")
    assert table.series_names() == ["s1", "s2"] and table.numeric == ["a", "b"]
    assert table.frame["b"].iloc[3] == 4.0


# ---------------------------------------------------------- missing markers
def test_default_and_declared_missing_markers(tmp_path):
    text = "t,x,y\n0,1,NA\n1,?,null\n2,-200,NaN\n3,4,\n4,inf,-inf\n5,-200.0,2\n"
    table = read(write(tmp_path, "m.csv", text), time_col="t", na_values="-200")
    x, y = table.frame["x"].to_numpy(), table.frame["y"].to_numpy()
    assert np.isnan(x[[1, 2, 5]]).all() and x[4] == np.inf
    assert np.isnan(y[:4]).all() and y[4] == -np.inf
    assert table.report.na_markers == {"x": 2}


def test_categorical_columns_and_markers(tmp_path):
    text = "t,wind,y\n0,NE,1\n1,NW,2\n2,?,3\n3,cv,4\n4,NE,5\n5,NW,6\n"
    table = read(write(tmp_path, "c.csv", text), time_col="t")
    assert table.categorical == ["wind"]
    assert table.frame["wind"].isna().sum() == 1


def test_forced_categorical_numeric_codes():
    df = pd.DataFrame({"t": range(4), "code": [1, 2, 1, 3], "y": [1.0, 2, 3, 4]})
    table = read(df, time_col="t", categorical=["code"])
    assert table.categorical == ["code"] and table.frame["code"].iloc[3] == "3"


# ------------------------------------------------------------------ time axis
def test_time_parts_build_the_time(beijing_path):
    table = read(beijing_path, time_col="year,month,day,hour", target="pm2.5")
    assert table.n_rows == 43824 and table.report.time_parts == ["year", "month", "day", "hour"]
    assert int(table.frame["pm2.5"].isna().sum()) == 2067
    assert table.frame["time"].iloc[0] == pd.Timestamp("2010-01-01 00:00")
    assert table.categorical == ["cbwd"]
    check_guarantees(table)


def test_time_parts_detected_without_option(beijing_path):
    table = read(beijing_path)
    assert table.time_col == "time" and table.freq == pd.Timedelta("1h")


def test_time_zone_is_kept(tmp_path):
    text = ("t,v\n2021-03-01T00:00:00+02:00,1\n2021-03-01T01:00:00+02:00,2\n"
            "2021-03-01T03:00:00+02:00,4\n")
    table = read(write(tmp_path, "tz.csv", text), time_col="t")
    assert str(table.frame["t"].dt.tz) in ("UTC", "+02:00", "UTC+02:00")
    assert table.n_rows == 4 and table.report.inserted_rows == 1


def test_unsorted_input_is_sorted_and_reported():
    df = pd.DataFrame({"s": ["b", "a", "a", "b"], "t": [1, 1, 0, 0], "y": [4.0, 2, 1, 3]})
    table = read(df, time_col="t", series_col="s")
    assert table.frame["y"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert table.report.unsorted_rows == 2
    check_guarantees(table)


def test_gaps_become_explicit_missing_rows():
    df = pd.DataFrame({"t": [0, 1, 2, 6, 7], "y": [1.0, 2, 3, 7, 8]})
    table = read(df, time_col="t")
    assert table.n_rows == 8
    assert table.inserted.tolist() == [False] * 3 + [True] * 3 + [False] * 2
    assert table.report.inserted_rows == 3 and table.report.largest_inserted_run == 3
    assert table.report.irregular_steps == 1


def test_given_freq_aggregates_irregular_readings():
    df = pd.DataFrame({"minutes": [0, 10, 50, 70, 200], "hr": [60.0, 70, 80, 90, 100]})
    table = read(df, time_col="minutes", freq=60)
    assert table.frame["minutes"].tolist() == [0.0, 60.0, 120.0, 180.0]
    assert table.frame["hr"].tolist()[:2] == [70.0, 90.0]
    assert table.report.aggregated_rows == 2 and not table.report.freq_inferred


def test_series_are_gridded_separately():
    df = pd.DataFrame({"s": ["a"] * 4 + ["b"] * 2, "t": [0, 1, 2, 4, 10, 12],
                       "y": [1.0, 2, 3, 4, 5, 6]})
    table = read(df, time_col="t", series_col="s")
    assert list(np.diff(table.series_bounds())) == [5, 3]
    assert table.frame["t"].tolist() == [0, 1, 2, 3, 4, 10, 11, 12]
    assert table.inserted.tolist() == [False] * 3 + [True, False, False, True, False]


@pytest.mark.parametrize("policy,expected", [("mean", 2.0), ("first", 1.0), ("last", 3.0)])
def test_duplicate_policies(policy, expected):
    df = pd.DataFrame({"t": [0, 1, 1, 2], "y": [0.0, 1.0, 3.0, 5.0]})
    table = read(df, time_col="t", duplicates=policy)
    assert table.frame["y"].tolist() == [0.0, expected, 5.0]
    assert table.report.duplicate_rows == 1 and table.report.duplicates_policy == policy


def test_duplicates_are_an_error_by_default(tmp_path):
    p = write(tmp_path, "dup.csv", "t,y\n0,1\n1,2\n1,3\n2,4\n")
    with pytest.raises(InputError, match=r"dup.csv.*1 rows repeat a \(time\) pair; the first "
                                         r"is time 1 \(rows 2 and 3\).*--duplicates"):
        read(p, time_col="t")


# ---------------------------------------------------------------------- errors
def test_missing_file(tmp_path):
    (tmp_path / "data.csv").write_text("a\n1\n")
    with pytest.raises(InputError, match=r"file '.*dat\.csv' does not exist.*'data.csv'"):
        read(tmp_path / "dat.csv")


def test_folder_is_not_a_file(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        read(tmp_path)


def test_binary_file(tmp_path):
    p = tmp_path / "b.csv"
    p.write_bytes(bytes(range(256)) * 16)
    with pytest.raises(InputError, match=r"b\.csv' is binary, not a CSV"):
        read(p)


def test_corrupt_parquet(tmp_path):
    p = tmp_path / "x.parquet"
    p.write_bytes(b"PAR1" + b"garbage" * 10)
    with pytest.raises(InputError, match=r"x\.parquet' is not a readable Parquet file"):
        read(p)


def test_empty_file(tmp_path):
    with pytest.raises(InputError, match=r"e\.csv' is empty"):
        read(write(tmp_path, "e.csv", ""))


def test_header_only_file(tmp_path):
    with pytest.raises(InputError, match=r"h\.csv' has a header but no data rows"):
        read(write(tmp_path, "h.csv", "time,x,y\n"))


def test_unknown_column_did_you_mean(tmp_path):
    p = write(tmp_path, "d.csv", hourly_csv())
    with pytest.raises(InputError, match=r"has no column 'yy' \(given by --target\)\. Did you "
                                         r"mean 'y'\?"):
        read(p, time_col="time", target="yy")
    with pytest.raises(InputError, match=r"no column 'tme' \(given by --time-col\)\. Did you "
                                         r"mean 'time'\?"):
        read(p, time_col="tme")


def test_non_numeric_cell_names_column_row_value(tmp_path):
    text = hourly_csv(20).splitlines()
    parts = text[8].split(",")
    parts[1] = "12a"
    text[8] = ",".join(parts)
    p = write(tmp_path, "cell.csv", "\n".join(text) + "\n")
    with pytest.raises(InputError, match=r"cell\.csv', column 'x', row 8: '12a' is not a "
                                         r"number\. Fix the cell, or pass --na-values 12a"):
        read(p, time_col="time")


def test_non_numeric_target_is_an_error():
    df = pd.DataFrame({"t": range(6), "y": ["a", "b", "c", "d", "e", "f"]})
    with pytest.raises(InputError, match="column 'y': the target is text"):
        read(df, time_col="t", target="y")


def test_target_entirely_missing(tmp_path):
    p = write(tmp_path, "t.csv", "t,x,y\n0,1,\n1,2,NA\n2,3,\n")
    with pytest.raises(InputError, match=r"column 'y': the target is missing in every row"):
        read(p, time_col="t", target="y")


def test_bad_time_value(tmp_path):
    p = write(tmp_path, "t.csv", "t,y\n2021-01-01,1\nyesterday,2\n")
    with pytest.raises(InputError, match=r"row 2, time column 't': 'yesterday' is not a date"):
        read(p, time_col="t")


def test_empty_time_cell():
    df = pd.DataFrame({"t": [0.0, None, 2.0], "y": [1.0, 2.0, 3.0]})
    with pytest.raises(InputError, match=r"row 2: the time column 't' is empty"):
        read(df, time_col="t")


def test_bad_duplicates_option():
    with pytest.raises(InputError, match=r"--duplicates option must be one of .* Got 'meen' "
                                         r"instead\. Did you mean 'mean'\?"):
        read(pd.DataFrame({"y": [1.0]}), duplicates="meen")


def test_bad_freq_for_dates(tmp_path):
    p = write(tmp_path, "d.csv", hourly_csv())
    with pytest.raises(InputError, match="--freq 60 is a bare number but the time column holds "
                                         "dates"):
        read(p, time_col="time", freq=60)


def test_grid_explosion_is_refused():
    df = pd.DataFrame({"t": [0.0, 0.001, 1e6], "y": [1.0, 2.0, 3.0]})
    with pytest.raises(InputError, match="too irregular for that step. Pass a coarser --freq"):
        read(df, time_col="t")


def test_ragged_csv_row(tmp_path):
    p = write(tmp_path, "r.csv", "a,b\n1,2\n3,4,5\n")
    with pytest.raises(InputError, match=r"r\.csv'.*expected 2 columns, got 3"):
        read(p)


def test_unsupported_type():
    with pytest.raises(InputError, match="cannot read data of type dict"):
        read({"a": 1})


# ------------------------------------------------------- property: never crash
_SETTINGS = settings(max_examples=100, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


def test_latin1_csv_is_read(tmp_path):
    p = tmp_path / "l.csv"
    p.write_bytes("t,city,y\n0,Zürich,1\n1,Genève,2\n".encode("latin-1"))
    # not UTF-8: an error naming the byte and --encoding, never a silent guess
    with pytest.raises(InputError, match=r"byte 12 \(line 2\): 0xfc is not UTF-8\. Pass "
                                         r"--encoding"):
        read(p, time_col="t")
    table = read(p, time_col="t", encoding="latin-1")
    assert table.frame["city"].tolist() == ["Zürich", "Genève"]


KNOWN_BAD = {
    # a control byte (0x01) in the sniffed start: not text
    "control-and-high-byte": (b"\x01\n\x80", (r"bad\.csv' is binary, not a CSV text file\. "
                                                r"Pass a CSV \(optionally compressed\) or a "
                                                r"Parquet file\.")),
    # text, but 0xff cannot start a UTF-8 character: name the byte, never guess
    "bad-utf8": (b"a\n\xff\xfe", (r"bad\.csv', byte 2 \(line 2\): 0xff is not UTF-8\. "
                                   r"Pass --encoding")),
    # the gzip magic number, then a stream that ends early
    "broken-gzip": (b"\x1f\x8b\x08garbage", (r"bad\.csv' looks gzip-compressed but cannot be "
                                              r"decompressed \(.*\)\. Re-download or "
                                              r"re-compress it\.")),
}


@pytest.mark.parametrize(("blob", "match"), KNOWN_BAD.values(), ids=KNOWN_BAD.keys())
def test_known_bad_bytes(tmp_path, blob, match):
    p = tmp_path / "bad.csv"
    p.write_bytes(blob)
    with pytest.raises(InputError, match=match):
        read(p)


@_SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes_parse_or_raise_input_error(tmp_path, blob):
    p = tmp_path / "fuzz.csv"
    p.write_bytes(blob)
    try:
        table = read(p)
    except InputError:
        return
    check_guarantees(table)


_cell = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits + " .-:?", max_size=6),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-5, 5).map(str),
)


@_SETTINGS
@given(st.integers(1, 4), st.lists(st.lists(_cell, min_size=1, max_size=4), max_size=12),
       st.sampled_from([",", ";", "\t"]))
def test_random_csv_text_parse_or_raise_input_error(tmp_path, ncol, rows, sep):
    header = sep.join(f"c{i}" for i in range(ncol))
    body = "\n".join(sep.join(r[:ncol]) for r in rows)
    p = tmp_path / "fuzz.csv"
    p.write_text(header + "\n" + body + "\n")
    try:
        table = read(p)
    except SeqguardError as exc:
        assert isinstance(exc, InputError)
        return
    check_guarantees(table)


def test_parse_duration_serves_freq_and_season():
    import pandas as pd

    from seqguard.baselines import season_from_freq
    from seqguard.table import parse_duration

    assert parse_duration("15min") == pd.Timedelta(minutes=15)
    assert parse_duration("2 hours") == pd.Timedelta(hours=2)
    assert parse_duration("MS") is None and parse_duration("soon") is None
    assert season_from_freq("30min") == 48
    with pytest.raises(InputError, match="--season"):
        season_from_freq("soon")
