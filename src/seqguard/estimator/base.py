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
from sklearn.base import BaseEstimator

from ..errors import DataWarning, InputError, NotFittedError, TrainingWarning
from ..grid import freq_to_json
from ..pipeline import Pipeline, Prepared
from ..splits import TRAIN
from ..table import Table

if TYPE_CHECKING:
    from ..audit import AuditReport
    from ..models import SequenceModel


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
                 model: str = "auto", hidden: int = 64, layers: int = 2,
                 dropout: float | str = "auto", bidirectional: bool = False,
                 head: str = "residual", ar: int | str = "auto",
                 head_layers: int = 0, activation: str | None = None, loss: str = "l1",
                 optimizer: str = "adamw", lr: float = 1e-3, weight_decay: float = 1e-4,
                 clip: float = 1.0, epochs: int = 30, patience: int = 5,
                 batch_size: int | str = "auto", precision: str = "32", seed: int = 0,
                 devices: Any = "auto", accelerator: str = "cpu", strategy: str = "auto",
                 season: int | None = None, progress: bool | None = None,
                 read_options: dict[str, Any] | None = None, norm: str = "none",
                 ensemble: int = 1, pool: str = "auto", static: Any = "auto",
                 class_weight: str | None = "auto", select: str = "auto") -> None:
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
        self.ar = ar
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
        self.norm = norm
        self.ensemble = ensemble
        self.pool = pool
        self.static = static
        self.class_weight = class_weight
        self.select = select

    # ------------------------------------------------------------------ parts
    def make_pipeline(self) -> Pipeline:
        """The unfitted preprocessing pipeline these parameters describe."""
        kw = {k: getattr(self, k) for k in _PIPELINE_PARAMS}
        return Pipeline(self.target, task=self.task, static=self._static_spec(), **kw)

    def _static_spec(self) -> Any:
        """The pipeline's ``static``: ``"auto"`` is ``AUTO_STATIC`` for ``classify`` and
        none for the other tasks (anything else is an error there, raised by the
        pipeline)."""
        s = self.static
        if isinstance(s, str) and s.strip().lower() == "auto":
            return getattr(self, "AUTO_STATIC", None) if self.task == "classify" else None
        return s

    def _check_task_options(self) -> None:
        """``pool``, ``class_weight`` and ``select`` apply to ``classify`` only (the
        classifier checks their values instead)."""
        for name, value in (("pool", self.pool), ("class_weight", self.class_weight),
                            ("select", self.select)):
            if value is None or (isinstance(value, str)
                                 and value.strip().lower() in ("auto", "none", "")):
                continue
            flag = "--" + name.replace("_", "-")
            raise InputError(f"The {flag} option applies to --task classify only; got "
                             f"{flag} {value} with --task {self.task}. Leave it unset.")

    def _train_options(self, prep: Prepared, val_ds: Any) -> dict[str, Any]:
        """Task-specific ``fit_model`` options (classify: monitor, class weights)."""
        return {}

    def _read(self, data: Any) -> Table:
        from ..io import read

        if isinstance(data, Table):
            return data
        return read(data, target=self.target, **(self.read_options or {}))

    def _build_model(self, prep: Prepared) -> SequenceModel:
        from ..models import SequenceModel, grud_channels_from_names, warn_activation

        kw: dict[str, Any] = {}
        if self.task == "forecast":
            from ..residual_base import parse_head

            spec = getattr(self.pipeline_, "residual_base_", None)
            kw.update(horizon=self.horizon, head=parse_head(self.head)[0],
                      baselines=len(spec["channels"]) if spec else 0)
            ar = self._resolve_ar()
            if ar and kw["head"] == "residual" and self.target in prep.feature_names:
                kw.update(ar_steps=min(ar, self.input_len),
                          ar_index=prep.feature_names.index(self.target))
            kw.update(self._norm_options(prep))
        if self.task == "classify":
            n = int(self.pipeline_.n_classes_)
            kw["n_outputs"] = 1 if n <= 2 else n
            kw["pool"] = self._resolve_pool()
            static = getattr(self.pipeline_, "static_", None)
            kw["n_static"] = len(static.feature_names_) if static is not None else 0
        else:
            kw["activation"] = self.activation
        kind = self._resolve_model(prep)
        if kind == "grud":
            since = getattr(self.pipeline_.missing_, "since_transform_", "log1p")
            kw["grud_channels"] = grud_channels_from_names(prep.feature_names, since)
        model = SequenceModel(
            n_features=prep.X.shape[1], task=self.task, model=kind, hidden=self.hidden,
            layers=self.layers, dropout=self._resolve_dropout(), bidirectional=self.bidirectional,
            head_layers=self.head_layers, **kw)
        if self.activation and self.task != "classify":
            y = prep.y[prep.part == 0]
            y = y[np.isfinite(y)]
            if len(y):
                warn_activation(self.activation, float(y.min()), float(y.max()))
        return model

    def _norm_options(self, prep: Prepared) -> dict[str, Any]:
        """The model options of ``norm="revin"`` (forecast): the target's input column
        and the std floors, a share of the training std (:mod:`seqguard.models.revin`)."""
        from ..models.revin import FLOOR, parse_norm

        norm = parse_norm(self.norm)
        if norm == "none":
            return {}
        t = list(prep.feature_names).index(self.target)
        train = (prep.part == TRAIN) & np.isfinite(prep.y)
        floors = []
        for v in (prep.X[train, t], prep.y[train]):
            sd = float(np.std(v.astype(np.float64))) if len(v) else 0.0
            floors.append(FLOOR * sd if sd > 0 else FLOOR)
        return {"norm": norm, "norm_target": t, "norm_floor": floors}

    def _check_norm_ensemble(self) -> int:
        """Validate ``norm`` and ``ensemble`` before any work; the ensemble size."""
        from ..models.revin import parse_norm

        if parse_norm(self.norm) != "none" and self.task != "forecast":
            raise InputError(f"--norm {self.norm} (per-window normalisation of the target) "
                             f"applies to --task forecast only, got --task {self.task}. "
                             "Pass --norm none.")
        k = self.ensemble
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise InputError(f"The 'ensemble' option (--ensemble) must be an integer >= 1 "
                             f"(the number of models, trained with seeds seed..seed+K-1); "
                             f"got {k!r} instead.")
        return int(k)

    #: ``dropout="auto"``: this between recurrent layers (and after dense head layers) for
    #: ``forecast``; none for the other tasks or where it has no effect (one layer, no
    #: dense head). Measured on Beijing PM2.5, docs/training.md.
    AUTO_DROPOUT = 0.1

    def _resolve_ar(self) -> int:
        """The residual head's autoregressive steps (``ar``; ``"auto"``: the last two
        seasons of the input window when the head starts from seasonal naive or
        climatology, else none; 0: none). Applies to the residual forecast head when the target is an input;
        docs/seasonal.md has the evidence."""
        a = self.ar
        if isinstance(a, str) and a.strip().lower() == "auto":
            # on where the head starts from a seasonal baseline (seasonal naive or
            # climatology): its error drifts with the recent target, which a linear term
            # follows. With persistence it cost Beijing 0.7 MAE (docs/seasonal.md)
            spec = getattr(getattr(self, "pipeline_", None), "residual_base_", None) or {}
            on = self.task == "forecast" and spec.get("base", "persistence") != "persistence"
            # the last two seasons: this season's level against the last one's
            return min(int(self.input_len), 2 * int(spec.get("season", 1))) if on else 0
        if isinstance(a, str) and a.strip().isdigit():
            a = int(a)
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)) or a < 0:
            raise InputError(f"The 'ar' option (--ar) must be 'auto', 0 (none) or the number "
                             f"of recent target steps the residual head reads linearly; got "
                             f"{a!r} instead.")
        return int(a)

    #: ``model="auto"``: the encoder of the task (the classifier overrides it).
    AUTO_MODEL = "lstm"

    def _resolve_model(self, prep: Prepared) -> str:
        """The encoder to build: ``self.model``, or ``AUTO_MODEL`` for ``"auto"``. An
        automatic ``grud`` needs the observed-mask and time-since channels of the
        ``indicators`` missing-data strategy; without them it is ``lstm``."""
        kind = str(self.model).strip().lower()
        if kind != "auto":
            return kind
        if self.AUTO_MODEL == "grud":
            from ..models import grud_channels_from_names

            try:
                grud_channels_from_names(prep.feature_names)
            except InputError:  # no channel has a mask and a time since: a plain encoder
                return "lstm"
            return "grud"
        return self.AUTO_MODEL

    def _resolve_pool(self) -> str:
        """The classifier's pooling (``pool="auto"``: the classify default)."""
        return "last"

    def _resolve_dropout(self) -> float:
        """The dropout to build the model with: ``self.dropout``, or the ``"auto"`` choice."""
        d = self.dropout
        if d is None or (isinstance(d, str) and d.strip().lower() == "auto"):
            effective = self.layers > 1 or self.head_layers > 0
            return self.AUTO_DROPOUT if self.task == "forecast" and effective else 0.0
        if isinstance(d, str):
            try:
                return float(d)
            except ValueError:
                raise InputError(f"The 'dropout' option (--dropout) must be 'auto' or a number "
                                 f"in [0, 1); got {d!r} instead.") from None
        return d

    # -------------------------------------------------------------------- fit
    def _table(self, data: Any, *, fit: bool) -> tuple[Table, Any]:
        """The table the pipeline sees, and task-specific facts about it (classify)."""
        return self._read(data), None

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
        from ..windows import WindowLoader

        self._check_task_options()
        pipe = self.make_pipeline()
        pipe.validate()
        self._resolve_ar()
        if self.task == "forecast":
            from ..residual_base import parse_head

            parse_head(self.head)  # a bad --head fails before any work
        resolve_batch_size(self.batch_size, 1)  # a bad --batch-size fails before any work
        n_members = self._check_norm_ensemble()
        self._check_parts(test_data, val_data)
        table, facts = self._table(data, fit=True)
        self.freq_ = table.freq
        report = audit(table, target=self.target)
        self.audit_ = report.to_dict()
        if on_audit is not None:
            on_audit(report)
        prep = pipe.fit_transform(table)
        self.pipeline_ = pipe
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
                precision=self.precision, seed=seed, devices=self.devices,
                accelerator=self.accelerator, strategy=self.strategy,
                checkpoint_dir=ckpt, resume=resume, progress=self.progress,
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
    def _ensemble_model(self, members: list[Any]) -> Any:
        from ..models.ensemble import EnsembleModel

        self.member_histories_ = [r.history for _, r, _ in members[1:]]
        return EnsembleModel([m for m, _, _ in members]).eval()

    def _ensemble_summary(self, members: list[Any], prep: Prepared, which: str,
                          facts: Any) -> dict[str, Any]:
        """metrics.json's ``ensemble``: each member's seed, validation score, fit time
        and test scores (docs/ensemble.md)."""
        ensemble = self.model_
        rows = []
        try:
            for k, (model, r, seconds) in enumerate(members):
                self.model_ = model
                test = self._score(prep, which, facts, guard_events=r.guard_events)["test"]
                rows.append({"member": k, "seed": int(self.seed) + k,
                             "best_val_loss": r.best_val_loss, "best_epoch": r.best_epoch,
                             "epochs_run": len(r.history), "stopped_reason": r.stopped_reason,
                             "guard_events": r.guard_events, "fit_seconds": round(seconds, 3),
                             "test": {k2: v for k2, v in test.items() if k2 != "by_horizon"}})
        finally:
            self.model_ = ensemble
        return {"k": len(members), "seeds": [row["seed"] for row in rows],
                "combine": "mean of the probabilities" if self.task == "classify"
                else "mean of the predictions",
                "fit_seconds": round(sum(m[2] for m in members), 3), "members": rows}

    # ---------------------------------------------------------- given parts
    _UNIT = "windows"

    def _check_parts(self, test_data: Any, val_data: Any) -> None:
        """A missing given file, or an empty test part without ``test_data``, is an error
        before any work."""
        for option, given in (("--test-data", test_data), ("--val-data", val_data)):
            if isinstance(given, (str, Path)) and not str(given).startswith(("http://",
                                                                            "https://")) \
                    and not Path(given).exists():
                raise InputError(f"{option} '{given}' does not exist. Check the path.")
        if test_data is None and self.test_start is None and self.test_frac == 0:
            raise InputError(self._empty_test_message())

    def _empty_test_message(self) -> str:
        if self.test_start is None and self.test_frac == 0:
            how = "--test-frac 0 leaves it empty"
        elif self.test_start is not None:
            how = f"--test-start {self.test_start} leaves it no {self._UNIT}"
        else:
            how = f"--test-frac {self.test_frac:g} leaves it no {self._UNIT}"
        return (f"the test part is empty ({how}): there is nothing to score the model on. "
                "Pass --test-data FILE with a test set of its own (test_data= in Python), "
                "or a larger --test-frac (0.15 is the default).")

    def _given_table(self, data: Any, option: str) -> tuple[Table, Any]:
        """The table of a given val / test file, as ``_table`` makes it for new data."""
        return self._table(data, fit=False)

    def _given(self, which: str, data: Any) -> tuple[Prepared, Any] | None:
        """``data`` (``--val-data`` / ``--test-data``) through the fitted pipeline."""
        if data is None:
            return None
        option = f"--{which}-data"
        table, facts = self._given_table(data, option)
        try:
            prep = self.pipeline_.transform(table, split=False)
        except InputError as exc:
            raise InputError(f"{table.source} (given by {option}): {exc}") from None
        if not len(prep.datasets["all"]):
            need = (f"at least --input-len {self.input_len} + --horizon {self.horizon} rows "
                    "in a series, with observed targets" if self.task == "forecast" else
                    f"at least --input-len {self.input_len} rows in a series"
                    if self.task == "tag" else "a labelled, non-empty sequence")
            raise InputError(f"{table.source} (given by {option}) has no {self._UNIT}: "
                             f"the {which} data needs {need}.")
        return prep, facts

    def _warn_unused_parts(self, prep: Prepared, given: dict[str, Any]) -> None:
        """Warn when a given file replaces a part the training data still holds."""
        for which, start, frac in (("val", self.val_start, self.val_frac),
                                   ("test", self.test_start, self.test_frac)):
            if given[which] is None or not len(prep.datasets[which]):
                continue
            how = f"--{which}-start {start}" if start is not None else \
                f"--{which}-frac {frac:g}"
            fix = f"--{which}-frac 0" if start is None else f"no --{which}-start"
            warnings.warn(
                f"the training data still holds a {which} part ({how}: "
                f"{len(prep.datasets[which])} {self._UNIT}) that --{which}-data replaces: "
                f"those rows are neither trained on nor used. Pass {fix} to train on them.",
                DataWarning, stacklevel=3)

    def _prepare_head(self, prep: Prepared, val_prep: Prepared, val_ds: Any,
                      given: list[Prepared]) -> None:
        """Choose what the head starts from before the model is built (forecast):
        ``val_ds`` holds the validation windows, of ``val_prep`` (``prep`` or the
        ``--val-data`` table); ``given`` the preps of the given val / test tables."""

    # ---------------------------------------------------------------- predict
    def _learn(self, prep: Prepared, facts: Any) -> None:
        """Learn task-specific state from the prepared training data (none by default)."""

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

    def _check(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet. Call 'fit' "
                                 "first, or load a run with seqguard.load(dir).")

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
        from ..metrics import build_metrics

        ds = prep.datasets[which]
        pred, truth, rows, starts = self._window_frame(prep, ds)
        season = season_from_freq(prep.table.freq, self.season)
        train_mean, clim, position = self._train_reference(prep, rows)
        base = baseline_scores(truth, y=prep.y_raw, target_rows=rows, series_start=starts,
                               season=season, train_mean=train_mean, climatology=clim)
        if position is not None:
            base["climatology"]["position"] = position
        return build_metrics(
            task=self.task, target=self.target, input_len=self.input_len, y_true=truth,
            y_pred=pred, baselines=base,
            n_windows=getattr(self, "n_windows_", {"test": len(rows)}),
            guard_events=guard_events, horizon=self.horizon,
            y_train=_train_series(prep), season=season)

    def _check_grid(self, table: Table) -> None:
        """Warn when new data is on another grid than the training data."""
        import warnings

        from ..errors import DataWarning
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
        return self._score_new(prep, facts, n_test=len(prep.datasets["all"]))

    def _score_new(self, prep: Prepared, facts: Any, n_test: int = 0) -> dict[str, Any]:
        """Score every window of new data (``evaluate``): ``n_windows`` holds only ``test``."""
        saved = getattr(self, "n_windows_", None)
        self.n_windows_ = {"train": 0, "val": 0, "test": n_test}
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
        """Load a run directory written by :meth:`save` (verified against its MANIFEST)."""
        from .loading import load

        return load(run_dir)


def _train_series(prep: Prepared) -> list[np.ndarray]:
    """The observed-or-not training target of each series (for the MASE scale)."""
    b = prep.bounds
    return [prep.y_raw[b[k]:b[k + 1]][prep.part[b[k]:b[k + 1]] == TRAIN]
            for k in range(len(b) - 1)]


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
