"""Checks on a run directory's files before anything is built from them.

A run directory may come from someone else. Its MANIFEST proves the files were not
changed after they were written, not that whoever wrote them meant well: a
``pipeline.json`` whose hashes were recomputed after an edit is consistent and still
hostile. So every file is treated as untrusted input, and these checks bound what
reading it can cost before any of it is used:

* **Files**: opened by name inside the run directory only, never through a symbolic
  link (``O_NOFOLLOW`` and an ``lstat`` that must show a regular file), and no larger
  than a limit per kind (:data:`LIMITS`).
* **JSON**: nesting depth bounded before parsing (a deep document would exhaust the
  parser's recursion), strict UTF-8, an object at the top.
* **Arrays** saved in JSON (``{"__ndarray__": [...], "dtype": ..., "shape": [...]}``):
  a plain numeric, boolean or string dtype, a shape of non-negative integers whose
  product is the number of items given and at most ``LIMITS["array_items"]``.
* **Fitted state**: attribute names that are identifiers and do not shadow anything
  the class defines (a state entry named ``transform`` would replace a method).
* **The model**: its size options bounded first, then the model is built on torch's
  ``meta`` device (no memory) and each parameter's name and shape must equal the
  tensor of that name in the weights file's header. A model larger than the weights
  file on disk therefore cannot be built.

Every violation is an :class:`~seqguard.errors.ArtifactError` naming the file, the
field and the value.
"""

from __future__ import annotations

import math
import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ArtifactError

__all__ = ["LIMITS", "check_arrays", "check_entries", "check_model_shapes",
           "check_state_names", "json_depth", "read_run_file"]

#: Upper bounds on what a run directory may ask for.
LIMITS: dict[str, int] = {
    "json_bytes": 256 * 2**20,     # one JSON or CSV file
    "json_depth": 64,              # nesting of objects and arrays
    "array_items": 50_000_000,     # items of one saved array
    "array_bytes": 512 * 2**20,    # bytes numpy allocates for one saved array
    "weights_bytes": 8 * 2**30,    # one safetensors file
    "hidden": 65_536,              # units per recurrent layer
    "layers": 64,                  # recurrent layers
    "head_layers": 64,
    "n_features": 1_000_000,
    "horizon": 1_000_000,
    "n_outputs": 1_000_000,
    "n_static": 1_000_000,
    "n_series": 50_000_000,        # rows of a series embedding
    "series_embedding": 65_536,    # its width
}

# numpy dtype strings a saved array may have: bool, integers, floats, unicode, object
_DTYPE = re.compile(r"^[<>|=]?(b1|[iu][1248]|f[248]|U\d{1,6}|O)$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _where(run_dir: Path | str, name: str) -> str:
    return f"{name} in run directory {str(run_dir)!r}"


def check_entries(run_dir: Path | str) -> list[str]:
    """The entries of ``run_dir`` that are not plain files or folders (symbolic links,
    devices, sockets, FIFOs), one sentence each; empty when there are none."""
    problems = []
    with os.scandir(run_dir) as it:
        for entry in it:
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode):
                problems.append(f"{_where(run_dir, entry.name)} is a symbolic link "
                                f"(to {os.readlink(entry.path)!r}); a run directory holds "
                                "plain files only. Refit, or copy the real file in.")
            elif not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
                problems.append(f"{_where(run_dir, entry.name)} is not a plain file. "
                                "Refit, or remove it.")
    return problems


def read_run_file(run_dir: Path | str, name: str, max_bytes: int | None = None) -> bytes:
    """The bytes of file ``name`` directly inside ``run_dir``, never through a link.

    Raises
    ------
    ArtifactError
        ``name`` is not a plain name, the file is missing, a symbolic link or not a
        regular file, or larger than ``max_bytes`` (default ``LIMITS["json_bytes"]``).
    """
    limit = LIMITS["json_bytes"] if max_bytes is None else int(max_bytes)
    where = _where(run_dir, name)
    if not name or name in (".", "..") or "/" in name or os.sep in name or "\0" in name:
        raise ArtifactError(f"{where}: not a plain file name. Refit.")
    path = os.path.join(run_dir, name)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise ArtifactError(f"{where} is missing. Refit, or restore the file.") from None
    except OSError as e:
        raise ArtifactError(f"{where} cannot be read ({e.strerror}). Check the "
                            "folder's permissions.") from None
    if stat.S_ISLNK(st.st_mode):
        raise ArtifactError(f"{where} is a symbolic link; a run directory holds plain "
                            "files only. Refit, or copy the real file in.")
    if not stat.S_ISREG(st.st_mode):
        raise ArtifactError(f"{where} is not a regular file. Refit.")
    if st.st_size > limit:
        raise ArtifactError(f"{where} is {st.st_size:,} bytes, more than the "
                            f"{limit:,} a run file may have. Refit.")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        raise ArtifactError(f"{where} cannot be opened ({e.strerror}). Refit, or "
                            "restore the file.") from None
    try:
        now = os.fstat(fd)
        if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino) or not stat.S_ISREG(now.st_mode):
            raise ArtifactError(f"{where} changed while it was opened. Retry.")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(st.st_size + 1)  # read(n) allocates n bytes: never the limit
    finally:
        os.close(fd)
    if len(data) > st.st_size:
        raise ArtifactError(f"{where} grew while it was read. Retry.")
    return data


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_CHUNK = 1 << 22


