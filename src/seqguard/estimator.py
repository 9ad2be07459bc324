"""sklearn-style estimators: :class:`Forecaster`, :class:`SequenceTagger`, :class:`SequenceClassifier`.

``fit(data)`` reads and audits the data, fits the preprocessing
:class:`~seqguard.pipeline.Pipeline` on the training part, trains a
:class:`~seqguard.models.SequenceModel` with the guards of
:mod:`seqguard.training`, and scores the test part against the baselines
(``metrics_``, exactly metrics.json). ``save(dir)`` writes the run directory of
DESIGN.md; ``load(dir)`` reads it back without unpickling anything.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator

from ._serialize import from_dict
from .errors import ArtifactError, DataWarning, InputError, NotFittedError
from .pipeline import Pipeline, Prepared
from .splits import TEST, TRAIN
from .table import Table

if TYPE_CHECKING:
    from .models import SequenceModel

__all__ = ["Forecaster", "SequenceClassifier", "SequenceTagger", "load"]

_PIPELINE_PARAMS = ("input_len", "horizon", "missing", "scaler", "target_scaler", "scale_per",
                    "lags", "rolling", "indicators", "calendar", "categorical_encoding",
                    "val_start", "test_start", "val_frac", "test_frac", "gap", "pad",
                    "max_len", "seed")


class _SequenceEstimator(BaseEstimator):
    task = "forecast"

    def __init__(self, target: str, *, input_len: int = 48, horizon: int = 24,
                 missing: str = "auto", scaler: str = "standard",
                 target_scaler: str | None = None, scale_per: str = "global",
                 lags: str | None = None, rolling: str | None = None,
                 indicators: str | None = None, calendar: str | None = None,
                 categorical_encoding: str = "onehot", val_start: Any = None,
                 test_start: Any = None, val_frac: float = 0.15, test_frac: float = 0.15,
                 gap: int = 0, pad: str = "right", max_len: int | None = None,
                 model: str = "lstm", hidden: int = 64, layers: int = 2,
                 dropout: float = 0.0, bidirectional: bool = False, head: str = "residual",
                 head_layers: int = 0, activation: str | None = None, loss: str = "l1",
                 optimizer: str = "adamw", lr: float = 1e-3, weight_decay: float = 1e-4,
                 clip: float = 1.0, epochs: int = 30, patience: int = 5,
                 batch_size: int = 256, precision: str = "32", seed: int = 0,
                 devices: Any = "auto", accelerator: str = "cpu", strategy: str = "auto",
                 season: int | None = None, progress: bool | None = None,
                 read_options: dict[str, Any] | None = None) -> None:
        self.target = target
        self.input_len = input_len
        self.horizon = horizon
        self.missing = missing
        self.scaler = scaler
        self.target_scaler = target_scaler
        self.scale_per = scale_per
        self.lags = lags
        self.rolling = rolling
        self.indicators = indicators
        self.calendar = calendar
        self.categorical_encoding = categorical_encoding
        self.val_start = val_start
        self.test_start = test_start
        self.val_frac = val_frac
        self.test_frac = test_frac
        self.gap = gap
        self.pad = pad
        self.max_len = max_len
        self.model = model
        self.hidden = hidden
        self.layers = layers
        self.dropout = dropout
        self.bidirectional = bidirectional
        self.head = head
        self.head_layers = head_layers
        self.activation = activation
        self.loss = loss
        self.optimizer = optimizer
        self.lr = lr
        self.weight_decay = weight_decay
        self.clip = clip
        self.epochs = epochs
        self.patience = patience
        self.batch_size = batch_size
        self.precision = precision
        self.seed = seed
        self.devices = devices
        self.accelerator = accelerator
        self.strategy = strategy
        self.season = season
        self.progress = progress
        self.read_options = read_options

    # ------------------------------------------------------------------ parts
    def make_pipeline(self) -> Pipeline:
        """The unfitted preprocessing pipeline these parameters describe."""
        kw = {k: getattr(self, k) for k in _PIPELINE_PARAMS}
        return Pipeline(self.target, task=self.task, **kw)

    def _read(self, data: Any) -> Table:
        from .io import read

        if isinstance(data, Table):
            return data
        return read(data, target=self.target, **(self.read_options or {}))

    def _build_model(self, prep: Prepared) -> SequenceModel:
        from .models import SequenceModel, grud_channels_from_names, warn_activation

        kw: dict[str, Any] = {}
        if self.task == "forecast":
            kw.update(horizon=self.horizon, head=self.head)
        if self.task == "classify":
            n = int(self.pipeline_.n_classes_)
            kw["n_outputs"] = 1 if n <= 2 else n
        else:
            kw["activation"] = self.activation
        if self.model == "grud":
            since = getattr(self.pipeline_.missing_, "since_transform_", "log1p")
            kw["grud_channels"] = grud_channels_from_names(prep.feature_names, since)
        model = SequenceModel(
            n_features=prep.X.shape[1], task=self.task, model=self.model, hidden=self.hidden,
            layers=self.layers, dropout=self.dropout, bidirectional=self.bidirectional,
            head_layers=self.head_layers, **kw)
        if self.activation and self.task != "classify":
            y = prep.y[prep.part == 0]
            y = y[np.isfinite(y)]
            if len(y):
                warn_activation(self.activation, float(y.min()), float(y.max()))
        return model

    # -------------------------------------------------------------------- fit
    def _table(self, data: Any, *, fit: bool) -> tuple[Table, Any]:
        """The table the pipeline sees, and task-specific facts about it (classify)."""
        return self._read(data), None

    def fit(self, data: Any, *, checkpoint_dir: str | None = None,
            resume: bool = False) -> _SequenceEstimator:
        """Read, audit, preprocess, train with guards, and score the test part.

        Parameters
        ----------
        data : anything :func:`seqguard.read` accepts, or a Table
        checkpoint_dir : str, optional
            Folder for resumable checkpoints.
        resume : bool
            Continue from the last checkpoint in ``checkpoint_dir``.

        Returns
        -------
        self
        """
        from .audit import audit
        from .training import fit_model
        from .windows import WindowLoader

        pipe = self.make_pipeline()
        pipe.validate()
        table, facts = self._table(data, fit=True)
        self.audit_ = audit(table, target=self.target).to_dict()
        prep = pipe.fit_transform(table)
        self.pipeline_ = pipe
        self.feature_names_ = list(prep.feature_names)
        torch.manual_seed(self.seed)
        model = self._build_model(prep)
        self.model_config_ = dict(model.config)
        # real DataLoaders (one gather per batch) so that Lightning can inspect them
        train = WindowLoader(prep.train, self.batch_size, shuffle=True,
                             seed=self.seed).torch_loader()
        val = WindowLoader(prep.val, max(self.batch_size, 512)).torch_loader() \
            if len(prep.val) else None
        stats = None
        if self.task != "classify":
            y_train = prep.y[(prep.part == TRAIN) & np.isfinite(prep.y)]
            stats = {"mean": float(y_train.mean()), "std": float(y_train.std())} \
                if len(y_train) else None
        result = fit_model(
            model, train, val, task=self.task,
            loss=self.loss if self.task != "classify" else "l1",
            optimizer=self.optimizer, lr=self.lr, weight_decay=self.weight_decay,
            clip=self.clip, epochs=self.epochs, patience=self.patience,
            precision=self.precision, seed=self.seed, devices=self.devices,
            accelerator=self.accelerator, strategy=self.strategy,
            checkpoint_dir=checkpoint_dir, resume=resume, progress=self.progress,
            target_stats=stats, feature_names=self.feature_names_)
        self.model_ = model.eval()
        self.history_ = result.history
        self.events_ = list(result.events)
        self.findings_ = list(result.findings)
        self.n_windows_ = {k: len(prep.datasets[k]) for k in ("train", "val", "test")}
        self.prep_summary_ = {k: v for k, v in prep.summary.items() if k != "pipeline"}
        self._learn(prep, facts)
        self.metrics_ = self._score(prep, "test", facts, guard_events=result.guard_events)
        return self

    # ---------------------------------------------------------------- predict
    def _learn(self, prep: Prepared, facts: Any) -> None:
        """Learn task-specific state from the prepared training data (none by default)."""

    def _state(self) -> dict[str, Any]:
        """Task-specific learned state for pipeline.json (see :meth:`_set_state`)."""
        return {}

    def _set_state(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`_state` saved."""

    def _check(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet. Call 'fit' "
                                 "first, or load a run with seqguard.load(dir).")

    def _predict_scaled(self, ds: Any) -> np.ndarray:
        outs = []
        from .windows import WindowLoader

        with torch.no_grad():
            for batch in WindowLoader(ds, 1024):
                out = self.model_(batch["x"], last=batch.get("last"),
                                  lengths=batch.get("lengths"))
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
        from .baselines import baseline_scores, season_from_freq
        from .metrics import build_metrics

        ds = prep.datasets[which]
        pred, truth, rows, starts = self._window_frame(prep, ds)
        season = season_from_freq(prep.table.freq, self.season)
        train_y = prep.y_raw[prep.part == TRAIN]
        base = baseline_scores(truth, y=prep.y_raw, target_rows=rows, series_start=starts,
                               season=season, train_mean=float(np.nanmean(train_y)))
        return build_metrics(
            task=self.task, target=self.target, input_len=self.input_len, y_true=truth,
            y_pred=pred, baselines=base,
            n_windows=getattr(self, "n_windows_", {"test": len(rows)}),
            guard_events=guard_events, horizon=self.horizon,
            y_train=_train_series(prep), season=season)

    def _transform(self, data: Any, require_target: bool = True) -> tuple[Prepared, Any]:
        table, facts = self._table(data, fit=False)
        return self.pipeline_.transform(table, split=False,
                                        require_target=require_target), facts

    def predict(self, data: Any) -> pd.DataFrame:
        """Predictions for every window of ``data``, in original units.

        Every forecast origin with ``input_len`` usable rows before it and a target
        observed by then is predicted, also where the targets ahead are missing.
        Returns a DataFrame with columns ``series``, ``origin`` (time of the last
        input step), ``time`` (time of the predicted step), ``horizon`` (1..H),
        ``prediction`` and ``observed`` (the target where the data has it, else NaN).
        """
        self._check()
        prep, _ = self._transform(data, require_target=False)
        pred, truth, rows, _ = self._window_frame(prep, prep.datasets["all"])
        table = prep.table
        names = np.asarray(table.series_names(), dtype=object)
        series = names[np.searchsorted(prep.bounds, rows, side="right") - 1]
        times = table.frame[table.time_col].to_numpy()
        H = rows.shape[1] if rows.ndim == 2 else 1
        return pd.DataFrame({
            "series": series.ravel(),
            "origin": np.repeat(times[rows[:, 0] - 1], H),
            "time": times[rows.ravel()],
            "horizon": np.tile(np.arange(1, H + 1), len(rows)),
            "prediction": pred.ravel(),
            "observed": truth.ravel(),
        })

    def evaluate(self, data: Any) -> dict[str, Any]:
        """Scores on every window of ``data`` against the baselines (metrics.json form)."""
        self._check()
        prep, facts = self._transform(data)
        saved = getattr(self, "n_windows_", None)
        self.n_windows_ = {"train": 0, "val": 0, "test": len(prep.datasets["all"])}
        try:
            return self._score(prep, "all", facts, guard_events=0)
        finally:
            if saved is not None:
                self.n_windows_ = saved

    def score(self, data: Any) -> float:
        """Negative MAE on ``data`` (greater is better, as scikit-learn expects)."""
        return -float(self.evaluate(data)["test"]["mae"])

    # -------------------------------------------------------------- artifacts
    def save(self, run_dir: str | Path, *, overwrite: bool = False) -> Path:
        """Write the run directory (weights, pipeline, metrics, history, audit, diagnosis)."""
        from .artifact import save_run

        self._check()
        pipeline = {
            "estimator": type(self).__name__,
            "params": _jsonable(self.get_params()),
            "pipeline": self.pipeline_.to_dict(),
            "model": self.model_config_,
            "feature_names": self.feature_names_,
            "n_windows": self.n_windows_,
            "state": self._state(),
            "versions": _versions(),
        }
        diagnosis = {"findings": self.findings_, "events": self.events_,
                     "windows": _jsonable(self.prep_summary_)}
        return save_run(run_dir, state_dict=self.model_.state_dict(), pipeline=pipeline,
                        metrics=self.metrics_, history=self.history_, audit=self.audit_,
                        diagnosis=diagnosis, overwrite=overwrite)

    @classmethod
    def load(cls, run_dir: str | Path) -> _SequenceEstimator:
        """Load a run directory written by :meth:`save` (verified against its MANIFEST)."""
        return load(run_dir)


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
        from .windows import last_observed

        last = last_observed(prep.y, prep.bounds)[ends]
        if np.isnan(last).any():
            k = int(np.flatnonzero(np.isnan(last))[0])
            raise InputError(f"{table.source}: series {names[k]!r} has no observed "
                             f"{self.target!r} in its rows; a forecast starts from the last "
                             "observed value. Pass history with observed targets.")
        with torch.no_grad():
            z = self.model_(torch.from_numpy(np.ascontiguousarray(prep.X[window])),
                            last=torch.from_numpy(last)).float().numpy()
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

    The new rows continue the grid (``time = last + h·freq``), hold no values (NaN,
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
    if table.time_is_datetime:
        frame[t] = frame[t] + pd.to_timedelta(ahead * pd.Timedelta(table.freq).value, unit="ns")
    else:
        frame[t] = frame[t] + ahead * float(table.freq)
    ext = dataclasses.replace(table, frame=frame,
                              inserted=np.where(new, True, np.asarray(table.inserted)[take]))
    last_rows = (b[1:] + np.arange(n_series) * steps - 1).astype(np.int64)
    return ext, last_rows


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
    >>> sorted(t.metrics_["baselines"])
    ['mean']
    """

    task = "tag"

    def _step_frame(self, prep: Prepared, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Predictions (original units) at absolute ``rows``; returns (rows kept, preds).

        A row is kept when the window that reads it (see the class docstring) exists:
        inside its series, with every input row usable.
        """
        from .windows import TagWindows

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
                out = self.model_(ds.gather(uniq[a:a + chunk])["x"]).float().numpy()
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
        from .baselines import season_from_freq, tag_baseline_scores
        from .metrics import build_metrics

        rows, pred = self._step_frame(prep, self._scored_rows(prep, which))
        truth = prep.y_raw[rows]
        season = season_from_freq(prep.table.freq, self.season)
        train_y = prep.y_raw[prep.part == TRAIN]
        base = tag_baseline_scores(truth, train_mean=float(np.nanmean(train_y)))
        n_windows = dict(getattr(self, "n_windows_", {}))
        n_windows["test"] = len(rows)
        return build_metrics(
            task="tag", target=self.target, input_len=self.input_len, y_true=truth,
            y_pred=pred, baselines=base, n_windows=n_windows, guard_events=guard_events,
            y_train=_train_series(prep), season=season)

    def evaluate(self, data: Any) -> dict[str, Any]:
        """Scores at every observed step of ``data`` against the baselines (metrics.json
        form; ``n_windows.test`` counts the scored steps)."""
        self._check()
        prep, facts = self._transform(data)
        saved = getattr(self, "n_windows_", None)
        self.n_windows_ = {"train": 0, "val": 0, "test": 0}
        try:
            return self._score(prep, "all", facts, guard_events=0)
        finally:
            if saved is not None:
                self.n_windows_ = saved

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


class SequenceClassifier(_SequenceEstimator):
    """One label per sequence (series), from variable-length sequences.

    ``target`` is a column holding each series' label (constant within a series;
    missing cells are ignored): numbers or text, two classes or more. A series whose
    label is missing is left out of training and scoring, and is still predicted.
    The data needs a series column (``read_options={"series_col": ...}``,
    ``--series-col``). The label column is never an input. Sequences are packed,
    so padding is never read; ``max_len`` keeps the most recent steps.

    Attributes
    ----------
    classes_ : list
        The labels, in class-code order (numbers sorted numerically, text
        lexicographically); probabilities and ``metrics_["classes"]`` follow it.

    Examples
    --------
    >>> import numpy as np, pandas as pd, seqguard
    >>> rng = np.random.default_rng(0)
    >>> df = pd.concat([pd.DataFrame({"id": k, "t": np.arange(20),
    ...                               "x": rng.normal(k % 2, 1, 20), "label": k % 2})
    ...                 for k in range(40)])
    >>> c = seqguard.SequenceClassifier("label", epochs=2, hidden=8, layers=1,
    ...     progress=False, read_options={"time_col": "t", "series_col": "id"}).fit(df)
    >>> c.classes_, sorted(c.predict(df).columns)
    ([0, 1], ['observed', 'prediction', 'proba_0', 'proba_1', 'series'])
    """

    task = "classify"

    def _read(self, data: Any) -> Table:
        from .io import read

        if isinstance(data, Table):
            return data
        opts = dict(self.read_options or {})
        features = opts.get("features")
        if features is not None:  # keep the label column: read drops unlisted columns
            names = features.split(",") if isinstance(features, str) else list(features)
            opts["features"] = [str(n).strip() for n in names] + [self.target]
        # the label may be text: read it as any column, it is encoded below
        return read(data, **opts)

    def _table(self, data: Any, *, fit: bool) -> tuple[Table, dict[str, Any]]:
        """Encode the label column into class codes; on ``fit`` drop unlabelled series.

        Returns the table the pipeline sees (the label column replaced by float codes,
        0 for an unlabelled series outside ``fit``) and ``{"codes": observed code per
        series (NaN: none), "labels": label per series (None: none), "has_labels"}``.
        """
        import dataclasses

        from .errors import InputError, did_you_mean

        table = self._read(data)
        col = self.target
        if table.series_col is None:
            raise InputError(f"{table.source}: --task classify needs one label per sequence, "
                             "and the data has no series column. Pass --series-col naming "
                             "the column that identifies each sequence (read_options="
                             "{'series_col': ...} in Python).")
        frame = table.frame
        bounds = table.series_bounds()
        names = table.series_names()
        has_labels = col in frame.columns
        if not has_labels and fit:
            cols = [str(c) for c in frame.columns]
            raise InputError(f"{table.source} has no label column {col!r} (given by "
                             f"--target).{did_you_mean(col, cols)}")
        labels: list[Any] = [None] * len(names)
        if has_labels:
            labels = _series_labels(frame[col], bounds, names, col, table.source)
        if fit:
            seen = [v for v in labels if v is not None]
            if not seen:
                raise InputError(f"{table.source}, column {col!r}: no series has a label. "
                                 "Fill the label column.")
            self.classes_ = _sorted_labels(seen)
            if len(self.classes_) < 2:
                raise InputError(f"{table.source}, column {col!r}: every labelled series has "
                                 f"the label {self.classes_[0]!r}; classification needs at "
                                 "least two classes.")
        index = {v: k for k, v in enumerate(self.classes_)}
        codes = np.array([np.nan if v is None or v not in index else index[v]
                          for v in labels], dtype=np.float64)
        if fit and np.isnan(codes).any():
            keep = np.repeat(~np.isnan(codes), np.diff(bounds))
            frame = frame.loc[keep].reset_index(drop=True)
            table = dataclasses.replace(table, frame=frame, inserted=table.inserted[keep])
            labels = [v for v in labels if v is not None]
            codes = codes[~np.isnan(codes)]
            bounds = table.series_bounds()
        frame = frame.copy()
        frame[col] = np.repeat(np.nan_to_num(codes, nan=0.0), np.diff(bounds))
        table = dataclasses.replace(
            table, frame=frame, target=col,
            numeric=table.numeric + [col] if col not in table.numeric else table.numeric,
            categorical=[c for c in table.categorical if c != col])
        return table, {"codes": codes, "labels": labels, "has_labels": has_labels}

    def _learn(self, prep: Prepared, facts: Any) -> None:
        codes = facts["codes"][prep.datasets["train"].series_ids].astype(np.int64)
        self.train_class_counts_ = np.bincount(codes, minlength=len(self.classes_)).tolist()

    def _state(self) -> dict[str, Any]:
        return {"classes": list(self.classes_),
                "train_class_counts": list(self.train_class_counts_)}

    def _set_state(self, state: dict[str, Any]) -> None:
        self.classes_ = list(state["classes"])
        self.train_class_counts_ = [int(c) for c in state["train_class_counts"]]

    def _series_logits(self, prep: Prepared, ds: Any) -> np.ndarray:
        """Logits (n_sequences, n_classes) of the sequences of ``ds``, in its order."""
        z = self._predict_scaled(ds).astype(np.float64)
        if z.ndim == 1 or z.shape[1] == 1:  # binary: one logit for class 1
            z = z.reshape(-1)
            z = np.stack([np.zeros_like(z), z], axis=1)
        return z

    def _score(self, prep: Prepared, which: str, facts: Any,
               guard_events: int) -> dict[str, Any]:
        from .baselines import classification_baseline_scores
        from .metrics import build_metrics

        ds = prep.datasets[which]
        logits = self._series_logits(prep, ds)
        codes = facts["codes"]
        y_true = codes[ds.series_ids]
        if not np.isfinite(y_true).any():
            raise InputError("the data has no labelled series to score. Fill the label "
                             f"column {self.target!r}, or use predict.")
        if which == "test":
            y_train = codes[prep.datasets["train"].series_ids]
        else:
            y_train = np.repeat(np.arange(len(self.train_class_counts_)),
                                self.train_class_counts_)
        K = len(self.classes_)
        n_windows = dict(getattr(self, "n_windows_", {}))
        n_windows["test"] = int(np.isfinite(y_true).sum())
        return build_metrics(
            task="classify", target=self.target, input_len=self.max_len, y_true=y_true,
            y_pred=logits, kind="logits", n_classes=K, classes=self.classes_,
            baselines=classification_baseline_scores(y_true, y_train, K),
            n_windows=n_windows, guard_events=guard_events)

    def evaluate(self, data: Any) -> dict[str, Any]:
        """Scores on every labelled series of ``data`` against the baselines.

        Returns the metrics.json form; ``n_windows.test`` counts the scored series. A
        label the model was not trained on is an error.
        """
        self._check()
        prep, facts = self._transform(data)
        unknown = [v for v in facts["labels"] if v is not None and v not in self.classes_]
        if unknown:
            raise InputError(f"the label column {self.target!r} holds {unknown[0]!r}, a class "
                             f"the model was not trained on (classes: "
                             f"{', '.join(map(repr, self.classes_))}). Score data with the "
                             "training classes only.")
        saved = getattr(self, "n_windows_", None)
        self.n_windows_ = {"train": 0, "val": 0, "test": 0}
        try:
            return self._score(prep, "all", facts, guard_events=0)
        finally:
            if saved is not None:
                self.n_windows_ = saved

    def predict_proba(self, data: Any) -> pd.DataFrame:
        """Class probabilities per series: columns ``proba_<label>`` indexed by series."""
        frame = self.predict(data)
        return frame.set_index("series")[[c for c in frame.columns if c.startswith("proba_")]]

    def predict(self, data: Any) -> pd.DataFrame:
        """One row per series: the predicted label and the class probabilities.

        Returns
        -------
        pandas.DataFrame
            ``series``, ``prediction`` (a label of :attr:`classes_`, as in the data),
            ``proba_<label>`` for every class (rows sum to 1), and ``observed`` (the
            series' label, ``None`` when it has none) when the data has the label
            column.
        """
        self._check()
        prep, facts = self._transform(data)
        ds = prep.datasets["all"]
        z = self._series_logits(prep, ds)
        z = z - z.max(axis=1, keepdims=True)
        proba = np.exp(z)
        proba /= proba.sum(axis=1, keepdims=True)
        names = np.asarray(prep.table.series_names(), dtype=object)
        classes = np.empty(len(self.classes_), dtype=object)
        classes[:] = self.classes_
        out: dict[str, Any] = {"series": names[ds.series_ids],
                               "prediction": classes[np.argmax(proba, axis=1)]}
        for k, label in enumerate(self.classes_):
            out[f"proba_{label}"] = proba[:, k]
        if facts["has_labels"]:
            observed = np.empty(len(ds.series_ids), dtype=object)
            observed[:] = [facts["labels"][i] for i in ds.series_ids]
            out["observed"] = observed
        return pd.DataFrame(out)

    def score(self, data: Any) -> float:
        """Accuracy on the labelled series of ``data`` (greater is better)."""
        return float(self.evaluate(data)["test"]["accuracy"])


def _label_value(v: Any) -> Any:
    """A label as a plain JSON value: text stays text, an integral number is an int."""
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    f = float(v)
    return int(f) if f.is_integer() else f


def _sorted_labels(values: list[Any]) -> list[Any]:
    uniq = set(values)
    if all(not isinstance(v, str) for v in uniq):
        return sorted(uniq)
    return sorted(uniq, key=str)


def _series_labels(column: pd.Series, bounds: np.ndarray, names: list[str], col: str,
                   source: str) -> list[Any]:
    """The one label of each series (``None`` when missing); error if one varies."""
    from .errors import InputError

    codes = np.repeat(np.arange(len(names)), np.diff(bounds))
    frame = pd.DataFrame({"s": codes, "v": column.to_numpy(dtype=object)})
    frame = frame[~pd.isna(frame["v"])]
    frame["v"] = [_label_value(v) for v in frame["v"]]
    per = frame.drop_duplicates()
    counts = per["s"].value_counts()
    varying = counts[counts > 1]
    if len(varying):
        k = int(varying.index.min())
        a, b = per.loc[per["s"] == k, "v"].iloc[:2].tolist()
        raise InputError(f"{source}, column {col!r}: the label varies within series "
                         f"{names[k]!r} ({a!r} and {b!r}). --task classify needs one label "
                         "per series: fix the column, or use --task tag for a label at "
                         "every step.")
    labels: list[Any] = [None] * len(names)
    for k, v in zip(per["s"].tolist(), per["v"].tolist()):
        labels[k] = v
    return labels


_ESTIMATORS = {c.__name__: c for c in (Forecaster, SequenceTagger, SequenceClassifier)}


def load(run_dir: str | Path) -> _SequenceEstimator:
    """Load any seqguard run directory into its estimator, ready to predict."""
    from .artifact import load_run
    from .models import SequenceModel

    run = load_run(run_dir)
    spec = run.pipeline
    cls = _ESTIMATORS.get(str(spec.get("estimator")))
    if cls is None:
        raise ArtifactError(f"{Path(run_dir) / 'pipeline.json'} names no known estimator "
                            f"({spec.get('estimator')!r}). Refit with this seqguard version.")
    est = cls(**spec["params"])
    est.pipeline_ = from_dict(spec["pipeline"])
    model = SequenceModel.from_config(spec["model"])
    try:
        model.load_state_dict(run.state_dict)
    except RuntimeError as exc:
        raise ArtifactError(f"{Path(run_dir) / 'model.safetensors'} does not fit the model in "
                            f"pipeline.json ({str(exc).splitlines()[0]}). Refit.") from None
    est.model_ = model.eval()
    est.model_config_ = dict(spec["model"])
    est.feature_names_ = list(spec["feature_names"])
    est.n_windows_ = dict(spec.get("n_windows", {}))
    try:
        est._set_state(dict(spec.get("state", {})))
    except (KeyError, TypeError, ValueError):
        raise ArtifactError(f"{Path(run_dir) / 'pipeline.json'} lacks the learned state of "
                            f"its {cls.__name__} (the 'state' entry). Refit.") from None
    est.metrics_ = run.metrics
    est.history_ = run.history
    est.audit_ = run.audit
    est.findings_ = list(run.diagnosis.get("findings", []))
    est.events_ = list(run.diagnosis.get("events", []))
    est.prep_summary_ = run.diagnosis.get("windows", {})
    return est


def _train_series(prep: Prepared) -> list[np.ndarray]:
    """The observed-or-not training target of each series (for the MASE scale)."""
    b = prep.bounds
    return [prep.y_raw[b[k]:b[k + 1]][prep.part[b[k]:b[k + 1]] == TRAIN]
            for k in range(len(b) - 1)]


def _jsonable(value: Any) -> Any:
    from .metrics import json_safe

    return json.loads(json.dumps(json_safe(value), default=str))


def _versions() -> dict[str, str]:
    import lightning
    import sklearn

    from . import __version__

    return {"seqguard": __version__, "torch": torch.__version__, "numpy": np.__version__,
            "pandas": pd.__version__, "lightning": lightning.__version__,
            "scikit-learn": sklearn.__version__}
