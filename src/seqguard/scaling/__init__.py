"""NaN-aware scalers for inputs (:class:`Scaler`) and targets (:class:`TargetScaler`).

Both follow the :class:`~seqguard._base.SeriesTransform` contract: ``fit`` sees only
the training rows, ``transform`` is applied to whole series, and the fitted state
round-trips through JSON exactly.

How values are scaled
---------------------
``transform`` computes ``(x - center) / scale`` column by column and
``inverse_transform`` computes ``z * scale + center``, in float64. The ``method``
chooses the statistics, computed over the **observed** training values only:

=========== ================================ ======================================
method      center                           scale
=========== ================================ ======================================
standard    mean                             standard deviation (``ddof=0``)
minmax      minimum                          maximum - minimum (output in [0, 1])
robust      median                           interquartile range (75th - 25th pct.)
none        0                                1
=========== ================================ ======================================

Quantiles use numpy's default linear interpolation. These equal scikit-learn's
``StandardScaler``, ``MinMaxScaler`` and ``RobustScaler`` fitted on the same
observed values (to float64 rounding).

Missing values
    NaN and ±inf are missing: they are left out of the statistics in ``fit``;
    ``transform`` passes NaN through and turns ±inf into NaN (a later missing-data
    step decides what the model sees). Nothing is imputed here.

No division by zero
    A column without spread (constant, or a zero interquartile range for
    ``robust``) gets scale 1, and a column with no observed training value gets
    center 0 and scale 1 (it is left as it is; ``fit`` warns with a
    :class:`~seqguard.errors.DataWarning`). The center of a constant column is
    exactly its constant, so it becomes 0 (with every method but ``none``), never
    NaN or inf.

One scaler per series (``per="series"``)
    The statistics are computed for each series code of ``groups`` separately,
    and also over all training rows (the *global* statistics). In ``transform``, a
    series that had no training rows, or a column with no observed training value
    in that series, uses the global statistics. A column without spread in one
    series keeps that series' center but takes the global scale (1 when the column
    has no spread globally either), so values stay in comparable units across
    series.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .._base import SeriesTransform, as_groups
from .._serialize import register
from ..errors import DataWarning, InputError, did_you_mean, format_list

__all__ = ["METHODS", "PER", "Scaler", "TargetScaler", "check_method", "get_scaler"]

#: Accepted values of ``method``.
METHODS = ("standard", "minmax", "robust", "none")
#: Accepted values of ``per``.
PER = ("global", "series")


def _check_choice(value: Any, choices: tuple[str, ...], place: str) -> str:
    if isinstance(value, str) and value in choices:
        return value
    allowed = ", ".join(repr(c) for c in choices)
    hint = did_you_mean(value, choices) if isinstance(value, str) else ""
    raise InputError(f"{place} must be one of {allowed}. Got {value!r} instead.{hint}")


def check_method(method: Any, *, owner: str = "Scaler", option: str | None = None) -> str:
    """Validate a scaling method name and return it.

    Parameters
    ----------
    method : str
        One of ``"standard"``, ``"minmax"``, ``"robust"``, ``"none"``.
    owner : str, default "Scaler"
        Class named in the message (``The 'method' parameter of <owner> ...``).
    option : str, optional
        A command-line option to name instead (``The '--scaler' option ...``).

    Raises
    ------
    InputError
        For any other value, suggesting the closest name.

    Examples
    --------
    >>> check_method("robust")
    'robust'
    >>> check_method("stdandard")
    Traceback (most recent call last):
    ...
    seqguard.errors.InputError: The 'method' parameter of Scaler must be one of 'standard', \