def json_depth(text: str) -> int:
    """The deepest nesting of objects and arrays in JSON ``text`` (strings skipped),
    without parsing it: strings are cut out by one regular expression, then the
    brackets are counted in chunks with numpy (linear, a few chunks of memory)."""
    import numpy as np

    bare = _STRING.sub("", text)
    depth = deepest = 0
    for start in range(0, len(bare), _CHUNK):
        b = np.frombuffer(bare[start:start + _CHUNK].encode("utf-8"), np.uint8)
        steps = ((b == 91) | (b == 123)).astype(np.int64) - ((b == 93) | (b == 125))
        levels = np.cumsum(steps) + depth
        if len(levels):
            deepest = max(deepest, int(levels.max()))
            depth = int(levels[-1])
    return deepest


def check_arrays(value: Any, where: str, path: str = "") -> None:
    """Walk decoded JSON; check every saved array before numpy sees it.

    Raises
    ------
    ArtifactError
        A dtype that is not a plain one, a shape that is not a list of non-negative
        integers, a shape whose size differs from the items given, or more items
        than ``LIMITS["array_items"]``.
    """
    if isinstance(value, Mapping):
        if "__ndarray__" in value:
            _check_array(value, where, path or "(top)")
            return
        for k, v in value.items():
            check_arrays(v, where, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            check_arrays(v, where, f"{path}[{i}]")


def _check_array(value: Mapping[str, Any], where: str, path: str) -> None:
    items, dtype, shape = value.get("__ndarray__"), value.get("dtype"), value.get("shape")
    field = f"{where}, field {path}"
    if not isinstance(items, list):
        raise ArtifactError(f"{field}: the array's items must be a list, got "
                            f"{type(items).__name__}. Refit.")
    if not isinstance(dtype, str) or not _DTYPE.match(dtype):
        raise ArtifactError(f"{field}: dtype {dtype!r} is not a plain numeric, boolean "
                            "or string dtype. Refit.")
    if not isinstance(shape, list) or len(shape) > 32 or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise ArtifactError(f"{field}: shape {shape!r} is not a list of non-negative "
                            "integers. Refit.")
    size = math.prod(shape)
    if size > LIMITS["array_items"]:
        raise ArtifactError(f"{field}: shape {shape} holds {size:,} items, more than "
                            f"the {LIMITS['array_items']:,} allowed. Refit.")
    import numpy as np

    nbytes = size * np.dtype(dtype).itemsize
    if nbytes > LIMITS["array_bytes"]:
        raise ArtifactError(f"{field}: shape {shape} of dtype {dtype!r} needs {nbytes:,} "
                            f"bytes, more than the {LIMITS['array_bytes']:,} allowed. Refit.")
    if size != len(items):
        raise ArtifactError(f"{field}: shape {shape} needs {size:,} items, the file "
                            f"gives {len(items):,}. Refit.")


def check_state_names(cls: type, state: Mapping[str, Any], where: str) -> None:
    """Fitted-state names must be identifiers that shadow nothing ``cls`` defines.

    Raises
    ------
    ArtifactError
        A name that is not an identifier, starts with a double underscore, or is an
        attribute of the class (a method, a property, a class constant).
    """
    for key in state:
        if not isinstance(key, str) or not _IDENT.match(key) or key.startswith("__"):
            raise ArtifactError(f"{where}: the state of {cls.__name__} has the entry "
                                f"{key!r}, which is not an attribute name. Refit.")
        if hasattr(cls, key):
            raise ArtifactError(f"{where}: the state of {cls.__name__} has the entry "
                                f"{key!r}, which would replace the class's own "
                                f"{key!r}. Refit.")


def _bounded_int(config: Mapping[str, Any], key: str, where: str) -> None:
    v = config.get(key)
    if v is None:
        return
    if isinstance(v, bool) or not isinstance(v, int):
        raise ArtifactError(f"{where}: model field {key!r} must be an integer, got "
                            f"{v!r}. Refit.")
    if not 0 <= v <= LIMITS[key]:
        raise ArtifactError(f"{where}: model field {key!r} is {v:,}, outside 0 to "
                            f"{LIMITS[key]:,}. Refit.")


def check_model_shapes(config: Mapping[str, Any], shapes: Mapping[str, tuple[int, ...]],
                       where: str, weights: str = "model.safetensors") -> None:
    """The model ``config`` describes exactly the tensors of the weights file.

    Bounds the size options first (:data:`LIMITS`), then builds the model on torch's
    ``meta`` device, which allocates nothing, and compares its parameter names and
    shapes with ``shapes`` (from the weights file's header).

    Raises
    ------
    ArtifactError
        A size option out of bounds, a config the model refuses, or a parameter
        missing from, extra to or shaped differently in the weights file.
    """
    import torch

    from .errors import InputError
    from .models import SequenceModel

    if not isinstance(config, Mapping):
        raise ArtifactError(f"{where}: the model config must be an object, got "
                            f"{type(config).__name__}. Refit.")
    for key in ("hidden", "layers", "head_layers", "n_features", "horizon", "n_outputs",
                "n_static", "n_series", "series_embedding"):
        _bounded_int(config, key, where)
    try:
        with torch.device("meta"):
            model = SequenceModel.from_config(dict(config))
    except (InputError, TypeError, ValueError) as e:
        raise ArtifactError(f"{where}: the model config is not valid ({e}). Refit.") from None
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    missing = sorted(set(expected) - set(shapes))
    extra = sorted(set(shapes) - set(expected))
    if missing or extra:
        name = (missing or extra)[0]
        what = "has no tensor" if missing else "has a tensor the model does not use:"
        raise ArtifactError(f"{where}: the model config does not match {weights} "
                            f"({weights} {what} {name!r}). Refit.")
    for k, shape in expected.items():
        if tuple(shapes[k]) != shape:
            raise ArtifactError(f"{where}: the model config gives {k!r} the shape "
                                f"{list(shape)}, {weights} holds {list(shapes[k])}. Refit.")
