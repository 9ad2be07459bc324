"""The accepted scaling methods (:data:`METHODS`) and layouts (:data:`PER`), and
:func:`check_method`, which names the place and the closest name when a value is
wrong."""

from __future__ import annotations

from typing import Any

from ..errors import InputError, did_you_mean

#: Accepted values of ``method``.
METHODS = ("standard", "minmax", "robust", "none")
#: Accepted values of ``per``.
PER = ("global", "series")


def _check_choice(value: Any, choices: tuple[str, ...], place: str) -> str:
    if isinstance(value, str) and value in choices:
        return value
    allowed = ", ".join(repr(c) for c in choices)
    hint = did_you_mean(value, choices) if isinstance(value, str) else ""
    raise InputError(f"{place} must be one of {allowed}. Got {value!r} instead.{hint}")


def check_method(method: Any, *, owner: str = "Scaler", option: str | None = None) -> str:
    """Validate a scaling method name and return it.

    Parameters
    ----------
    method : str
        One of ``"standard"``, ``"minmax"``, ``"robust"``, ``"none"``.
    owner : str, default "Scaler"
        Class named in the message (``The 'method' parameter of <owner> ...``).
    option : str, optional
        A command-line option to name instead (``The '--scaler' option ...``).

    Raises
    ------
    InputError
        For any other value, suggesting the closest name.

    Examples
    --------
    >>> check_method("robust")
    'robust'
    >>> check_method("stdandard")
    Traceback (most recent call last):
    ...
    seqguard.errors.InputError: The 'method' parameter of Scaler must be one of 'standard', \
'minmax', 'robust', 'none'. Got 'stdandard' instead. Did you mean 'standard'?
    """
    place = f"The {option!r} option" if option else f"The 'method' parameter of {owner}"
    return _check_choice(method, METHODS, place)
