"""State saved before features/, missing/ and scaling/ became packages still works.

tests/data/transforms_before_split.json holds the ``to_dict`` state and the outputs of
a feature builder (every step), a missing-data strategy (every method) and the
scalers, written by tests/data/make_transforms_before_split.py with the code of
commit b5c2d90. Today's code must load that state, write it back unchanged, refit
it unchanged from the same parameters and rows, and transform bit for bit the same.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import seqguard.features
import seqguard.missing
import seqguard.scaling  # noqa: F401  (the imports register the classes for from_dict)
from seqguard._serialize import decode, from_dict

FIXTURE = Path(__file__).parent / "data" / "transforms_before_split.json"
DOC = json.loads(FIXTURE.read_text())
CASES = DOC["cases"]


def _inputs() -> dict[str, Any]:
    raw = DOC["inputs"]
    feats = raw["features"]
    numeric = pd.DataFrame({k: decode(v) for k, v in raw["numeric"].items()})
    return {
        "groups": decode(raw["groups"]),
        "train": decode(raw["train"]),
        "features": pd.DataFrame({"time": pd.to_datetime(feats["time"]),
                                  "a": decode(feats["a"]), "b": decode(feats["b"]),
                                  "cat": pd.Series(feats["cat"], dtype=object)}),
        "numeric": numeric,
        "numeric_abd": numeric[["a", "b", "d"]],
        "target": decode(raw["target"]),
    }


INPUTS = _inputs()


def _same_frame(got: pd.DataFrame, want: dict[str, Any]) -> None:
    assert [str(c) for c in got.columns] == want["columns"]
    for col in want["columns"]:
        expected = decode(want["values"][col])
        actual = got[col].to_numpy()
        assert actual.dtype == expected.dtype, col
        np.testing.assert_array_equal(actual, expected, err_msg=col, strict=True)


def _outputs(obj: Any, case: dict[str, Any]) -> None:
    X, groups = INPUTS[case["input"]], INPUTS["groups"]
    if case["input"] == "target":
        y2 = np.column_stack([X, X[::-1]])
        z = obj.transform(y2, groups=groups)
        np.testing.assert_array_equal(z, decode(case["output_array"]), strict=True)
        np.testing.assert_array_equal(obj.inverse_transform(z, groups=groups),
                                      decode(case["inverse_array"]), strict=True)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = obj.transform(X, groups=groups)
    if case["input"] == "features":
        out = out.drop(columns=["time", "cat"])
    _same_frame(out, case["output"])
    if "inverse" in case:
        _same_frame(obj.inverse_transform(out, groups=groups), case["inverse"])
    if "usable_rows" in case:
        np.testing.assert_array_equal(obj.usable_rows(X, groups=groups),
                                      decode(case["usable_rows"]), strict=True)
        assert obj.report(X, groups=groups).to_dict() == case["report"]


def _today(doc: Any) -> Any:
    """The saved state as today's encoder writes it: since the one strict-JSON policy
    (docs/findings.md) a NaN inside a float array is ``null`` (the dtype restores it)
    instead of the tagged ``{"__float__": "nan"}``; nothing else changed."""
    if isinstance(doc, dict):
        if "__ndarray__" in doc and str(doc.get("dtype", "")).lstrip("<>=|").startswith("f"):
            items = [None if v == {"__float__": "nan"} else v for v in doc["__ndarray__"]]
            return {**doc, "__ndarray__": items}
        return {k: _today(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_today(v) for v in doc]
    return doc


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_saved_state_loads_and_transforms_identically(case: dict[str, Any]) -> None:
    obj = from_dict(case["state"])
    assert obj.to_dict() == _today(case["state"])
    _outputs(obj, case)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_refit_gives_the_saved_state(case: dict[str, Any]) -> None:
    unfitted = from_dict({"__class__": case["state"]["__class__"],
                          "params": case["state"]["params"]})
    X, groups, train = INPUTS[case["input"]], INPUTS["groups"], INPUTS["train"]
    rows = X[train] if case["input"] == "target" else X.iloc[train]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = unfitted.fit(rows, groups=groups[train])
    assert json.loads(json.dumps(fitted.to_dict())) == _today(case["state"])
    _outputs(fitted, case)
