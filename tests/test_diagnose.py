"""seqguard.diagnose and `seqguard diagnose`: each check fires on a broken case and stays
quiet on a healthy one; the broken runs of issue 6 name the right cause first."""

from __future__ import annotations

import json
import math
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from cli_helpers import run_cli
from torch import nn

import seqguard
from seqguard.artifact import verify_run
from seqguard.diagnose import (
    CAUSE_ORDER,
    Diagnosis,
    _audit_leakage,
    _history_checks,
    _prescaled_leakage,
    rank_findings,
)
from seqguard.errors import InputError

NON_FINITE = {"non_finite_input", "non_finite_weights", "non_finite_activation"}


# ------------------------------------------------------------------ small models
class Net(nn.Module):
    """A plain PyTorch LSTM + Linear, as a user would write it."""

    def __init__(self, n_features: int = 3, hidden: int = 8, embed: bool = False,
                 final: nn.Module | None = None) -> None:
        super().__init__()
        self.embed = nn.Linear(n_features, n_features) if embed else None
        self.rnn = nn.LSTM(n_features, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)
        self.final = final

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.embed is not None:
            x = self.embed(x)
        out = self.head(self.rnn(x)[0][:, -1]).squeeze(-1)
        return self.final(out) if self.final is not None else out


class FirstStep(nn.Module):
    """Reads the first step of the window (a long dependency it has learned)."""

    def __init__(self, n_features: int) -> None:
        super().__init__()
        self.rnn = nn.LSTM(n_features, 4, batch_first=True)
        self.first = nn.Linear(n_features, 1)
        with torch.no_grad():
            self.first.weight.zero_()
            self.first.weight[0, 0] = 1.0
            self.first.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.first(x[:, 0]).squeeze(-1) + 0.0 * self.rnn(x)[0][:, -1, 0]


