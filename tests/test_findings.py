"""One findings vocabulary: every code raised in src is registered and documented."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import torch

from seqguard.findings import (
    ALIASES,
    CODES,
    SEVERITIES,
    Finding,
    canonical_code,
    cause_dict,
    finding_dict,
    severity_rank,
    upgrade_findings,
)

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "seqguard"
DOC = ROOT / "docs" / "findings.md"
_CODE = re.compile(r"^[a-z]+(_[a-z]+)+$|^[a-z]+$")
# calls that take a finding code among their first three arguments
_FINDING_CALLS = {"_finding", "_guard_finding", "add_finding", "_flag", "Finding",
                  "finding_dict", "cause_dict"}


def _documented() -> tuple[set[str], dict[str, str]]:
    """The codes of the tables in docs/findings.md, and the old-code table."""
    codes, aliases = set(), {}
    section = ""
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line
        m = re.match(r"^\| `([a-z_]+)` \|", line)
        if not m:
            continue
        if section == "## Old codes":
            aliases[m.group(1)] = re.findall(r"`([a-z_]+)`", line)[1]
        else:
            codes.add(m.group(1))
    return codes, aliases


def _raised_in_src() -> dict[str, list[str]]:
    """Code literals at the places findings are made: ``ctx.add("code", ...)`` (audit),
    ``_finding(sev, "code", ...)`` (diagnose), ``add_finding`` / ``_flag`` (guards),
    and ``{"code": "..."}`` dicts (guard causes, the training loop, the budget)."""
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        where = str(path.relative_to(SRC))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            literals: list[ast.expr] = []
            if isinstance(node, ast.Call):
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
                on_ctx = (isinstance(f, ast.Attribute) and f.attr == "add"
                          and isinstance(f.value, ast.Name) and f.value.id == "ctx")
                if on_ctx:
                    literals = node.args[:1]
                elif name in _FINDING_CALLS:
                    literals = node.args[:3]
            elif isinstance(node, ast.Dict):
                literals = [v for k, v in zip(node.keys, node.values)
                            if isinstance(k, ast.Constant) and k.value == "code"]
            for lit in literals:
                if (isinstance(lit, ast.Constant) and isinstance(lit.value, str)
                        and _CODE.match(lit.value) and lit.value not in SEVERITIES):
                    found.setdefault(lit.value, []).append(where)
    return found


def test_every_code_raised_in_src_is_registered_and_documented():
    raised = _raised_in_src()
    assert len(raised) >= 40  # the scan sees the audit, diagnose and the guards
    unknown = {c: w for c, w in raised.items() if c not in CODES}
    assert not unknown, f"codes raised but not in seqguard.findings.CODES: {unknown}"
    documented, _ = _documented()
    assert set(raised) <= documented


def test_the_registry_and_the_docs_list_the_same_codes():
    documented, aliases = _documented()
    assert documented == set(CODES)
    assert aliases == ALIASES
    assert not set(ALIASES) & set(CODES)  # an old code is never raised any more


def test_one_code_per_problem_in_the_audit_and_diagnose():
    raised = _raised_in_src()
    for old in ALIASES:
        assert old not in raised
    for shared in ("target_constant", "constant_column", "scale_disparity"):
        homes = {w.split("/")[0] for w in raised[shared]}
        assert {"audit", "diagnose"} <= homes, (shared, homes)


def test_one_severity_ranking():
    assert [severity_rank(s) for s in SEVERITIES] == [0, 1, 2]
    assert severity_rank("fatal") == 3


def test_old_codes_are_read_as_today_s():
    assert canonical_code("constant_target") == "target_constant"
    assert canonical_code("outliers") == "outliers"
    doc = {"findings": [{"code": "constant_feature", "evidence": {"v": "nan"}}, "odd"],
           "codes": ["constant_target"], "other": 1}
    assert upgrade_findings(doc) == {
        "findings": [{"code": "constant_column", "evidence": {"v": "nan"}}, "odd"],
        "codes": ["target_constant"], "other": 1}
    assert upgrade_findings(doc, nan_strings=True)["findings"][0]["evidence"] == {"v": None}
    assert Finding.from_dict({"code": "constant_target", "severity": "error"}).code == \
        "target_constant"


def test_finding_dict_forms():
    f = Finding("constant_column", "warning", "k", None, "m", {"v": float("nan")}, "fix")
    assert f.to_dict() == {"code": "constant_column", "severity": "warning", "column": "k",
                           "series": None, "message": "m", "evidence": {"v": None},
                           "fix": "fix"}
    assert list(f.to_dict(place=False)) == ["severity", "code", "message", "evidence", "fix"]
    with pytest.raises(ValueError, match="not in seqguard.findings.CODES"):
        Finding("constant_feature", "warning")


def test_guard_findings_and_causes_are_built_by_the_vocabulary():
    d = finding_dict("warning", "too_short", "m", {"v": float("nan")}, "fix")
    assert list(d) == list(Finding("too_short", "warning").to_dict(place=False))
    assert d["evidence"]["v"] != d["evidence"]["v"]  # NaN kept in memory; the writer encodes
    assert cause_dict("dead_units", "m", {"f": 0.6}, "fix") == {
        "code": "dead_units", "message": "m", "evidence": {"f": 0.6}, "fix": "fix"}
    with pytest.raises(ValueError, match="'constant_feature' is not in seqguard.findings"):
        finding_dict("warning", "constant_feature", "m", {}, "fix")
    with pytest.raises(ValueError, match="severity 'fatal'"):
        finding_dict("fatal", "too_short", "m", {}, "fix")
    with pytest.raises(ValueError, match="'made_up' is not in seqguard.findings"):
        cause_dict("made_up", "m", {}, "fix")


def test_no_finding_dict_is_written_by_hand_in_training_or_diagnose():
    """Findings and causes go through seqguard.findings (finding_dict / cause_dict), so
    a code outside the vocabulary fails where it is raised, not in a saved run."""
    by_hand = []
    for folder in ("training", "diagnose"):
        for path in sorted((SRC / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Dict) and any(
                        isinstance(k, ast.Constant) and k.value == "code"
                        and isinstance(v, ast.Constant) for k, v in zip(node.keys,
                                                                         node.values)):
                    by_hand.append(f"{folder}/{path.name}:{node.lineno}")
    assert not by_hand, by_hand


def test_a_guard_finding_with_an_unknown_code_fails_where_it_is_added():
    from seqguard.training.module import SeqguardModule

    module = SeqguardModule(torch.nn.Linear(1, 1))
    module.add_finding("warning", "dead_units", "m", {"f": 1.0}, "fix")
    module.add_finding("warning", "dead_units", "later", {"f": 2.0}, "fix")
    assert [f["message"] for f in module.findings] == ["later"]  # one per code
    with pytest.raises(ValueError, match="'dead_unit' is not in seqguard.findings.CODES"):
        module.add_finding("warning", "dead_unit", "m", {}, "fix")
