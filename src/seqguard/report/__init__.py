"""The run report: one self-contained HTML page per run (``report.html``).

Sections: the data, the pipeline, training, results, the diagnosis (docs/report.md
says what each shows and how to read it). The page loads nothing from anywhere:
CSS inline, plots as inline SVG drawn by matplotlib, no scripts (a Content Security
Policy forbids them), every string from the run or the data HTML-escaped.

What is drawn from the run directory alone: the audit's counts and findings, the
pipeline's options, split and window counts, the training curves and guard events,
the scores against every baseline, error by horizon, and the diagnosis. What needs
the data (and, for predictions, the fitted estimator): the time span, the
missingness-over-time heatmap, forecasts against actuals, predicted against
observed, the spread plot, the per-series table, ROC / PR curves and the confusion
matrix. The page says which parts are missing and why.

Examples
--------
From the run directory alone, then with the plots that need the data:

>>> from seqguard.report import report_html          # doctest: +SKIP
>>> html = report_html("runs/demo")                  # doctest: +SKIP
>>> html = report_html("runs/demo", data="pm25.csv") # doctest: +SKIP
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import SeqguardError
from .evidence import Evidence, collect
from .html import esc, fmt, page
from .results import results_section
from .sections import data_section, diagnosis_section, pipeline_section
from .source import RunView, from_run, read_folder
from .training import training_section

__all__ = ["REPORT", "RunView", "read_folder", "render_report", "report_html"]

#: The report's file name inside a run directory.
REPORT = "report.html"


def _error_text(view: RunView) -> str:
    text = str((view.diagnosis or {}).get("error") or "")
    lead = "training failed:"
    return text[len(lead):].strip() if text.lower().startswith(lead) else text


def _header(view: RunView) -> str:
    name = view.path.name if view.path is not None else "run"
    m = view.metrics or {}
    bits = [f"task {view.task or 'unknown'}", f"target {view.target or 'unknown'}"]
    if m.get("input_len") is not None:
        bits.append(f"input {fmt(m['input_len'])} steps")
    if m.get("horizon") is not None:
        bits.append(f"horizon {fmt(m['horizon'])} steps")
    version = ((view.pipeline or {}).get("versions") or {}).get("seqguard")
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [f"<header><h1>seqguard run report: {esc(name)}</h1>",
           (f'<p class="meta">{esc(" · ".join(bits))}<br>folder {esc(view.path)}'
           f"{' · seqguard ' + esc(version) if version else ''} · written {esc(when)}</p>")]
    if view.failed:
        out.append(f'<div class="banner" data-failed="1"><b>Training failed.</b> '
                   f"{esc(_error_text(view))}<br>See the diagnosis below."
                   "</div>")
    if view.missing:
        out.append(f'<p class="missing" data-needs="files">Not in this folder: '
                   f"{esc(', '.join(view.missing))}; the parts that need them say so.</p>")
    if not view.verified and not view.failed and view.problems:
        out.append(f'<p class="warn">Not a verified run directory: {esc(view.problems[0])}'
                   "</p>")
    out.append("</header>")
    return "".join(out)


def render_report(run: Any, *, estimator: Any = None, data: Any = None) -> str:
    """The report page of a run, as one HTML string.

    Parameters
    ----------
    run : seqguard.artifact.Run or RunView
        A loaded run (:func:`seqguard.artifact.load_run`), or a :class:`RunView` from
        :func:`read_folder` (which also reads a failed fit's folder).
    estimator : fitted Forecaster, SequenceTagger or SequenceClassifier, optional
        With ``data``: the predictions behind the per-window plots, the per-series
        table and the classification curves.
    data : anything :func:`seqguard.read` accepts, or a Table, optional
        The data the run was fitted on (read with the run's read options): the time
        span and the missingness heatmap; with ``estimator``, the plots above.

    Returns
    -------
    str
        A self-contained HTML document.

    Raises
    ------
    SeqguardError
        ``data`` cannot be read with the run's read options, or does not fit the
        estimator (for a verified run; for a failed fit's folder the page says so).
    """
    view = from_run(run)
    ev = Evidence()
    if data is not None:
        try:
            ev = collect(view, estimator, data)
        except SeqguardError as e:
            if view.verified:  # a complete run and data that does not fit it: say so
                raise
            # a failed fit's folder lacks the read options: show the rest of the page
            ev.notes.append(f"The data could not be read for this folder: {e}")
    sections = [
        ("data", "The data", data_section(view, ev)),
        ("pipeline", "The pipeline", pipeline_section(view)),
        ("training", "Training", training_section(view)),
        ("results", "Results", results_section(view, ev)),
        ("diagnosis", "The diagnosis", diagnosis_section(view)),
    ]
    for n in ev.notes:
        sections[3] = (*sections[3][:2], f'<p class="note">{esc(n)}</p>' + sections[3][2])
    title = f"seqguard report: {view.path.name if view.path else 'run'}"
    return page(title, _header(view), sections)


def report_html(run_dir: str | os.PathLike[str], *, data: Any = None,
                estimator: Any = None) -> str:
    """The report page of the run directory ``run_dir``.

    A complete run is verified and loaded (:func:`seqguard.artifact.load_run`); a
    folder a failed fit left (only ``diagnosis.json``, maybe more) is rendered from
    what it holds, and the page names what is missing. With ``data``, the estimator
    is loaded from the run (unless given) to draw the plots that need predictions.

    Raises
    ------
    ArtifactError
        ``run_dir`` is not a directory or holds none of a run's files.
    """
    view = read_folder(Path(run_dir))
    if data is not None and estimator is None and view.verified:
        from ..estimator import load

        estimator = load(Path(run_dir))
    return render_report(view, estimator=estimator, data=data)
