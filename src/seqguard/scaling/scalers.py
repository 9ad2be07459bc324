"""The two scalers: :class:`Scaler` (input columns of a DataFrame) and
:class:`TargetScaler` (one target, 1-D rows or 2-D rows × horizons), and
:func:`get_scaler`, which builds either from its command-line name."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .._floats import as_float64
from .._serialize import register
from ..errors import InputError, format_list
from ._base import _BaseScaler
from .options import PER, _check_choice, check_method


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


def _float_values(X: pd.DataFrame, owner: str, *, finite: bool = False) -> np.ndarray:
    """The numeric columns of ``X`` as float64, NA as NaN (and ±inf too with ``finite``)."""
    bad = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    if bad:
        raise InputError(
            f"{owner} scales numeric columns only; {format_list(bad)} "
            f"{'is' if len(bad) == 1 else 'are'} {X[bad[0]].dtype}. Encode categorical "
            "columns first, or leave them out of the scaled columns."
        )
    return as_float64(X, finite=finite, copy=False)


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
        self._learn(_float_values(X, type(self).__name__), groups,
                    [str(c) for c in X.columns])
        self._record_columns(X)  # cannot fail for a DataFrame
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
        out = _float_values(X, type(self).__name__, finite=True)  # a new array
        center, scale = self._params(groups, len(X))
        with np.errstate(invalid="ignore"):
            out -= center
            out /= scale
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

    def fit_transform(self, X: pd.DataFrame, y: Any = None, *,  # type: ignore[override]
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
        self._learn(values[:, None], groups, [str(name) if name is not None else "target"],
                    n_features_in_=1)
        return self

    def _as_float(self, y: ArrayLike, stage: str) -> np.ndarray:
        if isinstance(y, (pd.Series, pd.DataFrame)):
            dtypes = list(y.dtypes) if isinstance(y, pd.DataFrame) else [y.dtype]
            bad = [t for t in dtypes if not pd.api.types.is_numeric_dtype(t)]
            if bad:
                raise InputError(f"TargetScaler.{stage}: the target must be numeric, got "
                                 f"{bad[0]}. Pass a numeric target column.")
            return as_float64(y, finite=False, copy=False)
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
            return (as_float64(values) - center) / scale

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

    def fit_transform(self, y: ArrayLike, *,  # type: ignore[override]
                      groups: ArrayLike | None = None) -> np.ndarray:
        """``fit(y, groups=groups).transform(y, groups=groups)``."""
        return self.fit(y, groups=groups).transform(y, groups=groups)
