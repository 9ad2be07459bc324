"""Reading never loses or changes data silently, and finds the time column by content."""

from __future__ import annotations

import bz2
import csv
import gzip
import io as _io
import json
import lzma
import re

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli

from seqguard import InputError, audit, read


def one_error_line(code: int, err: str, *words: str) -> str:
    assert code == 2, err
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


def hourly_frame(n: int = 300) -> pd.DataFrame:
    idx = pd.date_range("2021-01-01", periods=n, freq="h")
    i = np.arange(n)
    return pd.DataFrame({"x": np.sin(i / 5.0), "y": (i % 7) * 1.0}, index=idx)


def numbers_csv(n: int = 1000, sep: str = ",") -> list[str]:
    return [sep.join(["a", "b", "c"])] + [sep.join([str(i), f"{i}.5", str(2 * i)])
                                           for i in range(n)]


# ------------------------------------------------------------ time by content
def test_to_csv_datetime_index_is_the_time(tmp_path):
    p = tmp_path / "h.csv"
    hourly_frame().to_csv(p)
    assert p.read_text().startswith(",x,y\n2021-01-01 00:00:00,")
    table = read(p)
    assert table.time_col == "" and table.time_is_datetime
    assert table.freq == pd.Timedelta("1h") and table.numeric == ["x", "y"]
    assert table.categorical == [] and table.n_rows == 300
    assert table.report.time_col_found == "found by content: 100% of values are dates"
    found = audit(table).select(code="time_column")
    assert found and found[0].severity == "info"
    assert found[0].message == "time column: '' (found by content: 100% of values are dates)."


def test_unnamed_0_header_with_day_first_text_dates(tmp_path):
    days = pd.date_range("2021-01-01", periods=120, freq="D")
    text = "Unnamed: 0;v\n" + "".join(f"{d:%d/%m/%Y};{i}.5\n" for i, d in enumerate(days))
    p = tmp_path / "d.csv"
    p.write_text(text)
    table = read(p)
    assert table.time_col == "Unnamed: 0" and table.time_is_datetime
    assert table.freq == pd.offsets.Day() and table.numeric == ["v"]
    assert table.report.time_col_found.startswith("found by content")


def test_name_match_still_wins_and_no_time_says_so(tmp_path):
    p = tmp_path / "n.csv"
    p.write_text("when,date,y\n2021-01-01,2021-02-01,1\n2021-01-02,2021-02-02,2\n")
    table = read(p)
    assert table.time_col == "date" and table.report.time_col_found == "by name"
    assert read(pd.DataFrame({"y": [1.0, 2.0]})).report.time_col_found == \
        "none: the row position is the time"


def test_integer_column_is_never_taken_as_time():
    df = pd.DataFrame({"stamp": np.arange(20210101, 20210131), "id": np.arange(30),
                       "y": np.arange(30) * 1.0})
    table = read(df)
    assert table.time_col == "step" and table.numeric == ["stamp", "id", "y"]
    assert table.report.time_col_found == "none: the row position is the time"


def test_a_text_column_of_dates_below_99_percent_is_not_the_time():
    dates = [f"2021-01-{d:02d}" for d in range(1, 29)] + ["soon", "later"]
    df = pd.DataFrame({"when": dates, "y": np.arange(30) * 1.0})
    table = read(df)
    assert table.time_col == "step" and table.categorical == ["when"]


def test_fit_on_a_to_csv_file_trains_on_its_dates(tmp_path, capsys):
    p = tmp_path / "h.csv"
    hourly_frame(300).to_csv(p)
    run = tmp_path / "run"
    code, _, err = run_cli(["fit", str(p), "--target", "y", "--epochs", "1", "--hidden", "8",
                            "--input-len", "8", "--horizon", "2", "--quiet", "--out",
                            str(run)], capsys)
    assert code == 0, err
    pipeline = json.loads((run / "pipeline.json").read_text())
    # not 300 one-hot dates; the calendar features of the dates (on by default, issue 11)
    names = pipeline["feature_names"]
    assert names[:2] == ["x", "y"] and all(n.startswith("cal__") for n in names[2:])
    findings = json.loads((run / "audit.json").read_text())["findings"]
    assert any(f["code"] == "time_column" and "found by content" in f["message"]
               for f in findings)
    code, out, err = run_cli(["predict", str(run), str(p)], capsys)
    assert code == 0, err
    assert "2021-01-" in out.splitlines()[1]


