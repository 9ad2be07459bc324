"""The entry points: :func:`diagnose` (which dispatches on what it is given) and
:func:`save_diagnosis`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from ..errors import InputError
from .estimator import _diagnose_estimator
from .findings import Diagnosis
from .keras import _diagnose_keras, _is_keras
from .modules import _diagnose_module


def diagnose(obj: Any, data: Any = None, *, y: Any = None,
             feature_names: list[str] | None = None, batch_size: int = 1024,
             max_windows: int = 4096) -> Diagnosis:
    """Find out why a model produces NaN, constant or useless predictions.

    Parameters
    ----------
    obj : path, fitted seqguard estimator, torch.nn.Module or Keras model
        A run directory (``str`` / ``Path``), a fitted
        :class:`~seqguard.Forecaster` (or tagger / classifier), a plain
        ``nn.Module`` called as ``model(x)``, or a Keras 3 model.
    data : optional
        For a run or an estimator: anything :func:`seqguard.read` accepts, with the
        training columns; without it only what the run holds is used (history,
        guard findings, weights, audit, fitted statistics, metrics). For a module:
        an array or tensor ``(N, T, F)`` (or one sequence ``(T, F)``).
    y : array-like, optional
        Targets for a module: ``(N,)``, ``(N, H)`` or ``(N, T)``; NaN is missing.
    feature_names : list of str, optional
        Names of the ``F`` input features of a module (default: their indices).
    batch_size : int
        Windows per forward pass.
    max_windows : int
        At most this many windows are run (evenly spaced over the data; the first
        window with a non-finite input is always among them).

    Returns
    -------
    Diagnosis

    Raises
    ------
    InputError
        Data of the wrong shape, targets that do not match the model's output, a
        model that cannot be run on the data, or an object diagnose cannot read.
    ArtifactError
        A run directory that is missing, altered or incomplete.

    Examples
    --------
    >>> import torch, seqguard
    >>> class Net(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.rnn = torch.nn.LSTM(3, 8, batch_first=True)
    ...         self.out = torch.nn.Linear(8, 1)
    ...     def forward(self, x):
    ...         return self.out(self.rnn(x)[0][:, -1])
    >>> x = torch.randn(16, 20, 3)
    >>> x[3, 7, 2] = float("nan")
    >>> d = seqguard.diagnose(Net(), x)
    >>> d.first["code"], d.first["evidence"]["timestep"], d.first["evidence"]["feature"]
    ('non_finite_input', 7, 2)
    """
    _check_sizes(batch_size, max_windows)
    if isinstance(obj, (str, os.PathLike)):
        from ..estimator import load

        est = load(Path(obj))
        diag = _diagnose_estimator(est, data, batch_size, max_windows)
        diag.context["source"] = "run"
        diag.context["run_dir"] = str(obj)
        return diag
    if hasattr(obj, "model_") and hasattr(obj, "pipeline_"):
        return _diagnose_estimator(obj, data, batch_size, max_windows)
    if _is_keras(obj):
        return _diagnose_keras(obj, data, y, feature_names, batch_size, max_windows)
    if isinstance(obj, nn.Module):
        return _diagnose_module(obj, data, y, feature_names, batch_size, max_windows)
    if hasattr(obj, "get_params") and hasattr(obj, "fit"):
        from ..errors import NotFittedError

        raise NotFittedError(f"This {type(obj).__name__} is not fitted yet. Call 'fit' first, "
                             "or diagnose its run directory.")
    raise InputError(f"diagnose cannot read a {type(obj).__name__}. Pass a run directory, a "
                     "fitted seqguard estimator, a torch.nn.Module (with data) or a Keras "
                     "model.")


def save_diagnosis(run_dir: str | os.PathLike[str], diagnosis: Diagnosis) -> Path:
    """Write ``diagnosis`` into ``RUN_DIR/diagnosis.json`` under ``"diagnose"``.

    The guard findings and events already there are kept; the file and the run's
    MANIFEST are rewritten atomically (:func:`seqguard.artifact.update_run`).
    """
    from ..artifact import load_run, update_run

    doc = dict(load_run(run_dir).diagnosis)
    doc["diagnose"] = diagnosis.to_dict()
    return update_run(run_dir, {"diagnosis.json": doc})


def _check_sizes(batch_size: Any, max_windows: Any) -> None:
    for name, v in (("batch_size", batch_size), ("max_windows", max_windows)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise InputError(f"The {name!r} option of diagnose must be an integer >= 1; got "
                             f"{v!r} instead.")
