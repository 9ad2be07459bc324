"""The files of ensemble members 1..K-1 (member 0 is the run's own model.safetensors)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import pandas as pd
import torch

from ..errors import ArtifactError
from .layout import member_history_name, member_weights_name
from .reader import Run, read_history
from .weights import _check_state_dict, read_weights
from .writer import _history_frame


def member_files(state_dicts: list[Mapping[str, torch.Tensor]],
                 histories: list[pd.DataFrame | list[dict[str, Any]] | None]
                 ) -> dict[str, bytes | str]:
    """The extra files of ensemble members 1..K-1, for ``save_run(extra_files=...)``.

    Weights are safetensors bytes (finite only, as ``model.safetensors``), logs CSV.
    """
    from safetensors.torch import save

    out: dict[str, bytes | str] = {}
    for k, sd in enumerate(state_dicts, start=1):
        out[member_weights_name(k)] = save(_check_state_dict(sd), metadata={"format": "pt"})
        history = histories[k - 1] if k - 1 < len(histories) else None
        buf = io.StringIO()
        _history_frame(history).to_csv(buf, index=False)
        out[member_history_name(k)] = buf.getvalue()
    return out


def load_member(run: Run, k: int) -> tuple[dict[str, torch.Tensor], pd.DataFrame]:
    """Weights and training log of ensemble member ``k`` >= 1 of a loaded run.

    Raises
    ------
    ArtifactError
        The member's weights are not listed in the manifest (checked, with their
        SHA-256, by :func:`load_run`), cannot be read or are not finite.
    """
    name = member_weights_name(k)
    if name not in run.manifest.get("files", {}):
        raise ArtifactError(f"{name} is missing from run directory {str(run.path)!r} "
                            f"(pipeline.json says the run is an ensemble with member {k}). "
                            "Refit, or restore the file.")
    tensors = read_weights(run.path, name)
    history = pd.DataFrame()
    log = member_history_name(k)
    if log in run.manifest.get("files", {}):  # vouched for (SHA-256) by load_run
        history = read_history(run.path, log)
    return tensors, history
