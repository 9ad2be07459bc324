"""Small real runs for the report tests, and a parser that reads a report back."""

from __future__ import annotations

import warnings
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: A column and a series name that would run or render as markup if not escaped.
EVIL_COLUMN = "<script>alert(1)</script>"
EVIL_SERIES = "<i>north</i>"
FAST = {"epochs": 2, "hidden": 4, "layers": 1, "progress": False, "batch_size": 32}


def forecast_frame(rows: int = 120) -> pd.DataFrame:
    """Two hourly series, gaps in an input column and in the target."""
    rng = np.random.default_rng(0)
    parts = []
    for k, name in enumerate([EVIL_SERIES, "south"]):
        t = pd.date_range("2021-01-01", periods=rows, freq="h")
        y = 10 + 5 * np.sin(np.arange(rows) * 2 * np.pi / 24) + rng.normal(0, 1, rows) + 3 * k
        x = rng.normal(0, 1, rows)
        x[rng.random(rows) < 0.15] = np.nan
        y[30:36] = np.nan
        parts.append(pd.DataFrame({"time": t, "site": name, EVIL_COLUMN: x, "pm2.5": y}))
    return pd.concat(parts, ignore_index=True)


def tag_frame(rows: int = 160) -> pd.DataFrame:
    x = np.sin(np.arange(rows) / 3)
    return pd.DataFrame({"time": pd.date_range("2021-01-01", periods=rows, freq="h"),
                         "x": x, "y": 2 * x + 1})


def classify_frame(n: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.concat([pd.DataFrame({"id": f"s{k:02d}", "t": np.arange(m), "x":
                                    rng.normal(2.0 * (k % 2), 1, m),
                                    "label": ("no", "yes")[k % 2]})
                      for k in range(n) for m in [int(rng.integers(8, 14))]],
                     ignore_index=True)


def fit_forecast(out: Path) -> tuple[Any, pd.DataFrame]:
    import seqguard

    df = forecast_frame()
    est = seqguard.Forecaster("pm2.5", input_len=8, horizon=3, **FAST,
                              read_options={"series_col": "site", "time_col": "time"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(df)
    est.save(out)
    return est, df


def fit_tag(out: Path) -> tuple[Any, pd.DataFrame]:
    import seqguard

    df = tag_frame()
    est = seqguard.SequenceTagger("y", input_len=8, **FAST, read_options={"time_col": "time"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(df)
    est.save(out)
    return est, df


def fit_classify(out: Path) -> tuple[Any, pd.DataFrame]:
    import seqguard

    df = classify_frame()
    est = seqguard.SequenceClassifier("label", **{**FAST, "batch_size": 8},
                                      read_options={"time_col": "t", "series_col": "id"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(df)
    est.save(out)
    return est, df


class Page(HTMLParser):
    """What the tests check in a report: sections, plots, tables, tags, links, text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.sections: list[str] = []
        self.plots: dict[str, dict[str, int]] = {}
        self.tables: dict[str, int] = {}
        self.needs: list[str] = []
        self.refs: list[str] = []
        self.text: list[str] = []
        self._plot: str | None = None
        self._table: str | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        for key in ("src", "href", "xlink:href", "action", "poster"):
            if a.get(key):
                self.refs.append(str(a[key]))
        if tag == "section":
            self.sections.append(str(a.get("data-section")))
        if tag == "figure" and a.get("data-plot"):
            self._plot = str(a["data-plot"])
            self.plots[self._plot] = {"svg": 0, "marks": 0, "text": 0}
        elif self._plot is not None:
            kind = "svg" if tag == "svg" else "marks" if tag in (
                "path", "use", "rect", "polyline", "line") else "text" if tag == "text" else None
            if kind:
                self.plots[self._plot][kind] += 1
        if tag == "table" and a.get("data-table"):
            self._table = str(a["data-table"])
            self.tables[self._table] = 0
        if tag == "tr" and self._table is not None:
            self.tables[self._table] += 1
        if a.get("data-needs"):
            self.needs.append(str(a["data-needs"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self._plot = None
        if tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def all_text(self) -> str:
        return " ".join(self.text)
