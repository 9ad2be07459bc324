"""``fit`` that fails leaves the object unfitted.

A ``fit`` that records its input columns first and then meets bad data would leave
``feature_names_in_`` behind: the object then passes ``check_fitted`` and a later
``transform`` fails with a confusing message instead of ``NotFittedError``.
:func:`unfitted_on_error` wraps a ``fit`` method so that, when it raises, every
learned attribute (a name ending in ``_`` that does not start with ``_``, the
scikit-learn convention) is removed before the exception goes on.

>>> class Step:
...     @unfitted_on_error
...     def fit(self, x):
...         self.n_ = len(x)
...         raise ValueError("bad data")
>>> s = Step()
>>> try:
...     s.fit([1, 2])
... except ValueError:
...     pass
>>> hasattr(s, "n_")
False
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["forget_fit", "unfitted_on_error"]

F = TypeVar("F", bound=Callable[..., Any])


def forget_fit(obj: Any) -> None:
    """Remove the learned attributes of ``obj`` (``name_``, not ``_name``)."""
    for name in [k for k in vars(obj) if k.endswith("_") and not k.startswith("_")]:
        delattr(obj, name)


def unfitted_on_error(fit: F) -> F:
    """Decorate ``fit``: on any exception, forget what was learned, then re-raise."""

    @functools.wraps(fit)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fit(self, *args, **kwargs)
        except BaseException:
            forget_fit(self)
            raise

    return wrapper  # type: ignore[return-value]
