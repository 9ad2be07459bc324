"""The results section: scores against every baseline, and the plots behind them.

From ``metrics.json`` alone: the scores table (the model and each baseline, with the
model's skill against each), the verdict against the best baseline, error by
horizon with each baseline's curve, the prediction spread ratio, and with several
series the per-series table and plot (``by_series``, worst first; runs of earlier
versions get the table from the data and the estimator). From the data
and the estimator (:mod:`.evidence`): forecasts against actuals for a few test
windows (some with missing inputs), predicted against observed, the spread of the
predictions against the spread of the targets, and for classification ROC and precision-recall curves and a confusion matrix.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .evidence import Evidence
from .html import esc, fmt, note, table
from .plots import COLORS, figure, integer_ticks, label, thin
from .sections import NEEDS_DATA
from .source import RunView

__all__ = ["results_section"]

MAX_POINTS = 2000
_BASELINE_NAMES = {"persistence": "persistence (last observed value)",
                   "seasonal_naive": "seasonal naive (one season ago)",
                   "climatology": "climatology (training mean at this position)",
                   "mean": "training mean (the training part's mean)", "majority": "majority class",
                   "base_rate": "training class shares"}


def _needs(what: str) -> str:
    return note(f"Not shown: {what}; each {NEEDS_DATA}.", "missing", needs="data")


def results_section(view: RunView, ev: Evidence) -> str:
    m = view.metrics
    if m is None:
        return note("metrics.json is missing: no scores" + (
            " (training failed, so nothing was scored)." if view.failed else "."),
            "missing", needs="metrics.json")
    if m.get("task") == "classify":
        return _classify(m, ev)
    return _regression(view, m, ev)


def _skill(mae: Any, base: Any) -> float | None:
    try:
        return 1 - float(mae) / float(base) if base else None
    except (TypeError, ValueError):
        return None


def _regression(view: RunView, m: dict[str, Any], ev: Evidence) -> str:
    tgt = str(m.get("target") or view.target or "target")
    test = m.get("test") or {}
    base = m.get("baselines") or {}
    rows: list[Any] = [("model", test.get("mae"), test.get("rmse"), test.get("smape"),
                        test.get("mase"), None, "the fitted model")]
    for name, b in base.items():
        if isinstance(b, dict):
            rows.append((name.replace("_", " "), b.get("mae"), b.get("rmse"), None, None,
                         _skill(test.get("mae"), b.get("mae")),
                         _BASELINE_NAMES.get(name, name).partition("(")[2].rstrip(")")
                         or name))
    parts = [table(["", f"MAE ({tgt})", f"RMSE ({tgt})", "sMAPE (%)", "MASE",
                    "model's skill vs it", "what it predicts"], rows, name="scores",
                   numeric=[False, True, True, True, True, True, False],
                   caption=f"Test scores in {tgt}'s units, over observed targets only; skill "
                           "= 1 − MAE_model / MAE_baseline (above 0: the model is better).")]
    best, skill = m.get("best_baseline"), m.get("skill_vs_best")
    if best is not None and skill is not None:
        verdict = "beats" if float(skill) > 0 else "does NOT beat"
        parts.append(f'<p class="{"note" if float(skill) > 0 else "warn"}">The model '
                     f"{verdict} the best baseline, {esc(_BASELINE_NAMES.get(best, best))}: "
                     f"skill {esc(fmt(skill, 3))}.</p>")
    if m.get("task") == "forecast" and test.get("by_horizon"):
        parts.append(_by_horizon(m, tgt))
    elif m.get("task") == "forecast":
        parts.append(note("metrics.json has no error by horizon.", "missing",
                          needs="metrics.json"))
    ratio = m.get("prediction_std_ratio")
    parts.append("<h3>Prediction spread</h3>")
    if ratio is not None:
        cls = "warn" if float(ratio) < 0.3 else "note"
        parts.append(f'<p class="{cls}">std(predictions) / std(observed targets) on the '
                     f"test part: {esc(fmt(ratio, 3))} (near 0: the predictions are nearly "
                     "constant; near 1: they vary as much as the target).</p>")
    by_series = m.get("by_series")
    from_metrics = isinstance(by_series, list) and len(by_series) > 1
    if from_metrics and isinstance(by_series, list):
        parts.append(_by_series(view, by_series, tgt))
    if ev.test is None or ev.test.empty:
        parts.append(_needs("forecast against actual, predicted against observed, the spread "
                            "plot" + ("" if from_metrics or by_series else
                                      " and the per-series table")))
        return "".join(parts)
    parts.append(_spread(m, ev, tgt))
    if m.get("task") == "forecast":
        parts += ["<h3>Forecast against actual</h3>", _windows(m, ev, tgt)]
    else:
        parts += ["<h3>Prediction against actual over time</h3>", _tag_series(ev, tgt)]
    parts += ["<h3>Predicted against observed</h3>", _scatter(ev, tgt)]
    if by_series is None:  # a run of an earlier version: the table from the predictions
        parts.append(_per_series(m, ev, tgt))
    return "".join(parts)


#: Series the per-series table shows (the worst), and bars the per-series plot draws.
SERIES_ROWS, SERIES_BARS = 100, 30


def _by_series(view: RunView, entries: list[Any], tgt: str) -> str:
    """The per-series table of metrics.json's ``by_series`` (worst first), with each
    series' share of the target missing from the audit, and the skill of the worst."""
    rows_ok = [e for e in entries if isinstance(e, dict)]
    audit = {str(a.get("series")): a for a in (view.audit or {}).get("by_series") or []
             if isinstance(a, dict)}
    base = next((e.get("baseline") for e in rows_ok if e.get("baseline")), None)
    bname = str(base or "baseline").replace("_", " ")
    header = ["series", "scored values", f"MAE ({tgt})", f"RMSE ({tgt})",
              f"{bname} MAE ({tgt})", f"skill vs {bname}", "target missing (%)"]
    rows = []
    for e in rows_ok[:SERIES_ROWS]:
        tm = (audit.get(str(e.get("series"))) or {}).get("target_missing")
        rows.append([str(e.get("series")), e.get("n"), e.get("mae"), e.get("rmse"),
                     e.get("baseline_mae"), e.get("skill"),
                     None if tm is None else 100 * float(tm)])
    n = len(rows_ok)
    more = f" (the worst {SERIES_ROWS} of {n:,})" if n > SERIES_ROWS else f" ({n} series)"
    losing = sum(1 for e in rows_ok if e.get("skill") is not None and float(e["skill"]) < 0)
    out = ["<h3>Per series, worst first</h3>",
           (f'<p class="{"warn" if losing else "note"}">The model loses to {esc(bname)} '
            f"on {losing} of {n} series.</p>"),
           table(header, rows, name="per-series",
                 numeric=[False, True, True, True, True, True, True],
                 caption=f"Test scores per series{more}, in {tgt}'s units (metrics.json "
                         f"by_series), sorted by skill vs {bname}, lowest first; the share of "
                         "the target missing is the audit's, over the whole series.")]
    bars = [e for e in rows_ok if e.get("skill") is not None][:SERIES_BARS]
    if bars:
        def draw(ax: Any) -> None:
            names = [label(str(e["series"])) for e in bars][::-1]
            vals = [float(e["skill"]) for e in bars][::-1]
            ax.barh(range(len(vals)), vals,
                    color=[COLORS[1] if v < 0 else COLORS[0] for v in vals])
            ax.set_yticks(range(len(vals)), names)
            ax.axvline(0.0, color="#000000", lw=0.8)
            ax.set_xlabel(label(f"skill vs {bname}"))

        out.append(figure("per-series", draw, f"Skill vs {bname} of the worst "
                          f"{len(bars)} series (below 0: the baseline is better there).",
                          size=(6.4, max(2.4, 0.6 + 0.22 * len(bars))), fit=True))
    return "".join(out)


