"""Why NaN? Why constant? ``diagnose`` finds the cause, with the numbers and the fix.

:func:`diagnose` looks at a trained model and says what went wrong, most likely
cause first. It works on a seqguard run directory, a fitted seqguard estimator, a
plain ``torch.nn.Module`` with input arrays (and targets, if there are any), or a
Keras 3 model (optional: only when Keras is installed).

Every finding is a dict ``{"severity", "code", "message", "evidence", "fix"}``:
``evidence`` holds the numbers behind the message, ``fix`` a concrete action.
The checks, each reported only when it applies:

==========================  ====================================================
non-finite trace            ``non_finite_input`` (where: window, timestep, input
                            feature, the layer it enters), ``non_finite_weights``
                            (parameter), ``non_finite_activation`` (the first
                            layer that turns finite inputs into NaN / inf)
inputs                      ``unscaled_feature`` (``|mean|`` or std above 10 after
                            preprocessing), ``scale_disparity`` (largest / smallest
                            feature std above 1e3), ``constant_column``
target                      ``unscaled_target``, ``target_constant`` (one value is
                            99 % or more of the targets), ``activation_range``
optimisation (history.csv)  ``non_finite_training``, ``lr_too_high``,
                            ``exploding_gradients``, ``vanishing_gradients``,
                            ``clipping_most_steps``, ``too_short``
model state                 ``saturated_gates`` (over 30 % of the first recurrent
                            layer's gate activations within 0.01 of their bounds),
                            ``dead_units`` (half of the hidden units constant)
collapse                    ``constant_predictions`` (std(predictions) /
                            std(targets) below 0.1), ``no_better_than_persistence``,
                            ``no_better_than_mean``,
                            ``no_better_than_best_baseline`` (seasonal naive or
                            climatology is the best baseline and beats the model)
leakage                     ``leakage`` (the audit's shifted-target and
                            same-time-copy hints; inputs standardised or min-max
                            scaled on all rows rather than the training part)
long inputs                 ``learned_long_dependency`` (info, see below)
==========================  ====================================================

Order
-----
Findings are ranked by severity (error, warning, info) and, within a severity, by
:data:`CAUSE_ORDER`: causes before the symptoms they produce, so
``unscaled_target`` comes before ``constant_predictions``, a non-finite weight before
the NaN it produces, ``lr_too_high`` before ``non_finite_training``.
:attr:`Diagnosis.first` is the most likely cause.

Long inputs
-----------
With 100 input steps or more, diagnose measures how much the predictions depend on
the start of the window: the mean absolute gradient of the predictions with respect
to the first 10 % of the input steps, relative to the last 10 %. Below ``1e-3``
(:class:`~seqguard.training.GradientHealth`'s ``vanish_rel``) it reports
``vanishing_gradients`` over time. When neither that nor the per-layer gradient
report of the training history flags vanishing gradients, and the model's MAE is at
most 0.9 times the best baseline's, it reports ``learned_long_dependency`` (info):
the model does use the long window.

Units
-----
The inputs and the target checks are measured in the units the model sees (after
preprocessing). The MAEs of the model and the baselines (``no_better_than_*``,
``context["scores"]``) are in the target's original
units, as in metrics.json, and the messages say so: the diagnosed windows are
inverse-scaled first. The skill scores are ratios of MAEs, the same in either unit.
"""

# The package re-exports every name the single-module ``seqguard.diagnose`` had, private
# helpers included (the tests import some), so ``from seqguard.diagnose import X`` keeps
# working.
# ruff: noqa: F401

from __future__ import annotations

from .api import (
    _check_sizes,
    diagnose,
    save_diagnosis,
)
from .collapse import (
    _baseline_findings,
    _collapse_checks,
    _metrics_checks,
)
from .estimator import (
    _diagnose_estimator,
    _estimator_data_checks,
    _history_rows,
    _read_table,
)
from .findings import (
    _RANK,
    _UNKNOWN_RANK,
    CAUSE_ORDER,
    SEVERITIES,
    Diagnosis,
    _dedupe,
    _evidence_text,
    _finding,
    _fmt,
    _merge_guard_findings,
    _num,
    rank_findings,
)
from .history import (
    _RECURRENT_GROUP,
    _fmt_pair,
    _fmt_share,
    _grade_too_short,
    _history_checks,
)
from .keras import (
    _diagnose_keras,
    _is_keras,
    _keras_numpy,
)
from .leakage import (
    _audit_leakage,
    _prescaled_leakage,
)
from .long_inputs import (
    _long_dependency_verdict,
    _probe_time_checks,
    _time_checks,
)
from .modules import (
    _as_array,
    _diagnose_module,
    _module_inputs,
    _spread,
    _with_input_counts,
)
from .printing import (
    _STYLE,
    print_diagnosis,
)
from .scale import (
    _input_checks,
    _pipeline_checks,
    _target_checks,
)
from .thresholds import (
    _GATE_WINDOWS,
    _TIME_WINDOWS,
    COLLAPSE_RATIO,
    DEAD_SHARE,
    LEARNED_MARGIN,
    LONG_INPUT,
    LR_LIMIT,
    LR_LIMIT_ADAPTIVE,
    NEAR_CONSTANT,
    SATURATED_SHARE,
    SCALE_RATIO,
    UNSCALED,
)
from .trace import (
    _input_location,
    _nonfinite,
    _nonfinite_activation_finding,
    _nonfinite_input_finding,
    _output_tensor,
    _Run,
    _RunResult,
    _tensors,
    _weight_checks,
    _where,
)

__all__ = ["CAUSE_ORDER", "Diagnosis", "diagnose", "save_diagnosis"]
