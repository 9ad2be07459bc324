"""Durable writes: strict JSON through the one encoder, bytes, and fsync."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from .._serialize import json_value
from ..errors import ArtifactError
from .layout import _SORTED_JSON


def _fsync(path: Path) -> None:
    """fsync a file or a directory, where the file system allows it."""
    with contextlib.suppress(OSError):  # not every file system syncs a directory
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_json(path: Path, obj: Any, name: str | None = None) -> None:
    """Write ``obj`` as strict JSON (NaN and inf as null, :func:`~seqguard._serialize.
    json_value`); ``name`` (default: the file name) is the run file it becomes."""
    name = path.name if name is None else name
    with open(path, "w", encoding="utf-8") as f:
        try:
            json.dump(json_value(obj), f, allow_nan=False, indent=2, sort_keys=name in _SORTED_JSON,
                      ensure_ascii=False)
        except ValueError as e:
            raise ArtifactError(f"cannot write {name}: {e}.") from e
        except TypeError as e:
            raise ArtifactError(f"cannot write {name}: {e}. Only plain JSON values "
                                "(dict, list, str, number, bool, None) can be saved.") from e
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())


def _write_bytes(path: Path, data: bytes | str) -> None:
    """Write bytes (str as UTF-8), flushed and fsync'ed."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    with open(path, "wb") as f:
        f.write(raw)
        f.flush()
        os.fsync(f.fileno())
