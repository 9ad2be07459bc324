"""Per-window instance normalisation of the target (RevIN's idea): ``norm="revin"``.

For each input window the target's input channel is normalised by the window's own
mean and standard deviation, the model works in that space, and its forecast is
mapped back exactly (times the std, plus the mean) before the loss and the scores.
A level or a scale the training part never saw (a trend, a regime change) then
reaches the recurrent layers as the familiar 0-mean, unit-std shape.

Statistics
----------
Computed per window over the **observed** targets of its ``L`` input steps only:
``y_in`` (B, L), the scaled target of the window, NaN where missing (the batch's
``"y_in"``). The same rows give the statistics of the target's input column in ``x``
(scaled by the input scaler; it holds fills where the target is missing). Both
scalings are affine maps of the raw target, so on observed rows the normalised input
column equals the normalised target.

* A window with no observed target falls back to the global scaling (mean 0, std 1:
  no per-window normalisation).
* The std has a floor, ``FLOOR`` times the training std of the scaled target (and of
  its input column): a constant window normalises to 0 and its forecast is
  ``mean + floor · output``.

The residual head composes: its baseline (``last``, the last observed value or the
baselines' forecasts) is normalised with the same statistics, so an untrained model
still predicts exactly its baseline. GRU-D composes too: the normalised target value
decays toward ``x_mean`` = 0, which is now the window's observed mean.

``"revin:affine"`` adds RevIN's learnable affine map (``γ`` = 1, ``β`` = 0 at the
start, so the untrained model is unchanged): inputs ``x̃·γ + β``, outputs
``(out − β) / γ`` before the inversion.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import InputError, did_you_mean

__all__ = ["FLOOR", "NORMS", "WindowNorm", "parse_norm"]

#: Values of the ``norm`` option (``--norm``).
NORMS = ("none", "revin", "revin:affine")
#: Std floor, as a share of the training std (of the scaled target, of its input column).
FLOOR = 1e-2


def parse_norm(value: object) -> str:
    """The ``norm`` option checked: ``"none"``, ``"revin"`` or ``"revin:affine"``.

    ``None`` means ``"none"``.

    Raises
    ------
    InputError
        Any other value (with a suggestion).
    """
    if value is None:
        return "none"
    text = str(value).strip().lower() if isinstance(value, str) else value
    if text not in NORMS:
        raise InputError(f"The 'norm' option (--norm) must be one of {list(NORMS)}; got "
                         f"{value!r} instead." + did_you_mean(str(value), NORMS))
    return str(text)


class WindowNorm(nn.Module):
    """Normalise a window's target column by its own observed statistics, and invert.

    Parameters
    ----------
    target : int
        Column of the target in ``x`` (B, L, F).
    floor : (float, float)
        Std floors: of the target's input column, and of the scaled target.
    affine : bool
        Learnable ``γ``, ``β`` (RevIN).
    """

    def __init__(self, target: int, floor: tuple[float, float], affine: bool = False):
        super().__init__()
        self.target = int(target)
        self.floor_x, self.floor_y = (float(floor[0]), float(floor[1]))
        self.affine = bool(affine)
        if self.affine:
            self.gamma = nn.Parameter(torch.ones(1))
            self.beta = nn.Parameter(torch.zeros(1))

    @staticmethod
    def _moments(v: torch.Tensor, obs: torch.Tensor, floor: float
                 ) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, std) over the observed steps of each row of ``v`` (B, L); (0, 1) for a
        row with none observed, the std at least ``floor``."""
        n = obs.sum(dim=1)
        v = torch.where(obs, v, torch.zeros_like(v))
        denom = n.clamp(min=1).to(v.dtype)
        mean = v.sum(dim=1) / denom
        dev = torch.where(obs, v - mean[:, None], torch.zeros_like(v))
        std = torch.sqrt((dev * dev).sum(dim=1) / denom).clamp(min=floor)
        none = n == 0
        mean = torch.where(none, torch.zeros_like(mean), mean)
        std = torch.where(none, torch.ones_like(std), std)
        return mean, std

    def stats(self, x: torch.Tensor, y_in: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """(mean_x, std_x, mean_y, std_y), each (B,), of every window."""
        if y_in.shape != x.shape[:2]:
            raise InputError(f"y_in must have shape {tuple(x.shape[:2])} (the target over the "
                             f"input window), got {tuple(y_in.shape)}.")
        y = y_in.to(x.dtype)
        obs = torch.isfinite(y)
        mx, sx = self._moments(x[..., self.target], obs, self.floor_x)
        my, sy = self._moments(torch.nan_to_num(y), obs, self.floor_y)
        return mx, sx, my, sy

    def inputs(self, x: torch.Tensor, stats: tuple[torch.Tensor, ...]) -> torch.Tensor:
        """``x`` with the target column normalised (a new tensor)."""
        mx, sx = stats[0], stats[1]
        col = (x[..., self.target] - mx[:, None]) / sx[:, None]
        if self.affine:
            col = col * self.gamma + self.beta
        x = x.clone()
        x[..., self.target] = col
        return x

    def base(self, last: torch.Tensor, stats: tuple[torch.Tensor, ...]) -> torch.Tensor:
        """The residual head's baseline (B,) or (B, C, H) in the normalised space."""
        my, sy = stats[2], stats[3]
        shape = (-1,) + (1,) * (last.dim() - 1)
        out = (last - my.view(shape)) / sy.view(shape)
        return out * self.gamma + self.beta if self.affine else out

    def invert(self, pred: torch.Tensor, stats: tuple[torch.Tensor, ...]) -> torch.Tensor:
        """Map a forecast (B, H) in the normalised space back to scaled target units."""
        my, sy = stats[2], stats[3]
        if self.affine:
            pred = (pred - self.beta) / self.gamma
        return pred * sy[:, None] + my[:, None]
