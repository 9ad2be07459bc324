"""The data doctor: what is wrong with a table, how bad it is, and how to fix it.

:func:`audit` looks at a :class:`~seqguard.table.Table` (or reads one) and returns
an :class:`AuditReport`: a list of :class:`Finding` objects, each with a stable
machine ``code``, a ``severity``, the column and series it is about, a one-sentence
``message`` with the numbers, the ``evidence`` as plain JSON values and a concrete
``fix`` that names the command-line option to use where there is one.

Severity
--------
``error``
    Training cannot work: the target has no observed value, only infinite values,
    or a single value. ``seqguard audit`` exits 3.
``warning``
    Training will run but will be hurt: missing or infinite inputs, missing-data
    markers left as numbers, constant columns, heavy outliers, scale disparity,
    resolved duplicates, leakage risks, a target mostly missing.
``info``
    Facts worth knowing: rows sorted, grid rows inserted, a few missing values.

Codes
-----
``missing_values``, ``leading_missing``, ``all_missing``, ``infinite_values``,
``sentinel_value``, ``constant_column``, ``near_constant``, ``row_index``,
``scale_disparity``, ``large_values``, ``outliers``, ``high_cardinality``, ``unit_suffix``,
``time_column``, ``units_stripped``, ``duplicate_timestamps``,
``unsorted_rows``, ``irregular_timestamps``, ``inserted_rows``, ``na_markers``,
``target_missing``, ``target_constant``, ``leakage_shifted_target``,
``leakage_correlated``, ``series_missing``, ``short_series``.

Every check is vectorised over whole columns; the expensive ones (most frequent
values, leakage) run on a fixed random sample first and confirm on the full data
only what the sample flags, so auditing costs less than reading the file.
"""

from __future__ import annotations

import io as _io
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError, did_you_mean, format_list
from .table import Table

__all__ = ["SEVERITIES", "AuditReport", "Finding", "audit"]

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
_RANK = {s: i for i, s in enumerate(SEVERITIES)}

# Thresholds (documented here so that messages and tests agree).
_MISSING_WARN_FRACTION = 0.01      # inputs: below this, missing values are info
_TARGET_MISSING_WARN_FRACTION = 0.2
_NEAR_CONSTANT_INFO = 0.99         # one value is this share of observed values
_NEAR_CONSTANT_WARN = 0.999
_RANGE_IQRS = 10.0                 # typical range: median ± 10 IQR
_SENTINEL_MIN_COUNT = 3
_SENTINEL_MIN_SHARE = 0.0005
_SENTINEL_DOMINANCE = 5            # times more frequent than any other tail value
_OUTLIER_Z = 10.0                  # robust z: |x - median| / (1.4826 MAD)
_OUTLIER_WARN_FRACTION = 0.001     # outliers are a warning from this share ...
_OUTLIER_WARN_Z = 20.0             # ... or when the worst is this far out; else info
_SCALE_RATIO = 1e3
_LARGE_VALUE = 1e4                 # typical |value| (quartiles) from which raw input saturates
_HIGH_CARDINALITY = 50
_LEAK_MAX_SHIFT = 24
_LEAK_MATCH = 0.95
_LEAK_CORR = 0.999
_SERIES_BAD_MISSING = 0.5
_SERIES_MISSING_MARGIN = 0.3
_SHORT_SERIES = 0.1                # shorter than this share of the median length
_SAMPLE = 8_192                    # sample size of the correlation prefilter
_QUANTILE_SAMPLE = 16_384          # quantiles and modes: exact up to this many values,
                                   # else from a fixed random sample of this size
_LEAK_SAMPLE = 2_048