def _by_horizon(m: dict[str, Any], tgt: str) -> str:
    curves = [("model", m["test"]["by_horizon"])]
    curves += [(n, b["by_horizon"]) for n, b in (m.get("baselines") or {}).items()
               if isinstance(b, dict) and b.get("by_horizon")]

    def draw(ax: Any) -> None:
        for i, (name, rows) in enumerate(curves):
            h = [r.get("h") for r in rows]
            y = [np.nan if r.get("mae") is None else r["mae"] for r in rows]
            ax.plot(h, y, marker="o" if len(h) < 30 else None, ms=3, lw=2 if i == 0 else 1.2,
                    color=COLORS[i % len(COLORS)], label=label(name.replace("_", " ")))
        ax.set_xlabel("steps ahead (horizon)")
        integer_ticks(ax)
        ax.set_ylabel(label(f"MAE ({tgt})"))
        ax.legend(loc="best")

    return figure("by-horizon", draw, f"Test MAE by steps ahead, in {tgt}'s units: the model "
                  "and each baseline.")


def _windows(m: dict[str, Any], ev: Evidence, tgt: str) -> str:
    if not ev.windows:
        return note("no test window with an observed target to show.", "missing")
    n = len(ev.windows)
    cols = 2 if n > 1 else 1
    rows = (n + cols - 1) // cols

    several = len({w["series"] for w in ev.windows}) > 1 or (
        ev.per_series is not None and len(ev.per_series) > 1)

    def draw(axes: Any) -> None:
        flat = np.atleast_1d(axes).ravel()
        for ax, w in zip(flat, ev.windows, strict=False):
            ax.plot(w["past_x"], w["past"], color="#7f7f7f", lw=1, label="input (observed)")
            ax.plot(w["h"], w["obs"], color="#000000", marker="o", ms=2.5, lw=1,
                    label="actual")
            ax.plot(w["h"], w["pred"], color=COLORS[0], lw=2, label="forecast")
            ax.plot([w["h"][0], w["h"][-1]], [w["persistence"]] * 2, color=COLORS[1], lw=1,
                    ls=":", label="persistence")
            ax.axvline(0.5, color="#bbbbbb", lw=0.8)
            gap = " · input gaps" if w["inputs_missing"] else ""
            where = f"{w['series']} · " if several else ""
            ax.set_title(label(f"{where}{str(w['origin'])[:16]}{gap}"), fontsize=8)
            ax.set_xlabel("steps from the origin")
            ax.set_ylabel(label(tgt))
        for ax in flat[n:]:
            ax.set_visible(False)
        flat[0].legend(loc="best", fontsize=7)

    gaps = sum(w["inputs_missing"] for w in ev.windows)
    return figure("forecasts", draw, f"{n} test windows, titled by their origin (the last "
                  f"input step), {gaps} with missing inputs (breaks in the grey input line): "
                  f"forecast, actual and persistence, in {tgt}'s units.",
                  size=(6.4, 2.4 * rows), rows=rows, cols=cols)


