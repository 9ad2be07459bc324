"""A validation or test set of its own (``val_data`` / ``test_data``, ``--val-data`` /
``--test-data``): checked before any work, read like the training data and transformed by
the pipeline fitted on it. A mixin of :class:`~seqguard.estimator.base._SequenceEstimator`."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DataWarning, InputError
from ..pipeline import Prepared
from ..table import Table


class _GivenParts:
    """The given validation and test sets."""

    if TYPE_CHECKING:  # the estimator's parameters and learned state
        def __getattr__(self, name: str) -> Any: ...

    _UNIT = "windows"

    def _check_parts(self, test_data: Any, val_data: Any) -> None:
        """A missing given file, or an empty test part without ``test_data``, is an error
        before any work."""
        for option, given in (("--test-data", test_data), ("--val-data", val_data)):
            if isinstance(given, (str, Path)) and not str(given).startswith(("http://",
                                                                            "https://")) \
                    and not Path(given).exists():
                raise InputError(f"{option} '{given}' does not exist. Check the path.")
        if test_data is None and self.test_start is None and self.test_frac == 0:
            raise InputError(self._empty_test_message())

    def _empty_test_message(self) -> str:
        if self.test_start is None and self.test_frac == 0:
            how = "--test-frac 0 leaves it empty"
        elif self.test_start is not None:
            how = f"--test-start {self.test_start} leaves it no {self._UNIT}"
        else:
            how = f"--test-frac {self.test_frac:g} leaves it no {self._UNIT}"
        return (f"the test part is empty ({how}): there is nothing to score the model on. "
                "Pass --test-data FILE with a test set of its own (test_data= in Python), "
                "or a larger --test-frac (0.15 is the default).")

    def _given_table(self, data: Any, option: str) -> tuple[Table, Any]:
        """The table of a given val / test file, as ``_table`` makes it for new data."""
        return self._table(data, fit=False)

    def _given(self, which: str, data: Any) -> tuple[Prepared, Any] | None:
        """``data`` (``--val-data`` / ``--test-data``) through the fitted pipeline."""
        if data is None:
            return None
        option = f"--{which}-data"
        table, facts = self._given_table(data, option)
        try:
            prep = self.pipeline_.transform(table, split=False)
            self._attach_series(prep)
        except InputError as exc:
            raise InputError(f"{table.source} (given by {option}): {exc}") from None
        if not len(prep.datasets["all"]):
            need = (f"at least --input-len {self.input_len} + --horizon {self.horizon} rows "
                    "in a series, with observed targets" if self.task == "forecast" else
                    f"at least --input-len {self.input_len} rows in a series"
                    if self.task == "tag" else "a labelled, non-empty sequence")
            raise InputError(f"{table.source} (given by {option}) has no {self._UNIT}: "
                             f"the {which} data needs {need}.")
        return prep, facts

    def _warn_unused_parts(self, prep: Prepared, given: dict[str, Any]) -> None:
        """Warn when a given file replaces a part the training data still holds."""
        for which, start, frac in (("val", self.val_start, self.val_frac),
                                   ("test", self.test_start, self.test_frac)):
            if given[which] is None or not len(prep.datasets[which]):
                continue
            how = f"--{which}-start {start}" if start is not None else \
                f"--{which}-frac {frac:g}"
            fix = f"--{which}-frac 0" if start is None else f"no --{which}-start"
            warnings.warn(
                f"the training data still holds a {which} part ({how}: "
                f"{len(prep.datasets[which])} {self._UNIT}) that --{which}-data replaces: "
                f"those rows are neither trained on nor used. Pass {fix} to train on them.",
                DataWarning, stacklevel=3)
