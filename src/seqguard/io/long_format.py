"""Long format: (time, variable, value[, series]) rows, recognised and pivoted to wide."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError
from ..table import IngestReport
from .sniff import _default_time
from .values import _as_numeric


def _looks_long(frame: pd.DataFrame, time_col: list[str] | None,
                series_col: list[str] | None) -> bool:
    lower = {str(c).lower() for c in frame.columns}
    return (frame.shape[1] in (3, 4) and bool(lower & {"variable", "parameter"})
            and "value" in lower)


def _pivot_long(frame: pd.DataFrame, where: str, time_col: list[str] | None,
                series_col: list[str] | None, markers: list[str],
                report: IngestReport) -> tuple[pd.DataFrame, list[str] | None, list[str] | None]:
    lower = {str(c).lower(): c for c in frame.columns}
    var = lower.get("variable", lower.get("parameter"))
    val = lower.get("value")
    if var is None or val is None:
        raise InputError(f"{where}: long format needs a 'variable' (or 'parameter') and a "
                         "'value' column. Rename them, or pass wide data.")
    if time_col is None:
        time_col = _default_time(frame)
    if time_col is None:
        others = [c for c in frame.columns if c not in (var, val)]
        time_col = others[:1] or None
    if time_col is None:
        raise InputError(f"{where}: long format needs a time column. Pass --time-col.")
    keys = list(series_col or []) + list(time_col)
    extra = [c for c in frame.columns if c not in keys and c not in (var, val)]
    if extra and series_col is None:
        series_col = extra[:1]
        keys = series_col + list(time_col)
    values = _as_numeric(frame[val], str(val), where, markers, report,
                         np.arange(1, len(frame) + 1))
    work = frame[keys + [var]].copy()
    work["__value__"] = values
    work[var] = work[var].astype("string")
    n_before = len(work)
    wide = work.pivot_table(index=keys, columns=var, values="__value__", aggfunc="mean",
                            dropna=False, sort=False)
    groups = work.groupby(keys + [var], sort=False, dropna=False).size()
    report.aggregated_rows += int((groups - 1).clip(lower=0).sum())
    wide.columns = [str(c) for c in wide.columns]
    wide = wide.reset_index()
    report.n_input_rows = n_before
    return wide, list(time_col), series_col
