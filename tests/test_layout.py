"""seqguard.layout: the series layout, checked against pandas and brute-force oracles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from seqguard import layout
from seqguard.errors import InputError


def _random_layout(rng: np.random.Generator, n_series: int = 5, empty: bool = True
                   ) -> np.ndarray:
    lengths = rng.integers(0 if empty else 1, 12, size=n_series)
    return np.r_[0, np.cumsum(lengths)].astype(np.int64)


@pytest.mark.parametrize("seed", range(5))
def test_last_observed_is_a_per_series_ffill(seed: int) -> None:
    rng = np.random.default_rng(seed)
    b = _random_layout(rng)
    n = int(b[-1])
    y = rng.standard_normal(n).astype(np.float32)
    y[rng.random(n) < 0.4] = np.nan
    groups = np.repeat(np.arange(len(b) - 1), np.diff(b))
    expected = pd.Series(y).groupby(groups).ffill().to_numpy(np.float32)
    out = layout.last_observed(y, b)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("seed", range(5))
def test_last_observed_before_never_reads_before_the_series_start(seed: int) -> None:
    rng = np.random.default_rng(seed)
    b = _random_layout(rng, empty=False)
    n = int(b[-1])
    y = rng.standard_normal(n)
    y[rng.random(n) < 0.5] = np.nan
    rows = rng.integers(0, n, size=40)
    s0 = b[layout.series_of_rows(b, rows)]
    expected = []
    for r, s in zip(rows.tolist(), s0.tolist()):
        seen = [y[j] for j in range(s, r + 1) if not np.isnan(y[j])]
        expected.append(seen[-1] if seen else np.nan)
    np.testing.assert_array_equal(layout.last_observed_before(y, rows, s0), expected)


def test_last_observed_before_rejects_rows_outside_y() -> None:
    with pytest.raises(InputError, match=r"rows hold 0\.\.4, outside y's 3 rows\."):
        layout.last_observed_before([1.0, 2.0, 3.0], [0, 4], 0)


def test_row_starts_and_series_of_rows_with_empty_series() -> None:
    b = np.array([0, 2, 2, 5, 5, 6], dtype=np.int64)
    np.testing.assert_array_equal(layout.row_starts(b), np.repeat(b[:-1], np.diff(b)))
    assert layout.row_starts(b, dtype=np.int32).dtype == np.int32
    np.testing.assert_array_equal(layout.series_of_rows(b, np.arange(6)), [0, 0, 2, 2, 2, 4])


def test_last_observed_rows_across_series() -> None:
    missing = np.array([True, False, True, True, False])
    assert layout.last_observed_rows(missing).tolist() == [-1, 1, 1, 1, 4]
    assert layout.last_observed_rows(np.zeros(0, dtype=bool)).tolist() == []


def test_groups_and_bounds_round_trip() -> None:
    groups = np.array([7, 7, 3, 3, 3, 9])
    b = layout.bounds_from_groups(groups)
    assert b.tolist() == [0, 2, 5, 6] and b.dtype == np.int64
    assert layout.groups_from_bounds(b).tolist() == [0, 0, 1, 1, 1, 2]
    assert layout.block_bounds(groups).tolist() == b.tolist()
    assert layout.block_codes(groups).tolist() == [0, 0, 1, 1, 1, 2]
    assert layout.bounds_from_groups([]).tolist() == [0]
    assert layout.block_bounds(np.array([])).tolist() == [0]


def test_a_series_that_comes_back_is_an_error() -> None:
    with pytest.raises(InputError, match=r"groups: series 0 comes back at row 3 after "
                                         r"another series started"):
        layout.bounds_from_groups([0, 0, 1, 0])


@pytest.mark.parametrize("bounds, n_rows, message", [
    ([[0, 1]], None, r"bounds must be a 1-D integer array"),
    ([0.0, 2.0], None, r"bounds must be a 1-D integer array"),
    ([1, 2], None, r"bounds must start at 0 and never decrease"),
    ([0, 3, 2], None, r"bounds must start at 0 and never decrease"),
    ([0, 2], 3, r"bounds end at row 2 but the data has 3 rows"),
], ids=["2-d", "float", "start", "decrease", "end"])
def test_check_bounds_errors(bounds: list, n_rows: int | None, message: str) -> None:
    with pytest.raises(InputError, match=message):
        layout.check_bounds(bounds, n_rows)


def test_resolve_bounds() -> None:
    assert layout.resolve_bounds(4, None, None).tolist() == [0, 4]
    assert layout.resolve_bounds(4, [0, 0, 1, 1], None).tolist() == [0, 2, 4]
    assert layout.resolve_bounds(4, None, [0, 1, 4]).tolist() == [0, 1, 4]
    with pytest.raises(InputError, match="pass either groups or bounds, not both"):
        layout.resolve_bounds(4, [0, 0, 1, 1], [0, 4])
    with pytest.raises(InputError, match=r"groups has shape \(3,\), expected \(4,\)"):
        layout.resolve_bounds(4, [0, 0, 1], None)


@pytest.mark.parametrize("seed", range(3))
def test_sort_order_is_a_stable_sort_by_series_then_time(seed: int) -> None:
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 3, size=30)
    t = rng.integers(0, 10, size=30).astype(np.float64)
    n, order = layout.sort_order(codes, t)
    frame = pd.DataFrame({"c": codes, "t": t})
    expected = frame.sort_values(["c", "t"], kind="stable").index.to_numpy()
    assert order is not None and order.tolist() == expected.tolist()
    unsorted = (codes[1:] < codes[:-1]) | ((codes[1:] == codes[:-1]) & (t[1:] < t[:-1]))
    assert n == int(unsorted.sum())
    assert layout.sort_order(codes[order], t[order]) == (0, None)


@pytest.mark.parametrize("seed", range(3))
def test_continues_series_marks_steps_within_one_series(seed: int) -> None:
    rng = np.random.default_rng(seed)
    b = _random_layout(rng)
    codes = layout.groups_from_bounds(b)
    expected = np.r_[False, codes[1:] == codes[:-1]] if len(codes) else np.zeros(0, bool)
    np.testing.assert_array_equal(layout.continues_series(b), expected)


def test_row_ends_with_empty_series() -> None:
    b = np.array([0, 2, 2, 5, 5, 6], dtype=np.int64)
    np.testing.assert_array_equal(layout.row_ends(b), np.repeat(b[1:], np.diff(b)))
    assert layout.row_ends(b, dtype=np.int32).dtype == np.int32
    assert layout.row_ends(np.zeros(1, dtype=np.int64)).tolist() == []


@pytest.mark.parametrize("seed", range(5))
def test_next_observed_rows_is_the_mirror_of_last_observed_rows(seed: int) -> None:
    rng = np.random.default_rng(seed)
    missing = rng.random(int(rng.integers(0, 30))) < 0.6
    n = len(missing)
    expected = [next((j for j in range(i, n) if not missing[j]), n) for i in range(n)]
    assert layout.next_observed_rows(missing).tolist() == expected
    mirror = n - 1 - layout.last_observed_rows(missing[::-1])[::-1]
    np.testing.assert_array_equal(layout.next_observed_rows(missing), mirror)
