"""seqguard.run_checks: what a run directory's files may ask for, checked before use."""

from __future__ import annotations

import json
import os
import time
import tracemalloc

import pytest
import torch

from seqguard.errors import ArtifactError
from seqguard.models import SequenceModel
from seqguard.run_checks import (
    LIMITS,
    check_arrays,
    check_entries,
    check_model_shapes,
    check_state_names,
    json_depth,
    read_run_file,
)

GRUD = {"value": [0, 1], "mask": [2, 3], "since": [4, 5], "since_transform": "log1p"}


def _shapes(model):
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


@pytest.fixture
def run(tmp_path):
    d = tmp_path / "run"
    d.mkdir()
    (d / "pipeline.json").write_text('{"a": 1}')
    return d


def test_a_plain_file_is_read(run):
    assert json.loads(read_run_file(run, "pipeline.json")) == {"a": 1}
    assert check_entries(run) == []


def test_a_symlink_to_a_file_outside_is_refused_and_never_opened(run, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("outside the run")
    (run / "audit.json").symlink_to(secret)
    before = os.stat(secret).st_atime_ns
    with pytest.raises(ArtifactError, match=r"audit.json in run directory .* symbolic link"):
        read_run_file(run, "audit.json")
    problems = check_entries(run)
    assert len(problems) == 1 and "audit.json" in problems[0] and "secret.txt" in problems[0]
    assert os.stat(secret).st_atime_ns == before


@pytest.mark.parametrize("name", ["../x.json", "/etc/passwd", "", "..", "a\0b"])
def test_a_name_that_is_not_a_plain_file_name_is_refused(run, name):
    with pytest.raises(ArtifactError, match="not a plain file name"):
        read_run_file(run, name)


def test_missing_folder_fifo_and_oversize_are_refused(run):
    with pytest.raises(ArtifactError, match="metrics.json .* is missing"):
        read_run_file(run, "metrics.json")
    (run / "history.csv").mkdir()
    with pytest.raises(ArtifactError, match="history.csv .* not a regular file"):
        read_run_file(run, "history.csv")
    os.mkfifo(run / "fifo")
    assert any("fifo" in p and "not a plain file" in p for p in check_entries(run))
    (run / "big.json").write_bytes(b" " * 2000)
    with pytest.raises(ArtifactError, match="2,000 bytes, more than the 1,000"):
        read_run_file(run, "big.json", max_bytes=1000)


def test_json_depth_skips_strings_and_is_linear():
    assert json_depth('{"a": [1, {"b": "[[[{{{"}]}') == 3
    assert json_depth('"\\"[["') == 0
    deep = "[" * 100_000 + "]" * 100_000
    t = time.perf_counter()
    assert json_depth(deep) == 100_000
    assert time.perf_counter() - t < 2


def test_json_depth_of_a_large_document_with_strings_is_fast():
    """A file near the size limit is measured in seconds, not minutes (the pass is
    C code: one regular expression and numpy), and escaped quotes end no string."""
    row = '{"k": "v\\"[[x", "n": [1, 2, {"m": "}}}"}], "u": "é["}'
    text = "[" + ", ".join([row] * 200_000) + "]"
    assert len(text) > 10_000_000
    t = time.perf_counter()
    assert json_depth(text) == 4
    assert time.perf_counter() - t < 2


@pytest.mark.parametrize("array, match", [
    ({"__ndarray__": [1.0], "dtype": "(10000,10000)f8", "shape": [1]}, "not a plain"),
    ({"__ndarray__": [1.0], "dtype": "V8", "shape": [1]}, "not a plain"),
    ({"__ndarray__": [1.0], "dtype": "<f8", "shape": [-1]}, "non-negative"),
    ({"__ndarray__": [1.0], "dtype": "<f8", "shape": [True]}, "non-negative"),
    ({"__ndarray__": [1.0], "dtype": "<f8", "shape": "1"}, "non-negative"),
    ({"__ndarray__": [1.0, 2.0], "dtype": "<f8", "shape": [3]}, "needs 3 items"),
    ({"__ndarray__": [], "dtype": "<f8", "shape": [10**6, 10**6]}, "more than"),
    ({"__ndarray__": "abc", "dtype": "<f8", "shape": [3]}, "must be a list"),
])
def test_a_crafted_array_is_refused_before_numpy_sees_it(array, match):
    doc = {"pipeline": {"state": {"scaler_": {"state": {"center_": array}}}}}
    tracemalloc.start()
    try:
        with pytest.raises(ArtifactError, match=match) as info:
            check_arrays(doc, "pipeline.json")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "pipeline.scaler_" not in str(info.value)  # the whole path is named
    assert "pipeline.state.scaler_.state.center_" in str(info.value)
    assert peak < 10 * 2**20


def test_good_arrays_pass():
    check_arrays({"a": [{"__ndarray__": [1, 2, 3, 4], "dtype": "<i8", "shape": [2, 2]},
                        {"__ndarray__": ["x"], "dtype": "<U1", "shape": [1]},
                        {"__ndarray__": [], "dtype": "|b1", "shape": [0, 5]}]}, "p.json")


class _Thing:
    def transform(self):
        return 1

    @property
    def n(self):
        return 2


@pytest.mark.parametrize("key", ["transform", "n", "__class__", "__dict__", "a-b", "1x", 3])
def test_a_state_entry_that_would_shadow_the_class_is_refused(key):
    with pytest.raises(ArtifactError, match="_Thing"):
        check_state_names(_Thing, {key: 1}, "pipeline.json")


def test_fitted_names_pass():
    check_state_names(_Thing, {"center_": 1, "feature_names_in_": 2}, "pipeline.json")


@pytest.mark.parametrize("task, extra", [("forecast", {"horizon": 3}), ("tag", {}),
                                         ("classify", {"n_outputs": 2}),
                                         ("classify", {"model": "grud", "n_features": 7,
                                                       "grud_channels": GRUD})])
def test_a_config_that_matches_its_weights_passes(task, extra):
    cfg = {"n_features": 4, "task": task, "hidden": 8, "layers": 2, **extra}
    model = SequenceModel.from_config(cfg)
    check_model_shapes(model.config, _shapes(model), "pipeline.json")


@pytest.mark.parametrize("change, match", [
    ({"hidden": 200_000}, "outside 0 to"),
    ({"layers": 10**7}, "outside 0 to"),
    ({"hidden": 9}, "gives 'encoder.rnn.weight_ih_l0' the shape"),
    ({"layers": 3}, "has no tensor"),
    ({"hidden": 1.5}, "must be an integer"),
    ({"layers": True}, "must be an integer"),
    ({"evil": 1}, "not valid"),
    ({"task": "nope"}, "not valid"),
])
def test_a_config_that_does_not_match_its_weights_is_refused_fast(change, match):
    model = SequenceModel.from_config({"n_features": 4, "task": "forecast", "horizon": 3,
                                       "hidden": 8, "layers": 2})
    cfg = {**model.config, **change}
    t = time.perf_counter()
    with pytest.raises(ArtifactError, match=match):
        check_model_shapes(cfg, _shapes(model), "pipeline.json")
    assert time.perf_counter() - t < 2


def test_a_huge_model_is_never_allocated():
    # the config of a 480-billion-parameter model: built on the meta device only
    cfg = {"n_features": 5, "task": "forecast", "horizon": 3, "hidden": LIMITS["hidden"],
           "layers": 2}
    tracemalloc.start()
    try:
        with pytest.raises(ArtifactError, match="has no tensor|shape"):
            check_model_shapes(cfg, {"rnn.weight_ih_l0": (4, 5)}, "pipeline.json")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20
    assert torch.get_default_device().type == "cpu"  # the meta device does not leak out