def test_multiindex_series_time_frame_reads_as_its_series():
    df = hourly_frame(48)
    mi = pd.concat({"a": df, "b": df * 2}, names=["site", "ts"])
    table = read(mi)
    assert table.series_col == "site" and table.time_col == "ts"
    assert table.series_names() == ["a", "b"] and table.n_rows == 96
    assert table.freq == pd.Timedelta("1h")
    b = table.frame[table.frame["site"] == "b"]
    assert b["ts"].iloc[5] == pd.Timestamp("2021-01-01 05:00")
    assert b["x"].iloc[5] == pytest.approx(2 * df["x"].iloc[5])
    unnamed = read(pd.concat({"a": df, "b": df}))
    assert (unnamed.series_col, unnamed.time_col) == ("series", "time")
    assert unnamed.report.time_col_found == "the DataFrame index (levels: series, time)"


def test_named_index_is_kept_as_a_column():
    df = pd.DataFrame({"y": [1.0, 2.0, 3.0]}, index=pd.Index([10, 20, 30], name="t"))
    table = read(df, time_col="t")
    assert table.frame["t"].tolist() == [10.0, 20.0, 30.0]


# ------------------------------------------------------------ every row read
def test_stray_quote_is_an_error_naming_the_line(tmp_path, capsys):
    rows = numbers_csv(1000)
    rows[11] = '10,10.5,"20'  # data row 11: the quote swallows the rest of the file
    p = tmp_path / "q.csv"
    p.write_text("\n".join(rows) + "\n")
    with pytest.raises(InputError, match=r"q\.csv', line 12: a quoted field opens here "
                                         r"\(\"20\.\.\.\) and runs over 989 more lines, "
                                         r"which would be lost as rows\. Close the quote"):
        read(p)
    code, _, err = run_cli(["audit", str(p)], capsys)
    one_error_line(code, err, "line 12", "quoted field")


def test_stray_quote_in_a_middle_field_names_the_line(tmp_path):
    rows = numbers_csv(1000)
    rows[11] = '10,"10.5,20'
    p = tmp_path / "q.csv"
    p.write_text("\n".join(rows) + "\n")
    with pytest.raises(InputError, match=r"q\.csv', line 12: a quoted field opens here"):
        read(p)


