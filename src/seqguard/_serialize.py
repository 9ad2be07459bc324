"""JSON (de)serialisation of fitted objects: exact, and never pickle.

Every fitted seqguard transform is a scikit-learn style estimator whose
constructor arguments come back from ``get_params()`` and whose learned state is
held in attributes ending in ``_``. :class:`JsonMixin` turns both into plain JSON
(numbers, strings, lists, dicts; numpy arrays with their dtype and shape; NaN and
±inf as strings) and back, so that ``from_dict(to_dict(t))`` transforms exactly
as ``t`` does.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import ArtifactError, NotFittedError

_REGISTRY: dict[str, type] = {}


def register(cls: type) -> type:
    """Class decorator: make ``cls`` loadable from JSON by its name."""
    _REGISTRY[cls.__name__] = cls
    return cls


def encode(value: Any) -> Any:
    """Turn a value into JSON-safe data that :func:`decode` turns back exactly."""
    if isinstance(value, np.ndarray):
        flat = value.ravel().tolist() if value.dtype.kind != "O" else list(value.ravel())
        return {"__ndarray__": [encode(v) for v in flat], "dtype": value.dtype.str,
                "shape": list(value.shape)}
    if isinstance(value, (np.floating, float)):
        f = float(value)
        if math.isnan(f):
            return {"__float__": "nan"}
        if math.isinf(f):
            return {"__float__": "inf" if f > 0 else "-inf"}
        return f
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, dict):
        return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, JsonMixin):
        return value.to_dict()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    raise TypeError(f"cannot serialise {type(value).__name__} to JSON")


def decode(value: Any) -> Any:
    """Inverse of :func:`encode`."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "__ndarray__" in value:
            dtype = np.dtype(value["dtype"])
            items = [decode(v) for v in value["__ndarray__"]]
            arr = np.array(items, dtype=dtype if dtype.kind != "O" else object)
            return arr.reshape(value["shape"])
        if "__float__" in value:
            return float(value["__float__"])
        if "__dict__" in value:
            return {_hashable(decode(k)): decode(v) for k, v in value["__dict__"]}
        if "__tuple__" in value:
            return tuple(decode(v) for v in value["__tuple__"])
        if "__class__" in value:
            return from_dict(value)
        return {k: decode(v) for k, v in value.items()}
    return value


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


class JsonMixin:
    """Adds ``to_dict`` / ``from_dict`` to an estimator with sklearn's get_params contract."""

    def fitted_attributes(self) -> list[str]:
        """Names of the learned attributes (ending in ``_``, not starting with ``_``)."""
        return sorted(k for k in vars(self) if k.endswith("_") and not k.startswith("_"))

    def check_fitted(self) -> None:
        """Raise :class:`NotFittedError` unless ``fit`` has run."""
        if not self.fitted_attributes():
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet. Call 'fit' with the training "
                "part before 'transform'."
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe description: class name, constructor params and learned state."""
        params = self.get_params(deep=False)  # type: ignore[attr-defined]
        return {
            "__class__": type(self).__name__,
            "params": {k: encode(v) for k, v in params.items()},
            "state": {k: encode(getattr(self, k)) for k in self.fitted_attributes()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Any:
        """Rebuild an object written by :meth:`to_dict`."""
        return from_dict(data)


def from_dict(data: dict[str, Any]) -> Any:
    """Rebuild any registered object from its :meth:`JsonMixin.to_dict` form."""
    name = data.get("__class__")
    if name not in _REGISTRY:
        raise ArtifactError(
            f"pipeline.json names an unknown step {name!r}; it was written by another "
            "seqguard version. Refit with this version."
        )
    cls = _REGISTRY[name]
    obj = cls(**{k: decode(v) for k, v in data.get("params", {}).items()})
    for k, v in data.get("state", {}).items():
        setattr(obj, k, decode(v))
    return obj
