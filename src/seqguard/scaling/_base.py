"""Fitting on the training rows and the per-series lookup, shared by both scalers.

:class:`_BaseScaler` validates the options, computes the global statistics and (for
``per="series"``) those of every series code (:mod:`.statistics`), applies the
fallbacks (a series or column without observed values, a column without spread), and
in ``transform`` finds the center and scale of each row by its series code (an
unseen code gets the global ones).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._base import SeriesTransform, as_groups
from .._floats import as_float64
from ..errors import DataWarning, InputError, format_list
from ..layout import groups_from_bounds
from .options import PER, _check_choice, check_method
from .statistics import MERGEABLE, SeriesStats, _stats


class _BaseScaler(SeriesTransform):
    """Fitting and lookup shared by :class:`Scaler` and :class:`TargetScaler`."""

    def __init__(self, method: str = "standard", per: str = "global") -> None:
        self.method = method
        self.per = per

    # ------------------------------------------------------------------ fit
    def _learn(self, values: np.ndarray, groups: Any, names: list[str],
               **more: Any) -> None:
        """The fit both scalers share: compute the learned state of ``values`` (rows x
        columns named ``names``) and only then set it, with the ``more`` learned
        attributes, so a fit that raises leaves the scaler as it was."""
        state = self._fit_values(values, groups, names)
        for key, value in {**state, **more}.items():
            setattr(self, key, value)

    def _fit_values(self, values: np.ndarray, groups: Any, names: list[str]) -> dict[str, Any]:
        """Validate the options and compute the learned state (returned, not yet set)."""
        owner = type(self).__name__
        method = check_method(self.method, owner=owner)
        per = _check_choice(self.per, PER, f"The 'per' parameter of {owner}")
        if values.shape[0] == 0:
            raise InputError(f"{owner}.fit got no training rows. Pass the training part "
                             "(at least one row) to fit.")
        codes = as_groups(groups, values.shape[0])
        values = as_float64(values)

        one = np.zeros(1, dtype=np.int64)
        center, spread, n = (a[0] for a in _stats(values, np.zeros(len(values), np.int64),
                                                  one, method))
        if per == "global":
            return self._state(center, spread, n, names)
        order = np.argsort(codes, kind="stable")
        sorted_codes = codes[order]
        uniq, starts = np.unique(sorted_codes, return_index=True)
        block = groups_from_bounds(np.r_[starts, len(sorted_codes)])
        c, sp, nk = _stats(values[order], block, starts, method)
        return self._state(center, spread, n, names, (uniq, c, sp, nk))

    def _state(self, center: np.ndarray, spread: np.ndarray, n: np.ndarray,
               names: list[str], series: tuple[np.ndarray, ...] | None = None
               ) -> dict[str, Any]:
        """The learned state from the global statistics (``center``, raw ``spread``,
        observed count ``n`` per column) and, for ``per="series"``, those of every
        series code (``series = (codes, center, spread, n)``, one row per code): the
        fallbacks of the module docstring applied, nothing set yet."""
        owner = type(self).__name__
        self._check_finite(center, spread, names)
        empty = n == 0
        if empty.any():
            cols = [names[j] for j in np.flatnonzero(empty)]
            warnings.warn(
                f"{owner}: no observed value in the training part for column(s) "
                f"{format_list(cols)}; left unscaled (center 0, scale 1). Drop the "
                "column(s) or move the split so that training sees values.",
                DataWarning, stacklevel=4)
        scale = np.where(np.isnan(spread) | (spread == 0), 1.0, spread)
        f = len(names)
        state: dict[str, Any] = {
            "center_": center,
            "scale_": scale,
            "n_observed_": n.astype(np.int64),
            "series_codes_": np.zeros(0, dtype=np.int64),
            "series_center_": np.zeros((0, f)),
            "series_scale_": np.zeros((0, f)),
        }
        if series is None:
            return state
        uniq, c, sp, nk = series
        self._check_finite(c, sp, names, uniq)
        unseen = nk == 0
        s_center = np.where(unseen, center, c)
        s_scale = np.where(unseen | (sp == 0), scale, sp)
        state.update(series_codes_=uniq.astype(np.int64), series_center_=s_center,
                     series_scale_=s_scale)
        return state

    def learn_from_stats(self, stats: SeriesStats, names: list[str], **more: Any) -> None:
        """Set the learned state from merged per-series statistics (out-of-core fit).

        ``stats`` holds, for every series code with training rows, the statistics of
        :meth:`SeriesStats.of_rows` (one call per shard of whole series, merged with
        :meth:`SeriesStats.concat`): the per-series state is exactly what ``fit``
        computes, the global one equal to float64 rounding (see
        :mod:`seqguard.scaling.statistics`). ``more``: further learned attributes to
        set with it (the columns, as ``fit`` records them).

        Raises
        ------
        InputError
            For ``robust`` (its quantiles need every value at once), bad options, or
            no training rows.
        """
        owner = type(self).__name__
        method = check_method(self.method, owner=owner)
        per = _check_choice(self.per, PER, f"The 'per' parameter of {owner}")
        if method not in MERGEABLE:
            raise InputError(
                f"{owner}(method={method!r}) cannot be fitted out of core: its quantiles "
                f"need every training value at once. Use --scaler "
                f"{' or '.join(MERGEABLE)} with a Parquet folder, or read the data in "
                "memory.")
        if not stats.n_rows:
            raise InputError(f"{owner}.fit got no training rows. Pass the training part "
                             "(at least one row) to fit.")
        center, spread, n = stats.global_stats(method)
        series = None if per == "global" else stats.series_state(method)
        for key, value in {**self._state(center, spread, n, names, series),
                           **more}.items():
            setattr(self, key, value)

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
