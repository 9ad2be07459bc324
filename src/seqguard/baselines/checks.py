"""The one parameter check the baselines share: a positive whole number of steps."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError


def _positive_int(name: str, value: Any, flag: str | None = None) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value < 1:
        where = f" ({flag})" if flag else ""
        raise InputError(f"The '{name}' parameter{where} must be an integer >= 1. Got "
                         f"{value!r} instead.")
    return int(value)
