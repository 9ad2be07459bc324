"""Plots as inline SVG: matplotlib on the Agg backend, text kept as text.

Each function takes plain arrays and labels and returns the ``<figure>`` markup
(SVG plus an escaped caption). Figures are small (about 6 × 3 inches), text is
written as SVG ``<text>`` (``svg.fonttype = 'none'``, so the page's own font draws
it and nothing is embedded), ids are unique per figure (several SVGs share one
document), and dense data is thinned before drawing so the page stays small.

Labels come from the user's data (column and series names): matplotlib escapes
them for XML; a ``$`` is escaped so it never starts math mode.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .html import esc

__all__ = ["figure", "label"]

_COUNTER = itertools.count()
#: Colours: model first, then baselines, in a fixed order (colour-blind safe).
COLORS = ["#0b5fa5", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#7f7f7f",
          "#000000"]


def label(text: Any) -> str:
    """A user string made safe for matplotlib text (no math mode)."""
    return str(text).replace("$", r"\$")


def _rc() -> Any:
    return {"svg.fonttype": "none", "svg.hashsalt": f"seqguard-{next(_COUNTER)}",
            "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9,
            "legend.fontsize": 8, "axes.spines.top": False, "axes.spines.right": False,
            "axes.grid": True, "grid.alpha": 0.3, "svg.image_inline": True}


def figure(name: str, draw: Callable[[Any], Any], caption: str, *,
           size: tuple[float, float] = (6.4, 3.0), rows: int = 1, cols: int = 1,
           sharex: bool = False, fit: bool = False) -> str:
    """Draw with ``draw(axes)`` on a fresh figure and return ``<figure>`` markup.

    ``draw`` gets one Axes (or an array of them for ``rows``/``cols`` > 1). Margins are
    fixed (in inches, room for a tick label and an axis label); ``fit=True`` lays
    the figure out to its labels instead (constrained layout: slower, for long tick
    labels such as the heatmap's column names).
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    with matplotlib.rc_context(_rc()):
        fig, ax = plt.subplots(rows, cols, figsize=size, sharex=sharex, squeeze=True,
                               layout="constrained" if fit else None)
        if not fit:
            w, h = size
            fig.subplots_adjust(left=0.85 / w, right=1 - 0.15 / w, bottom=0.55 / h,
                                top=1 - 0.3 / h, wspace=0.9 / (w / cols),
                                hspace=0.95 / (h / rows))
        try:
            draw(ax)
            buf = io.StringIO()
            fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
        finally:
            plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML declaration and doctype
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)  # RDF boilerplate
    uid = f"sg{next(_COUNTER)}"
    # element ids (clip paths, markers) must be unique across the figures of one page
    ids = set(re.findall(r'id="([^"]+)"', svg))
    for old in sorted(ids, key=len, reverse=True):
        svg = svg.replace(f'id="{old}"', f'id="{uid}-{old}"')
        svg = svg.replace(f"url(#{old})", f"url(#{uid}-{old})")
        svg = svg.replace(f'xlink:href="#{old}"', f'xlink:href="#{uid}-{old}"')
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{esc(caption)}" ', 1)
    return (f'<figure class="plot" data-plot="{esc(name)}">{svg}'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def thin(n: int, keep: int, seed: int = 0) -> np.ndarray:
    """Sorted indices of at most ``keep`` of ``n`` items, drawn at random (seeded)."""
    if n <= keep:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=keep, replace=False))


def mark_events(ax: Any, events: Sequence[dict[str, Any]]) -> None:
    """Vertical lines at each guard event's epoch, numbered as in the events table."""
    for i, e in enumerate(events, 1):
        x = e.get("epoch")
        if x is None:
            continue
        ax.axvline(float(x), color="#a4161a", lw=1, ls="--", alpha=0.8)
        ax.annotate(f"{i}", (float(x), 1.0), xycoords=("data", "axes fraction"),
                    xytext=(2, -10), textcoords="offset points", color="#a4161a",
                    fontsize=8)


def integer_ticks(ax: Any) -> None:
    """Whole-number ticks on the x axis (epochs, steps ahead)."""
    import math

    from matplotlib.ticker import MaxNLocator

    x0, x1 = ax.dataLim.intervalx
    if math.isfinite(x0) and math.isfinite(x1) and x1 - x0 <= 12:
        ax.set_xticks(range(math.ceil(x0), math.floor(x1) + 1))
        ax.set_xlim(x0 - 0.5, x1 + 0.5)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
