"""The learned state of :class:`~seqguard.missing.MissingStrategy` from training counts.

Shared by ``fit`` (counts of the training rows in memory) and ``fit_from_counts``
(counts gathered shard by shard, :mod:`seqguard.io.streaming`): what a column's
missing values and mean decide (fills, channels, output names), and the warnings
about columns without observations and about fills that look ahead.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..errors import DataWarning, InputError, LeakageWarning, format_list
from .channels import OBSERVED_SUFFIX, SINCE_SUFFIX
from .spec import MissingSpec, parse_missing


def learned_state(names: list[str], cols: list[str], specs: dict[str, MissingSpec],
                  n_missing: np.ndarray, empty_cols: list[bool], mean: list[float],
                  fills: list[float], n_rows: int) -> dict[str, Any]:
    """``columns_``, ``methods_``, ``n_missing_train_``, ``mean_``, ``fill_``, the
    channels and ``feature_names_out_`` of the columns ``cols`` of ``names``."""
    state: dict[str, Any] = {
        "columns_": list(cols),
        "methods_": {c: str(specs[c]) for c in cols},
        "n_missing_train_": {c: int(n_missing[j]) for j, c in enumerate(cols)},
        "mean_": {c: float(mean[j]) for j, c in enumerate(cols)},
        "fill_": {c: float(fills[j]) for j, c in enumerate(cols)},
    }
    empty = [c for j, c in enumerate(cols) if empty_cols[j]]
    if empty:
        warnings.warn(
            f"MissingStrategy: column(s) {format_list(empty)} have no observed value "
            f"in the training part ({n_rows} rows); their missing values are filled "
            "with 0.0, the standardised mean. Drop them, or move the split so that "
            "training sees them.",
            DataWarning, stacklevel=5,
        )
    missing = state["n_missing_train_"]
    observed = {c: c + OBSERVED_SUFFIX for c in cols
                if missing[c] and specs[c].kind in ("mask", "indicators")}
    since = {c: c + SINCE_SUFFIX for c in cols
             if missing[c] and specs[c].kind == "indicators"}
    out = list(names)
    for c in cols:
        out += [ch[c] for ch in (observed, since) if c in ch]
    clash = sorted(set(out[len(names):]) & set(names))
    if clash:
        raise InputError(
            f"MissingStrategy would add channel(s) {format_list(clash)}, but the data "
            "already has columns of that name. Rename those columns."
        )
    state.update(observed_channels_=observed, since_channels_=since,
                 since_transform_="log1p",
                 feature_names_out_=np.asarray(out, dtype=object))
    return state


def warn_lookahead(cols: list[str], specs: dict[str, MissingSpec]) -> None:
    """A :class:`~seqguard.errors.LeakageWarning` per look-ahead spec in use."""
    lookahead: dict[str, list[str]] = {}
    for c in cols:
        if specs[c].lookahead:
            lookahead.setdefault(str(specs[c]), []).append(c)
    for spec_text, where in lookahead.items():
        reason = parse_missing(spec_text).lookahead
        warnings.warn(
            f"MissingStrategy: {spec_text!r} for column(s) {format_list(where)} looks "
            f"ahead in time: {reason}. Those values are not known at prediction time, "
            "so scores will look better than they are. Use 'impute:ffill' or "
            "'indicators' (past only) unless this is deliberate.",
            LeakageWarning, stacklevel=5,
        )
