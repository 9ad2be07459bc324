"""One declaration per parameter (seqguard.params): signatures, defaults, the check."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import seqguard
from seqguard.errors import InputError, ParameterError
from seqguard.params import (
    DEFAULTS,
    ESTIMATOR_PARAMS,
    HEADS,
    PIPELINE_PARAMS,
    PRECISIONS,
    flag_of,
)
from seqguard.pipeline import Pipeline

ESTIMATORS = [seqguard.Forecaster, seqguard.SequenceTagger, seqguard.SequenceClassifier]


def _defaults(fn) -> dict:
    return {k: p.default for k, p in inspect.signature(fn).parameters.items()
            if p.default is not inspect.Parameter.empty}


def test_the_defaults_agree_everywhere():
    """The estimator's, the Pipeline's, fit_model's and the CLI's defaults are one."""
    from seqguard.cli import cli
    from seqguard.training import fit_model

    for cls in ESTIMATORS:
        assert cls("y").get_params() == {"target": "y", **DEFAULTS}
    pipe = Pipeline("y").get_params()
    for p in PIPELINE_PARAMS:
        assert pipe[p.name] == p.default == DEFAULTS[p.name], p.name
    trained = _defaults(fit_model)
    shared = set(trained) & set(DEFAULTS)
    assert {"epochs", "patience", "lr", "accelerator", "loss", "clip"} <= shared
    for name in shared - {"progress"}:
        assert trained[name] == DEFAULTS[name], name
    assert trained["epochs"] == 30 and trained["patience"] == 5
    assert trained["accelerator"] == "auto"  # a GPU where there is one (issue 15)
    fit = cli.commands["fit"]
    options = {p.name: p for p in fit.params}
    for p in ESTIMATOR_PARAMS:
        if p.option:
            assert options[p.name].default == p.default, p.name
            assert p.option in options[p.name].opts


def test_declared_choices_match_the_library():
    from seqguard.models.pooling import POOLS
    from seqguard.models.revin import NORMS
    from seqguard.residual_base import HEADS as LIB_HEADS
    from seqguard.scaling import METHODS
    from seqguard.training.loop import PRECISIONS as LIB_PRECISIONS

    by = {p.name: p for p in ESTIMATOR_PARAMS}
    assert HEADS == LIB_HEADS and PRECISIONS == LIB_PRECISIONS
    assert by["pool"].accepts[0].options == ("auto", *POOLS)
    assert by["scaler"].accepts[0].options == METHODS
    assert by["norm"].accepts[0].options == tuple(NORMS)


def test_get_params_set_params_clone_round_trip():
    f = seqguard.Forecaster("y", scaler="robust", epochs=3, lr=0.01)
    g = clone(f)
    assert g.get_params() == f.get_params() and g is not f
    g.set_params(scaler="minmax")
    assert g.scaler == "minmax" and f.scaler == "robust"
    assert Pipeline("y", scaler="minmax").get_params()["scaler"] == "minmax"
    assert clone(Pipeline("y", lags="1,2")).lags == "1,2"


def test_unknown_arguments_and_positional_ones_are_type_errors():
    with pytest.raises(TypeError, match="unexpected keyword argument 'epoch'.*Did you mean"):
        seqguard.Forecaster("y", epoch=3)
    with pytest.raises(TypeError, match="missing 1 required argument: 'target'"):
        seqguard.Forecaster()
    with pytest.raises(TypeError, match="pass the others by name"):
        seqguard.Forecaster("y", 48)


@pytest.mark.parametrize("kw, match", [
    ({"scaler": "stdandard"}, (r"^The 'scaler' parameter of Forecaster must be one of "
                              r"'standard', 'minmax', 'robust', 'none'\. Got 'stdandard' "
                              r"instead\. Did you mean 'standard'\?$")),
    ({"lr": True}, r"^The 'lr' parameter of Forecaster must be a float > 0\. Got True "),
    ({"epochs": 1.5}, r"^The 'epochs' parameter of Forecaster must be an int >= 1\. Got 1\.5"),
    ({"epochs": True}, r"'epochs' parameter .* Got True instead"),
    ({"val_frac": 1.0}, r"'val_frac' parameter .* a float in \[0, 1\)\. Got 1\.0"),
    ({"batch_size": 0}, r"'batch_size' parameter .* must be 'auto' or an int >= 1\. Got 0"),
    ({"dropout": "lots"}, r"'dropout' parameter .* Got 'lots' instead"),
    ({"ar": -1}, r"'ar' parameter of Forecaster must be 'auto', an int >= 0"),
    ({"model": "lstn"}, r"Did you mean 'lstm'\?"),
    ({"head": "residule"}, r"Did you mean 'residual'\?"),
    ({"val_start": "2020-01-03", "val_frac": 0.3},
     r"^The 'val_frac' parameter of Forecaster is ignored when 'val_start' is given"),
    ({"pool": "mean"}, r"'pool' parameter of Forecaster applies to task 'classify'"),
], ids=lambda v: str(v)[:30])
def test_bad_values_fail_before_any_work_with_the_template(kw, match):
    with pytest.raises(ParameterError, match=match):
        seqguard.Forecaster("y", **kw).fit("this-file-is-never-read.csv")


def test_options_for_another_task_are_refused():
    with pytest.raises(ParameterError, match=r"'head' parameter of SequenceTagger applies "
                                             r"to task 'forecast' \(Forecaster\) only"):
        seqguard.SequenceTagger("y", head="direct").fit("never-read.csv")
    with pytest.raises(ParameterError, match="'loss' parameter of SequenceClassifier"):
        seqguard.SequenceClassifier("y", loss="mse").fit("never-read.csv")


def test_case_and_text_forms_the_parsers_accept_still_pass():
    df = pd.DataFrame({"y": np.sin(np.arange(120) / 4)})
    f = seqguard.Forecaster("y", input_len=8, horizon=2, epochs=1, hidden=4, layers=1,
                            head="Residual:Persistence", dropout="0.0", ar="0",
                            model="LSTM", progress=False)
    assert f.fit(df).metrics_["test"]["mae"] >= 0
    assert f.get_params()["dropout"] == "0.0"  # never written back


def test_the_error_renders_with_flags_for_the_command_line():
    exc = ParameterError("Forecaster", "val_frac",
                         "is ignored when {p[val_start]} is given; {t[tag]}.")
    assert str(exc) == ("The 'val_frac' parameter of Forecaster is ignored when 'val_start' "
                        "is given; task 'tag' (SequenceTagger).")
    assert exc.render(flag_of) == ("The --val-frac option is ignored when --val-start is "
                                   "given; --task tag.")
    assert isinstance(exc, InputError) and flag_of("model") == "--model"


def test_nested_fit_checks_the_parameters_once(monkeypatch):
    calls = []
    real = Pipeline._validate_params
    monkeypatch.setattr(Pipeline, "_validate_params",
                        lambda self: calls.append(1) or real(self))
    df = pd.DataFrame({"y": np.sin(np.arange(120) / 4)})
    seqguard.Forecaster("y", input_len=8, horizon=2, epochs=1, hidden=4, layers=1,
                        progress=False).fit(df)
    assert calls == []  # the estimator checked them; the pipeline inside does not again
    Pipeline("y", input_len=8, horizon=2).fit(seqguard.read(df, target="y"))
    assert calls == [1]


def test_lr_patience_reaches_the_scheduler(monkeypatch):
    """A parameter written once: its declaration gives the signature, the check, the
    --lr-patience option and the default; the estimator hands it to fit_model."""
    from seqguard import training

    seen = {}
    real = training.fit_model
    monkeypatch.setattr(training, "fit_model",
                        lambda *a, **kw: seen.update(kw) or real(*a, **kw))
    df = pd.DataFrame({"y": np.sin(np.arange(120) / 4)})
    seqguard.Forecaster("y", input_len=8, horizon=2, epochs=1, hidden=4, layers=1,
                        lr_patience=7, progress=False).fit(df)
    assert seen["lr_patience"] == 7
    with pytest.raises(ParameterError, match=r"'lr_patience' parameter .* Got 0 instead"):
        seqguard.Forecaster("y", lr_patience=0).fit("never-read.csv")
