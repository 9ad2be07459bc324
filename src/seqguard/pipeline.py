"""The preprocessing pipeline: split, features, scaling, missing data, windows.

:class:`Pipeline` chains the steps of the flow in DESIGN.md in their one correct
order and fits every statistic on the training part only:

1. **split** by time within each series (:class:`~seqguard.splits.TimeSplit`), or by
   whole series for ``classify`` (:class:`~seqguard.splits.SeriesSplit`);
2. **features** (lags, rolling statistics, indicators, calendar, categoricals),
   computed over whole series but past-only by construction;
3. **scaling** of every numeric input (not the one-hot or calendar columns) with
   NaN-aware statistics of the training rows;
4. **missing data**: the strategy (default ``auto`` = past-only fill plus
   observed-mask and time-since-observed channels) makes every input finite;
5. the **target** is scaled apart with an exact inverse, and is never imputed:
   a missing target stays NaN and is masked out of the loss and the scores;
6. **lazy windows** over the flat arrays (:mod:`seqguard.windows`).

The fitted pipeline serialises to JSON (``to_dict``) and back exactly.
:func:`prepare` does it all from any input :func:`seqguard.read` accepts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, _fit_context

from ._pipeline_parts import _CalendarChoice, _ResidualBaseline
from ._serialize import JsonMixin, register
from .changed_data import check_changed_data, fitted_categories
from .errors import InputError, did_you_mean
from .features import FeatureBuilder, calendar_enabled
from .missing import MissingStrategy, parse_missing
from .params import (
    PIPELINE_ONLY,
    PIPELINE_PARAMS,
    TASKS,
    check_exclusive,
    check_params,
    constraints,
    init_from,
)
from .scaling import Scaler, TargetScaler
from .splits import TEST, TRAIN, VAL, SeriesSplit, TimeSplit
from .static import StaticCovariates, parse_static, resolve_static
from .table import Table
from .windows import ClassifyWindows, ForecastWindows, TagWindows, last_observed

__all__ = ["TASKS", "Pipeline", "Prepared", "prepare"]

_PARTS = {"train": TRAIN, "val": VAL, "test": TEST}


@dataclass
class Prepared:
    """Model-ready arrays of one table and the lazy window datasets over them.

    Attributes
    ----------
    X : float32 (n_rows, n_features), finite on usable rows.
    y : float32 (n_rows,) scaled target, NaN where missing.
    y_raw : float64 (n_rows,) target in original units, NaN where missing.
    bounds : int64 series offsets.
    part : int8 per row (0 train, 1 val, 2 test, -1 gap).
    usable : bool per row (False: may not appear in an input window).
    feature_names : names of the columns of ``X``.
    table : the ingested table.
    pipeline : the fitted :class:`Pipeline`.
    datasets : ``{"train", "val", "test"}`` window datasets (built by the pipeline).
    summary : windows per part and what was lost (``drop``), for reports.
    """

    X: np.ndarray
    y: np.ndarray
    y_raw: np.ndarray
    bounds: np.ndarray
    part: np.ndarray
    usable: np.ndarray
    feature_names: list[str]
    table: Table
    pipeline: Any = None
    datasets: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def train(self) -> Any:
        return self.datasets["train"]

    @property
    def val(self) -> Any:
        return self.datasets["val"]

    @property
    def test(self) -> Any:
        return self.datasets["test"]


@register
class Pipeline(_CalendarChoice, _ResidualBaseline, JsonMixin, BaseEstimator):
    """Fit-on-train preprocessing from a :class:`~seqguard.table.Table` to windows.

    Parameters
    ----------
    target : str
        The column to predict (for ``classify``: one label per series).
    task : {"forecast", "tag", "classify"}
    input_len, horizon : int
        Window lengths (``horizon`` is for ``forecast`` only).
    missing : str
        ``--missing`` spec (see :func:`seqguard.missing.parse_missing`); ``auto``
        adds observed-mask and time-since-observed channels.
    scaler : {"standard", "minmax", "robust", "none"}
        Scaler for the numeric inputs (and the target unless ``target_scaler``).
    target_scaler : str or None
        Scaler for the target; ``None`` = the same as ``scaler``.
    scale_per : {"global", "series"}
    lags, rolling, indicators, calendar : str or None
        Feature specs (see :mod:`seqguard.features`).
    categorical_encoding : {"onehot", "codes"}
    val_start, test_start, val_frac, test_frac, gap
        The time split (see :class:`~seqguard.splits.TimeSplit`); for ``classify``
        the fractions split whole series.
    pad, max_len
        Padding and truncation of variable-length ``classify`` sequences.
    seed : int
        Seed of the ``classify`` series split.
    static : str, list of str or None
        Static covariates (``"detect"``, ``"none"`` or column names, see
        :mod:`seqguard.static`), given as one vector per series (``batch["static"]``)
        besides the step inputs. ``None``: none.

    Attributes
    ----------
    split_, features_, scaler_, missing_, target_scaler_
        The fitted steps.
    input_columns_ : columns of the table used as inputs (numeric and categorical).
        For ``tag`` and ``classify`` the target is never one of them: its value at a
        step (or the series' label) is the answer, so reading it would leak.
    scaled_columns_ : feature columns that are scaled.
    feature_names_ : the model's input channels, in order.
    n_classes_ : classes (``classify``).
    static_ : the fitted :class:`~seqguard.static.StaticCovariates` (with static
        columns; absent otherwise).
    """

    __init__ = init_from((PIPELINE_ONLY[0], *PIPELINE_PARAMS, PIPELINE_ONLY[1]))
    _declared = (PIPELINE_ONLY[0], *PIPELINE_PARAMS, PIPELINE_ONLY[1])

    # ---------------------------------------------------------------- checks
    @property
    def _parameter_constraints(self) -> dict[str, list[Any]]:
        """scikit-learn's constraints, from the declarations of :mod:`seqguard.params`."""
        return constraints(self._declared)

    def _validate_params(self) -> None:
        """Check the declared parameters (called once, at the top of :meth:`fit`)."""
        check_params(self, self._declared, task=self.task)
        check_exclusive(self)

    def validate(self, columns: list[str] | None = None) -> None:
        """Check every option before any work (so a bad one writes nothing)."""
        self._validate_params()
        self._check_specs(columns)

    def _check_specs(self, columns: list[str] | None = None) -> None:
        """The grammar of the spec strings (``missing``, ``lags``, ...), against the
        columns when given."""
        parse_missing(self.missing)
        specs = FeatureBuilder.from_specs(lags=self.lags, rolling=self.rolling,
                                          indicators=self.indicators, calendar=self.calendar,
                                          target=self.target, columns=columns)
        if self.task != "forecast":  # the target is no input of tag / classify
            for flag, step, attr in (("--lags", specs.lags, "lags"),
                                     ("--rolling", specs.rolling, "windows"),
                                     ("--indicators", specs.indicators, "indicators")):
                if step is not None and self.target in getattr(step, attr):
                    raise InputError(
                        f"{flag} uses the target {self.target!r}, but with --task "
                        f"{self.task} the target is the answer, never an input. Name input "
                        f"columns instead (e.g. {flag} COLUMN:...).")

    # -------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, table: Table) -> Pipeline:
        """Fit every step on the training part of ``table``.

        A failed fit leaves the pipeline unfitted (``transform`` then raises
        :class:`~seqguard.errors.NotFittedError`), also when it was fitted before.
        """
        self._fit(table)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, table: Table) -> Prepared:
        """``fit``, then ``transform`` of the same table, computing its features and
        scaling once (``fit`` computed them already)."""
        return self._prepare(table, *self._fit(table), split=True, require_target=True)

    def _fit(self, table: Table) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
        """Fit every step; the scaled inputs of the whole table, its series codes, bounds
        and parts (what ``transform`` of this table would compute again)."""
        try:
            return self._fit_steps(table)
        except BaseException:
            for name in self.fitted_attributes():
                delattr(self, name)
            raise

    def _fit_steps(self, table: Table) -> tuple[pd.DataFrame, np.ndarray, np.ndarray,
                                                np.ndarray]:
        self._check_specs(list(table.frame.columns))
        if self.target not in table.numeric:
            cols = table.numeric
            raise InputError(f"{table.source}: the target {self.target!r} is not a numeric "
                             f"column.{did_you_mean(self.target, cols)}")
        self.series_names_ = table.series_names()
        groups = table.series_codes()
        bounds = table.series_bounds()
        part = self._split(table, groups, bounds, fit=True)
        train = part == TRAIN
        self.input_columns_ = [c for c in table.value_columns
                               if self.task == "forecast" or c != self.target]
        self._fit_static(table, bounds, part)
        if not self.input_columns_ and (not calendar_enabled(self.calendar)
                                        or str(self.calendar).strip() in ("", "auto")):
            # the calendar of the "auto" default is no reason to train without inputs
            raise InputError(f"{table.source}: no input column besides the target "
                             f"{self.target!r}. With --task {self.task} the target is the "
                             "answer, never an input: add the columns to learn it from.")
        self.calendar_ = self.calendar  # resolved below; the time column is read first
        frame = self._inputs(table)
        self.calendar_, self.calendar_check_ = self._resolve_calendar(table, frame, part)
        if not calendar_enabled(self.calendar_):
            frame = frame.drop(columns=[table.time_col], errors="ignore")
        cats = [c for c in self.input_columns_ if c in table.categorical]
        self.features_ = FeatureBuilder.from_specs(
            lags=self.lags, rolling=self.rolling, indicators=self.indicators,
            calendar=self.calendar_, categorical=cats or None,
            categorical_encoding=self.categorical_encoding, target=self.target,
            columns=list(frame.columns), time_col=table.time_col,
        )
        self.features_.fit(frame[train], groups=groups[train])
        if not self.input_columns_ and not self.features_.new_features_:
            raise InputError(f"{table.source}: no input column besides the target "
                             f"{self.target!r}, and no calendar features (the time is not "
                             f"datetime). With --task {self.task} the target is the answer, "
                             "never an input: add the columns to learn it from.")
        feats = self._features(frame, groups, cats, table)
        self.scaled_columns_ = self._scalable(feats, table)
        self.scaler_ = Scaler(self.scaler, per=self.scale_per)
        self.scaler_.fit(feats.loc[train, self.scaled_columns_], groups=groups[train])
        scaled = self._scale(feats, groups)
        self.missing_ = MissingStrategy(self.missing)
        self.missing_.fit(scaled[train], groups=groups[train])
        self.feature_names_ = [str(c) for c in self.missing_.get_feature_names_out()]
        y_raw = self._target(table)
        self.target_scaler_ = TargetScaler(self.target_scaler or self.scaler,
                                           per=self.scale_per)
        self.target_scaler_.fit(y_raw[train], groups=groups[train])
        if self.task == "classify":
            self.n_classes_ = int(self._labels(table, bounds).max()) + 1
        return scaled, groups, bounds, part

    # -------------------------------------------------------------- transform
    def transform(self, table: Table, *, split: bool = True,
                  require_target: bool = True, windows: bool = True) -> Prepared:
        """Model-ready arrays and window datasets for ``table``.

        With ``split`` (the table the pipeline was fitted on, or one with the same
        series lengths) the datasets are ``train``/``val``/``test``; otherwise every
        window of the table is in ``"all"`` (for predicting on new data). For
        forecasting, ``require_target=False`` keeps the windows whose targets are
        all missing (a prediction is still wanted there; there is nothing to score).
        ``windows=False`` gives the arrays only (no datasets: a shard of a larger
        table, whose windows are drawn elsewhere).
        """
        self.check_fitted()
        check_changed_data(table, self.input_columns_,
                           fitted_categories(getattr(self.features_, "steps_", [])))
        groups = self.series_groups(table)
        bounds = table.series_bounds()
        frame = self._inputs(table)
        cats = [c for c in self.input_columns_ if c in table.categorical]
        feats = self._features(frame, groups, cats, table)
        scaled = self._scale(feats, groups)
        part = self._split(table, groups, bounds, fit=False) if split else \
            np.full(len(scaled), TRAIN, dtype=np.int8)
        return self._prepare(table, scaled, groups, bounds, part, split=split,
                             require_target=require_target, windows=windows)

    def _prepare(self, table: Table, scaled: pd.DataFrame, groups: np.ndarray,
                 bounds: np.ndarray, part: np.ndarray, *, split: bool,
                 require_target: bool, windows: bool = True) -> Prepared:
        """One pass of the missing-data strategy, the target, the windows (scaled inputs)."""
        filled, usable = self.missing_.transform_usable(scaled, groups=groups)
        y_raw = self._target(table)
        y = self.target_scaler_.transform(y_raw, groups=groups).astype(np.float32)
        X = np.ascontiguousarray(filled.to_numpy(dtype=np.float32))  # shared by the windows
        prep = Prepared(X=X, y=y, y_raw=y_raw, bounds=bounds, part=part, usable=usable,
                        feature_names=list(self.feature_names_), table=table, pipeline=self)
        if windows:
            self._windows(prep, split=split, require_target=require_target)
        return prep

    # ---------------------------------------------------------------- static
    def _fit_static(self, table: Table, bounds: np.ndarray, part: np.ndarray) -> None:
        """Resolve and fit the static covariates on the training series. They stay step
        inputs too: taking them out cost 0.04 ROC-AUC on PhysioNet (docs/classification.md)."""
        if parse_static(self.static) == "none":
            return
        train = part == TRAIN
        # the training rows of each series (classify: whole series; forecast, tag: the
        # first part of each), as series blocks of their own
        counts = np.diff(np.r_[0, np.cumsum(train)][bounds])
        sub_bounds = np.concatenate([[0], np.cumsum(counts[counts > 0])]).astype(np.int64)
        frame = table.frame.loc[train].reset_index(drop=True)
        cols = resolve_static(self.static, frame, table.numeric, self.input_columns_,
                              sub_bounds, table.source)
        if not cols:
            return
        self.static_ = StaticCovariates(cols).fit(frame, sub_bounds)

    def static_matrix(self, table: Table) -> np.ndarray | None:
        """The static covariates of every series of ``table`` (``None``: none fitted)."""
        static = getattr(self, "static_", None)
        if static is None:
            return None
        missing = [c for c in static.columns if c not in table.frame.columns]
        if missing:
            raise InputError(f"{table.source} lacks the static column {missing[0]!r} the "
                             "pipeline was fitted with. Pass data with the training columns.")
        return static.transform(table.frame, table.series_bounds())

    # ---------------------------------------------------------------- helpers
    def series_groups(self, table: Table) -> np.ndarray:
        """Series code per row, numbered as in the training data (by series name).

        A series not seen in training gets a new code of its own, so per-series
        statistics fall back to the global ones for it.
        """
        known = {name: k for k, name in enumerate(self.series_names_)}
        names = table.series_names()
        codes = np.empty(len(names), dtype=np.int64)
        extra = len(known)
        for k, name in enumerate(names):
            if name in known:
                codes[k] = known[name]
            else:
                codes[k] = extra
                extra += 1
        return np.repeat(codes, np.diff(table.series_bounds()))

    def _inputs(self, table: Table) -> pd.DataFrame:
        frame = table.frame[self.input_columns_ + [table.time_col]].copy()
        num = [c for c in self.input_columns_ if c in table.numeric]
        values = frame[num].to_numpy(np.float64)
        if (inf := np.isinf(values)).any():  # ±inf are missing from here on
            frame[num] = np.where(inf, np.nan, values)
        # calendar_: the parts "auto" resolved to at fit (absent in runs of earlier versions)
        spec = getattr(self, "calendar_", self.calendar)
        return frame if calendar_enabled(spec) else frame.drop(columns=[table.time_col])

    def _features(self, frame: pd.DataFrame, groups: np.ndarray, cats: list[str],
                  table: Table) -> pd.DataFrame:
        """The feature frame: the categorical columns (encoded) and the time column (the
        calendar step read it; a numeric one is never an input) left out."""
        drop = cats + ([table.time_col] if table.time_col in frame.columns else [])
        return self.features_.transform(frame, groups=groups).drop(columns=drop)

    def _scalable(self, feats: pd.DataFrame, table: Table) -> list[str]:
        skip: set[str] = {table.time_col}
        for step in self.features_.steps_:
            if type(step).__name__ in ("Categoricals", "Calendar"):
                skip.update(str(c) for c in step.feature_names_out_)
        return [str(c) for c in feats.columns if str(c) not in skip]

    def _scale(self, feats: pd.DataFrame, groups: np.ndarray) -> pd.DataFrame:
        out = feats.drop(columns=[c for c in feats.columns
                                  if not pd.api.types.is_numeric_dtype(feats[c])])
        out = out.astype(np.float64)
        out[self.scaled_columns_] = self.scaler_.transform(feats[self.scaled_columns_],
                                                           groups=groups)
        return out

    def _target(self, table: Table) -> np.ndarray:
        y = table.frame[self.target].to_numpy(np.float64).copy()
        y[~np.isfinite(y)] = np.nan
        return y

    def _split(self, table: Table, groups: np.ndarray, bounds: np.ndarray,
               fit: bool) -> np.ndarray:
        if self.task == "classify":
            labels = self._labels(table, bounds)
            if fit:
                self.split_ = SeriesSplit(val_frac=self.val_frac, test_frac=self.test_frac,
                                          seed=self.seed).fit(labels)
            per_series = self.split_.transform(bounds=bounds)
            return np.asarray(per_series, dtype=np.int8)
        if fit:
            self.split_ = TimeSplit(val_start=self.val_start, test_start=self.test_start,
                                    val_frac=self.val_frac, test_frac=self.test_frac,
                                    gap=self.gap).fit(table)
        return self.split_.transform(table)

    def _labels(self, table: Table, bounds: np.ndarray) -> np.ndarray:
        y = self._target(table)
        labels = np.full(len(bounds) - 1, np.nan)
        for k in range(len(bounds) - 1):
            seg = y[bounds[k]:bounds[k + 1]]
            seg = seg[~np.isnan(seg)]
            if len(seg):
                labels[k] = seg[-1]
        if np.isnan(labels).any():
            k = int(np.flatnonzero(np.isnan(labels))[0])
            raise InputError(f"{table.source}: series {table.series_names()[k]!r} has no "
                             f"label in {self.target!r}. Every sequence needs one label.")
        return labels.astype(np.int64)

    def _windows(self, prep: Prepared, split: bool, require_target: bool = True) -> None:
        parts = _PARTS if split else {"all": TRAIN}
        summary: dict[str, Any] = {"n_windows": {}, "lost": {}}
        ds: Any
        first = next(iter(parts))  # the parts share X: the first checks it is finite
        static = self.static_matrix(prep.table)
        if self.task == "forecast":
            last = last_observed(prep.y, prep.bounds)
            for name, code in parts.items():
                ds = ForecastWindows(prep.X, prep.y, prep.bounds, self.input_len,
                                     self.horizon, part=prep.part, which=code,
                                     usable=prep.usable, last_obs=last,
                                     allow_empty=(name != "train"),
                                     check_finite=name == first,
                                     require_target=require_target)
                ds.static = static
                prep.datasets[name] = ds
                summary["n_windows"][name] = len(ds)
                summary["lost"][name] = dict(ds.n_dropped)
            self.attach_baseline(prep)
        elif self.task == "tag":
            for name, code in parts.items():
                ds = TagWindows(prep.X, prep.y, prep.bounds, self.input_len, stride=1,
                                part=prep.part, which=code, usable=prep.usable,
                                allow_empty=(name != "train"), check_finite=name == first)
                ds.static = static
                prep.datasets[name] = ds
                summary["n_windows"][name] = len(ds)
                summary["lost"][name] = dict(ds.n_dropped)
        else:
            labels = self._labels(prep.table, prep.bounds)
            # learned at fit; new data with a further class gets room for it here only
            n_classes = max(int(self.n_classes_), int(labels.max()) + 1)
            for name, code in parts.items():
                series = (np.arange(len(labels)) if not split
                          else self.split_.series(code))
                ds = ClassifyWindows(prep.X, prep.bounds, labels, max_len=self.max_len,
                                     pad=self.pad, series=series, n_classes=n_classes,
                                     allow_empty=(name != "train"), static=static,
                                     check_finite=name == first)
                prep.datasets[name] = ds
                summary["n_windows"][name] = len(ds)
        lost = sum(d.get("lost_unusable", 0) for d in summary["lost"].values())
        total = sum(summary["n_windows"].values()) + lost
        summary["lost_unusable"] = int(lost)
        summary["lost_share"] = float(lost / total) if total else 0.0
        prep.summary = summary


def prepare(data: Any, *, target: str, read_options: dict[str, Any] | None = None,
            **options: Any) -> Prepared:
    """Read ``data``, fit a :class:`Pipeline` on its training part, return the windows.

    Parameters
    ----------
    data : anything :func:`seqguard.read` accepts, or a Table
    target : str
    read_options : dict, optional
        Passed to :func:`seqguard.read` (time_col, series_col, na_values, ...).
    **options
        :class:`Pipeline` parameters.

    Returns
    -------
    Prepared
        With ``.train``, ``.val`` and ``.test`` window datasets and ``.pipeline``.

    Examples
    --------
    >>> import numpy as np, pandas as pd, seqguard
    >>> df = pd.DataFrame({"y": np.sin(np.arange(300) / 5)})
    >>> prep = seqguard.prepare(df, target="y", input_len=24, horizon=6)
    >>> prep.train.gather(np.array([0]))["x"].shape
    torch.Size([1, 24, 1])
    """
    from .io import read

    pipe = Pipeline(target, **options)
    pipe.validate()
    table = data if isinstance(data, Table) else read(data, target=target,
                                                       **(read_options or {}))
    return pipe.fit_transform(table)
