"""JSON in seqguard: one strict-JSON policy, and the exact encoding of fitted objects.

The policy, for every JSON file seqguard writes (``audit.json``, ``metrics.json``,
``diagnosis.json``, ``pipeline.json``, ``MANIFEST.json``, ``seqguard audit --format
json``): strict JSON, no ``NaN`` or ``Infinity`` tokens; a number that is NaN or
±inf (missing, or not computable) is ``null``. :func:`json_value` is the one encoder
that applies it (numpy scalars and arrays become plain numbers and lists, tuples
lists, keys strings); the run-directory writer (:mod:`seqguard.artifact`) passes
every document through it.

Fitted state is the one place where ``null`` would lose information: a learned
``NaN`` must come back as ``NaN``, not ``None``, and ``inf`` as ``inf``. Every fitted
seqguard transform is a scikit-learn style estimator whose constructor arguments
come back from ``get_params()`` and whose learned state is held in attributes
ending in ``_``. :class:`JsonMixin` turns both into plain JSON with :func:`encode`
(numbers, strings, lists, dicts; numpy arrays with their dtype and shape) and back
with :func:`decode`, so that ``from_dict(to_dict(t))`` transforms exactly as ``t``
does. Within a float array NaN is ``null`` too (the dtype brings it back); a float
that ``null`` cannot restore (a scalar NaN, ±inf) is the tagged object
``{"__float__": "nan"}``, which is still strict JSON.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .errors import ArtifactError

_REGISTRY: dict[str, type] = {}


def register(cls: type) -> type:
    """Class decorator: make ``cls`` loadable from JSON by its name."""
    _REGISTRY[cls.__name__] = cls
    return cls


def json_value(value: Any, *, fallback: Callable[[Any], Any] | None = None) -> Any:
    """The strict-JSON form of ``value``: NaN and ±inf become ``None``.

    Numpy scalars and arrays become Python numbers and lists, tuples lists, mapping
    keys strings. Any other object is passed to ``fallback`` (e.g. ``str``) or, without
    one, returned unchanged (``json.dumps`` then says what it cannot write).

    Examples
    --------
    >>> json_value({"a": np.float32(1.5), "b": [float("nan"), np.int64(2)], 3: (np.inf,)})
    {'a': 1.5, 'b': [None, 2], '3': [None]}
    """
    if isinstance(value, Mapping):
        return {str(k): json_value(v, fallback=fallback) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [json_value(v, fallback=fallback) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [json_value(v, fallback=fallback) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if value is None or isinstance(value, str) or fallback is None:
        return value
    return fallback(value)


def encode(value: Any) -> Any:
    """Turn a value into JSON-safe data that :func:`decode` turns back exactly."""
    if isinstance(value, np.ndarray):
        flat = value.ravel().tolist() if value.dtype.kind != "O" else list(value.ravel())
        if value.dtype.kind == "f":  # NaN is null: the dtype turns it back into NaN
            items = [None if math.isnan(v) else encode(v) for v in flat]
        else:
            items = [encode(v) for v in flat]
        return {"__ndarray__": items, "dtype": value.dtype.str, "shape": list(value.shape)}
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


def decode(value: Any, where: str = "pipeline.json") -> Any:
    """Inverse of :func:`encode`; ``where`` names the file in messages (an object in it
    is rebuilt by :func:`from_dict`, which checks it)."""
    if isinstance(value, list):
        return [decode(v, where) for v in value]
    if isinstance(value, dict):
        if "__ndarray__" in value:
            dtype = np.dtype(value["dtype"])
            items = [decode(v, where) for v in value["__ndarray__"]]
            arr = np.array(items, dtype=dtype if dtype.kind != "O" else object)
            return arr.reshape(value["shape"])
        if "__float__" in value:
            return float(value["__float__"])
        if "__dict__" in value:
            return {_hashable(decode(k, where)): decode(v, where) for k, v in value["__dict__"]}
        if "__tuple__" in value:
            return tuple(decode(v, where) for v in value["__tuple__"])
        if "__class__" in value:
            return from_dict(value, where)
        return {k: decode(v, where) for k, v in value.items()}
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
        from .errors import NotFittedError  # lazy: it subclasses scikit-learn's

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


def _param_names(cls: type) -> set[str] | None:
    """The constructor's parameter names (None: it takes any keyword)."""
    import inspect

    try:
        sig = inspect.signature(cls)
    except (TypeError, ValueError):  # pragma: no cover - every registered class has one
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values()):
        return None
    return {n for n, p in sig.parameters.items()
            if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)}


def from_dict(data: dict[str, Any], where: str = "pipeline.json") -> Any:
    """Rebuild any registered object from its :meth:`JsonMixin.to_dict` form.

    Nothing is trusted: the class must be registered, ``params`` must name its
    constructor's parameters (and pass its ``_parameter_constraints`` where it
    declares them), ``state`` must hold attribute names that replace nothing the
    class defines (:func:`seqguard.run_checks.check_state_names`), and every value
    must decode. ``where`` names the file in messages.

    Raises
    ------
    ArtifactError
        Naming ``where``, the class, the field and the value.
    """
    from .errors import SeqguardError
    from .run_checks import check_state_names

    if not isinstance(data, Mapping):
        raise ArtifactError(f"{where}: a saved step must be an object, got "
                            f"{type(data).__name__}. Refit.")
    name = data.get("__class__")
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ArtifactError(
            f"{where} names an unknown step {name!r}; it was written by another "
            "seqguard version. Refit with this version."
        )
    cls = _REGISTRY[name]
    params, state = data.get("params", {}), data.get("state", {})
    for field, value in (("params", params), ("state", state)):
        if not isinstance(value, Mapping):
            raise ArtifactError(f"{where}: the {field!r} of step {name} must be an object, "
                                f"got {type(value).__name__}. Refit.")
    names = _param_names(cls)
    unknown = [k for k in params if names is not None and k not in names]
    if unknown:
        raise ArtifactError(f"{where}: step {name} has the parameter {unknown[0]!r}, which "
                            f"{name} does not take. Refit with this seqguard version.")
    check_state_names(cls, state, where)
    field = "params"
    try:
        kwargs = {}
        for k, v in params.items():
            field = f"params.{k}"
            kwargs[k] = decode(v, where)
        field = "params"
        obj = cls(**kwargs)
        if hasattr(cls, "_parameter_constraints") and hasattr(obj, "_validate_params"):
            obj._validate_params()
        for k, v in state.items():
            field = f"state.{k}"
            setattr(obj, k, decode(v, where))
    except ArtifactError:
        raise
    except (SeqguardError, TypeError, ValueError, KeyError, AttributeError) as e:
        raise ArtifactError(f"{where}: step {name}, field {field!r}, cannot be rebuilt "
                            f"({e}). Refit.") from None
    return obj
