"""What a missing-data strategy makes of some rows: :class:`MissingReport`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