class Constant(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.tensor(0.3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bias.expand(x.shape[0])


def windows(n: int = 32, steps: int = 20, features: int = 3, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, steps, features, generator=torch.Generator().manual_seed(seed))


def codes_of(d: Diagnosis) -> list[str]:
    return d.codes


# ------------------------------------------------------------------ non-finite trace
def test_nan_input_names_feature_timestep_and_window(seed):
    x = windows()
    x[3, 7, 2] = float("nan")
    d = seqguard.diagnose(Net(), x)
    f = d.first
    assert f["code"] == "non_finite_input" and f["severity"] == "error"
    ev = f["evidence"]
    assert (ev["window"], ev["timestep"], ev["feature"]) == (3, 7, 2)
    assert ev["layer"] == "rnn" and ev["count"] == 1 and ev["value"] == "nan"
    assert ev["non_finite_predictions"] == 1
    assert "window 3, timestep 7" in f["message"] and "comes in with the input" in f["message"]


def test_nan_input_uses_feature_names(seed):
    x = windows()
    x[3, 7, 2] = float("inf")
    d = seqguard.diagnose(Net(), x.numpy(), feature_names=["a", "b", "temp"])
    ev = d.first["evidence"]
    assert d.first["code"] == "non_finite_input"
    assert ev["feature_name"] == "temp" and ev["feature"] == 2 and ev["value"] == "inf"
    assert "'temp' (index 2)" in d.first["message"]


def test_nan_input_is_found_beyond_max_windows(seed):
    x = windows(n=300)
    x[257, 1, 0] = float("nan")
    d = seqguard.diagnose(Net(), x, max_windows=16, batch_size=8)
    assert d.first["code"] == "non_finite_input"
    assert (d.first["evidence"]["window"], d.first["evidence"]["timestep"]) == (257, 1)


def test_inf_weight_names_the_layer(seed):
    model = Net()
    with torch.no_grad():
        model.head.weight[0, 3] = float("inf")
    d = seqguard.diagnose(model, windows(), y=torch.randn(32))
    assert d.first["code"] == "non_finite_weights"
    assert d.first["evidence"]["layer"] == "head"
    assert d.first["evidence"]["parameter"] == "head.weight"
    assert d.first["evidence"]["parameters"] == ["head.weight"]


def test_exploding_weight_overflow_names_the_layer(seed):
    model = Net(embed=True)
    with torch.no_grad():
        model.embed.weight[0, 0] = 1e38  # finite, but x * 1e38 overflows float32
    x = windows() * 10
    d = seqguard.diagnose(model, x)
    f = d.first
    assert f["code"] == "non_finite_activation" and f["severity"] == "error"
    assert f["evidence"]["layer"] == "embed" and f["evidence"]["module"] == "Linear"
    assert f["evidence"]["max_abs_weight"] == pytest.approx(1e38, rel=1e-6)
    assert "produced inside the model" in f["message"] and "timestep" in f["evidence"]
    assert "non_finite_input" not in d.codes


def test_healthy_module_has_no_non_finite_finding(seed):
    d = seqguard.diagnose(Net(), windows(), y=torch.randn(32))
    assert not NON_FINITE & set(d.codes)
    assert d.context["source"] == "torch" and d.context["n_windows"] == 32


# ------------------------------------------------------------------ inputs
def test_unscaled_scale_disparity_and_constant_features(seed):
    x = windows(features=4)
    x[..., 0] = x[..., 0] * 1000 + 5000
    x[..., 1] = 7.0
    x[..., 2] = x[..., 2] * 1e-4
    d = seqguard.diagnose(Net(n_features=4), x, feature_names=["price", "k", "tiny", "ok"])
    by = {f["code"]: f for f in d.findings}
    assert by["unscaled_feature"]["evidence"]["features"] == ["price"]
    assert by["unscaled_feature"]["evidence"]["mean"][0] == pytest.approx(5000, rel=0.01)
    assert by["scale_disparity"]["evidence"]["largest"] == "price"
    assert by["scale_disparity"]["evidence"]["smallest"] == "tiny"
    assert by["scale_disparity"]["evidence"]["ratio"] > 1e6
    assert by["constant_column"]["evidence"] == {"features": ["k"], "values": [7.0]}
    assert by["constant_column"]["severity"] == "info"


def test_scaled_inputs_have_no_input_finding(seed):
    d = seqguard.diagnose(Net(), windows())
    assert not {"unscaled_feature", "scale_disparity", "constant_column"} & set(d.codes)


# ------------------------------------------------------------------ target
def test_offset_target_is_the_cause_of_constant_predictions(seed):
    rng = np.random.default_rng(0)
    y = 1e4 + rng.normal(size=32)
    d = seqguard.diagnose(Net(), windows(), y=y)
    assert d.codes[0] == "unscaled_target" and d.first["severity"] == "error"
    assert d.first["evidence"]["mean"] == pytest.approx(1e4, rel=1e-3)
    assert d.first["evidence"]["std"] == pytest.approx(y.std(), rel=1e-6)
    assert d.codes.index("unscaled_target") < d.codes.index("no_better_than_mean")


def test_constant_target(seed):
    d = seqguard.diagnose(Net(), windows(), y=np.full(32, 5.0))
    f = d.findings[d.codes.index("target_constant")]
    assert f["severity"] == "error" and f["evidence"]["value"] == 5.0
    assert f["evidence"]["share"] == 1.0


def test_output_activation_cannot_reach_the_target(seed):
    y = np.linspace(-3, 3, 32)
    d = seqguard.diagnose(Net(final=nn.Sigmoid()), windows(), y=y)
    f = d.findings[d.codes.index("activation_range")]
    assert f["evidence"] == {"activation": "sigmoid", "y_min": -3.0, "y_max": 3.0}
    healthy = seqguard.diagnose(Net(final=nn.Sigmoid()), windows(), y=np.linspace(0.1, 0.9, 32))
    assert "activation_range" not in healthy.codes


def test_scaled_target_has_no_target_finding(seed):
    d = seqguard.diagnose(Net(), windows(), y=np.random.default_rng(0).normal(size=32))
    assert not {"unscaled_target", "target_constant", "activation_range"} & set(d.codes)


# ------------------------------------------------------------------ model state
def test_saturated_gates_and_dead_units(seed):
    model = Net()
    d = seqguard.diagnose(model, windows() * 100)
    f = d.findings[d.codes.index("saturated_gates")]
    assert f["evidence"]["layer"] == "rnn" and f["evidence"]["saturated_share"] > 0.3
    assert set(f["evidence"]["by_gate"]) == {"input", "forget", "cell", "output"}
    dead = Net()
    with torch.no_grad():
        for p in dead.rnn.parameters():
            p.zero_()
    d = seqguard.diagnose(dead, windows())
    f = d.findings[d.codes.index("dead_units")]
    assert f["evidence"] == {"layer": "rnn", "dead_fraction": 1.0, "units": 8}


def test_healthy_lstm_state(seed):
    d = seqguard.diagnose(Net(), windows())
    assert not {"saturated_gates", "dead_units"} & set(d.codes)


# ------------------------------------------------------------------ collapse
def test_constant_model_is_no_better_than_the_mean(seed):
    y = np.random.default_rng(0).normal(size=32)
    d = seqguard.diagnose(Constant(), windows(), y=y)
    assert d.codes[:2] == ["constant_predictions", "no_better_than_mean"]
    f = d.findings[1]
    assert f["evidence"]["mean_mae"] == pytest.approx(np.abs(y - y.mean()).mean())
    assert f["evidence"]["mae"] == pytest.approx(np.abs(y - 0.3).mean(), rel=1e-6)
    assert "no better than always predicting the mean of the given targets" in f["message"]


def test_good_model_beats_the_mean(seed):
    x = windows()
    d = seqguard.diagnose(FirstStep(3), x, y=x[:, 0, 0])
    assert not {"constant_predictions", "no_better_than_mean"} & set(d.codes)
    assert d.context["scores"]["model"] < 1e-6


# ------------------------------------------------------------------ long inputs
def test_long_window_learned_or_vanishing(seed):
    x = windows(n=32, steps=150, features=2)
    y = x[:, 0, 0]
    learned = seqguard.diagnose(FirstStep(2), x, y=y)
    assert learned.codes == ["learned_long_dependency"]
    ev = learned.first["evidence"]
    assert ev["input_len"] == 150 and ev["gain"] > 0.9 and ev["early_to_late"] > 1e-3
    assert "learned the long dependency" in learned.first["message"]
    plain = seqguard.diagnose(Net(n_features=2), x, y=y)
    assert plain.codes[0] == "vanishing_gradients"
    ev = plain.first["evidence"]
    assert ev["over"] == "time" and ev["early_to_late"] < 1e-3 and ev["early_steps"] == 15
    assert "learned_long_dependency" not in plain.codes


def test_short_window_has_no_time_check(seed):
    d = seqguard.diagnose(FirstStep(3), windows(), y=windows()[:, 0, 0])
    assert "time_profile" not in d.context and "learned_long_dependency" not in d.codes


# ------------------------------------------------------------------ history
def history(**cols):
    n = len(next(iter(cols.values())))
    rows = []
    for i in range(n):
        row = {"epoch": i + 1, "train_loss": 1.0 - 0.1 * i, "val_loss": 1.0 - 0.1 * i,
               "lr": 1e-3, "grad_norm_total": 1.0, "grad_norm_encoder.rnn.l0": 0.5,
               "grad_norm_head": 0.8, "clip_fraction": 0.0, "skipped_steps": 0}
        row.update({k: v[i] for k, v in cols.items()})
        rows.append(row)
    return rows


PARAMS = {"lr": 1e-3, "optimizer": "adamw", "clip": 1.0}
STOPPED = [{"epoch": 3, "step": 9, "guard": "EarlyStopping", "reason": "early_stopping"}]


def test_healthy_history_has_no_finding():
    assert _history_checks(history(epoch=[1, 2, 3]), STOPPED, PARAMS, {}) == []


def test_non_finite_training_and_lr_too_high_from_history():
    rows = history(train_loss=[1.0, 5.0, math.inf, 3.0], lr=[10.0, 10.0, 1.0, 1.0],
                   skipped_steps=[0, 0, 1, 0])
    events = [{"epoch": 3, "step": 12, "guard": "NonFiniteGuard", "reason": "non_finite_loss"}]
    ctx: dict = {}
    found = rank_findings(_history_checks(rows, events, {**PARAMS, "lr": 10.0}, ctx))
    codes = [f["code"] for f in found]
    assert codes[:2] == ["lr_too_high", "non_finite_training"]
    lr, nf = found[0], found[1]
    assert lr["severity"] == "error" and lr["evidence"]["rollbacks"] == 1
    assert lr["evidence"]["lr"] == 10.0 and lr["evidence"]["limit"] == 0.1
    assert nf["evidence"]["epoch"] == 3 and nf["evidence"]["step"] == 12
    assert nf["evidence"]["recovered"] == 1 and nf["evidence"]["lr_after"] == 1.0
    assert nf["severity"] == "warning" and "recovered" in nf["message"]
    assert ctx["lr_schedule"] == [10.0, 10.0, 1.0, 1.0]


def test_gradients_and_clipping_from_history():
    rows = history(grad_norm_total=[1.0, 50.0, 200.0], clip_fraction=[0.9, 0.8, 0.95],
                   **{"grad_norm_encoder.rnn.l0": [1e-8, 1e-8, 1e-8]})
    found = {f["code"]: f for f in _history_checks(rows, STOPPED, PARAMS, {})}
    assert found["exploding_gradients"]["evidence"]["growth"] == 200.0
    assert found["exploding_gradients"]["evidence"]["epoch"] == 3
    assert found["clipping_most_steps"]["evidence"]["epochs"] == [1, 2, 3]
    v = found["vanishing_gradients"]["evidence"]
    assert v["layer"] == "encoder.rnn.l0" and v["reference"] == "head" and v["over"] == "layers"


def test_one_early_vanishing_epoch_is_not_flagged():
    # a zero-initialised residual head gives the recurrent layer no gradient at first
    rows = history(**{"grad_norm_encoder.rnn.l0": [0.0, 0.3, 0.4]})
    assert _history_checks(rows, STOPPED, PARAMS, {}) == []


def test_too_short_when_still_improving():
    found = _history_checks(history(epoch=[1, 2, 3]), [], PARAMS, {})
    assert [f["code"] for f in found] == ["too_short"]
    assert found[0]["evidence"]["epochs"] == 3 and found[0]["severity"] == "info"


# ------------------------------------------------------------------ leakage
def test_leakage_from_the_audit():
    audit = {"findings": [{"code": "leakage_shifted_target", "column": "tomorrow",
                           "evidence": {"shift": 1, "match_fraction": 1.0}},
                          {"code": "missing_values", "column": "x", "evidence": {}}]}
    (f,) = _audit_leakage(audit)
    assert f["code"] == "leakage" and f["evidence"]["columns"] == ["tomorrow"]
    assert f["evidence"]["shifts"] == [1]
    assert _audit_leakage({"findings": [audit["findings"][1]]}) == []


def test_leakage_from_scaling_on_all_rows():
    n = 200
    trend = np.arange(n, dtype=float)
    df = pd.DataFrame({"z": (trend - trend.mean()) / trend.std(), "x": np.sin(trend),
                       "y": np.cos(trend / 3)})
    table = seqguard.read(df, target="y")
    part = np.zeros(n, dtype=np.int8)
    part[140:] = 2
    (f,) = _prescaled_leakage(table, part, ["z", "x"], "y")
    assert f["code"] == "leakage" and f["evidence"] == {"columns": ["z"],
                                                        "how": ["standardised"]}
    part[:] = 0
    assert _prescaled_leakage(table, part, ["z", "x"], "y") == []


# ------------------------------------------------------------------ ranking and result
def test_rank_is_severity_then_cause_before_symptom():
    f = [{"severity": s, "code": c, "message": "", "evidence": {}, "fix": ""} for s, c in [
        ("warning", "constant_predictions"), ("info", "too_short"),
        ("warning", "unscaled_target"), ("error", "non_finite_activation"),
        ("error", "non_finite_weights"), ("warning", "non_finite_training"),
        ("warning", "lr_too_high")]]
    assert [x["code"] for x in rank_findings(f)] == [
        "non_finite_weights", "non_finite_activation", "unscaled_target", "lr_too_high",
        "non_finite_training", "constant_predictions", "too_short"]
    assert CAUSE_ORDER.index("unscaled_target") < CAUSE_ORDER.index("constant_predictions")


def test_diagnosis_result_api(seed):
    d = seqguard.diagnose(Constant(), windows(), y=np.random.default_rng(0).normal(size=32))
    doc = json.loads(json.dumps(d.to_dict(), allow_nan=False))
    assert doc["codes"] == d.codes and doc["counts"]["warning"] == len(d.findings)
    text = d.to_text()
    assert text.startswith("diagnose: 0 error(s), 2 warning(s)")
    assert "1. WARNING constant_predictions" in text and "fix:" in text
    assert "evidence:" not in text and "evidence: ratio=" in d.to_text(verbose=True)
    assert str(d) == text
    assert Diagnosis().first is None and "no problems found" in Diagnosis().to_text()


def test_bad_inputs_raise_input_error():
    with pytest.raises(InputError, match=r"data has shape \(5,\); expected \(N, T, F\)"):
        seqguard.diagnose(Net(), np.zeros(5))
    with pytest.raises(InputError, match="y has shape"):
        seqguard.diagnose(Net(), windows(), y=np.zeros(3))
    with pytest.raises(InputError, match="feature_names has 2 names but data has 3"):
        seqguard.diagnose(Net(), windows(), feature_names=["a", "b"])
    with pytest.raises(InputError, match="could not run the model on inputs of shape"):
        seqguard.diagnose(Net(n_features=5), windows())
    with pytest.raises(InputError, match="diagnose cannot read a dict"):
        seqguard.diagnose({})
    with pytest.raises(InputError, match="needs data to run a torch.nn.Module"):
        seqguard.diagnose(Net())
    with pytest.raises(InputError, match="'max_windows' option"):
        seqguard.diagnose(Net(), windows(), max_windows=0)


def test_keras_model(seed):
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input((20, 3)), keras.layers.LSTM(8),
                              keras.layers.Dense(1)])
    x = windows().numpy()
    x[3, 7, 2] = np.nan
    d = seqguard.diagnose(model, x)
    assert d.first["code"] == "non_finite_input"
    assert (d.first["evidence"]["window"], d.first["evidence"]["timestep"],
            d.first["evidence"]["feature"]) == (3, 7, 2)
    dense = model.layers[-1]
    w, b = dense.get_weights()
    w[0, 0] = np.inf
    dense.set_weights([w, b])
    d = seqguard.diagnose(model, windows().numpy())
    assert d.first["code"] == "non_finite_weights"
    big = keras.Sequential([keras.Input((20, 3)), keras.layers.Dense(4, name="embed"),
                            keras.layers.LSTM(8), keras.layers.Dense(1)])
    w, b = big.layers[0].get_weights()
    w[0, 0] = 1e38
    big.layers[0].set_weights([w, b])
    d = seqguard.diagnose(big, windows().numpy() * 10)
    assert d.first["code"] == "non_finite_activation"
    assert d.first["evidence"]["layer"] == "embed"


