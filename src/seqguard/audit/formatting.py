"""How the audit writes numbers, counts and shares in its messages."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd


def _num(v: float) -> str:
    """Short human form of a number: integers without '.0', else 4 significant digits."""
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.4g}"


def _count(n: int, noun: str) -> str:
    """``"1 value"``, ``"3 values"``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _pct(frac: float) -> str:
    """A share as a percentage; a near-total share is never rounded up to 100%."""
    p = 100.0 * frac
    if 99 < p < 100:  # never round a near-total share up to 100%
        d = 1
        while f"{p:.{d}f}".startswith("100") and d < 6:
            d += 1
        return f"{p:.{d}f}%"
    if p == 0 or p >= 10:
        return f"{p:.0f}%"
    if p >= 0.1:
        return f"{p:.1f}%"
    return f"{p:.2g}%"


def _freq_str(freq: Any) -> Any:
    """The grid step as JSON: an offset alias (``"h"``, ``"MS"``), or a number."""
    if isinstance(freq, pd.offsets.BaseOffset):
        return str(freq.freqstr)
    if isinstance(freq, pd.Timedelta):
        try:
            from pandas.tseries.frequencies import to_offset

            return to_offset(freq).freqstr
        except (ValueError, TypeError):  # pragma: no cover - exotic steps
            return str(freq)
    try:
        return float(freq)
    except (TypeError, ValueError):
        return str(freq)