def _tag_series(ev: Evidence, tgt: str) -> str:
    assert ev.test is not None
    first = ev.test["series"].iloc[0]
    g = ev.test[ev.test["series"] == first].iloc[:500]

    def draw(ax: Any) -> None:
        ax.plot(g["time"], g["observed"], color="#000000", lw=1, label="actual")
        ax.plot(g["time"], g["prediction"], color=COLORS[0], lw=1.5, label="prediction")
        ax.set_ylabel(label(tgt))
        ax.legend(loc="best")
        ax.tick_params(axis="x", labelrotation=20)

    return figure("forecasts", draw, f"Test part of series {first} (first {len(g)} steps): "
                  f"prediction and actual, in {tgt}'s units.")


def _scatter(ev: Evidence, tgt: str) -> str:
    assert ev.test is not None
    ok = ev.test[ev.test["observed"].notna()]
    idx = thin(len(ok), MAX_POINTS)
    x, y = ok["observed"].to_numpy(float)[idx], ok["prediction"].to_numpy(float)[idx]

    def draw(ax: Any) -> None:
        ax.scatter(x, y, s=4, alpha=0.35, color=COLORS[0], linewidths=0)
        if len(x):
            lo, hi = float(np.nanmin([x.min(), y.min()])), float(np.nanmax([x.max(), y.max()]))
            ax.plot([lo, hi], [lo, hi], color="#000000", lw=1, label="predicted = observed")
            ax.legend(loc="upper left")
        ax.set_xlabel(label(f"observed {tgt}"))
        ax.set_ylabel(label(f"predicted {tgt}"))
        ax.set_aspect("equal", adjustable="datalim")

    shown = f"{len(idx):,} of {len(ok):,} points, drawn at random" if len(idx) < len(ok) \
        else f"all {len(ok):,} points"
    return figure("predicted-observed", draw, f"Predicted against observed {tgt} on the test "
                  f"part ({shown}); points on the diagonal are exact.", size=(4.6, 4.2))


