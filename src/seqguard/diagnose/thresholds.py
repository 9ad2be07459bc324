"""The thresholds the checks of :func:`~seqguard.diagnose` use.

Documented in the package docstring (:mod:`seqguard.diagnose`); the tests use the
same numbers.
"""

from __future__ import annotations

# Thresholds (documented in the package docstring; tests use the same numbers).
UNSCALED = 10.0            # |mean| or std of a feature in model units
SCALE_RATIO = 1e3          # largest / smallest feature std (as the audit)
NEAR_CONSTANT = 0.99       # share of the most frequent target value
COLLAPSE_RATIO = 0.1       # std(predictions) / std(targets) (as CollapseGuard)
SATURATED_SHARE = 0.3      # of the gate activations (as CollapseGuard)
DEAD_SHARE = 0.5           # of the hidden units (as CollapseGuard)
LONG_INPUT = 100           # input steps from which the long-window check runs
LEARNED_MARGIN = 0.9       # MAE / best baseline MAE for learned_long_dependency
LR_LIMIT = {"sgd": 1.0}    # learning rates above this are "too high" ...
LR_LIMIT_ADAPTIVE = 0.1    # ... and this for adam / adamw / rmsprop
_GATE_WINDOWS = 256
_TIME_WINDOWS = 64
