"""Numbers written as text: thousands separators, decimal commas and unit suffixes.

A column such as ``20,123.4`` (thousands separator), ``3,14`` (decimal comma) or
``23.1 °C`` (a unit) is numbers to the person who wrote it and text to a parser.
:func:`seqguard.read` never guesses silently: it recognises these columns and
either says which option reads them (``--thousands``, ``--decimal``,
``--strip-units``) or, with the option, reads them as numbers.

The checks are vectorised regular expressions over a column of pandas ``string``
values whose missing markers are already ``<NA>``.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["format_hint", "normalise", "split_unit", "unit_of"]

# a column is "numbers in that format" when this share of its observed values fit
_FIT = 0.99

_PLAIN = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_THOUSANDS_COMMA = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?"
_THOUSANDS_DOT = r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d*)?"
_DECIMAL_COMMA = r"[+-]?\d*,\d+"
_PLAIN_INT = r"[+-]?\d+"

# number then unit ("23.1 °C", "12 km/h", "45%"), or a currency sign then number
_NUMBER = r"[+-]?(?:\d[\d.,]*|[.,]\d+)(?:[eE][+-]?\d+)?"
_SUFFIX = re.compile(rf"^\s*(?P<num>{_NUMBER})\s*(?P<unit>[^\d\s:/+\-.,'\"][^\n]{{0,11}}?)\s*$")
_PREFIX = re.compile(rf"^\s*(?P<unit>[$€£¥])\s*(?P<num>{_NUMBER})\s*$")


def _share(mask: pd.Series, n: int) -> float:
    return float(mask.sum()) / max(n, 1)


def format_hint(text: pd.Series) -> tuple[str, str, int] | None:
    """How ``text`` writes its numbers, the option(s) that read them, and an example.

    The example is a position in ``text``.

    ``None`` unless at least 99% of the observed values are numbers written with a
    thousands separator or a decimal comma (and at least one uses it).

    Examples
    --------
    >>> format_hint(pd.Series(["1,234.5", "12.0", "20,000.25"], dtype="string"))
    ('a thousands separator', '--thousands ,', 0)
    >>> format_hint(pd.Series(["3,14", "2,5"], dtype="string"))
    ('a decimal comma', '--decimal ,', 0)
    >>> format_hint(pd.Series(["Beijing, China", "3,14"], dtype="string")) is None
    True
    """
    obs = text.dropna()
    n = len(obs)
    if not n or not bool(obs.str.contains(",", regex=False).any()):
        return None
    plain = obs.str.fullmatch(_PLAIN).fillna(False)
    plain_int = obs.str.fullmatch(_PLAIN_INT).fillna(False)
    th_comma = obs.str.fullmatch(_THOUSANDS_COMMA).fillna(False)
    th_dot = obs.str.fullmatch(_THOUSANDS_DOT).fillna(False)
    dec_comma = obs.str.fullmatch(_DECIMAL_COMMA).fillna(False)
    has_dot = obs.str.contains(".", regex=False).fillna(False)

    def first(mask: pd.Series) -> int:
        return int(text.index.get_loc(obs.index[mask.to_numpy()][0]))

    thousands = _share(plain | th_comma, n) >= _FIT
    decimal = _share(plain_int | dec_comma | (plain & ~has_dot), n) >= _FIT
    european = _share(plain_int | th_dot | dec_comma, n) >= _FIT \
        and bool((th_dot & obs.str.contains(",", regex=False)).any())
    if thousands and decimal:
        # "1,234" alone could be either; a dot anywhere, or two groups, settle it
        if bool((th_comma & has_dot).any()) or bool(obs.str.count(",").gt(1).any()):
            return "a thousands separator", "--thousands ,", first(th_comma)
        return ("a thousands separator or a decimal comma",
                "--thousands , (or --decimal , if the comma is the decimal mark)",
                first(th_comma))
    if thousands:
        return "a thousands separator", "--thousands ,", first(th_comma & ~plain)
    if decimal:
        return "a decimal comma", "--decimal ,", first(dec_comma)
    if european:
        return ("'.' between thousands and a decimal comma", "--thousands . --decimal ,",
                first(th_dot & obs.str.contains(",", regex=False)))
    return None


def normalise(text: pd.Series, thousands: str | None, decimal: str | None) -> pd.Series:
    """``text`` with the thousands separator removed and the decimal mark made ``.``.

    The separator is removed only from values grouped in threes (``20,123.4``), so
    ``1,2`` stays text and is reported as not a number.

    Examples
    --------
    >>> normalise(pd.Series(["20,123.4", "7", "1,2"], dtype="string"), ",", None).tolist()
    ['20123.4', '7', '1,2']
    >>> normalise(pd.Series(["1.234,5"], dtype="string"), ".", ",").tolist()
    ['1234.5']
    """
    out = text
    dec = decimal or "."
    if thousands:
        t, d = re.escape(thousands), re.escape(dec)
        grouped = out.str.fullmatch(rf"[+-]?\d{{1,3}}(?:{t}\d{{3}})+(?:{d}\d*)?").fillna(False)
        out = out.where(~grouped, out.str.replace(thousands, "", regex=False))
    if dec != ".":
        out = out.str.replace(dec, ".", regex=False)
    return out


def unit_of(text: pd.Series) -> tuple[str, list[str]] | None:
    """The unit of a column of numbers written with one (``"23.1 °C"``), and examples.

    ``None`` unless at least half of the observed values carry the same unit and at
    least 99% are a number with that unit or a plain number.

    Examples
    --------
    >>> unit_of(pd.Series(["23.1 °C", "24 °C", None], dtype="string"))
    ('°C', ['23.1 °C', '24 °C'])
    >>> unit_of(pd.Series(["12A", "12B", "13C"], dtype="string")) is None
    True
    """
    obs = text.dropna()
    n = len(obs)
    if not n:
        return None
    _, unit = _parts(obs)
    if not bool(unit.notna().any()):
        return None
    top = str(unit.value_counts().index[0])
    same = (unit == top).fillna(False)
    plain = obs.str.fullmatch(_PLAIN).fillna(False)
    if _share(same, n) < 0.5 or _share(same | plain, n) < _FIT:
        return None
    return top, [str(v) for v in obs[same].drop_duplicates().iloc[:3]]


def split_unit(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(number part, unit) of each value; plain numbers and text have unit ``<NA>``."""
    return _parts(text)


def _parts(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    s = text.astype("string")
    suf = s.str.extract(_SUFFIX)
    pre = s.str.extract(_PREFIX)
    num = suf["num"].fillna(pre["num"])
    unit = suf["unit"].str.strip().fillna(pre["unit"])
    return num.astype("string"), unit.astype("string")