'minmax', 'robust', 'none'. Got 'stdandard' instead. Did you mean 'standard'?
    """
    place = f"The {option!r} option" if option else f"The 'method' parameter of {owner}"
    return _check_choice(method, METHODS, place)


def get_scaler(spec: str, *, per: str = "global", target: bool = False,
               option: str | None = None) -> Scaler | TargetScaler:
    """Build a scaler from its name, as given on the command line or in a config file.

    Parameters
    ----------
    spec : str
        The method: ``"standard"``, ``"minmax"``, ``"robust"`` or ``"none"``.
    per : {"global", "series"}, default "global"
        One set of statistics for all series, or one per series.
    target : bool, default False
        Return a :class:`TargetScaler` instead of a :class:`Scaler`.
    option : str, optional
        The option the value came from (``"--scaler"``), named in the error message.

    Returns
    -------
    Scaler or TargetScaler
        Unfitted.

    Raises
    ------
    InputError
        ``spec`` or ``per`` is not a known name (with a did-you-mean hint).

    Examples
    --------
    >>> get_scaler("minmax", per="series")
    Scaler(method='minmax', per='series')
    >>> get_scaler("robust", target=True)
    TargetScaler(method='robust')
    """
    owner = "TargetScaler" if target else "Scaler"
    method = check_method(spec, owner=owner, option=option)
    per = _check_choice(per, PER, f"The 'per' parameter of {owner}")
    return (TargetScaler if target else Scaler)(method=method, per=per)


# ---------------------------------------------------------------------- statistics
def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """numpy's linear interpolation for quantiles (exact at both ends)."""
    diff = b - a
    return np.where(t >= 0.5, b - diff * (1.0 - t), a + diff * t)


def _sorted_in_blocks(values: np.ndarray, block: np.ndarray, starts: np.ndarray,
                     counts: np.ndarray) -> np.ndarray:
    """Each column sorted ascending inside each block of rows (NaN last)."""
    if len(starts) == 1:
        return np.sort(values, axis=0)
    n_blocks, longest = len(starts), int(counts.max())
    if n_blocks * longest <= 2 * len(values) + 4096:  # blocks of similar length: pad
        pos = np.arange(len(values)) - starts[block]
        padded = np.full((n_blocks, longest, values.shape[1]), np.nan)
        padded[block, pos] = values
        padded.sort(axis=1)
        return padded[block, pos]
    out = np.empty_like(values)
    for j in range(values.shape[1]):
        by_value = np.argsort(values[:, j])
        out[:, j] = values[by_value[np.argsort(block[by_value], kind="stable")], j]
    return out


def _grouped_quantiles(values: np.ndarray, block: np.ndarray, starts: np.ndarray,
                       n: np.ndarray, qs: tuple[float, ...]) -> list[np.ndarray]:
    """Quantiles (numpy's "linear" method) of the non-NaN values of each block and column."""
    counts = np.diff(np.r_[starts, len(values)])
    ordered = _sorted_in_blocks(values, block, starts, counts)
    last = np.maximum(n - 1, 0)
    cols = np.arange(values.shape[1])[None, :]
    out = []
    for q in qs:
        virtual = last * q
        below = np.floor(virtual)
        above = np.minimum(below + 1, last)
        a = ordered[starts[:, None] + below.astype(np.int64), cols]
        b = ordered[starts[:, None] + above.astype(np.int64), cols]
        out.append(np.where(n > 0, _lerp(a, b, virtual - below), np.nan))
    return out


