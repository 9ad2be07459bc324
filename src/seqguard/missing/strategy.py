"""The missing-data step: :class:`MissingStrategy`.

``fit`` resolves the spec of every column (:mod:`.spec`), learns the training mean
and fill constant of each, decides the channels (:mod:`.channels`) and keeps the
``knn`` imputer's training sample; ``transform`` fills each column with its fill
from :data:`~seqguard.missing.fills.FILLS` and adds the channels. The contract
(output columns, ``usable_rows``) is in :mod:`seqguard.missing`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.impute import KNNImputer

from .._base import SeriesTransform, as_groups
from .._fitting import unfitted_on_error
from .._floats import as_float64
from .._serialize import register
from ..errors import DataWarning, InputError, did_you_mean, format_list
from ..layout import block_bounds
from ._rows import _Rows
from ._state import learned_state, warn_lookahead
from .channels import (
    observed_channel,
    since_channel,
    timestep_mask,
)
from .fills import USES_LAST_OBSERVED, Gap, fill, fill_key
from .report import MissingReport
from .spec import MissingSpec, _can_drop, parse_missing


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
    @unfitted_on_error
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
        names, cols, specs = self._fit_specs(X, groups)
        A = self._values(X, names, cols)
        obs = np.isfinite(A)
        seen = [A[obs[:, j], j] for j in range(len(cols))]
        mean = [float(v.mean()) if v.size else 0.0 for v in seen]
        fills = [float(np.median(v)) if v.size and specs[c].method == "median" else m
                 for v, c, m in zip(seen, cols, mean)]
        self._learn_counts(names, cols, specs, (~obs).sum(axis=0),
                           [v.size == 0 for v in seen], mean, fills, len(X))

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
        self._warn_lookahead(cols, specs)
        return self

    @unfitted_on_error
    def fit_from_counts(self, X: pd.DataFrame, n_rows: int, n_missing: np.ndarray,
                        sums: np.ndarray) -> MissingStrategy:
        """Fit from counts gathered shard by shard (the out-of-core fit).

        The learned state equals :meth:`fit` on the training rows whose counts these
        are (the means to float64 rounding).

        Parameters
        ----------
        X : DataFrame
            Any rows with the training columns and dtypes (the first shard's; only the
            columns are read).
        n_rows : int
            Training rows in all.
        n_missing, sums : array of shape (n_columns,)
            Per column of ``X``: missing (non-finite) training values, and the sum of
            the observed ones.

        Raises
        ------
        InputError
            As :meth:`fit`, and for ``impute:median`` or ``impute:knn``, which need
            every training value at once.
        """
        names, cols, specs = self._fit_specs(X, None, n_rows)
        bad = [c for c in cols if specs[c].method in ("median", "knn")]
        if bad:
            raise InputError(
                f"--missing {specs[bad[0]]} (column {bad[0]!r}) cannot be fitted out of "
                "core: it needs every training value at once. Use indicators, mask, drop "
                "or impute:mean/ffill/bfill/linear/time/seasonal with a Parquet folder, or "
                "read the data in memory.")
        where = [names.index(c) for c in cols]
        miss = np.asarray(n_missing, dtype=np.int64)[where]
        n_obs = int(n_rows) - miss
        mean = [float(np.asarray(sums, np.float64)[i] / n) if n else 0.0
                for i, n in zip(where, n_obs)]
        self._learn_counts(names, cols, specs, miss, list(n_obs == 0), mean, mean, n_rows)
        self._knn_cache = {}
        self.knn_fit_X_ = None
        self._warn_lookahead(cols, specs)
        return self

    def _fit_specs(self, X: pd.DataFrame, groups: Any, n_rows: int | None = None
                   ) -> tuple[list[str], list[str], dict[str, MissingSpec]]:
        """Record and check the columns of ``X``; the resolved spec of each column."""
        self._record_columns(X)
        n = len(X) if n_rows is None else int(n_rows)
        as_groups(groups, len(X))
        if n == 0:
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
        return names, cols, specs

    def _learn_counts(self, names: list[str], cols: list[str],
                      specs: dict[str, MissingSpec], n_missing: np.ndarray,
                      empty_cols: list[bool], mean: list[float], fills: list[float],
                      n_rows: int) -> None:
        """Set the learned state from the training counts of each column."""
        for key, value in learned_state(names, cols, specs, n_missing, empty_cols, mean,
                                        fills, n_rows).items():
            setattr(self, key, value)

    @staticmethod
    def _warn_lookahead(cols: list[str], specs: dict[str, MissingSpec]) -> None:
        warn_lookahead(cols, specs)

    def fit_transform(self, X: pd.DataFrame, y: Any = None, *,  # type: ignore[override]
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
        return self._fill(X, groups)[0]

    def transform_usable(self, X: pd.DataFrame, *,
                         groups: Any = None) -> tuple[pd.DataFrame, np.ndarray]:
        """``(transform(X), usable_rows(X))`` from one pass of the strategy over ``X``.

        What a pipeline needs for its windows: the filled frame and the rows that may
        appear in an input window, each column scanned and filled once (calling the
        two methods runs the strategy twice). ``X`` and ``groups`` as for
        :meth:`transform`, which raises the same errors.

        Returns
        -------
        tuple of (DataFrame, numpy.ndarray of bool)
            As :meth:`transform` and :meth:`usable_rows` return them.

        Examples
        --------
        >>> import pandas as pd
        >>> X = pd.DataFrame({"a": [1.0, None, 3.0]})
        >>> filled, usable = MissingStrategy("drop").fit(X).transform_usable(X)
        >>> filled["a"].isna().tolist(), usable.tolist()
        ([False, True, False], [True, False, True])
        """
        return self._fill(X, groups)

    def _fill(self, X: pd.DataFrame, groups: Any) -> tuple[pd.DataFrame, np.ndarray]:
        """What :meth:`transform` and :meth:`transform_usable` return (their warning
        names the line that called them)."""
        self._check_columns(X)
        values, usable, obs = self._apply(X, groups, full=True)
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
                DataWarning, stacklevel=3,
            )
        data: dict[str, Any] = {}
        for j, name in enumerate(names):
            data[name] = values[name] if name in values else X.iloc[:, j]
        for name in self.feature_names_out_[len(names):]:
            data[str(name)] = values[str(name)]
        return pd.DataFrame(data, index=X.index), usable

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
        starts = block_bounds(g)
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
        return np.column_stack([as_float64(X.iloc[:, names.index(c)], finite=False)
                                for c in cols])

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
        obs = np.empty((len(X), len(self.columns_)), dtype=bool, order="F")
        cols = [as_float64(X.iloc[:, names.index(c)], observed=obs[:, j])
                for j, c in enumerate(self.columns_)]
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
            key = fill_key(spec)
            needs_last = c in self.since_channels_ or key in USES_LAST_OBSERVED
            last = rows.last_observed(o) if needs_last and not o.all() else None
            bad = fill(key, Gap(cols[j], o, spec.options, self.fill_[c], rows,
                                knn_values.get(c), time, last))
            values[c] = cols[j]
            if bad is not None:
                usable &= ~bad
            if not full:
                continue
            if c in self.observed_channels_:
                values[self.observed_channels_[c]] = observed_channel(o)
            if c in self.since_channels_:
                values[self.since_channels_[c]] = since_channel(rows, last)
        return values, usable, obs

