"""The grammar of a missing-data spec (``--missing``): :func:`parse_missing` and
:class:`MissingSpec`.

``auto``, ``drop``, ``mask``, ``indicators`` or
``impute:<method>[:key=value[:key=value ...]]``; the methods and their options are
listed in :mod:`seqguard.missing`. :data:`IMPUTE_METHODS` names the methods and
``_OPTIONS`` the options each accepts, with their defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError, did_you_mean

KINDS = ("auto", "drop", "mask", "indicators")
IMPUTE_METHODS = ("mean", "median", "ffill", "bfill", "linear", "time", "knn", "seasonal")
LEAD_POLICIES = ("mean", "zero", "bfill", "drop")
TRAIL_POLICIES = ("ffill", "mean", "zero", "drop")

# Options each impute method accepts, with their defaults (None: required).
_OPTIONS: dict[str, dict[str, Any]] = {
    "mean": {},
    "median": {},
    "ffill": {"lead": "mean"},
    "bfill": {"trail": "ffill"},
    "linear": {"lead": "mean", "trail": "ffill"},
    "time": {"lead": "mean", "trail": "ffill"},
    "knn": {"k": 5},
    "seasonal": {"season": None, "lead": "mean"},
}
_ALL_SPECS = [*KINDS, *(f"impute:{m}" for m in IMPUTE_METHODS)]
_SPEC_HELP = ("auto, drop, mask, indicators, "
              f"impute:<{'|'.join(IMPUTE_METHODS)}>")


@dataclass(frozen=True)
class MissingSpec:
    """A parsed missing-data spec (see :func:`parse_missing`).

    Attributes
    ----------
    kind : ``"auto"``, ``"drop"``, ``"mask"``, ``"indicators"`` or ``"impute"``.
    method : the impute method (``"ffill"``, ...), or ``None`` for other kinds.
    options : every option of the method, defaults filled in.
    """

    kind: str
    method: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        """Canonical spec string, e.g. ``impute:ffill:lead=mean``."""
        if self.kind != "impute":
            return self.kind
        opts = "".join(f":{k}={v}" for k, v in sorted(self.options.items()))
        return f"impute:{self.method}{opts}"

    @property
    def lookahead(self) -> str | None:
        """Why this fill looks into the future, or ``None`` when it is past-only."""
        if self.method == "bfill":
            return "a gap is filled with the next observed value"
        if self.method in ("linear", "time"):
            return "a gap is filled by interpolating towards the next observed value"
        if self.options.get("lead") == "bfill":
            return "a leading gap is filled with the first observed value after it"
        return None


def parse_missing(spec: str, *, option: str = "--missing") -> MissingSpec:
    """Parse a missing-data spec such as ``"impute:ffill:lead=zero"``.

    Parameters
    ----------
    spec : str
        ``auto``, ``drop``, ``mask``, ``indicators`` or
        ``impute:<method>[:key=value[:key=value ...]]`` (options may also be
        separated by commas); see the module docstring for methods and options.
        Case and surrounding spaces are ignored.
    option : str
        How to name the place in error messages (the CLI option by default).

    Returns
    -------
    MissingSpec
        With every option of the method, defaults filled in. ``auto`` is returned
        as is; :class:`MissingStrategy` resolves it in ``fit``.

    Raises
    ------
    InputError
        For an unknown kind, method or option, or a bad option value.

    Examples
    --------
    >>> str(parse_missing("impute:ffill"))
    'impute:ffill:lead=mean'
    >>> parse_missing("impute:knn:k=3").options
    {'k': 3}
    """
    if not isinstance(spec, str):
        raise InputError(
            f"The {option} option must be a string such as 'auto' or 'impute:median'. "
            f"Got {spec!r} ({type(spec).__name__}) instead."
        )
    text = spec.strip().lower()
    parts = [p.strip() for p in text.split(":")]
    head = parts[0]
    if head in KINDS:
        if len(parts) > 1:
            raise InputError(
                f"The {option} option {head!r} takes no options. Got {spec!r} instead; "
                f"use {head!r}."
            )
        return MissingSpec(head)
    if head != "impute":
        raise InputError(
            f"The {option} option must be one of {_SPEC_HELP}. Got {spec!r} instead."
            + did_you_mean(text, _ALL_SPECS if ":" in text else [*KINDS, "impute"])
        )
    if len(parts) < 2 or not parts[1]:
        raise InputError(
            f"The {option} option 'impute' needs a method: "
            f"impute:<{'|'.join(IMPUTE_METHODS)}>. Got {spec!r} instead."
        )
    method = parts[1]
    if method not in IMPUTE_METHODS:
        raise InputError(
            f"The impute method in the {option} option must be one of "
            f"{', '.join(IMPUTE_METHODS)}. Got {method!r} (in {spec!r}) instead."
            + did_you_mean(method, IMPUTE_METHODS)
        )
    accepted = _OPTIONS[method]
    given: dict[str, str] = {}
    for item in (p.strip() for chunk in parts[2:] for p in chunk.split(",")):
        if not item:
            continue
        key, eq, value = (s.strip() for s in item.partition("="))
        if not eq or not key or not value:
            raise InputError(
                f"The {option} option {spec!r} has {item!r} where key=value is expected, "
                f"e.g. 'impute:ffill:lead=zero'."
            )
        if key not in accepted:
            takes = (f"it accepts {', '.join(accepted)}" if accepted
                     else "it takes no options")
            raise InputError(
                f"The option {key!r} is not accepted by impute:{method}; {takes}. "
                f"Got {spec!r} instead." + did_you_mean(key, accepted)
            )
        if key in given:
            raise InputError(
                f"The {option} option {spec!r} gives {key!r} twice. Give it once."
            )
        given[key] = value
    options: dict[str, Any] = {}
    for key, default in accepted.items():
        if key not in given:
            if default is None:
                raise InputError(
                    f"impute:{method} needs the {key!r} option: the season length in "
                    f"steps, e.g. 'impute:{method}:{key}=24' for hourly data with a daily "
                    f"cycle. Got {spec!r} instead."
                )
            options[key] = default
            continue
        value = given[key]
        if key in ("lead", "trail"):
            choices = LEAD_POLICIES if key == "lead" else TRAIL_POLICIES
            if value not in choices:
                raise InputError(
                    f"The {key} option of impute:{method} must be one of "
                    f"{', '.join(choices)}. Got {value!r} (in {spec!r}) instead."
                    + did_you_mean(value, choices)
                )
            options[key] = value
        else:  # k, season: positive integers
            try:
                number = int(value)
            except ValueError:
                number = 0
            if number < 1 or str(number) != value.lstrip("+"):
                raise InputError(
                    f"The {key} option of impute:{method} must be a whole number of at "
                    f"least 1. Got {value!r} (in {spec!r}) instead."
                )
            options[key] = number
    return MissingSpec("impute", method, options)


def _can_drop(spec: MissingSpec) -> bool:
    """Whether a column with this spec can make a row unusable."""
    return spec.kind == "drop" or "drop" in (spec.options.get("lead"), spec.options.get("trail"))
