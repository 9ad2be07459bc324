"""sklearn-style estimators: :class:`Forecaster`, :class:`SequenceTagger`, :class:`SequenceClassifier`.

``fit(data)`` reads and audits the data, fits the preprocessing
:class:`~seqguard.pipeline.Pipeline` on the training part, trains a
:class:`~seqguard.models.SequenceModel` with the guards of
:mod:`seqguard.training`, and scores the test part against the baselines
(``metrics_``, exactly metrics.json). ``save(dir)`` writes the run directory of
DESIGN.md; ``load(dir)`` reads it back without unpickling anything.
"""

# The package re-exports every name the single-module ``seqguard.estimator`` had,
# private helpers included, so ``from seqguard.estimator import X`` keeps working.
# ruff: noqa: F401

from __future__ import annotations

from ._scoring import _train_series
from .base import (
    _PIPELINE_PARAMS,
    _jsonable,
    _SequenceEstimator,
    _versions,
)
from .classifier import (
    SequenceClassifier,
    _label_value,
    _series_labels,
    _sorted_labels,
)
from .forecaster import (
    Forecaster,
    _extend_series,
)
from .loading import (
    _ESTIMATORS,
    load,
)
from .tagger import (
    SequenceTagger,
)

__all__ = ["Forecaster", "SequenceClassifier", "SequenceTagger", "load"]
