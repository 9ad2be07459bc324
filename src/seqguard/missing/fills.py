"""The fills, one function per method of ``--missing``, in the table :data:`FILLS`.

``FILLS[name]`` fills one column in one call of ``transform`` (or ``usable_rows``),
where ``name`` is the impute method (``impute:seasonal`` → ``FILLS["seasonal"]``) or,
for the other kinds, the kind itself (``drop``, ``mask``, ``indicators``);
:func:`fill_key` gives the name for a spec. The methods and their options are
documented in :mod:`seqguard.missing`.

A fill takes a :class:`Gap` (the column, which rows are observed, the spec's options
and what the call computed once for all columns) and writes the missing rows of
``Gap.values`` in place; it returns the rows it makes unusable, or ``None``. Every
read is from an observed row and every write to a missing row, so filling in place
is safe. :func:`_lead` and :func:`_trail` apply the ``lead`` / ``trail`` policies to
the gaps before the first and after the last observation of a series.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._rows import _Rows
from .spec import MissingSpec


@dataclass
class Gap:
    """One column of one call, and what its fill may read.

    Attributes
    ----------
    values : float64 array, NaN where ``observed`` is False; the fill writes into it.
    observed : bool array, True where the value was observed (finite).
    options : the options of the column's spec (``lead``, ``trail``, ``season``, ``k``).
    const : the column's training constant (``fill_``: the median for
        ``impute:median``, the mean otherwise).
    rows : series bounds of the call.
    knn : the ``KNNImputer`` values on the rows that need them (``None``: not
        computed, as in ``usable_rows``, where the training constant stands in).
    time : the time of each row (``impute:time``), row positions otherwise.
    last_pair : ``rows.last_observed(observed)`` when the caller has it already.
    """

    values: np.ndarray
    observed: np.ndarray
    options: dict[str, Any]
    const: float
    rows: _Rows
    knn: np.ndarray | None
    time: np.ndarray
    last_pair: tuple[np.ndarray, np.ndarray] | None = None
    missing: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.missing = ~self.observed

    def last_observed(self) -> tuple[np.ndarray, np.ndarray]:
        """The last observed row at or before each row, and whether it exists."""
        if self.last_pair is None:
            self.last_pair = self.rows.last_observed(self.observed)
        return self.last_pair


Fill = Callable[[Gap], np.ndarray | None]


def _unusable_or_none(unusable: np.ndarray) -> np.ndarray | None:
    return unusable if unusable.any() else None


def _copy_nearest(g: Gap, where: np.ndarray,
                  nearest: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Copy the nearest observed value (``nearest``: its row for each row, and whether it
    exists) onto the ``where`` rows that have one; return the rows that have none."""
    rows, exists = nearest
    m = where & exists
    g.values[m] = g.values[rows[m]]
    return where & ~exists


def _edge(g: Gap, where: np.ndarray, unusable: np.ndarray, option: str, default: str,
          copy: str, nearest: Callable[[], tuple[np.ndarray, np.ndarray]]) -> None:
    """Fill an edge gap by the policy ``g.options[option]``: ``zero``, the training
    constant (``mean``), ``drop`` (the constant, and the rows unusable), or ``copy``:
    the nearest observed value on the other side of the edge (``nearest()``)."""
    if not where.any():
        return
    policy = g.options.get(option, default)
    if policy == "zero":
        g.values[where] = 0.0
        return
    g.values[where] = g.const
    if policy == "drop":
        unusable |= where
    elif policy == copy:
        _copy_nearest(g, where, nearest())


def _lead(g: Gap, where: np.ndarray, unusable: np.ndarray) -> None:
    """Fill a leading gap (no observation before it in the series) by ``lead``."""
    _edge(g, where, unusable, "lead", "mean", "bfill",
          lambda: g.rows.next_observed(g.observed))


def _trail(g: Gap, where: np.ndarray, unusable: np.ndarray) -> None:
    """Fill a trailing gap (no observation after it in the series) by ``trail``."""
    _edge(g, where, unusable, "trail", "ffill", "ffill", g.last_observed)