# ----------------------------------------------------------------------- types
@dataclass
class Finding:
    """One problem (or fact) found in the data.

    Attributes
    ----------
    code : stable machine identifier, e.g. ``"missing_values"``.
    severity : ``"error"``, ``"warning"`` or ``"info"``.
    column : the column concerned, or ``None`` for the whole table.
    series : the series concerned, or ``None`` for all of them.
    message : one sentence with the numbers.
    evidence : the numbers behind the message, as plain JSON values.
    fix : a concrete action, naming command-line options where they exist.
    """

    code: str
    severity: str
    column: str | None
    series: str | None
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    fix: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain, strict-JSON form (non-finite numbers become strings)."""
        return {
            "code": self.code,
            "severity": self.severity,
            "column": self.column,
            "series": self.series,
            "message": self.message,
            "evidence": _plain(self.evidence),
            "fix": self.fix,
        }


def _sort_key(f: Finding) -> tuple[int, str, str, str]:
    return (_RANK.get(f.severity, len(SEVERITIES)), f.column or "", f.code, f.series or "")


@dataclass
class AuditReport:
    """The findings of :func:`audit`, sorted by severity (error first), then column.

    Attributes
    ----------
    findings : the findings.
    summary : table facts: source, n_rows, n_series, n_columns, freq, time and
        series columns, target, numeric and categorical columns, and the number of
        missing values per column.
    """

    findings: list[Finding]
    summary: dict[str, Any]

    def __post_init__(self) -> None:
        self.findings = sorted(self.findings, key=_sort_key)

    # ------------------------------------------------------------ container
    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def codes(self) -> list[str]:
        """The distinct finding codes, in report order."""
        return list(dict.fromkeys(f.code for f in self.findings))

    def select(self, code: str | None = None, column: str | None = None,
               severity: str | None = None) -> list[Finding]:
        """The findings matching every given criterion."""
        return [f for f in self.findings
                if (code is None or f.code == code)
                and (column is None or f.column == column)
                and (severity is None or f.severity == severity)]

    # ------------------------------------------------------------- verdict
    @property
    def source(self) -> str:
        return str(self.summary.get("source", "<data>"))

    @property
    def counts(self) -> dict[str, int]:
        """Number of findings per severity (every severity present, possibly 0)."""
        out = {s: 0 for s in SEVERITIES}
        for f in self.findings:
            out[f.severity] = out.get(f.severity, 0) + 1
        return out

    @property
    def has_errors(self) -> bool:
        """``True`` when a finding blocks training."""
        return any(f.severity == "error" for f in self.findings)

    @property
    def exit_code(self) -> int:
        """3 when there is an error-severity finding, else 0 (the CLI's exit status)."""
        return 3 if self.has_errors else 0

    # -------------------------------------------------------------- output
    def to_dict(self) -> dict[str, Any]:
        """Stable schema: ``{"source", "summary", "findings", "counts"}``, strict JSON."""
        return {
            "source": self.source,
            "summary": _plain(self.summary),
            "findings": [f.to_dict() for f in self.findings],
            "counts": self.counts,
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The report as strict JSON (no NaN or Infinity)."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def to_text(self, width: int = 140) -> str:
        """A table for people: severity, column, series, finding, fix.

        Rendered with rich to plain text (no colour codes), ``width`` characters wide.
        """
        from rich.console import Console
        from rich.table import Table as RichTable
        from rich.text import Text

        s = self.summary
        c = self.counts
        head = (f"Audit of {self.source}: {s.get('n_rows', 0)} rows, "
                f"{s.get('n_series', 1)} series, {s.get('n_columns', 0)} columns, "
                f"freq {s.get('freq')}"
                + (f", target {s['target']!r}" if s.get("target") else "")
                + f" - {c['error']} errors, {c['warning']} warnings, {c['info']} notes")
        buf = _io.StringIO()
        console = Console(file=buf, width=width, force_terminal=False, no_color=True,
                          color_system=None, highlight=False, emoji=False,
                          legacy_windows=False)
        console.print(Text(head))
        if not self.findings:
            console.print(Text("No problems found."))
            return buf.getvalue()
        table = RichTable(show_lines=True, expand=False)
        table.add_column("severity", no_wrap=True)
        table.add_column("column", overflow="fold")
        table.add_column("series", overflow="fold")
        table.add_column("finding", ratio=3, overflow="fold")
        table.add_column("fix", ratio=2, overflow="fold")  # long --features lists wrap, never cut
        for f in self.findings:
            table.add_row(Text(f.severity), Text(f.column or "-"), Text(f.series or "-"),
                          Text(f.message), Text(f.fix))
        console.print(table)
        return buf.getvalue()

    def __str__(self) -> str:
        return self.to_text()


# ------------------------------------------------------------------- entry point
def audit(data: Any, *, target: str | None = None, **read_options: Any) -> AuditReport:
    """Audit a table: find what will hurt training and say how to fix it.

    Parameters
    ----------
    data : Table or anything :func:`seqguard.read` accepts
        An ingested :class:`~seqguard.table.Table`, or data to read first with
        ``read(data, target=target, **read_options)`` (a path, a DataFrame, ...).
    target : str, optional
        The column to predict. Enables the target checks (missing, constant) and
        the leakage checks. Defaults to ``data.target`` for a ``Table``.
    **read_options
        Passed to :func:`seqguard.read` (``time_col``, ``series_col``, ``features``,
        ``categorical``, ``na_values``, ``freq``, ``duplicates``). Not allowed with a
        ``Table``, which is already read.

    Returns
    -------
    AuditReport
        The findings, sorted error first; ``report.exit_code`` is 3 if any finding
        blocks training.

    Raises
    ------
    InputError
        If ``target`` is not a value column, or read options come with a ``Table``
        (and whatever :func:`seqguard.read` raises on unreadable data).

    Examples
    --------
    >>> import pandas as pd
    >>> from seqguard.audit import audit
    >>> df = pd.DataFrame({"t": range(8), "x": [1.0, 3, -200, 2, 4, -200, 5, -200],
    ...                    "y": [1.0, 2, None, 4, 5, 6, 7, 8]})
    >>> report = audit(df, time_col="t", target="y")
    >>> report.codes()
    ['sentinel_value', 'target_missing']
    >>> report.select(code="sentinel_value")[0].fix
    'Pass --na-values -200 to read it as missing.'
    >>> report.exit_code
    0
    """
    if isinstance(data, Table):
        if read_options:
            raise InputError(
                f"audit() got read options {format_list(sorted(read_options))} with a Table "
                "that is already read. Pass them to seqguard.read(), or pass the raw data "
                "to audit()."
            )
        table = data
    else:
        from .io import read  # lazy: io imports heavy readers

        table = read(data, target=target, **read_options)
    if target is None:
        target = table.target
    if target is not None:
        _check_target(table, target)
    return _Auditor(table, target).run()


def _check_target(table: Table, target: str) -> None:
    if target in table.numeric or target in table.categorical:
        return
    cols = table.value_columns
    if target in (table.time_col, table.series_col):
        what = "time" if target == table.time_col else "series"
        raise InputError(
            f"{table.source}: the target {target!r} is the {what} column; choose a value "
            f"column with --target ({format_list(cols)})."
        )
    raise InputError(
        f"{table.source}: there is no value column {target!r} to use as the target; the "
        f"value columns are {format_list(cols, limit=8)}.{did_you_mean(target, cols)} "
        "Fix the --target option."
    )


# ------------------------------------------------------------------- helpers
def _plain(value: Any) -> Any:
    """Turn numpy scalars, tuples and non-finite floats into strict-JSON values."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in (value.tolist() if isinstance(value, np.ndarray) else value)]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if math.isnan(f):
            return "nan"
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return f
    if value is None or isinstance(value, (int, str)):
        return value
    return str(value)


def _num(v: float) -> str:
    """Short human form of a number: integers without '.0', else 4 significant digits."""
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.4g}"


def _count(n: int, noun: str) -> str:
    """``"1 value"``, ``"3 values"``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _pct(frac: float) -> str:
    p = 100.0 * frac
    if 99 < p < 100:  # never round a near-total share up to 100%
        d = 1
        while f"{p:.{d}f}".startswith("100") and d < 6:
            d += 1
        return f"{p:.{d}f}%"
    if p == 0 or p >= 10:
        return f"{p:.0f}%"
    if p >= 0.1:
        return f"{p:.1f}%"
    return f"{p:.2g}%"


def _freq_str(freq: Any) -> Any:
    if isinstance(freq, pd.offsets.BaseOffset):
        return str(freq.freqstr)
    if isinstance(freq, pd.Timedelta):
        try:
            from pandas.tseries.frequencies import to_offset

            return to_offset(freq).freqstr
        except (ValueError, TypeError):  # pragma: no cover - exotic steps
            return str(freq)
    try:
        return float(freq)
    except (TypeError, ValueError):
        return str(freq)


def _quartiles(s: np.ndarray) -> tuple[float, float, float]:
    """(Q1, median, Q3) of a sorted, non-empty finite array (numpy's linear method)."""
    n = s.size
    out = []
    for q in (0.25, 0.5, 0.75):
        pos = q * (n - 1)
        i = int(pos)
        frac = pos - i
        lo = float(s[i])
        hi = float(s[min(i + 1, n - 1)])
        out.append(lo + (hi - lo) * frac if frac else lo)
    return out[0], out[1], out[2]


def _robust_scale(s: np.ndarray, med: float, iqr: float) -> float:
    """IQR, else the IQR of the values away from the median, else the std (0 if constant).

    ``s`` is sorted.
    """
    if iqr > 0:
        return iqr
    away = s[s != med]
    if away.size >= 4:
        a1, _, a3 = _quartiles(away)
        if a3 > a1:
            return a3 - a1
    if away.size:
        return float(np.std(s))
    return 0.0


@dataclass
class _Shape:
    """Robust shape of a column, from all its finite values or a fixed sample of them."""

    sorted: np.ndarray
    q1: float
    med: float
    q3: float
    scale: float
    values: np.ndarray       # distinct values of the sample ...
    counts: np.ndarray       # ... and how often each occurs in it


def _shape(fin: np.ndarray) -> _Shape:
    """One sort of at most _QUANTILE_SAMPLE values gives quartiles, scale and modes."""
    s = np.sort(_sample(fin, _QUANTILE_SAMPLE))
    q1, med, q3 = _quartiles(s)
    new = np.empty(s.size, dtype=bool)
    new[0] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    first = np.flatnonzero(new)
    counts = np.diff(np.append(first, s.size))
    return _Shape(s, q1, med, q3, _robust_scale(s, med, q3 - q1), s[first], counts)


def _sample(x: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """A fixed random sample (with replacement) of ``size`` values, or ``x`` if smaller."""
    if x.size <= size:
        return x
    idx = np.random.default_rng(seed).integers(0, x.size, size)
    return x[idx]


def _runs(missing: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> dict[str, Any]:
    """Run lengths of a missing mask, per series: leading, trailing, longest inner gap."""
    n = missing.size
    obs_idx = np.flatnonzero(~missing)
    k = obs_idx.size
    if k == 0:
        lengths = ends - starts
        return {"leading": lengths, "trailing": lengths, "gap": 0, "gap_start": -1,
                "first_obs": np.full(starts.size, -1), "observed": np.zeros(starts.size, bool)}
    p = np.searchsorted(obs_idx, starts)
    first = obs_idx[np.minimum(p, k - 1)]
    observed = (p < k) & (first < ends)
    first = np.where(observed, first, ends)
    q = np.searchsorted(obs_idx, ends) - 1
    last = np.where(q >= 0, obs_idx[np.maximum(q, 0)], -1)
    last = np.where(observed, last, starts - 1)
    leading = first - starts
    trailing = ends - 1 - last
    gap, gap_start = 0, -1
    if k > 1 and k < n:
        gaps = np.diff(obs_idx)
        # a pair of observations that straddles a series start is not an inner gap
        cross = p[1:] - 1
        gaps[cross[(cross >= 0) & (cross < k - 1)]] = 1
        j = int(np.argmax(gaps))
        if gaps[j] > 1:
            gap, gap_start = int(gaps[j] - 1), int(obs_idx[j] + 1)
    return {"leading": leading, "trailing": trailing, "gap": gap, "gap_start": gap_start,
            "first_obs": np.where(observed, first, -1), "observed": observed}


# ---------------------------------------------------------------- the auditor
class _Auditor:
    def __init__(self, table: Table, target: str | None) -> None:
        self.t = table
        self.target = target
        self.findings: list[Finding] = []
        self.bounds = table.series_bounds()
        self.starts = self.bounds[:-1]
        self.ends = self.bounds[1:]
        self.codes = table.series_codes()
        self.names = table.series_names()
        self.multi = table.series_col is not None and len(self.starts) > 1
        self.n = table.n_rows
        self.n_inserted = int(np.asarray(table.inserted, dtype=bool).sum()) \
            if table.inserted is not None and len(table.inserted) else 0
        self.missing_counts: dict[str, int] = {}
        self.scales: dict[str, float] = {}
        self.magnitudes: dict[str, float] = {}
        self.sentinels: dict[str, list[float]] = {}
        self.features = [c for c in table.value_columns if c != target]

    # ............................................................ plumbing
    def add(self, code: str, severity: str, column: str | None, message: str,
            fix: str, series: str | None = None, **evidence: Any) -> None:
        self.findings.append(Finding(code, severity, column, series, message,
                                     _plain(evidence), fix))

    def where(self, i: int) -> str:
        return self.t.describe_row(int(i))

    def drop_fix(self, col: str) -> str:
        keep = [c for c in self.features if c != col]
        if not keep:
            return f"Drop {col!r} from the inputs (--features)."
        if len(keep) <= 12:
            return f"Drop it with --features {','.join(keep)} (the other input columns)."
        return (f"Drop it: pass --features with the {len(keep)} other input columns "
                f"({','.join(keep[:8])},...).")

    # ................................................................ run
    def run(self) -> AuditReport:
        t = self.t
        for col in t.value_columns:
            if col in t.numeric:
                self.numeric_column(col)
            else:
                self.categorical_column(col)
        self.scale_disparity()
        self.large_values()
        self.ingestion()
        if self.multi:
            self.short_series()
        if self.target is not None and self.target in t.numeric:
            self.leakage()
        summary = {
            "source": t.source,
            "n_rows": self.n,
            "n_series": len(self.starts) if self.n else 0,
            "n_columns": len(t.value_columns),
            "freq": _freq_str(t.freq),
            "time_col": t.time_col,
            "series_col": t.series_col,
            "target": self.target,
            "numeric": list(t.numeric),
            "categorical": list(t.categorical),
            "inserted_rows": self.n_inserted,
            "missing": {c: self.missing_counts.get(c, 0) for c in t.value_columns},
        }
        return AuditReport(self.findings, summary)

    # ...................................................... missing values
    def missing(self, col: str, miss: np.ndarray) -> None:
        n_miss = int(miss.sum())
        self.missing_counts[col] = n_miss
        if n_miss == 0 or self.n == 0:
            return
        is_target = col == self.target
        frac = n_miss / self.n
        runs = _runs(miss, self.starts, self.ends)
        observed = runs["observed"]
        lead = int(runs["leading"][observed].max()) if observed.any() else 0
        trail = int(runs["trailing"][observed].max()) if observed.any() else 0
        gap = runs["gap"]
        n_dead = int((~observed).sum())
        if self.multi:
            per = np.add.reduceat(miss.astype(np.int64), self.starts)
            self.series_missing(col, per / (self.ends - self.starts))

        ev: dict[str, Any] = {"count": n_miss, "fraction": round(frac, 6),
                              "leading_run": lead, "trailing_run": trail, "longest_gap": gap}
        if self.n_inserted:
            ev["inserted_rows"] = self.n_inserted
        if self.multi:
            ev["series_all_missing"] = n_dead

        if n_miss == self.n:
            if is_target:
                self.add("target_missing", "error", col,
                         f"The target {col!r} has no observed value in {self.n} rows.",
                         "Choose another --target, or check --na-values and the column "
                         "name: every value was read as missing.", **ev)
            else:
                self.add("all_missing", "warning", col,
                         f"Column {col!r} has no observed value in {self.n} rows.",
                         self.drop_fix(col) + " Or check --na-values.", **ev)
            return

        parts = [f"{_count(n_miss, 'missing value')} ({_pct(frac)})"]
        if self.n_inserted:
            parts[0] += f", {self.n_inserted} of them in inserted grid rows"
        if lead:
            parts.append(f"leading run of {_count(lead, 'missing value')}"
                         + (" (longest across series)" if self.multi else ""))
        if gap:
            parts.append(f"longest gap {gap} rows from {self.where(runs['gap_start'])}")
        if trail:
            parts.append(f"trailing run of {trail}")
        if n_dead:
            parts.append(f"{n_dead} series with no observed value")
        text = ", ".join(parts)
        if is_target:
            sev = "warning" if frac >= _TARGET_MISSING_WARN_FRACTION else "info"
            self.add("target_missing", sev, col,
                     f"The target {col!r} has {text}; missing targets are left out of "
                     "the loss and the scores.",
                     "Nothing to do for a few; if most are missing, check --na-values and "
                     "--freq (a too fine grid inserts empty rows).", **ev)
        else:
            sev = "warning" if frac >= _MISSING_WARN_FRACTION else "info"
            self.add("missing_values", sev, col, f"Column {col!r} has {text}.",
                     "Keep the default --missing auto (observed-mask channels), or choose "
                     "--missing indicators / --missing mask; drop a mostly empty column "
                     "with --features.", **ev)
        if lead:
            i = int(runs["first_obs"][observed][np.argmax(runs["leading"][observed])])
            s_name = self.names[int(self.codes[i])] if self.multi else None
            self.add("leading_missing", "info", col,
                     f"Column {col!r} starts with a leading run of {_count(lead, 'missing value')} "
                     f"(first observed at {self.where(i)}); a past-only fill has nothing to "
                     "carry forward there.",
                     "Start the data at the first observed value, or keep the default "
                     "--missing auto, which fills them with the training mean and marks "
                     "them as not observed.", series=s_name,
                     leading_run=lead, first_observed_row=i)

    def series_missing(self, col: str, fracs: np.ndarray) -> None:
        med = float(np.median(fracs))
        bad = np.flatnonzero((fracs >= _SERIES_BAD_MISSING)
                             & (fracs >= med + _SERIES_MISSING_MARGIN))
        if not bad.size:
            return
        order = bad[np.argsort(-fracs[bad], kind="stable")]
        names = [self.names[i] for i in order]
        shown = ", ".join(f"{self.names[i]!r} ({_pct(fracs[i])})" for i in order[:5])
        more = f" and {len(order) - 5} more" if len(order) > 5 else ""
        self.add("series_missing", "warning", col,
                 f"Column {col!r} is much more often missing in {len(order)} series than "
                 f"in the others (median {_pct(med)}): {shown}{more}.",
                 "Check those series at the source; drop them from the data, or keep "
                 "--missing auto so the model sees the mask.",
                 series=names[0] if len(names) == 1 else None,
                 series_names=names[:20], missing_fraction=[round(float(fracs[i]), 6)
                                                             for i in order[:20]],
                 median_fraction=round(med, 6))

    def short_series(self) -> None:
        lengths = self.ends - self.starts
        med = float(np.median(lengths))
        short = np.flatnonzero(lengths < _SHORT_SERIES * med)
        if not short.size:
            return
        names = [self.names[i] for i in short]
        shown = ", ".join(f"{self.names[i]!r} ({int(lengths[i])} rows)" for i in short[:5])
        more = f" and {len(short) - 5} more" if len(short) > 5 else ""
        self.add("short_series", "info", None,
                 f"{len(short)} series are shorter than {_pct(_SHORT_SERIES)} of the median "
                 f"length ({_num(med)} rows): {shown}{more}.",
                 "Series shorter than --input-len plus --horizon give no window; drop them "
                 "or lower --input-len.",
                 series=names[0] if len(names) == 1 else None,
                 series_names=names[:20], lengths=[int(lengths[i]) for i in short[:20]],
                 median_length=med)

    # ..................................................... numeric columns
    def numeric_column(self, col: str) -> None:
        x = self.t.frame[col].to_numpy(dtype=np.float64, copy=False)
        nan = np.isnan(x)
        self.missing(col, nan)
        is_target = col == self.target
        finite_mask = np.isfinite(x)
        n_fin = int(finite_mask.sum())
        n_inf = int(x.size - n_fin - nan.sum())
        if n_inf:
            n_pos = int(np.isposinf(x).sum())
            i = int(np.argmax(np.isinf(x)))
            ev: dict[str, Any] = {"count": n_inf, "positive": n_pos,
                                  "negative": n_inf - n_pos, "first_row": i}
            if is_target and n_fin == 0:
                self.add("infinite_values", "error", col,
                         f"The target {col!r} has no finite value: {n_inf} values are "
                         f"infinite ({n_pos} +inf, {n_inf - n_pos} -inf).",
                         "Fix the source (often a division by zero or a log of 0), or "
                         "choose another --target.", **ev)
                return
            self.add("infinite_values", "warning", col,
                     f"Column {col!r} has {_count(n_inf, 'infinite value')} ({n_pos} +inf, "
                     f"{n_inf - n_pos} -inf), first at {self.where(i)}; they are treated as "
                     "missing.",
                     "Fix the source (often a division by zero or a log of 0); seqguard "
                     "treats them as missing, which --missing decides how to fill.", **ev)
        if n_fin == 0:
            return
        fin = x[finite_mask] if n_fin < x.size else x
        lo_v, hi_v = float(fin.min()), float(fin.max())
        if lo_v == hi_v:
            if is_target:
                self.add("target_constant", "error", col,
                         f"The target {col!r} takes a single value ({_num(lo_v)}) in all "
                         f"{_count(n_fin, 'observed row')}; there is nothing to learn.",
                         "Choose another --target, or check the rows kept by the read "
                         "options.", value=lo_v, count=n_fin)
            else:
                self.add("constant_column", "warning", col,
                         f"Column {col!r} takes a single value ({_num(lo_v)}) in all "
                         f"{_count(n_fin, 'observed row')}.", self.drop_fix(col),
                         value=lo_v, count=n_fin)
            return

        # Quantiles (median, IQR, MAD) and modes of columns longer than
        # _QUANTILE_SAMPLE come from a fixed random sample: exact enough for
        # thresholds of 10 IQR, and it keeps the audit cheaper than reading the file.
        sh = _shape(fin)
        sentinels = self.find_sentinels(col, fin, sh, lo_v, hi_v)
        if sentinels:
            fin = fin[~np.isin(fin, sentinels)]
            if fin.size == 0:
                return
            sh = _shape(fin)
        med = sh.med
        self.scales[col] = sh.scale
        self.magnitudes[col] = max(abs(sh.q1), abs(sh.q3))

        # near constant: a dominant value, or a relative spread below 1e-8
        top = int(np.argmax(sh.counts))
        top_v = float(sh.values[top])
        share, n_top = 0.0, 0
        if sh.counts[top] >= _NEAR_CONSTANT_INFO * sh.sorted.size:
            n_top = int((fin == top_v).sum())
            share = n_top / fin.size
        mean = float(fin.mean())
        rel = float(fin.std()) / abs(mean) if mean != 0 else math.inf
        if share >= _NEAR_CONSTANT_INFO or rel < 1e-8:
            tiny = rel < 1e-8
            sev = "warning" if (tiny or share >= _NEAR_CONSTANT_WARN) else "info"
            if tiny:
                msg = (f"Column {col!r} is nearly constant: its standard deviation is "
                       f"{rel:.2g} of its mean {_num(mean)}.")
            else:
                msg = (f"Column {col!r} is nearly constant: {_num(top_v)} is {_pct(share)} of "
                       f"its {fin.size} observed values "
                       f"({_count(fin.size - n_top, 'other value')}).")
            fix = ("If it carries a rare but real signal, keep it; otherwise "
                   + self.drop_fix(col)[0].lower() + self.drop_fix(col)[1:])
            if is_target:
                fix = "Check that this is the intended --target; a model will mostly predict that value."
            self.add("near_constant", sev, col, msg, fix, value=top_v,
                     share=round(share, 6), relative_std=rel if math.isfinite(rel) else None)

        self.outliers(col, x, finite_mask, sh.sorted, med, sentinels)
        if not is_target:
            self.row_index(col, x, n_fin)

    def find_sentinels(self, col: str, fin: np.ndarray, sh: _Shape, lo_v: float,
                       hi_v: float) -> list[float]:
        """Values standing in for missing data; adds one finding per value found."""
        n = fin.size
        med, scale, s_vals, s_counts = sh.med, sh.scale, sh.values, sh.counts
        min_count = max(_SENTINEL_MIN_COUNT, math.ceil(_SENTINEL_MIN_SHARE * n))
        cands: dict[float, str] = {}
        # (a) repeated values outside the typical range median ± 10 IQR
        lo, hi = med - _RANGE_IQRS * scale, med + _RANGE_IQRS * scale
        tail_mask = (fin < lo) | (fin > hi) if scale > 0 else np.zeros(n, bool)
        tail = fin[tail_mask] if scale > 0 else fin[:0]
        t_vals, t_counts = np.unique(_sample(tail, 200_000), return_counts=True) \
            if tail.size else (np.empty(0), np.empty(0, np.int64))
        if tail.size > 200_000:  # scale sample counts back up
            t_counts = np.round(t_counts * tail.size / 200_000).astype(np.int64)
        # only the most frequent tail value of each side can dominate its side
        for side in (t_vals < lo, t_vals > hi):
            if side.any():
                j = np.flatnonzero(side)[np.argmax(t_counts[side])]
                if t_counts[j] >= min_count:
                    cands[float(t_vals[j])] = "range"
        # (b) the single negative value of an otherwise non-negative column
        if lo_v < 0:
            neg_hi = float(fin[fin < 0].max())
            if neg_hi == lo_v and lo_v == round(lo_v):
                cands.setdefault(lo_v, "negative")
        # (c) an extreme value frequent enough to distort the quantiles
        share = s_counts / max(1, s_counts.sum())
        for v in s_vals[share >= 0.1]:
            if v in (lo_v, hi_v):
                cands.setdefault(float(v), "extreme")

        found: list[float] = []
        for v, why in sorted(cands.items(), key=lambda kv: kv[0]):
            if v == 0 and lo_v >= 0:
                continue  # 0 at the floor of a non-negative column: a count, an off state
            is_v = fin == v
            c = int(is_v.sum())
            if c < min_count:
                continue
            rest = fin[~is_v]
            if rest.size < 3:
                continue
            rest_sh = _shape(rest)
            if rest_sh.values.size < 3:
                continue  # a flag or sign column (0/1, -1/+1, -1/0/1): values, not markers
            a, r_med, b, r_scale = rest_sh.q1, rest_sh.med, rest_sh.q3, rest_sh.scale
            if r_scale == 0:
                continue
            r_lo, r_hi = r_med - _RANGE_IQRS * r_scale, r_med + _RANGE_IQRS * r_scale
            if why == "negative":
                others = np.empty(0, np.int64)  # no other negative value by construction
            else:
                if r_lo <= v <= r_hi:
                    continue
                if b == a:
                    # the spread came from a fallback (one value dominates): also ask
                    # for a clear gap, so a rare large count is not taken for a marker
                    r_min, r_max = float(rest.min()), float(rest.max())
                    gap = r_min - v if v < r_min else v - r_max
                    if gap < 0.5 * (r_max - r_min):
                        continue
                side = rest[rest < r_lo] if v < r_lo else rest[rest > r_hi]
                others = np.unique(_sample(side, 200_000), return_counts=True)[1] \
                    if side.size else np.empty(0, np.int64)
            m = int(others.max()) if others.size else 0
            if c < _SENTINEL_DOMINANCE * m:
                continue  # a heavy tail, not a marker
            found.append(v)
            first = int(np.flatnonzero(self.t.frame[col].to_numpy(np.float64, copy=False)
                                       == v)[0])
            where = ("it is the only negative value of a column that is otherwise "
                     "non-negative" if why == "negative" else
                     f"far outside the typical range of the other values "
                     f"({_num(r_lo)} to {_num(r_hi)}, median ± {_num(_RANGE_IQRS)} IQR)")
            self.add("sentinel_value", "warning", col,
                     f"Column {col!r} holds the value {_num(v)} {c} times ({_pct(c / n)}); "
                     f"{where}, so it probably stands for missing data (first at "
                     f"{self.where(first)}).",
                     f"Pass --na-values {_num(v)} to read it as missing.",
                     value=v, count=c, fraction=round(c / n, 6), median=r_med,
                     typical_low=r_lo, typical_high=r_hi, first_row=first,
                     reason=why, next_most_frequent_tail_count=m)
            if len(found) >= 5:
                break
        if found:
            self.sentinels[col] = found
        return found

    def outliers(self, col: str, x: np.ndarray, finite_mask: np.ndarray, qs: np.ndarray,
                 med: float, sentinels: list[float]) -> None:
        """Values more than _OUTLIER_Z robust sigmas (1.4826 MAD, from ``qs``) from the median."""
        sigma = 1.4826 * float(np.median(np.abs(qs - med)))
        if sigma <= 0:
            return  # dominated by one value: the robust z is undefined (see near_constant)
        limit = _OUTLIER_Z * sigma
        dev = np.abs(x - med)                       # NaN stays NaN, inf stays inf
        out = dev > limit
        out &= finite_mask
        if sentinels:
            out &= ~np.isin(x, sentinels)
        n_out = int(out.sum())
        if not n_out:
            return
        n_obs = int(finite_mask.sum()) - (int(np.isin(x, sentinels).sum()) if sentinels else 0)
        i = int(np.argmax(np.where(out, dev, -1.0)))
        worst = float(x[i])
        z = float(dev[i] / sigma)
        frac = n_out / max(1, n_obs)
        tail = " (a heavy tail)" if frac >= 0.01 else ""
        heavy = frac >= _OUTLIER_WARN_FRACTION or z >= _OUTLIER_WARN_Z
        self.add("outliers", "warning" if heavy else "info", col,
                 f"Column {col!r} has {_count(n_out, 'value')} ({_pct(frac)}) more than "
                 f"{_num(_OUTLIER_Z)} robust standard deviations from its median "
                 f"{_num(med)}{tail}; the worst is {_num(worst)} ({z:.0f} sigma) at "
                 f"{self.where(i)}.",
                 "Use --scaler robust; if they are error codes, mark them with --na-values; "
                 "check the source otherwise.",
                 count=n_out, fraction=round(frac, 6), median=med,
                 robust_sigma=sigma, worst_value=worst, worst_row=i, worst_z=round(z, 3))

    def row_index(self, col: str, x: np.ndarray, n_fin: int) -> None:
        """A column that counts rows (1, 2, 3, ... in each series) is an id, not a measurement."""
        if n_fin != x.size or x.size < 10:
            return
        d = np.diff(x)
        if self.multi:
            d = d[self.codes[1:] == self.codes[:-1]]
        if d.size < 9:
            return
        step = float(d[0])
        if step == 0 or step != round(step) or x[0] != round(x[0]) or not np.all(d == step):
            return
        per = " within each series" if self.multi else ""
        self.add("row_index", "warning", col,
                 f"Column {col!r} goes from {_num(x[0])} to {_num(x[-1])} in steps of "
                 f"{_num(step)}{per}: it looks like a row number, not a measurement.",
                 self.drop_fix(col), first=float(x[0]), step=step)

    def scale_disparity(self) -> None:
        scales = {c: s for c, s in self.scales.items()
                  if c != self.target and s > 0 and math.isfinite(s)
                  and not self.select_codes(c, {"row_index"})}
        if len(scales) < 2:
            return
        big = max(scales, key=scales.__getitem__)
        small = min(scales, key=scales.__getitem__)
        ratio = scales[big] / scales[small]
        if ratio <= _SCALE_RATIO:
            return
        self.add("scale_disparity", "warning", None,
                 f"Input scales differ by {ratio:.3g}x: {big!r} spreads over "
                 f"{_num(scales[big])} (IQR) and {small!r} over {_num(scales[small])}.",
                 "Keep a scaler (the default --scaler standard, or --scaler robust for "
                 "heavy tails); never --scaler none with these inputs.",
                 largest=big, largest_scale=scales[big], smallest=small,
                 smallest_scale=scales[small], ratio=ratio)

    def large_values(self) -> None:
        """Inputs whose typical values are so large that, fed raw, they saturate the gates.

        The default scaler turns them into z-scores; this warns before anyone trains
        with ``--scaler none`` (one such column is enough, unlike scale_disparity).
        """
        for col, mag in self.magnitudes.items():
            if col == self.target or mag < _LARGE_VALUE or not math.isfinite(mag) \
                    or self.select_codes(col, {"row_index"}):
                continue
            self.add("large_values", "warning", col,
                     f"Column {col!r} has typical values of {_num(mag)} in magnitude (its "
                     f"quartiles): fed to an LSTM unscaled, every gate saturates and the "
                     "model learns nothing from it.",
                     "Keep a scaler (the default --scaler standard, or --scaler robust for "
                     "heavy tails); never --scaler none with this column.",
                     magnitude=mag)

    def select_codes(self, col: str, codes: set[str]) -> bool:
        return any(f.column == col and f.code in codes for f in self.findings)

    # ................................................. categorical columns
    def categorical_column(self, col: str) -> None:
        s = self.t.frame[col]
        miss = s.isna().to_numpy(dtype=bool)
        self.missing(col, miss)
        n_obs = int(miss.size - miss.sum())
        if n_obs == 0:
            return
        nun = int(s.nunique(dropna=True))
        is_target = col == self.target
        if nun == 1:
            value = str(s[~miss].iloc[0])
            if is_target:
                self.add("target_constant", "error", col,
                         f"The target {col!r} has a single class ({value!r}) in all "
                         f"{n_obs} observed rows; there is nothing to learn.",
                         "Choose another --target, or check the rows kept by the read "
                         "options.", value=value, count=n_obs)
            else:
                self.add("constant_column", "warning", col,
                         f"Column {col!r} takes a single value ({value!r}) in all {n_obs} "
                         "observed rows.", self.drop_fix(col), value=value, count=n_obs)
            return
        if is_target:
            return
        if self.unit_suffix(col, s, nun):
            return
        if nun > _HIGH_CARDINALITY or (n_obs >= 20 and nun > 0.5 * n_obs):
            self.add("high_cardinality", "warning", col,
                     f"Categorical column {col!r} has {nun} distinct values in {n_obs} "
                     f"observed rows ({_pct(nun / n_obs)}); most categories are too rare "
                     "to learn from.",
                     "If it names the series, pass it as --series-col; if it is an id or "
                     "free text, " + self.drop_fix(col)[0].lower() + self.drop_fix(col)[1:],
                     distinct=nun, observed=n_obs, fraction=round(nun / n_obs, 6))

    def unit_suffix(self, col: str, s: pd.Series, nun: int) -> bool:
        """A text column of numbers written with a unit ("23.1 °C"): say how to read it."""
        from .number_text import unit_of

        values = s.dropna().drop_duplicates()
        found = unit_of(values.iloc[:_QUANTILE_SAMPLE].astype("string"))
        if found is None:
            return False
        unit, examples = found
        self.add("unit_suffix", "warning", col,
                 f"Column {col!r} holds numbers written with the unit {unit!r} (e.g. "
                 f"{', '.join(repr(e) for e in examples)}); read as text it is a category "
                 f"with {nun} values.",
                 f"Pass --strip-units {col} to read it as numbers (the unit is removed and "
                 "recorded).", unit=unit, examples=examples, distinct=nun)
        return True

    # ...................................................... ingestion facts
    def ingestion(self) -> None:
        r = self.t.report
        found = getattr(r, "time_col_found", "")
        if found.startswith(("found by content", "from the date parts")):
            self.add("time_column", "info", self.t.time_col,
                     f"time column: {self.t.time_col!r} ({found}).",
                     "Nothing to do if it is the time; pass --time-col to choose another "
                     "column.", how=found)
        for col, unit in getattr(r, "units", {}).items():
            self.add("units_stripped", "info", col,
                     f"Column {col!r} was read as numbers with its unit {unit!r} removed.",
                     "Nothing to do: this is what --strip-units asked for.",
                     unit=unit)
        if r.duplicate_rows:
            ex = ", ".join(f"({a}, {b})" for a, b in r.duplicate_examples[:3])
            self.add("duplicate_timestamps", "warning", None,
                     f"{r.duplicate_rows} rows repeated a (series, time) pair of an earlier "
                     f"row{' (e.g. ' + ex + ')' if ex else ''} and were merged by "
                     f"{r.duplicates_policy!r}.",
                     "Check the source for double exports; --duplicates mean|first|last "
                     "chooses how repeats are merged.",
                     count=r.duplicate_rows, policy=r.duplicates_policy,
                     examples=[list(map(str, p)) for p in r.duplicate_examples])
        if r.unsorted_rows:
            self.add("unsorted_rows", "info", None,
                     f"{r.unsorted_rows} of {r.n_input_rows} input rows were out of time "
                     "order; the table was sorted by (series, time).",
                     "Nothing to do: seqguard sorts every read; sort the source to silence "
                     "this.", count=r.unsorted_rows, input_rows=r.n_input_rows)
        if r.irregular_steps or r.aggregated_rows:
            freq = _freq_str(self.t.freq)
            agg = (f"; {r.aggregated_rows} rows inside one step were averaged"
                   if r.aggregated_rows else "")
            how = "inferred" if r.freq_inferred else "given"
            self.add("irregular_timestamps", "warning" if r.aggregated_rows else "info", None,
                     f"{r.irregular_steps} time steps were not the {how} step {freq}; "
                     f"the time axis was put on a regular {freq} grid{agg}.",
                     "Check that --freq is the step you mean (a coarser --freq averages "
                     "more, a finer one inserts more empty rows).",
                     irregular_steps=r.irregular_steps, aggregated_rows=r.aggregated_rows,
                     freq=freq, freq_inferred=r.freq_inferred)
        n_ins = self.n_inserted or r.inserted_rows
        if n_ins:
            frac = n_ins / max(1, self.n)
            self.add("inserted_rows", "warning" if frac >= 0.2 else "info", None,
                     f"{n_ins} grid rows ({_pct(frac)}) were missing from the input and "
                     f"were inserted with every value missing (longest run "
                     f"{r.largest_inserted_run}).",
                     "Nothing to do for a few; if many, check that --freq matches the data.",
                     count=n_ins, fraction=round(frac, 6),
                     largest_run=r.largest_inserted_run)
        if r.na_markers:
            total = int(sum(r.na_markers.values()))
            shown = ", ".join(f"{k!r}: {v}" for k, v in list(r.na_markers.items())[:5])
            self.add("na_markers", "info", None,
                     f"{total} missing-data markers were read as missing ({shown}).",
                     "Nothing to do: this is what --na-values asked for.",
                     count=total, per_column=dict(r.na_markers))

    # ............................................................. leakage
    def leakage(self) -> None:
        t = self.t
        tgt = self.target
        assert tgt is not None
        y = t.frame[tgt].to_numpy(np.float64, copy=False)
        feats = [c for c in t.numeric if c != tgt and not self.select_codes(
            c, {"constant_column", "all_missing"})]
        if not feats or self.n < 3:
            return
        rng = np.random.default_rng(0)
        idx = np.sort(rng.integers(0, self.n, min(self.n, _SAMPLE)))
        y_s = y[idx]
        lengths = self.ends - self.starts
        max_k = int(min(_LEAK_MAX_SHIFT, lengths.max() - 1))
        # Future targets y[i + k] at a fixed sample of rows i, shared by every feature.
        base = np.sort(rng.integers(0, self.n, min(self.n, _LEAK_SAMPLE)))
        ks = np.arange(1, max_k + 1)
        j = np.minimum(base[None, :] + ks[:, None], self.n - 1)        # (K, B)
        y_future = y[j]
        valid = ((base[None, :] + ks[:, None] < self.n)
                 & (self.codes[base][None, :] == self.codes[j]) & np.isfinite(y_future))
        y_future = np.where(valid, y_future, 0.0)
        for col in feats:
            x = t.frame[col].to_numpy(np.float64, copy=False)
            r = _corr(x[idx], y_s)
            if r is not None and abs(r) > 0.99:
                r = _corr(x, y)
            if r is not None and abs(r) > _LEAK_CORR:
                self.add("leakage_correlated", "warning", col,
                         f"Column {col!r} is almost perfectly correlated with the target "
                         f"{tgt!r} at the same time (r = {r:.6f}); it is probably the "
                         "target in another form.",
                         "Check how it is measured; if it is known only with the target, "
                         + self.drop_fix(col)[0].lower() + self.drop_fix(col)[1:],
                         correlation=round(r, 8), lag=0)
                continue
            found = self.shifted_match(x, y, base, ks, valid, y_future)
            if found is not None:
                k, frac = found
                self.add("leakage_shifted_target", "warning", col,
                         f"Column {col!r} equals the target {tgt!r} {k} steps in the future "
                         f"in {_pct(frac)} of the rows where both are observed: it leaks "
                         "the answer.",
                         self.drop_fix(col) + " (Or shift it back by "
                         f"{k} steps at the source.)", shift=k, match_fraction=round(frac, 6))

    def shifted_match(self, x: np.ndarray, y: np.ndarray, base: np.ndarray, ks: np.ndarray,
                      valid: np.ndarray, y_future: np.ndarray) -> tuple[int, float] | None:
        """The smallest k with x[t] == y[t + k] on >= 95% of rows (sample, then all rows).

        ``y_future[m, b]`` is ``y[base[b] + ks[m]]`` where ``valid`` (same series, finite).
        """
        xb = x[base]
        fx = np.isfinite(xb)
        ok = valid & fx[None, :]
        eq = ok & _close(np.where(fx, xb, 0.0)[None, :], y_future)
        n_ok = ok.sum(axis=1)
        n_eq = eq.sum(axis=1)
        for m in np.flatnonzero((n_ok >= 20) & (n_eq >= _LEAK_MATCH * n_ok)):
            k = int(ks[m])
            vals, cnt = np.unique(y_future[m][eq[m]], return_counts=True)
            if vals.size < 3 or cnt.max() > 0.5 * n_eq[m]:
                continue  # matches explained by one common value (e.g. mostly zeros)
            # confirm on all rows
            a, b = x[:-k], y[k:]
            keep = (self.codes[:-k] == self.codes[k:]) & np.isfinite(a) & np.isfinite(b)
            frac = float(_close(a[keep], b[keep]).mean())
            if frac >= _LEAK_MATCH:
                return k, frac
        return None


def _close(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """np.isclose(a, b, rtol=1e-6, atol=1e-12) for finite arrays, without its overhead."""
    return np.abs(a - b) <= 1e-12 + 1e-6 * np.abs(b)


def _corr(x: np.ndarray, y: np.ndarray) -> float | None:
    """Pearson correlation over the rows where both are finite (None if undefined)."""
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return None
    a, b = x[ok], y[ok]
    a = a - a.mean()
    b = b - b.mean()
    # plain ufunc sums: BLAS dot products spin threads and crawl on a busy machine
    den = math.sqrt(float(np.multiply(a, a).sum()) * float(np.multiply(b, b).sum()))
    if den == 0:
        return None
    return float(np.multiply(a, b).sum()) / den
