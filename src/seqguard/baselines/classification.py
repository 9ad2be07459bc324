"""Classification baselines: the majority class and the training base rate."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from ..metrics import classification_scores
from .checks import _positive_int

__all__ = ["base_rate", "classification_baseline_scores", "majority_class"]


def _train_labels(y_train: Any, n_classes: int | None = None) -> np.ndarray:
    y = np.asarray(y_train, dtype=np.float64).ravel()
    y = y[~np.isnan(y)]
    if y.size == 0:
        raise InputError("y_train has no observed label; the baselines need training "
                         "labels.")
    if np.any(y != np.round(y)) or y.min() < 0 or (n_classes is not None
                                                   and y.max() >= n_classes):
        raise InputError("y_train must hold class codes 0, 1, ... (NaN for missing).")
    return y.astype(np.int64)


def majority_class(y_train: Any) -> int:
    """The most frequent training class (the smallest code on a tie).

    Examples
    --------
    >>> majority_class([0, 2, 2, 1, np.nan, 1])
    1
    """
    lab = _train_labels(y_train)
    return int(np.argmax(np.bincount(lab)))


def base_rate(y_train: Any, n_classes: int) -> np.ndarray:
    """Training class frequencies, shape (n_classes,), summing to 1.

    Examples
    --------
    >>> base_rate([0, 1, 1, 1], 2).tolist()
    [0.25, 0.75]
    """
    K = _positive_int("n_classes", n_classes)
    lab = _train_labels(y_train, K)
    return np.bincount(lab, minlength=K) / lab.size


def classification_baseline_scores(y_true: Any, y_train: Any, n_classes: int
                                   ) -> dict[str, dict[str, Any]]:
    """Majority-class accuracy and base-rate log loss on the test labels.

    Returns
    -------
    dict
        ``{"majority": {"class", "accuracy"}, "base_rate": {"proba", "log_loss"}}``
        (the shape :func:`seqguard.metrics.build_metrics` expects).
    """
    K = _positive_int("n_classes", n_classes)
    maj = majority_class(y_train)
    rate = base_rate(y_train, K)
    yt = np.asarray(y_true, dtype=np.float64)
    onehot = np.zeros((len(yt), K))
    onehot[:, maj] = 1.0
    acc = classification_scores(yt, onehot, n_classes=K, kind="proba")["accuracy"]
    ll = classification_scores(yt, np.tile(rate, (len(yt), 1)), n_classes=K,
                               kind="proba")["log_loss"]
    return {"majority": {"class": maj, "accuracy": acc},
            "base_rate": {"proba": [float(p) for p in rate], "log_loss": ll}}
