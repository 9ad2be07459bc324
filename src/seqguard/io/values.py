"""Reading value columns: numbers (with thousands, decimal marks and units) or categories.

Extra missing markers become NaN / ``<NA>`` and are counted in ``report.na_markers``;
a column with a few text cells among numbers is an error naming the cell and the fix,
a column of text is categorical.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import number_text
from ..errors import InputError
from ..table import IngestReport


def _as_category(col: pd.Series, markers: list[str], report: IngestReport) -> pd.Series:
    s = col.astype("string").str.strip()
    hits = s.isin(markers)
    if bool(hits.any()):
        report.na_markers[str(col.name)] = report.na_markers.get(str(col.name), 0) + int(hits.sum())
        s = s.mask(hits)
    return s.reset_index(drop=True)


def _as_numeric(col: pd.Series, name: str, where: str, markers: list[str],
                report: IngestReport, row_numbers: np.ndarray, *,
                thousands: str | None = None, decimal: str | None = None,
                force: bool = False) -> np.ndarray | None:
    """Float64 values of a column, or None if it is text (categorical).

    Numbers written with a thousands separator or a decimal comma are read with
    ``thousands`` / ``decimal``, and are an error naming those options without them.
    ``force`` (``--strip-units``): the column must be numbers; a text cell is an error.
    """
    if pd.api.types.is_bool_dtype(col):
        return col.astype("float64").to_numpy(np.float64)
    if pd.api.types.is_numeric_dtype(col):
        arr = col.to_numpy(dtype=np.float64, na_value=np.nan)
    elif pd.api.types.is_datetime64_any_dtype(col):
        return None
    else:
        raw = col.astype("string").str.strip().reset_index(drop=True)
        text = number_text.normalise(raw, thousands, decimal) if thousands or decimal \
            else raw
        nums = pd.to_numeric(text, errors="coerce")
        bad = (nums.isna() & text.notna() & ~raw.isin(markers)).to_numpy()
        n_obs = int(text.notna().sum())
        if bad.any():
            hint = number_text.format_hint(raw.mask(raw.isin(markers)))
            if hint is not None:
                what, option, i = hint
                raise InputError(
                    f"{where}, column {name!r}, row {row_numbers[i]}: {raw.iloc[i]!r} is a "
                    f"number written with {what}. Pass {option} to read the column as "
                    f"numbers, or --categorical {name} if it is text."
                )
            share_bad = bad.sum() / max(n_obs, 1)
            distinct_bad = text[bad].nunique()
            if not force and (share_bad > 0.05 or distinct_bad > 3):
                return None  # a text column: categorical
            i = int(np.flatnonzero(bad)[0])
            value = raw.iloc[i]
            unit = number_text.unit_of(raw.mask(raw.isin(markers)))
            if unit is not None and not force:
                fix = (f"The column holds numbers with the unit {unit[0]!r}: pass "
                       f"--strip-units {name}.")
            else:
                fix = f"Fix the cell, or pass --na-values {value} to treat it as missing."
            raise InputError(
                f"{where}, column {name!r}, row {row_numbers[i]}: {value!r} is not a number. "
                f"{fix}"
            )
        arr = nums.to_numpy(dtype=np.float64, na_value=np.nan)
        text_hits = int(text.isin(markers).sum()) if markers else 0
        if text_hits:
            report.na_markers[name] = report.na_markers.get(name, 0) + text_hits
            markers = [m for m in markers if not _is_float(m)]
    if markers:
        numbers = [float(m) for m in markers if _is_float(m)]
        if numbers:
            hits = np.isin(arr, numbers)
            if hits.any():
                report.na_markers[name] = report.na_markers.get(name, 0) + int(hits.sum())
                arr = np.where(hits, np.nan, arr)
    return arr


def _observed_text(col: pd.Series, markers: list[str]) -> pd.Series:
    """The column as stripped text with the missing markers as ``<NA>``."""
    text = col.astype("string").str.strip().reset_index(drop=True)
    return text.mask(text.isin(markers))


def _strip_unit(col: pd.Series, name: str, where: str, markers: list[str],
                report: IngestReport, row_numbers: np.ndarray) -> pd.Series:
    """The column with its unit removed (``--strip-units``); the unit goes to the report."""
    if not (pd.api.types.is_string_dtype(col) or pd.api.types.is_object_dtype(col)):
        return col  # already numbers
    text = col.astype("string").str.strip().reset_index(drop=True)
    num, unit = number_text.split_unit(text.mask(text.isin(markers)))
    counts = unit.dropna().value_counts()
    if counts.empty:
        return text
    top = str(counts.index[0])
    other = (unit.notna() & (unit != top)).fillna(False).to_numpy()
    if other.any():
        i = int(np.flatnonzero(other)[0])
        raise InputError(
            f"{where}, column {name!r}, row {row_numbers[i]}: {text.iloc[i]!r} has the unit "
            f"{unit.iloc[i]!r}, but the column's unit is {top!r} ({int(counts.iloc[0])} "
            "rows). Convert the cells to one unit, or fix the cell."
        )
    report.units[name] = top
    return text.where(unit.isna(), num)


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
