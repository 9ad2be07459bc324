"""One vocabulary of findings for the audit, the training guards and diagnose.

A finding says what is wrong (or worth knowing), how bad it is and how to fix it.
Every part of seqguard that reports problems uses the same pieces:

* :class:`Finding`: the one type (``code``, ``severity``, ``column``, ``series``,
  ``message``, ``evidence``, ``fix``). :func:`seqguard.audit` returns them;
  diagnose and the guards keep them in their plain dict form
  (``Finding.to_dict(place=False)``: ``{"severity", "code", "message", "evidence",
  "fix"}``, built by :func:`finding_dict`; the causes a guard lists in its evidence
  by :func:`cause_dict`), which is what ``audit.json`` and ``diagnosis.json`` hold.
* :data:`SEVERITIES`: ``error`` (training cannot work or failed), ``warning``
  (training runs but is hurt), ``info`` (a fact worth knowing). Every list of
  findings is ranked by :func:`severity_rank` first; within a severity the audit
  orders by column (a table for people), diagnose by cause before symptom
  (:data:`seqguard.diagnose.CAUSE_ORDER`).
* :data:`CODES`: every code any part of seqguard raises, one code per problem.
  ``docs/findings.md`` lists each with who raises it, what it means and the fix (a
  test keeps the two in step). Codes that older versions wrote for a problem that
  now has another code are in :data:`ALIASES`; :func:`upgrade_findings` maps them
  when a saved run directory is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ALIASES", "CODES", "SEVERITIES", "Finding", "canonical_code", "cause_dict",
           "finding_dict", "severity_rank", "upgrade_findings"]

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
_SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}

#: Codes of :func:`seqguard.audit` (the data doctor).
AUDIT_CODES: tuple[str, ...] = (
    "missing_values", "leading_missing", "all_missing", "infinite_values",
    "sentinel_value", "constant_column", "near_constant", "row_index",
    "scale_disparity", "large_values", "outliers", "high_cardinality", "unit_suffix",
    "time_column", "units_stripped", "duplicate_timestamps", "unsorted_rows",
    "irregular_timestamps", "inserted_rows", "na_markers", "target_missing",
    "target_constant", "leakage_shifted_target", "leakage_correlated",
    "series_missing", "short_series",
)
#: Codes of :func:`seqguard.diagnose` (some shared with the audit and the guards).
DIAGNOSE_CODES: tuple[str, ...] = (
    "non_finite_input", "non_finite_weights", "non_finite_activation",
    "target_constant", "unscaled_target", "activation_range", "unscaled_feature",
    "scale_disparity", "constant_column", "leakage", "lr_too_high",
    "exploding_gradients", "vanishing_gradients", "clipping_most_steps",
    "saturated_gates", "dead_units", "non_finite_training", "non_finite_validation",
    "constant_predictions", "no_better_than_mean", "no_better_than_persistence",
    "no_better_than_best_baseline", "too_short", "learned_long_dependency",
)
#: Codes of the training guards and the training loop (``diagnosis.json`` of ``fit``).
GUARD_CODES: tuple[str, ...] = (
    "non_finite_training", "non_finite_validation", "validation_diverged",
    "exploding_gradients", "vanishing_gradients", "constant_predictions",
    "unscaled_target", "lr_too_high", "dead_units", "saturated_gates", "too_short",
    "still_improving",
)
#: Every finding code.
CODES: frozenset[str] = frozenset(AUDIT_CODES + DIAGNOSE_CODES + GUARD_CODES)

#: Old code -> the code of the same problem today (read from saved runs). Diagnose
#: wrote these before it shared the audit's code for the same problem.
ALIASES: dict[str, str] = {
    "constant_target": "target_constant",
    "constant_feature": "constant_column",
}


def severity_rank(severity: Any) -> int:
    """0 for ``error``, 1 for ``warning``, 2 for ``info``; anything else ranks last."""
    return _SEVERITY_RANK.get(str(severity), len(SEVERITIES))


def canonical_code(code: Any) -> str:
    """The code of today for ``code`` (old aliases mapped; unknown codes unchanged)."""
    code = str(code)
    return ALIASES.get(code, code)


@dataclass
class Finding:
    """One problem (or fact) found in the data, the training or the model.

    Attributes
    ----------
    code : stable machine identifier from :data:`CODES`, e.g. ``"missing_values"``.
    severity : ``"error"``, ``"warning"`` or ``"info"``.
    column : the column concerned, or ``None`` (the whole table, or no column).
    series : the series concerned, or ``None`` for all of them.
    message : one sentence with the numbers.
    evidence : the numbers behind the message, as plain JSON values.
    fix : a concrete action, naming command-line options where they exist.

    Raises
    ------
    ValueError
        An unknown ``code`` or ``severity`` (a bug: every code is listed in
        :data:`CODES` and docs/findings.md).

    Examples
    --------
    >>> f = Finding("target_missing", "warning", "y", None, "The target 'y' has ...",
    ...             {"count": 3}, "Check --na-values.")
    >>> f.to_dict(place=False)["code"], severity_rank(f.severity)
    ('target_missing', 1)
    """

    code: str
    severity: str
    column: str | None = None
    series: str | None = None
    message: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    fix: str = ""

    def __post_init__(self) -> None:
        if self.severity not in _SEVERITY_RANK:
            raise ValueError(f"finding {self.code!r}: severity {self.severity!r} is not one "
                             f"of {', '.join(SEVERITIES)}.")
        if self.code not in CODES:
            raise ValueError(f"finding code {self.code!r} is not in seqguard.findings.CODES; "
                             "add it there and to docs/findings.md.")

    def to_dict(self, place: bool = True) -> dict[str, Any]:
        """Plain, strict-JSON form (NaN and inf become ``None``).

        ``place=False`` leaves out ``column`` and ``series`` (the form of diagnose and
        the guards, which are not about one column).
        """
        from ._serialize import json_value

        out: dict[str, Any] = {"code": self.code, "severity": self.severity}
        if place:
            out["column"] = self.column
            out["series"] = self.series
        out.update(message=self.message, evidence=json_value(self.evidence, fallback=str),
                   fix=self.fix)
        if not place:  # diagnose's historical key order
            out = {k: out[k] for k in ("severity", "code", "message", "evidence", "fix")}
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """Rebuild a finding from its dict form (old codes mapped by :data:`ALIASES`)."""
        return cls(canonical_code(data.get("code")), str(data.get("severity", "warning")),
                   data.get("column"), data.get("series"), str(data.get("message", "")),
                   dict(data.get("evidence") or {}), str(data.get("fix", "")))


def finding_dict(severity: str, code: str, message: str, evidence: Mapping[str, Any],
                 fix: str) -> dict[str, Any]:
    """A finding in the dict form of the guards and diagnose, its code and severity checked.

    The keys of ``Finding.to_dict(place=False)`` in the same order; ``evidence`` is kept
    as given (a shallow copy: NaN stays NaN in memory), since the run-directory writer
    encodes it once when it writes ``diagnosis.json``.

    Raises
    ------
    ValueError
        A ``code`` outside :data:`CODES` or a ``severity`` outside :data:`SEVERITIES`.

    Examples
    --------
    >>> finding_dict("warning", "too_short", "still improving", {"epochs": 3}, "Train longer.")
    {'severity': 'warning', 'code': 'too_short', 'message': 'still improving', \
'evidence': {'epochs': 3}, 'fix': 'Train longer.'}
    """
    Finding(code, severity)  # refuses a code or severity outside the vocabulary
    return {"severity": severity, "code": code, "message": message,
            "evidence": dict(evidence), "fix": fix}


def cause_dict(code: str, message: str, evidence: Mapping[str, Any],
               fix: str) -> dict[str, Any]:
    """One likely cause listed in a finding's evidence (``{"code", "message", "evidence",
    "fix"}``: a finding without a severity of its own), its code checked.

    Examples
    --------
    >>> cause_dict("lr_too_high", "the loss went up", {}, "Lower --lr.")["code"]
    'lr_too_high'
    """
    Finding(code, "info")  # refuses a code outside the vocabulary
    return {"code": code, "message": message, "evidence": dict(evidence), "fix": fix}


_NON_FINITE_TEXT = {"nan", "inf", "-inf"}


def upgrade_findings(doc: Mapping[str, Any], nan_strings: bool = False) -> dict[str, Any]:
    """A saved ``audit.json`` / ``diagnosis.json`` in today's vocabulary.

    Finding codes (``findings``, ``codes``, and the same under ``diagnose``) go through
    :func:`canonical_code`. With ``nan_strings`` (audit.json written before NaN became
    ``null``), evidence values ``"nan"``, ``"inf"`` and ``"-inf"`` become ``None``.
    Everything else is returned as it was.
    """
    out = dict(doc)
    if isinstance(out.get("findings"), list):
        out["findings"] = [_upgrade_one(f, nan_strings) for f in out["findings"]]
    if isinstance(out.get("codes"), list):
        out["codes"] = [canonical_code(c) for c in out["codes"]]
    if isinstance(out.get("diagnose"), Mapping):
        out["diagnose"] = upgrade_findings(out["diagnose"], nan_strings)
    return out


def _upgrade_one(f: Any, nan_strings: bool) -> Any:
    if not isinstance(f, Mapping) or "code" not in f:
        return f
    f = dict(f)
    f["code"] = canonical_code(f["code"])
    if nan_strings and isinstance(f.get("evidence"), Mapping):
        f["evidence"] = {k: _no_nan_text(v) for k, v in f["evidence"].items()}
    return f


def _no_nan_text(v: Any) -> Any:
    if isinstance(v, str) and v in _NON_FINITE_TEXT:
        return None
    if isinstance(v, list):
        return [_no_nan_text(x) for x in v]
    if isinstance(v, Mapping):
        return {k: _no_nan_text(x) for k, x in v.items()}
    return v
