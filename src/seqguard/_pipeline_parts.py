"""Two parts of :class:`~seqguard.pipeline.Pipeline`, kept apart by idea (mixins):

* :class:`_CalendarChoice`: ``calendar="auto"`` resolved into the calendar parts
  that beat the training mean on the validation rows;
* :class:`_ResidualBaseline`: the baseline the residual forecast head starts from,
  recorded on the pipeline and given to its forecast window datasets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .features import calendar_enabled
from .splits import TRAIN, VAL
from .table import Table
from .windows import ForecastWindows, last_observed

if TYPE_CHECKING:
    from .pipeline import Prepared


class _CalendarChoice:
    """``calendar="auto"``, resolved at fit."""

    if TYPE_CHECKING:
        calendar: Any

        def _target(self, table: Table) -> np.ndarray: ...

    def _resolve_calendar(self, table: Table, frame: pd.DataFrame, part: np.ndarray
                          ) -> tuple[str | None, dict[str, Any]]:
        """``--calendar auto`` resolved into parts: those the grid step and the training
        span allow (:class:`~seqguard.features.Calendar`), kept only where the training
        target's mean at each position of that part beats the training mean on the
        validation rows (MAE, by more than 2 %): a calendar pattern that does not carry
        over to later data only adds noise inputs. Explicit parts and ``none`` are
        kept as given. Returns the spec and the check (part: [MAE by position, MAE of
        the mean])."""
        spec = self.calendar
        if not calendar_enabled(spec) or str(spec).strip() not in ("", "auto"):
            return spec, {}
        t = table.frame[table.time_col]
        if not pd.api.types.is_datetime64_any_dtype(t):
            return None, {}
        from .features import Calendar

        train = part == TRAIN
        parts = Calendar("auto", time_col=table.time_col).fit(frame[train]).parts_
        y = self._target(table)
        val = (part == VAL) & np.isfinite(y)
        fit_rows = train & np.isfinite(y)
        if not parts or not val.any() or not fit_rows.any():
            return (",".join(parts) or None), {}
        mean = float(y[fit_rows].mean())
        base = float(np.abs(y[val] - mean).mean())
        check: dict[str, Any] = {}
        kept = []
        for p in parts:
            pos = _calendar_position(t, p)
            means = pd.Series(y[fit_rows]).groupby(pos[fit_rows]).mean()
            pred = pd.Series(pos[val]).map(means).fillna(mean).to_numpy(np.float64)
            mae = float(np.abs(y[val] - pred).mean())
            check[p] = [mae, base]
            if mae < (1 - _CALENDAR_GAIN) * base:
                kept.append(p)
        return (",".join(kept) or "none"), check



class _ResidualBaseline:
    """The residual head's baseline, recorded by the Forecaster."""

    if TYPE_CHECKING:
        task: str
        target_scaler_: Any

        def series_groups(self, table: Table) -> np.ndarray: ...

    def set_residual_base(self, spec: dict[str, Any] | None) -> None:
        """Record the baseline the residual head starts from (see
        :mod:`seqguard.residual_base`): ``{"base", "channels", "season", "climatology"
        (Climatology.to_dict() or None), ...}``; window datasets built from then on give
        the baselines' forecasts as ``"last"``."""
        self.residual_base_ = None if spec is None else dict(spec)

    def baseline_inputs(self, prep: Prepared, *, for_model: bool = True) -> Any:
        """The :class:`~seqguard.residual_base.BaselineInputs` of ``prep`` (``None``
        without a recorded residual baseline: ``"last"`` is then the last observed
        value). With ``for_model`` a head on persistence without channels also gets
        ``None``: the last observed value is that forecast, and the batch's fast path."""
        spec = getattr(self, "residual_base_", None)
        if spec is None or self.task != "forecast":
            return None
        if for_model and spec["base"] == "persistence" and not spec["channels"]:
            return None
        from .baselines import Climatology
        from .residual_base import BaselineInputs

        clim_rows = None
        if spec.get("climatology") is not None:
            clim = Climatology.from_dict(spec["climatology"])
            table = prep.table
            raw = clim.predict(table.frame[table.time_col], table.freq)
            clim_rows = self.target_scaler_.transform(
                raw, groups=self.series_groups(table)).astype(np.float32)
        return BaselineInputs(spec["base"], list(spec["channels"]), int(spec["season"]),
                              prep.y, last_observed(prep.y, prep.bounds), prep.bounds,
                              clim_rows)

    def attach_baseline(self, prep: Prepared) -> None:
        """Give every forecast dataset of ``prep`` the recorded residual baseline."""
        inputs = self.baseline_inputs(prep)
        for ds in prep.datasets.values():
            if isinstance(ds, ForecastWindows):
                ds.baseline = inputs


#: ``--calendar auto`` keeps a part when its positions' means beat the mean by this share.
_CALENDAR_GAIN = 0.02


def _calendar_position(t: pd.Series, part: str) -> np.ndarray:
    """Position of each time stamp in a calendar part's cycle (dayofyear: the week)."""
    dt = t.dt
    if part == "hour":
        return dt.hour.to_numpy(np.int64)
    if part == "dayofweek":
        return dt.day_of_week.to_numpy(np.int64)
    if part == "month":
        return dt.month.to_numpy(np.int64)
    return (dt.day_of_year.to_numpy(np.int64) - 1) // 7
