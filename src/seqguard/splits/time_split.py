"""Split every series by time into train, validation and test parts (chronological).

Rows are laid out as everywhere in seqguard (:mod:`seqguard.layout`): sorted by
(series, time), each series one contiguous block, given as ``groups`` or ``bounds``.
:class:`TimeSplit` puts, in every series, the training part first, then validation,
then test; ``gap`` rows (part :data:`~seqguard.splits.GAP`) are left out just before
a later part starts. Where a part starts is read by :mod:`seqguard.splits.points`.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from .._serialize import JsonMixin, encode, register
from ..errors import DataWarning, InputError, format_list
from ..layout import resolve_bounds
from .parts import GAP, TEST, TRAIN, VAL
from .points import date_value, format_time, is_position, time_array

__all__ = ["TimeSplit"]


@register
class TimeSplit(JsonMixin, BaseEstimator):
    """Split every series by time into train, validation and test parts.

    Parameters
    ----------
    val_start, test_start : str, Timestamp, datetime, float, int or None
        Where the validation / test part starts in every series.

        * a date (``"2013-01-01"``, a ``Timestamp``): compared with the time column;
          the part starts at the first row at or after it.
        * a float: a numeric time value, compared the same way.
        * an ``int``, or a string of digits such as ``"-8760"``: a **row position
          within each series**; negative counts from the end (``-24``: the last 24
          rows). To mean a year, write a full date (``"2013-01-01"``).
        * ``None``: use the fraction below.
    val_frac, test_frac : float
        Without ``*_start``: the fraction of each series' rows (on the regular grid,
        the same fraction of its time span) given to the part, rounded, at least one
        row when positive. The test part is the end of each series and validation the
        part just before it. ``0`` leaves the part empty.
    gap : int
        Rows left out (part :data:`GAP`) at the end of the training part and at the
        end of the validation part, so that no target of an earlier part lies within
        ``gap`` steps of a later one.

    Attributes
    ----------
    series_names_ : list of str
        Name of each series (``"0"``, ``"1"``, ... without names).
    lengths_ : ndarray of int64
        Rows per series at fit time.
    train_end_, val_begin_, val_end_, test_begin_ : ndarray of int64
        Per series, positions within the series: train is ``[0, train_end_)``,
        validation ``[val_begin_, val_end_)``, test ``[test_begin_, length)``.
        Empty parts have ``begin == end``.
    val_time_, test_time_ : list of (str or None)
        Per series, the time of the first validation / test row (``None`` when the
        part is empty, or positions when fitted without a time column).
    time_kind_ : str
        ``"datetime"``, ``"numeric"`` or ``"position"`` (fitted without time).
    n_rows_ : dict
        Rows per part: ``{"train": ..., "val": ..., "test": ..., "gap": ...}``.

    Examples
    --------
    >>> split = TimeSplit(test_start=-2, val_frac=0.25).fit(np.arange(8.0))
    >>> split.transform().tolist()
    [0, 0, 0, 0, 1, 1, 2, 2]
    """

    def __init__(self, val_start: Any = None, test_start: Any = None,
                 val_frac: float = 0.15, test_frac: float = 0.15, gap: int = 0) -> None:
        self.val_start = val_start
        self.test_start = test_start
        self.val_frac = val_frac
        self.test_frac = test_frac
        self.gap = gap

    # ------------------------------------------------------------------ fit
    def fit(self, time: Any = None, groups: Any = None, *, bounds: Any = None,
            series_names: list[str] | None = None, n_rows: int | None = None) -> TimeSplit:
        """Resolve the split into per-series boundaries.

        Parameters
        ----------
        time : array-like, Table or None
            The time of each row (``datetime64`` — time-zone aware allowed — or
            numbers), or a :class:`~seqguard.table.Table` (its time column, series
            and series names are used). ``None``: positions only (then ``n_rows`` or
            ``bounds`` gives the size, and dates are not allowed).
        groups, bounds : array-like, optional
            The series layout (one of them; neither means one series).
        series_names : list of str, optional
            Used in messages and in :attr:`series_names_`.
        n_rows : int, optional
            Number of rows when ``time`` is None and neither groups nor bounds is given.

        Returns
        -------
        self

        Raises
        ------
        InputError
            Bad options, ``val_start`` not before ``test_start``, a date outside the
            data's time range, a split that leaves a series without training rows, a
            position past the end of a series.
        """
        self._check_params()
        time, groups, series_names = self._unpack_table(time, groups, series_names)
        t_ns, kind, tz = time_array(time)
        if t_ns is not None:
            n = len(t_ns)
        elif bounds is not None:
            n = int(np.asarray(bounds)[-1])
        elif groups is not None:
            n = len(np.asarray(groups))
        elif n_rows is not None:
            n = int(n_rows)
        else:
            raise InputError("TimeSplit.fit needs the time of each row, or bounds/groups/"
                             "n_rows to split by position.")
        b = resolve_bounds(n, groups, bounds)
        lengths = np.diff(b)
        n_series = len(lengths)
        if series_names is None:
            names = [str(k) for k in range(n_series)]
        else:
            names = [str(s) for s in series_names]
            if len(names) != n_series:
                raise InputError(f"series_names has {len(names)} names for {n_series} series.")
        self._names = names
        self._lengths = lengths

        gap = int(self.gap)
        # --- test part: first test row per series
        if self.test_start is not None:
            test_b = self._boundary("test_start", self.test_start, t_ns, kind, tz, b)
        else:
            test_b = lengths - self._frac_rows(self.test_frac, lengths)
        # --- validation part
        if self.val_start is not None:
            val_b = self._boundary("val_start", self.val_start, t_ns, kind, tz, b)
            if self.test_start is not None and not is_position(self.val_start) \
                    and not is_position(self.test_start):
                self._check_date_order(kind, tz)
            bad = np.flatnonzero((val_b >= test_b) & (val_b < lengths))
            if len(bad):
                k = int(bad[0])
                raise InputError(
                    f"val_start={self.val_start!r} is not before the test part in series "
                    f"{names[k]!r} (validation would start at row {int(val_b[k])} of "
                    f"{int(lengths[k])}, test at row {int(test_b[k])}). Validation must "
                    "come before test: move val_start earlier or test_start later."
                )
            val_b = np.minimum(val_b, test_b)
        else:
            val_b = np.maximum(test_b - self._frac_rows(self.val_frac, lengths), 0)
        has_val = val_b < test_b
        has_test = test_b < lengths
        first_b = np.where(has_val, val_b, test_b)
        train_end = first_b - gap
        val_end = np.where(has_val & has_test, test_b - gap, test_b)
        # a series that starts after a split *date* has no training rows: allowed (warned)
        first_is_date = np.where(
            has_val, self.val_start is not None and not is_position(self.val_start),
            self.test_start is not None and not is_position(self.test_start))
        late_series = first_is_date & (first_b == 0)
        by_frac = self.val_start is None and self.test_start is None
        for k in np.flatnonzero((train_end <= 0) & ~late_series).tolist():
            if by_frac:
                raise InputError(
                    f"series {names[k]!r} has {int(lengths[k])} rows: too short to keep "
                    f"training rows with val_frac={self.val_frac}, test_frac="
                    f"{self.test_frac} and gap={gap}. Lower the fractions or the gap, or "
                    "drop this series."
                )
            raise InputError(
                f"series {names[k]!r} has {int(lengths[k])} rows: with val_start="
                f"{self.val_start!r}, test_start={self.test_start!r}, val_frac="
                f"{self.val_frac}, test_frac={self.test_frac} and gap={gap} it keeps no "
                "training rows. Move the split later, lower the fractions or the gap."
            )
        for k in np.flatnonzero(has_val & has_test & (val_end <= val_b)).tolist():
            raise InputError(
                f"series {names[k]!r}: gap={gap} leaves no validation rows (validation "
                f"is {int(test_b[k] - val_b[k])} rows). Lower the gap or enlarge the "
                "validation part."
            )
        train_end = np.maximum(train_end, 0)
        no_train = np.flatnonzero(train_end == 0)
        if len(no_train) == n_series:
            raise InputError(
                f"the split leaves no training rows in any series (val_start="
                f"{self.val_start!r}, test_start={self.test_start!r}). Move the split "
                "dates later."
            )
        if len(no_train):
            warnings.warn(
                f"{len(no_train)} series have no training rows with this split "
                f"({format_list([names[k] for k in no_train])}); they are only "
                "validated or tested on. Move --val-start / --test-start later (or lower "
                "--val-frac / --test-frac) to give them training rows.", DataWarning,
                stacklevel=2)

        self.series_names_ = names
        self.lengths_ = lengths.astype(np.int64)
        self.train_end_ = train_end.astype(np.int64)
        self.val_begin_ = np.where(has_val, val_b, test_b).astype(np.int64)
        self.val_end_ = val_end.astype(np.int64)
        self.test_begin_ = test_b.astype(np.int64)
        self.time_kind_ = kind
        self.val_time_ = self._times_at(time, b, self.val_begin_, has_val, kind)
        self.test_time_ = self._times_at(time, b, self.test_begin_, has_test, kind)
        n_train = int(self.train_end_.sum())
        n_val = int((self.val_end_ - self.val_begin_).sum())
        n_test = int((self.lengths_ - self.test_begin_).sum())
        self.n_rows_ = {"train": n_train, "val": n_val, "test": n_test,
                        "gap": int(n) - n_train - n_val - n_test}
        return self

    def transform(self, time: Any = None, groups: Any = None, *,
                  bounds: Any = None) -> np.ndarray:
        """The ``part`` array (int8 per row: 0 train, 1 val, 2 test, -1 gap).

        With no arguments, for the data given to ``fit``. With a layout
        (``groups``/``bounds``, or a Table/time array to count rows), it must have the
        series lengths seen in ``fit``; to split other data, call ``fit`` on it.
        """
        self.check_fitted()
        lengths = np.asarray(self.lengths_, dtype=np.int64)
        if time is not None or groups is not None or bounds is not None:
            time, groups, _ = self._unpack_table(time, groups, None)
            n = len(time) if time is not None else (
                int(np.asarray(bounds)[-1]) if bounds is not None else len(np.asarray(groups)))
            b = resolve_bounds(n, groups, bounds)
            if not np.array_equal(np.diff(b), lengths):
                raise InputError(
                    f"TimeSplit was fitted on {len(lengths)} series with "
                    f"{int(lengths.sum())} rows; this data has {len(b) - 1} series with "
                    f"{int(b[-1])} rows. Call fit on this data (fit_transform) instead."
                )
        return self._parts(lengths)

    def fit_transform(self, time: Any = None, groups: Any = None, **kw: Any) -> np.ndarray:
        """``fit`` then :meth:`transform` on the same data."""
        return self.fit(time, groups, **kw).transform()

    def boundaries(self) -> pd.DataFrame:
        """Per series: rows, the part boundaries (positions within the series) and times."""
        self.check_fitted()
        return pd.DataFrame({
            "series": list(self.series_names_),
            "n_rows": np.asarray(self.lengths_),
            "train_end": np.asarray(self.train_end_),
            "val_begin": np.asarray(self.val_begin_),
            "val_end": np.asarray(self.val_end_),
            "test_begin": np.asarray(self.test_begin_),
            "val_time": list(self.val_time_),
            "test_time": list(self.test_time_),
        })

    def to_dict(self) -> dict[str, Any]:
        """JSON form; a date given as a Timestamp/datetime is written as an ISO string."""
        params = self.get_params(deep=False)
        for key in ("val_start", "test_start"):
            value = params[key]
            if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date, np.datetime64)):
                params[key] = pd.Timestamp(value).isoformat()
        return {
            "__class__": type(self).__name__,
            "params": {k: encode(v) for k, v in params.items()},
            "state": {k: encode(getattr(self, k)) for k in self.fitted_attributes()},
        }

    # ------------------------------------------------------------------ internals
    def _parts(self, lengths: np.ndarray) -> np.ndarray:
        n = int(lengths.sum())
        part = np.full(n, GAP, dtype=np.int8)
        offsets = np.r_[0, np.cumsum(lengths)]
        te, vb, ve, tb = (np.asarray(a, dtype=np.int64) for a in
                          (self.train_end_, self.val_begin_, self.val_end_, self.test_begin_))
        for k in range(len(lengths)):
            o = offsets[k]
            part[o:o + te[k]] = TRAIN
            part[o + vb[k]:o + ve[k]] = VAL
            part[o + tb[k]:o + lengths[k]] = TEST
        return part

    def _check_params(self) -> None:
        for name in ("val_frac", "test_frac"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)) \
                    or not 0 <= float(v) < 1:
                raise InputError(f"{name} must be a number in [0, 1), got {v!r}. "
                                 f"Pass --{name.replace('_', '-')} 0.15 for example.")
        fracs = (0.0 if self.val_start is not None else float(self.val_frac)) + \
            (0.0 if self.test_start is not None else float(self.test_frac))
        if fracs >= 1:
            raise InputError(
                f"val_frac + test_frac = {fracs:g} leaves no training part in any series. "
                "Keep their sum below 1 (0.15 + 0.15 is the default)."
            )
        g = self.gap
        if isinstance(g, bool) or not isinstance(g, (int, np.integer)) or g < 0:
            raise InputError(f"gap must be a non-negative integer number of rows, got {g!r}.")
        for name in ("val_start", "test_start"):
            v = getattr(self, name)
            ok = isinstance(v, (str, int, float, np.integer, np.floating, pd.Timestamp,
                                _dt.datetime, _dt.date, np.datetime64))
            if v is not None and (not ok or isinstance(v, bool)):
                raise InputError(f"{name} must be a date, a time value or a row position, "
                                 f"got {v!r}.")

    @staticmethod
    def _unpack_table(time: Any, groups: Any, names: Any) -> tuple[Any, Any, Any]:
        from ..table import Table

        if isinstance(time, Table):
            table = time
            if groups is None:
                groups = table.series_codes()
            if names is None:
                names = table.series_names()
            time = table.frame[table.time_col]
        return time, groups, names

    def _boundary(self, name: str, value: Any, t: np.ndarray | None, kind: str, tz: Any,
                  b: np.ndarray) -> np.ndarray:
        """First row (position within each series) of the part starting at ``value``."""
        lengths = np.diff(b)
        if is_position(value):
            p = int(value)
            pos = lengths + p if p < 0 else np.full(len(lengths), p, dtype=np.int64)
            for k in np.flatnonzero((pos <= 0) | (pos >= lengths)).tolist():
                if p == 0:
                    raise InputError(f"{name}=0 leaves no training rows. Pass a position "
                                     "after the start (or a negative one, from the end).")
                raise InputError(
                    f"series {self._names[k]!r} has {int(lengths[k])} rows: too short for "
                    f"{name}={p} (a row position within each series). Pass a smaller "
                    "position, a date, or drop this series."
                )
            return pos.astype(np.int64)
        v = date_value(name, value, kind, tz)
        assert t is not None
        lo, hi = t.min(), t.max()
        if v < lo or v > hi:
            raise InputError(
                f"{name}={value!r} is outside the data's time range "
                f"{format_time(lo, kind, tz)} to {format_time(hi, kind, tz)}. Pass a "
                "date inside that range."
            )
        before = np.empty(len(t) + 1, dtype=np.int64)
        before[0] = 0
        np.cumsum(t < v, out=before[1:])
        return before[b[1:]] - before[b[:-1]]

    def _check_date_order(self, kind: str, tz: Any) -> None:
        v = date_value("val_start", self.val_start, kind, tz)
        t = date_value("test_start", self.test_start, kind, tz)
        if v >= t:
            raise InputError(
                f"val_start={self.val_start!r} is not before test_start="
                f"{self.test_start!r}. Validation must come before test: pass an earlier "
                "val_start."
            )

    @staticmethod
    def _frac_rows(frac: float, lengths: np.ndarray) -> np.ndarray:
        if float(frac) == 0:
            return np.zeros(len(lengths), dtype=np.int64)
        rows = np.floor(float(frac) * lengths + 0.5).astype(np.int64)
        return np.maximum(rows, 1)

    @staticmethod
    def _times_at(time: Any, b: np.ndarray, pos: np.ndarray, present: np.ndarray,
                  kind: str) -> list[str | None]:
        if kind == "position":
            return [str(int(p)) if ok else None for p, ok in zip(pos.tolist(), present.tolist())]
        values = time.to_numpy() if isinstance(time, (pd.Series, pd.Index)) else np.asarray(time)
        rows = b[:-1] + pos
        out: list[str | None] = []
        for r, ok in zip(rows.tolist(), present.tolist()):
            if not ok:
                out.append(None)
            elif kind == "datetime":
                out.append(str(pd.Timestamp(values[r])))
            else:
                out.append(f"{float(values[r]):g}")
        return out