def _spread(m: dict[str, Any], ev: Evidence, tgt: str) -> str:
    assert ev.test is not None
    ok = ev.test[ev.test["observed"].notna()]
    if m.get("task") == "forecast":
        g = ok.groupby("horizon")
        sp, so = g["prediction"].std(), g["observed"].std()

        def draw(ax: Any) -> None:
            ax.plot(sp.index, sp.to_numpy(), color=COLORS[0], lw=2, label="predictions")
            ax.plot(so.index, so.to_numpy(), color="#000000", lw=1.2, label="observed targets")
            ax.set_xlabel("steps ahead (horizon)")
            integer_ticks(ax)
            ax.set_ylabel(label(f"standard deviation ({tgt})"))
            ax.set_ylim(bottom=0)
            ax.legend(loc="best")

        return figure("spread", draw, f"Spread of the predictions against the spread of the "
                      f"observed targets by horizon, in {tgt}'s units: a prediction line far "
                      "below the target line means the model hedges towards a constant.",
                      size=(6.4, 2.6))

    def draw_hist(ax: Any) -> None:
        both = np.r_[ok["observed"].to_numpy(float), ok["prediction"].to_numpy(float)]
        bins = np.histogram_bin_edges(both[np.isfinite(both)], bins=40)
        ax.hist(ok["observed"], bins=bins, color="#000000", alpha=0.35, label="observed")
        ax.hist(ok["prediction"], bins=bins, color=COLORS[0], alpha=0.5, label="predictions")
        ax.set_xlabel(label(tgt))
        ax.set_ylabel("steps")
        ax.legend(loc="best")

    return figure("spread", draw_hist, f"Distribution of the predictions against the observed "
                  f"targets on the test part, in {tgt}'s units.", size=(6.4, 2.6))


def _per_series(m: dict[str, Any], ev: Evidence, tgt: str) -> str:
    ps = ev.per_series
    if ps is None or len(ps) < 2:
        return note("One series: no per-series table.")
    has_base = "base_mae" in ps.columns
    header = ["series", "scored values", f"MAE ({tgt})", f"RMSE ({tgt})"]
    if has_base:
        header += [f"persistence MAE ({tgt})", "skill vs persistence"]
    rows = []
    for r in ps.head(100).itertuples(index=False):
        row = [str(r.series), int(r.n), float(r.mae), float(r.rmse)]
        if has_base:
            row += [float(r.base_mae), None if pd.isna(r.skill) else float(r.skill)]
        rows.append(row)
    more = f" (the worst 100 of {len(ps):,})" if len(ps) > 100 else ""
    return "<h3>Per series, worst first</h3>" + table(
        header, rows, name="per-series",
        caption=f"Test scores per series{more}, in {tgt}'s units, computed from the "
                "estimator's predictions on the data.")


