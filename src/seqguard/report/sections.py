"""The data, pipeline and diagnosis sections (training and results: their own modules).

Each function returns the body markup of one section from a :class:`RunView` and
the :class:`Evidence` computed from the data; where a part needs something the run
does not hold, it says what, in a ``.missing`` paragraph with ``data-needs``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .evidence import Evidence
from .html import esc, fmt, note, table
from .plots import figure, label
from .source import RunView

__all__ = ["data_section", "diagnosis_section", "findings_markup", "kv", "pipeline_section"]

_SEVERITY = {"error": 0, "warning": 1, "info": 2}
NEEDS_DATA = ("needs the data: pass it to render_report / report_html "
              "(`seqguard report RUN_DIR DATA`)")


def kv(pairs: list[tuple[str, Any]]) -> str:
    """A definition list; values are formatted numbers or escaped text."""
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(fmt(v) if not isinstance(v, str) else v)}</dd>"
                    for k, v in pairs if v is not None)
    return f'<dl class="kv">{items}</dl>'


def _array(value: Any) -> list[Any]:
    if isinstance(value, dict) and "__ndarray__" in value:
        return list(value["__ndarray__"])
    if isinstance(value, dict) and "__dict__" in value:
        return list(value["__dict__"])
    return list(value) if isinstance(value, (list, tuple)) else []


def _pairs(value: Any) -> dict[str, Any]:
    """A saved dict (``{"__dict__": [[k, v], ...]}`` or a plain dict)."""
    if isinstance(value, dict) and "__dict__" in value:
        return {str(k): v for k, v in value["__dict__"]}
    return dict(value) if isinstance(value, dict) else {}


def findings_markup(findings: list[dict[str, Any]]) -> str:
    """Findings, most severe first: message, fix, then the evidence (collapsed)."""
    rows = sorted((f for f in findings if isinstance(f, dict)),
                  key=lambda f: _SEVERITY.get(str(f.get("severity")), 3))
    out = []
    for f in rows:
        sev = str(f.get("severity") or "info")
        where = ", ".join(f"{k} {f[k]!s}" for k in ("column", "series") if f.get(k))
        raw = f.get("evidence")
        ev: dict[str, Any] = raw if isinstance(raw, dict) else {}
        ev_rows: list[Any] = [(k, v if isinstance(v, (int, float)) and not isinstance(v, bool)
                    else str(v)) for k, v in ev.items()]
        evidence = (f"<details><summary>evidence</summary>"
                    f"{table(['name', 'value'], ev_rows, name='evidence', numeric=[False, True])}"
                    "</details>") if ev_rows else ""
        fix = f'<p class="fix"><b>Fix:</b> {esc(f.get("fix"))}</p>' if f.get("fix") else ""
        out.append(
            f'<div class="finding {esc(sev)}" data-code="{esc(f.get("code"))}">'
            f'<p><b>{esc(sev)}</b> <span class="code">{esc(f.get("code"))}</span>'
            f'{" · " + esc(where) if where else ""}<br>{esc(f.get("message"))}</p>'
            f"{fix}{evidence}</div>")
    return "".join(out)


# --------------------------------------------------------------------- the data
def _heatmap(ev: Evidence) -> str:
    d = ev.data
    assert d is not None
    heat = d.heat
    if heat.empty:
        return note("no value columns to show missingness for.", "missing")
    values = heat.to_numpy(dtype=float)
    times = list(heat.columns)

    def draw(ax: Any) -> None:
        from matplotlib import colors

        x = np.arange(len(times) + 1)
        y = np.arange(len(heat.index) + 1)
        mesh = ax.pcolormesh(x, y, np.ma.masked_invalid(values), cmap="Reds",
                             norm=colors.BoundaryNorm(np.linspace(0, 1, 11), 256),
                             edgecolors="none")  # 10 steps: a vector colour bar, no image
        ax.set_yticks(np.arange(len(heat.index)) + 0.5,
                      [label(r) for r in heat.index])
        ax.invert_yaxis()
        ticks = np.unique(np.linspace(0, len(times) - 1, min(4, len(times))).astype(int))
        ax.set_xticks(ticks + 0.5, [label(_short_time(times[i])) for i in ticks],
                      rotation=15, ha="right")
        ax.set_xlabel(label(f"{d.time_col} (start of each bin)"))
        ax.grid(False)
        cb = ax.figure.colorbar(mesh, ax=ax, fraction=0.05)
        cb.set_label("share missing")

    h = 1.2 + 0.22 * len(heat.index)
    extra = f"; {d.heat_note}" if d.heat_note else ""
    return figure("missingness", draw, f"Missing values over time, per "
                  f"{'column' if len(d.series) == 1 else 'series and column'}: share of "
                  f"rows missing in each of {len(times)} time bins (white: no rows){extra}.",
                  size=(6.4, min(h, 7.5)), fit=True)


def _short_time(t: Any) -> str:
    s = str(t)
    return s[:16] if len(s) > 16 else s


def data_section(view: RunView, ev: Evidence) -> str:
    summ = (view.audit or {}).get("summary") or {}
    d = ev.data
    parts = [kv([
        ("source", summ.get("source")),
        ("rows", d.n_rows if d else summ.get("n_rows")),
        ("series", len(d.series) if d else summ.get("n_series")),
        ("time span", f"{d.start} to {d.end}" if d and d.start is not None else None),
        ("time column", summ.get("time_col") or (d.time_col if d else None)),
        ("series column", summ.get("series_col")),
        ("frequency", summ.get("freq") or (d.freq if d else None)),
        ("target", view.target),
        ("grid rows inserted", summ.get("inserted_rows")),
    ])]
    if d is None:
        parts.append(note(f"Not shown: the time span and the missingness-over-time heatmap; each "
                          f"{NEEDS_DATA}.",
                          "missing", needs="data"))
    parts.append("<h3>Missing values per column</h3>")
    if d is not None:
        rows: list[Any] = [(c, int(m), 100 * float(s))
                           for c, m, s in d.missing.itertuples(index=False)]
        parts.append(table(["column", "missing rows", "missing (%)"], rows, name="missing"))
        parts.append(_heatmap(ev))
    elif summ.get("missing") is not None:
        n = summ.get("n_rows") or 0
        rows = [(c, int(m), 100 * m / n if n else None)
                for c, m in (summ.get("missing") or {}).items()]
        parts.append(table(["column", "missing rows", "missing (%)"], rows, name="missing"))
    else:
        parts.append(note("audit.json is missing: no per-column counts.", "missing",
                          needs="audit.json"))
    parts.append("<h3>Audit findings</h3>")
    findings = (view.audit or {}).get("findings")
    if view.audit is None:
        parts.append(note("audit.json is missing: the audit findings are not available.",
                          "missing", needs="audit.json"))
    elif not findings:
        parts.append(note("The audit found nothing to report."))
    else:
        parts.append(findings_markup(findings))
    return "".join(parts)


# ----------------------------------------------------------------- the pipeline
_LOST = {"crosses_boundary": "its input or horizon crosses a split boundary",
         "no_target": "no observed target in its horizon",
         "no_history": "too little history before it",
         "lost_unusable": "an input row is unusable (the drop strategy)"}


def pipeline_section(view: RunView) -> str:
    if view.pipeline is None:
        return note("pipeline.json is missing: the options, features and split are not "
                    "available" + (" (training failed before the run was saved)."
                                   if view.failed else "."), "missing", needs="pipeline.json")
    params = view.pipeline.get("params") or {}
    miss = view.state("missing_")
    scaler, tscaler = view.state("scaler_"), view.state("target_scaler_")
    parts = ["<h3>Options</h3>", kv([
        ("estimator", view.pipeline.get("estimator")),
        ("task", view.task),
        ("missing data", str(params.get("missing"))),
        ("scaling (inputs)", f"{params.get('scaler')}, per {params.get('scale_per')}"),
        ("scaling (target)", str(params.get("target_scaler") or params.get("scaler"))),
        ("input length", params.get("input_len")),
        ("horizon", params.get("horizon") if view.task == "forecast" else None),
        ("lags", params.get("lags")), ("rolling", params.get("rolling")),
        ("indicators", params.get("indicators")), ("calendar", params.get("calendar")),
    ])]
    methods = _pairs(miss.get("methods_"))
    if methods:
        n_train = _pairs(miss.get("n_missing_train_"))
        obs, since = _pairs(miss.get("observed_channels_")), _pairs(miss.get("since_channels_"))
        rows: list[Any] = [(c, str(m), n_train.get(c), obs.get(c) or "–",
                            since.get(c) or "–") for c, m in methods.items()]
        parts += ["<h3>Missing-data strategy</h3>",
                  table(["column", "strategy", "missing in training rows", "observed channel",
                         "time-since channel"], rows, name="strategy",
                        numeric=[False, False, True, False, False])]
    center, scale = _array(scaler.get("center_")), _array(scaler.get("scale_"))
    cols = _array(scaler.get("feature_names_in_"))
    if center and cols and len(center) == len(cols):
        rows = [(c, center[i], scale[i] if i < len(scale) else None)
                for i, c in enumerate(cols)]
        tc, ts = _array(tscaler.get("center_")), _array(tscaler.get("scale_"))
        if tc:
            rows.append((f"{view.target} (target)", tc[0], ts[0] if ts else None))
        parts += ["<h3>Scaling</h3>",
                  table(["column", "centre (original units)", "scale (original units)"], rows,
                        name="scaling", caption="Fitted on the training part only.")]
    features = view.pipeline.get("feature_names") or []
    if features:
        parts += [f"<h3>Model inputs ({len(features)})</h3>",
                  "<p>" + ", ".join(f"<code>{esc(f)}</code>" for f in features) + "</p>"]
    parts.append(_split(view))
    return "".join(parts)


def _split(view: RunView) -> str:
    pipe = view.pipeline or {}
    split = view.state("split_")
    names = list(split.get("series_names_") or [])
    parts = ["<h3>Split</h3>"]
    val_t, test_t = split.get("val_time_"), split.get("test_time_")
    if val_t and test_t:
        pairs = list(zip(names or ["all"] * len(val_t), val_t, test_t, strict=False))
        if len({(v, t) for _, v, t in pairs}) == 1:
            parts.append(kv([("validation starts", str(val_t[0])),
                             ("test starts", str(test_t[0]))]))
        else:
            parts.append(table(["series", "validation starts", "test starts"],
                               pairs[:50], name="split-dates"))
    n_rows = _pairs(split.get("n_rows_"))
    if n_rows:
        parts.append(table(["part", "rows"], list(n_rows.items()), name="split-rows",
                           numeric=[False, True]))
    part = _array(split.get("part_"))
    if part:
        counts = np.bincount(np.asarray(part, dtype=int), minlength=3)
        parts.append(table(["part", "series"], [("train", int(counts[0])),
                                                ("validation", int(counts[1])),
                                                ("test", int(counts[2]))], name="split-series"))
    windows = (view.diagnosis or {}).get("windows") or {}
    n_win = windows.get("n_windows") or pipe.get("n_windows") or {}
    unit = "sequences" if view.task == "classify" else "windows"
    if n_win:
        lost = windows.get("lost") or {}
        reasons = sorted({r for p in lost.values() if isinstance(p, dict) for r in p})
        header = ["part", unit] + [f"lost: {_LOST.get(r, r)}" for r in reasons]
        rows = [(p, n_win.get(p), *[(lost.get(p) or {}).get(r) for r in reasons])
                for p in ("train", "val", "test")]
        parts.append(table(header, rows, name="windows",
                           caption=f"{unit.capitalize()} per part, and the ones that could "
                           "not be made, by reason."))
    budget = pipe.get("budget") or {}
    model = pipe.get("model") or {}
    parts += ["<h3>Model and budget</h3>", kv([
        ("model", model.get("model")), ("hidden units", model.get("hidden")),
        ("layers", model.get("layers")), ("head", model.get("head")),
        ("dropout", model.get("dropout")), ("inputs", model.get("n_features")),
        ("batch size", budget.get("batch_size")),
        ("steps per epoch", budget.get("steps_per_epoch")),
        ("epochs run", budget.get("epochs_run")), ("best epoch", budget.get("best_epoch")),
        ("stopped", str(budget.get("stopped_reason") or "").replace("_", " ") or None),
    ])]
    return "".join(parts)


# ----------------------------------------------------------------- the diagnosis
def diagnosis_section(view: RunView) -> str:
    if view.diagnosis is None:
        return note("diagnosis.json is missing: no findings to show.", "missing",
                    needs="diagnosis.json")
    parts = []
    if view.diagnosis.get("error"):
        parts.append(f'<p class="error">Training failed: {esc(view.diagnosis["error"])}</p>')
    findings = view.diagnosis.get("findings") or []
    if findings:
        parts.append(findings_markup(findings))
    elif not view.diagnosis.get("error"):
        parts.append(note("The guards and the diagnosis found nothing wrong."))
    return "".join(parts)
