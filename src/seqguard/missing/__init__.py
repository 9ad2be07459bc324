"""Missing-data strategies: drop, impute, mask and indicators (the default).

Where this step sits
--------------------
After the time split and feature building, and **after scaling**: the input is a
DataFrame of numeric columns already standardised on the training part, where NaN
means missing (``+inf`` / ``-inf`` are treated as missing too). ``groups`` gives the
series code of each row; each series is one contiguous block of rows in time order
(see :mod:`seqguard._base`). ``fit`` sees only the training rows; ``transform`` gets
whole series (train, then validation, then test rows), so past-only fills carry the
past across a split boundary and never look forward.

**Targets are never imputed.** The target column is kept apart by the caller and is
not passed to these strategies; a missing target is masked out of the loss and the
scores instead. Use ``columns=`` to restrict a strategy to some columns; the other
columns pass through untouched.

Strategies (the ``method`` spec, also the ``--missing`` option of the CLI)
-------------------------------------------------------------------------
``auto``
    Resolved in ``fit`` to ``indicators`` (the resolved spec of each column is in
    ``methods_``; the argument itself is never changed).
``indicators`` (default)
    Past-only fill (forward fill within the series; a leading gap gets the training
    mean) plus, for each column that had missing values in the training part, an
    observed-mask channel ``<col>__observed`` and a time-since-observation channel
    ``<col>__since``. Every output is a finite float, so plain fused LSTM/GRU
    kernels can run on it. These are the GRU-D inputs (see *Channels* below).
``mask``
    Keras' "skip this timestep" idea done per feature and from an explicit mask,
    never from a sentinel value: the value is filled with the training mean (0 after
    standard scaling) and ``<col>__observed`` says whether it was observed. A real
    value equal to -1, 0 or any other number is never masked. :func:`timestep_mask`
    gives the per-timestep mask (True where at least one feature is observed) for
    models that skip fully missing timesteps.
``drop``
    Values are left as they are (``±inf`` becomes NaN); :meth:`MissingStrategy.usable_rows`
    is False on every row with a missing value, and the window builder drops every
    window containing such a row. :meth:`MissingStrategy.report` counts them.
``impute:<method>[:key=value[:key=value ...]]``
    (options may also be separated by commas)

    ========  ===========================================================  ===========
    method    fill                                                          options
    ========  ===========================================================  ===========
    mean      training mean of the column                                   --
    median    training median of the column                                 --
    ffill     last observed value of the series (past only)                 lead
    bfill     next observed value (**look-ahead**, LeakageWarning)          trail
    linear    linear interpolation inside a gap (**look-ahead**)            lead, trail
    time      like linear, weighted by time (**look-ahead**)                lead, trail
    knn       scikit-learn ``KNNImputer`` fitted on the training part      k (5)
    seasonal  value ``season`` steps earlier; else ffill, else mean         season, lead
    ========  ===========================================================  ===========

    ``lead`` (a gap at the start of a series, before any observation):
    ``mean`` (default: the training mean, never an invented 0), ``zero``,
    ``bfill`` (the first observation after the gap: look-ahead within the leading
    gap only, LeakageWarning) or ``drop`` (filled with the training mean *and*
    marked unusable by ``usable_rows``). ``trail`` (a gap at the end of a series,
    after the last observation, for the look-ahead fills): ``ffill`` (default),
    ``mean``, ``zero`` or ``drop``. A series with no observation at all gets the
    training mean (or the ``lead`` policy). ``season`` is required for ``seasonal``
    (e.g. ``impute:seasonal:season=24`` for hourly data with a daily cycle).
    Examples: ``impute:ffill:lead=zero``, ``impute:knn:k=5``,
    ``impute:linear:lead=drop:trail=mean``.

    ``time`` uses the DataFrame index as time when it is a ``DatetimeIndex`` and
    row positions otherwise; on seqguard's regular grid both give the same result
    as ``linear``.

    ``knn`` imputes all ``knn`` columns with one ``KNNImputer`` per ``k``, using
    every column the strategy works on for the neighbour search. To keep
    ``pipeline.json`` small and ``transform`` fast, the imputer is fitted on a
    seeded sample of at most ``knn_max_rows`` (5,000) training rows, kept in
    ``knn_fit_X_`` so that the imputer is rebuilt exactly from JSON. Only rows with
    a missing ``knn`` column are sent through it.

A fill that looks ahead (``bfill``, ``linear``, ``time``, ``lead=bfill``) uses
values that are not known at prediction time; ``fit`` warns with
:class:`~seqguard.errors.LeakageWarning`.

Different columns may use different strategies:
``MissingStrategy("auto", per_column={"TEMP": "impute:median"})``.

Output columns
--------------
``transform`` returns a new DataFrame with the same index: first every input
column in its input order (the columns the strategy works on replaced by float64
filled values, the others unchanged), then the added channels: for each column that
has channels, in input order, ``<col>__observed`` and then (``indicators`` only)
``<col>__since``. ``get_feature_names_out()`` lists them. Channels are decided in
``fit``, from the training part: a column gets them when it had a missing value in
the training rows. A column with no missing training value that has missing values
later is still filled (never NaN) but has no channel; ``transform`` warns with a
:class:`~seqguard.errors.DataWarning`. No output is NaN or infinite, except the
values of ``drop`` columns on rows that ``usable_rows`` marks False.

Channels
--------
``<col>__observed``
    1.0 where the input value was observed (finite), 0.0 where it was missing.
``<col>__since``
    ``log1p(steps)`` where ``steps`` is the number of rows since the last
    observation of the column in the same series: 0 where observed, 1 on the row
    after an observation, and so on. In a leading gap the count runs from the
    series start as if the series had been observed the step before it starts
    (the first row, if missing, gets 1). The scaling is recorded in
    ``since_transform_`` (``"log1p"``); :func:`since_to_steps` undoes it exactly.
    GRU-D's ``δ_t`` (time since the previous observation, counted at ``t``) is
    ``steps_{t-1} + 1`` for rows after the series start and 0 at the start; the
    filled value of an ``indicators`` column is GRU-D's last observation ``x_{t'}``
    and ``mean_`` its empirical mean.

``usable_rows`` contract
------------------------
``usable_rows(X, groups=...)`` returns one bool per row of ``X``: True where the row
may appear in a model input window. It is False on rows where a ``drop`` column is
missing and on rows a ``lead=drop`` / ``trail=drop`` policy marks; True everywhere
else. The window builder keeps only windows whose input rows are all usable.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.impute import KNNImputer

from .._base import SeriesTransform, as_groups, group_starts
from .._serialize import register
from ..errors import DataWarning, InputError, LeakageWarning, did_you_mean, format_list

__all__ = [
    "OBSERVED_SUFFIX",
    "SINCE_SUFFIX",
    "MissingReport",
    "MissingSpec",
    "MissingStrategy",
    "parse_missing",
    "since_to_steps",
    "timestep_mask",
]

OBSERVED_SUFFIX = "__observed"
SINCE_SUFFIX = "__since"

KINDS = ("auto", "drop", "mask", "indicators")
IMPUTE_METHODS = ("mean", "median", "ffill", "bfill", "linear", "time", "knn", "seasonal")
LEAD_POLICIES = ("mean", "zero", "bfill", "drop")
TRAIL_POLICIES = ("ffill", "mean", "zero", "drop")

# Options each impute method accepts, with their defaults (None: required).
_OPTIONS: dict[str, dict[str, Any]] = {
    "mean": {},
    "median": {},
    "ffill": {"lead": "mean"},
    "bfill": {"trail": "ffill"},
    "linear": {"lead": "mean", "trail": "ffill"},
    "time": {"lead": "mean", "trail": "ffill"},
    "knn": {"k": 5},
    "seasonal": {"season": None, "lead": "mean"},
}
_ALL_SPECS = [*KINDS, *(f"impute:{m}" for m in IMPUTE_METHODS)]
_SPEC_HELP = ("auto, drop, mask, indicators, "
              f"impute:<{'|'.join(IMPUTE_METHODS)}>")


# --------------------------------------------------------------------------- spec
@dataclass(frozen=True)
class MissingSpec:
    """A parsed missing-data spec (see :func:`parse_missing`).

    Attributes
    ----------
    kind : ``"auto"``, ``"drop"``, ``"mask"``, ``"indicators"`` or ``"impute"``.
    method : the impute method (``"ffill"``, ...), or ``None`` for other kinds.
    options : every option of the method, defaults filled in.
    """

    kind: str
    method: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        """Canonical spec string, e.g. ``impute:ffill:lead=mean``."""
        if self.kind != "impute":
            return self.kind
        opts = "".join(f":{k}={v}" for k, v in sorted(self.options.items()))
        return f"impute:{self.method}{opts}"

    @property
    def lookahead(self) -> str | None:
        """Why this fill looks into the future, or ``None`` when it is past-only."""
        if self.method == "bfill":
            return "a gap is filled with the next observed value"
        if self.method in ("linear", "time"):
            return "a gap is filled by interpolating towards the next observed value"
        if self.options.get("lead") == "bfill":
            return "a leading gap is filled with the first observed value after it"
        return None


def parse_missing(spec: str, *, option: str = "--missing") -> MissingSpec:
    """Parse a missing-data spec such as ``"impute:ffill:lead=zero"``.

    Parameters
    ----------
    spec : str
        ``auto``, ``drop``, ``mask``, ``indicators`` or
        ``impute:<method>[:key=value[:key=value ...]]`` (options may also be
        separated by commas); see the module docstring for methods and options.
        Case and surrounding spaces are ignored.
    option : str
        How to name the place in error messages (the CLI option by default).

    Returns
    -------
    MissingSpec
        With every option of the method, defaults filled in. ``auto`` is returned
        as is; :class:`MissingStrategy` resolves it in ``fit``.

    Raises
    ------
    InputError
        For an unknown kind, method or option, or a bad option value.

    Examples
    --------
    >>> str(parse_missing("impute:ffill"))
    'impute:ffill:lead=mean'
    >>> parse_missing("impute:knn:k=3").options
    {'k': 3}
    """
    if not isinstance(spec, str):
        raise InputError(
            f"The {option} option must be a string such as 'auto' or 'impute:median'. "
            f"Got {spec!r} ({type(spec).__name__}) instead."
        )
    text = spec.strip().lower()
    parts = [p.strip() for p in text.split(":")]
    head = parts[0]
    if head in KINDS:
        if len(parts) > 1:
            raise InputError(
                f"The {option} option {head!r} takes no options. Got {spec!r} instead; "
                f"use {head!r}."
            )
        return MissingSpec(head)
    if head != "impute":
        raise InputError(
            f"The {option} option must be one of {_SPEC_HELP}. Got {spec!r} instead."
            + did_you_mean(text, _ALL_SPECS if ":" in text else [*KINDS, "impute"])
        )
    if len(parts) < 2 or not parts[1]:
        raise InputError(
            f"The {option} option 'impute' needs a method: "
            f"impute:<{'|'.join(IMPUTE_METHODS)}>. Got {spec!r} instead."
        )
    method = parts[1]
    if method not in IMPUTE_METHODS:
        raise InputError(
            f"The impute method in the {option} option must be one of "
            f"{', '.join(IMPUTE_METHODS)}. Got {method!r} (in {spec!r}) instead."
            + did_you_mean(method, IMPUTE_METHODS)
        )
    accepted = _OPTIONS[method]
    given: dict[str, str] = {}
    for item in (p.strip() for chunk in parts[2:] for p in chunk.split(",")):
        if not item:
            continue
        key, eq, value = (s.strip() for s in item.partition("="))
        if not eq or not key or not value:
            raise InputError(
                f"The {option} option {spec!r} has {item!r} where key=value is expected, "
                f"e.g. 'impute:ffill:lead=zero'."
            )
        if key not in accepted:
            takes = (f"it accepts {', '.join(accepted)}" if accepted
                     else "it takes no options")
            raise InputError(
                f"The option {key!r} is not accepted by impute:{method}; {takes}. "
                f"Got {spec!r} instead." + did_you_mean(key, accepted)
            )
        if key in given:
            raise InputError(
                f"The {option} option {spec!r} gives {key!r} twice. Give it once."
            )
        given[key] = value
    options: dict[str, Any] = {}
    for key, default in accepted.items():
        if key not in given:
            if default is None:
                raise InputError(
                    f"impute:{method} needs the {key!r} option: the season length in "
                    f"steps, e.g. 'impute:{method}:{key}=24' for hourly data with a daily "
                    f"cycle. Got {spec!r} instead."
                )
            options[key] = default
            continue
        value = given[key]
        if key in ("lead", "trail"):
            choices = LEAD_POLICIES if key == "lead" else TRAIL_POLICIES
            if value not in choices:
                raise InputError(
                    f"The {key} option of impute:{method} must be one of "
                    f"{', '.join(choices)}. Got {value!r} (in {spec!r}) instead."
                    + did_you_mean(value, choices)
                )
            options[key] = value
        else:  # k, season: positive integers
            try:
                number = int(value)
            except ValueError:
                number = 0
            if number < 1 or str(number) != value.lstrip("+"):
                raise InputError(
                    f"The {key} option of impute:{method} must be a whole number of at "
                    f"least 1. Got {value!r} (in {spec!r}) instead."
                )
            options[key] = number
    return MissingSpec("impute", method, options)


# --------------------------------------------------------------------------- helpers
def timestep_mask(X: pd.DataFrame | np.ndarray, columns: list[str] | None = None) -> np.ndarray:
    """True on rows where at least one feature is observed (finite).

    Call it on the values *before* a strategy fills them. Models that skip fully
    missing timesteps (Keras-style masking) use it; unlike ``Masking(mask_value=...)``
    it never mistakes a real value for a missing one.

    Parameters
    ----------
    X : DataFrame or 2-D array
        The raw (scaled, not yet filled) inputs.
    columns : list of str, optional
        The columns to look at (DataFrame only); all columns by default.

    Returns
    -------
    numpy.ndarray of bool, one per row.

    Examples
    --------
    >>> timestep_mask(np.array([[np.nan, -1.0], [np.nan, np.nan]]))
    array([ True, False])
    """
    if isinstance(X, pd.DataFrame):
        frame = X if columns is None else X[list(columns)]
        values = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        values = np.asarray(X, dtype=np.float64)
        if values.ndim == 1:
            values = values[:, None]
    if values.shape[1] == 0:
        return np.zeros(values.shape[0], dtype=bool)
    return np.isfinite(values).any(axis=1)


def since_to_steps(values: np.ndarray) -> np.ndarray:
    """Undo the ``log1p`` scaling of a ``<col>__since`` channel: whole steps (float64).

    Examples
    --------
    >>> since_to_steps(np.log1p(np.array([0.0, 1.0, 30.0])))
    array([ 0.,  1., 30.])
    """
    return np.rint(np.expm1(np.asarray(values, dtype=np.float64)))


@dataclass
class MissingReport:
    """How many rows a strategy makes unusable, and how much is missing.

    Attributes
    ----------
    n_rows : rows looked at.
    n_series : series (contiguous group blocks) among them.
    n_incomplete_rows : rows with at least one missing value in the strategy's columns.
    n_unusable_rows : rows ``usable_rows`` marks False (``drop`` columns, ``lead=drop``).
    missing_per_column : missing values per column the strategy works on.
    unusable_per_series : unusable rows in each series block, in order.
    """

    n_rows: int
    n_series: int
    n_incomplete_rows: int
    n_unusable_rows: int
    missing_per_column: dict[str, int]
    unusable_per_series: list[int]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __str__(self) -> str:
        return (f"{self.n_unusable_rows} of {self.n_rows} rows unusable; "
                f"{self.n_incomplete_rows} rows have a missing value")


class _Rows:
    """Row positions and series bounds shared by every column of one call."""

    def __init__(self, groups: np.ndarray) -> None:
        starts = group_starts(groups)
        lengths = np.diff(starts)
        self.n = len(groups)
        self.starts = starts
        self.idx = np.arange(self.n, dtype=np.int64)
        self.start = np.repeat(starts[:-1], lengths)
        self.end = np.repeat(starts[1:], lengths)

    def last_observed(self, o: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of the last observed row at or before each row, and whether it exists."""
        last = np.maximum.accumulate(np.where(o, self.idx, -1)) if self.n else self.idx
        return last, last >= self.start

    def next_observed(self, o: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of the next observed row at or after each row, and whether it exists."""
        if not self.n:
            return self.idx, np.zeros(0, dtype=bool)
        nxt = np.minimum.accumulate(np.where(o, self.idx, self.n)[::-1])[::-1]
        return nxt, nxt < self.end


# --------------------------------------------------------------------------- strategy
@register
class MissingStrategy(SeriesTransform):
    """Handle missing values: drop, impute, mask or indicators (see module docstring).

    Parameters
    ----------
    method : str, default "auto"
        Spec for every column (``auto`` resolves to ``indicators`` in ``fit``);
        see :func:`parse_missing`.
    per_column : dict of str to str, optional
        Spec per column, overriding ``method`` for the columns it names.
    columns : list of str, optional
        The columns to work on; ``None`` means every column. Others pass through
        unchanged (NaN included). Do not pass the target column.
    knn_max_rows : int, default 5000
        At most this many training rows (a seeded sample) are kept for ``knn``.
    random_state : int, default 0
        Seed of that sample.

    Attributes
    ----------
    columns_ : list of str
        The columns the strategy works on, in input order.
    methods_ : dict of str to str
        Resolved canonical spec per column (``auto`` already resolved).
    mean_ : dict of str to float
        Training mean of each column over observed values (0.0 if none observed).
    fill_ : dict of str to float
        Constant used for ``mean`` / ``median`` / ``mask`` fills and for gaps with no
        usable observation: the training median for ``impute:median`` columns, the
        training mean otherwise.
    n_missing_train_ : dict of str to int
        Missing values per column in the training part.
    observed_channels_ : dict of str to str
        Column → its ``<col>__observed`` channel (``mask`` and ``indicators`` columns
        with missing training values).
    since_channels_ : dict of str to str
        Column → its ``<col>__since`` channel (``indicators`` columns with missing
        training values).
    since_transform_ : str
        Scaling of the ``__since`` channels: ``"log1p"`` of the step count.
    knn_fit_X_ : numpy.ndarray or None
        The (sampled) training matrix of the ``knn`` imputer, all ``columns_``.
    feature_names_out_ : numpy.ndarray of str
        Output columns, in order.

    Examples
    --------
    >>> X = pd.DataFrame({"a": [1.0, np.nan, 3.0, np.nan]})
    >>> s = MissingStrategy().fit(X.iloc[:3])
    >>> s.transform(X).round(3).to_dict("list")
    {'a': [1.0, 1.0, 3.0, 3.0], 'a__observed': [1.0, 0.0, 1.0, 0.0], 'a__since': [0.0, 0.693, 0.0, 0.693]}
    """

    def __init__(
        self,
        method: str = "auto",
        *,
        per_column: dict[str, str] | None = None,
        columns: list[str] | None = None,
        knn_max_rows: int = 5000,
        random_state: int = 0,
    ) -> None:
        self.method = method
        self.per_column = per_column
        self.columns = columns
        self.knn_max_rows = knn_max_rows
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def fit(self, X: pd.DataFrame, y: Any = None, *, groups: Any = None) -> MissingStrategy:
        """Learn fill values and channels from the training part.

        Parameters
        ----------
        X : DataFrame
            Training rows only (scaled inputs, NaN or ±inf for missing).
        y : ignored
        groups : array of int, optional
            Series code per row (``None``: one series).

        Returns
        -------
        self

        Raises
        ------
        InputError
            Bad spec, unknown column, non-numeric column, no rows, or a name clash
            with an added channel.
        """
        self._record_columns(X)
        as_groups(groups, len(X))
        if len(X) == 0:
            raise InputError(
                "MissingStrategy.fit got 0 training rows. Pass the training part of the "
                "data (it needs at least one row)."
            )
        names = [str(c) for c in X.columns]
        cols = self._resolve_columns(names)
        for c in cols:
            dtype = X.iloc[:, names.index(c)].dtype
            if not (pd.api.types.is_numeric_dtype(dtype)):
                raise InputError(
                    f"MissingStrategy works on numeric columns; column {c!r} has dtype "
                    f"{dtype}. Encode it first, or leave it out with columns=[...]."
                )
        default = parse_missing(self.method, option="method")
        if default.kind == "auto":
            default = MissingSpec("indicators")
        self._method = default
        specs = {c: default for c in cols}
        specs.update(self._parse_per_column(cols))

        A = self._values(X, names, cols)
        obs = np.isfinite(A)
        n_missing = (~obs).sum(axis=0)
        self.columns_ = list(cols)
        self.methods_ = {c: str(specs[c]) for c in cols}
        self.n_missing_train_ = {c: int(n_missing[j]) for j, c in enumerate(cols)}
        self.mean_, self.fill_ = {}, {}
        empty = []
        for j, c in enumerate(cols):
            seen = A[obs[:, j], j]
            if seen.size == 0:
                empty.append(c)
                self.mean_[c] = self.fill_[c] = 0.0
                continue
            self.mean_[c] = float(seen.mean())
            self.fill_[c] = float(np.median(seen)) if specs[c].method == "median" \
                else self.mean_[c]
        if empty:
            warnings.warn(
                f"MissingStrategy: column(s) {format_list(empty)} have no observed value "
                f"in the training part ({len(X)} rows); their missing values are filled "
                "with 0.0, the standardised mean. Drop them, or move the split so that "
                "training sees them.",
                DataWarning, stacklevel=2,
            )
        self.observed_channels_ = {
            c: c + OBSERVED_SUFFIX for c in cols
            if self.n_missing_train_[c] and specs[c].kind in ("mask", "indicators")
        }
        self.since_channels_ = {
            c: c + SINCE_SUFFIX for c in cols
            if self.n_missing_train_[c] and specs[c].kind == "indicators"
        }
        self.since_transform_ = "log1p"
        out = list(names)
        for c in cols:
            out += [ch[c] for ch in (self.observed_channels_, self.since_channels_) if c in ch]
        clash = sorted(set(out[len(names):]) & set(names))
        if clash:
            raise InputError(
                f"MissingStrategy would add channel(s) {format_list(clash)}, but the data "
                "already has columns of that name. Rename those columns."
            )
        self.feature_names_out_ = np.asarray(out, dtype=object)

        self._knn_cache: dict[int, KNNImputer] = {}
        self.knn_fit_X_ = None
        if any(s.method == "knn" for s in specs.values()):
            cap = self.knn_max_rows
            if isinstance(cap, bool) or not isinstance(cap, (int, np.integer)) or cap < 1:
                raise InputError(
                    f"The 'knn_max_rows' parameter of MissingStrategy must be a whole "
                    f"number of at least 1. Got {cap!r} instead."
                )
            rows = np.arange(len(A))
            if len(A) > cap:
                rng = np.random.default_rng(self.random_state)
                rows = np.sort(rng.choice(len(A), size=int(cap), replace=False))
            fit_X = A[rows].copy()
            fit_X[~np.isfinite(fit_X)] = np.nan
            self.knn_fit_X_ = fit_X

        lookahead: dict[str, list[str]] = {}
        for c in cols:
            if specs[c].lookahead:
                lookahead.setdefault(str(specs[c]), []).append(c)
        for spec_text, where in lookahead.items():
            reason = parse_missing(spec_text).lookahead
            warnings.warn(
                f"MissingStrategy: {spec_text!r} for column(s) {format_list(where)} looks "
                f"ahead in time: {reason}. Those values are not known at prediction time, "
                "so scores will look better than they are. Use 'impute:ffill' or "
                "'indicators' (past only) unless this is deliberate.",
                LeakageWarning, stacklevel=2,
            )
        return self

    def fit_transform(self, X: pd.DataFrame, y: Any = None, *,
                      groups: Any = None) -> pd.DataFrame:
        """``fit(X, groups=groups)`` then ``transform(X, groups=groups)``."""
        return self.fit(X, y, groups=groups).transform(X, groups=groups)

    # ------------------------------------------------------------------ transform
    def transform(self, X: pd.DataFrame, *, groups: Any = None) -> pd.DataFrame:
        """Fill the missing values and add the channels.

        Parameters
        ----------
        X : DataFrame
            Whole series in time order, with the columns seen in ``fit``.
        groups : array of int, optional
            Series code per row (``None``: one series).

        Returns
        -------
        DataFrame
            Same index; the columns of ``get_feature_names_out()``. Finite, except
            ``drop`` columns on rows that ``usable_rows`` marks False.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        InputError
            Other columns than in ``fit``, or ``groups`` of the wrong length.
        """
        self._check_columns(X)
        values, _, obs = self._apply(X, groups, full=True)
        names = [str(c) for c in X.columns]
        unseen = [c for j, c in enumerate(self.columns_)
                  if not obs[:, j].all() and not self.n_missing_train_[c]
                  and parse_missing(self.methods_[c]).kind in ("mask", "indicators")]
        if unseen:
            warnings.warn(
                f"MissingStrategy: column(s) {format_list(unseen)} have missing values here "
                "but none in the training part, so they have no '__observed' channel; the "
                "gaps are filled without telling the model. Refit on training data that "
                "shows such gaps if they matter.",
                DataWarning, stacklevel=2,
            )
        data: dict[str, Any] = {}
        for j, name in enumerate(names):
            data[name] = values[name] if name in values else X.iloc[:, j]
        for name in self.feature_names_out_[len(names):]:
            data[str(name)] = values[str(name)]
        return pd.DataFrame(data, index=X.index)

    def usable_rows(self, X: pd.DataFrame, *, groups: Any = None) -> np.ndarray:
        """True on rows that may appear in a model input window (see module docstring).

        False where a ``drop`` column is missing and on rows marked by a
        ``lead=drop`` / ``trail=drop`` policy; True everywhere else.

        Parameters
        ----------
        X : DataFrame
            The same rows as given to ``transform`` (raw, not yet filled).
        groups : array of int, optional

        Returns
        -------
        numpy.ndarray of bool, one per row.
        """
        self._check_columns(X)
        _, usable, _ = self._apply(X, groups, full=False)
        return usable

    def report(self, X: pd.DataFrame, *, groups: Any = None) -> MissingReport:
        """Count missing values, incomplete rows and unusable rows of ``X``."""
        self._check_columns(X)
        g = as_groups(groups, len(X))
        _, usable, obs = self._apply(X, g, full=False)
        starts = group_starts(g)
        bad = np.r_[0, np.cumsum(~usable)]
        return MissingReport(
            n_rows=len(X),
            n_series=len(starts) - 1,
            n_incomplete_rows=int((~obs).any(axis=1).sum()) if obs.shape[1] else 0,
            n_unusable_rows=int((~usable).sum()),
            missing_per_column={c: int((~obs[:, j]).sum())
                                for j, c in enumerate(self.columns_)},
            unusable_per_series=[int(v) for v in np.diff(bad[starts])],
        )

    def timestep_mask(self, X: pd.DataFrame) -> np.ndarray:
        """:func:`timestep_mask` over the columns this strategy works on (raw ``X``)."""
        self._check_columns(X)
        names = [str(c) for c in X.columns]
        return timestep_mask(self._values(X, names, self.columns_))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Output column names: the input columns, then the added channels."""
        self.check_fitted()
        return np.asarray(self.feature_names_out_, dtype=object)

    # ------------------------------------------------------------------ internals
    def _resolve_columns(self, names: list[str]) -> list[str]:
        if self.columns is None:
            return list(names)
        if isinstance(self.columns, str) or not isinstance(self.columns, (list, tuple)):
            raise InputError(
                f"The 'columns' parameter of MissingStrategy must be a list of column "
                f"names or None. Got {self.columns!r} instead; e.g. columns=['TEMP']."
            )
        wanted = [str(c) for c in self.columns]
        for c in wanted:
            if c not in names:
                raise InputError(
                    f"The 'columns' parameter of MissingStrategy names {c!r}, which is not "
                    f"a column of the data ({format_list(names)}).{did_you_mean(c, names)}"
                )
        if len(set(wanted)) != len(wanted):
            dup = [c for c in wanted if wanted.count(c) > 1]
            raise InputError(
                f"The 'columns' parameter of MissingStrategy names {dup[0]!r} twice. "
                "Name each column once."
            )
        keep = set(wanted)
        return [c for c in names if c in keep]

    def _parse_per_column(self, cols: list[str]) -> dict[str, MissingSpec]:
        if self.per_column is None:
            return {}
        if not isinstance(self.per_column, Mapping):
            raise InputError(
                f"The 'per_column' parameter of MissingStrategy must be a dict of column "
                f"name to spec, e.g. {{'TEMP': 'impute:median'}}. Got {self.per_column!r}."
            )
        out = {}
        for key, spec in self.per_column.items():
            c = str(key)
            if c not in cols:
                raise InputError(
                    f"The 'per_column' parameter of MissingStrategy names column {c!r}, "
                    f"which is not among the columns it works on ({format_list(cols)})."
                    f"{did_you_mean(c, cols)} Fix the name, or add it to columns=."
                )
            parsed = parse_missing(spec, option=f"per_column[{c!r}]")
            out[c] = MissingSpec("indicators") if parsed.kind == "auto" else parsed
        return out

    @staticmethod
    def _values(X: pd.DataFrame, names: list[str], cols: list[str]) -> np.ndarray:
        """The columns as a float64 (rows × columns) array, ±inf kept."""
        if not cols:
            return np.empty((len(X), 0), dtype=np.float64)
        return np.column_stack(_column_arrays(X, names, cols))

    def _knn_imputer(self, k: int) -> KNNImputer:
        cache = self.__dict__.setdefault("_knn_cache", {})
        if k not in cache:
            imputer = KNNImputer(n_neighbors=k, keep_empty_features=True)
            cache[k] = imputer.fit(self.knn_fit_X_)
        return cache[k]

    def _time_values(self, X: pd.DataFrame) -> np.ndarray:
        if isinstance(X.index, pd.DatetimeIndex):
            return np.asarray(X.index.asi8, dtype=np.int64)
        return np.arange(len(X), dtype=np.int64)

    def _apply(self, X: pd.DataFrame, groups: Any,
               full: bool) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """Filled columns and channels by name, usable rows, observed matrix.

        Works column by column on contiguous arrays (O(rows) numpy per column).
        With ``full=False`` only the usable rows and the observed matrix are right
        (no knn, no channels, columns that cannot make a row unusable skipped).
        """
        g = as_groups(groups, len(X))
        rows = _Rows(g)
        names = [str(c) for c in X.columns]
        cols = _column_arrays(X, names, self.columns_)
        obs = np.empty((len(X), len(cols)), dtype=bool, order="F")
        for j, col in enumerate(cols):
            o = np.isfinite(col, out=obs[:, j])
            col[~o] = np.nan
        usable = np.ones(len(X), dtype=bool)
        specs = {c: parse_missing(self.methods_[c]) for c in self.columns_}

        knn_values: dict[str, np.ndarray] = {}
        if full:
            by_k: dict[int, list[int]] = {}
            for j, c in enumerate(self.columns_):
                if specs[c].method == "knn":
                    by_k.setdefault(int(specs[c].options["k"]), []).append(j)
            for k, js in by_k.items():
                need = ~obs[:, js].all(axis=1)
                if not need.any():
                    continue
                imputed = self._knn_imputer(k).transform(
                    np.column_stack([col[need] for col in cols]))
                for j in js:
                    column = np.full(len(X), np.nan)
                    column[need] = imputed[:, j]
                    knn_values[self.columns_[j]] = column

        time = self._time_values(X) if any(
            s.method == "time" for s in specs.values()) else rows.idx
        values: dict[str, np.ndarray] = {}
        for j, c in enumerate(self.columns_):
            o = obs[:, j]
            spec = specs[c]
            if not full and not _can_drop(spec):
                continue
            needs_last = c in self.since_channels_ or spec.kind == "indicators" or \
                spec.method in ("ffill", "seasonal", "bfill", "linear", "time")
            last = rows.last_observed(o) if needs_last and not o.all() else None
            filled, bad = _fill(cols[j], o, specs[c], self.fill_[c], rows,
                                knn_values.get(c), time, last)
            values[c] = filled
            if bad is not None:
                usable &= ~bad
            if not full:
                continue
            if c in self.observed_channels_:
                values[self.observed_channels_[c]] = o.astype(np.float64)
            if c in self.since_channels_:
                if last is None:  # complete column: 0 steps everywhere
                    values[self.since_channels_[c]] = np.zeros(len(X))
                else:
                    idx, start = rows.idx, rows.start
                    steps = np.where(last[1], idx - last[0], idx - start + 1)
                    values[self.since_channels_[c]] = np.log1p(steps, dtype=np.float64)
        return values, usable, obs


def _can_drop(spec: MissingSpec) -> bool:
    """Whether a column with this spec can make a row unusable."""
    return spec.kind == "drop" or "drop" in (spec.options.get("lead"), spec.options.get("trail"))


def _column_arrays(X: pd.DataFrame, names: list[str], cols: list[str]) -> list[np.ndarray]:
    """Each named column as a fresh contiguous float64 array (NA → NaN, ±inf kept)."""
    out = []
    for c in cols:
        series = X.iloc[:, names.index(c)]
        out.append(np.array(series.to_numpy(dtype=np.float64, na_value=np.nan),
                            dtype=np.float64, copy=True))
    return out


def _fill(col: np.ndarray, o: np.ndarray, spec: MissingSpec, const: float, rows: _Rows,
          knn: np.ndarray | None, time: np.ndarray,
          last_pair: tuple[np.ndarray, np.ndarray] | None
          ) -> tuple[np.ndarray, np.ndarray | None]:
    """Fill one column in place; return it and the rows it makes unusable (or None).

    ``col`` has NaN where ``o`` is False; ``last_pair`` is ``rows.last_observed(o)``
    when the caller has it already (``None``: computed here if needed). Every read
    is from an observed row and every write to a missing row, so filling in place
    is safe.
    """
    out = col
    miss = ~o
    if not miss.any():
        return out, None
    if spec.kind == "drop":
        return out, miss
    if spec.kind == "mask" or spec.method in ("mean", "median"):
        out[miss] = const
        return out, None
    if spec.method == "knn":
        if knn is None:  # usable_rows only: the values are not needed
            out[miss] = const
        else:
            out[miss] = knn[miss]
        return out, None

    method = "ffill" if spec.kind == "indicators" else spec.method
    lead = spec.options.get("lead", "mean")
    trail = spec.options.get("trail", "ffill")
    last, has_last = last_pair if last_pair is not None else rows.last_observed(o)
    unusable = np.zeros(len(out), dtype=bool)
    if method in ("ffill", "seasonal"):
        todo = miss
        if method == "seasonal":
            src = rows.idx - int(spec.options["season"])
            ok = miss & (src >= rows.start)
            ok[ok] = o[src[ok]]
            out[ok] = col[src[ok]]
            todo = miss & ~ok
        m = todo & has_last
        out[m] = col[last[m]]
        _lead(out, col, o, todo & ~has_last, lead, const, rows, unusable)
    elif method == "bfill":
        nxt, has_next = rows.next_observed(o)
        m = miss & has_next
        out[m] = col[nxt[m]]
        _trail(out, col, miss & ~has_next, trail, const, last, has_last, unusable)
    else:  # linear, time
        nxt, has_next = rows.next_observed(o)
        inside = miss & has_last & has_next
        i0, i1 = last[inside], nxt[inside]
        span = (time[i1] - time[i0]).astype(np.float64)
        slope = (col[i1] - col[i0]) / span
        out[inside] = slope * (time[inside] - time[i0]).astype(np.float64) + col[i0]
        _lead(out, col, o, miss & ~has_last, lead, const, rows, unusable)
        _trail(out, col, miss & has_last & ~has_next, trail, const, last, has_last, unusable)
    return out, unusable if unusable.any() else None


def _lead(out: np.ndarray, col: np.ndarray, o: np.ndarray, where: np.ndarray, policy: str,
          const: float, rows: _Rows, unusable: np.ndarray) -> None:
    """Fill a leading gap (no observation before it in the series) by ``policy``."""
    if not where.any():
        return
    if policy == "zero":
        out[where] = 0.0
        return
    out[where] = const
    if policy == "drop":
        unusable |= where
    elif policy == "bfill":
        nxt, has_next = rows.next_observed(o)
        m = where & has_next
        out[m] = col[nxt[m]]


def _trail(out: np.ndarray, col: np.ndarray, where: np.ndarray, policy: str, const: float,
           last: np.ndarray, has_last: np.ndarray, unusable: np.ndarray) -> None:
    """Fill a trailing gap (no observation after it in the series) by ``policy``."""
    if not where.any():
        return
    if policy == "zero":
        out[where] = 0.0
        return
    out[where] = const
    if policy == "drop":
        unusable |= where
    elif policy == "ffill":
        m = where & has_last
        out[m] = col[last[m]]
