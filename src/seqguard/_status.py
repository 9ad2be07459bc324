"""What seqguard shows on stderr while a long step runs, and how it colours output.

:class:`Steps` shows the step being done (reading a file, preparing windows): in a
terminal a rich spinner that goes away when the step ends; in a log (stderr not a
terminal) nothing while it runs. Either way the step ends with one line,
``read data.csv (43,824 rows)``, so that ``seqguard fit ... > log 2>&1`` shows what
happened. Switched off (``--quiet``) it shows nothing. Only one live display is on
the terminal at a time: the training bar (:mod:`seqguard.training.progress`) ends
the step before it (:func:`current_steps`).

Colour only on a terminal, and never with ``NO_COLOR`` set to anything but the empty
string (https://no-color.org): every rich console seqguard prints with comes from
:func:`console`. This module imports neither torch nor Lightning, so the commands that
need neither start fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["Steps", "console", "current_steps", "no_color", "stderr_is_terminal", "steps"]


def no_color() -> bool:
    """Whether ``NO_COLOR`` asks for no colour (set, and not empty)."""
    return os.environ.get("NO_COLOR", "") != ""


def console(stderr: bool = False) -> Any:
    """A rich console on stdout (or stderr): styles only on a terminal, none with
    ``NO_COLOR`` (not even bold or italic)."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True,
                   color_system=None if no_color() else "auto")


def stderr_is_terminal() -> bool:
    """Whether stderr is a terminal (as rich decides it: ``FORCE_COLOR`` counts)."""
    return bool(console(stderr=True).is_terminal)


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Steps:
    """The current long step, shown on stderr (see the module docstring).

    Parameters
    ----------
    enabled : bool
        ``False`` (``--quiet``): show nothing at all.

    Examples
    --------
    >>> s = Steps(enabled=False)
    >>> s.start("reading data.csv"); s.active
    False
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = bool(enabled)
        self._label: str | None = None
        self._spinner: Any = None

    @property
    def active(self) -> bool:
        """Whether a step is running (started and not finished)."""
        return self._label is not None

    def start(self, label: str) -> None:
        """Begin the step ``label`` (a step still running ends without a line)."""
        self.finish()
        if not self.enabled:
            return
        self._label = label
        if stderr_is_terminal():
            self._spinner = console(stderr=True).status(label)
            self._spinner.start()

    def finish(self, line: str | None = None) -> None:
        """End the running step and print ``line`` for it; nothing if none is running."""
        if self._label is None:
            return
        if self._spinner is not None:
            self._spinner.stop()
            self._spinner = None
        self._label = None
        if line:
            _say(line)


_current: Steps | None = None


@contextmanager
def steps(enabled: bool = True) -> Iterator[Steps]:
    """The steps of one command: :func:`current_steps` is this object inside the block,
    and a step still running at its end (an error) stops without a line."""
    global _current
    previous = _current
    _current = shown = Steps(enabled)
    try:
        yield shown
    finally:
        shown.finish()
        _current = previous


def current_steps() -> Steps | None:
    """The :class:`Steps` of the command running now, or ``None`` (library use)."""
    return _current
