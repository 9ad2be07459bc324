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


def _items(spec: str, sep: str, option: str, example: str) -> list[str]:
    """The non-empty items of ``spec`` split at ``sep``; none is an error."""
    items = [item.strip() for item in str(spec).split(sep) if item.strip()]
    if not items:
        raise InputError(f"{option} is empty. Example: {option} {example}.")
    return items


def _item_column(option: str, item: str, col: str, named: bool, target: str | None,
                 how: str, empty: str) -> str:
    """The column an item of ``option`` applies to: ``col`` when the item names one
    (``named``), else the target. An item naming no column when there is no target
    says ``how`` to name one; an empty name says ``empty``."""
    if not named:
        if target is None:
            raise InputError(f"{option} {item!r} names no column and there is no target. "
                             f"{how}")
        return target
    if not col:
        raise InputError(f"{option} {item!r}: {empty}")
    return col


def _parse_column_ints(spec: str, target: str | None, columns: Sequence[str] | None,
                       option: str, what: str, example: str) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for group in _items(spec, ";", option, example):
        col, sep, nums = group.rpartition(":")
        col = _item_column(option, group, col.strip(), bool(sep), target,
                           f"Write COLUMN:{what}, e.g. {option} {example}.",
                           f"the column name before ':' is empty. Example: {option} "
                           f"{example}.")
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
    out: dict[str, list[str]] = {}
    for item in _items(spec, ",", option, _INDICATOR_EXAMPLE):
        body, at, col = item.partition("@")
        col = _item_column(option, item, col.strip(), bool(at), target,
                           f"Write {item}@COLUMN.", "the column after '@' is empty.")
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
