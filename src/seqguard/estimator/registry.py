"""The estimator class of each saved run: a registry filled by the task modules.

``save`` stores the class name in pipeline.json; :func:`~seqguard.estimator.loading.load`
looks it up here. Each task module registers its class with :func:`register`, so
loading needs no import of the task classes (and the package has no import cycle).
"""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["ESTIMATORS", "register"]

#: class name (as pipeline.json's ``estimator``) -> estimator class
ESTIMATORS: dict[str, Any] = {}

T = TypeVar("T", bound=type)


def register(cls: T) -> T:
    """Record an estimator class under its name (a class decorator)."""
    ESTIMATORS[cls.__name__] = cls
    return cls
