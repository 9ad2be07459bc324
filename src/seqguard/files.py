"""Read a CSV or Parquet file into a raw DataFrame, never short and never garbled.

What reading a file guarantees (or raises :class:`~seqguard.errors.InputError` naming
the file, the line or byte, and the option that fixes it):

* The content is recognised by its bytes, not its name: Parquet (``PAR1``), gzip,
  bz2, xz and zstd compressed text; a gzip file named ``.csv`` reads like any other.
* The whole file decodes in its encoding (UTF-8 unless ``encoding`` is given); a bad
  byte anywhere is an error with its byte offset and line, never a silent fallback.
* Every record of a CSV file is a row: the rows read are counted against the records
  in the file, so a stray quote that would swallow the rest of the file is an error
  naming the line where the quoted field opened.
* Nested Parquet columns (struct, list, map) are an error naming them, unless they
  are left out by ``features``.

The raw frame is then typed and put on the time grid by :func:`seqguard.read`.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io as _io
import lzma
import re
import zlib
from collections.abc import Collection
from pathlib import Path

import pandas as pd

from .errors import InputError, did_you_mean

__all__ = ["DEFAULT_NA_VALUES", "read_file"]

DEFAULT_NA_VALUES = ["", "NA", "N/A", "n/a", "NaN", "nan", "NAN", "null", "NULL", "None",
                     "?", "#N/A"]
_PARQUET_MAGIC = b"PAR1"
_COMPRESSION = (  # magic bytes → name
    (b"\x1f\x8b", "gzip"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)
_BZ2_BLOCK = (b"1AY&SY", b"\x17rE8P\x90")  # "BZh" + level + first block or end of stream
_ZIP_MAGIC = b"PK\x03\x04"
_SAMPLE = 1 << 16


def read_file(path: Path, *, sep: str | None = None, encoding: str | None = None,
              decimal: str | None = None,
              wanted: Collection[str] | None = None) -> pd.DataFrame:
    """The raw frame of a CSV or Parquet file (see the module docstring).

    ``wanted`` names the columns the caller will use when it is a subset (``features``
    was given): other nested Parquet columns are left out instead of refused.
    """
    if not path.exists():
        hint = ""
        if path.parent.is_dir():
            hint = did_you_mean(path.name, [p.name for p in path.parent.iterdir()])
        raise InputError(f"file '{path}' does not exist. Check the path.{hint}")
    if path.is_dir():
        raise InputError(f"'{path}' is a folder, not a data file. Pass a CSV or Parquet file.")
    try:
        with open(path, "rb") as fh:
            head = fh.read(10)
    except OSError as exc:
        raise InputError(f"file '{path}' cannot be read ({exc.strerror}). Check its "
                         "permissions.") from None
    if head.startswith(_PARQUET_MAGIC):
        return _read_parquet(path, wanted)
    if head.startswith(_ZIP_MAGIC):
        raise InputError(f"file '{path}' is a zip archive. Unzip it and pass the CSV or "
                         "Parquet file inside.")
    if path.suffix.lower() in (".parquet", ".pq"):
        return _read_parquet(path, wanted)
    data = _file_bytes(path, head)
    if data.startswith(_PARQUET_MAGIC):  # a compressed Parquet file
        return _read_parquet(_io.BytesIO(data), wanted, name=path)
    compressed = len(data) != path.stat().st_size
    return _read_csv(path, data, sep=sep, encoding=encoding, decimal=decimal,
                     compressed=compressed)


# ------------------------------------------------------------------- parquet
def _read_parquet(source: Path | _io.BytesIO, wanted: Collection[str] | None,
                  name: Path | None = None) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = name or source
    try:
        pf = pq.ParquetFile(source)
        schema = pf.schema_arrow
        nested = [f for f in schema if pa.types.is_nested(f.type)]
        keep = None
        if nested and wanted is not None:
            keep = [f.name for f in schema
                    if not pa.types.is_nested(f.type) or f.name in wanted]
            nested = [f for f in nested if f.name in wanted]
        if nested:
            shown = ", ".join(f"{f.name!r} ({f.type})" for f in nested[:5])
            more = f" and {len(nested) - 5} more" if len(nested) > 5 else ""
            its = "it" if len(nested) == 1 else "them"
            raise InputError(
                f"file '{path}': column{'s' if len(nested) > 1 else ''} {shown}{more} "
                f"{'is' if len(nested) == 1 else 'are'} nested (struct, list or map); "
                f"seqguard reads flat columns only. Flatten {its} into plain columns, or "
                f"leave {its} out with --features listing the other columns."
            )
        frame = pf.read(columns=keep, use_pandas_metadata=True).to_pandas()
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a corrupt file
        raise InputError(f"file '{path}' is not a readable Parquet file ({_short(exc)}). "
                         "Re-export it, or save it as CSV.") from None
    if frame.shape[1] == 0 or len(frame) == 0:
        raise InputError(f"file '{path}' holds no data rows. Pass a file with a header and at "
                         "least one row.")
    return frame


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


# ------------------------------------------------------------ bytes and text
def _file_bytes(path: Path, head: bytes) -> bytes:
    """The whole content, decompressed when its first bytes say it is compressed."""
    kind = next((k for magic, k in _COMPRESSION if head.startswith(magic)), None)
    if head[:3] == b"BZh" and head[3:4].isdigit() and head[4:10] in _BZ2_BLOCK:
        kind = "bz2"
    try:
        if kind is None:
            return path.read_bytes()
        if kind == "gzip":
            with gzip.open(path, "rb") as fh:
                return fh.read()
        if kind == "bz2":
            with bz2.open(path, "rb") as fh:
                return fh.read()
        if kind == "xz":
            with lzma.open(path, "rb") as fh:
                return fh.read()
        import pyarrow as pa

        with pa.CompressedInputStream(pa.OSFile(str(path)), "zstd") as stream:
            return bytes(stream.read())
    except (OSError, EOFError, lzma.LZMAError, zlib.error, ValueError) as exc:
        raise InputError(f"file '{path}' looks {kind}-compressed but cannot be decompressed "
                         f"({_short(exc)}). Re-download or re-compress it.") from None


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _decode(path: Path, data: bytes, encoding: str | None, compressed: bool = False) -> bytes:
    """The content as UTF-8 bytes; InputError naming the byte if it does not decode."""
    sample = data[:_SAMPLE]
    of = " of the decompressed text" if compressed else ""
    if encoding is None:
        if b"\x00" in sample:
            raise InputError(f"file '{path}' is binary, not a CSV text file. Pass a CSV "
                             "(optionally compressed) or a Parquet file; for UTF-16 text "
                             "pass --encoding utf-16.")
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            controls = sum(ch < 32 and ch not in (9, 10, 13) for ch in sample)
            if controls > len(sample) // 100:
                raise InputError(f"file '{path}' is binary, not a CSV text file. Pass a CSV "
                                 "(optionally compressed) or a Parquet file.") from None
            byte = data[exc.start]
            raise InputError(
                f"file '{path}', byte {exc.start}{of} (line {_line_of(data, exc.start)}): "
                f"0x{byte:02x} is not UTF-8. Pass --encoding with the file's encoding "
                "(e.g. --encoding latin-1 or --encoding cp1252)."
            ) from None
        return data
    try:
        text = data.decode(encoding)
    except LookupError:
        raise InputError(f"--encoding {encoding!r} is not a known encoding. Pass one such as "
                         "utf-8, latin-1, cp1252 or utf-16.") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"file '{path}', byte {exc.start}{of} (line {_line_of(data, exc.start)}): "
            f"0x{data[exc.start]:02x} is not valid {encoding}. Pass --encoding with the "
            "file's encoding."
        ) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text[:_SAMPLE]:
        raise InputError(f"file '{path}' is binary, not {encoding} text. Pass the right "
                         "--encoding, or a Parquet file.")
    return text.encode("utf-8")


def _sniff_sep(text: str) -> str:
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in ",;\t|"}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _sample_text(data: bytes) -> str:
    """The first 64 KiB as text (a character cut at the end is dropped)."""
    return data[:_SAMPLE].decode("utf-8", errors="ignore")


# ---------------------------------------------------------------------- CSV
def _count_records(data: bytes) -> int:
    """Non-empty physical lines after the header: the rows, if no field holds a newline."""
    if not data:
        return 0
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    empty = len(re.findall(rb"\n(?=\r?\n)", data)) + (1 if data[:1] in (b"\n", b"\r") else 0)
    return max(lines - empty - 1, 0)


def _scan(text: str, delimiter: str, n_cols: int | None) -> tuple[int, str | None]:
    """Re-read the records with the csv module: (count, the first problem or None).

    A problem is a quoted field that runs over lines that look like records of their
    own (a stray quote), or a record with the wrong number of fields.
    """
    reader = csv.reader(_io.StringIO(text, newline=""), delimiter=delimiter)
    prev = 0
    count = -1  # the header is not a row
    try:
        for record in reader:
            start, end = prev + 1, reader.line_num
            prev = end
            if not record:
                continue
            count += 1
            if n_cols is None:
                n_cols = len(record)
            if end > start:
                problem = _swallowed(record, start, end, delimiter, n_cols)
                if problem:
                    return count, problem
            if len(record) != n_cols and count > 0:
                return count, (f"line {start}: expected {n_cols} fields, got {len(record)} "
                               f"(delimiter {delimiter!r})")
    except csv.Error as exc:
        return count, f"line {reader.line_num}: {exc}"
    return count, None


def _swallowed(record: list[str], start: int, end: int, delimiter: str,
               n_cols: int) -> str | None:
    """Describe a quoted field spanning lines that hold whole records, else None."""
    line = start
    for field in record:
        if "\n" in field or "\r" in field:
            inner = field.splitlines()
            # lines that hold a whole record's delimiters were records; one column: any
            looks = n_cols <= 1 or any(ln.count(delimiter) >= n_cols - 1 for ln in inner[1:])
            if looks:
                shown = inner[0][:20]
                return (f"line {line}: a quoted field opens here (\"{shown}...) and runs "
                        f"over {end - start} more lines, which would be lost as rows")
        line += field.count("\n")
    return None


def _read_csv(path: Path, raw: bytes, *, sep: str | None, encoding: str | None,
              decimal: str | None, compressed: bool = False) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    data = _decode(path, raw, encoding, compressed)
    text = _sample_text(data)
    if not text.strip():
        raise InputError(f"file '{path}' is empty. Pass a CSV with a header row and data rows.")
    delimiter = sep or _sniff_sep(text)

    def parse(newlines: bool) -> pa.Table:
        convert = pacsv.ConvertOptions(null_values=DEFAULT_NA_VALUES, strings_can_be_null=True)
        if decimal is not None:
            convert.decimal_point = decimal
        return pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(block_size=1 << 22),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=newlines),
            convert_options=convert,
        )

    try:
        table = parse(False)
    except pa.ArrowInvalid as exc:
        error = _parse_error(path, data, delimiter, str(exc))
        if error is not None:
            raise error from None
        try:  # a quoted value holds a newline across a parsing block: parse serially
            table = parse(True)
        except pa.ArrowInvalid as exc2:
            raise _final_error(path, data, delimiter, str(exc2)) from None
    records = _count_records(data)
    if table.num_rows != records:
        # a field holds a newline: legitimate only if it is a closed quoted text value
        n_scanned, problem = _scan(data.decode("utf-8"), delimiter, table.num_columns)
        if problem:
            raise _problem_error(path, problem, delimiter)
        if table.num_rows != n_scanned:
            try:
                table = parse(True)
            except pa.ArrowInvalid as exc:
                raise _final_error(path, data, delimiter, str(exc)) from None
        if table.num_rows != n_scanned:
            raise InputError(f"file '{path}': {table.num_rows} rows were read but the file "
                             f"holds {n_scanned} records. Check the quoting, or pass "
                             "--delimiter.")
    frame = table.to_pandas()
    if len(frame) == 0:
        raise InputError(f"file '{path}' has a header but no data rows. Pass a file with at "
                         "least one row of data.")
    blank = [c for c in frame.columns if str(c).strip() == ""]
    if blank and len(blank) == frame.shape[1]:
        raise InputError(f"file '{path}' has no column names in its first line. Add a "
                         "header row.")
    return frame


def _problem_error(path: Path, problem: str, delimiter: str) -> InputError:
    if "quoted field" in problem:
        return InputError(f"file '{path}', {problem}. Close the quote, or remove the "
                          "stray '\"'.")
    return InputError(f"file '{path}', {problem}. Fix the line, or pass the right "
                      f"--delimiter (e.g. --delimiter {';' if delimiter != ';' else ','!r}).")


def _final_error(path: Path, data: bytes, delimiter: str, msg: str) -> InputError:
    error = _parse_error(path, data, delimiter, msg, final=True)
    assert error is not None  # final: always an error
    return error


def _parse_error(path: Path, data: bytes, delimiter: str, msg: str,
                 final: bool = False) -> InputError | None:
    """The error for pyarrow's message, located by a csv-module scan.

    ``None`` (not ``final``) when the scan finds every record well formed: a quoted
    newline confused the parallel parser, and a serial parse will read it.
    """
    m = re.search(r"Expected (\d+) columns, got (\d+)", msg)
    if m:
        _, problem = _scan(data.decode("utf-8"), delimiter, int(m.group(1)))
        if problem and "quoted field" in problem:
            return InputError(f"file '{path}', {problem}. Close the quote, or remove the "
                              "stray '\"'.")
        if problem is None and not final:
            return None
        where = ", " + problem.split(":")[0] if problem else ""
        return InputError(
            f"file '{path}'{where}: expected {m.group(1)} columns, got {m.group(2)} "
            f"(delimiter {delimiter!r}). Fix the line, or pass the right --delimiter "
            f"(e.g. --delimiter {';' if delimiter != ';' else ','!r})."
        )
    if "Empty CSV file" in msg or "no columns" in msg.lower():
        return InputError(f"file '{path}' is empty. Pass a CSV with a header row and "
                          "data rows.")
    return InputError(f"file '{path}' is not a readable CSV ({_short(Exception(msg))}). "
                      "Check the quoting, or pass --delimiter.")
