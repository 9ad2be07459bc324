"""The sequence model: an LSTM, GRU or GRU-D encoder with a task head.

This module builds the layers and runs them; the encoder is in
:mod:`seqguard.models.recurrent` (and :mod:`seqguard.models.grud`), the heads in
:mod:`seqguard.models.heads`, and the checks of the options in
:mod:`seqguard.models.options`.

:class:`SequenceModel` is the one model class seqguard trains. Every constructor
argument is a plain JSON value, so :attr:`SequenceModel.config` goes into
``pipeline.json`` and :meth:`SequenceModel.from_config` rebuilds the same
architecture (the weights come from ``model.safetensors`` via ``load_state_dict``).

Encoders
--------
``lstm`` / ``gru``
    torch's fused ``nn.LSTM`` / ``nn.GRU`` (``batch_first=True``), no Python loop
    over time. Variable-length batches (``lengths``) are packed with
    ``pack_padded_sequence(..., enforce_sorted=False)``, so right padding is never
    read.
``grud``
    GRU-D (:mod:`seqguard.models.grud`), for inputs from the ``indicators``
    missing-data strategy; its first layer loops over time in Python.

Initialisation (good practice against vanishing and exploding gradients): input
weights Xavier-uniform and recurrent weights orthogonal, per gate; biases zero,
except the LSTM forget gate, whose bias starts at 1 so the cell state is carried
over by default early in training (Jozefowicz et al., 2015).

Tasks and outputs
-----------------
``forecast``: ``(B, horizon)`` in scaled target units, from the final state. The
default ``residual`` head predicts the change from ``last`` (the last observed
target value) with a zero-initialised output layer, so an untrained model
predicts exactly persistence. ``direct`` predicts the value itself.
``tag``: ``(B, L)``, one output per step, from the whole output sequence.
``classify``: ``(B,)`` logit for ``n_outputs=1`` (binary), else ``(B, n_outputs)``
logits, from the outputs pooled over the valid steps (``pool``: the last valid state,
their mean, or attention; :mod:`seqguard.models.pooling`).
Every task may take the ``n_static`` static covariates of each window's series
(``static``, one vector per series) and a learned series embedding
(``series_embedding``, looked up from the series code in ``static``'s last column);
both are concatenated to the vector (or, for tag, to every step) the head reads, or,
with ``series_at="steps"``, the embedding to every input step.

``bidirectional=True`` (``lstm`` / ``gru``) reads the window both ways; the summary
is the final forward state concatenated with the final backward state (the
backward direction's state after reading back to the first step). This is fine
for forecasting too: the whole input window is in the past.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from ..errors import InputError, did_you_mean
from .grud import GRUD
from .heads import DirectHead, ResidualHead, apply_activation
from .options import _ARGS, HEADS, MODELS, TASKS, resolve_options
from .pooling import Pool
from .recurrent import RecurrentEncoder
from .revin import WindowNorm

# HEADS, MODELS, TASKS (models/options.py) and RecurrentEncoder (models/recurrent.py)
# stay importable from here, where they were first defined.
__all__ = ["HEADS", "MODELS", "TASKS", "RecurrentEncoder", "SequenceModel"]


class SequenceModel(nn.Module):
    """Recurrent sequence model for forecast, tag and classify tasks.

    Parameters
    ----------
    n_features : int
        Input columns ``F`` per step.
    task : {"forecast", "tag", "classify"}
        What to predict (see the module docstring for the output shapes).
    horizon : int, optional
        Steps ahead to forecast (``forecast`` only; default 1).
    n_outputs : int, optional
        ``classify`` only: 1 (default) for one binary logit, ``C`` for ``C`` class
        logits.
    model : {"lstm", "gru", "grud"}
        Recurrent encoder.
    hidden : int
        Hidden size of each recurrent layer (and of the dense head layers).
    layers : int
        Recurrent layers.
    dropout : float
        Dropout in [0, 1) between recurrent layers (as ``nn.LSTM``'s ``dropout``) and
        after each dense head layer.
    bidirectional : bool
        Read the window both ways (``lstm`` / ``gru``).
    head : {"residual", "direct"}, optional
        ``forecast`` only (default ``"residual"``): predict the change from ``last``
        starting at exactly persistence, or the value itself.
    head_layers : int
        Dense ``Linear → ReLU → Dropout`` layers (width ``hidden``) before the output.
    activation : {"relu", "sigmoid", "tanh"}, optional
        Output activation for ``forecast`` / ``tag`` (default none: a linear output),
        applied to the final prediction (after adding ``last`` for the residual head,
        so with an activation an untrained model predicts ``activation(last)``).
        Predictions are in scaled target units; use
        :func:`~seqguard.models.check_activation` to see whether the scaled target
        fits the activation's range.
    grud_channels : dict, optional
        ``grud`` only (required): ``{"value": [...], "mask": [...], "since": [...],
        "since_transform": "log1p" | "none"}``, column indices into ``F`` (one entry
        per value column in each list, aligned), and optionally ``"x_mean"``.
        :func:`~seqguard.models.grud_channels_from_names` builds it from column names.
    init : {"torch", "orthogonal"}, optional
        Initialisation of the ``lstm`` / ``gru`` weights: torch's own, or Xavier input
        and orthogonal recurrent weights with forget-gate bias 1
        (:func:`init_recurrent_`). Default: ``"torch"`` for ``forecast`` (on Beijing
        PM2.5 it overfits later and scores better, docs/training.md), ``"orthogonal"``
        otherwise.
    baselines : int
        Residual forecast head only: the baseline channels ``C`` that ``last`` carries
        after the baseline itself (``last`` of shape ``(B, 1 + C, horizon)``; see
        :mod:`seqguard.residual_base`). 0 (default): ``last`` is ``(B,)`` (or
        ``(B, 1, horizon)``).
    ar_steps, ar_index : int
        Residual forecast head only: a linear autoregressive term (LSTNet's
        "highway") adds ``Linear(x[:, -ar_steps:, ar_index])`` (weights and bias
        starting at zero) to the correction, so a correction that is a linear
        function of the recent target (a trend, a drift between seasons) is learnt
        directly instead of through the recurrent layers. ``ar_index`` is the target's
        column in ``x``. 0 (default): no such term.
    norm : {"none", "revin", "revin:affine"}, optional
        ``forecast`` only: normalise the target's input column by each window's own
        observed mean and std and invert the forecast exactly
        (:mod:`seqguard.models.revin`); ``forward`` then needs ``y_in``. Default none.
    norm_target : int, optional
        With ``norm``: the column of the target in the inputs (required).
    norm_floor : [float, float], optional
        With ``norm``: the std floors of that column and of the scaled target
        (default ``[0.01, 0.01]``).
    pool : {"last", "mean", "max", "attention"}, optional
        ``classify`` only: how the steps become one vector (default ``"last"``).
    n_static : int
        Static covariates of each window's series (``static``'s first columns),
        concatenated to the encoder's summary (forecast, classify) or to every step of
        its output (tag) before the head. 0 (default): none.
    n_series, series_embedding : int
        A learned embedding of the series: ``n_series`` rows (the training series) of
        ``series_embedding`` numbers, looked up from the series code in ``static``'s
        last column. 0 (default): none. A code outside ``0 .. n_series - 1`` (a series
        not seen in training) gets the mean of the rows.
    series_at : {"head", "steps"}, optional
        With ``series_embedding``: concatenate the embedding to the head's input (with
        the static covariates; default) or to every step's inputs.

    Raises
    ------
    InputError
        An option is unknown, out of range, or does not apply to the task.

    Examples
    --------
    >>> import torch
    >>> m = SequenceModel(n_features=3, task="forecast", horizon=4, hidden=8)
    >>> x, last = torch.zeros(2, 10, 3), torch.tensor([1.0, -2.0])
    >>> m(x, last)
    tensor([[ 1.,  1.,  1.,  1.],
            [-2., -2., -2., -2.]], grad_fn=<AddBackward0>)
    >>> SequenceModel.from_config(m.config).config == m.config
    True
    """

    def __init__(
        self,
        n_features: int,
        task: str,
        horizon: int | None = None,
        n_outputs: int | None = None,
        model: str = "lstm",
        hidden: int = 64,
        layers: int = 2,
        dropout: float = 0.0,
        bidirectional: bool = False,
        head: str | None = None,
        head_layers: int = 0,
        activation: str | None = None,
        grud_channels: Mapping[str, Any] | None = None,
        init: str | None = None,
        baselines: int = 0,
        ar_steps: int = 0,
        ar_index: int | None = None,
        norm: str | None = None,
        norm_target: int | None = None,
        norm_floor: Any = None,
        pool: str | None = None,
        n_static: int = 0,
        n_series: int = 0,
        series_embedding: int = 0,
        series_at: str | None = None,
    ):
        super().__init__()
        o = resolve_options(
            n_features, task, horizon, n_outputs, model, hidden, layers, dropout,
            bidirectional, head, head_layers, activation, grud_channels, init, baselines,
            ar_steps, ar_index, norm, norm_target, norm_floor, pool, n_static, n_series,
            series_embedding, series_at)
        self._config = o.config()
        self.norm: WindowNorm | None = None
        if o.norm != "none":
            assert o.norm_target is not None and o.norm_floor is not None
            self.norm = WindowNorm(o.norm_target, (o.norm_floor[0], o.norm_floor[1]),
                                   affine=o.norm == "revin:affine")
        self.pool_kind, self.n_static = o.pool, o.n_static
        self.series_at = o.series_at
        self.series: nn.Embedding | None = None
        if o.series_embedding:
            self.series = nn.Embedding(o.n_series, o.series_embedding)
        emb_steps = o.series_embedding if o.series_at == "steps" else 0
        emb_head = o.series_embedding if o.series_at == "head" else 0
        self.baselines = o.baselines
        self.ar_steps, self.ar_index = o.ar_steps, o.ar_index
        self.n_features, self.task, self.horizon = o.n_features, o.task, o.horizon
        self.n_outputs, self.activation, self.head_kind = o.n_outputs, o.activation, o.head

        self.encoder: nn.Module
        if o.model == "grud":
            assert o.grud_channels is not None
            self.encoder = GRUD(o.n_features, o.grud_channels, o.hidden, o.layers, o.dropout)
        else:
            self.encoder = RecurrentEncoder(o.model, o.n_features + emb_steps, o.hidden,
                                            o.layers, o.dropout, o.bidirectional, o.init)
        in_dim = self.encoder.out_dim
        self.pool: nn.Module | None = None
        if o.task == "classify" and o.pool != "last":
            self.pool = Pool(str(o.pool), in_dim)
        in_dim += o.n_static + emb_head
        n_out = {"forecast": o.horizon, "tag": 1, "classify": o.n_outputs}[o.task]
        assert n_out is not None
        self.head: nn.Module
        if o.head == "residual":
            self.head = ResidualHead(in_dim, n_out, o.hidden, o.head_layers, o.dropout,
                                     o.baselines)
        else:
            self.head = DirectHead(in_dim, n_out, o.hidden, o.head_layers, o.dropout)
        self.ar: nn.Linear | None = None
        if o.ar_steps:
            self.ar = nn.Linear(o.ar_steps, n_out)
            nn.init.zeros_(self.ar.weight)
            nn.init.zeros_(self.ar.bias)

    @property
    def static_width(self) -> int:
        """Columns ``forward`` expects in ``static``: the static covariates, then one
        holding the series code when the model has a series embedding (0: none)."""
        return self.n_static + (1 if self.series is not None else 0)

    def _series_inputs(self, x: torch.Tensor, static: torch.Tensor | None
                       ) -> torch.Tensor | None:
        """The per-series vector of each window: its static covariates and its series
        embedding, ``(B, n_static + series_embedding)`` (``None``: the model has
        neither). A series code outside ``0 .. n_series - 1`` (a series not seen in
        training) gets the mean of the embeddings."""
        width = self.static_width
        if not width:
            return None
        if static is None and not self.n_static and self.series is not None:
            # no series given (a probe, a bare call): the mean embedding, as for a new series
            static = x.new_full((x.shape[0], 1), -1.0)
        if static is None or static.shape != (x.shape[0], width):
            got = None if static is None else tuple(static.shape)
            what = " and the series code" if self.series is not None else ""
            raise InputError(f"The model expects static covariates{what} of shape "
                             f"({x.shape[0]}, {width}) (batch['static']), got {got}.")
        parts = [static[:, :self.n_static]] if self.n_static else []
        if self.series is not None:
            weight = self.series.weight
            code = static[:, self.n_static].round().long()
            known = (code >= 0) & (code < weight.shape[0])
            emb = self.series(torch.where(known, code, torch.zeros_like(code)))
            emb = torch.where(known[:, None], emb, weight.mean(dim=0).expand_as(emb))
            parts.append(emb.to(static.dtype))
        return torch.cat(parts, dim=-1) if len(parts) > 1 else parts[0]

    @property
    def needs_y_in(self) -> bool:
        """True with ``norm``: ``forward`` reads ``y_in``, the target over the window."""
        return self.norm is not None

    @property
    def config(self) -> dict[str, Any]:
        """The constructor arguments (resolved, plain JSON values): a copy."""
        return copy.deepcopy(self._config)

    def describe(self) -> str:
        """One line saying what the model is, e.g. for logs and the report."""
        c = self._config
        enc = ("bi" if c["bidirectional"] else "") + c["model"].upper()
        what = {"forecast": f"forecast {c['horizon']} step(s), {c['head']} head",
                "tag": "tag every step", "classify": f"classify, {c['n_outputs']} logit(s)"}
        n_params = sum(p.numel() for p in self.parameters())
        return (f"{enc} {c['layers']}x{c['hidden']} on {c['n_features']} input(s), "
                f"{what[c['task']]}; {n_params:,} parameters")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SequenceModel:
        """Rebuild a model (fresh weights) from :attr:`config`.

        Raises
        ------
        InputError
            An unknown key (with a suggestion), or a missing ``n_features`` / ``task``.
        """
        if not isinstance(config, Mapping):
            raise InputError(f"A model config must be a dict, got {type(config).__name__}.")
        for key in config:
            if key not in _ARGS:
                raise InputError(f"Unknown model option {key!r} in the config; expected "
                                 f"some of {list(_ARGS)}." + did_you_mean(str(key), _ARGS))
        for key in ("n_features", "task"):
            if key not in config:
                raise InputError(f"The model config needs {key!r}.")
        return cls(**dict(config))

    def forward(self, x: torch.Tensor, last: torch.Tensor | None = None,
                lengths: torch.Tensor | None = None,
                y_in: torch.Tensor | None = None,
                static: torch.Tensor | None = None) -> torch.Tensor:
        """Predict from a batch.

        Parameters
        ----------
        x : Tensor (B, L, F) float32
            Finite inputs.
        last : Tensor (B,) or (B, 1 + baselines, horizon), optional
            Last observed target value in scaled units, or the baselines' forecasts
            (:mod:`seqguard.residual_base`); required by the residual head.
        lengths : Tensor (B,) int64, optional
            Valid steps of each right-padded sequence (1..L); any task accepts it.
        y_in : Tensor (B, L) float32, optional
            The scaled target over the input window, NaN where missing (the batch's
            ``"y_in"``); required with ``norm``, ignored otherwise.
        static : Tensor (B, n_static [+ 1]) float32, optional
            Required with ``n_static > 0`` or a series embedding (:attr:`static_width`
            columns): the static covariates of each window's series, then, with a
            series embedding, its series code (an integer held as a float; a code
            outside ``0 .. n_series - 1`` gets the mean embedding).

        Returns
        -------
        Tensor
            forecast ``(B, horizon)``; tag ``(B, L)``; classify ``(B,)`` or ``(B, C)``.
        """
        if x.dim() != 3 or x.shape[-1] != self.n_features:
            raise InputError(f"The model expects inputs of shape (batch, steps, "
                             f"{self.n_features}), got {tuple(x.shape)}.")
        if lengths is not None:
            if lengths.shape != (x.shape[0],):
                raise InputError(f"lengths must have shape ({x.shape[0]},), one per sequence, "
                                 f"got {tuple(lengths.shape)}.")
            lo, hi = int(lengths.min()), int(lengths.max())
            if lo < 1 or hi > x.shape[1]:
                raise InputError(f"lengths must be between 1 and {x.shape[1]} (the padded "
                                 f"length), got values from {lo} to {hi}.")
        stats = None
        norm = self.norm
        if norm is not None:
            if y_in is None:
                raise InputError("A model with norm='revin' needs `y_in`, the scaled target "
                                 "over each input window (batch['y_in']).")
            stats = norm.stats(x, y_in)
            x = norm.inputs(x, stats)
        extra = self._series_inputs(x, static)
        if self.series_at == "steps" and extra is not None:  # the embedding at every step
            emb = extra[:, self.n_static:]
            x = torch.cat([x, emb.to(x.dtype)[:, None, :].expand(-1, x.shape[1], -1)], -1)
            extra = extra[:, :self.n_static] if self.n_static else None
        need = self.task == "tag" or self.pool is not None
        seq, summary = self.encoder(x, lengths, need_sequence=need)
        if self.task == "tag":
            assert seq is not None
            if extra is not None:
                seq = torch.cat([seq, extra.to(seq.dtype)[:, None, :].expand(
                    -1, seq.shape[1], -1)], dim=-1)
            return apply_activation(self.head(seq).squeeze(-1), self.activation)
        if self.task == "classify" and self.pool is not None:
            summary = self.pool(seq, summary, lengths)
        if extra is not None:
            summary = torch.cat([summary, extra.to(summary.dtype)], dim=-1)
        if self.task == "classify":
            out = self.head(summary)
            return out.squeeze(-1) if self.n_outputs == 1 else out
        if self.head_kind == "residual":
            if last is None:
                raise InputError("The residual forecast head needs `last`, the last observed "
                                 "target value of each window (batch['last']).")
            B, C, H = x.shape[0], 1 + self.baselines, self.horizon
            if last.shape != (B,) and last.shape != (B, C, H):
                raise InputError(f"last must have shape ({B},) or ({B}, {C}, {H}) (the "
                                 f"baselines' forecasts), got {tuple(last.shape)}.")
            last = last.to(summary.dtype)
            pred = self.head(summary, last if norm is None or stats is None
                             else norm.base(last, stats))
            if self.ar is not None:  # on the inputs the encoder saw (normalised with norm)
                k = min(self.ar_steps, x.shape[1])
                recent = x[:, -k:, self.ar_index]
                if k < self.ar_steps:  # a shorter window (predict on short history)
                    recent = torch.cat([recent.new_zeros(B, self.ar_steps - k), recent], 1)
                pred = pred + self.ar(recent.to(pred.dtype))
        else:
            pred = self.head(summary)
        if norm is not None and stats is not None:
            pred = norm.invert(pred, stats)
        return apply_activation(pred, self.activation)
