"""The shared base of the seqguard estimators: ``_SequenceEstimator``.

It holds what every task has in common: the scikit-learn parameters (``__init__``
only stores them, so ``get_params``/``clone`` work), the preprocessing
:class:`~seqguard.pipeline.Pipeline` they describe, ``fit`` (read, audit,
preprocess, train with guards, score the test part), the window-by-window
prediction and scoring used by forecasting, ``save`` (the run directory of
DESIGN.md) and the helpers those need (training series for the MASE scale,
JSON-safe values, library versions). The task classes override the hooks
(``_table``, ``_learn``, ``_state``, ``_score``, ``predict``).
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, _fit_context

from .._fitting import unfitted_on_error
from ..errors import DataWarning, InputError, NotFittedError, TrainingWarning
from ..grid import freq_to_json
from ..params import (
    ESTIMATOR_PARAMS,
    PIPELINE_PARAMS,
    check_exclusive,
    check_params,
    constraints,
    init_from,
)
from ..pipeline import Pipeline, Prepared
from ..splits import TRAIN
from ..table import Table
from ._build import _ModelBuilding
from ._ensemble import _Ensemble
from ._given_data import _GivenParts
from ._scoring import _Scoring
from .loading import load as _load

if TYPE_CHECKING:
    from ..audit import AuditReport


#: The Pipeline's parameters, which the estimators take as they are.
_PIPELINE_PARAMS = tuple(p.name for p in PIPELINE_PARAMS)


class _SequenceEstimator(_ModelBuilding, _Scoring, _GivenParts, _Ensemble, BaseEstimator):
    """The parameters of every task, declared in :mod:`seqguard.params`."""

    task = "forecast"

    __init__ = init_from(ESTIMATOR_PARAMS)

    if TYPE_CHECKING:  # the declared parameters are set by __init__
        def __getattr__(self, name: str) -> Any: ...

    @property
    def _parameter_constraints(self) -> dict[str, Any]:
        """scikit-learn's constraints, from the declarations of :mod:`seqguard.params`."""
        return constraints(ESTIMATOR_PARAMS)

    def _validate_params(self) -> None:
        """Check every declared parameter, once, at the top of :meth:`fit`: its value,
        and that it applies to this task."""
        check_params(self, ESTIMATOR_PARAMS, task=self.task)
        check_exclusive(self)

    # ------------------------------------------------------------------ parts
    def make_pipeline(self) -> Pipeline:
        """The unfitted preprocessing pipeline these parameters describe."""
        kw = {k: getattr(self, k) for k in _PIPELINE_PARAMS}
        return Pipeline(self.target, task=self.task, static=self._static_spec(), **kw)

    def _train_options(self, prep: Prepared, val_ds: Any) -> dict[str, Any]:
        """Task-specific ``fit_model`` options (classify: monitor, class weights)."""
        return {}

    def _read(self, data: Any) -> Table:
        from ..io import read

        if isinstance(data, Table):
            return data
        return read(data, target=self.target, **(self.read_options or {}))

    # -------------------------------------------------------------------- fit
    def _table(self, data: Any, *, fit: bool) -> tuple[Table, Any]:
        """The table the pipeline sees, and task-specific facts about it (classify)."""
        return self._read(data), None

    @unfitted_on_error
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, data: Any, *, test_data: Any = None, val_data: Any = None,
            checkpoint_dir: str | None = None, resume: bool = False,
            on_audit: Callable[[AuditReport], None] | None = None) -> _SequenceEstimator:
        """Read, audit, preprocess, train with guards, and score the test part.

        Parameters
        ----------
        data : anything :func:`seqguard.read` accepts, or a Table
        test_data, val_data : same kinds as ``data``, optional
            A test / validation set of its own (``--test-data`` / ``--val-data``),
            read with the same read options and transformed by the pipeline fitted
            on the training part of ``data``. The test scores (``metrics_``) are then
            computed on ``test_data`` alone, its windows reading only its own past
            (as :meth:`evaluate` would); ``test_frac=0`` (``val_frac=0``) leaves no
            such part in ``data``.
        checkpoint_dir : str, optional
            Folder for resumable checkpoints.
        resume : bool
            Continue from the last checkpoint in ``checkpoint_dir``.
        on_audit : callable, optional
            Called with the :class:`~seqguard.audit.AuditReport` of the training data
            before anything is trained; it may raise to stop (the command line shows
            the findings there and stops on an error-severity one).

        Returns
        -------
        self

        Raises
        ------
        InputError
            Bad options or data, an empty test part and no ``test_data``.
        """
        from ..audit import audit
        from ..training import fit_model, resolve_batch_size, steps_per_epoch, still_improving
        from ..training.devices import resolve_devices
        from ..training.resources import check_model_fits
        from ..windows import WindowLoader

        pipe = self.make_pipeline()
        pipe._check_specs()  # the spec strings' grammar, before any work
        # Lightning's options, on this machine, before any data is read
        self.hardware_ = resolve_devices(type(self).__name__, accelerator=self.accelerator,
                                        devices=self.devices, strategy=self.strategy,
                                        precision=self.precision, num_nodes=self.num_nodes)
        n_members = int(self.ensemble)
        self._check_parts(test_data, val_data)
        table, facts = self._table(data, fit=True)
        self.freq_ = table.freq
        report = audit(table, target=self.target)
        self.audit_ = report.to_dict()
        if on_audit is not None:
            on_audit(report)
        prep = pipe.fit_transform(table)
        self.pipeline_ = pipe
        self._attach_series(prep)
        self.feature_names_ = list(prep.feature_names)
        given = {"val": self._given("val", val_data), "test": self._given("test", test_data)}
        self._warn_unused_parts(prep, given)
        val_ds = given["val"][0].datasets["all"] if given["val"] else prep.val
        test_ds = given["test"][0].datasets["all"] if given["test"] else prep.test
        if not given["test"] and not len(test_ds):
            raise InputError(self._empty_test_message())
        if self.task != "classify":
            self.climatology_ = self._fit_climatology(prep)
        self._prepare_head(prep, given["val"][0] if given["val"] else prep, val_ds,
                           [g[0] for g in given.values() if g])
        n_train = len(prep.train)
        self._batch_size = resolve_batch_size(self.batch_size, n_train)
        steps = steps_per_epoch(n_train, self._batch_size)
        val = WindowLoader(val_ds, max(self._batch_size, 512)).torch_loader() \
            if len(val_ds) else None
        train_kw = self._train_options(prep, val_ds if len(val_ds) else None)
        stats = None
        if self.task != "classify":
            y_train = prep.y[(prep.part == TRAIN) & np.isfinite(prep.y)]
            stats = {"mean": float(y_train.mean()), "std": float(y_train.std())} \
                if len(y_train) else None
        # memory and disk for this model, before any training time is spent
        check_model_fits(self._build_model(prep, meta=True), owner=type(self).__name__,
                         batch_size=self._batch_size, input_len=int(self.input_len or 1),
                         checkpoint_dir=checkpoint_dir, members=n_members)
        members = []
        for k in range(n_members):  # --ensemble K: seeds seed..seed+K-1, same data
            seed = int(self.seed) + k
            t0 = time.perf_counter()
            torch.manual_seed(seed)
            model = self._build_model(prep)
            # real DataLoaders (one gather per batch) so that Lightning can inspect them
            train = WindowLoader(prep.train, self._batch_size, shuffle=True,
                                 seed=seed).torch_loader()
            ckpt = checkpoint_dir if k == 0 or checkpoint_dir is None else \
                str(Path(checkpoint_dir) / f"member-{k}")
            result = fit_model(
                model, train, val, task=self.task,
                loss=self.loss if self.task != "classify" else "l1",
                optimizer=self.optimizer, lr=self.lr, weight_decay=self.weight_decay,
                clip=self.clip, epochs=self.epochs, patience=self.patience,
                lr_patience=self.lr_patience,
                precision=self.precision, seed=seed, devices=self.devices,
                accelerator=self.accelerator, strategy=self.strategy,
                num_nodes=self.num_nodes, checkpoint_dir=ckpt, resume=resume, progress=self.progress,
                target_stats=stats, feature_names=self.feature_names_, **train_kw)
            members.append((model.eval(), result, time.perf_counter() - t0))
        model, result, _ = members[0]
        self.model_config_ = dict(model.config)
        self.model_ = model if n_members == 1 else self._ensemble_model(members)
        self.history_ = result.history
        self.events_ = list(result.events)
        self.findings_ = list(result.findings)
        for k, (_, r, _) in enumerate(members[1:], start=1):  # tagged with their member
            self.events_ += [dict(e, member=k) for e in r.events]
            self.findings_ += [dict(f, member=k) for f in r.findings]
        guard_events = sum(r.guard_events for _, r, _ in members)
        self.budget_ = {"batch_size": self._batch_size,
                        "auto": isinstance(self.batch_size, str), "n_train": n_train,
                        "steps_per_epoch": steps, "epochs_run": len(result.history),
                        "best_epoch": result.best_epoch,
                        "start_val_loss": result.start_val_loss,
                        "best_val_loss": result.best_val_loss,
                        "stopped_reason": result.stopped_reason,
                        **{k: v for k, v in train_kw.items() if v is not None}}
        longer = still_improving(result.history, stopped_reason=result.stopped_reason,
                                 best_epoch=result.best_epoch, steps=steps,
                                 batch_size=self._batch_size,
                                 monitor="val_loss" if val is not None else "train_loss")
        if longer is not None:
            self.findings_.append(longer)
            warnings.warn(longer["message"], TrainingWarning, stacklevel=2)
        self.n_windows_ = {"train": n_train, "val": len(val_ds), "test": len(test_ds)}
        self.prep_summary_ = {k: v for k, v in prep.summary.items() if k != "pipeline"}
        self.given_data_ = {k: (None if g is None else str(g[0].table.source))
                            for k, g in given.items()}
        if any(self.given_data_.values()):
            self.prep_summary_["n_windows"] = dict(self.n_windows_)
            self.prep_summary_["given_data"] = dict(self.given_data_)
        self._learn(prep, facts)
        test_prep, test_which, test_facts = (given["test"][0], "all", given["test"][1]) \
            if given["test"] else (prep, "test", facts)
        self.metrics_ = self._score(test_prep, test_which, test_facts,
                                    guard_events=guard_events)
        if n_members > 1:
            self.metrics_["ensemble"] = self._ensemble_summary(members, test_prep, test_which,
                                                               test_facts)
        return self

    # --------------------------------------------------------------- ensemble
    def _prepare_head(self, prep: Prepared, val_prep: Prepared, val_ds: Any,
                      given: list[Prepared]) -> None:
        """Choose what the head starts from before the model is built (forecast):
        ``val_ds`` holds the validation windows, of ``val_prep`` (``prep`` or the
        ``--val-data`` table); ``given`` the preps of the given val / test tables."""

    # ---------------------------------------------------------------- predict
    def _learn(self, prep: Prepared, facts: Any) -> None:
        """Learn task-specific state from the prepared training data (none by default)."""

    def _check(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet. Call 'fit' "
                                 "first, or load a run with seqguard.load(dir).")

    def _check_grid(self, table: Table) -> None:
        """Warn when new data is on another grid than the training data."""
        import warnings

        from ..grid import describe_freq

        fitted = getattr(self, "freq_", None)
        if fitted is None or table.freq == fitted:
            return
        shown = fitted.freqstr if hasattr(fitted, "freqstr") else f"{fitted:g}"
        warnings.warn(
            f"{table.source}: the data is on the grid {describe_freq(table.freq)}, but the "
            f"model was fitted on {describe_freq(fitted)}; its input_len and horizon count "
            f"steps of that grid. Pass --freq {shown} (read_options freq) to read the data "
            "on the training grid.", DataWarning, stacklevel=3)

    def _transform(self, data: Any, require_target: bool = True) -> tuple[Prepared, Any]:
        table, facts = self._table(data, fit=False)
        self._check_grid(table)
        prep = self.pipeline_.transform(table, split=False, require_target=require_target)
        self._attach_series(prep)
        return prep, facts

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
        return self._score_new(prep, facts, n_test=len(prep.datasets["all"]))

    def score(self, data: Any) -> float:
        """Negative MAE on ``data`` (greater is better, as scikit-learn expects)."""
        return -float(self.evaluate(data)["test"]["mae"])

    # -------------------------------------------------------------- artifacts
    def save(self, run_dir: str | Path, *, overwrite: bool = False) -> Path:
        """Write the run directory (weights, pipeline, metrics, history, audit, diagnosis)."""
        from ..artifact import save_run

        self._check()
        pipeline = {
            "estimator": type(self).__name__,
            "params": _jsonable(self.get_params()),
            "pipeline": self.pipeline_.to_dict(),
            "model": self.model_config_,
            "feature_names": self.feature_names_,
            "n_windows": self.n_windows_,
            "freq": freq_to_json(getattr(self, "freq_", None)),
            "budget": _jsonable(getattr(self, "budget_", {})),
            # what Lightning resolved --accelerator/--devices/--strategy to on this machine
            "hardware": getattr(self, "hardware_", None),
            "given_data": getattr(self, "given_data_", {}),
            "state": self._state(),
            "versions": _versions(),
        }
        diagnosis = {"findings": self.findings_, "events": self.events_,
                     "windows": _jsonable(self.prep_summary_)}
        from ..artifact import member_files

        members = getattr(self.model_, "members", None)
        first = members[0] if members is not None else self.model_
        extra = {} if members is None else member_files(
            [m.state_dict() for m in members[1:]], getattr(self, "member_histories_", []))
        return save_run(run_dir, state_dict=first.state_dict(), pipeline=pipeline,
                        metrics=self.metrics_, history=self.history_, audit=self.audit_,
                        diagnosis=diagnosis, overwrite=overwrite, extra_files=extra or None)

    def grid_summary(self) -> str:
        """One line on the time grid of the training data and the window spans.

        ``"grid: monthly (MS), season 12; input 48 steps (4 years), horizon 24 steps
        (2 years)"``; the season is the default for the grid unless ``season`` was given.
        """
        from ..baselines import season_from_freq
        from ..grid import describe_freq, span_words

        freq = getattr(self, "freq_", None)
        if freq is None:
            return "grid: unknown (a run saved before seqguard recorded it)"
        if self.task == "classify":  # one label per sequence: no season, no windows
            return f"grid: {describe_freq(freq)}"
        season = season_from_freq(freq, self.season)
        given = " (--season)" if self.season is not None else ""
        L = int(self.input_len)
        parts = [f"input {L} steps ({span_words(L, freq)})"]
        if self.task == "forecast":
            H = int(self.horizon)
            parts.append(f"horizon {H} steps ({span_words(H, freq)})")
        return f"grid: {describe_freq(freq)}, season {season}{given}; {', '.join(parts)}"

    @classmethod
    def load(cls, run_dir: str | Path) -> _SequenceEstimator:
        """Load a run directory written by :meth:`save` (verified against its MANIFEST).

        ``Forecaster.load`` returns a Forecaster and refuses the run of another task
        (an :class:`~seqguard.errors.InputError` naming the class that reads it); the
        shared base, like :func:`seqguard.load`, loads any run.
        """
        return _load(run_dir, expect=cls)


def _jsonable(value: Any) -> Any:
    from ..metrics import json_safe

    return json.loads(json.dumps(json_safe(value), default=str))


def _versions() -> dict[str, str]:
    import lightning
    import sklearn

    from .. import __version__

    return {"seqguard": __version__, "torch": torch.__version__, "numpy": np.__version__,
            "pandas": pd.__version__, "lightning": lightning.__version__,
            "scikit-learn": sklearn.__version__}
