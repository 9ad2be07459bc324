"""One exception family and our own warning classes.

Every error a user can cause is a :class:`SeqguardError`. Its message names the
place (file, column, row, series, option), the offending value and the fix, in one
or two sentences. The command line prints it as ``error: <message>`` and exits 2
(``TrainingFailed`` exits 4).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from sklearn.exceptions import NotFittedError as _SkNotFittedError

__all__ = [
    "ArtifactError",
    "DataWarning",
    "InputError",
    "LeakageWarning",
    "NotFittedError",
    "SeqguardError",
    "SeqguardWarning",
    "TrainingFailed",
    "TrainingWarning",
    "did_you_mean",
]


class SeqguardError(Exception):
    """Root of every error seqguard raises on purpose."""

    exit_code = 2


class InputError(SeqguardError, ValueError):
    """The data or an option given by the user cannot be used as it is."""


class ArtifactError(SeqguardError):
    """A run directory is missing a file, was altered, or comes from an incompatible version."""


class NotFittedError(SeqguardError, _SkNotFittedError):
    """A transform or model was used before ``fit``."""


class TrainingFailed(SeqguardError, RuntimeError):
    """Training failed after every recovery attempt; the diagnosis says why."""

    exit_code = 4


class SeqguardWarning(UserWarning):
    """Root of seqguard's warnings, so users can filter them all at once."""


class DataWarning(SeqguardWarning):
    """Something in the data deserves a look but does not stop the work."""


class LeakageWarning(SeqguardWarning):
    """An option looks into the future (for example a look-ahead fill)."""


class TrainingWarning(SeqguardWarning):
    """Training ended in a state worth a second run (e.g. the loss was still falling)."""


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest choice, or ``""``.

    Examples
    --------
    >>> did_you_mean("pm25", ["pm2.5", "TEMP"])
    " Did you mean 'pm2.5'?"
    """
    options = [str(c) for c in choices]
    lowered = {c.lower(): c for c in options}
    if str(value).lower() in lowered:
        return f" Did you mean '{lowered[str(value).lower()]}'?"
    close = difflib.get_close_matches(str(value), options, n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


def format_list(items: Iterable[object], limit: int = 5) -> str:
    """Quote at most ``limit`` items, saying how many more there are."""
    items = list(items)
    shown = ", ".join(repr(str(i)) if not isinstance(i, (int, float)) else str(i)
                      for i in items[:limit])
    if len(items) > limit:
        shown += f" and {len(items) - limit} more"
    return shown
