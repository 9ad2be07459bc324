"""The regular grid: sort by (series, time), combine duplicates, snap onto the step, fill gaps.

What it guarantees is the :class:`~seqguard.table.Table` contract (sorted, unique,
regular); what it did to get there goes to the :class:`~seqguard.table.IngestReport`.
Sorting and series blocks come from :mod:`seqguard.layout`; grid steps and calendar
arithmetic from :mod:`seqguard.grid`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..grid import fixed_ns as _fixed_ns
from ..grid import index_labels, infer_freq, is_calendar, parse_freq, step_index, wall_clock
from ..layout import block_bounds, continues_series, groups_from_bounds, sort_order
from ..table import IngestReport, Table
from .values import _is_float

_DAY_NS = 86_400 * 10**9
_MAX_GRID_GROWTH = 20  # a grid may not have more than this many times the input rows


def _parse_freq(freq: Any, is_dt: bool) -> pd.offsets.BaseOffset | float | None:
    """The given grid step: a pandas offset for datetimes, a float for numeric time."""
    if freq is None:
        return None
    if isinstance(freq, (int, float)) or _is_float(str(freq)):
        step = float(freq)
        if is_dt:
            raise InputError(f"--freq {freq} is a bare number but the time column holds dates. "
                             f"Pass a step such as 'h', '15min', 'D', 'W-SAT' or 'MS'.")
        if not step > 0:
            raise InputError(f"--freq must be positive; got {freq}.")
        return step
    if not is_dt:
        raise InputError(f"--freq {freq!r} is a duration but the time column holds numbers. "
                         "Pass a number of time units, such as --freq 60.")
    return parse_freq(freq)


def _regularise(source: str, where: str, time_name: str, tvals: np.ndarray, is_dt: bool,
                series_name: str | None, series: np.ndarray | None,
                numeric: dict[str, np.ndarray], cats: dict[str, pd.Series],
                value_cols: list[str], freq: str | float | None, duplicates: str,
                report: IngestReport, row_numbers: np.ndarray, target: str | None) -> Table:
    n = len(tvals)
    if series is not None:
        codes, uniques = pd.factorize(series, sort=True)
        codes = codes.astype(np.int64)
    else:
        codes = np.zeros(n, dtype=np.int64)
        uniques = np.array(["all"], dtype=object)
    t = tvals.astype(np.float64) if not is_dt else tvals.astype(np.int64)

    # ---- sort by (series, time), stable
    report.unsorted_rows, order = sort_order(codes, t)
    if order is not None:
        codes, t, row_numbers = codes[order], t[order], row_numbers[order]
        numeric = {k: v[order] for k, v in numeric.items()}
        cats = {k: v.iloc[order].reset_index(drop=True) for k, v in cats.items()}

    # ---- exact duplicates of (series, time)
    same = np.r_[False, (codes[1:] == codes[:-1]) & (t[1:] == t[:-1])]
    if same.any():
        report.duplicate_rows = int(same.sum())
        first = np.flatnonzero(same)[:5]
        report.duplicate_examples = [
            (str(uniques[codes[i]]), _fmt_time(t[i], is_dt)) for i in first
        ]
        if duplicates == "error":
            i = int(first[0])
            place = (f"series {uniques[codes[i]]!r}, " if series is not None else "")
            raise InputError(
                f"{where}: {report.duplicate_rows} rows repeat a ({'series, ' if series is not None else ''}"
                f"time) pair; the first is {place}time {_fmt_time(t[i], is_dt)} (rows "
                f"{row_numbers[i - 1]} and {row_numbers[i]}). Pass --duplicates "
                "mean|first|last to combine them, or remove the duplicates."
            )
        report.duplicates_policy = duplicates
        keep_rows = ~same
        grp = np.cumsum(keep_rows) - 1
        numeric = {k: _combine(v, grp, duplicates) for k, v in numeric.items()}
        cats = {k: _combine_cat(v, grp, duplicates) for k, v in cats.items()}
        codes, t, row_numbers = codes[keep_rows], t[keep_rows], row_numbers[keep_rows]

    # ---- the grid step
    tz = next((p[3:] for p in report.time_parts if p.startswith("tz=")), None)
    wall = _wall_ns(t, tz) if is_dt else t
    given = _parse_freq(freq, is_dt)
    bounds = block_bounds(codes)
    starts = bounds[:-1]
    within = continues_series(bounds)
    report.freq_inferred = given is None
    offset: Any
    if given is not None:
        offset = given
    elif is_dt:
        names = [str(uniques[codes[i]]) for i in starts]
        offset = infer_freq(wall, bounds, names, where)
    else:
        diffs = np.diff(t)[within[1:]] if len(t) > 1 else np.empty(0)
        offset = _infer_step(diffs)
    calendar = is_dt and is_calendar(offset)
    # days and weeks count on the wall clock too: local midnight stays local midnight
    on_wall = is_dt and bool(tz) and (calendar or wall_clock(offset))
    tt = wall if on_wall else t

    # ---- snap onto the grid (integer step numbers)
    if calendar:
        unit = step_index(wall, offset)
        mult = int(offset.n)
        origin = float(int(unit.min()) % mult) if len(unit) else 0.0
        bins = (unit - int(origin)) // mult
        step = float(mult)
    else:
        step = float(_fixed_ns(offset)) if is_dt else float(offset)
        origin = float(np.min(tt)) % step if len(tt) else 0.0
        scaled = (tt - origin) / step
        _check_span(scaled, tt, step, is_dt, where, time_name, row_numbers)
        bins = np.floor(scaled + 1e-9).astype(np.int64)
        if is_dt and given is None and step >= _DAY_NS:
            _check_on_grid(tt, bins, step, origin, offset, where, row_numbers)
    if calendar:
        step_diffs = np.diff(bins)[within[1:]] if len(bins) > 1 else np.empty(0)
        report.irregular_steps = int((step_diffs != 1).sum())
    else:
        diffs = np.diff(tt)[within[1:]] if len(tt) > 1 else np.empty(0)
        report.irregular_steps = int((diffs != step).sum())

    # ---- several readings inside one step: averaged when --freq asked for that step
    same_bin = np.r_[False, (codes[1:] == codes[:-1]) & (bins[1:] == bins[:-1])]
    if same_bin.any() and given is None:
        i = int(np.flatnonzero(same_bin)[0])
        place = f"series {uniques[codes[i]]!r}, " if series is not None else ""
        shown = offset.freqstr if is_dt else f"{step:g}"
        raise InputError(
            f"{where}: {place}the readings at {_fmt_time(t[i - 1], is_dt)} and "
            f"{_fmt_time(t[i], is_dt)} (rows {row_numbers[i - 1]} and {row_numbers[i]}) fall "
            f"into one step of the inferred grid {shown}, which would average them. Pass "
            f"--freq {shown} to average the readings inside each step (the audit reports "
            "it), or a finer --freq to keep them apart (--duplicates handles repeated times)."
        )
    if same_bin.any():
        report.aggregated_rows += int(same_bin.sum())
        grp = np.cumsum(~same_bin) - 1
        numeric = {k: _combine(v, grp, "mean") for k, v in numeric.items()}
        cats = {k: _combine_cat(v, grp, "first") for k, v in cats.items()}
        keep = ~same_bin
        codes, bins, row_numbers = codes[keep], bins[keep], row_numbers[keep]
        bounds = block_bounds(codes)

    # ---- explicit grid: insert the missing steps
    first_bin = bins[bounds[:-1]]
    last_bin = bins[bounds[1:] - 1]
    lengths = last_bin - first_bin + 1
    total = int(lengths.sum())
    if total > _MAX_GRID_GROWTH * max(len(bins), 1) + 1000:
        shown = offset.freqstr if is_dt else f"{step:g}"
        raise InputError(
            f"{where}: a regular grid with step {shown} would need {total:,} rows for "
            f"{len(bins):,} readings; the timestamps are too irregular for that step. Pass a "
            "coarser --freq."
        )
    offsets = np.r_[0, np.cumsum(lengths)[:-1]]
    seg = groups_from_bounds(bounds)  # the series of each reading
    pos = offsets[seg] + (bins - first_bin[seg])
    inserted = np.ones(total, dtype=bool)
    inserted[pos] = False
    report.inserted_rows = int(inserted.sum())
    report.largest_inserted_run = _longest_run(inserted)

    grid_codes = np.repeat(np.arange(len(lengths)), lengths)
    grid_bins = (np.arange(total) - offsets[grid_codes]) + first_bin[grid_codes]
    out: dict[str, Any] = {}
    if series is not None:
        present = np.unique(codes)
        labels = np.asarray([str(u) for u in uniques], dtype=object)
        names = pd.array(labels[present][grid_codes], dtype="string")
        out[series_name] = names  # type: ignore[index]
    if calendar:
        labels = index_labels(grid_bins * int(step) + int(origin), offset)
        out[time_name] = pd.to_datetime(labels, unit="ns")
    elif is_dt:
        grid_t = grid_bins * step + origin
        out[time_name] = pd.to_datetime(np.round(grid_t).astype(np.int64), unit="ns")
    else:
        out[time_name] = (grid_bins * step + origin).astype(np.float64)
    for c in value_cols:
        if c in numeric:
            col = np.full(total, np.nan)
            col[pos] = numeric[c]
            out[c] = col
        else:
            full = pd.array([pd.NA] * total, dtype="string")
            full[pos] = cats[c].to_numpy(dtype=object)
            out[c] = full
    frame = pd.DataFrame(out)
    if on_wall:  # calendar and day labels are wall-clock times in the column's zone
        frame[time_name] = frame[time_name].dt.tz_localize(tz, ambiguous="NaT",
                                                           nonexistent="shift_forward")
    elif is_dt and tz:
        frame[time_name] = frame[time_name].dt.tz_localize("UTC").dt.tz_convert(tz)
    freq_value: pd.offsets.BaseOffset | float = offset if is_dt else float(step)
    return Table(frame=frame, time_col=time_name, series_col=series_name,
                 numeric=[c for c in value_cols if c in numeric],
                 categorical=[c for c in value_cols if c in cats], freq=freq_value,
                 inserted=inserted, source=source, report=report, target=target)


def _infer_step(diffs: np.ndarray) -> float:
    """The most common step of numeric time (1 when there is none)."""
    pos = diffs[diffs > 0]
    if not len(pos):
        return 1.0
    values, counts = np.unique(pos, return_counts=True)
    return float(values[np.argmax(counts)])


def _wall_ns(t: np.ndarray, tz: str | None) -> np.ndarray:
    """Wall-clock ns of UTC ns ``t`` in the zone ``tz`` (``t`` itself without one)."""
    if not tz:
        return t
    idx = pd.DatetimeIndex(t.astype("datetime64[ns]")).tz_localize("UTC").tz_convert(tz)
    return np.asarray(idx.tz_localize(None).as_unit("ns").asi8, dtype=np.int64)


def _check_on_grid(t: np.ndarray, bins: np.ndarray, step: float, origin: float,
                   offset: Any, where: str, row_numbers: np.ndarray) -> None:
    """An inferred step of a day or more must hold every reading on a grid point:
    snapping a reading onto the grid would move it without the user asking."""
    off = np.flatnonzero(np.abs(bins * step + origin - t) > 0.5)
    if len(off):
        i = int(off[0])
        raise InputError(
            f"{where}: the reading at {_fmt_time(t[i], True)} (row {row_numbers[i]}) is not on "
            f"the inferred grid {offset.freqstr} (the most common step); putting it there "
            "would move it. Pass --freq with the step you mean (readings inside one step "
            "are then averaged), or fix the time."
        )


def _check_span(scaled: np.ndarray, t: np.ndarray, step: float, is_dt: bool, where: str,
                name: str, row_numbers: np.ndarray) -> None:
    """Numeric time too far apart to count in grid steps (1e300) is an input error."""
    if is_dt or not len(scaled):
        return
    far = np.abs(scaled) > 2.0**52
    if far.any():
        i = int(np.flatnonzero(far)[0])
        raise InputError(f"{where}, row {row_numbers[i]}, time column {name!r}: {t[i]:g} is "
                         f"too far from the other times to count in steps of {step:g}. Fix "
                         "the cell, or pass a coarser --freq.")


def _combine(values: np.ndarray, grp: np.ndarray, how: str) -> np.ndarray:
    """Reduce consecutive rows with the same group id (NaN-aware)."""
    s = pd.Series(values).groupby(grp, sort=False)
    if how == "mean":
        return s.mean().to_numpy(np.float64)
    if how == "first":
        return s.first().to_numpy(np.float64)
    return s.last().to_numpy(np.float64)


def _combine_cat(values: pd.Series, grp: np.ndarray, how: str) -> pd.Series:
    s = values.reset_index(drop=True).groupby(grp, sort=False)
    res = s.last() if how == "last" else s.first()
    return res.reset_index(drop=True).astype("string")


def _longest_run(mask: np.ndarray) -> int:
    if not mask.any():
        return 0
    padded = np.r_[False, mask, False].astype(np.int8)
    d = np.diff(padded)
    return int((np.flatnonzero(d == -1) - np.flatnonzero(d == 1)).max())


def _fmt_time(value: float, is_dt: bool) -> str:
    if is_dt:
        return str(pd.Timestamp(int(value), unit="ns"))
    return f"{value:g}"