def _carry_forward(g: Gap, todo: np.ndarray, unusable: np.ndarray) -> None:
    """The last observed value of the series on the ``todo`` rows; ``lead`` before it."""
    _lead(g, _copy_nearest(g, todo, g.last_observed()), unusable)


def leave_missing(g: Gap) -> np.ndarray:
    """``drop``: values stay missing; every missing row is unusable."""
    return g.missing


def training_constant(g: Gap) -> None:
    """``mask``, ``impute:mean``, ``impute:median``: the training constant."""
    g.values[g.missing] = g.const


def knn(g: Gap) -> None:
    """``impute:knn``: the values of the training-fitted ``KNNImputer``."""
    if g.knn is None:  # usable_rows only: the values are not needed
        g.values[g.missing] = g.const
    else:
        g.values[g.missing] = g.knn[g.missing]


def forward(g: Gap) -> np.ndarray | None:
    """``impute:ffill`` and ``indicators``: the last observed value (past only)."""
    unusable = np.zeros(len(g.values), dtype=bool)
    _carry_forward(g, g.missing, unusable)
    return _unusable_or_none(unusable)


def seasonal(g: Gap) -> np.ndarray | None:
    """``impute:seasonal``: the value ``season`` steps earlier; else ffill, else lead."""
    unusable = np.zeros(len(g.values), dtype=bool)
    rows, miss = g.rows, g.missing
    src = rows.idx - int(g.options["season"])
    ok = miss & (src >= rows.start)
    ok[ok] = g.observed[src[ok]]
    g.values[ok] = g.values[src[ok]]
    _carry_forward(g, miss & ~ok, unusable)
    return _unusable_or_none(unusable)


def backward(g: Gap) -> np.ndarray | None:
    """``impute:bfill``: the next observed value (look-ahead); ``trail`` after it."""
    unusable = np.zeros(len(g.values), dtype=bool)
    _trail(g, _copy_nearest(g, g.missing, g.rows.next_observed(g.observed)), unusable)
    return _unusable_or_none(unusable)


def interpolate(g: Gap) -> np.ndarray | None:
    """``impute:linear`` / ``impute:time``: a straight line across each inner gap
    (look-ahead), over row positions or the time; ``lead`` / ``trail`` at the ends."""
    unusable = np.zeros(len(g.values), dtype=bool)
    miss, col, time = g.missing, g.values, g.time
    last, has_last = g.last_observed()
    nxt, has_next = g.rows.next_observed(g.observed)
    inside = miss & has_last & has_next
    i0, i1 = last[inside], nxt[inside]
    span = (time[i1] - time[i0]).astype(np.float64)
    slope = (col[i1] - col[i0]) / span
    col[inside] = slope * (time[inside] - time[i0]).astype(np.float64) + col[i0]
    _lead(g, miss & ~has_last, unusable)
    _trail(g, miss & has_last & ~has_next, unusable)
    return _unusable_or_none(unusable)


#: The fill of each method (impute methods by name, other kinds by kind).
FILLS: dict[str, Fill] = {
    "drop": leave_missing,
    "mask": training_constant,
    "indicators": forward,
    "mean": training_constant,
    "median": training_constant,
    "ffill": forward,
    "bfill": backward,
    "linear": interpolate,
    "time": interpolate,
    "knn": knn,
    "seasonal": seasonal,
}

#: The fills that read the last observed row of the series (computed once per column).
USES_LAST_OBSERVED = frozenset({"indicators", "ffill", "seasonal", "bfill", "linear", "time"})


def fill_key(spec: MissingSpec) -> str:
    """The name of a (resolved) spec's fill in :data:`FILLS`."""
    return spec.method if spec.kind == "impute" and spec.method else spec.kind


def fill(name: str, g: Gap) -> np.ndarray | None:
    """Fill the missing rows of ``g.values`` with ``FILLS[name]``; return the rows it
    makes unusable (``None``: none)."""
    if not g.missing.any():
        return None
    return FILLS[name](g)
