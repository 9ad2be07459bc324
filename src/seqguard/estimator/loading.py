"""Loading a run directory back into its estimator: :func:`load`.

``_ESTIMATORS`` maps the class name that ``save`` stores in pipeline.json to the
estimator class; :func:`load` reads the verified run directory, rebuilds the
fitted pipeline, the model and its weights, and restores the learned state and
reports, without unpickling anything.

Nothing is built before it is checked: the files by :func:`seqguard.artifact.load_run`
(links, sizes, depth, arrays, field types), the estimator's parameters by their
declarations (:func:`seqguard.run_schema.check_estimator_params`), each step of the
pipeline by :func:`seqguard._serialize.from_dict`, and the model config against the
weights' shapes on torch's ``meta`` device (:func:`seqguard.run_checks.
check_model_shapes`) before the model is built for real.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._serialize import from_dict
from ..errors import ArtifactError, InputError
from ..grid import freq_from_json
from ..run_checks import check_model_shapes
from ..run_schema import check_estimator_params, check_estimator_spec
from .registry import ESTIMATORS as _ESTIMATORS

if TYPE_CHECKING:
    from .base import _SequenceEstimator


def load(run_dir: str | Path, *, expect: Any = None) -> _SequenceEstimator:
    """Load any seqguard run directory into its estimator, ready to predict.

    With ``expect`` (an estimator class: what ``Forecaster.load`` passes), a run of
    another task is refused with an :class:`~seqguard.errors.InputError` naming the
    class that reads it.
    """
    from ..artifact import load_run
    from ..models import SequenceModel

    run = load_run(run_dir)  # the files, their depth, arrays and field types checked
    spec = run.pipeline
    where = f"pipeline.json in run directory {str(run_dir)!r}"
    check_estimator_spec(spec, where)
    cls = _ESTIMATORS.get(str(spec.get("estimator")))
    if cls is None:
        raise ArtifactError(f"{Path(run_dir) / 'pipeline.json'} names no known estimator "
                            f"({spec.get('estimator')!r}). Refit with this seqguard version.")
    if expect is not None and not issubclass(cls, expect):
        raise InputError(f"'{run_dir}' holds a {cls.task} run, saved by {cls.__name__}; "
                         f"{expect.__name__}.load reads {expect.task} runs only. Load it "
                         f"with {cls.__name__}.load(dir), or seqguard.load(dir) for any run.")
    check_estimator_params(cls, spec["params"], where)
    est = cls(**spec["params"])
    est.pipeline_ = from_dict(spec["pipeline"], where)
    shapes = {k: tuple(t.shape) for k, t in run.state_dict.items()}
    check_model_shapes(spec["model"], shapes, where)  # on the meta device: no memory
    model = SequenceModel.from_config(spec["model"])
    try:
        model.load_state_dict(run.state_dict)
    except RuntimeError as exc:
        raise ArtifactError(f"{Path(run_dir) / 'model.safetensors'} does not fit the model in "
                            f"pipeline.json ({str(exc).splitlines()[0]}). Refit.") from None
    est.model_ = model.eval()
    k_members = int(spec["params"].get("ensemble", 1) or 1)
    if k_members > 1:  # --ensemble K: members 1..K-1 in model.K.safetensors
        from ..artifact import load_member
        from ..models.ensemble import EnsembleModel

        members, histories = [model], []
        for k in range(1, k_members):
            state, history = load_member(run, k)
            check_model_shapes(spec["model"], {n: tuple(t.shape) for n, t in state.items()},
                               where, weights=f"model.{k}.safetensors")
            member = SequenceModel.from_config(spec["model"])
            try:
                member.load_state_dict(state)
            except RuntimeError as exc:
                raise ArtifactError(f"{Path(run_dir) / f'model.{k}.safetensors'} does not fit "
                                    f"the model in pipeline.json "
                                    f"({str(exc).splitlines()[0]}). Refit.") from None
            members.append(member.eval())
            histories.append(history)
        est.model_ = EnsembleModel(members).eval()
        est.member_histories_ = histories
    est.model_config_ = dict(spec["model"])
    est.feature_names_ = list(spec["feature_names"])
    est.n_windows_ = dict(spec.get("n_windows", {}))
    try:  # a freqstr; runs saved before this was recorded have none (or a Timedelta)
        est.freq_ = freq_from_json(spec.get("freq"))
    except (TypeError, ValueError):
        est.freq_ = None
    est.budget_ = dict(spec.get("budget", {}))
    est.given_data_ = dict(spec.get("given_data", {}))
    try:
        est._set_state(dict(spec.get("state", {})))
    except (KeyError, TypeError, ValueError):
        raise ArtifactError(f"{Path(run_dir) / 'pipeline.json'} lacks the learned state of "
                            f"its {cls.__name__} (the 'state' entry). Refit.") from None
    est.metrics_ = run.metrics
    est.history_ = run.history
    est.audit_ = run.audit
    est.findings_ = list(run.diagnosis.get("findings", []))
    est.events_ = list(run.diagnosis.get("events", []))
    est.prep_summary_ = run.diagnosis.get("windows", {})
    return est
