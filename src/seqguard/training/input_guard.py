"""InputGuard: a NaN or inf in a batch's inputs stops the run with a clear error.

seqguard's preprocessing never lets a missing value reach the model, so a
non-finite input at training time is a preprocessing bug (or data that skipped the
pipeline). Training on it would silently poison the weights; instead the guard
raises :class:`~seqguard.errors.InputError` naming the feature, the batch, the
window and the time step.

The check costs one reduction per batch: ``isfinite(x.sum())`` (NaN and inf
propagate through a sum); only when that fails does the guard look closer (a sum
can also overflow on huge but finite values, which is not an error here).
"""

from __future__ import annotations

from typing import Any

import lightning as L
import torch

from ..errors import InputError, format_list

__all__ = ["InputGuard"]


def _kind(values: torch.Tensor) -> str:
    if bool(torch.isnan(values).any()):
        return "NaN"
    return "an infinite value"


class InputGuard(L.Callback):
    """Raise :class:`~seqguard.errors.InputError` on a NaN or inf model input.

    Checks ``x`` (naming the feature from the module's ``feature_names``) and, when
    present, ``last`` (the last observed target value the residual head adds back).
    """

    name = "InputGuard"

    def on_train_batch_start(self, trainer: L.Trainer, pl_module: Any, batch: Any,
                             batch_idx: int) -> None:
        self.check(pl_module, batch, batch_idx, "training")

    def on_validation_batch_start(self, trainer: L.Trainer, pl_module: Any, batch: Any,
                                  batch_idx: int, dataloader_idx: int = 0) -> None:
        self.check(pl_module, batch, batch_idx, "validation")

    def check(self, pl_module: Any, batch: dict[str, torch.Tensor], batch_idx: int,
              part: str) -> None:
        """Raise if ``batch["x"]`` or ``batch["last"]`` holds a NaN or inf."""
        x = batch["x"]
        last = batch.get("last")
        ok = bool(torch.isfinite(x.sum()))
        if ok and last is not None:
            ok = bool(torch.isfinite(last.sum()))
        if not ok:  # a sum of huge finite values can overflow: look closer
            ok = bool(torch.isfinite(x).all()) and (last is None or
                                                   bool(torch.isfinite(last).all()))
        if getattr(pl_module, "world_size", 1) > 1:
            # DDP: every process stops on the same batch (one that stopped alone would
            # leave the others waiting for it in the next collective)
            flags = pl_module.reduce_sum(torch.tensor([0.0 if ok else 1.0],
                                                      dtype=torch.float64, device=x.device))
            if ok and float(flags[0]) > 0:
                raise InputError(
                    f"a NaN or inf reached the model on another training process in its "
                    f"{part} batch index {batch_idx}; that process's error line names the "
                    "feature. This is a preprocessing bug: use a missing-data strategy that "
                    "leaves no NaN (--missing mask, indicators or impute:ffill) or fix the "
                    "values before windowing.")
        if ok:
            return
        epoch = getattr(pl_module, "epoch_number", None)
        where = f"{part} batch index {batch_idx}" + (f" of epoch {epoch}" if epoch else "")
        bad = ~torch.isfinite(x)
        if bool(bad.any()):
            per_feature = bad.reshape(-1, x.shape[-1]).sum(0)
            features = torch.nonzero(per_feature).flatten().tolist()
            names = getattr(pl_module, "feature_names", None)

            def label(j: int) -> str:
                if names is not None and j < len(names):
                    return f"'{names[j]}' (column {j} of x)"
                return f"{j} (column {j} of x)"

            j = features[0]
            first = torch.nonzero(bad[..., j])[0].tolist()
            window, step = first[0], (first[1] if len(first) >= 2 else None)
            kind = _kind(x[..., j])
            n_bad = int(bad.sum())
            others = ""
            if len(features) > 1:
                listed = [names[f] if names is not None and f < len(names) else f
                          for f in features]
                others = f" Affected features: {format_list(listed)}."
            at = f"window index {window}" + (f", time step {step}" if step is not None else "")
            raise InputError(
                f"{kind} reached the model in feature {label(j)}, {where} ({at}; {n_bad} "
                f"non-finite value(s) in this batch).{others} This is a preprocessing bug: "
                "seqguard never trains on non-finite inputs. Use a missing-data strategy "
                "that leaves no NaN (--missing mask, indicators or impute:ffill) or fix the "
                "values before windowing.")
        assert last is not None
        window = int(torch.nonzero(~torch.isfinite(last.reshape(last.shape[0], -1)))[0, 0])
        raise InputError(
            f"{_kind(last)} reached the model in 'last' (the last observed target value "
            f"the residual head adds back), {where} (window index {window}). The window has no "
            "observed target value in its input; build windows with "
            "seqguard.windows.last_observed, or use --head direct.")
