"""seqguard: LSTM/GRU sequence models on messy real-world time series, done right by default."""

from __future__ import annotations

from .errors import (
    ArtifactError,
    DataWarning,
    InputError,
    LeakageWarning,
    NotFittedError,
    SeqguardError,
    SeqguardWarning,
    TrainingFailed,
)
from .io import read
from .table import IngestReport, Table

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "ArtifactError",
    "DataWarning",
    "InputError",
    "IngestReport",
    "LeakageWarning",
    "NotFittedError",
    "SeqguardError",
    "SeqguardWarning",
    "Table",
    "read",
    "TrainingFailed",
]