# ------------------------------------------------------------------ runs (CLI)
def fit_run(root: Path, name: str, df: pd.DataFrame, **kw) -> tuple[Path, Path]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = seqguard.Forecaster("y", progress=False, layers=1, hidden=8, **kw).fit(df)
    run = root / name
    est.save(run)
    data = root / f"{name}.csv"
    df.to_csv(data, index=False)
    return run, data


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    root = tmp_path_factory.mktemp("diagnose")
    rng = np.random.default_rng(0)
    out = {}
    n = 300
    t = np.arange(n)
    healthy = pd.DataFrame({"x": rng.normal(size=n),
                            "y": np.sin(t / 4) + 0.1 * rng.normal(size=n)})
    out["healthy"] = fit_run(root, "healthy", healthy, input_len=12, horizon=2, epochs=2)
    # case 4: learning rate 10 (SGD, no clipping): the loss overflows, the guard rolls back
    case4 = pd.DataFrame({"x": rng.normal(size=n),
                          "y": 50 + 20 * np.sin(t / 4) + rng.normal(size=n)})
    out["case4"] = fit_run(root, "case4", case4, input_len=12, horizon=2, epochs=5, lr=10.0,
                           clip=0.0, loss="mse", optimizer="sgd", batch_size=32)
    # case 7: the target is the first input step of a 400-step window
    L, m = 400, 560
    x = rng.normal(size=m)
    y = np.concatenate([rng.normal(size=L), x[:-L]]) + 0.05 * rng.normal(size=m)
    out["case7"] = fit_run(root, "case7", pd.DataFrame({"x": x, "y": y}), input_len=L,
                           horizon=1, epochs=2, batch_size=64, val_frac=0.1, test_frac=0.1)
    # case 8: the classic Keras setup, unscaled target with mean 1e4 and std 1
    case8 = pd.DataFrame({"x": rng.normal(size=n), "y": 1e4 + rng.normal(size=n)})
    out["case8"] = fit_run(root, "case8", case8, input_len=12, horizon=2, epochs=3,
                           scaler="none", head="direct")
    return out


