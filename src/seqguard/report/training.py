"""The training section: loss, learning rate and gradient norms per epoch, guard events.

Everything here comes from ``history.csv`` (one row per epoch) and the events in
``diagnosis.json``; a failed fit's folder carries its history inside
``diagnosis.json`` and is drawn the same way. Every guard event is a numbered
dashed line on each curve, listed with its reason in the table below them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .html import note, table
from .plots import COLORS, figure, integer_ticks, label, mark_events
from .source import RunView

__all__ = ["training_section"]


def _num(history: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_numeric(history[col], errors="coerce").to_numpy(dtype=float)


def _positive(y: np.ndarray) -> bool:
    y = y[np.isfinite(y)]
    return bool(len(y)) and bool((y > 0).all())


def training_section(view: RunView) -> str:
    h = view.history
    if h is None or h.empty or "epoch" not in h.columns:
        return note("history.csv is missing or empty: no training curves"
                    + (" (training failed before an epoch was logged)." if view.failed
                       else "."), "missing", needs="history.csv")
    events = view.events
    epoch = _num(h, "epoch")
    params = (view.pipeline or {}).get("params") or {}
    loss_name = "cross-entropy" if view.task == "classify" else \
        str(params.get("loss") or "").upper()
    tgt = view.target or "target"
    budget = (view.pipeline or {}).get("budget") or {}
    parts = []

    def draw_loss(ax: Any) -> None:
        from matplotlib.transforms import blended_transform_factory

        bottom = blended_transform_factory(ax.transData, ax.transAxes)
        for i, col in enumerate(("train_loss", "val_loss")):
            if col in h.columns:
                y = _num(h, col)
                ax.plot(epoch, y, marker="o", ms=3, color=COLORS[i],
                        label=col.replace("_", " "))
                bad = ~np.isfinite(y) & np.isfinite(epoch)
                if bad.any():  # a NaN / inf loss has no height: mark it on the axis
                    ax.plot(epoch[bad], np.full(int(bad.sum()), 0.03 + 0.05 * i), ls="none",
                            marker="x", ms=7, mew=2, color=COLORS[i], transform=bottom,
                            clip_on=False, label=f"{col.replace('_', ' ')} not finite")
        if budget.get("start_val_loss") is not None:
            ax.plot([0], [float(budget["start_val_loss"])], marker="s", color=COLORS[1],
                    ls="none", label="val loss, untrained start")
        if budget.get("best_epoch") is not None:
            ax.axvline(float(budget["best_epoch"]), color="#2b7a3d", lw=1, alpha=0.6,
                       label="best epoch (kept)")
        mark_events(ax, events)
        ax.set_xlabel("epoch")
        integer_ticks(ax)
        ax.set_ylabel(label(f"{loss_name} loss" if view.task == "classify"
                            else f"{loss_name} loss (scaled {tgt})".lstrip()))
        ax.legend(loc="best")

    on = f"on '{tgt}'" if view.task == "classify" else f"on the scaled target '{tgt}'"
    parts.append(figure("loss", draw_loss, f"Training and validation loss per epoch "
                        f"({loss_name} {on}".replace("( ", "(") + "); crosses on the axis: "
                        "a loss that was not finite; dashed red lines: guard events, numbered "
                        "as in the table below."))
    if "lr" in h.columns:
        lr = _num(h, "lr")

        def draw_lr(ax: Any) -> None:
            ax.plot(epoch, lr, marker="o", ms=3, color=COLORS[0])
            if _positive(lr):
                ax.set_yscale("log")
            mark_events(ax, events)
            ax.set_xlabel("epoch")
            integer_ticks(ax)
            ax.set_ylabel("learning rate")

        parts.append(figure("lr", draw_lr, "Learning rate per epoch (lowered on a plateau "
                            "and after a rollback).", size=(6.4, 2.4)))
    grads = [c for c in h.columns if str(c).startswith("grad_norm_")]
    if grads:
        def draw_grad(ax: Any) -> None:
            log = True
            for i, col in enumerate(grads):
                y = _num(h, col)
                log = log and _positive(y)
                ax.plot(epoch, y, marker="o", ms=3, color=COLORS[i % len(COLORS)],
                        ls="--" if col == "grad_norm_total" else "-",
                        label=label(col.removeprefix("grad_norm_")))
            if log:
                ax.set_yscale("log")
            mark_events(ax, events)
            ax.set_xlabel("epoch")
            integer_ticks(ax)
            ax.set_ylabel("gradient norm (mean per step)")
            ax.legend(loc="best", ncols=2 if len(grads) > 4 else 1)

        parts.append(figure("grad-norms", draw_grad, "Gradient norm per layer and in total "
                            "per epoch (log scale); near zero: vanishing, steep rises: "
                            "exploding."))
    else:
        parts.append(note("history.csv has no gradient-norm columns.", "missing",
                          needs="history.csv"))
    parts.append("<h3>Guard events</h3>")
    if events:
        rows: list[Any] = [(i, e.get("epoch"), e.get("step"), str(e.get("guard") or ""),
                 str(e.get("reason") or ""), str(e.get("message") or ""))
                for i, e in enumerate(events, 1)]
        parts.append(table(["#", "epoch", "step", "guard", "reason", "what happened"], rows,
                           name="events"))
    else:
        parts.append(note("No guard fired: no non-finite loss or gradient, no rollback, no "
                          "collapse."))
    cols = [c for c in h.columns if c != "guard_events"]
    rows = [[_cell(v) for v in r] for r in h[cols].itertuples(index=False)]
    parts.append(f"<details><summary>every logged value ({len(h)} epochs)</summary>"
                 f"{table([str(c) for c in cols], rows, name='history')}</details>")
    return "".join(parts)


def _cell(v: Any) -> Any:
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v)
    return v if isinstance(v, (int, str)) or v is None else str(v)
