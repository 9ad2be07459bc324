"""The shape of a run directory's JSON files, checked before anything uses them.

:mod:`seqguard.run_checks` bounds what reading a file can cost (links, sizes, depth,
arrays, the model). This module checks that each decoded document has the types the
code reading it later relies on, field by field:

* ``pipeline.json``: the top-level fields :func:`seqguard.load` reads (``estimator``,
  ``params``, ``model``, ``pipeline``, ``feature_names``, ...), and every estimator
  parameter through the declarations of :mod:`seqguard.params` (:func:`check_params`:
  an unknown name, a wrong type or a value out of range is refused).
* ``metrics.json``: the scores ``evaluate``, ``diagnose``, the report and the verdict
  read (numbers or ``null``), the tables that hold them (objects), the counts, and
  ``by_series`` (a list of per-series objects: name, count, scores).
* ``audit.json`` / ``diagnosis.json``: ``findings`` and ``events`` are lists of
  objects whose ``severity``, ``code``, ``message`` and ``fix`` are text; the audit's
  ``by_series`` is a list of objects with a series name.

Fields these checks do not name are left as they are (a newer seqguard may add
some). Every violation is an :class:`~seqguard.errors.ArtifactError` naming the file,
the field and the value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from numbers import Real
from typing import Any

from .errors import ArtifactError

__all__ = ["check_document", "check_estimator_params", "check_estimator_spec"]

_NUMBER = "a number or null"
_SCORES = ("mae", "rmse", "smape", "mase", "accuracy", "roc_auc", "pr_auc", "log_loss",
           "balanced_accuracy", "f1", "brier")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _bad(where: str, field: str, value: Any, expected: str) -> ArtifactError:
    return ArtifactError(f"{where}: field {field!r} must be {expected}, got "
                         f"{_short(value)}. Refit, or restore the file.")


def _is_number(v: Any) -> bool:
    return v is None or (isinstance(v, Real) and not isinstance(v, bool))


def _is_int(v: Any) -> bool:
    return v is None or (isinstance(v, int) and not isinstance(v, bool))


def _is_text(v: Any) -> bool:
    return v is None or isinstance(v, str)


def _expect(doc: Mapping[str, Any], field: str, test: Callable[[Any], bool],
            expected: str, where: str, prefix: str = "") -> None:
    if field in doc and not test(doc[field]):
        raise _bad(where, prefix + field, doc[field], expected)


def _scores(table: Any, field: str, where: str) -> None:
    """A table of scores: an object whose score fields are numbers and whose
    ``by_horizon`` is a list of objects of numbers."""
    if not isinstance(table, Mapping):
        raise _bad(where, field, table, "an object of scores")
    for name in _SCORES:
        _expect(table, name, _is_number, _NUMBER, where, f"{field}.")
    rows = table.get("by_horizon")
    if rows is None:
        return
    if not isinstance(rows, list):
        raise _bad(where, f"{field}.by_horizon", rows, "a list of objects")
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise _bad(where, f"{field}.by_horizon[{i}]", row, "an object")
        for k, v in row.items():
            if not _is_number(v):
                raise _bad(where, f"{field}.by_horizon[{i}].{k}", v, _NUMBER)


def _check_metrics(doc: Mapping[str, Any], where: str) -> None:
    _expect(doc, "task", _is_text, "text", where)
    _expect(doc, "target", lambda v: _is_text(v) or _is_number(v), "text", where)
    for field in ("input_len", "horizon", "guard_events"):
        _expect(doc, field, _is_int, "an integer or null", where)
    for field in ("skill_vs_persistence", "skill_vs_best", "skill_vs_mean",
                  "prediction_std_ratio"):
        _expect(doc, field, _is_number, _NUMBER, where)
    _expect(doc, "best_baseline", _is_text, "text or null", where)
    if "test" in doc:
        _scores(doc["test"], "test", where)
    baselines = doc.get("baselines")
    if baselines is not None:
        if not isinstance(baselines, Mapping):
            raise _bad(where, "baselines", baselines, "an object of score tables")
        for name, table in baselines.items():
            _scores(table, f"baselines.{name}", where)
    counts = doc.get("n_windows")
    if counts is not None:
        if not isinstance(counts, Mapping):
            raise _bad(where, "n_windows", counts, "an object of counts")
        for k, v in counts.items():
            if not _is_int(v):
                raise _bad(where, f"n_windows.{k}", v, "an integer or null")
    _expect(doc, "classes", lambda v: isinstance(v, list), "a list", where)
    _expect(doc, "ensemble", lambda v: isinstance(v, Mapping), "an object", where)
    _by_series(doc.get("by_series"), where)


def _by_series(rows: Any, where: str) -> None:
    """``by_series``: null, or a list of objects with a series name, a count and scores."""
    if rows is None:
        return
    if not isinstance(rows, list):
        raise _bad(where, "by_series", rows, "a list of objects")
    for i, row in enumerate(rows):
        field = f"by_series[{i}]"
        if not isinstance(row, Mapping):
            raise _bad(where, field, row, "an object")
        if not isinstance(row.get("series"), str):
            raise _bad(where, f"{field}.series", row.get("series"), "the series name (text)")
        if not (isinstance(row.get("n"), int) and not isinstance(row.get("n"), bool)
                and row["n"] >= 0):
            raise _bad(where, f"{field}.n", row.get("n"), "a count (an integer >= 0)")
        for key in ("mae", "rmse", "baseline_mae", "skill"):
            _expect(row, key, _is_number, _NUMBER, where, f"{field}.")
        _expect(row, "baseline", _is_text, "text or null", where, f"{field}.")


def _findings(doc: Mapping[str, Any], field: str, where: str) -> None:
    items = doc.get(field)
    if items is None:
        return
    if not isinstance(items, list):
        raise _bad(where, field, items, "a list of objects")
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise _bad(where, f"{field}[{i}]", item, "an object")
        for key in ("severity", "code", "message", "fix", "guard", "reason"):
            _expect(item, key, _is_text, "text", where, f"{field}[{i}].")
        _expect(item, "evidence", lambda v: v is None or isinstance(v, Mapping),
                "an object", where, f"{field}[{i}].")


def _check_findings_doc(doc: Mapping[str, Any], where: str) -> None:
    for field in ("findings", "events"):
        _findings(doc, field, where)
    _expect(doc, "windows", lambda v: isinstance(v, Mapping), "an object", where)
    _expect(doc, "error", _is_text, "text", where)
    _expect(doc, "history", lambda v: isinstance(v, list), "a list", where)
    _expect(doc, "codes", lambda v: isinstance(v, list) and all(isinstance(c, str) for c in v),
            "a list of text", where)
    rows = doc.get("by_series")  # audit.json: the per-series figures
    if rows is not None:
        if not isinstance(rows, list):
            raise _bad(where, "by_series", rows, "a list of objects")
        for i, row in enumerate(rows):
            if not isinstance(row, Mapping) or not isinstance(row.get("series"), str):
                raise _bad(where, f"by_series[{i}]", row, "an object with a series name")
            _expect(row, "rows", _is_int, "an integer", where, f"by_series[{i}].")
            _expect(row, "target_missing", _is_number, _NUMBER, where, f"by_series[{i}].")
            _expect(row, "missing", _is_dict, "an object", where, f"by_series[{i}].")
    diagnose = doc.get("diagnose")
    if diagnose is not None:
        if not isinstance(diagnose, Mapping):
            raise _bad(where, "diagnose", diagnose, "an object")
        _findings(diagnose, "findings", where)


def _is_dict(v: Any) -> bool:
    return isinstance(v, Mapping)


def _check_pipeline(doc: Mapping[str, Any], where: str) -> None:
    """The types of the fields present (:func:`check_estimator_spec` requires them)."""
    _expect(doc, "estimator", lambda v: isinstance(v, str), "the name of an estimator", where)
    for field in ("params", "model", "pipeline"):
        _expect(doc, field, _is_dict, "an object", where)
    for field in ("n_windows", "budget", "given_data", "state", "versions"):
        _expect(doc, field, _is_dict, "an object", where)
    _expect(doc, "feature_names", lambda v: isinstance(v, list) and all(
        isinstance(n, str) for n in v), "a list of column names", where)
    _expect(doc, "freq", lambda v: _is_number(v) or isinstance(v, (str, Mapping)),
            "a pandas frequency, a number or null", where)


def check_estimator_spec(doc: Mapping[str, Any], where: str) -> None:
    """``pipeline.json`` of an estimator's run: the fields :func:`seqguard.load` needs
    are present and typed, and ``pipeline`` is a saved Pipeline.

    Raises
    ------
    ArtifactError
        A field missing or of the wrong type (named, with its value).
    """
    for field in ("estimator", "params", "model", "pipeline", "feature_names"):
        if field not in doc:
            raise ArtifactError(f"{where}: field {field!r} is missing. Refit, or restore "
                                "the file.")
    _check_pipeline(doc, where)
    step = doc["pipeline"]
    if step.get("__class__") != "Pipeline":
        raise _bad(where, "pipeline.__class__", step.get("__class__"), "'Pipeline'")


_CHECKS: dict[str, Callable[[Mapping[str, Any], str], None]] = {
    "pipeline.json": _check_pipeline,
    "metrics.json": _check_metrics,
    "audit.json": _check_findings_doc,
    "diagnosis.json": _check_findings_doc,
}


def check_document(name: str, doc: Mapping[str, Any], where: str) -> None:
    """Check the decoded run file ``name`` (a JSON object); ``where`` names it in
    messages. Files without a schema here pass unchecked.

    Raises
    ------
    ArtifactError
        A field the code reads later has the wrong type (file, field and value named).
    """
    check = _CHECKS.get(name)
    if check is not None:
        check(doc, where)


def check_estimator_params(cls: type, params: Any, where: str) -> None:
    """``params`` (pipeline.json's ``params``) are parameters of estimator ``cls``,
    each valid by its declaration in :mod:`seqguard.params`.

    Raises
    ------
    ArtifactError
        Not an object, an unknown name (with a did-you-mean), or a value its
        declaration refuses (the declaration's message, naming the field).
    """
    from .errors import ParameterError, did_you_mean
    from .params import ESTIMATOR_PARAMS, check_exclusive, check_params

    if not isinstance(params, Mapping):
        raise _bad(where, "params", params, "an object")
    names = {p.name for p in ESTIMATOR_PARAMS} | {"target"}
    for key in params:
        if key not in names:
            hint = did_you_mean(str(key), sorted(names))
            raise ArtifactError(f"{where}: field 'params.{key}' (value "
                                f"{_short(params[key])}) is not a parameter of "
                                f"{cls.__name__}.{hint} Refit, or restore the file.")
    if "target" not in params:
        raise ArtifactError(f"{where}: field 'params.target' is missing. Refit.")
    try:
        est = cls(**params)
        check_params(est, ESTIMATOR_PARAMS, task=getattr(cls, "task", None))
        check_exclusive(est)
    except ParameterError as e:
        raise ArtifactError(f"{where}: field 'params.{e.param}': {e} Refit, or restore "
                            "the file.") from None
    except (TypeError, ValueError) as e:
        raise ArtifactError(f"{where}: field 'params' is not valid ({e}). Refit.") from None
