"""GRU-D: a GRU that knows which values were missing and for how long.

Che et al. (2018), *Recurrent Neural Networks for Multivariate Time Series with
Missing Values*, Scientific Reports 8:6085. For each value column ``d`` with an
observed mask ``m`` and a time since its previous observation ``δ``:

* input decay: ``x̂ = m·x + (1 − m)·(γx·x_last + (1 − γx)·x_mean)`` with
  ``γx = exp(−relu(wγx·δ + bγx))`` (one weight per column: diagonal);
* hidden decay: ``h ← γh ⊙ h`` with ``γh = exp(−relu(Wγh·δ + bγh))`` (full);
* then a GRU cell on ``[x̂, extra, m]`` (``extra``: the columns that have no
  channels, passed through unchanged).

What the inputs hold (seqguard's ``indicators`` missing-data strategy)
----------------------------------------------------------------------
``value`` column
    The past-only filled value: where ``m = 0`` it already *is* the last observed
    value ``x_last`` (forward fill), so ``x̂`` needs no separate state.
``mask`` column (``<col>__observed``)
    1.0 where observed, 0.0 where missing.
``since`` column (``<col>__since``)
    Steps since the column was last observed at or before ``t`` (0 where observed),
    ``log1p``-scaled when ``since_transform="log1p"`` (undone here with ``expm1``).
    GRU-D's ``δ_t`` counts from the observation *before* ``t``: ``δ_t = steps_{t−1} + 1``
    for ``t ≥ 1``. At the first step of a window ``steps_{−1}`` is not in the window;
    ``δ_0 = steps_0`` is used, which is exact wherever ``δ_0`` matters (a missing
    value's input decay; the hidden decay at ``t = 0`` acts on a zero state).
``x_mean``
    The training mean of each value column: 0 after standard scaling, which is the
    default; pass ``x_mean`` in the channel dict otherwise. It is a buffer, saved
    with the weights.

Cost
----
The decays depend on the inputs only, so ``x̂``, ``γh`` and the GRU cell's input
projection are computed for the whole window at once. The recurrence itself
(``γh ⊙ h``, then the cell) cannot use torch's fused kernels and runs as a Python
loop over time: ``L`` small matrix products and a few element-wise kernels per
step, forward and backward. On one CPU thread a 2-layer GRU-D(64) took 0.37 s per
forward+backward of a (256, 48, 12) batch against 0.23 s for the fused ``gru``;
on a GPU, where the fused kernel runs the whole sequence in one call, expect a much
larger gap (per-step kernel launches; not measured). ``layers > 1`` stacks a fused
``nn.GRU`` on top of the GRU-D layer, so only the first layer pays this price.
GRU-D runs forward in time only (its decays count from past observations), so it
is never bidirectional.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from ..errors import InputError, did_you_mean

__all__ = ["GRUD", "SINCE_TRANSFORMS", "check_grud_channels", "grud_channels_from_names"]

SINCE_TRANSFORMS = ("log1p", "none")
_CHANNEL_KEYS = ("value", "mask", "since", "since_transform", "x_mean")
_NEEDS_INDICATORS = (
    "The grud model needs the 'indicators' missing-data strategy (--missing indicators), "
    "which adds '<col>__observed' and '<col>__since' channels for each input column with "
    "missing values in the training part; use --model gru otherwise."
)


def grud_channels_from_names(
    feature_names: Sequence[str], since_transform: str = "log1p"
) -> dict[str, Any]:
    """Build ``grud_channels`` from input column names.

    A column ``c`` becomes a GRU-D value column when ``c``, ``c__observed`` and
    ``c__since`` are all inputs; every other column is passed as a plain input.

    Parameters
    ----------
    feature_names : sequence of str
        The model's input columns, in order (``MissingStrategy.get_feature_names_out()``
        after any other features).
    since_transform : {"log1p", "none"}
        How the ``__since`` channels are scaled (``MissingStrategy.since_transform_``).

    Returns
    -------
    dict
        ``{"value": [...], "mask": [...], "since": [...], "since_transform": ...}``.

    Raises
    ------
    InputError
        No column has both channels.

    Examples
    --------
    >>> grud_channels_from_names(["a", "b", "a__observed", "a__since"])
    {'value': [0], 'mask': [2], 'since': [3], 'since_transform': 'log1p'}
    """
    from ..missing import OBSERVED_SUFFIX, SINCE_SUFFIX

    names = [str(n) for n in feature_names]
    index = {n: i for i, n in enumerate(names)}
    value, mask, since = [], [], []
    for i, name in enumerate(names):
        obs, snc = name + OBSERVED_SUFFIX, name + SINCE_SUFFIX
        if obs in index and snc in index:
            value.append(i)
            mask.append(index[obs])
            since.append(index[snc])
    if not value:
        only_mask = [n for n in names if n.endswith(OBSERVED_SUFFIX)]
        found = (
            f" The inputs have observed-mask channels ({only_mask[0]!r}, ...) but no "
            "'__since' channels, as the 'mask' strategy writes."
            if only_mask else " No input has these channels."
        )
        raise InputError(_NEEDS_INDICATORS + found)
    return {"value": value, "mask": mask, "since": since, "since_transform": since_transform}


def _index_list(key: str, raw: Any, n_features: int) -> list[int]:
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence):
        raise InputError(
            f"grud_channels[{key!r}] must be a list of column indices, got {raw!r}."
        )
    out = []
    for v in raw:
        if isinstance(v, bool) or not hasattr(v, "__index__"):
            raise InputError(f"grud_channels[{key!r}] must hold integer column indices, got {v!r}.")
        i = int(v.__index__())
        if not 0 <= i < n_features:
            raise InputError(
                f"grud_channels[{key!r}] holds column {i}, outside 0..{n_features - 1} "
                f"(n_features={n_features})."
            )
        out.append(i)
    return out


def check_grud_channels(channels: Any, n_features: int) -> dict[str, Any]:
    """Validate a ``grud_channels`` dict; return it with plain ints, floats and strings.

    Raises
    ------
    InputError
        Missing or unknown keys, lists of different lengths, indices out of range or
        used twice, an unknown ``since_transform``, an ``x_mean`` of the wrong length.
    """
    if channels is None:
        raise InputError(
            "model='grud' needs grud_channels (the value, mask and since column indices). "
            + _NEEDS_INDICATORS
        )
    if not isinstance(channels, Mapping):
        raise InputError(
            f"grud_channels must be a dict with lists 'value', 'mask' and 'since', got "
            f"{type(channels).__name__}."
        )
    for key in channels:
        if key not in _CHANNEL_KEYS:
            raise InputError(
                f"grud_channels has an unknown key {key!r}; expected {list(_CHANNEL_KEYS)}."
                + did_you_mean(str(key), _CHANNEL_KEYS)
            )
    for key in ("value", "mask", "since"):
        if key not in channels:
            raise InputError(f"grud_channels needs the key {key!r} (a list of column indices).")
    lists = {k: _index_list(k, channels[k], n_features) for k in ("value", "mask", "since")}
    n = len(lists["value"])
    if n == 0:
        raise InputError("grud_channels['value'] is empty. " + _NEEDS_INDICATORS)
    if len(lists["mask"]) != n or len(lists["since"]) != n:
        raise InputError(
            "grud_channels 'value', 'mask' and 'since' must have one entry per value column "
            f"(aligned); got {n}, {len(lists['mask'])} and {len(lists['since'])} entries."
        )
    used = lists["value"] + lists["mask"] + lists["since"]
    dup = sorted({i for i in used if used.count(i) > 1})
    if dup:
        raise InputError(f"grud_channels uses column(s) {dup} more than once; each column "
                         "has one role (value, mask or since).")
    transform = channels.get("since_transform", "log1p")
    if transform not in SINCE_TRANSFORMS:
        raise InputError(
            f"grud_channels['since_transform'] must be one of {list(SINCE_TRANSFORMS)}, got "
            f"{transform!r}." + did_you_mean(str(transform), SINCE_TRANSFORMS)
        )
    out: dict[str, Any] = {**lists, "since_transform": str(transform)}
    if channels.get("x_mean") is not None:
        x_mean = [float(v) for v in channels["x_mean"]]
        if len(x_mean) != n:
            raise InputError(f"grud_channels['x_mean'] has {len(x_mean)} entries; expected one "
                             f"per value column ({n}).")
        out["x_mean"] = x_mean
    return out


class GRUD(nn.Module):
    """GRU-D encoder: one GRU-D layer, then ``layers − 1`` fused ``nn.GRU`` layers.

    Parameters
    ----------
    n_features : int
        Input columns ``F``.
    channels : dict
        Validated ``grud_channels`` (see :func:`check_grud_channels`).
    hidden : int
        Hidden size of every layer.
    layers : int
        Recurrent layers in all (the first is GRU-D).
    dropout : float
        Dropout between recurrent layers.

    Notes
    -----
    Weights: input projections Xavier-uniform, recurrent weights orthogonal (per
    gate), biases zero; the decay parameters use ``nn.Linear``'s default
    initialisation.
    """

    out_dim: int
    value_idx: torch.Tensor
    mask_idx: torch.Tensor
    since_idx: torch.Tensor
    extra_idx: torch.Tensor
    x_mean: torch.Tensor

    def __init__(self, n_features: int, channels: Mapping[str, Any], hidden: int,
                 layers: int, dropout: float):
        super().__init__()
        value, mask, since = channels["value"], channels["mask"], channels["since"]
        roles = set(value) | set(mask) | set(since)
        extra = [i for i in range(n_features) if i not in roles]
        self.log1p = channels.get("since_transform", "log1p") == "log1p"
        self.register_buffer("value_idx", torch.tensor(value, dtype=torch.long), persistent=False)
        self.register_buffer("mask_idx", torch.tensor(mask, dtype=torch.long), persistent=False)
        self.register_buffer("since_idx", torch.tensor(since, dtype=torch.long), persistent=False)
        self.register_buffer("extra_idx", torch.tensor(extra, dtype=torch.long), persistent=False)
        d = len(value)
        x_mean = channels.get("x_mean")
        self.register_buffer(
            "x_mean", torch.tensor(x_mean, dtype=torch.float32) if x_mean is not None
            else torch.zeros(d)
        )
        bound = 1.0 / d ** 0.5
        self.gamma_x_weight = nn.Parameter(torch.empty(d).uniform_(-bound, bound))
        self.gamma_x_bias = nn.Parameter(torch.empty(d).uniform_(-bound, bound))
        self.gamma_h = nn.Linear(d, hidden)
        n_in = d + len(extra) + d
        self.hidden = hidden
        self.weight_ih = nn.Parameter(torch.empty(3 * hidden, n_in))
        self.weight_hh = nn.Parameter(torch.empty(3 * hidden, hidden))
        self.bias_ih = nn.Parameter(torch.zeros(3 * hidden))
        self.bias_hh = nn.Parameter(torch.zeros(3 * hidden))
        for k in range(3):
            rows = slice(k * hidden, (k + 1) * hidden)
            nn.init.xavier_uniform_(self.weight_ih.data[rows])
            nn.init.orthogonal_(self.weight_hh.data[rows])
        self.drop = nn.Dropout(dropout) if (dropout > 0 and layers > 1) else nn.Identity()
        self.upper: nn.GRU | None = None
        if layers > 1:
            self.upper = nn.GRU(hidden, hidden, layers - 1, batch_first=True,
                                dropout=dropout if layers > 2 else 0.0)
        self.out_dim = hidden

    def deltas(self, x: torch.Tensor) -> torch.Tensor:
        """GRU-D's ``δ`` (B, L, D) from the ``since`` channels, in steps."""
        s = x.index_select(-1, self.since_idx)
        steps = torch.expm1(s) if self.log1p else s
        steps = steps.clamp(min=0.0)
        return torch.cat([steps[:, :1], steps[:, :-1] + 1.0], dim=1)

    def input_decay(self, xv: torch.Tensor, m: torch.Tensor, delta: torch.Tensor) -> torch.Tensor:
        """``x̂ = m·x + (1 − m)·(γx·x_last + (1 − γx)·x_mean)`` (all ``(B, L, D)``).

        ``xv`` is the filled value column, which holds ``x`` where observed and
        ``x_last`` where missing.
        """
        gamma_x = torch.exp(-torch.relu(self.gamma_x_weight * delta + self.gamma_x_bias))
        return m * xv + (1.0 - m) * (gamma_x * xv + (1.0 - gamma_x) * self.x_mean)

    def decay_inputs(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Input decay for a batch ``(B, L, F)``: returns ``(x̂, m, δ)``, each ``(B, L, D)``."""
        xv = x.index_select(-1, self.value_idx)
        m = x.index_select(-1, self.mask_idx)
        delta = self.deltas(x)
        return self.input_decay(xv, m, delta), m, delta

    def _recur(self, gi: torch.Tensor, gamma_h: torch.Tensor) -> torch.Tensor:
        """The GRU-D recurrence; ``gi`` is the precomputed input projection (B, L, 3H)."""
        b, length, _ = gi.shape
        h = gi.new_zeros(b, self.hidden)
        w_hh_t = self.weight_hh.t()
        outs = []
        for t in range(length):
            h = gamma_h[:, t] * h
            gh = torch.addmm(self.bias_hh, h, w_hh_t)
            i_r, i_z, i_n = gi[:, t].chunk(3, dim=1)
            h_r, h_z, h_n = gh.chunk(3, dim=1)
            r = torch.sigmoid(i_r + h_r)
            z = torch.sigmoid(i_z + h_z)
            n = torch.tanh(i_n + r * h_n)
            h = n + z * (h - n)
            outs.append(h)
        return torch.stack(outs, dim=1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None,
                need_sequence: bool = False) -> tuple[torch.Tensor | None, torch.Tensor]:
        """Encode ``x`` (B, L, F).

        Returns the output sequence (B, L, H) when ``need_sequence`` (else ``None``) and
        the last valid output (B, H). With ``lengths`` the padding (zeroed here) comes
        after every valid step, so it cannot change them: GRU-D and the stacked GRU run
        forward in time only.
        """
        if lengths is not None:
            steps = torch.arange(x.shape[1], device=x.device)
            valid = steps[None, :] < lengths.to(x.device)[:, None]
            x = torch.where(valid[..., None], x, torch.zeros((), dtype=x.dtype, device=x.device))
        x_hat, m, delta = self.decay_inputs(x)
        gamma_h = torch.exp(-torch.relu(self.gamma_h(delta)))
        inp = torch.cat([x_hat, x.index_select(-1, self.extra_idx), m], dim=-1)
        gi = torch.nn.functional.linear(inp, self.weight_ih, self.bias_ih)
        out = self._recur(gi, gamma_h)
        if self.upper is not None:
            out, _ = self.upper(self.drop(out))
        if lengths is None:
            last = out[:, -1]
        else:
            idx = (lengths.to(out.device) - 1).view(-1, 1, 1).expand(-1, 1, out.shape[-1])
            last = out.gather(1, idx).squeeze(1)
        return (out if need_sequence else None), last
