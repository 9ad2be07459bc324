"""The verdict: does the model beat its baselines, by more than the noise, and what to try."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["SKILL_MARGIN", "beats_baseline", "verdict_lines"]


#: A model beats a baseline only when its skill (1 - MAE/MAE_baseline) exceeds this
#: margin. Smaller gains are within the noise of one test part: on random walks, where
#: persistence is the best possible forecast, 300 test windows gave skills from -0.10
#: to +0.014 by chance alone.
SKILL_MARGIN = 0.02


def beats_baseline(skill_value: float | None, margin: float = SKILL_MARGIN) -> bool:
    """Whether a skill score says the model really beats the baseline (> ``margin``).

    Examples
    --------
    >>> beats_baseline(0.10), beats_baseline(0.01), beats_baseline(None)
    (True, False, False)
    """
    return skill_value is not None and math.isfinite(skill_value) and skill_value > margin


def verdict_lines(metrics: Mapping[str, Any],
                  options: Mapping[str, Any] | None = None) -> list[str]:
    """The verdict of a regression metrics.json, in sentences (what ``fit`` and
    ``evaluate`` print under the score table).

    The model is judged against the best baseline (``best_baseline``, by
    ``skill_vs_best`` and :func:`beats_baseline`) and, for forecasting, against
    persistence too (one sentence when persistence is the best). When the model does
    not beat the best baseline, a last sentence says what would help, for that
    baseline; ``options`` (the estimator's parameters, ``get_params()``) leaves out
    the options the run already used.

    Examples
    --------
    >>> m = {"task": "forecast", "input_len": 6, "best_baseline": "seasonal_naive",
    ...      "skill_vs_best": -0.77, "skill_vs_persistence": 0.572,
    ...      "prediction_std_ratio": 0.9, "baselines": {"seasonal_naive": {"season": 12}}}
    >>> for line in verdict_lines(m): print(line)
    The model does NOT beat seasonal_naive (the best baseline): skill -0.770 (1 - MAE/MAE_seasonal_naive).
    The model beats persistence: skill +0.572 (1 - MAE/MAE_persistence); prediction std ratio 0.900.
    To beat seasonal_naive: the target repeats every 12 steps; give the model at least one season of history with --input-len 12 or more (now 6), the season position with --calendar auto, and the value one season back with --lags 12.
    """
    best = metrics.get("best_baseline")
    sk_best = metrics.get("skill_vs_best")
    sk_p = metrics.get("skill_vs_persistence")
    ratio = metrics.get("prediction_std_ratio")
    tail = "; prediction std ratio " + ("-" if ratio is None else f"{ratio:.3f}")
    lines: list[str] = []
    if best is not None and sk_best is not None:
        lines.append(_verdict_sentence(str(best), float(sk_best), best=True))
    if sk_p is not None and best != "persistence":
        lines.append(_verdict_sentence("persistence", float(sk_p)))
    if not lines:
        return lines
    lines[-1] = lines[-1][:-1] + tail + "."
    if best is not None and not beats_baseline(sk_best):
        advice = _advice(str(best), metrics, options or {})
        if advice:
            lines.append(advice)
    return lines


def _verdict_sentence(name: str, value: float, best: bool = False) -> str:
    won = beats_baseline(value)
    noise = f" (a gain under {SKILL_MARGIN:.0%} is within the noise)" \
        if 0 < value <= SKILL_MARGIN else ""
    if best and won:
        head = f"The model beats {name}, the best baseline:"
    elif best:
        head = f"The model does NOT beat {name} (the best baseline):"
    else:
        head = f"The model {'beats' if won else 'does NOT beat'} {name}:"
    return f"{head} skill {value:+.3f} (1 - MAE/MAE_{name}){noise}."


def _uses_lag(lags: Any, season: int) -> bool:
    """Whether a ``--lags`` value (``"1,12"``, ``"y:12;x:1"``, a list) holds ``season``."""
    if lags is None:
        return False
    text = lags if isinstance(lags, str) else ",".join(str(v) for v in lags)
    return str(season) in {p.strip() for p in text.replace(";", ",").replace(":", ",")
                           .split(",")}


def _advice(best: str, metrics: Mapping[str, Any], options: Mapping[str, Any]) -> str:
    """What would help a model that loses to ``best`` (leaving out what ``options`` use)."""
    baselines = metrics.get("baselines") or {}
    entry = baselines.get(best) or {}
    season = entry.get("season")
    position = entry.get("position") or (baselines.get("climatology") or {}).get("position")
    input_len = metrics.get("input_len")
    tag = metrics.get("task") == "tag"
    if best in ("seasonal_naive", "climatology") and isinstance(season, int) and season > 1:
        where = f" ({position})" if position else ""
        if tag:
            return (f"To beat {best}: the target follows a season of {season} steps{where}; "
                    "give the model the season position with --calendar auto, and inputs "
                    "that carry the season (--features).")
        parts = []
        if isinstance(input_len, int) and input_len < season:
            parts.append(f"at least one season of history with --input-len {season} or "
                         f"more (now {input_len})")
        if not options.get("calendar"):
            parts.append("the season position with --calendar auto")
        if not _uses_lag(options.get("lags"), season):
            parts.append(f"the value one season back with --lags {season}")
        if not parts:
            epochs = options.get("epochs")
            more = f"--epochs above {epochs}" if isinstance(epochs, int) else "more --epochs"
            return (f"To beat {best}: the model already sees the season (--calendar, --lags "
                    f"{season}); train longer ({more}) or give it more inputs that lead the "
                    "target (--features, --rolling).")
        listed = ", ".join(parts[:-1]) + ", and " + parts[-1] if len(parts) > 1 else parts[0]
        return (f"To beat {best}: the target repeats every {season} steps{where}; give the "
                f"model {listed}.")
    if best == "persistence":
        return ("To beat persistence: train longer (more --epochs) or with a lower --lr, "
                "and add inputs that lead the target (--features, --lags, --rolling); on a "
                "random walk nothing beats it.")
    if best in ("mean", "climatology"):
        return (f"To beat {best}: the inputs tell the model little about the target; add "
                "informative inputs (--features, --calendar auto) or train longer "
                "(more --epochs).")
    return ""
