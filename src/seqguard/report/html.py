"""The page: escaping, number formatting, tables, and the template with its inline CSS.

Everything the page shows from the run or the data (column names, series names,
messages, file paths) goes through :func:`esc`; nothing from outside is ever written
into the page unescaped. The page loads nothing: no scripts, fonts, images or style
sheets from anywhere, so it opens offline and in a mail attachment viewer alike.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["esc", "fmt", "note", "page", "section", "table"]


def esc(value: Any) -> str:
    """``value`` as text, HTML-escaped (quotes too, so it is safe in attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def fmt(value: Any, digits: int = 4) -> str:
    """A number with sensible precision: integers with thousands separators, floats
    with ``digits`` significant digits (never in exponent form between 1e-4 and 1e9);
    ``None`` / NaN as an en dash. Anything else is returned as text."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x):
        return "–"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == 0:
        return "0"
    a = abs(x)
    if a >= 1e9 or a < 1e-4:
        return f"{x:.{digits - 1}e}"
    decimals = max(0, digits - 1 - math.floor(math.log10(a)))
    return f"{x:,.{decimals}f}"


def _cell(value: Any) -> str:
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "html":
        return f"<td>{value[1]}</td>"  # pre-built, already escaped markup
    if isinstance(value, (int, float)) and not isinstance(value, bool) or value is None:
        return f'<td class="n">{esc(fmt(value))}</td>'
    return f"<td>{esc(value)}</td>"


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], *, name: str,
          caption: str | None = None, numeric: Sequence[bool] | None = None) -> str:
    """A responsive table: numbers right-aligned, header cells escaped.

    ``numeric`` marks the columns whose header is right-aligned too (default: the
    columns whose first row holds a number).
    """
    rows = [list(r) for r in rows]
    if numeric is None:
        first = rows[0] if rows else []
        numeric = [isinstance(v, (int, float)) and not isinstance(v, bool) or v is None
                   for v in first] + [False] * (len(header) - len(first))
    head = "".join(f'<th{" class=n" if n else ""}>{esc(h)}</th>'
                   for h, n in zip(header, numeric, strict=False))
    body = "".join("<tr>" + "".join(_cell(v) for v in r) + "</tr>" for r in rows)
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (f'<div class="table-wrap"><table data-table="{esc(name)}">{cap}'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def note(text: str, kind: str = "note", needs: str | None = None) -> str:
    """A short paragraph (``kind``: note, missing, warn); ``text`` is escaped."""
    attr = f' data-needs="{esc(needs)}"' if needs else ""
    return f'<p class="{esc(kind)}"{attr}>{esc(text)}</p>'


def section(key: str, title: str, body: str) -> str:
    return f'<section id="{esc(key)}" data-section="{esc(key)}"><h2>{esc(title)}</h2>{body}</section>'


_CSS = """
:root{--fg:#1d232a;--mut:#5b6670;--bg:#fff;--line:#d8dde2;--warn:#9a5b00;--err:#a4161a;
--ok:#2b7a3d;--tint:#f4f6f8}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:62rem;margin:0 auto;padding:1rem 1rem 4rem}
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.25rem;margin:2rem 0 .5rem;
border-bottom:2px solid var(--line);padding-bottom:.2rem}h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
nav{display:flex;flex-wrap:wrap;gap:.4rem 1rem;font-size:.95rem}
nav a{color:inherit}
.meta{color:var(--mut);font-size:.9rem}
.table-wrap{overflow-x:auto;max-width:100%;margin:.4rem 0 1rem}
table{border-collapse:collapse;font-size:.9rem;min-width:50%}
caption{text-align:left;color:var(--mut);font-size:.85rem;padding:.2rem 0}
th,td{padding:.25rem .6rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--tint);font-weight:600;white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
figure{margin:.6rem 0 1.2rem}
figure svg{display:block;width:100%;max-width:44rem;height:auto}
figcaption{color:var(--mut);font-size:.85rem;margin-top:.2rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:0 1.2rem}
.missing{color:var(--mut);border-left:3px solid var(--line);padding:.2rem .6rem}
.warn{color:var(--warn)}.error{color:var(--err);font-weight:600}
.banner{border:2px solid var(--err);padding:.5rem .8rem;margin:1rem 0;color:var(--err)}
.finding{border-left:4px solid var(--line);padding:.3rem .7rem;margin:.6rem 0;background:var(--tint)}
.finding.error{border-color:var(--err);font-weight:normal;color:var(--fg)}
.finding.warning{border-color:var(--warn)}.finding.info{border-color:var(--ok)}
.finding .code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem;color:var(--mut)}
.finding .fix{margin:.2rem 0}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.4rem 0}
dl.kv dt{color:var(--mut)}dl.kv dd{margin:0}
details{margin:.3rem 0}summary{cursor:pointer;color:var(--mut)}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;overflow-wrap:anywhere}
@media (max-width:30rem){body{font-size:14px}main{padding:.5rem}th,td{padding:.2rem .35rem}}
"""


def page(title: str, header: str, sections: Sequence[tuple[str, str, str]]) -> str:
    """The whole document. ``sections``: (id, title, body markup)."""
    nav = "".join(f'<a href="#{esc(k)}">{esc(t)}</a>' for k, t, _ in sections)
    body = "".join(section(k, t, b) for k, t, b in sections)
    return ("<!DOCTYPE html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'; img-src data:\">"
            f"<title>{esc(title)}</title><style>{_CSS}</style></head>"
            f"<body><main>{header}<nav>{nav}</nav>{body}</main></body></html>\n")