def _stats(values: np.ndarray, block: np.ndarray, starts: np.ndarray,
           method: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Center, raw spread and observed count per block and column.

    ``values`` is float64 (rows × columns), NaN for every missing value, its rows
    grouped in contiguous blocks: ``block`` is the block number of each row and
    ``starts`` the first row of each block. Results have shape (blocks × columns).
    A column without observed values gets center 0 and spread NaN; a constant
    column gets its constant as center (exactly) and spread 0.
    """
    obs = ~np.isnan(values)
    n = np.add.reduceat(obs.astype(np.int64), starts, axis=0)
    has = n > 0
    lo = np.minimum.reduceat(np.where(obs, values, np.inf), starts, axis=0)
    hi = np.maximum.reduceat(np.where(obs, values, -np.inf), starts, axis=0)
    constant = has & (lo == hi)
    if method == "none":
        return np.zeros(n.shape), np.where(has, 1.0, np.nan), n
    if method == "standard":
        denom = np.maximum(n, 1)
        center = np.add.reduceat(np.where(obs, values, 0.0), starts, axis=0) / denom
        dev = np.where(obs, values - center[block], 0.0)
        with np.errstate(over="ignore"):  # overflow is reported by _check_finite
            spread = np.sqrt(np.add.reduceat(dev * dev, starts, axis=0) / denom)
    elif method == "minmax":
        center, spread = lo, hi - lo
    else:  # robust
        q25, center, q75 = _grouped_quantiles(values, block, starts, n, (0.25, 0.5, 0.75))
        spread = q75 - q25
    center = np.where(constant, lo, np.where(has, center, 0.0))
    spread = np.where(constant, 0.0, np.where(has, spread, np.nan))
    return center, spread, n


class _BaseScaler(SeriesTransform):
    """Fitting and lookup shared by :class:`Scaler` and :class:`TargetScaler`."""

    def __init__(self, method: str = "standard", per: str = "global") -> None:
        self.method = method
        self.per = per

    # ------------------------------------------------------------------ fit
    def _fit_values(self, values: np.ndarray, groups: Any, names: list[str]) -> dict[str, Any]:
        """Validate the options and compute the learned state (returned, not yet set)."""
        owner = type(self).__name__
        method = check_method(self.method, owner=owner)
        per = _check_choice(self.per, PER, f"The 'per' parameter of {owner}")
        if values.shape[0] == 0:
            raise InputError(f"{owner}.fit got no training rows. Pass the training part "
                             "(at least one row) to fit.")
        codes = as_groups(groups, values.shape[0])
        values = np.where(np.isfinite(values), values, np.nan)

        one = np.zeros(1, dtype=np.int64)
        center, spread, n = (a[0] for a in _stats(values, np.zeros(len(values), np.int64),
                                                  one, method))
        self._check_finite(center, spread, names)
        empty = n == 0
        if empty.any():
            cols = [names[j] for j in np.flatnonzero(empty)]
            warnings.warn(
                f"{owner}: no observed value in the training part for column(s) "
                f"{format_list(cols)}; left unscaled (center 0, scale 1). Drop the "
                "column(s) or move the split so that training sees values.",
                DataWarning, stacklevel=3)
        scale = np.where(np.isnan(spread) | (spread == 0), 1.0, spread)
        f = values.shape[1]
        state: dict[str, Any] = {
            "center_": center,
            "scale_": scale,
            "n_observed_": n.astype(np.int64),
            "series_codes_": np.zeros(0, dtype=np.int64),
            "series_center_": np.zeros((0, f)),
            "series_scale_": np.zeros((0, f)),
        }
        if per == "global":
            return state
        order = np.argsort(codes, kind="stable")
        sorted_codes = codes[order]
        uniq, starts, counts = np.unique(sorted_codes, return_index=True, return_counts=True)
        block = np.repeat(np.arange(len(uniq)), counts)
        c, sp, nk = _stats(values[order], block, starts, method)
        self._check_finite(c, sp, names, uniq)
        unseen = nk == 0
        s_center = np.where(unseen, center, c)
        s_scale = np.where(unseen | (sp == 0), scale, sp)
        state.update(series_codes_=uniq.astype(np.int64), series_center_=s_center,
                     series_scale_=s_scale)
        return state

    def _check_finite(self, center: np.ndarray, spread: np.ndarray, names: list[str],
                      codes: np.ndarray | None = None) -> None:
        """Raise when a statistic overflowed float64 (rows of 2-D inputs are series)."""
        bad = ~np.isfinite(center) | np.isinf(spread)
        if not bad.any():
            return
        k, j = (0, int(np.flatnonzero(bad)[0])) if bad.ndim == 1 else map(int, np.argwhere(bad)[0])
        where = f"series {int(codes[k])}, " if codes is not None else ""
        c, sp = np.atleast_2d(center)[k, j], np.atleast_2d(spread)[k, j]
        raise InputError(
            f"{type(self).__name__}: {where}column {names[j]!r} has values too large to "
            f"scale in float64 (center {float(c)!r}, spread {float(sp)!r}). Divide the column "
            "by a power of ten before fitting."
        )

    # ---------------------------------------------------------------- lookup
    def _params(self, groups: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Center and scale for each of ``n`` rows (arrays broadcastable to rows × columns)."""
        self.check_fitted()
        known = self.series_codes_
        if groups is None and len(known) > 1:
            raise InputError(
                f"{type(self).__name__}(per='series') was fitted on {len(known)} series; pass "
                "groups= (one series code per row) to say which row belongs to which series."
            )
        codes = as_groups(groups, n)
        if len(known) == 0:
            return self.center_[None, :], self.scale_[None, :]
        pos = np.minimum(np.searchsorted(known, codes), len(known) - 1)
        idx = np.where(known[pos] == codes, pos, len(known))  # unseen → global row
        centers = np.vstack([self.series_center_, self.center_[None, :]])
        scales = np.vstack([self.series_scale_, self.scale_[None, :]])
        return centers[idx], scales[idx]


def _float_values(X: pd.DataFrame, owner: str) -> np.ndarray:
    bad = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    if bad:
        raise InputError(
            f"{owner} scales numeric columns only; {format_list(bad)} "
            f"{'is' if len(bad) == 1 else 'are'} {X[bad[0]].dtype}. Encode categorical "
            "columns first, or leave them out of the scaled columns."
        )
    return X.to_numpy(dtype=np.float64, na_value=np.nan)


@register
class Scaler(_BaseScaler):
    """Scale numeric columns with statistics of the training rows, ignoring missing values.

    See the module docstring for the formulas, missing values, columns without
    spread and per-series scaling.

    Parameters
    ----------
    method : {"standard", "minmax", "robust", "none"}, default "standard"
        Which statistics give the center and the scale.
    per : {"global", "series"}, default "global"
        One set of statistics for all rows, or one per series code of ``groups``.

    Attributes
    ----------
    center_ : ndarray of shape (n_features,)
        Global center of each column.
    scale_ : ndarray of shape (n_features,)
        Global scale of each column (never 0).
    n_observed_ : ndarray of shape (n_features,)
        Observed (finite) training values per column.
    series_codes_ : ndarray of shape (n_series,)
        Sorted series codes seen in ``fit`` (empty when ``per="global"``).
    series_center_, series_scale_ : ndarray of shape (n_series, n_features)
        Center and scale per series code, fallbacks already applied.
    feature_names_in_ : ndarray of str
        Columns seen in ``fit``.
    n_features_in_ : int
        Number of columns seen in ``fit``.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"a": [1.0, 2.0, float("nan"), 3.0]})
    >>> Scaler("minmax").fit(X).transform(X)["a"].tolist()
    [0.0, 0.5, nan, 1.0]
    """

    def fit(self, X: pd.DataFrame, y: Any = None, *, groups: ArrayLike | None = None) -> Scaler:
        """Learn the statistics from the training rows.

        Parameters
        ----------
        X : DataFrame
            Training rows, numeric columns only.
        y : ignored
        groups : array-like of int, optional
            Series code of each row (``None``: one series).

        Returns
        -------
        Scaler
            ``self``.

        Raises
        ------
        InputError
            Bad ``method`` / ``per``, a non-numeric column, no rows, or values too
            large for float64.
        """
        if not isinstance(X, pd.DataFrame):
            self._record_columns(X)  # raises, naming the fix
        values = _float_values(X, type(self).__name__)
        state = self._fit_values(values, groups, [str(c) for c in X.columns])
        self._record_columns(X)
        for key, value in state.items():
            setattr(self, key, value)
        return self

    def transform(self, X: pd.DataFrame, *, groups: ArrayLike | None = None) -> pd.DataFrame:
        """Scale ``X``: ``(x - center) / scale``; NaN stays NaN and ±inf becomes NaN.

        Parameters
        ----------
        X : DataFrame
            The columns seen in ``fit``, in the same order (whole series).
        groups : array-like of int, optional
            Series code of each row; required when fitted with ``per="series"`` on
            several series.

        Returns
        -------
        DataFrame
            float64, same index and columns.
        """
        self._check_columns(X)
        values = _float_values(X, type(self).__name__)
        center, scale = self._params(groups, len(X))
        with np.errstate(invalid="ignore"):
            out = (np.where(np.isfinite(values), values, np.nan) - center) / scale
        return pd.DataFrame(out, index=X.index, columns=X.columns)

    def inverse_transform(self, X: pd.DataFrame | ArrayLike, *,
                          groups: ArrayLike | None = None) -> pd.DataFrame | np.ndarray:
        """Undo :meth:`transform`: ``z * scale + center`` (float64).

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_rows, n_features)
            Scaled values. A DataFrame must have the columns seen in ``fit``.
        groups : array-like of int, optional
            As in :meth:`transform`.

        Returns
        -------
        DataFrame or ndarray
            Same type, index and columns as ``X``.
        """
        if isinstance(X, pd.DataFrame):
            self._check_columns(X)
            values = _float_values(X, type(self).__name__)
        else:
            self.check_fitted()
            values = np.asarray(X, dtype=np.float64)
            if values.ndim != 2 or values.shape[1] != self.n_features_in_:
                raise InputError(
                    f"{type(self).__name__}.inverse_transform expects {self.n_features_in_} "
                    f"column(s) (rows × features), got an array of shape {values.shape}."
                )
        center, scale = self._params(groups, len(values))
        out = values * scale + center
        if isinstance(X, pd.DataFrame):
            return pd.DataFrame(out, index=X.index, columns=X.columns)
        return out

    def fit_transform(self, X: pd.DataFrame, y: Any = None, *,
                      groups: ArrayLike | None = None) -> pd.DataFrame:
        """``fit(X, groups=groups).transform(X, groups=groups)``."""
        return self.fit(X, groups=groups).transform(X, groups=groups)


@register
class TargetScaler(_BaseScaler):
    """Scale one target column; transforms 1-D targets or 2-D (rows × horizons) windows.

    The statistics are those of :class:`Scaler` (see the module docstring) on the
    training values of the target. ``transform`` and ``inverse_transform`` accept a
    1-D array (one value per row) or a 2-D array (rows × horizons: every value of
    a row belongs to that row's series), with ``groups`` giving each row's series
    code. ``inverse_transform(transform(y))`` gives ``y`` back to float64
    rounding. A missing target (NaN, ±inf) stays NaN: it is never imputed.

    Parameters
    ----------
    method : {"standard", "minmax", "robust", "none"}, default "standard"
        Which statistics give the center and the scale.
    per : {"global", "series"}, default "global"
        One set of statistics for all rows, or one per series code of ``groups``.

    Attributes
    ----------
    center_, scale_ : ndarray of shape (1,)
        Global center and scale (scale never 0).
    n_observed_ : ndarray of shape (1,)
        Observed training targets.
    series_codes_, series_center_, series_scale_
        As in :class:`Scaler` (``series_center_`` has shape (n_series, 1)).
    n_features_in_ : int
        Always 1.

    Examples
    --------
    >>> import numpy as np
    >>> ts = TargetScaler().fit(np.array([10.0, 20.0, np.nan, 30.0]))
    >>> z = ts.transform(np.array([[10.0, 20.0], [30.0, np.nan]]))
    >>> ts.inverse_transform(z).tolist()
    [[10.0, 20.0], [30.0, nan]]
    """

    def fit(self, y: ArrayLike, *, groups: ArrayLike | None = None) -> TargetScaler:
        """Learn the statistics from the training targets.

        Parameters
        ----------
        y : array-like of shape (n_rows,)
            Target of each training row (a Series, a 1-D array, or one column).
        groups : array-like of int, optional
            Series code of each row (``None``: one series).

        Returns
        -------
        TargetScaler
            ``self``.
        """
        name = getattr(y, "name", None)
        if isinstance(y, pd.DataFrame):
            if y.shape[1] != 1:
                raise InputError(
                    f"TargetScaler.fit expects one target column, got a DataFrame with "
                    f"{y.shape[1]} columns ({format_list(y.columns)}). Pass the target column."
                )
            name = y.columns[0]
            y = y.iloc[:, 0]
        values = self._as_float(y, "fit")
        if values.ndim == 2 and values.shape[1] == 1:
            values = values[:, 0]
        if values.ndim != 1:
            raise InputError(
                f"TargetScaler.fit expects the 1-D target of the training rows, got shape "
                f"{values.shape}. Fit on the target column, then transform windows "
                "(rows × horizons)."
            )
        state = self._fit_values(values[:, None], groups,
                                 [str(name) if name is not None else "target"])
        self.n_features_in_ = 1
        for key, value in state.items():
            setattr(self, key, value)
        return self

    def _as_float(self, y: ArrayLike, stage: str) -> np.ndarray:
        if isinstance(y, (pd.Series, pd.DataFrame)):
            dtypes = list(y.dtypes) if isinstance(y, pd.DataFrame) else [y.dtype]
            bad = [t for t in dtypes if not pd.api.types.is_numeric_dtype(t)]
            if bad:
                raise InputError(f"TargetScaler.{stage}: the target must be numeric, got "
                                 f"{bad[0]}. Pass a numeric target column.")
            return y.to_numpy(dtype=np.float64, na_value=np.nan)
        try:
            return np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InputError(f"TargetScaler.{stage}: the target must be numeric ({exc}).") from exc

    def _apply(self, y: ArrayLike, groups: ArrayLike | None, inverse: bool) -> np.ndarray:
        self.check_fitted()
        stage = "inverse_transform" if inverse else "transform"
        values = self._as_float(y, stage)
        if values.ndim not in (1, 2):
            raise InputError(
                f"TargetScaler.{stage} expects a 1-D array (rows) or a 2-D array "
                f"(rows × horizons), got shape {values.shape}."
            )
        center, scale = self._params(groups, len(values))
        if values.ndim == 1:
            center, scale = center[:, 0], scale[:, 0]
        if inverse:
            return values * scale + center
        with np.errstate(invalid="ignore"):
            return (np.where(np.isfinite(values), values, np.nan) - center) / scale

    def transform(self, y: ArrayLike, *, groups: ArrayLike | None = None) -> np.ndarray:
        """Scale targets: ``(y - center) / scale``; NaN and ±inf become NaN.

        Parameters
        ----------
        y : array-like of shape (n_rows,) or (n_rows, n_horizons)
        groups : array-like of int of shape (n_rows,), optional
            Series code of each row; required when fitted with ``per="series"`` on
            several series.

        Returns
        -------
        ndarray
            float64, same shape as ``y``.
        """
        return self._apply(y, groups, inverse=False)

    def inverse_transform(self, y: ArrayLike, *, groups: ArrayLike | None = None) -> np.ndarray:
        """Back to the target's units: ``z * scale + center`` (float64, same shape).

        Parameters
        ----------
        y : array-like of shape (n_rows,) or (n_rows, n_horizons)
        groups : array-like of int of shape (n_rows,), optional
            As in :meth:`transform`.

        Returns
        -------
        ndarray
        """
        return self._apply(y, groups, inverse=True)

    def fit_transform(self, y: ArrayLike, *, groups: ArrayLike | None = None) -> np.ndarray:
        """``fit(y, groups=groups).transform(y, groups=groups)``."""
        return self.fit(y, groups=groups).transform(y, groups=groups)