def test_quoted_text_with_a_newline_is_one_row(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text('a,note,y\n1,"two\nlines",1.0\n2,plain,2.0\n3,"x, y",3.0\n')
    table = read(p, time_col="a")
    assert table.n_rows == 3 and table.frame["note"].tolist() == ["two\nlines", "plain", "x, y"]


def test_ragged_row_names_the_line_and_delimiter_option(tmp_path, capsys):
    p = tmp_path / "r.csv"
    p.write_text("a,b\n1,2\n3,4\n5,6,7\n")
    with pytest.raises(InputError, match=r"r\.csv', line 4: expected 2 columns, got 3 "
                                         r"\(delimiter ','\)\. Fix the line, or pass the right "
                                         r"--delimiter"):
        read(p)
    code, _, err = run_cli(["audit", str(p)], capsys)
    one_error_line(code, err, "--delimiter")


def test_delimiter_option(tmp_path, capsys):
    p = tmp_path / "d.csv"
    p.write_text("t;x;y\n" + "".join(f"{i};{i}.5;{i}\n" for i in range(30)))
    assert read(p, sep=";", time_col="t").numeric == ["x", "y"]
    code, out, err = run_cli(["audit", str(p), "--delimiter", ";", "--time-col", "t",
                              "--format", "json"], capsys)
    assert code == 0, err
    assert json.loads(out)["summary"]["numeric"] == ["x", "y"]
    with pytest.raises(InputError, match=r"--delimiter must be one character"):
        read(p, sep=";;")


def _records(text: str) -> int:
    rows = [r for r in csv.reader(_io.StringIO(text, newline="")) if r]
    return len(rows) - 1


CRAFTED = {
    "no-final-newline": "a,b\n1,2\n3,4",
    "blank-lines": "a,b\n1,2\n\n3,4\n\n\n5,6\n",
    "crlf": "a,b\r\n1,2\r\n3,4\r\n",
    "quoted-commas": 'a,b\n1,"2,5"\n3,"4,5"\n',
    "quoted-newline": 'a,b\n1,"x\ny"\n3,z\n',
    "bom": "\ufeffa,b\n1,2\n3,4\n",
    "escaped-quotes": 'a,b\n1,"say ""hi"""\n3,x\n',
}
# a stray quote would swallow the lines after it into one field: an error naming the line
STRAY_QUOTES = {
    "stray-quote-last": ("a,b\n1,2\n3,\"4\n5,6\n7,8\n", 3, '"4'),
    "stray-quote-closed-later": ('a,b\n1,"2\n3,4\n5,6"\n7,8\n', 2, '"2'),
}


@pytest.mark.parametrize("text", CRAFTED.values(), ids=CRAFTED.keys())
def test_no_file_is_read_short(tmp_path, text):
    p = tmp_path / "c.csv"
    p.write_bytes(text.encode("utf-8"))
    table = read(p, categorical="b")
    assert table.report.n_input_rows == _records(text.removeprefix("\ufeff"))


@pytest.mark.parametrize(("text", "line", "start"), STRAY_QUOTES.values(),
                         ids=STRAY_QUOTES.keys())
def test_a_stray_quote_is_an_error_not_lost_rows(tmp_path, text, line, start):
    p = tmp_path / "c.csv"
    p.write_bytes(text.encode("utf-8"))
    with pytest.raises(InputError, match=rf"c\.csv', line {line}: a quoted field opens here "
                                         rf"\({re.escape(start)}\.\.\.\) and runs over 2 more "
                                         r"lines, which would be lost as rows\. Close the "
                                         r"quote, or remove the stray '\"'\."):
        read(p, categorical="b")


# ------------------------------------------------------ number formats
def test_thousands_separator_is_detected_then_read(tmp_path, capsys):
    p = tmp_path / "t.csv"
    p.write_text("t;x;y\n" + "".join(f"{i};{1000 * i + 123.4:,.1f};{i}\n" for i in range(30)))
    with pytest.raises(InputError, match=r"t\.csv', column 'x', row 2: '1,123\.4' is a number "
                                         r"written with a thousands separator\. Pass "
                                         r"--thousands , to read the column as numbers, or "
                                         r"--categorical x if it is text\."):
        read(p, time_col="t")
    table = read(p, time_col="t", thousands=",")
    assert table.frame["x"].iloc[20] == pytest.approx(20123.4)
    assert table.report.number_format == {"thousands": ","}
    code, _, err = run_cli(["audit", str(p), "--time-col", "t"], capsys)
    one_error_line(code, err, "--thousands ,", "column 'x'")
    code, _, err = run_cli(["audit", str(p), "--time-col", "t", "--thousands", ","], capsys)
    assert code == 0, err


def test_thousands_in_a_quoted_comma_file(tmp_path):
    p = tmp_path / "q.csv"
    p.write_text("t,x\n" + "".join(f'{i},"{1000 * i + 5:,}"\n' for i in range(30)))
    with pytest.raises(InputError, match="--thousands ,"):
        read(p, time_col="t")
    assert read(p, time_col="t", thousands=",").frame["x"].iloc[3] == 3005.0


def test_thousands_only_on_large_values(tmp_path):
    p = tmp_path / "q.csv"  # most values below 1000: only a few cells carry the comma
    vals = [str(i * 10) for i in range(98)] + ['"1,200"', '"1,500"']
    p.write_text("t,x\n" + "".join(f"{i},{v}\n" for i, v in enumerate(vals)))
    with pytest.raises(InputError, match=r"row 99: '1,200' is a number written with a "
                                         r"thousands separator"):
        read(p, time_col="t")
    assert read(p, time_col="t", thousands=",").frame["x"].iloc[-1] == 1500.0


def test_decimal_comma_is_detected_then_read(tmp_path, capsys):
    p = tmp_path / "d.csv"
    p.write_text("t;x;y\n" + "".join(f"{i};{i},25;{i}\n" for i in range(30)))
    with pytest.raises(InputError, match=r"column 'x', row 1: '0,25' is a number written "
                                         r"with a decimal comma\. Pass --decimal , to read "
                                         r"the column as numbers"):
        read(p, time_col="t")
    table = read(p, time_col="t", decimal=",")
    assert table.frame["x"].iloc[3] == 3.25 and table.frame["y"].iloc[3] == 3.0
    code, _, err = run_cli(["audit", str(p), "--time-col", "t"], capsys)
    one_error_line(code, err, "--decimal ,")
    code, _, err = run_cli(["audit", str(p), "--time-col", "t", "--decimal", ","], capsys)
    assert code == 0, err


def test_european_thousands_and_decimal(tmp_path):
    p = tmp_path / "e.csv"
    p.write_text("t;x\n" + "".join(f"{i};{i}.234,5\n" for i in range(1, 30)))
    with pytest.raises(InputError, match=r"Pass --thousands \. --decimal , to read"):
        read(p, time_col="t")
    table = read(p, time_col="t", thousands=".", decimal=",")
    assert table.frame["x"].iloc[0] == 1234.5


def test_format_options_are_checked():
    df = pd.DataFrame({"y": [1.0]})
    with pytest.raises(InputError, match=r"--thousands \. is also the decimal mark\. Pass the "
                                         r"other mark with --decimal"):
        read(df, thousands=".")
    with pytest.raises(InputError, match=r"--decimal must be one character"):
        read(df, decimal="7")


def test_text_columns_are_not_mistaken_for_numbers(tmp_path):
    p = tmp_path / "t.csv"
    cities = ["Beijing, China", "Paris, France", "1,2,3", "a,b"] * 10
    p.write_text("t;city;y\n" + "".join(f"{i};{c};{i}\n" for i, c in enumerate(cities)))
    table = read(p, time_col="t")
    assert table.categorical == ["city"] and table.numeric == ["y"]


@pytest.mark.parametrize("name", ["beijing_pm25/PRSA_data_2010.1.1-2014.12.31.csv.gz",
                                  "beijing_multisite/PRSA_Data_Dongsi_20130301-20170228.csv.gz"],
                         ids=["pm25", "multisite"])
def test_real_files_read_as_before(shared_data, name):
    table = read(shared_data / name)
    assert table.report.n_input_rows == table.n_rows
    assert table.report.number_format == {} and table.report.units == {}
    if "multisite" in name:
        assert table.n_rows == 35064 and table.categorical == ["wd", "station"]
        assert table.numeric == ["No", "PM2.5", "PM10", "SO2", "NO2", "CO", "O3", "TEMP",
                                 "PRES", "DEWP", "RAIN", "WSPM"]
    else:
        assert table.n_rows == 43824 and table.categorical == ["cbwd"]
        assert table.numeric == ["No", "pm2.5", "DEWP", "TEMP", "PRES", "Iws", "Is", "Ir"]
    assert all(table.frame[c].dtype == np.float64 for c in table.numeric)


# ------------------------------------------------------ content, not names
def test_gzip_content_named_csv_reads(tmp_path):
    p = tmp_path / "g.csv"
    p.write_bytes(gzip.compress("\n".join(numbers_csv(50)).encode()))
    table = read(p, time_col="a")
    assert table.n_rows == 50 and table.frame["c"].iloc[-1] == 98.0


@pytest.mark.parametrize("kind", ["bz2", "xz", "zstd"])
def test_other_compressions_by_content(tmp_path, kind):
    raw = "\n".join(numbers_csv(50)).encode()
    p = tmp_path / "c.data"
    if kind == "bz2":
        p.write_bytes(bz2.compress(raw))
    elif kind == "xz":
        p.write_bytes(lzma.compress(raw))
    else:
        import pyarrow as pa

        with pa.CompressedOutputStream(str(p), "zstd") as out:
            out.write(raw)
    assert read(p, time_col="a").n_rows == 50


def test_plain_text_named_gz_reads(tmp_path):
    p = tmp_path / "plain.csv.gz"
    p.write_text("\n".join(numbers_csv(20)) + "\n")
    assert read(p, time_col="a").n_rows == 20


def test_nested_parquet_columns_are_named(tmp_path, capsys):
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 10
    tbl = pa.table({"t": list(range(n)), "y": [float(i) for i in range(n)],
                    "tags": [[i, i + 1] for i in range(n)],
                    "pos": [{"lat": 1.0, "lon": 2.0}] * n})
    p = tmp_path / "n.parquet"
    pq.write_table(tbl, p)
    with pytest.raises(InputError, match=r"n\.parquet': columns 'tags' \(list<element: int64>\), "
                                         r"'pos' \(struct<lat: double, lon: double>\) are "
                                         r"nested \(struct, list or map\); seqguard reads flat "
                                         r"columns only\. Flatten them into plain columns, or "
                                         r"leave them out with --features"):
        read(p, time_col="t")
    code, _, err = run_cli(["audit", str(p), "--time-col", "t"], capsys)
    one_error_line(code, err, "'tags'", "--features")
    table = read(p, time_col="t", features="y")
    assert table.numeric == ["y"]


def test_parquet_datetime_index_is_kept(tmp_path):
    p = tmp_path / "i.parquet"
    hourly_frame(24).to_parquet(p)
    table = read(p)
    assert table.time_is_datetime and table.freq == pd.Timedelta("1h")
    assert table.numeric == ["x", "y"]


# ------------------------------------------------------------- encodings
def test_bad_byte_after_64_kib(tmp_path, capsys):
    rows = numbers_csv(8000)
    text = "\n".join(rows) + "\n"
    assert len(text) > 70_000
    cut = text.index("\n", 70_000) + 1
    data = text[:cut].encode() + "7000,café,1\n".encode("latin-1") + text[cut:].encode()
    p = tmp_path / "l.csv"
    p.write_bytes(data)
    offset = data.index(b"\xe9")
    line = data[:offset].count(b"\n") + 1
    with pytest.raises(InputError, match=rf"l\.csv', byte {offset} \(line {line}\): 0xe9 is not "
                                         r"UTF-8\. Pass --encoding with the file's encoding"):
        read(p)
    code, _, err = run_cli(["audit", str(p), "--categorical", "b"], capsys)
    one_error_line(code, err, f"byte {offset}", "--encoding")
    code, out, err = run_cli(["audit", str(p), "--categorical", "b", "--encoding", "latin-1",
                              "--format", "json"], capsys)
    assert code == 0, err
    assert json.loads(out)["summary"]["n_rows"] == 8001
    table = read(p, categorical="b", encoding="latin-1")
    assert "café" in set(table.frame["b"].dropna())


def test_unknown_encoding(tmp_path):
    p = tmp_path / "u.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match=r"--encoding 'klingon' is not a known encoding"):
        read(p, encoding="klingon")


def test_utf16_with_encoding(tmp_path):
    p = tmp_path / "w.csv"
    p.write_bytes("a,b\n1,2\n3,4\n".encode("utf-16"))
    with pytest.raises(InputError, match=r"is binary, not a CSV text file.*--encoding utf-16"):
        read(p)
    assert read(p, encoding="utf-16", time_col="a").numeric == ["b"]


# -------------------------------------------------------------- unit suffixes
def units_csv(tmp_path, cells: list[str] | None = None):
    cells = cells or [f"{20 + i / 10:.2f} °C" for i in range(80)]
    p = tmp_path / "u.csv"
    p.write_text("t,temp,y\n" + "".join(f"{i},{c},{i % 5}\n" for i, c in enumerate(cells)))
    return p


def test_unit_suffix_is_a_finding_then_numbers_with_strip_units(tmp_path, capsys):
    p = units_csv(tmp_path)
    report = audit(p, time_col="t")
    assert "high_cardinality" not in report.codes()
    f = report.select(code="unit_suffix")[0]
    assert f.severity == "warning" and f.column == "temp"
    assert f.evidence["unit"] == "°C" and f.evidence["examples"][0] == "20.00 °C"
    assert f.fix.startswith("Pass --strip-units temp to read it as numbers")
    table = read(p, time_col="t", strip_units="temp")
    assert table.numeric == ["temp", "y"] and table.frame["temp"].iloc[11] == 21.1
    assert table.report.units == {"temp": "°C"}
    assert audit(table).select(code="units_stripped")[0].evidence["unit"] == "°C"
    code, out, err = run_cli(["audit", str(p), "--time-col", "t", "--strip-units", "temp",
                              "--format", "json"], capsys)
    assert code == 0, err
    assert "temp" in json.loads(out)["summary"]["numeric"]


@pytest.mark.parametrize("cells, unit", [
    ([f"{i} km/h" for i in range(60)], "km/h"),
    ([f"{i}%" for i in range(60)], "%"),
    ([f"${i}.50" for i in range(60)], "$"),
], ids=["km/h", "percent", "dollar"])
def test_other_units(tmp_path, cells, unit):
    p = units_csv(tmp_path, cells)
    assert audit(p, time_col="t").select(code="unit_suffix")[0].evidence["unit"] == unit
    assert read(p, time_col="t", strip_units=["temp"]).frame["temp"].iloc[7] == \
        float(cells[7].strip("$%km/h "))


def test_mixed_units_are_an_error(tmp_path):
    cells = [f"{i} km/h" for i in range(59)] + ["3 m/s"]
    p = units_csv(tmp_path, cells)
    with pytest.raises(InputError, match=r"column 'temp', row 60: '3 m/s' has the unit 'm/s', "
                                         r"but the column's unit is 'km/h' \(59 rows\)"):
        read(p, time_col="t", strip_units="temp")


def test_unit_target_names_strip_units(tmp_path):
    p = units_csv(tmp_path)
    with pytest.raises(InputError, match=r"column 'temp': the target is text, not numbers\. "
                                         r"It holds numbers with the unit '°C': pass "
                                         r"--strip-units temp\."):
        read(p, time_col="t", target="temp")


def test_ids_and_words_are_not_units(tmp_path):
    cells = [f"{i}{'ABC'[i % 3]}" for i in range(60)]
    p = units_csv(tmp_path, cells)
    assert "unit_suffix" not in audit(p, time_col="t").codes()


def test_number_text_docstring_examples_run():
    import doctest

    from seqguard import number_text

    result = doctest.testmod(number_text)
    assert result.failed == 0 and result.attempted >= 6


def test_bad_byte_in_compressed_file_says_decompressed(tmp_path):
    p = tmp_path / "z.csv.gz"
    p.write_bytes(gzip.compress(b"a,b\n1,x\n" + "2,é\n".encode("latin-1")))
    with pytest.raises(InputError, match=r"z\.csv\.gz', byte 10 of the decompressed text "
                                         r"\(line 3\): 0xe9 is not UTF-8"):
        read(p)
    assert read(p, encoding="latin-1", categorical="b").frame["b"].tolist() == ["x", "é"]


def test_text_that_starts_like_a_magic_number_is_text(tmp_path):
    p = tmp_path / "bz.csv"
    p.write_text("BZh9,y\n1,2\n3,4\n")
    assert read(p, time_col="BZh9").numeric == ["y"]
    empty_bz2 = tmp_path / "e.csv"
    empty_bz2.write_bytes(bz2.compress(b""))
    with pytest.raises(InputError, match=r"e\.csv' is empty"):
        read(empty_bz2)


def test_corrupt_compressed_content_is_one_error(tmp_path):
    p = tmp_path / "c.csv"
    p.write_bytes(gzip.compress(b"a,b\n" + b"1,2\n" * 100)[:30])
    with pytest.raises(InputError, match=r"c\.csv' looks gzip-compressed but cannot be "
                                         r"decompressed .* Re-download or re-compress it"):
        read(p)


def test_errors_about_a_found_time_column_say_it_was_found(tmp_path):
    p = tmp_path / "dup.csv"
    p.write_text(",y\n" + "".join(f"2021-01-0{1 + i % 3},{i}\n" for i in range(9)))
    with pytest.raises(InputError, match=r"repeat a \(time\) pair.*\(The time column '' was "
                                         r"found by content: 100% of values are dates; pass "
                                         r"--time-col to choose another\.\)"):
        read(p)
