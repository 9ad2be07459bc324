"""One exception family and our own warning classes.

Every error a user can cause is a :class:`SeqguardError`. Its message names the
place (file, column, row, series, option), the offending value and the fix, in one
or two sentences. The command line prints it as ``error: <message>`` and exits 2
(``AuditFailed`` exits 3, ``TrainingFailed`` exits 4).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

__all__ = [
    "ArtifactError",
    "AuditFailed",
    "DataWarning",
    "InputError",
    "LeakageWarning",
    "NotFittedError",
    "ParameterError",
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


class ParameterError(InputError):
    """A parameter (an option on the command line) has a value that cannot be used.

    The message follows one template, ``The 'scaler' parameter of Forecaster must be
    one of ... Got 'stdandard' instead.``; :meth:`render` writes it with the
    command-line flags instead (``The --scaler option must be ...``). ``text`` may
    name other parameters as ``{p[val_start]}`` and tasks as ``{t[classify]}``.
    """

    def __init__(self, owner: str, param: str, text: str) -> None:
        self.owner, self.param, self.text = owner, param, text
        super().__init__(self.render())

    def render(self, flag: Any = None) -> str:
        """The message; with ``flag`` (parameter name -> flag) as the command line says it."""
        if flag is None:
            subject = f"The '{self.param}' parameter of {self.owner}"
            names = _Names(lambda n: f"'{n}'")
            tasks = _Names(lambda t: f"task '{t}' ({_TASK_CLASSES.get(t, t)})")
        else:
            subject = f"The {flag(self.param)} option"
            names = _Names(flag)
            tasks = _Names(lambda t: f"--task {t}")
        return f"{subject} {self.text.format(p=names, t=tasks)}"


_TASK_CLASSES = {"forecast": "Forecaster", "tag": "SequenceTagger",
                 "classify": "SequenceClassifier"}


class _Names:
    def __init__(self, name: Any) -> None:
        self.name = name

    def __getitem__(self, key: str) -> str:
        return str(self.name(key))


class ArtifactError(SeqguardError):
    """A run directory is missing a file, was altered, or comes from an incompatible version."""


if TYPE_CHECKING:  # pragma: no cover
    from sklearn.exceptions import NotFittedError as _SkNotFittedError

    class NotFittedError(SeqguardError, _SkNotFittedError):
        """A transform or model was used before ``fit``."""


def __getattr__(name: str) -> Any:
    # NotFittedError subclasses scikit-learn's, whose import costs about a second (scipy);
    # it is made on first use so that the command line starts without it.
    if name != "NotFittedError":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from sklearn.exceptions import NotFittedError as _SkNotFittedError

    cls = type("NotFittedError", (SeqguardError, _SkNotFittedError), {
        "__doc__": "A transform or model was used before ``fit``.", "__module__": __name__})
    globals()["NotFittedError"] = cls
    return cls


class AuditFailed(SeqguardError):
    """The audit found an error-severity problem, so training did not start (exit 3)."""

    exit_code = 3


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
