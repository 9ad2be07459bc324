"""The baseline the residual forecast head starts from, and the baseline channels.

``--head residual:BASE`` (``head="residual:BASE"``) makes the forecast head predict a
correction to a baseline forecast instead of the value itself:

``persistence``
    the last observed target value, repeated over the horizon;
``seasonal``
    seasonal naive: for output step ``h`` of a window whose last input row is ``e``,
    the target one season earlier, ``y[e + h - k·season]`` with the smallest
    ``k >= 1`` that puts it at or before ``e`` (past-only; a missing value, or one
    before the series start, falls back to persistence), exactly as
    :func:`seqguard.baselines.seasonal_naive` scores it;
``climatology``
    the training-period mean of the target at the season position of each target
    row (:class:`seqguard.baselines.Climatology`; the time stamp of a target row is
    known in advance, its value is never read);
``auto`` (the default, plain ``residual``)
    the one of these with the lowest MAE (in the target's units, over observed
    targets) on the validation windows, or on the training windows when there is no
    validation part. No training is needed: the baselines are computed directly.
    Ties go to the earlier in the order above.

The output layer of the head starts at zero, so an **untrained model predicts exactly
its baseline**; training keeps the best state including that start.

Besides the baseline it starts from, the head sees every available baseline's
forecast for each output step (the *baseline channels*: persistence, seasonal naive
and climatology, as differences from the chosen baseline), so it can learn a
correction that leans on the value one season earlier or on the season's mean.
They reach the model through the batch's ``"last"`` entry, shape
``(B, 1 + C, H)``: channel 0 the chosen baseline, then the ``C`` channels of
:attr:`ResidualBase.channels` (persistence always first), all in scaled target
units. Without a season (season 1: numeric time, yearly data) there is nothing but
persistence, and ``"last"`` stays the ``(B,)`` last observed value of earlier
versions.

The choice is saved in the fitted pipeline (``residual_base_`` in pipeline.json), so
``evaluate``, ``predict`` and ``predict(future=True)`` on a loaded run use it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import InputError, did_you_mean

__all__ = ["HEADS", "RESIDUAL_BASES", "BaselineInputs", "choose_base", "parse_head"]

#: Baselines the residual head can start from, in the order ties are broken.
RESIDUAL_BASES = ("persistence", "seasonal", "climatology")
#: Every ``--head`` spelling.
HEADS = ("residual", "residual:auto", *(f"residual:{b}" for b in RESIDUAL_BASES), "direct")
#: Feed the baseline channels to the head: ``True`` always, ``False`` never,
#: ``"seasonal"`` only when the head starts from seasonal naive or climatology (with
#: persistence they cost Beijing PM2.5; docs/seasonal.md). Benchmarks switch it.
USE_CHANNELS: bool | str = "seasonal"


def parse_head(head: Any) -> tuple[str, str | None]:
    """``("residual", base)`` with base ``auto``/``persistence``/..., or ``("direct", None)``.

    Examples
    --------
    >>> parse_head("residual"), parse_head("residual:auto"), parse_head("direct")
    (('residual', 'auto'), ('residual', 'auto'), ('direct', None))
    """
    text = str(head).strip().lower()
    kind, _, base = text.partition(":")
    if kind == "direct" and not base:
        return "direct", None
    # plain "residual" is residual:auto (docs/seasonal.md has the panel's evidence)
    if kind == "residual" and (base or "auto") in ("auto", *RESIDUAL_BASES):
        return "residual", base or "auto"
    raise InputError(f"The --head option must be one of {', '.join(HEADS)}. Got {head!r} "
                     f"instead.{did_you_mean(text, HEADS)}")


def available_bases(season: int, climatology: Any) -> list[str]:
    """The baselines that exist for a season and a fitted climatology (or ``None``)."""
    names = ["persistence"]
    if season > 1:
        names.append("seasonal")
        if climatology is not None and getattr(climatology, "kind_", "none") != "none":
            names.append("climatology")
    return names


class BaselineInputs:
    """The baselines' forecasts for windows of one prepared table, in scaled units.

    Parameters
    ----------
    base : str
        The baseline the head starts from (channel 0).
    channels : list of str
        The baseline channels after it (persistence first).
    season : int
    y : float32 (n_rows,)
        Scaled target, NaN where missing.
    last_obs : float32 (n_rows,)
        :func:`seqguard.windows.last_observed` of ``y``.
    bounds : int64 series offsets.
    clim_rows : float32 (n_rows,) or None
        The climatology forecast of every row, scaled like the target.
    """

    def __init__(self, base: str, channels: list[str], season: int, y: np.ndarray,
                 last_obs: np.ndarray, bounds: np.ndarray,
                 clim_rows: np.ndarray | None) -> None:
        self.base, self.channels, self.season = base, list(channels), int(season)
        self.y = np.asarray(y, dtype=np.float64)
        self.last_obs, self.bounds, self.clim_rows = last_obs, bounds, clim_rows

    @property
    def n_channels(self) -> int:
        """``1 + len(channels)``: the size of the middle axis of :meth:`__call__`."""
        return 1 + len(self.channels)

    def forecasts(self, ends: np.ndarray, horizon: int,
                  names: list[str] | None = None) -> dict[str, np.ndarray]:
        """Each baseline's forecast ``(n, horizon)`` float64 for windows ending at
        ``ends``: those of ``names`` (default: the base and the channels) and
        persistence."""
        from .baselines import seasonal_naive

        e = np.asarray(ends, dtype=np.int64)
        H = int(horizon)
        last = self.last_obs[e].astype(np.float64)
        out = {"persistence": np.repeat(last[:, None], H, axis=1)}
        wanted = set(self.channels) | {self.base} if names is None else set(names)
        rows = e[:, None] + np.arange(1, H + 1)
        if "seasonal" in wanted:
            starts = self.bounds[np.searchsorted(self.bounds, e, side="right") - 1]
            out["seasonal"] = seasonal_naive(self.y, rows, starts, self.season, last=last) \
                if len(e) else np.empty((0, H))
        if "climatology" in wanted:
            assert self.clim_rows is not None
            out["climatology"] = self.clim_rows[rows].astype(np.float64)
        return out

    def __call__(self, ends: np.ndarray, horizon: int) -> np.ndarray:
        """``(n, 1 + C, horizon)`` float32: the chosen baseline, then the channels."""
        f = self.forecasts(ends, horizon)
        return np.ascontiguousarray(
            np.stack([f[self.base]] + [f[c] for c in self.channels], axis=1),
            dtype=np.float32)


def choose_base(inputs: BaselineInputs, ds: Any, y_raw: np.ndarray, target_scaler: Any,
                groups: np.ndarray, candidates: list[str]) -> tuple[str, dict[str, float]]:
    """The candidate with the lowest MAE on the windows of ``ds`` (original units).

    Returns the chosen name and every candidate's MAE (NaN where no target is
    observed). A candidate wins only when strictly better than every earlier one.
    """
    L, H = int(ds.input_len), int(ds.horizon)
    ends = ds.starts + (L - 1)
    rows = ds.target_rows()
    truth = y_raw[rows]
    mask = ~np.isnan(truth)
    g = groups[rows[:, 0]] if len(rows) else np.empty(0, dtype=np.int64)
    f = inputs.forecasts(ends, H, candidates)
    maes: dict[str, float] = {}
    for name in candidates:
        pred = target_scaler.inverse_transform(f[name], groups=g).reshape(truth.shape)
        maes[name] = float(np.abs(pred - truth)[mask].mean()) if mask.any() else float("nan")
    best = candidates[0]
    for name in candidates[1:]:
        if np.isfinite(maes[name]) and not maes[name] >= maes[best]:
            best = name
    return best, maes