def copy_run(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / src.name
    shutil.copytree(src, dst)
    return dst


def diagnose_json(run: Path, data: Path | None, capsys) -> dict:
    args = ["diagnose", str(run)] + ([str(data)] if data else []) + ["--format", "json"]
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    return json.loads(out)


def test_cli_case4_lr_10_names_the_learning_rate(runs, tmp_path, capsys):
    run, data = runs["case4"]
    doc = diagnose_json(copy_run(run, tmp_path), data, capsys)
    first = doc["findings"][0]
    assert first["code"] == "lr_too_high" and first["severity"] == "error"
    ev = first["evidence"]
    # DivergenceGuard now rolls back when the validation loss runs away, usually before the
    # loss is NaN (tests/test_never_worse.py); either guard's rollbacks are the evidence
    assert ev["lr"] == 10.0 and ev["rollbacks"] + ev["divergence_rollbacks"] >= 1
    assert "divergence guard rolled back" in first["message"] or ev["rollbacks"] >= 1
    if "non_finite_training" in doc["codes"]:
        nf = next(f for f in doc["findings"] if f["code"] == "non_finite_training")
        assert nf["evidence"]["recovered"] == 1 and nf["evidence"]["rollbacks"] >= 1
        assert doc["codes"].index("lr_too_high") < doc["codes"].index("non_finite_training")


def test_cli_case7_long_window_says_which(runs, tmp_path, capsys):
    run, data = runs["case7"]
    for with_data in (data, None):
        doc = diagnose_json(copy_run(run, tmp_path / str(bool(with_data))), with_data, capsys)
        first = doc["findings"][0]
        assert first["code"] == "vanishing_gradients"
        assert "learned_long_dependency" not in doc["codes"]
        assert first["evidence"]["over"] == "time" and first["evidence"]["input_len"] == 400
        assert first["evidence"]["early_to_late"] < 1e-3
        assert "cannot learn a dependency on the start of the window" in first["message"]
        assert "no_better_than_mean" in doc["codes"]


def test_cli_case8_unscaled_target_first(runs, tmp_path, capsys):
    run, data = runs["case8"]
    doc = diagnose_json(copy_run(run, tmp_path / "a"), data, capsys)
    first = doc["findings"][0]
    assert first["code"] == "unscaled_target" and first["severity"] == "error"
    assert first["evidence"]["mean"] == pytest.approx(1e4, rel=1e-3)
    assert first["evidence"]["std"] == pytest.approx(1.0, rel=0.2)
    assert "no_better_than_mean" in doc["codes"]
    no_data = diagnose_json(copy_run(run, tmp_path / "b"), None, capsys)
    assert no_data["codes"][0] == "unscaled_target"
    assert no_data["findings"][0]["evidence"]["mean"] == pytest.approx(1e4, rel=1e-3)


def test_cli_healthy_run_prints_saves_and_still_loads(runs, tmp_path, capsys):
    run = copy_run(runs["healthy"][0], tmp_path)
    before = json.loads((run / "diagnosis.json").read_text())
    code, out, err = run_cli(["diagnose", str(run), str(runs["healthy"][1]), "--verbose"],
                             capsys)
    assert code == 0, err
    assert out.startswith("diagnose: ")
    doc = json.loads((run / "diagnosis.json").read_text())
    assert doc["findings"] == before["findings"] and doc["events"] == before["events"]
    section = doc["diagnose"]
    assert not {"unscaled_target", "unscaled_feature", "lr_too_high", "constant_predictions",
                "non_finite_input", "non_finite_activation"} & set(section["codes"])
    assert section["context"]["source"] == "run" and section["context"]["split"] is True
    assert verify_run(run) == []
    # the run still loads and predicts exactly as the run before diagnose wrote to it
    before_diagnose = seqguard.load(runs["healthy"][0]).predict(runs["healthy"][1])
    after = seqguard.load(run).predict(runs["healthy"][1])
    assert len(after) > 0
    pd.testing.assert_frame_equal(after, before_diagnose, check_exact=True)


def test_api_on_estimator_without_data(runs):
    est = seqguard.load(runs["case8"][0])
    d = seqguard.diagnose(est)
    assert d.codes[0] == "unscaled_target" and d.context["source"] == "estimator"
    assert "fitted statistics" in d.context["checked"]


def test_cli_missing_run_dir_exits_2(tmp_path, capsys):
    code, _out, err = run_cli(["diagnose", str(tmp_path / "nope")], capsys)
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: ")
    assert "nope" in lines[0] and "does not exist" in lines[0]


def test_cli_data_without_target_exits_2(runs, tmp_path, capsys):
    run, data = runs["healthy"]
    bad = tmp_path / "no_target.csv"
    pd.read_csv(data)[["x"]].to_csv(bad, index=False)
    before = (run / "MANIFEST.json").read_text()
    code, _out, err = run_cli(["diagnose", str(run), str(bad)], capsys)
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: ")
    assert "'y'" in lines[0] and "no_target.csv" in lines[0]
    assert (run / "MANIFEST.json").read_text() == before


def test_a_gain_within_the_noise_margin_is_no_better_than_persistence():
    from seqguard.diagnose import _baseline_findings

    found = _baseline_findings({"model": 0.99, "persistence": 1.0, "mean": 2.0}, "the test part")
    assert [f["code"] for f in found] == ["no_better_than_persistence"]
    assert found[0]["evidence"]["skill"] == pytest.approx(0.01)
    assert "margin of noise" in found[0]["message"]
    clear = _baseline_findings({"model": 0.9, "persistence": 1.0, "mean": 2.0}, "the test part")
    assert clear == []
