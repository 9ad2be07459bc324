"""Findings and the :class:`Diagnosis` that holds them.

The finding dict (:func:`_finding`, the plain form of :class:`seqguard.findings.Finding`),
the cause order (:data:`CAUSE_ORDER`) and :func:`rank_findings`, merging and
de-duplicating findings (with the guards'), and the number formatting the messages use.
The codes and severities are those of :mod:`seqguard.findings` (docs/findings.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..findings import SEVERITIES, canonical_code, finding_dict, severity_rank

#: Codes from most fundamental cause to symptom; the rank within one severity.
CAUSE_ORDER: tuple[str, ...] = (
    "non_finite_input",
    "non_finite_weights",
    "non_finite_activation",
    "target_constant",
    "unscaled_target",
    "activation_range",
    "unscaled_feature",
    "scale_disparity",
    "constant_column",
    "leakage",
    "lr_too_high",
    "exploding_gradients",
    "vanishing_gradients",
    "clipping_most_steps",
    "saturated_gates",
    "dead_units",
    "non_finite_training",
    "non_finite_validation",
    "constant_predictions",
    "no_better_than_mean",
    "no_better_than_persistence",
    "no_better_than_best_baseline",
    "too_short",
    "learned_long_dependency",
)
_RANK = {c: i for i, c in enumerate(CAUSE_ORDER)}
_UNKNOWN_RANK = _RANK["non_finite_training"]  # other guard findings: with the symptoms


def _fmt(x: Any) -> str:
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return str(int(x))
    try:
        return f"{float(x):.3g}"
    except (TypeError, ValueError):
        return str(x)


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


#: The plain dict form of a :class:`~seqguard.findings.Finding` (its code checked).
_finding = finding_dict


def rank_findings(findings: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Most likely cause first: severity, then :data:`CAUSE_ORDER`, then input order."""
    items = [dict(f) for f in findings]
    order = sorted(range(len(items)), key=lambda i: (
        severity_rank(items[i].get("severity")),
        _RANK.get(canonical_code(items[i].get("code")), _UNKNOWN_RANK), i))
    return [items[i] for i in order]


@dataclass
class Diagnosis:
    """The findings of :func:`diagnose`, most likely cause first.

    Attributes
    ----------
    findings : list of dict
        ``{"severity", "code", "message", "evidence", "fix"}``, ranked (see the
        package docstring).
    context : dict
        What was looked at: ``source`` (``"run"``, ``"estimator"``, ``"torch"``,
        ``"keras"``), ``checked`` (the groups of checks that ran), ``n_windows``,
        ``input_len``, ``lr_schedule`` and such.
    """

    findings: list[dict[str, Any]] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def first(self) -> dict[str, Any] | None:
        """The most likely cause (the first finding), or ``None``."""
        return self.findings[0] if self.findings else None

    @property
    def codes(self) -> list[str]:
        """The finding codes, in order."""
        return [str(f["code"]) for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        """Strict-JSON form: ``{"findings", "codes", "counts", "context"}``."""
        from ..metrics import json_safe

        counts = {s: sum(f["severity"] == s for f in self.findings) for s in SEVERITIES}
        return {"findings": json_safe(self.findings), "codes": self.codes,
                "counts": counts, "context": json_safe(self.context)}

    def to_text(self, verbose: bool = False) -> str:
        """A numbered list for people: severity, code, message, fix (and evidence)."""
        if not self.findings:
            what = ", ".join(self.context.get("checked", [])) or "the checks"
            return f"diagnose: no problems found ({what}).\n"
        c = self.to_dict()["counts"]
        lines = [(f"diagnose: {c['error']} error(s), {c['warning']} warning(s), "
                  f"{c['info']} note(s); most likely cause first.")]
        for k, f in enumerate(self.findings, 1):
            lines.append(f"{k}. {f['severity'].upper():7s} {f['code']}: {f['message']}")
            lines.append(f"   fix: {f['fix']}")
            if verbose and f.get("evidence"):
                lines.append("   evidence: " + ", ".join(
                    f"{key}={_evidence_text(v)}" for key, v in f["evidence"].items()))
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.to_text()


def _evidence_text(v: Any) -> str:
    if isinstance(v, (list, tuple)):
        shown = ", ".join(_evidence_text(x) for x in list(v)[:8])
        return f"[{shown}{', ...' if len(v) > 8 else ''}]"
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{k}: {_evidence_text(x)}" for k, x in list(v.items())[:8]) + "}"
    if isinstance(v, float):
        return _fmt(v)
    return str(v)


def _dedupe(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One finding per code: the first, with the evidence keys only later ones have."""
    out: dict[str, dict[str, Any]] = {}
    for f in found:
        kept = out.get(f["code"])
        if kept is None:
            out[f["code"]] = f
        else:
            for k, v in f["evidence"].items():
                kept["evidence"].setdefault(k, v)
    return list(out.values())


def _merge_guard_findings(found: list[dict[str, Any]], guard: list[Mapping[str, Any]],
                          covered: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Add the guards' findings (and the causes CollapseGuard listed) not already found.

    ``covered``: codes the history was judged on again (the guard's verdict on them is
    superseded, e.g. a gradient flag of one early epoch that did not persist).
    """
    have = {f["code"] for f in found} | set(covered)
    out = list(found)
    for g in guard:
        code = canonical_code(g.get("code"))
        if code in have:
            continue
        out.append(_guard_finding(str(g.get("severity", "warning")), code,
                                  str(g.get("message", "")),
                                  {**dict(g.get("evidence") or {}), "source": "guard"},
                                  str(g.get("fix", ""))))
        have.add(code)
        for cause in (g.get("evidence") or {}).get("causes", []) or []:
            c = canonical_code(cause.get("code"))
            if c in have:
                continue
            sev = "error" if c == "unscaled_target" else "warning"
            if c == "too_short":
                sev = "warning"
            msg = str(cause.get("message", ""))
            out.append(_guard_finding(sev, c, msg[:1].upper() + msg[1:] + ".",
                                      {**dict(cause.get("evidence") or {}),
                                       "source": "CollapseGuard"}, str(cause.get("fix", ""))))
            have.add(c)
    return out


def _guard_finding(severity: str, code: str, message: str, evidence: Mapping[str, Any],
                   fix: str) -> dict[str, Any]:
    """A guard's finding as diagnose reports it; one read from a run saved by another
    seqguard version keeps a code this version does not know."""
    from ..findings import CODES

    if code in CODES:
        return _finding(severity, code, message, evidence, fix)
    return {"severity": severity, "code": code, "message": message,
            "evidence": dict(evidence), "fix": fix}
