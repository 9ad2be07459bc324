"""The part codes a split gives every row: train, validation, test, or gap.

A ``part`` array holds one int8 per row: ``0`` train, ``1`` validation, ``2`` test
(:data:`TRAIN`, :data:`VAL`, :data:`TEST`), ``-1`` (:data:`GAP`) for rows left out
just before a later part starts. :func:`part_code` reads a part as users write it.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError

__all__ = ["GAP", "PART_NAMES", "TEST", "TRAIN", "VAL", "part_code"]

TRAIN, VAL, TEST, GAP = 0, 1, 2, -1
PART_NAMES: dict[int, str] = {TRAIN: "train", VAL: "val", TEST: "test", GAP: "gap"}
_PART_CODES = {"train": TRAIN, "val": VAL, "validation": VAL, "test": TEST}


def part_code(which: int | str) -> int:
    """Turn ``0/1/2`` or ``"train"/"val"/"test"`` into the part code.

    Examples
    --------
    >>> part_code("val")
    1
    """
    if isinstance(which, str):
        key = which.strip().lower()
        if key in _PART_CODES:
            return _PART_CODES[key]
    elif isinstance(which, (int, np.integer)) and int(which) in (TRAIN, VAL, TEST):
        return int(which)
    raise InputError(
        f"which={which!r} is not a part. Use 0 or 'train', 1 or 'val', 2 or 'test'."
    )
