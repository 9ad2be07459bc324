"""The climatology baseline: the training mean of the target at each season position."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from .checks import _positive_int
from .season import season_kind, season_position

__all__ = ["Climatology"]


_POSITION_NAMES = {
    "month": "month of year", "quarter": "quarter of year", "hour": "hour of day",
    "slot": "slot of the day", "weekday": "day of week", "week": "week of year",
    "semimonth": "half-month of year",
}


class Climatology:
    """The training-period mean of the target at each position of the season.

    ``fit`` learns, from the training rows only, the mean of the observed target at
    each season position (:func:`season_position`: month of year for monthly data,
    hour of day for hourly data, ...); ``predict`` looks up the position of each time
    stamp. A position never seen with an observed target in training falls back to
    the training mean. The learned state is plain JSON (:meth:`to_dict`), so a loaded
    run reuses the table learned at fit.

    Parameters
    ----------
    season : int
        Season length in steps (:func:`season_from_freq`).

    Attributes
    ----------
    kind_ : str
        :func:`season_kind` of the training grid step.
    table_ : dict of int to float
        Training mean of the target per position.
    mean_ : float
        Training mean of the target (the fallback).

    Examples
    --------
    >>> t = pd.date_range("2020-01-01", periods=6, freq="h")
    >>> c = Climatology(24).fit(t, [1.0, 3.0, np.nan, 5.0, 7.0, 9.0], "h")
    >>> c.predict(t + pd.Timedelta(days=1), "h").tolist()
    [1.0, 3.0, 5.0, 5.0, 7.0, 9.0]
    >>> c.position_name
    'hour of day'
    """

    def __init__(self, season: int = 1) -> None:
        self.season = season

    def fit(self, time: Any, y: Any, freq: Any) -> Climatology:
        """Learn the mean of the observed ``y`` (NaN = missing) at each position."""
        m = _positive_int("season", self.season)
        yy = np.asarray(y, dtype=np.float64).reshape(-1)
        pos = season_position(time, freq, m).reshape(-1)
        if pos.shape != yy.shape:
            raise InputError(f"time has {pos.size} stamps but y has {yy.size} values; pass "
                             "one time stamp per target.")
        ok = np.isfinite(yy)
        if not ok.any():
            raise InputError("the training target has no observed value; the climatology "
                             "baseline needs training targets.")
        means = pd.Series(yy[ok]).groupby(pos[ok]).mean()
        self.kind_ = season_kind(freq, m)
        self.table_ = {int(k): float(v) for k, v in means.items()}
        self.mean_ = float(yy[ok].mean())
        return self

    def predict(self, time: Any, freq: Any) -> np.ndarray:
        """The training mean at the season position of each time stamp (float64, the
        shape of ``time``)."""
        if not hasattr(self, "table_"):
            from ..errors import NotFittedError

            raise NotFittedError("This Climatology is not fitted yet. Call 'fit' first.")
        pos = season_position(time, freq, int(self.season))
        table = pd.Series(self.table_, dtype=np.float64)
        out = table.reindex(pos.reshape(-1)).to_numpy(np.float64)
        return np.where(np.isnan(out), self.mean_, out).reshape(pos.shape)

    @property
    def position_name(self) -> str:
        """The position in words (``"month of year"``, ``"step index modulo 5"``)."""
        kind = getattr(self, "kind_", "step")
        if kind == "none":
            return "none (season 1: the training mean)"
        return _POSITION_NAMES.get(kind, f"step index modulo {self.season}")

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON learned state (for pipeline.json)."""
        keys = sorted(self.table_)
        return {"season": int(self.season), "kind": self.kind_, "mean": self.mean_,
                "positions": keys, "values": [self.table_[k] for k in keys]}

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> Climatology:
        """Rebuild what :meth:`to_dict` wrote."""
        c = cls(int(state["season"]))
        c.kind_ = str(state["kind"])
        c.mean_ = float(state["mean"])
        c.table_ = {int(k): float(v) for k, v in zip(state["positions"], state["values"],
                                                     strict=True)}
        return c
