"""Leakage hints: the audit's shifted-target and same-time-copy findings, and inputs
scaled on all rows rather than the training part.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .findings import _finding, _fmt


def _audit_leakage(audit: Mapping[str, Any]) -> list[dict[str, Any]]:
    hints = [f for f in audit.get("findings", []) if isinstance(f, Mapping)
             and str(f.get("code", "")).startswith("leakage")]
    if not hints:
        return []
    parts = []
    for f in hints:
        ev = f.get("evidence", {}) or {}
        if f.get("code") == "leakage_shifted_target":
            parts.append(f"'{f.get('column')}' equals the target {ev.get('shift')} step(s) "
                         "ahead")
        else:
            parts.append(f"'{f.get('column')}' is the target at the same time "
                         f"(r = {_fmt(ev.get('correlation'))})")
    return [_finding(
        "warning", "leakage",
        f"the training data leaks the answer (from the audit): {'; '.join(parts)}. Scores "
        "look better than the model will do on new data.",
        {"columns": [f.get("column") for f in hints],
         "audit_codes": [f.get("code") for f in hints],
         "shifts": [(f.get("evidence") or {}).get("shift") for f in hints]},
        "Drop the leaking column(s) (--features), or shift them back at the source.")]


def _prescaled_leakage(table: Any, part: np.ndarray, columns: list[str],
                       target: str) -> list[dict[str, Any]]:
    """Columns standardised / min-max scaled on all rows before seqguard saw them."""
    from ..splits import TRAIN

    train = part == TRAIN
    if train.all() or not train.any():
        return []
    hits: list[tuple[str, str]] = []
    frame = table.frame
    for col in dict.fromkeys([*columns, target]):
        if col not in frame.columns or col not in getattr(table, "numeric", frame.columns):
            continue
        v = frame[col].to_numpy(np.float64, copy=False)
        ok = np.isfinite(v)
        a, t = v[ok], v[ok & train]
        if len(t) < 10 or len(a) == len(t):
            continue
        std_a = a.std()
        if std_a == 0:
            continue
        if abs(a.mean()) < 1e-6 * std_a + 1e-9 and abs(std_a - 1) < 1e-6 and (
                abs(t.mean()) > 0.05 or abs(t.std() - 1) > 0.05):
            hits.append((str(col), "standardised"))
        elif a.min() == 0 and a.max() == 1 and (t.min() > 0 or t.max() < 1):
            hits.append((str(col), "min-max scaled"))
    if not hits:
        return []
    shown = ", ".join(f"'{c}' ({how})" for c, how in hits[:5])
    return [_finding(
        "warning", "leakage",
        f"statistics fitted on more than the training part: {shown} on all rows (exactly mean "
        "0 / std 1, or min 0 / max 1, over the whole data but not over the training part), "
        "so the scaling used the validation and test rows.",
        {"columns": [c for c, _ in hits], "how": [h for _, h in hits]},
        "Pass the raw values and let seqguard scale them on the training part "
        "(--scaler standard).")]
