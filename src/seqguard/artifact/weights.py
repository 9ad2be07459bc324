"""Model weights in safetensors: only finite tensors are written; reading runs no code."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load

from ..errors import ArtifactError, InputError
from ..run_checks import LIMITS, read_run_file

# What reading a corrupt safetensors file can raise (never a bare traceback to users).
_READ_ERRORS = (SafetensorError, OSError, ValueError, RuntimeError, TypeError, KeyError)


def _check_state_dict(state_dict: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    """CPU, contiguous copies of the tensors; refuses non-tensors and non-finite weights."""
    if not isinstance(state_dict, Mapping):
        raise InputError(f"state_dict must be a dict of str to torch.Tensor; got "
                         f"{type(state_dict).__name__}.")
    out: dict[str, torch.Tensor] = {}
    bad: list[str] = []
    for name, t in state_dict.items():
        if not isinstance(name, str) or not isinstance(t, torch.Tensor):
            raise InputError(f"state_dict entry {name!r} is a {type(t).__name__}; every "
                             "entry must be a torch.Tensor with a str name.")
        t = t.detach().to("cpu")
        if (t.is_floating_point() or t.is_complex()) and not bool(torch.isfinite(t).all()):
            bad.append(name)
        out[name] = t.contiguous().clone()  # no shared storage: safetensors refuses it
    if bad:
        shown = ", ".join(repr(b) for b in bad[:5]) + (f" and {len(bad) - 5} more"
                                                       if len(bad) > 5 else "")
        raise ArtifactError(
            f"refusing to save non-finite weights: tensor {shown} holds NaN or inf. The "
            "training diverged; save the last good state (the guards restore it) and see "
            "diagnosis.json."
        )
    return out


def read_weights(run_dir: Path, name: str) -> dict[str, torch.Tensor]:
    """The tensors of file ``name`` in ``run_dir`` on the CPU, read without following a
    link and at most ``LIMITS["weights_bytes"]`` long; refuses unreadable or
    non-finite ones."""
    data = read_run_file(run_dir, name, LIMITS["weights_bytes"])
    try:
        tensors = load(data)
    except _READ_ERRORS as e:
        raise ArtifactError(f"{name} in run directory {str(run_dir)!r} cannot be read "
                            f"({type(e).__name__}: {e}). Refit, or restore the file."
                            ) from None
    finally:
        del data
    bad = [k for k, t in tensors.items()
           if (t.is_floating_point() or t.is_complex()) and not bool(torch.isfinite(t).all())]
    if bad:
        raise ArtifactError(f"{name} in run directory {str(run_dir)!r} holds non-finite "
                            f"weights (tensor {bad[0]!r}). Refit.")
    return {k: t.to("cpu") for k, t in tensors.items()}
