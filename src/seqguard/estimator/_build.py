"""How an estimator's parameters become a model: the ``"auto"`` choices resolved
(encoder, dropout, the residual head's AR term, pooling, static covariates) and the
:class:`~seqguard.models.SequenceModel` built from the prepared data. A mixin of
:class:`~seqguard.estimator.base._SequenceEstimator`."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from ..splits import TRAIN

if TYPE_CHECKING:
    from ..models import SequenceModel
    from ..pipeline import Prepared


class _ModelBuilding:
    """The model an estimator's parameters describe."""

    if TYPE_CHECKING:  # the estimator's parameters and learned state
        def __getattr__(self, name: str) -> Any: ...

    def _static_spec(self) -> Any:
        """The pipeline's ``static``: ``"auto"`` is ``AUTO_STATIC`` for ``classify`` and
        none for the other tasks (anything else is an error there, raised by the
        pipeline)."""
        s = self.static
        if isinstance(s, str) and s.strip().lower() == "auto":
            return getattr(self, "AUTO_STATIC", None) if self.task == "classify" else None
        return s

    def _build_model(self, prep: Prepared, *, meta: bool = False) -> SequenceModel:
        """The model for ``prep``; with ``meta``, built on torch's ``meta`` device (shapes
        only, no memory: what :func:`~seqguard.training.resources.check_model_fits`
        measures before the real one is built)."""
        import torch

        from ..models import SequenceModel, grud_channels_from_names, warn_activation

        kw: dict[str, Any] = {}
        if self.task == "forecast":
            from ..residual_base import parse_head

            spec = getattr(self.pipeline_, "residual_base_", None)
            kw.update(horizon=self.horizon, head=parse_head(self.head)[0],
                      baselines=len(spec["channels"]) if spec else 0)
            ar = self._resolve_ar()
            if ar and kw["head"] == "residual" and self.target in prep.feature_names:
                kw.update(ar_steps=min(ar, self.input_len),
                          ar_index=prep.feature_names.index(self.target))
            kw.update(self._norm_options(prep))
        if self.task == "classify":
            n = int(self.pipeline_.n_classes_)
            kw["n_outputs"] = 1 if n <= 2 else n
            kw["pool"] = self._resolve_pool()
        else:
            kw["activation"] = self.activation
        static = getattr(self.pipeline_, "static_", None)
        kw["n_static"] = len(static.feature_names_) if static is not None else 0
        width = self._series_embedding()
        if width:
            kw.update(n_series=len(self.pipeline_.series_names_), series_embedding=width,
                      series_at=self.SERIES_AT)
        kind = self._resolve_model(prep)
        if kind == "grud" and kw.get("series_at") == "steps":
            kw["series_at"] = "head"
        if kind == "grud":
            since = getattr(self.pipeline_.missing_, "since_transform_", "log1p")
            kw["grud_channels"] = grud_channels_from_names(prep.feature_names, since)
        kw.update(n_features=prep.X.shape[1], task=self.task, model=kind, hidden=self.hidden,
                  layers=self.layers, dropout=self._resolve_dropout(),
                  bidirectional=self.bidirectional, head_layers=self.head_layers)
        if meta:  # its warnings come once, from the real model
            with torch.device("meta"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return SequenceModel(**kw)
        model = SequenceModel(**kw)
        if self.activation and self.task != "classify":
            y = prep.y[prep.part == 0]
            y = y[np.isfinite(y)]
            if len(y):
                warn_activation(self.activation, float(y.min()), float(y.max()))
        return model

    #: Where the series embedding joins the model (``series_at`` of
    #: :class:`~seqguard.models.SequenceModel`): every step's inputs, so the recurrent
    #: layers can make the series change how the inputs act (at the head it only shifts
    #: the output). Measured against the head's input, docs/many-series.md; GRU-D, whose
    #: masked channels cannot take it, gets it at the head.
    SERIES_AT = "steps"

    def _series_embedding(self) -> int:
        """The width of the series embedding (``series_embedding``; 0: none)."""
        return int(self.series_embedding or 0)  # checked by the declaration

    def _series_rows(self, table: Any) -> np.ndarray | None:
        """The per-series rows the windows give the model as ``"static"``: the static
        covariates, then the series code (numbered as in training; a series not seen
        in training has a code past the last) when there is a series embedding."""
        pipe = self.pipeline_
        static = pipe.static_matrix(table)
        if not self._series_embedding():
            return static
        codes = pipe.series_groups(table)[table.series_bounds()[:-1]] \
            if table.n_rows else np.empty(0, dtype=np.int64)
        col = codes.astype(np.float32)[:, None]
        return col if static is None else np.hstack([static, col]).astype(np.float32)

    def _attach_series(self, prep: Prepared) -> None:
        """Give every window dataset of ``prep`` its series rows (see
        :meth:`_series_rows`), and warn when a series embedding meets series not seen
        in training (they get the mean embedding)."""
        if self.task == "classify":
            return
        rows = self._series_rows(prep.table)
        for ds in prep.datasets.values():
            ds.static = rows
        if self._series_embedding():
            self._warn_unseen(prep.table)

    def _warn_unseen(self, table: Any) -> None:
        from ..errors import DataWarning

        known = set(self.pipeline_.series_names_)
        new = [n for n in table.series_names() if n not in known]
        if new:
            shown = ", ".join(repr(n) for n in new[:5]) + \
                (f" and {len(new) - 5} more" if len(new) > 5 else "")
            warnings.warn(f"{table.source}: {len(new)} series not seen in training "
                          f"({shown}) get the mean series embedding (--series-embedding "
                          f"{self._series_embedding()}): their forecasts use no "
                          "series-specific learning. Refit with those series in the "
                          "training data to learn theirs.", DataWarning, stacklevel=4)

    def _norm_options(self, prep: Prepared) -> dict[str, Any]:
        """The model options of ``norm="revin"`` (forecast): the target's input column
        and the std floors, a share of the training std (:mod:`seqguard.models.revin`)."""
        from ..models.revin import FLOOR, parse_norm

        norm = parse_norm(self.norm)
        if norm == "none":
            return {}
        t = list(prep.feature_names).index(self.target)
        train = (prep.part == TRAIN) & np.isfinite(prep.y)
        floors = []
        for v in (prep.X[train, t], prep.y[train]):
            sd = float(np.std(v.astype(np.float64))) if len(v) else 0.0
            floors.append(FLOOR * sd if sd > 0 else FLOOR)
        return {"norm": norm, "norm_target": t, "norm_floor": floors}

    #: ``dropout="auto"``: this between recurrent layers (and after dense head layers) for
    #: ``forecast``; none for the other tasks or where it has no effect (one layer, no
    #: dense head). Measured on Beijing PM2.5, docs/training.md.
    AUTO_DROPOUT = 0.1

    def _resolve_ar(self) -> int:
        """The residual head's autoregressive steps (``ar``; ``"auto"``: the last two
        seasons of the input window when the head starts from seasonal naive or
        climatology, else none; 0: none). Applies to the residual forecast head when the target is an input;
        docs/seasonal.md has the evidence."""
        a = self.ar
        if isinstance(a, str) and a.strip().lower() == "auto":
            # on where the head starts from a seasonal baseline (seasonal naive or
            # climatology): its error drifts with the recent target, which a linear term
            # follows. With persistence it cost Beijing 0.7 MAE (docs/seasonal.md)
            spec = getattr(getattr(self, "pipeline_", None), "residual_base_", None) or {}
            on = self.task == "forecast" and spec.get("base", "persistence") != "persistence"
            # the last two seasons: this season's level against the last one's
            return min(int(self.input_len), 2 * int(spec.get("season", 1))) if on else 0
        return int(a)  # checked by the declaration: an int >= 0, or one as text

    #: ``model="auto"``: the encoder of the task (the classifier overrides it).
    AUTO_MODEL = "lstm"

    def _resolve_model(self, prep: Prepared) -> str:
        """The encoder to build: ``self.model``, or ``AUTO_MODEL`` for ``"auto"``. An
        automatic ``grud`` needs the observed-mask and time-since channels of the
        ``indicators`` missing-data strategy; without them it is ``lstm``."""
        kind = str(self.model).strip().lower()
        if kind != "auto":
            return kind
        if self.AUTO_MODEL == "grud":
            from ..models import grud_channels_from_names

            try:
                grud_channels_from_names(prep.feature_names)
            except InputError:  # no channel has a mask and a time since: a plain encoder
                return "lstm"
            return "grud"
        return self.AUTO_MODEL

    def _resolve_pool(self) -> str:
        """The classifier's pooling (``pool="auto"``: the classify default)."""
        return "last"

    def _resolve_dropout(self) -> float:
        """The dropout to build the model with: ``self.dropout``, or the ``"auto"`` choice."""
        d = self.dropout
        if d is None or (isinstance(d, str) and d.strip().lower() == "auto"):
            effective = self.layers > 1 or self.head_layers > 0
            return self.AUTO_DROPOUT if self.task == "forecast" and effective else 0.0
        return float(d)  # checked by the declaration: a number in [0, 1), or one as text
