"""The command-line spec strings of the feature steps, parsed into steps.

``--lags`` (:func:`parse_lags`), ``--rolling`` (:func:`parse_rolling`),
``--indicators`` (:func:`parse_indicators`) and ``--calendar``
(:func:`parse_calendar`); the grammar is in :mod:`seqguard.features`. Errors name the
option and give an example.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import InputError, did_you_mean, format_list
from .calendar import CALENDAR_OFF, CALENDAR_PARTS, Calendar
from .indicators import Indicators, _indicator_spec, parse_indicator
from .lags import Lags
from .rolling import RollingStats

_INDICATOR_EXAMPLE = "sma:20,ema:12,rsi:14,macd,bollinger"


def _check_spec_column(column: str, columns: Sequence[str] | None, option: str) -> str:
    if columns is not None and column not in [str(c) for c in columns]:
        cols = [str(c) for c in columns]
        raise InputError(
            f"{option}: column {column!r} is not in the data.{did_you_mean(column, cols)} "
            f"Choose one of {format_list(cols)}.")
    return column


def _parse_column_ints(spec: str, target: str | None, columns: Sequence[str] | None,
                       option: str, what: str, example: str) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    if not str(spec).strip():
        raise InputError(f"{option} is empty. Example: {option} {example}.")
    for group in str(spec).split(";"):
        group = group.strip()
        if not group:
            continue
        col, sep, nums = group.rpartition(":")
        col = col.strip()
        if not sep:
            if target is None:
                raise InputError(
                    f"{option} {group!r} names no column and there is no target. "
                    f"Write COLUMN:{what}, e.g. {option} {example}.")
            col = target
        elif not col:
            raise InputError(f"{option} {group!r}: the column name before ':' is empty. "
                             f"Example: {option} {example}.")
        _check_spec_column(col, columns, option)
        ks = []
        for tok in nums.split(","):
            tok = tok.strip()
            if not tok.isdigit() or int(tok) < 1:
                raise InputError(
                    f"{option} {group!r}: {tok!r} is not a whole number >= 1. "
                    f"Example: {option} {example}.")
            ks.append(int(tok))
        out.setdefault(col, [])
        out[col].extend(k for k in ks if k not in out[col])
    if not out:
        raise InputError(f"{option} is empty. Example: {option} {example}.")
    return out


def parse_lags(spec: str, target: str | None = None,
               columns: Sequence[str] | None = None) -> Lags:
    """Parse ``--lags`` (``"pm2.5:1,2,24;TEMP:1"``, or ``"1,2,24"`` for the target).

    Examples
    --------
    >>> parse_lags("pm2.5:1,2,24;TEMP:1").lags
    {'pm2.5': [1, 2, 24], 'TEMP': [1]}
    """
    return Lags(_parse_column_ints(spec, target, columns, "--lags", "lags", "pm2.5:1,2,24"))


def parse_rolling(spec: str, target: str | None = None,
                  columns: Sequence[str] | None = None) -> RollingStats:
    """Parse ``--rolling`` (``"pm2.5:24,168"``, or ``"24,168"`` for the target).

    Examples
    --------
    >>> parse_rolling("24", target="y").windows
    {'y': [24]}
    """
    return RollingStats(_parse_column_ints(spec, target, columns, "--rolling", "windows",
                                           "pm2.5:24,168"))


def parse_indicators(spec: str, target: str | None = None,
                     columns: Sequence[str] | None = None) -> Indicators:
    """Parse ``--indicators`` (``"sma:20,ema:12,rsi:14@TEMP,macd,bollinger:20/2"``).

    Items without ``@COLUMN`` apply to ``target``.

    Examples
    --------
    >>> parse_indicators("sma:20,rsi@TEMP,macd", target="pm2.5").indicators
    {'pm2.5': ['sma:20', 'macd:12/26/9'], 'TEMP': ['rsi:14']}
    """
    option = "--indicators"
    if not str(spec).strip():
        raise InputError(f"{option} is empty. Example: {option} {_INDICATOR_EXAMPLE}.")
    out: dict[str, list[str]] = {}
    for item in str(spec).split(","):
        item = item.strip()
        if not item:
            continue
        body, at, col = item.partition("@")
        col = col.strip()
        if not at:
            if target is None:
                raise InputError(
                    f"{option} {item!r} names no column and there is no target. "
                    f"Write {item}@COLUMN.")
            col = target
        elif not col:
            raise InputError(f"{option} {item!r}: the column after '@' is empty.")
        if body.strip().isdigit():
            raise InputError(
                f"{option}: {body.strip()!r} is not an indicator; separate an indicator's "
                "parameters with '/' (macd:12/26/9) and repeat the name for several periods "
                "(sma:20,sma:50).")
        name, params = parse_indicator(body, option)
        _check_spec_column(col, columns, option)
        canon = _indicator_spec(name, params)
        out.setdefault(col, [])
        if canon not in out[col]:
            out[col].append(canon)
    if not out:
        raise InputError(f"{option} is empty. Example: {option} {_INDICATOR_EXAMPLE}.")
    return Indicators(out)


def parse_calendar(spec: str = "auto", time_col: str | None = None) -> Calendar:
    """Parse ``--calendar`` (``"auto"`` or ``"hour,dayofweek,month,dayofyear"``).

    Examples
    --------
    >>> parse_calendar("hour,dayofweek").parts
    ['hour', 'dayofweek']
    """
    text = str(spec).strip()
    if text.lower() in CALENDAR_OFF:
        raise InputError(f"--calendar {text}: no calendar features; leave the step out "
                         "(FeatureBuilder.from_specs does so for 'none').")
    if text in ("", "auto"):
        return Calendar("auto", time_col=time_col)
    parts = []
    for p in text.split(","):
        p = p.strip().lower()
        if p not in CALENDAR_PARTS:
            raise InputError(
                f"--calendar: unknown part {p!r}.{did_you_mean(p, CALENDAR_PARTS)} Choose from "
                f"{', '.join(CALENDAR_PARTS)}, or auto.")
        if p not in parts:
            parts.append(p)
    return Calendar(parts, time_col=time_col)
