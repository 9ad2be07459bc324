"""The forecasting estimator, :class:`Forecaster`, and forecasting beyond the data.

``Forecaster`` predicts ``horizon`` steps of the target from ``input_len`` steps of
history; its window-by-window prediction and scoring come from the shared base.
``predict(data, future=True)`` forecasts the ``horizon`` steps after the end of
every series: ``_extend_series`` appends empty grid rows after each series so the
fitted pipeline can transform them, and the model reads each series' last
``input_len`` rows.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import torch

from ..errors import DataWarning, InputError
from ..grid import shift_times
from ..table import Table
from .base import _SequenceEstimator
from .registry import register


@register
class Forecaster(_SequenceEstimator):
    """Forecast ``horizon`` steps of ``target`` from ``input_len`` steps of history.

    Examples
    --------
    >>> import numpy as np, pandas as pd, seqguard
    >>> df = pd.DataFrame({"y": np.sin(np.arange(400) / 4)})
    >>> f = seqguard.Forecaster("y", input_len=24, horizon=4, epochs=2, progress=False)
    >>> f.fit(df).metrics_["test"]["mae"] < 1
    True
    """

    task = "forecast"

    def _prepare_head(self, prep: Any, val_prep: Any, val_ds: Any, given: list[Any]) -> None:
        """Choose the baseline the residual head starts from (``--head residual:BASE``;
        ``auto``: the best on the validation windows, or on the training windows when
        there are none) and give it to every dataset."""
        from ..baselines import season_from_freq
        from ..residual_base import USE_CHANNELS, available_bases, choose_base, parse_head

        pipe = self.pipeline_
        pipe.set_residual_base(None)
        kind, wanted = parse_head(self.head)
        season = season_from_freq(prep.table.freq, self.season)
        clim = getattr(self, "climatology_", None)
        names = available_bases(season, clim)
        if kind != "residual":
            return
        if wanted not in ("auto", *names):
            raise InputError(f"--head residual:{wanted} needs a season, but the season of "
                             f"this grid is {season}. Pass --season N (the steps of one "
                             "cycle), or --head residual (auto).")
        if names == ["persistence"] or (wanted == "persistence" and USE_CHANNELS is not True):
            return  # the last observed value, the batch's fast path: nothing to choose
        spec: dict[str, Any] = {
            "head": f"residual:{wanted}", "base": "persistence",
            "channels": [], "season": int(season),
            "climatology": clim.to_dict() if clim is not None and "climatology" in names
            else None}
        pipe.set_residual_base(spec)
        use, src = (val_ds, val_prep) if len(val_ds) else (prep.train, prep)
        inputs = pipe.baseline_inputs(src, for_model=False)
        groups = pipe.series_groups(src.table)
        best, maes = choose_base(inputs, use, src.y_raw, pipe.target_scaler_, groups, names)
        spec["base"] = best if wanted == "auto" else wanted
        if USE_CHANNELS is True or (USE_CHANNELS == "seasonal" and spec["base"] != "persistence"):
            spec["channels"] = names
        spec["chosen_on"] = "validation" if len(val_ds) else "training"
        spec["mae"] = maes
        pipe.set_residual_base(spec)
        for p in [prep, *given]:
            pipe.attach_baseline(p)

    def baseline_summary(self) -> str | None:
        """One line on the baseline the residual head starts from (``None``: the last
        observed value of a run without a season, or a direct head)."""
        spec = getattr(getattr(self, "pipeline_", None), "residual_base_", None)
        if not spec:
            return None
        words = {"persistence": "persistence", "seasonal": "seasonal naive",
                 "climatology": "climatology"}
        maes = ", ".join(f"{words[k]} {v:.4g}" for k, v in spec.get("mae", {}).items())
        how = ("auto: the lowest MAE on the " + spec.get("chosen_on", "validation") +
               " windows" if spec["head"] == "residual:auto" else "--head " + spec["head"])
        return (f"head: residual on {words[spec['base']]} ({how}; {maes}); an untrained "
                "model predicts exactly that baseline.")

    def predict(self, data: Any, *, future: bool = False) -> pd.DataFrame:
        """Predictions in original units: every window of ``data``, or the future.

        Parameters
        ----------
        data : anything :func:`seqguard.read` accepts, or a Table
            With the columns the model was fitted with.
        future : bool
            ``False`` (default): a forecast from every window inside ``data`` (the
            targets it predicts are in the data too, as ``observed``). ``True``: the
            ``horizon`` steps after the end of each series, from its last
            ``input_len`` rows: ``origin`` is the series' last time, ``time`` is
            ``origin + h·freq``, ``observed`` is NaN.

        Returns
        -------
        pandas.DataFrame
            Columns ``series``, ``origin`` (time of the last input step), ``time``
            (time of the predicted step), ``horizon`` (1..H), ``prediction`` and
            ``observed`` (the target where the data has it, else NaN).

        Raises
        ------
        InputError
            ``future=True`` and a series is shorter than ``input_len``, has an
            unusable row among its last ``input_len`` (the ``drop`` strategy), or has
            no observed target to start from.
        """
        if not future:
            return super().predict(data)
        self._check()
        table = self._read(data)
        self._check_grid(table)
        names = table.series_names()
        lengths = np.diff(table.series_bounds())
        L, H = int(self.input_len), int(self.horizon)
        short = np.flatnonzero(lengths < L)
        if len(short):
            k = int(short[0])
            raise InputError(f"{table.source}: series {names[k]!r} has {int(lengths[k])} "
                             f"rows, but a forecast beyond the data reads its last input_len "
                             f"= {L} rows. Pass at least {L} rows of history for every "
                             "series (or leave that series out).")
        ext, last_rows = _extend_series(table, H)
        with warnings.catch_warnings():
            # the appended rows are empty on purpose; the gaps warning of the missing-data
            # strategy would be about them (predict without future reports real gaps)
            warnings.filterwarnings("ignore", message="MissingStrategy: column",
                                    category=DataWarning)
            prep = self.pipeline_.transform(ext, split=False)
        ends = last_rows
        window = ends[:, None] - np.arange(L - 1, -1, -1)
        bad = ~prep.usable[window].all(axis=1)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise InputError(f"{table.source}: series {names[k]!r} has an incomplete row among "
                             f"its last {L} rows, which the {self.missing!r} missing-data "
                             "strategy cannot use. Complete those rows, or refit with "
                             "--missing auto (or impute).")
        from ..windows import last_observed

        last = last_observed(prep.y, prep.bounds)[ends]
        if np.isnan(last).any():
            k = int(np.flatnonzero(np.isnan(last))[0])
            raise InputError(f"{table.source}: series {names[k]!r} has no observed "
                             f"{self.target!r} in its rows; a forecast starts from the last "
                             "observed value. Pass history with observed targets.")
        inputs = self.pipeline_.baseline_inputs(prep)
        if inputs is not None:  # the baselines' forecasts of the horizon after the end
            last = inputs(ends, H)
        series_rows = self._series_rows(prep.table)  # one per series, as `ends`
        if self._series_embedding():
            self._warn_unseen(prep.table)
        kw = {} if series_rows is None else {"static": torch.from_numpy(series_rows)}
        with torch.no_grad():
            z = self.model_(torch.from_numpy(np.ascontiguousarray(prep.X[window])),
                            last=torch.from_numpy(last),
                            y_in=torch.from_numpy(np.ascontiguousarray(prep.y[window])),
                            **kw).float().numpy()
        groups = self.pipeline_.series_groups(prep.table)[ends]
        pred = self.pipeline_.target_scaler_.inverse_transform(z.astype(np.float64),
                                                               groups=groups)
        times = prep.table.frame[prep.table.time_col].to_numpy()
        rows = ends[:, None] + np.arange(1, H + 1)
        return pd.DataFrame({
            "series": np.repeat(np.asarray(names, dtype=object), H),
            "origin": np.repeat(times[ends], H),
            "time": times[rows.ravel()],
            "horizon": np.tile(np.arange(1, H + 1), len(ends)),
            "prediction": pred.ravel(),
            "observed": np.full(pred.size, np.nan),
        })


def _extend_series(table: Table, steps: int) -> tuple[Table, np.ndarray]:
    """``table`` with ``steps`` empty grid rows after the end of every series.

    The new rows continue the grid (``time = last + h·freq``, calendar steps counted on
    the calendar: a month after 1960-12-01 on ``MS`` is 1961-01-01), hold no values (NaN,
    missing categories) and are marked ``inserted``. Returns the new table and the
    row of each series' last original step in it. Everything the pipeline computes
    is past-only, so the original rows transform exactly as without the new ones.
    """
    import dataclasses

    b = table.series_bounds()
    lengths = np.diff(b)
    n_series = len(lengths)
    take = np.concatenate([np.r_[np.arange(b[k], b[k + 1]),
                                 np.full(steps, b[k + 1] - 1)] for k in range(n_series)])
    ahead = np.concatenate([np.r_[np.zeros(lengths[k], dtype=np.int64),
                                  np.arange(1, steps + 1)] for k in range(n_series)])
    new = ahead > 0
    frame = table.frame.iloc[take].reset_index(drop=True)
    for c in table.numeric:
        frame.loc[new, c] = np.nan
    for c in table.categorical:
        frame.loc[new, c] = pd.NA
    t = table.time_col
    frame[t] = shift_times(frame[t], ahead, table.freq)
    ext = dataclasses.replace(table, frame=frame,
                              inserted=np.where(new, True, np.asarray(table.inserted)[take]))
    last_rows = (b[1:] + np.arange(n_series) * steps - 1).astype(np.int64)
    return ext, last_rows