# ---------------------------------------------------------------- classification
def _classify(m: dict[str, Any], ev: Evidence) -> str:
    test, base = m.get("test") or {}, m.get("baselines") or {}
    tgt = str(m.get("target") or "label")
    rows = [("model", test.get("accuracy"), test.get("roc_auc"), test.get("pr_auc"),
             test.get("log_loss"))]
    for name, b in base.items():
        if isinstance(b, dict):
            rows.append((_BASELINE_NAMES.get(name, name), b.get("accuracy"), b.get("roc_auc"),
                         b.get("pr_auc"), b.get("log_loss")))
    parts = [table(["", "accuracy", "ROC AUC", "PR AUC", "log loss"], rows, name="scores",
                   numeric=[False, True, True, True, True],
                   caption=f"Test scores for the label '{tgt}', over "
                           f"{fmt((m.get('n_windows') or {}).get('test'))} test sequences.")]
    for k, v in (test.get("notes") or {}).items():
        parts.append(note(f"{k}: {v}", "warn"))
    classes = list(m.get("classes") or [])
    p = ev.proba
    if p is None or p.empty or "observed" not in p.columns or not classes:
        parts.append(_needs("ROC and precision-recall curves and the confusion matrix"))
        return "".join(parts)
    from sklearn.metrics import confusion_matrix, precision_recall_curve, roc_curve

    y = p["observed"].astype(str).to_numpy()
    shown = classes[1:] if len(classes) == 2 else classes
    curves = []
    for c in shown:
        col = f"proba_{c}"
        pos = y == str(c)
        if col in p.columns and 0 < pos.sum() < len(y):
            curves.append((str(c), pos, p[col].to_numpy(float)))
    if curves:
        def draw(axes: Any) -> None:
            for i, (c, pos, s) in enumerate(curves):
                fpr, tpr, _ = roc_curve(pos, s)
                prec, rec, _ = precision_recall_curve(pos, s)
                axes[0].plot(fpr, tpr, color=COLORS[i % len(COLORS)], label=label(c))
                axes[1].plot(rec, prec, color=COLORS[i % len(COLORS)], label=label(c))
            axes[0].plot([0, 1], [0, 1], color="#999999", lw=0.8, ls=":")
            axes[0].set(xlabel="false positive rate", ylabel="true positive rate",
                        title="ROC")
            axes[1].set(xlabel="recall", ylabel="precision", title="precision-recall")
            axes[0].legend(loc="lower right", title=label(tgt))

        parts.append(figure("roc-pr", draw, f"ROC and precision-recall curves on the test "
                            f"sequences, one per class of '{tgt}' (one against the rest).",
                            size=(6.4, 3.0), cols=2))
    else:
        parts.append(note("the test sequences hold one class only: no ROC or PR curve.",
                          "missing"))
    pred = p["prediction"].astype(str).to_numpy()
    names = [str(c) for c in classes]
    cm = confusion_matrix(y, pred, labels=names)

    def draw_cm(ax: Any) -> None:
        ax.pcolormesh(cm, cmap="Blues", edgecolors="white", linewidth=1)
        for i in range(cm.shape[0]):
            for j in range(cm.shape[1]):
                ax.text(j + 0.5, i + 0.5, f"{cm[i, j]:,}", ha="center", va="center",
                        color="white" if cm[i, j] > cm.max() / 2 else "black")
        ax.set_xticks(np.arange(len(names)) + 0.5, [label(n) for n in names])
        ax.set_yticks(np.arange(len(names)) + 0.5, [label(n) for n in names])
        ax.invert_yaxis()
        ax.set_xlabel(label(f"predicted {tgt}"))
        ax.set_ylabel(label(f"observed {tgt}"))
        ax.grid(False)

    side = 1.6 + 0.5 * len(names)
    parts.append(figure("confusion", draw_cm, f"Confusion matrix of '{tgt}' on the "
                        f"{len(y):,} test sequences (rows: observed, columns: predicted).",
                        size=(min(side + 1, 6.4), min(side, 6.0)), fit=True))
    parts.append(table([f"observed {tgt} \\ predicted"] + names,
                       [[n, *map(int, cm[i])] for i, n in enumerate(names)],
                       name="confusion", numeric=[False] + [True] * len(names)))
    return "".join(parts)
