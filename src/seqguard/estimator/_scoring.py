"""Scoring an estimator's predictions: the windows' predictions in original units,
the baselines (climatology learned on the training part, kept in the run directory)
and metrics.json. A mixin of :class:`~seqguard.estimator.base._SequenceEstimator`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from ..pipeline import Prepared
from ..splits import TRAIN


class _Scoring:
    """Predictions per window and their scores against the baselines."""

    if TYPE_CHECKING:  # the estimator's parameters and learned state
        def __getattr__(self, name: str) -> Any: ...

    def _state(self) -> dict[str, Any]:
        """Task-specific learned state for pipeline.json (see :meth:`_set_state`).

        Regression: the climatology baseline learned on the training part (plain JSON),
        so that ``evaluate`` on a loaded run compares with the same table.
        """
        clim = getattr(self, "climatology_", None)
        return {} if clim is None else {"climatology": clim.to_dict()}

    def _set_state(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`_state` saved (a run without a climatology, written by an
        earlier version, is scored without that baseline)."""
        from ..baselines import Climatology

        clim = state.get("climatology")
        self.climatology_ = None if clim is None else Climatology.from_dict(clim)

    # ---------------------------------------------------------------- baselines
    def _fit_climatology(self, prep: Prepared) -> Any:
        """The climatology baseline: the mean of the observed training target at each
        season position (:class:`seqguard.baselines.Climatology`)."""
        from ..baselines import Climatology, season_from_freq

        table = prep.table
        season = season_from_freq(table.freq, self.season)
        train = prep.part == TRAIN
        times = table.frame[table.time_col]
        return Climatology(season).fit(times[train], prep.y_raw[train], table.freq)

    def _train_reference(self, prep: Prepared, rows: np.ndarray
                         ) -> tuple[float, np.ndarray | None, str | None]:
        """(training mean, climatology forecast at ``rows``, its position in words).

        Both come from the training part seen at ``fit`` (stored in the run), also when
        scoring new data; without a stored climatology (a run of an earlier version)
        the mean is that of the rows marked training and there is no climatology. Without
        a season (season 1) the climatology is the mean, and is not reported.
        """
        clim = getattr(self, "climatology_", None)
        if clim is None or clim.kind_ == "none":  # no season: it would be the mean
            if clim is not None:
                return clim.mean_, None, None
            return float(np.nanmean(prep.y_raw[prep.part == TRAIN])), None, None
        times = prep.table.frame[prep.table.time_col]
        pred = clim.predict(times.iloc[rows.reshape(-1)], prep.table.freq)
        return clim.mean_, pred.reshape(rows.shape), clim.position_name

    def _predict_scaled(self, ds: Any) -> np.ndarray:
        outs = []
        from ..windows import WindowLoader

        with torch.no_grad():
            for batch in WindowLoader(ds, 1024):
                kw: dict[str, Any] = {"static": batch["static"]} if "static" in batch else {}
                if getattr(self.model_, "needs_y_in", False):
                    kw["y_in"] = batch.get("y_in")
                out = self.model_(batch["x"], last=batch.get("last"),
                                  lengths=batch.get("lengths"), **kw)
                outs.append(out.float().numpy())
        if not outs:
            return np.empty((0, self.horizon if self.task == "forecast" else 1))
        return np.concatenate(outs)

    def _window_frame(self, prep: Prepared, ds: Any) -> tuple[np.ndarray, np.ndarray,
                                                              np.ndarray, np.ndarray]:
        """(predictions, truth, target rows, series start) in original units (forecast)."""
        pred_z = self._predict_scaled(ds)
        rows = ds.target_rows()
        groups = self.pipeline_.series_groups(prep.table)
        g = groups[rows[:, 0]] if len(rows) else np.empty(0, dtype=np.int64)
        pred = self.pipeline_.target_scaler_.inverse_transform(
            pred_z.astype(np.float64), groups=g)
        pred = pred.reshape(rows.shape)
        truth = prep.y_raw[rows]
        starts = prep.bounds[:-1][np.searchsorted(prep.bounds, rows[:, 0], side="right") - 1] \
            if len(rows) else np.empty(0, dtype=np.int64)
        return pred, truth, rows, starts

    def _score(self, prep: Prepared, which: str, facts: Any,
               guard_events: int) -> dict[str, Any]:
        """metrics.json of the ``which`` part (``"test"``, or ``"all"`` windows)."""
        from ..baselines import baseline_scores, season_from_freq
        from ..baselines.scores import baseline_forecasts
        from ..metrics import build_metrics

        ds = prep.datasets[which]
        pred, truth, rows, starts = self._window_frame(prep, ds)
        season = season_from_freq(prep.table.freq, self.season)
        train_mean, clim, position = self._train_reference(prep, rows)
        base = baseline_scores(truth, y=prep.y_raw, target_rows=rows, series_start=starts,
                               season=season, train_mean=train_mean, climatology=clim)
        if position is not None:
            base["climatology"]["position"] = position

        def series_base(best: str) -> np.ndarray | None:
            """The forecasts of the baseline ``best`` on the windows (for ``by_series``)."""
            return baseline_forecasts(truth, y=prep.y_raw, target_rows=rows,
                                      series_start=starts, season=season,
                                      train_mean=train_mean, climatology=clim).get(best)

        return build_metrics(
            task=self.task, target=self.target, input_len=self.input_len, y_true=truth,
            y_pred=pred, baselines=base,
            n_windows=getattr(self, "n_windows_", {"test": len(rows)}),
            guard_events=guard_events, horizon=self.horizon,
            y_train=_train_series(prep), season=season,
            series=series_of(prep, rows[:, 0] if len(rows) else rows.reshape(-1)),
            series_baseline=series_base)

    def _score_new(self, prep: Prepared, facts: Any, n_test: int = 0) -> dict[str, Any]:
        """Score every window of new data (``evaluate``): ``n_windows`` holds only ``test``."""
        saved = getattr(self, "n_windows_", None)
        self.n_windows_ = {"train": 0, "val": 0, "test": n_test}
        try:
            return self._score(prep, "all", facts, guard_events=0)
        finally:
            if saved is not None:
                self.n_windows_ = saved


def series_of(prep: Prepared, rows: np.ndarray) -> np.ndarray:
    """The series name (object array) of each of the absolute ``rows`` of ``prep``."""
    names = np.asarray(prep.table.series_names(), dtype=object)
    if not len(rows):
        return np.empty(0, dtype=object)
    return names[np.searchsorted(prep.bounds, rows, side="right") - 1]


def _train_series(prep: Prepared) -> list[np.ndarray]:
    """The observed-or-not training target of each series (for the MASE scale)."""
    b = prep.bounds
    return [prep.y_raw[b[k]:b[k + 1]][prep.part[b[k]:b[k + 1]] == TRAIN]
            for k in range(len(b) - 1)]
