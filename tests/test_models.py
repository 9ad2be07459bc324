"""Tests for seqguard.models: shapes, heads, packing, GRU-D, training, config, checks."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from seqguard.errors import InputError, SeqguardWarning
from seqguard.models import (
    GRUD,
    ActivationWarning,
    ModelWarning,
    SequenceModel,
    check_activation,
    check_grud_channels,
    grud_channels_from_names,
    warn_activation,
)

CHANNELS = {"value": [0, 1], "mask": [2, 3], "since": [4, 5], "since_transform": "log1p"}
N_GRUD = 7  # a, b, a__obs, b__obs, a__since, b__since, extra


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny models run several times faster on one thread (no contention between cores)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def grud_inputs(b: int, length: int, p_missing: float = 0.3, seed: int = 0) -> torch.Tensor:
    """Inputs as the ``indicators`` strategy writes them: ffilled values, masks, log1p(since)."""
    g = torch.Generator().manual_seed(seed)
    raw = torch.randn(b, length, 2, generator=g)
    obs = (torch.rand(b, length, 2, generator=g) > p_missing).float()
    obs[:, 0] = 1.0
    vals = raw.clone()
    since = torch.zeros(b, length, 2)
    for t in range(1, length):
        miss = obs[:, t] == 0
        vals[:, t] = torch.where(miss, vals[:, t - 1], raw[:, t])
        since[:, t] = torch.where(miss, since[:, t - 1] + 1, torch.zeros(()))
    extra = torch.randn(b, length, 1, generator=g)
    return torch.cat([vals, obs, torch.log1p(since), extra], dim=-1)


def make(model: str, task: str, **kw) -> SequenceModel:
    kw.setdefault("hidden", 8)
    kw.setdefault("layers", 2)
    if model == "grud":
        return SequenceModel(N_GRUD, task, model="grud", grud_channels=CHANNELS, **kw)
    return SequenceModel(N_GRUD, task, model=model, **kw)


# --------------------------------------------------------------------------- shapes

CASES = [
    (model, task, bidi)
    for model in ("lstm", "gru", "grud")
    for task in ("forecast", "tag", "classify-binary", "classify-3")
    for bidi in ((False, True) if model != "grud" else (False,))
]


@pytest.mark.parametrize(
    "model,task,bidi", CASES, ids=[f"{m}-{t}{'-bidi' if b else ''}" for m, t, b in CASES]
)
def test_output_shapes(seed, model, task, bidi):
    b, length = 4, 9
    x = grud_inputs(b, length)
    kw: dict = {"bidirectional": bidi, "head_layers": 1}
    if task == "forecast":
        m = make(model, "forecast", horizon=3, **kw)
        out = m(x, last=torch.zeros(b))
        assert out.shape == (b, 3)
    elif task == "tag":
        out = make(model, "tag", **kw)(x)
        assert out.shape == (b, length)
    else:
        n = 1 if task.endswith("binary") else 3
        lengths = torch.tensor([9, 3, 5, 1])
        out = make(model, "classify", n_outputs=n, **kw)(x, lengths=lengths)
        assert out.shape == ((b,) if n == 1 else (b, 3))
    assert out.dtype == torch.float32
    assert torch.isfinite(out).all()


# --------------------------------------------------------------------------- heads


PERSISTENCE = [(model, name, extra)
               for name, extra in [("plain", {}), ("head_layers", {"head_layers": 2, "dropout": 0.2}),
                                   ("bidirectional", {"bidirectional": True})]
               for model in ("lstm", "gru", "grud")
               if not (model == "grud" and name == "bidirectional")]  # grud: forward only


@pytest.mark.parametrize("model,name,extra", PERSISTENCE,
                         ids=[f"{m}-{n}" for m, n, _ in PERSISTENCE])
def test_untrained_residual_head_is_exactly_persistence(seed, model, name, extra):
    m = make(model, "forecast", horizon=4, **extra)
    m.train()  # dropout on: the zero output layer still gives persistence
    x = grud_inputs(6, 10)
    last = torch.randn(6) * 3
    pred = m(x, last=last)
    assert torch.equal(pred, last[:, None].expand(6, 4))


def test_direct_head_is_not_persistence(seed):
    m = make("lstm", "forecast", horizon=4, head="direct")
    x, last = grud_inputs(6, 10), torch.randn(6)
    pred = m(x, last=last)
    assert (pred - last[:, None]).abs().min() > 0
    assert m(x).shape == (6, 4)  # direct needs no `last`


def test_residual_head_learns_a_change_from_last(seed):
    m = make("gru", "forecast", horizon=2)
    with torch.no_grad():
        m.head.out.bias.fill_(0.5)
    last = torch.tensor([1.0, -1.0])
    assert torch.allclose(m(grud_inputs(2, 5), last=last), torch.tensor([[1.5, 1.5], [-0.5, -0.5]]))


# --------------------------------------------------------------------------- packing


@pytest.mark.parametrize("model,bidi", [("lstm", False), ("lstm", True), ("gru", False),
                                        ("gru", True), ("grud", False)],
                         ids=["lstm", "bilstm", "gru", "bigru", "grud"])
def test_padding_is_never_read(seed, model, bidi):
    m = make(model, "classify", n_outputs=3, bidirectional=bidi).eval()
    lengths = torch.tensor([10, 4, 7, 1])
    x = grud_inputs(4, 10)
    pad = torch.arange(10)[None, :] >= lengths[:, None]
    x = x.masked_fill(pad[..., None], 0.0)
    noisy = x.masked_fill(pad[..., None], 1e3)
    with torch.no_grad():
        a, b = m(x, lengths=lengths), m(noisy, lengths=lengths)
        # and each sequence alone, unpadded, gives the same logits
        alone = torch.stack([m(x[i:i + 1, :n])[0] for i, n in enumerate(lengths.tolist())])
    assert torch.equal(a, b)
    assert torch.allclose(a, alone, atol=1e-5)
    assert not torch.allclose(a[0], a[1])


@pytest.mark.parametrize("model", ["lstm", "grud"])
def test_tag_with_lengths_keeps_valid_steps(seed, model):
    m = make(model, "tag").eval()
    lengths = torch.tensor([8, 3])
    x = grud_inputs(2, 8)
    noisy = x.clone()
    noisy[1, 3:] = 50.0
    with torch.no_grad():
        a, b = m(x, lengths=lengths), m(noisy, lengths=lengths)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1, :3], b[1, :3])


def test_bad_lengths_are_refused(seed):
    m = make("lstm", "classify")
    with pytest.raises(InputError, match=r"lengths must be between 1 and 6 .* from 0 to 6"):
        m(torch.zeros(2, 6, N_GRUD), lengths=torch.tensor([6, 0]))
    with pytest.raises(InputError, match=r"lengths must have shape \(2,\)"):
        m(torch.zeros(2, 6, N_GRUD), lengths=torch.tensor([6]))


# --------------------------------------------------------------------------- GRU-D


def test_grud_is_finite_with_missing_values(seed):
    m = make("grud", "tag", layers=1).eval()
    x = grud_inputs(8, 30, p_missing=0.7)
    out = m(x)
    assert torch.isfinite(out).all()
    assert (x[..., 2:4] == 0).any()  # there were missing values


def test_grud_input_decay_identity_when_all_observed(seed):
    enc = GRUD(N_GRUD, check_grud_channels(CHANNELS, N_GRUD), hidden=4, layers=1, dropout=0.0)
    with torch.no_grad():  # a decay that would move missing values a lot
        enc.gamma_x_weight.fill_(3.0)
        enc.gamma_x_bias.fill_(1.0)
        enc.x_mean.fill_(5.0)
    xv = torch.randn(3, 6, 2)
    ones, zeros = torch.ones_like(xv), torch.zeros_like(xv)
    assert torch.equal(enc.input_decay(xv, ones, zeros), xv)  # m = 1, δ = 0
    assert torch.equal(enc.input_decay(xv, ones, ones * 40), xv)  # m = 1: any δ
    # through the channels: observed every step (since = 0) gives δ = 0, 1, 1, ...
    x = torch.randn(3, 6, N_GRUD)
    x[..., 2:4] = 1.0
    x[..., 4:6] = 0.0
    x_hat, m, delta = enc.decay_inputs(x)
    assert torch.equal(delta[:, 0], torch.zeros(3, 2))
    assert torch.equal(delta[:, 1:], torch.ones(3, 5, 2))
    assert torch.equal(m, torch.ones_like(m))
    assert torch.equal(x_hat, x[..., 0:2])


def test_grud_input_decay_moves_missing_values_toward_the_mean(seed):
    ch = check_grud_channels({**CHANNELS, "x_mean": [2.0, -2.0]}, N_GRUD)
    enc = GRUD(N_GRUD, ch, hidden=4, layers=1, dropout=0.0)
    with torch.no_grad():
        enc.gamma_x_weight.fill_(0.5)
        enc.gamma_x_bias.zero_()
    length = 12
    x = torch.zeros(1, length, N_GRUD)
    x[..., 0], x[..., 1] = 1.0, 1.0  # last observed value (ffilled)
    x[..., 2], x[..., 3] = 0.0, 1.0  # a missing throughout, b observed
    steps = torch.arange(1, length + 1, dtype=torch.float32)
    x[0, :, 4] = torch.log1p(steps)
    x_hat, _, delta = enc.decay_inputs(x)
    # δ_t = steps_{t-1} + 1 (δ_0 = steps_0), undoing log1p
    assert torch.allclose(delta[0, :, 0], torch.cat([steps[:1], steps[:-1] + 1]), atol=1e-4)
    gamma = torch.exp(-0.5 * delta[0, :, 0])
    assert torch.allclose(x_hat[0, :, 0], gamma * 1.0 + (1 - gamma) * 2.0)
    assert (x_hat[0, 1:, 0] > x_hat[0, :-1, 0]).all()  # decays toward x_mean = 2
    assert abs(x_hat[0, -1, 0].item() - 2.0) < 1e-2
    assert torch.equal(x_hat[0, :, 1], x[0, :, 1])  # observed column untouched


def test_grud_since_transform_none(seed):
    ch = check_grud_channels({**CHANNELS, "since_transform": "none"}, N_GRUD)
    enc = GRUD(N_GRUD, ch, hidden=4, layers=1, dropout=0.0)
    x = torch.zeros(1, 3, N_GRUD)
    x[0, :, 4] = torch.tensor([2.0, 3.0, 0.0])
    assert torch.equal(enc.deltas(x)[0, :, 0], torch.tensor([2.0, 3.0, 4.0]))


def test_grud_channels_from_names():
    names = ["pm", "temp", "pm__observed", "pm__since", "hour"]
    assert grud_channels_from_names(names) == {
        "value": [0], "mask": [2], "since": [3], "since_transform": "log1p"}
    with pytest.raises(InputError, match=r"needs the 'indicators' missing-data strategy.*"
                                         r"'pm__observed'.*no '__since' channels"):
        grud_channels_from_names(["pm", "pm__observed"])
    with pytest.raises(InputError, match="No input has these channels"):
        grud_channels_from_names(["pm", "temp"])


# --------------------------------------------------------------------------- training


def forecast_task(n: int = 32, length: int = 12, horizon: int = 3):
    """Noisy sine waves with random frequency and phase; features as for GRU-D."""
    g = torch.Generator().manual_seed(1)
    w = 0.3 + 0.5 * torch.rand(n, 1, generator=g)
    phase = 6.28 * torch.rand(n, 1, generator=g)
    t = torch.arange(length + horizon, dtype=torch.float32)[None, :]
    series = torch.sin(w * t + phase)
    x = grud_inputs(n, length, p_missing=0.2, seed=2)
    obs = x[..., 2] == 1
    vals, since = series[:, :length].clone(), torch.zeros(n, length)
    for i in range(1, length):  # ffill the missing values of column a
        vals[:, i] = torch.where(obs[:, i], vals[:, i], vals[:, i - 1])
        since[:, i] = torch.where(obs[:, i], torch.zeros(()), since[:, i - 1] + 1)
    x[..., 0], x[..., 4] = vals, torch.log1p(since)
    x[..., 1] = torch.cos(w * t[:, :length] + phase)  # a fully observed helper column
    x[..., 3], x[..., 5] = 1.0, 0.0
    return x, vals[:, -1], series[:, length:]


@pytest.mark.parametrize("model", ["lstm", "gru", "grud"])
def test_model_trains_on_a_tiny_task(seed, model):
    x, last, y = forecast_task()
    m = make(model, "forecast", horizon=3, hidden=16, layers=1)
    opt = torch.optim.Adam(m.parameters(), lr=0.02)
    losses = []
    for _ in range(50):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(m(x, last=last), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(math.isfinite(v) for v in losses)
    assert losses[-1] < 0.3 * losses[0], losses[::10]


# --------------------------------------------------------------------------- config


@pytest.mark.parametrize("model,task,kw", [
    ("lstm", "forecast", {"horizon": 2, "head": "direct", "activation": "tanh"}),
    ("gru", "classify", {"n_outputs": 3, "bidirectional": True, "head_layers": 1}),
    ("grud", "forecast", {"horizon": 2, "dropout": 0.1}),
    ("grud", "tag", {"layers": 1}),
], ids=["lstm-forecast", "gru-classify", "grud-forecast", "grud-tag"])
def test_from_config_round_trip(seed, model, task, kw):
    m = make(model, task, **kw).eval()
    if model == "grud":
        m.encoder.x_mean.fill_(0.25)  # a buffer: must travel with the weights
    config = json.loads(json.dumps(m.config))
    assert config == m.config
    torch.manual_seed(123)
    m2 = SequenceModel.from_config(config)
    m2.load_state_dict(m.state_dict())
    m2.eval()
    x = grud_inputs(3, 7, p_missing=0.5)
    last, lengths = torch.randn(3), torch.tensor([7, 2, 5])
    with torch.no_grad():
        args = {"lengths": lengths} if task == "classify" else {"last": last}
        assert torch.equal(m(x, **args), m2(x, **args))
    assert m2.config == m.config


def test_config_holds_resolved_plain_values():
    m = SequenceModel(np.int64(4), "forecast", hidden=np.int64(8), layers=1)
    c = m.config
    assert c["horizon"] == 1 and c["head"] == "residual" and c["n_outputs"] is None
    assert type(c["n_features"]) is int and type(c["hidden"]) is int
    c["hidden"] = 999  # a copy
    assert m.config["hidden"] == 8
    assert "LSTM 1x8 on 4 input(s), forecast 1 step(s), residual head" in m.describe()


def test_from_config_errors():
    with pytest.raises(InputError, match=r"Unknown model option 'hiden'.*Did you mean 'hidden'\?"):
        SequenceModel.from_config({"n_features": 3, "task": "tag", "hiden": 8})
    with pytest.raises(InputError, match="The model config needs 'task'"):
        SequenceModel.from_config({"n_features": 3})


# --------------------------------------------------------------------------- activation


def test_check_activation():
    assert check_activation(None, -5, 5) is None
    assert check_activation("relu", 0.0, 9.0) is None
    assert check_activation("sigmoid", 0.0, 1.0) is None
    assert check_activation("tanh", -1.0, 0.5) is None
    msg = check_activation("relu", -1.5, 2.0)
    assert msg is not None and msg.startswith("activation='relu' can only output >= 0")
    assert "-1.5 to 2" in msg and "activation=None" in msg
    assert "[0, 1]" in check_activation("sigmoid", 0.2, 1.3)
    assert "[-1, 1]" in check_activation("tanh", -2.0, 0.0)
    assert check_activation("relu", float("nan"), 1.0) is None


def test_warn_activation():
    with pytest.warns(ActivationWarning, match=r"activation='sigmoid' can only output values "
                                               r"in \[0, 1\].*from -0\.5 to 0\.5"):
        msg = warn_activation("sigmoid", -0.5, 0.5)
    assert msg is not None and issubclass(ActivationWarning, SeqguardWarning)
    assert warn_activation("tanh", -0.5, 0.5) is None


@pytest.mark.parametrize("activation,low,high", [("relu", 0, math.inf), ("sigmoid", 0, 1),
                                                  ("tanh", -1, 1)])
def test_activation_bounds_the_output(seed, activation, low, high):
    m = make("lstm", "forecast", horizon=2, activation=activation)
    out = m(grud_inputs(4, 5), last=torch.tensor([-3.0, -0.5, 0.5, 3.0]))
    assert (out >= low).all() and (out <= high).all()
    tag = make("gru", "tag", head_layers=1, activation=activation)(grud_inputs(4, 5))
    assert (tag >= low).all() and (tag <= high).all()


# --------------------------------------------------------------------------- validation

BAD = [
    ({"model": "lstn"}, (r"The 'model' option must be one of \['lstm', 'gru', 'grud'\], got "
                        r"'lstn'\. Did you mean 'lstm'\?")),
    ({"task": "forcast"}, r"'task' option .* got 'forcast'\. Did you mean 'forecast'\?"),
    ({"hidden": 0}, r"The 'hidden' option must be an integer >= 1, got 0"),
    ({"hidden": 8.5}, r"The 'hidden' option must be an integer >= 1, got 8\.5"),
    ({"layers": 0}, r"The 'layers' option must be an integer >= 1, got 0"),
    ({"head_layers": -1}, r"The 'head_layers' option must be an integer >= 0, got -1"),
    ({"dropout": 1.0}, r"The 'dropout' option must be a number in \[0, 1\), got 1\.0"),
    ({"dropout": -0.1}, r"The 'dropout' option must be a number in \[0, 1\), got -0\.1"),
    ({"horizon": 0}, r"The 'horizon' option must be an integer >= 1, got 0"),
    ({"head": "residule"}, r"'head' option .* got 'residule'\. Did you mean 'residual'\?"),
    ({"activation": "softmax"}, (r"The 'activation' option must be one of \['relu', 'sigmoid', "
                                r"'tanh'\], got 'softmax'")),
    ({"bidirectional": "yes"}, r"The 'bidirectional' option must be true or false"),
    ({"task": "classify", "head": "residual"}, (r"The 'head' option .* applies to "
                                               r"task='forecast' only, got head='residual' "
                                               r"with task='classify'")),
    ({"task": "tag", "horizon": 3}, r"'horizon' option applies to task='forecast' only"),
    ({"task": "tag", "n_outputs": 2}, r"'n_outputs' option applies to task='classify' only"),
    ({"task": "classify", "n_outputs": 0}, r"'n_outputs' option must be an integer >= 1"),
    ({"task": "classify", "activation": "sigmoid"}, r"task='classify' outputs logits"),
    ({"model": "grud"}, r"model='grud' needs grud_channels.*'indicators' missing-data strategy"),
    ({"model": "grud", "grud_channels": {**CHANNELS, "value": []}},
     r"grud_channels\['value'\] is empty"),
    ({"model": "grud", "grud_channels": {**CHANNELS, "since": [4]}},
     r"got 2, 2 and 1 entries"),
    ({"model": "grud", "grud_channels": {**CHANNELS, "mask": [2, 9]}},
     r"grud_channels\['mask'\] holds column 9, outside 0\.\.6"),
    ({"model": "grud", "grud_channels": {**CHANNELS, "mask": [2, 0]}},
     r"uses column\(s\) \[0\] more than once"),
    ({"model": "grud", "grud_channels": {**CHANNELS, "since_transform": "log"}},
     r"since_transform'\] must be one of \['log1p', 'none'\], got 'log'\. Did you mean 'log1p'"),
    ({"model": "grud", "grud_channels": {**CHANNELS, "masks": [2, 3]}},
     r"unknown key 'masks'.*Did you mean 'mask'\?"),
    ({"model": "grud", "grud_channels": {**CHANNELS, "x_mean": [0.0]}},
     r"grud_channels\['x_mean'\] has 1 entries; expected one per value column \(2\)"),
    ({"model": "grud", "grud_channels": CHANNELS, "bidirectional": True},
     r"grud model runs forward in time only"),
    ({"model": "gru", "grud_channels": CHANNELS}, (r"'grud_channels' option applies to "
                                                  r"model='grud' only")),
]


@pytest.mark.parametrize("kw,match", BAD, ids=[str(i) + "-" + "-".join(k) for i, (k, _) in
                                               enumerate(BAD)])
def test_validation_errors(kw, match):
    kw = {"task": "forecast", **kw}
    with pytest.raises(InputError, match=match):
        SequenceModel(N_GRUD, **kw)


def test_forward_errors(seed):
    m = make("lstm", "forecast")
    with pytest.raises(InputError, match=r"expects inputs of shape \(batch, steps, 7\), got "
                                         r"\(2, 5, 3\)"):
        m(torch.zeros(2, 5, 3), last=torch.zeros(2))
    with pytest.raises(InputError, match="residual forecast head needs `last`"):
        m(torch.zeros(2, 5, N_GRUD))
    with pytest.raises(InputError, match=r"last must have shape \(2,\) or \(2, 1, 1\) "
                                         r"\(the baselines' forecasts\), got \(2, 1\)"):
        m(torch.zeros(2, 5, N_GRUD), last=torch.zeros(2, 1))


def test_ignored_dropout_warns():
    with pytest.warns(ModelWarning, match=r"--dropout 0\.2 has no effect with --layers 1 "
                                          r"and --head-layers 0") as caught:
        SequenceModel(3, "tag", layers=1, dropout=0.2)
    assert [w.filename for w in caught] == [__file__]  # the line that built the model


def test_the_config_writes_later_options_only_when_set():
    """Configs of models that use none of the later options (baselines, the AR term,
    norm, pool, static covariates) keep the keys of earlier versions, in order."""
    first = ["n_features", "task", "horizon", "n_outputs", "model", "hidden", "layers",
             "dropout", "bidirectional", "head", "head_layers", "activation",
             "grud_channels", "init"]
    assert list(SequenceModel(3, "forecast").config) == first
    assert list(SequenceModel(3, "classify").config) == first
    later = SequenceModel(3, "forecast", baselines=1, ar_steps=2, ar_index=0, norm="revin",
                          norm_target=0).config
    assert list(later) == first + ["baselines", "ar_steps", "ar_index", "norm",
                                   "norm_target", "norm_floor"]
    assert later["norm_floor"] == [0.01, 0.01]
    pooled = SequenceModel(3, "classify", pool="mean", n_static=2).config
    assert list(pooled)[len(first):] == ["pool", "n_static"]


# --------------------------------------------------------------------------- init, determinism


def test_initialisation(seed):
    m = SequenceModel(3, "tag", hidden=6, layers=2)
    rnn = m.encoder.rnn
    for layer in range(2):
        b = getattr(rnn, f"bias_ih_l{layer}") + getattr(rnn, f"bias_hh_l{layer}")
        assert torch.equal(b[6:12], torch.ones(6))  # forget gate
        assert torch.equal(b[:6], torch.zeros(6)) and torch.equal(b[12:], torch.zeros(12))
        w = getattr(rnn, f"weight_hh_l{layer}")
        for k in range(4):
            gate = w[k * 6:(k + 1) * 6]
            assert torch.allclose(gate @ gate.T, torch.eye(6), atol=1e-5)


@pytest.mark.parametrize("model", ["lstm", "gru", "grud"])
def test_forward_is_deterministic_under_a_seed(model):
    x = grud_inputs(4, 8)
    outs = []
    for _ in range(2):
        torch.manual_seed(7)
        m = make(model, "forecast", horizon=2, head="direct", dropout=0.3)
        m.train()  # dropout draws from the seeded generator too
        outs.append(m(x))
    assert torch.equal(outs[0], outs[1])
    torch.manual_seed(8)
    other = make(model, "forecast", horizon=2, head="direct", dropout=0.3).train()(x)
    assert not torch.equal(outs[0], other)


@pytest.mark.parametrize("module", ["lstm", "grud", "heads"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"seqguard.models.{module}")
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
