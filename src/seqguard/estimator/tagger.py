"""The per-step estimator, :class:`SequenceTagger` (many-to-many).

It predicts the target at every timestep from the inputs, the target never being
an input. Its own prediction reads each step once from the window that ends there
(or the series' first window for the first steps), and its own scoring covers each
observed target once, in original units, against the climatology and mean
baselines (both read only the training targets).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from ..pipeline import Prepared
from ..splits import TEST, TRAIN
from ._scoring import _train_series, series_of
from .base import _SequenceEstimator
from .registry import register


@register
class SequenceTagger(_SequenceEstimator):
    """Predict ``target`` at every timestep from the inputs (many-to-many).

    The target column is never an input (at a step it is the answer). The model is
    trained on windows of ``input_len`` steps and is read at every step once: the
    prediction for step ``t`` is the output at ``t`` of the window that ends at ``t``
    (full ``input_len`` history), or, for the first ``input_len - 1`` steps of a
    series, of the series' first window. Scores cover each observed target once, in
    original units (see docs/metrics.md).

    Examples
    --------
    >>> import numpy as np, pandas as pd, seqguard
    >>> x = np.sin(np.arange(300) / 3)
    >>> df = pd.DataFrame({"x": x, "y": 2 * x + 1})
    >>> t = seqguard.SequenceTagger("y", input_len=12, epochs=2, hidden=8, layers=1,
    ...                             progress=False).fit(df)
    >>> sorted(t.metrics_["baselines"])  # no time column: no season, no climatology
    ['mean']
    """

    task = "tag"

    def _step_frame(self, prep: Prepared, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Predictions (original units) at absolute ``rows``; returns (rows kept, preds).

        A row is kept when the window that reads it (see the class docstring) exists:
        inside its series, with every input row usable.
        """
        from ..windows import TagWindows

        L = int(self.input_len)
        b = prep.bounds
        rows = np.asarray(rows, dtype=np.int64)
        k = np.searchsorted(b, rows, side="right") - 1
        start = np.maximum(b[k], rows - L + 1)
        ok = start + L <= b[k + 1]
        if not ok.any():
            return rows[:0], np.empty(0)
        # the target plays no part in which windows exist here: every step is predicted
        ds = TagWindows(prep.X, np.zeros(len(prep.X), dtype=np.float32), b, L, stride=1,
                        usable=prep.usable, allow_empty=True, check_finite=False)
        ds.static = next(iter(prep.datasets.values())).static if prep.datasets else None
        n = len(ds.starts)
        idx = np.searchsorted(ds.starts, start)
        ok &= idx < n
        ok &= ds.starts[np.minimum(idx, max(n - 1, 0))] == start if n else False
        rows, idx, pos = rows[ok], idx[ok], (rows - start)[ok]
        z = np.empty(len(rows), dtype=np.float64)
        uniq, first = np.unique(idx, return_index=True)  # idx is ascending with rows
        bounds = np.r_[first, len(idx)]
        chunk = 1024
        with torch.no_grad():
            for a in range(0, len(uniq), chunk):
                batch = ds.gather(uniq[a:a + chunk])
                out = self.model_(batch["x"], static=batch.get("static")).float().numpy()
                lo, hi = bounds[a], bounds[min(a + chunk, len(uniq))]
                local = np.repeat(np.arange(len(out)), np.diff(bounds[a:a + len(out) + 1]))
                z[lo:hi] = out[local, pos[lo:hi]]
        groups = self.pipeline_.series_groups(prep.table)[rows]
        pred = self.pipeline_.target_scaler_.inverse_transform(z, groups=groups)
        return rows, pred

    def _scored_rows(self, prep: Prepared, which: str) -> np.ndarray:
        part = TEST if which == "test" else TRAIN
        return np.flatnonzero((prep.part == part) & ~np.isnan(prep.y_raw))

    def _score(self, prep: Prepared, which: str, facts: Any,
               guard_events: int) -> dict[str, Any]:
        from ..baselines import season_from_freq, tag_baseline_scores
        from ..baselines.scores import tag_baseline_forecasts
        from ..metrics import build_metrics

        rows, pred = self._step_frame(prep, self._scored_rows(prep, which))
        truth = prep.y_raw[rows]
        season = season_from_freq(prep.table.freq, self.season)
        train_mean, clim, position = self._train_reference(prep, rows)
        base = tag_baseline_scores(truth, train_mean=train_mean, climatology=clim)
        if position is not None:
            base["climatology"].update(season=season, position=position)
        n_windows = dict(getattr(self, "n_windows_", {}))
        n_windows["test"] = len(rows)

        def series_base(best: str) -> np.ndarray | None:
            """The forecasts of the baseline ``best`` at the steps (for ``by_series``)."""
            return tag_baseline_forecasts(truth, train_mean=train_mean,
                                          climatology=clim).get(best)

        return build_metrics(
            task="tag", target=self.target, input_len=self.input_len, y_true=truth,
            y_pred=pred, baselines=base, n_windows=n_windows, guard_events=guard_events,
            y_train=_train_series(prep), season=season, series=series_of(prep, rows),
            series_baseline=series_base)

    def evaluate(self, data: Any) -> dict[str, Any]:
        """Scores at every observed step of ``data`` against the baselines (metrics.json
        form; ``n_windows.test`` counts the scored steps)."""
        self._check()
        prep, facts = self._transform(data)
        return self._score_new(prep, facts)

    def predict(self, data: Any) -> pd.DataFrame:
        """A prediction at every step of ``data`` that a window reaches, in original units.

        Returns
        -------
        pandas.DataFrame
            Columns ``series``, ``time``, ``prediction`` and ``observed`` (the target
            where the data has it, else NaN); one row per step, in data order. Steps
            whose window holds an unusable row (the ``drop`` strategy), and series
            shorter than ``input_len``, have no row.
        """
        self._check()
        prep, _ = self._transform(data)
        rows, pred = self._step_frame(prep, np.arange(len(prep.X)))
        table = prep.table
        names = np.asarray(table.series_names(), dtype=object)
        return pd.DataFrame({
            "series": names[np.searchsorted(prep.bounds, rows, side="right") - 1],
            "time": table.frame[table.time_col].to_numpy()[rows],
            "prediction": pred,
            "observed": prep.y_raw[rows],
        })
