"""norm="revin": per-window normalisation of the target, inverted exactly."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from cli_helpers import assert_one_error_line, run_cli

import seqguard
from seqguard.errors import InputError
from seqguard.models import SequenceModel, WindowNorm


def _series(n: int = 360, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = np.sin(t / 6) + t / 40 + rng.normal(0, 0.1, n)  # a trend: new levels in the test
    y[rng.choice(n, 25, replace=False)] = np.nan
    return pd.DataFrame({"y": y, "x": np.cos(t / 6)})


def test_stats_are_nan_aware_and_fall_back():
    norm = WindowNorm(0, (0.01, 0.01))
    x = torch.tensor([[[1.0], [2.0], [9.0], [3.0]],     # row 2 missing: a fill
                      [[5.0], [5.0], [5.0], [5.0]],     # constant
                      [[7.0], [8.0], [9.0], [1.0]]])    # nothing observed
    y_in = torch.tensor([[1.0, 2.0, float("nan"), 3.0],
                         [5.0, 5.0, 5.0, 5.0],
                         [float("nan")] * 4])
    mx, sx, my, sy = norm.stats(x, y_in)
    obs = np.array([1.0, 2.0, 3.0])
    assert mx[0].item() == pytest.approx(obs.mean()) and my[0].item() == pytest.approx(2.0)
    assert sx[0].item() == pytest.approx(obs.std()) and sy[0].item() == pytest.approx(obs.std())
    assert mx[1].item() == 5.0 and sx[1].item() == sy[1].item() == pytest.approx(0.01)  # floor
    assert (mx[2].item(), sx[2].item(), my[2].item(), sy[2].item()) == (0.0, 1.0, 0.0, 1.0)
    z = norm.inputs(x, (mx, sx, my, sy))
    assert torch.isfinite(z).all() and z[1].abs().max().item() == 0.0
    assert torch.equal(z[2], x[2])  # the global scaling: unchanged


@pytest.mark.parametrize("norm", ["revin", "revin:affine"])
@pytest.mark.parametrize("baselines", [0, 2])
def test_untrained_residual_model_round_trips_its_baseline(norm, baselines):
    torch.manual_seed(0)
    m = SequenceModel(n_features=3, task="forecast", horizon=4, hidden=8, norm=norm,
                      norm_target=0, norm_floor=[0.01, 0.01], baselines=baselines)
    x = torch.randn(5, 10, 3) * 3 + 7
    y_in = x[..., 0].clone()
    y_in[0, 2:5] = float("nan")
    last = torch.randn(5) * 4 + 7 if not baselines else torch.randn(5, 3, 4) * 4 + 7
    out = m(x, last=last, y_in=y_in)
    want = last[:, None] if not baselines else last[:, 0, :]
    torch.testing.assert_close(out, want.expand_as(out), rtol=1e-5, atol=1e-5)


def test_identity_direct_model_round_trips_the_window():
    """A model whose normalised output is the normalised last input gives back that
    input exactly: normalise, then invert."""
    norm = WindowNorm(1, (0.01, 0.01))
    x = torch.randn(4, 12, 3) * 5 + 3
    y_in = x[..., 1] * 2 + 1  # another affine scaling of the same target
    stats = norm.stats(x, y_in)
    z = norm.inputs(x, stats)
    zy = (y_in - stats[2][:, None]) / stats[3][:, None]
    torch.testing.assert_close(z[..., 1], zy, rtol=1e-5, atol=1e-5)  # the same space
    back = norm.invert(zy[:, -3:], stats)
    torch.testing.assert_close(back, y_in[:, -3:], rtol=1e-5, atol=1e-5)


def test_model_needs_y_in_and_forecast():
    m = SequenceModel(n_features=2, task="forecast", horizon=2, hidden=4, norm="revin",
                      norm_target=0)
    with pytest.raises(InputError, match="needs `y_in`"):
        m(torch.zeros(1, 5, 2), last=torch.zeros(1))
    with pytest.raises(InputError, match="task='forecast' only"):
        SequenceModel(n_features=2, task="tag", norm="revin", norm_target=0)
    with pytest.raises(InputError, match="must be one of"):
        SequenceModel(n_features=2, task="forecast", norm="revn", norm_target=0)
    assert "norm" not in SequenceModel(n_features=2, task="forecast").config


@pytest.mark.parametrize("kw", [{}, {"model": "grud"}, {"missing": "impute:mean"},
                                {"head": "residual:seasonal", "season": 12},
                                {"norm": "revin:affine"}],
                         ids=["lstm", "grud", "impute", "seasonal", "affine"])
def test_fit_save_load_same_predictions(tmp_path, kw):
    df = _series()
    kw = {"norm": "revin", **kw}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = seqguard.Forecaster("y", input_len=24, horizon=4, epochs=2, progress=False,
                                **kw).fit(df)
    assert f.model_config_["norm"] == kw["norm"] and f.model_config_["norm_target"] == 0
    assert np.isfinite(f.metrics_["test"]["mae"])
    f.save(tmp_path / "run")
    g = seqguard.load(tmp_path / "run")
    assert g.get_params()["norm"] == kw["norm"]
    a, b = f.predict(df), g.predict(df)
    np.testing.assert_array_equal(a["prediction"].to_numpy(), b["prediction"].to_numpy())
    fut = g.predict(df, future=True)
    assert len(fut) == 4 and np.isfinite(fut["prediction"]).all()
    assert g.evaluate(df)["test"]["mae"] == f.evaluate(df)["test"]["mae"]


def test_norm_refuses_other_tasks():
    df = _series().assign(y=lambda d: d["y"].fillna(0.0))
    with pytest.raises(InputError, match=r"task 'forecast' \(Forecaster\) only"):
        seqguard.SequenceTagger("y", input_len=10, norm="revin", progress=False).fit(df)


def test_cli_bad_norm_exits_2(tmp_path, capsys):
    path = tmp_path / "d.csv"
    _series().to_csv(path, index=False)
    code, _, err = run_cli(["fit", str(path), "--target", "y", "--norm", "revn",
                            "--out", str(tmp_path / "run")], capsys)
    assert_one_error_line(code, err, "--norm", "revin")
    assert not (tmp_path / "run").exists()
