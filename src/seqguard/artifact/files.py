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


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write ``data`` to ``path`` through a temporary sibling renamed into place: a
    reader sees the old file or the whole new one, never half of it. For a file beside
    a folder that has no manifest (the report of a failed fit); a complete run's files
    go through :func:`~seqguard.artifact.update_run`."""
    import tempfile

    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        _write_bytes(Path(tmp), data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync(path.parent)
    return path
