"""A run directory saved before the parameter renovation (commit b5c2d90, seqguard 1.9.1)
still loads and predicts the same numbers."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

import seqguard

FIXTURE = Path(__file__).parent / "fixtures" / "forecast_run_b5c2d90"


def test_an_old_run_loads_and_predicts_identically(tmp_path):
    run = tmp_path / "run"
    shutil.copytree(FIXTURE / "run", run)
    est = seqguard.Forecaster.load(run)
    assert type(est) is seqguard.Forecaster and est.get_params()["epochs"] == 2
    assert seqguard.load(run).get_params() == est.get_params()
    got = est.predict(FIXTURE / "data.csv")
    want = pd.read_csv(FIXTURE / "predictions.csv")
    np.testing.assert_array_equal(got["horizon"].to_numpy(), want["horizon"].to_numpy())
    np.testing.assert_allclose(got["prediction"].to_numpy(), want["prediction"].to_numpy(),
                               rtol=0, atol=1e-6)
    np.testing.assert_array_equal(got["observed"].isna(), want["observed"].isna())
