"""All feature steps in one: :class:`FeatureBuilder`, built from objects or from the
command-line spec strings (:meth:`FeatureBuilder.from_specs`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from .._base import SeriesTransform
from .._fitting import unfitted_on_error
from .._serialize import register
from ..errors import InputError
from .calendar import Calendar, calendar_enabled
from .categoricals import Categoricals
from .indicators import Indicators
from .lags import Lags
from .rolling import RollingStats
from .specs import parse_calendar, parse_indicators, parse_lags, parse_rolling

_STEP_TYPES: dict[str, type] = {"lags": Lags, "rolling": RollingStats,
                                "indicators": Indicators, "calendar": Calendar,
                                "categorical": Categoricals}


@register
class FeatureBuilder(SeriesTransform):
    """All feature steps in one: the input columns, then every new column.

    Parameters
    ----------
    lags, rolling, indicators, calendar, categorical : step or None
        A :class:`Lags`, :class:`RollingStats`, :class:`Indicators`,
        :class:`Calendar` and :class:`Categoricals` (unfitted; ``fit`` fits copies).

    Attributes
    ----------
    steps_ : list
        The fitted copies of the steps given, in the order above.
    new_features_ : list of str
        The columns added to the input.

    Examples
    --------
    >>> X = pd.DataFrame({"y": [1.0, 2.0, 4.0, 8.0]})
    >>> fb = FeatureBuilder(lags=Lags({"y": [1]}), rolling=RollingStats({"y": [2]}, stats=["max"]))
    >>> fb.fit_transform(X).columns.tolist()
    ['y', 'y__lag1', 'y__rmax2']
    """

    def __init__(self, lags: Lags | None = None, rolling: RollingStats | None = None,
                 indicators: Indicators | None = None, calendar: Calendar | None = None,
                 categorical: Categoricals | None = None) -> None:
        self.lags = lags
        self.rolling = rolling
        self.indicators = indicators
        self.calendar = calendar
        self.categorical = categorical

    @classmethod
    def from_specs(cls, *, lags: str | None = None, rolling: str | None = None,
                   indicators: str | None = None, calendar: str | None = None,
                   categorical: Sequence[str] | None = None,
                   categorical_encoding: str = "onehot", target: str | None = None,
                   columns: Sequence[str] | None = None,
                   time_col: str | None = None) -> FeatureBuilder:
        """Build from command-line spec strings (see the module docstring).

        ``target`` is the column for specs that name none; ``columns`` (the data's
        columns), when given, makes unknown columns fail here, naming the option.
        """
        return cls(
            lags=None if lags is None else parse_lags(lags, target, columns),
            rolling=None if rolling is None else parse_rolling(rolling, target, columns),
            indicators=None if indicators is None else parse_indicators(indicators, target,
                                                                        columns),
            calendar=parse_calendar(str(calendar), time_col) if calendar_enabled(calendar)
            else None,
            categorical=Categoricals(list(categorical), encoding=categorical_encoding)
            if categorical else None,
        )

    @unfitted_on_error
    def fit(self, X: pd.DataFrame, y: Any = None, *, groups: Any = None) -> FeatureBuilder:
        """Fit a copy of each step on the training rows."""
        self._record_columns(X)
        steps = []
        for name, kind in _STEP_TYPES.items():
            step = getattr(self, name)
            if step is None:
                continue
            if not isinstance(step, kind):
                raise InputError(
                    f"FeatureBuilder({name}=...) must be a {kind.__name__} or None, got "
                    f"{type(step).__name__}.")
            steps.append(clone(step).fit(X, y, groups=groups))
        seen = {str(c): "the input" for c in X.columns}
        new: list[str] = []
        for step in steps:
            for col in step.feature_names_out_:
                if col in seen:
                    raise InputError(
                        f"FeatureBuilder: {type(step).__name__} makes column {col!r}, which "
                        f"{seen[col]} already has. Rename the input column or drop one of "
                        "the features.")
                seen[col] = type(step).__name__
                new.append(col)
        self.steps_ = steps
        self.new_features_ = new
        return self

    def transform(self, X: pd.DataFrame, *, groups: Any = None) -> pd.DataFrame:
        """``X`` unchanged with the new feature columns appended."""
        self._check_columns(X)
        parts = [X] + [s.transform(X, groups=groups) for s in self.steps_]
        return pd.concat(parts, axis=1)

    def fit_transform(self, X: pd.DataFrame, y: Any = None, *,  # type: ignore[override]
                      groups: Any = None) -> pd.DataFrame:
        """``fit`` then ``transform`` on the same rows, with ``groups`` passed to both."""
        return self.fit(X, y, groups=groups).transform(X, groups=groups)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Input columns followed by the new ones."""
        self.check_fitted()
        return np.asarray(list(self.feature_names_in_) + list(self.new_features_), dtype=object)
