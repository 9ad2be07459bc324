"""Lazy window datasets and the batch loader, checked against naive materialised oracles."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from seqguard.errors import InputError
from seqguard.splits import TimeSplit, groups_from_bounds
from seqguard.windows import (
    ClassifyWindows,
    ForecastWindows,
    TagWindows,
    WindowLoader,
    last_observed,
)


# ----------------------------------------------------------------- oracles
def make_data(rng: np.random.Generator, lengths: list[int], n_features: int = 3,
              p_nan: float = 0.2, p_unusable: float = 0.0):
    bounds = np.r_[0, np.cumsum(lengths)].astype(np.int64)
    n = int(bounds[-1])
    X = rng.standard_normal((n, n_features)).astype(np.float32)
    y = rng.standard_normal(n).astype(np.float32)
    y[rng.random(n) < p_nan] = np.nan
    usable = rng.random(n) >= p_unusable
    return X, y, bounds, usable


def naive_last(y: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    out = np.full(len(y), np.nan, dtype=np.float32)
    for a, b in itertools.pairwise(bounds):
        last = np.nan
        for i in range(a, b):
            if not np.isnan(y[i]):
                last = y[i]
            out[i] = last
    return out


def naive_forecast_starts(y, bounds, L, H, part=None, which=0, usable=None):
    """Every start satisfying the documented rules, by brute force."""
    g = groups_from_bounds(bounds)
    last = naive_last(y, bounds)
    out = []
    for s in range(len(y) - L - H + 1):
        if g[s] != g[s + L + H - 1]:
            continue
        if part is not None and not np.all(part[s + L:s + L + H] == which):
            continue
        if np.all(np.isnan(y[s + L:s + L + H])) or np.isnan(last[s + L - 1]):
            continue
        if usable is not None and not usable[s:s + L].all():
            continue
        out.append(s)
    return np.array(out, dtype=np.int64)


def naive_forecast_batch(X, y, last, starts, L, H):
    x = np.stack([X[s:s + L] for s in starts])
    t = np.stack([y[s + L:s + L + H] for s in starts])
    return x, t, last[starts + L - 1]


# ----------------------------------------------------------------- last observed
def test_last_observed_hand_example() -> None:
    y = np.array([np.nan, 2, np.nan, np.nan, 5, np.nan,   # series 0
                  np.nan, np.nan, 7,                       # series 1: starts unobserved
                  1, np.nan], dtype=np.float32)            # series 2
    out = last_observed(y, [0, 6, 9, 11])
    expected = [np.nan, 2, 2, 2, 5, 5, np.nan, np.nan, 7, 1, 1]
    np.testing.assert_array_equal(out, np.array(expected, dtype=np.float32))
    assert out.dtype == np.float32


def test_last_observed_matches_naive(rng: np.random.Generator) -> None:
    _, y, bounds, _ = make_data(rng, [1, 0, 30, 7, 50], p_nan=0.5)
    np.testing.assert_array_equal(last_observed(y, bounds), naive_last(y, bounds))


# ----------------------------------------------------------------- forecast windows
@pytest.mark.parametrize("L, H", [(1, 1), (4, 1), (5, 3), (8, 6)], ids=str)
@pytest.mark.parametrize("case", range(4))
def test_forecast_starts_and_gather_match_naive(rng: np.random.Generator, L: int, H: int,
                                               case: int) -> None:
    lengths = [[40], [3, 25, 14, 9, 30], [2, 60, 1], [20, 20, 20]][case]
    X, y, bounds, usable = make_data(rng, lengths, p_nan=0.3, p_unusable=0.1)
    part = TimeSplit(val_frac=0.25, test_frac=0.25).fit_transform(bounds=bounds) \
        if min(lengths) >= 4 else None
    for which in (0, 1, 2):
        expected = naive_forecast_starts(y, bounds, L, H, part, which, usable)
        ds = ForecastWindows(X, y, bounds, L, H, part=part, which=which, usable=usable,
                             allow_empty=True)
        np.testing.assert_array_equal(ds.starts, expected)
        assert len(ds) == ds.n_candidates - sum(ds.n_dropped.values())
        if not len(ds):
            continue
        idx = np.arange(len(ds))[::-1].copy()
        batch = ds.gather(idx)
        x, t, last = naive_forecast_batch(X, y, naive_last(y, bounds), expected[idx], L, H)
        assert batch["x"].dtype == torch.float32 and batch["x"].shape == (len(ds), L, 3)
        assert torch.equal(batch["x"], torch.from_numpy(x))  # bit exact
        np.testing.assert_array_equal(batch["y"].numpy(), t)  # NaN where missing
        assert torch.equal(batch["y_mask"], torch.from_numpy(~np.isnan(t)))
        assert batch["y_mask"].dtype == torch.bool
        assert torch.equal(batch["last"], torch.from_numpy(last))
        assert not torch.isnan(batch["last"]).any()
        assert torch.equal(batch["start"], torch.from_numpy(expected[idx]))
        assert batch["start"].dtype == torch.int64


def test_windows_never_cross_series_boundaries() -> None:
    # series of 3, 7, 5, 6 rows; a window needs 6 rows
    lengths = [3, 7, 5, 6]
    bounds = np.r_[0, np.cumsum(lengths)]
    n = int(bounds[-1])
    X = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    y = np.zeros(n, dtype=np.float32)
    ds = ForecastWindows(X, y, bounds, input_len=4, horizon=2)
    # series 1 (rows 3..9) gives starts 3, 4; series 3 (rows 15..20) gives 15
    assert ds.starts.tolist() == [3, 4, 15]
    assert ds.series_index().tolist() == [1, 1, 3]
    g = groups_from_bounds(bounds)
    rows = ds.target_rows()
    assert rows.shape == (3, 2)
    assert all(len(set(g[s:s + 6])) == 1 for s in ds.starts)
    assert rows.tolist() == [[7, 8], [8, 9], [19, 20]]


def test_targets_never_cross_split_boundaries_inputs_look_back() -> None:
    n = 30
    X = np.arange(n, dtype=np.float32)[:, None]
    y = np.arange(n, dtype=np.float32)
    part = np.array([0] * 20 + [1] * 5 + [2] * 5, dtype=np.int8)
    L, H = 6, 3
    train = ForecastWindows(X, y, [0, n], L, H, part=part, which="train")
    val = ForecastWindows(X, y, [0, n], L, H, part=part, which="val")
    test = ForecastWindows(X, y, [0, n], L, H, part=part, which="test")
    for ds, p in ((train, 0), (val, 1), (test, 2)):
        assert (part[ds.target_rows()] == p).all()
    # val windows: targets 20..24 -> first target 20..22 -> starts 14..16; inputs in train
    assert val.starts.tolist() == [14, 15, 16]
    assert (part[val.starts] == 0).all()
    # windows whose first target is in val but which end in test are lost
    assert val.n_candidates == 5 and val.n_dropped["crosses_boundary"] == 2
    assert train.starts.max() + L + H == 20
    assert test.starts.tolist() == [19, 20, 21]


def test_gap_rows_hold_no_targets() -> None:
    n = 24
    part = TimeSplit(val_start=-8, test_start=-4, gap=2).fit_transform(n_rows=n)
    X = np.zeros((n, 1), dtype=np.float32)
    y = np.ones(n, dtype=np.float32)
    for which in (0, 1, 2):
        ds = ForecastWindows(X, y, [0, n], 3, 2, part=part, which=which)
        assert (part[ds.target_rows()] == which).all()
    assert ForecastWindows(X, y, [0, n], 3, 2, part=part, which=1).starts.tolist() == [13]


def test_missing_targets_are_masked_and_all_missing_dropped() -> None:
    y = np.array([0, 1, np.nan, np.nan, 4, np.nan, np.nan, 7], dtype=np.float32)
    X = np.zeros((8, 2), dtype=np.float32)
    ds = ForecastWindows(X, y, [0, 8], input_len=2, horizon=2)
    # starts 0..4; starts 0 (targets rows 2, 3) and 3 (rows 5, 6) have no observed target
    assert ds.starts.tolist() == [1, 2, 4]
    assert ds.n_dropped == {"crosses_boundary": 0, "no_target": 2, "no_history": 0,
                            "lost_unusable": 0}
    b = ds.gather(np.arange(3))
    assert b["y_mask"].tolist() == [[False, True], [True, False], [False, True]]
    assert torch.equal(torch.isnan(b["y"]), ~b["y_mask"])
    assert b["last"].tolist() == [1.0, 1.0, 4.0]


def test_last_observed_value_hand_example_with_nans() -> None:
    y = np.array([np.nan, np.nan, 2, np.nan, 4, 5, np.nan, 7,   # series 0
                  np.nan, np.nan, 12, 13], dtype=np.float32)    # series 1
    X = np.arange(12, dtype=np.float32)[:, None]
    ds = ForecastWindows(X, y, [0, 8, 12], input_len=2, horizon=1)
    # start 0: nothing observed up to row 1 -> no_history; starts 1, 4: target NaN.
    # start 8: nothing observed in series 1 up to row 9 (row 7's 7 is another series).
    assert ds.starts.tolist() == [2, 3, 5, 9]
    assert ds.n_dropped == {"crosses_boundary": 0, "no_target": 2, "no_history": 2,
                            "lost_unusable": 0}
    b = ds.gather(np.arange(len(ds)))
    # the last observed target at or before the last input step (row s + 1)
    assert b["last"].tolist() == [2.0, 4.0, 5.0, 12.0]
    assert b["y"].tolist() == [[4.0], [5.0], [7.0], [13.0]]


def test_unusable_rows_and_lost_window_count() -> None:
    n = 12
    X = np.zeros((n, 1), dtype=np.float32)
    X[5, 0] = np.nan  # an incomplete row kept by the drop strategy: never read
    y = np.arange(n, dtype=np.float32)
    usable = np.ones(n, dtype=bool)
    usable[5] = False
    ds = ForecastWindows(X, y, [0, n], input_len=3, horizon=1, usable=usable)
    # starts 0..8; inputs [s, s+3) contain row 5 for s = 3, 4, 5
    assert ds.starts.tolist() == [0, 1, 2, 6, 7, 8]
    assert ds.n_dropped["lost_unusable"] == 3
    assert not torch.isnan(ds.gather(np.arange(len(ds)))["x"]).any()
    # a target on an unusable row is still a target: window 2 predicts row 5
    assert ds.target_rows(np.array([2])).tolist() == [[5]]


def test_precomputed_last_obs_is_used() -> None:
    y = np.array([1, np.nan, 3, np.nan, 5], dtype=np.float32)
    X = np.zeros((5, 1), dtype=np.float32)
    shared = last_observed(y, [0, 5])
    ds = ForecastWindows(X, y, [0, 5], 2, 1, last_obs=shared)
    assert ds.last_obs is shared
    assert ds.starts.tolist() == [0, 2]  # start 1 targets a NaN
    assert ds.gather(np.arange(len(ds)))["last"].tolist() == [1.0, 3.0]


def test_data_is_shared_not_copied() -> None:
    X = np.zeros((50, 4), dtype=np.float32)
    y = np.ones(50, dtype=np.float32)
    ds = ForecastWindows(X, y, [0, 50], 10, 5)
    assert ds.X is X and ds.y is y
    X[20, 0] = 7.0  # visible through the dataset
    assert ds.gather(np.array([11]))["x"][0, 9, 0].item() == 7.0


def test_getitem_single_and_batch() -> None:
    X = np.arange(40, dtype=np.float32).reshape(20, 2)
    y = np.arange(20, dtype=np.float32)
    ds = ForecastWindows(X, y, [0, 20], 4, 2)
    one = ds[3]
    assert one["x"].shape == (4, 2) and one["y"].tolist() == [7.0, 8.0]
    assert one["last"].item() == 6.0 and one["start"].item() == 3
    assert ds[-1]["start"].item() == 14
    assert ds[np.array([0, 1])]["x"].shape == (2, 4, 2)
    with pytest.raises(IndexError, match="window index 15 is out of range for 15 windows"):
        ds[15]
    with pytest.raises(IndexError, match="window index -16 is out of range"):
        ds.gather(np.array([0, -16]))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"input_len": 0}, r"input_len must be an integer >= 1, got 0\. Pass --input-len 1"),
        ({"input_len": 2.5}, r"input_len must be an integer >= 1, got 2\.5"),
        ({"input_len": True}, r"input_len must be an integer >= 1, got True"),
        ({"horizon": -1}, r"horizon must be an integer >= 1, got -1\. Pass --horizon 1"),
        ({"input_len": 10, "horizon": 5},
         (r"a forecast window needs input_len \+ horizon = 10 \+ 5 = 15 rows, but the "
          r"longest series has 12 rows\. Lower --input-len/--horizon\.")),
        ({"which": "valid"}, r"which='valid' is not a part"),
    ],
    ids=["zero-len", "float-len", "bool-len", "negative-horizon", "too-short", "bad-part"],
)
def test_forecast_argument_errors(kwargs: dict, match: str) -> None:
    X = np.zeros((20, 2), dtype=np.float32)
    y = np.ones(20, dtype=np.float32)
    args = {"input_len": 3, "horizon": 1} | kwargs
    with pytest.raises(InputError, match=match):
        ForecastWindows(X, y, [0, 12, 20], **args)


def test_no_windows_in_part_names_the_part_and_why() -> None:
    n = 20
    X = np.zeros((n, 1), dtype=np.float32)
    y = np.ones(n, dtype=np.float32)
    part = np.array([0] * 16 + [1] * 2 + [2] * 2, dtype=np.int8)
    with pytest.raises(InputError, match=r"no forecast windows in the 'val' part: 2 windows "
                                         r"have targets crossing the part's boundary\. "
                                         r"Enlarge the part"):
        ForecastWindows(X, y, [0, n], 4, 3, part=part, which=1)
    y[16:18] = np.nan
    with pytest.raises(InputError, match=r"in the 'val' part: .*1 windows have every target "
                                         "missing"):
        ForecastWindows(X, y, [0, n], 4, 2, part=part, which=1)
    empty = ForecastWindows(X, y, [0, n], 4, 2, part=part, which=1, allow_empty=True)
    assert len(empty) == 0 and empty.n_dropped["no_target"] == 1


def test_all_windows_lost_to_unusable_rows() -> None:
    X = np.zeros((10, 1), dtype=np.float32)
    y = np.ones(10, dtype=np.float32)
    usable = np.tile([True, False], 5)
    with pytest.raises(InputError, match=r"no forecast windows in the data: 8 windows have an "
                                         r"unusable \(incomplete\) input row.*--missing impute"):
        ForecastWindows(X, y, [0, 10], 2, 1, usable=usable)


def test_non_finite_inputs_and_targets_are_refused() -> None:
    X = np.zeros((10, 2), dtype=np.float32)
    X[7, 1] = np.inf
    y = np.ones(10, dtype=np.float32)
    with pytest.raises(InputError, match=r"X row 7 \(series 1\), feature 1 is inf.*"
                                         "Run a missing-data strategy first"):
        ForecastWindows(X, y, [0, 5, 10], 2, 1)
    X[7, 1] = 0
    y[3] = -np.inf
    with pytest.raises(InputError, match=r"y row 3 is -inf: targets must be finite or NaN"):
        ForecastWindows(X, y, [0, 5, 10], 2, 1)


def test_shape_errors() -> None:
    X = np.zeros((10, 2), dtype=np.float32)
    with pytest.raises(InputError, match=r"y has 9 rows but X has 10"):
        ForecastWindows(X, np.ones(9), [0, 10], 2, 1)
    with pytest.raises(InputError, match=r"X has shape \(10,\); expected \(n_rows, n_features\)"):
        ForecastWindows(np.zeros(10), np.ones(10), [0, 10], 2, 1)
    with pytest.raises(InputError, match=r"usable must be a bool array of shape \(10,\)"):
        ForecastWindows(X, np.ones(10), [0, 10], 2, 1, usable=np.ones(10))
    with pytest.raises(InputError, match=r"bounds end at row 8 but the data has 10 rows"):
        ForecastWindows(X, np.ones(10), [0, 8], 2, 1)


def test_float64_inputs_are_converted_once() -> None:
    X = np.arange(20, dtype=np.float64).reshape(10, 2)
    ds = ForecastWindows(X, np.arange(10.0), [0, 10], 2, 1)
    assert ds.X.dtype == np.float32 and ds.gather(np.array([0]))["x"].dtype == torch.float32


# ----------------------------------------------------------------- tag windows
def test_tag_windows_match_naive(rng: np.random.Generator) -> None:
    X, y, bounds, usable = make_data(rng, [9, 25, 3, 16], p_nan=0.3, p_unusable=0.05)
    part = TimeSplit(val_frac=0.3, test_frac=0.3).fit_transform(bounds=bounds)
    L = 3
    g = groups_from_bounds(bounds)
    for stride in (1, 2, None):
        for which in (0, 1, 2):
            ds = TagWindows(X, y, bounds, L, stride=stride, part=part, which=which,
                            usable=usable, allow_empty=True)
            st = L if stride is None else stride
            expected = [s for s in range(len(y) - L + 1)
                        if g[s] == g[s + L - 1] and (s - bounds[g[s]]) % st == 0
                        and (part[s:s + L] == which).all() and usable[s:s + L].all()
                        and not np.isnan(y[s:s + L]).all()]
            assert ds.starts.tolist() == expected
            if not expected:
                continue
            b = ds.gather(np.arange(len(ds)))
            assert b["x"].shape == (len(ds), L, 3) and b["y"].shape == (len(ds), L)
            ref = np.stack([y[s:s + L] for s in expected])
            np.testing.assert_array_equal(b["y"].numpy(), ref)
            assert torch.equal(b["x"], torch.from_numpy(np.stack([X[s:s + L] for s in expected])))
            assert torch.equal(b["y_mask"], torch.from_numpy(~np.isnan(ref)))
            np.testing.assert_array_equal(ds.target_rows(), np.array(expected)[:, None]
                                          + np.arange(L))


def test_tag_window_counts_and_errors() -> None:
    X = np.zeros((10, 1), dtype=np.float32)
    y = np.ones(10, dtype=np.float32)
    part = np.array([0] * 6 + [1] * 4, dtype=np.int8)
    ds = TagWindows(X, y, [0, 10], 4, stride=2, part=part, which=0)
    # candidates starting in train: 0, 2, 4; start 4 covers rows 4..7 -> crosses
    assert ds.starts.tolist() == [0, 2]
    assert ds.n_dropped == {"crosses_boundary": 1, "no_target": 0, "lost_unusable": 0}
    with pytest.raises(InputError, match=r"a tag window needs input_len = 11 rows, but the "
                                         r"longest series has 10 rows"):
        TagWindows(X, y, [0, 10], 11)
    with pytest.raises(InputError, match=r"stride must be an integer >= 1, got 0"):
        TagWindows(X, y, [0, 10], 2, stride=0)
    with pytest.raises(InputError, match=r"no tag windows in the 'val' part: no series has "
                                         r"input_len = 5 rows in this part"):
        TagWindows(X, y, [0, 10], 5, stride=1, part=part, which=1)
    part = np.array([0] * 4 + [1] * 6, dtype=np.int8)
    with pytest.raises(InputError, match=r"no tag windows in the 'train' part: 4 windows have "
                                         r"rows outside the part"):
        TagWindows(X, y, [0, 10], 5, stride=1, part=part, which=0)


# ----------------------------------------------------------------- classify windows
def classify_data():
    lengths = [5, 2, 7, 3]
    bounds = np.r_[0, np.cumsum(lengths)]
    n = int(bounds[-1])
    X = (np.arange(n, dtype=np.float32)[:, None] + 1) * np.array([1, -1], dtype=np.float32)
    return X, bounds, lengths


@pytest.mark.parametrize("pad", ["right", "left"])
def test_classify_pad_and_lengths(pad: str) -> None:
    X, bounds, lengths = classify_data()
    ds = ClassifyWindows(X, bounds, [0, 1, 1, 0], pad=pad)
    b = ds.gather(np.array([0, 1, 2, 3]))
    assert b["x"].shape == (4, 7, 2) and b["x"].dtype == torch.float32
    assert b["lengths"].tolist() == lengths and b["lengths"].dtype == torch.int64
    assert b["y"].tolist() == [0.0, 1.0, 1.0, 0.0] and b["y"].dtype == torch.float32
    for i, (a, n) in enumerate(zip(bounds[:-1], lengths)):
        seq = torch.from_numpy(X[a:a + n])
        zeros = torch.zeros(7 - n, 2)
        expected = torch.cat([seq, zeros]) if pad == "right" else torch.cat([zeros, seq])
        assert torch.equal(b["x"][i], expected), i
    # the batch is padded to its own longest sequence only
    assert ds.gather(np.array([1, 3]))["x"].shape == (2, 3, 2)


def test_classify_right_padding_packs_cleanly() -> None:
    X, bounds, lengths = classify_data()
    ds = ClassifyWindows(X, bounds, [0, 1, 1, 0])
    b = ds.gather(np.array([2, 0, 3, 1]))
    packed = torch.nn.utils.rnn.pack_padded_sequence(b["x"], b["lengths"], batch_first=True,
                                                     enforce_sorted=False)
    assert packed.data.shape[0] == sum(lengths)  # padding never read
    assert not (packed.data == 0).all(dim=1).any()


@pytest.mark.parametrize("truncate, kept", [("left", [3, 4, 5]), ("right", [1, 2, 3])])
def test_classify_truncate(truncate: str, kept: list[int]) -> None:
    X, bounds, _ = classify_data()
    ds = ClassifyWindows(X, bounds, [0, 1, 2, 0], max_len=3, truncate=truncate)
    assert ds.lengths.tolist() == [3, 2, 3, 3] and ds.n_truncated == 2
    b = ds.gather(np.array([0]))
    assert b["x"][0, :, 0].tolist() == kept  # series 0 is rows 0..4, values 1..5
    assert b["y"].dtype == torch.int64 and ds.n_classes == 3


def test_classify_series_subset_and_errors() -> None:
    X, bounds, _ = classify_data()
    ds = ClassifyWindows(X, bounds, [0, 1, 1, 0], series=np.array([3, 1]))
    assert len(ds) == 2
    b = ds[0]
    assert b["series"].item() == 3 and b["lengths"].item() == 3
    with pytest.raises(InputError, match=r"labels has shape \(3,\); expected \(4,\)"):
        ClassifyWindows(X, bounds, [0, 1, 1])
    with pytest.raises(InputError, match=r"labels has dtype <U1; expected class codes"):
        ClassifyWindows(X, bounds, ["a", "b", "a", "b"])
    with pytest.raises(InputError, match=r"labels hold class 3 but n_classes=2"):
        ClassifyWindows(X, bounds, [0, 1, 3, 0], n_classes=2)
    with pytest.raises(InputError, match=r"pad must be 'right' or 'left', got 'both'"):
        ClassifyWindows(X, bounds, [0, 1, 1, 0], pad="both")
    with pytest.raises(InputError, match=r"truncate must be 'left' \(keep the most recent"):
        ClassifyWindows(X, bounds, [0, 1, 1, 0], truncate="middle")


# ----------------------------------------------------------------- loader
def loader_dataset() -> ForecastWindows:
    n = 120
    X = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    y = np.arange(n, dtype=np.float32)
    return ForecastWindows(X, y, [0, 50, 120], 5, 2)  # 44 + 64 = 108 windows


def epoch_starts(loader: WindowLoader) -> list[np.ndarray]:
    return [b["start"].numpy() for b in loader]


def test_loader_covers_each_window_once_per_epoch() -> None:
    ds = loader_dataset()
    loader = WindowLoader(ds, batch_size=32, shuffle=True, seed=1)
    assert len(loader) == 4
    first = epoch_starts(loader)
    second = epoch_starts(loader)
    for epoch in (first, second):
        assert [len(b) for b in epoch] == [32, 32, 32, 12]
        assert sorted(np.concatenate(epoch).tolist()) == ds.starts.tolist()
    assert not np.array_equal(np.concatenate(first), np.concatenate(second))
    assert not np.array_equal(np.concatenate(first), ds.starts)  # shuffled


def test_loader_is_deterministic_with_a_seed() -> None:
    ds = loader_dataset()
    a = WindowLoader(ds, 32, shuffle=True, seed=7)
    b = WindowLoader(ds, 32, shuffle=True, seed=7)
    for _ in range(2):
        assert all(np.array_equal(u, v) for u, v in zip(epoch_starts(a), epoch_starts(b)))
    c = WindowLoader(ds, 32, shuffle=True, seed=8)
    assert not np.array_equal(np.concatenate(epoch_starts(c)),
                              np.concatenate(epoch_starts(WindowLoader(ds, 32, True, 7))))
    a.set_epoch(0)
    assert np.array_equal(np.concatenate(epoch_starts(a)),
                          np.concatenate(epoch_starts(WindowLoader(ds, 32, True, 7))))


def test_loader_in_order_and_drop_last() -> None:
    ds = loader_dataset()
    plain = WindowLoader(ds, 50)
    assert np.array_equal(np.concatenate(epoch_starts(plain)), ds.starts)
    dropped = WindowLoader(ds, 50, shuffle=True, drop_last=True)
    assert len(dropped) == 2 and [len(b) for b in epoch_starts(dropped)] == [50, 50]
    with pytest.raises(InputError, match=r"batch_size must be an integer >= 1, got 0"):
        WindowLoader(ds, 0)


def test_torch_loader_gives_the_same_batches() -> None:
    ds = loader_dataset()
    ours = WindowLoader(ds, 16, shuffle=True, seed=3)
    dl = WindowLoader(ds, 16, shuffle=True, seed=3).torch_loader()
    assert isinstance(dl, torch.utils.data.DataLoader) and len(dl) == len(ours) == 7
    for a, b in zip(ours, dl):
        assert set(a) == set(b)
        assert all(torch.equal(a[k], b[k]) for k in a)


def test_loader_over_tag_and_classify() -> None:
    X, bounds, _ = classify_data()
    cls = WindowLoader(ClassifyWindows(X, bounds, [0, 1, 1, 0]), 3, shuffle=True)
    seen = np.concatenate([b["series"].numpy() for b in cls])
    assert sorted(seen.tolist()) == [0, 1, 2, 3]
    tag = TagWindows(X, np.ones(len(X), np.float32), bounds, 2, stride=1)
    assert sum(len(b["start"]) for b in WindowLoader(tag, 4)) == len(tag) == 13


def test_benchmark_script_runs_small() -> None:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_windows.py"
    spec = importlib.util.spec_from_file_location("bench_windows", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.main(["--rows", "20000", "--features", "4", "--batches", "5",
                         "--input-len", "24", "--horizon", "6"])
    assert result["batches"] == 5 and result["n_windows_train"] > 0
    assert result["tracemalloc_peak"] > 1.0  # the table itself is traced


def test_forecast_windows_keep_unobserved_targets_when_asked():
    X = np.arange(40, dtype=np.float32).reshape(20, 2)
    y = np.arange(20, dtype=np.float32)
    y[12:] = np.nan
    kept = ForecastWindows(X, y, [0, 20], 4, 2, require_target=False)
    dropped = ForecastWindows(X, y, [0, 20], 4, 2)
    assert len(kept) == 15 and kept.n_dropped["no_target"] == 0
    assert len(dropped) == 8 and dropped.n_dropped["no_target"] == 7
    batch = kept.gather(np.array([14]))
    assert torch.isnan(batch["y"]).all() and not batch["y_mask"].any()
    assert batch["last"].item() == 11.0  # the last observed target before the window ends
