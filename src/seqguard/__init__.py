"""seqguard: LSTM/GRU sequence models on messy real-world time series, done right by default."""

from __future__ import annotations

from . import datasets
from .audit import AuditReport, Finding, audit
from .diagnose import Diagnosis, diagnose
from .errors import (
    ArtifactError,
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

__version__ = "0.1.0"

__all__ = [
    "ArtifactError",
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
