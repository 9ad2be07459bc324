"""The table of fills: one entry per method of ``--missing``, found by its name."""

from __future__ import annotations

import pytest

from seqguard.missing import FILLS, IMPUTE_METHODS, KINDS, parse_missing
from seqguard.missing.fills import fill_key

SPECS = [k for k in KINDS if k != "auto"] + [
    f"impute:{m}" + (":season=2" if m == "seasonal" else "") for m in IMPUTE_METHODS]


def test_every_method_has_one_fill() -> None:
    assert set(FILLS) == {k for k in KINDS if k != "auto"} | set(IMPUTE_METHODS)


@pytest.mark.parametrize("spec", SPECS, ids=SPECS)
def test_a_spec_finds_its_fill_by_name(spec: str) -> None:
    name = spec.split(":")[1] if spec.startswith("impute:") else spec
    assert fill_key(parse_missing(spec)) == name
    assert callable(FILLS[name])
