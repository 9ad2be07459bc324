"""The accelerator, devices, strategy and precision, resolved through Lightning before
any data is read: :func:`resolve_devices`.

Lightning checks these options only when its ``Trainer`` is built, after the data is
prepared; a typo then ends in a Lightning traceback. Building a ``Trainer`` with the
same options costs milliseconds, so :func:`resolve_devices` does it first and turns
Lightning's complaint into a :class:`~seqguard.errors.ParameterError` on the option it
is about, with the values this machine accepts.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from typing import Any

from ..errors import ParameterError

__all__ = ["resolve_devices"]

_FIXES = {
    "accelerator": "Use 'cpu', 'auto' (a GPU when there is one), 'cuda' or 'mps'.",
    "devices": "Use 'auto', a number of devices such as 1, or a list such as [0, 1].",
    "strategy": "Use 'auto', 'ddp' or 'ddp_spawn' (DeepSpeed and FSDP need their "
                "packages and a GPU).",
    "precision": "Use '32-true' (the default), '16-mixed' or 'bf16-mixed'.",
    "num_nodes": "Use 1, or the number of machines torchrun or SLURM starts "
                 "(docs/scaling.md).",
}


@contextlib.contextmanager
def _silent() -> Iterator[None]:
    loggers = [logging.getLogger(n) for n in ("lightning.pytorch", "lightning.fabric",
                                              "lightning")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, lv in zip(loggers, levels):
            lg.setLevel(lv)


def _about(message: str, options: dict[str, Any]) -> str:
    """The option Lightning's message is about."""
    low = message.lower()
    for name in ("precision", "strategy", "num_nodes", "devices", "accelerator"):
        if name in low or (name == "strategy" and "deepspeed" in low):
            return name
    if "gpu" in low or "cuda" in low or "mps" in low or "tpu" in low:
        return "accelerator"
    return next((k for k in ("devices", "strategy") if options[k] != "auto"), "accelerator")


def resolve_devices(owner: str, *, accelerator: Any, devices: Any, strategy: Any,
                    precision: Any, num_nodes: int = 1) -> dict[str, Any]:
    """What Lightning makes of these options on this machine.

    Returns
    -------
    dict
        ``accelerator`` (``"cpu"``, ``"cuda"``, ...), ``devices`` (how many),
        ``strategy`` (Lightning's class name), ``device`` (the root device, ``"cpu"``,
        ``"cuda:0"``), ``precision``, ``num_nodes``, ``world_size`` (the training
        processes: devices x nodes).

    Raises
    ------
    ParameterError
        On the option Lightning refuses, with its reason and the values to use.

    Examples
    --------
    >>> resolve_devices("Forecaster", accelerator="cpu", devices="auto",
    ...                 strategy="auto", precision="32-true")["device"]
    'cpu'
    >>> resolve_devices("Forecaster", accelerator="foo", devices="auto",
    ...                 strategy="auto", precision="32-true")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    seqguard.errors.ParameterError: The 'accelerator' parameter of Forecaster cannot be used ...
    """
    import lightning.pytorch as L

    options = {"accelerator": accelerator, "devices": devices, "strategy": strategy,
               "precision": precision, "num_nodes": num_nodes}
    try:
        with _silent():
            trainer = L.Trainer(**options, logger=False, enable_checkpointing=False,
                                enable_progress_bar=False, enable_model_summary=False)
    except Exception as exc:  # noqa: BLE001 - Lightning raises ValueError, TypeError, its own
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        name = _about(reason, options)
        raise ParameterError(owner, name,
                             f"cannot be used here: {reason.rstrip('.')}. Got "
                             f"{options[name]!r}. {_FIXES[name]}") from None
    accel = type(trainer.accelerator).__name__.removesuffix("Accelerator").lower()
    return {"accelerator": accel, "devices": int(trainer.num_devices),
            "strategy": type(trainer.strategy).__name__, "precision": str(trainer.precision),
            "device": str(trainer.strategy.root_device), "num_nodes": int(trainer.num_nodes),
            "world_size": int(trainer.world_size)}
