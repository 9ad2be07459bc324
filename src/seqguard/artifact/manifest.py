"""The manifest: SHA-256 and size of every file, the format version, and checking them."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

from ..errors import ArtifactError
from ..run_checks import check_entries, read_run_file
from .layout import _CHUNK, FORMAT, FORMAT_VERSION, MANIFEST, REQUIRED_FILES


def _version() -> str:
    """The seqguard version recorded in the manifest."""
    from .. import __version__

    return str(__version__)


def _sha256(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size in bytes of a file, read in chunks; a symbolic link is
    not followed (``OSError``)."""
    h = hashlib.sha256()
    size = 0
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _is_run(path: Path) -> bool:
    """True when ``path`` holds a manifest that says it is a seqguard run."""
    try:
        m = json.loads(read_run_file(path, MANIFEST))
    except (ArtifactError, ValueError):
        return False
    return isinstance(m, dict) and m.get("format") == FORMAT


def _manifest(directory: Path, names: list[str]) -> dict[str, Any]:
    """The manifest of ``names`` (files in ``directory``)."""
    files = {}
    for name in sorted(names):
        sha, size = _sha256(directory / name)
        files[name] = {"sha256": sha, "bytes": size}
    return {"format": FORMAT, "format_version": FORMAT_VERSION,
            "seqguard_version": _version(), "files": files}


def _read_manifest(run_dir: Path) -> tuple[dict[str, Any] | None, list[str]]:
    """Parse and check MANIFEST.json; return (manifest or None, problems)."""
    where = str(run_dir)
    m, problem = None, None
    if not run_dir.exists():
        problem = (f"run directory {where!r} does not exist. Check the path, or fit a "
                   "model with `seqguard fit ... --out` first.")
    elif not run_dir.is_dir():
        problem = (f"{where!r} is not a directory; a run is a directory written by "
                   "`seqguard fit`.")
    elif not os.path.lexists(run_dir / MANIFEST):
        problem = (f"{MANIFEST} is missing in {where!r}: it is not a seqguard run "
                   "directory, or it was not written completely. Refit.")
    else:
        try:
            m = json.loads(read_run_file(run_dir, MANIFEST))
        except ArtifactError as e:
            problem = str(e)
        except ValueError as e:
            problem = (f"{MANIFEST} in {where!r} cannot be read ({e}). Refit, or restore "
                       "the file.")
    if problem is not None:
        return None, [problem]
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        got = m.get("format") if isinstance(m, dict) else type(m).__name__
        problem = (f"{MANIFEST} in {where!r} does not describe a seqguard run (format "
                   f"{got!r}, expected {FORMAT!r}).")
        return None, [problem]
    fv = m.get("format_version")
    if isinstance(fv, bool) or not isinstance(fv, int):
        problem = (f"{MANIFEST} in {where!r} has format_version {fv!r}; expected an "
                   "integer. Refit with this seqguard version.")
    elif fv != FORMAT_VERSION:
        newer = "a newer" if fv > FORMAT_VERSION else "an older"
        problem = (f"{where!r} is run format version {fv} (written by seqguard "
                   f"{m.get('seqguard_version', '?')}), but this seqguard {_version()} "
                   f"reads version {FORMAT_VERSION} only: it comes from {newer} "
                   "seqguard. Install a matching seqguard version, or refit.")
    elif not isinstance(m.get("files"), dict):
        problem = f"{MANIFEST} in {where!r} has no 'files' table. Refit."
    if problem is not None:
        return None, [problem]
    return m, []


def _check_files(run_dir: Path, m: dict[str, Any]) -> list[str]:
    """Every required file listed, every listed file present with its SHA-256; problems."""
    problems: list[str] = []
    files: dict[str, Any] = m["files"]
    where = str(run_dir)
    for name in REQUIRED_FILES:
        if name not in files:
            problems.append(f"{MANIFEST} in {where!r} does not list {name}; the run is "
                            "incomplete. Refit.")
    for name in sorted(files):
        entry = files[name]
        if (not isinstance(name, str) or "/" in name or "\\" in name
                or name in ("", ".", "..", MANIFEST)):
            problems.append(f"{MANIFEST} in {where!r} lists an invalid file name {name!r}. "
                            "Refit.")
            continue
        path = run_dir / name
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            mode = None
        if mode is None:
            problems.append(f"{name} is missing from run directory {where!r}. Restore the "
                            "file, or refit.")
            continue
        if not stat.S_ISREG(mode):
            what = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
            problems.append(f"{name} in run directory {where!r} is {what}; a run directory "
                            "holds plain files only. Refit, or copy the real file in.")
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
            problems.append(f"{MANIFEST} in {where!r} has no SHA-256 for {name}. Refit.")
            continue
        try:
            sha, size = _sha256(path)
        except OSError as e:
            problems.append(f"{name} in run directory {where!r} cannot be read "
                            f"({e.strerror}). Check its permissions, or refit.")
            continue
        if sha != entry["sha256"] or (entry.get("bytes") is not None
                                      and size != entry["bytes"]):
            problems.append(f"{name} was altered after it was written (SHA-256 mismatch) "
                            f"in run directory {where!r}. Refit, or restore the file.")
    return problems


def _manifest_or_raise(run_dir: Path) -> dict[str, Any]:
    """The checked manifest, or an :class:`ArtifactError` naming the first problem.

    Entries that are not plain files (symbolic links first of all) are refused before
    the manifest is read, so nothing is opened through a link."""
    problems = check_entries(run_dir) if run_dir.is_dir() else []
    m = None
    if not problems:
        m, problems = _read_manifest(run_dir)
        if m is not None:
            problems = _check_files(run_dir, m)
    if m is None and len(problems) == 1 and not os.path.isdir(run_dir):
        raise ArtifactError(problems[0])
    if m is None or problems:
        more = f"{len(problems) - 1} more problem(s); " if len(problems) > 1 else ""
        raise ArtifactError(f"{problems[0]} ({more}`seqguard verify {run_dir}` lists what "
                            "MANIFEST checks)")
    return m
