"""seqguard: LSTM/GRU sequence models on messy real-world time series, done right by default.

Public names are imported on first use (PEP 562), so ``import seqguard`` and the
``seqguard --help`` / ``--version`` / ``audit`` commands never load torch or
Lightning; ``seqguard.Forecaster`` (and the rest) load them when touched.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "ArtifactError": "errors",
    "AuditFailed": "errors",
    "AuditReport": "audit",
    "Calendar": "features",
    "Categoricals": "features",
    "ClassifyWindows": "windows",
    "DataWarning": "errors",
    "Diagnosis": "diagnose",
    "FeatureBuilder": "features",
    "Finding": "audit",
    "ForecastWindows": "windows",
    "Forecaster": "estimator",
    "Indicators": "features",
    "IngestReport": "table",
    "InputError": "errors",
    "Lags": "features",
    "LeakageWarning": "errors",
    "MissingStrategy": "missing",
    "NotFittedError": "errors",
    "Pipeline": "pipeline",
    "Prepared": "pipeline",
    "RollingStats": "features",
    "Scaler": "scaling",
    "SeqguardError": "errors",
    "SeqguardWarning": "errors",
    "SequenceClassifier": "estimator",
    "SequenceTagger": "estimator",
    "SeriesSplit": "splits",
    "Table": "table",
    "TagWindows": "windows",
    "TargetScaler": "scaling",
    "TimeSplit": "splits",
    "TrainingFailed": "errors",
    "TrainingWarning": "errors",
    "WindowLoader": "windows",
    "audit": "audit",
    "diagnose": "diagnose",
    "load": "estimator",
    "parse_missing": "missing",
    "prepare": "pipeline",
    "read": "io",
}
_SUBMODULES = ("datasets",)

__all__ = [
    "ArtifactError",
    "AuditFailed",
    "AuditReport",
    "Calendar",
    "Categoricals",
    "ClassifyWindows",
    "DataWarning",
    "Diagnosis",
    "FeatureBuilder",
    "Finding",
    "ForecastWindows",
    "Forecaster",
    "Indicators",
    "IngestReport",
    "InputError",
    "Lags",
    "LeakageWarning",
    "MissingStrategy",
    "NotFittedError",
    "Pipeline",
    "Prepared",
    "RollingStats",
    "Scaler",
    "SeqguardError",
    "SeqguardWarning",
    "SequenceClassifier",
    "SequenceTagger",
    "SeriesSplit",
    "Table",
    "TagWindows",
    "TargetScaler",
    "TimeSplit",
    "TrainingFailed",
    "TrainingWarning",
    "WindowLoader",
    "__version__",
    "audit",
    "datasets",
    "diagnose",
    "load",
    "parse_missing",
    "prepare",
    "read",
]

if TYPE_CHECKING:  # pragma: no cover - what the lazy loader gives, for type checkers
    from . import datasets
    from .audit import AuditReport, Finding, audit
    from .diagnose import Diagnosis, diagnose
    from .errors import (
        ArtifactError,
        AuditFailed,
        DataWarning,
        InputError,
        LeakageWarning,
        NotFittedError,
        SeqguardError,
        SeqguardWarning,
        TrainingFailed,
        TrainingWarning,
    )
    from .estimator import Forecaster, SequenceClassifier, SequenceTagger, load
    from .features import (
        Calendar,
        Categoricals,
        FeatureBuilder,
        Indicators,
        Lags,
        RollingStats,
    )
    from .io import read
    from .missing import MissingStrategy, parse_missing
    from .pipeline import Pipeline, Prepared, prepare
    from .scaling import Scaler, TargetScaler
    from .splits import SeriesSplit, TimeSplit
    from .table import IngestReport, Table
    from .windows import ClassifyWindows, ForecastWindows, TagWindows, WindowLoader


class _Package(types.ModuleType):
    """``seqguard.audit`` and ``seqguard.diagnose`` are the functions, not the modules.

    Importing the submodule ``seqguard.audit`` makes Python bind the module over the
    package attribute; the function keeps the name, as the eager imports once did.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and name in _EXPORTS and \
                _EXPORTS[name] == name:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'seqguard' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
