"""The output folder of ``seqguard fit``, settled before any training time is spent.

:func:`claim_out` decides up front what ``--overwrite`` and ``--resume`` mean for what
the folder holds (:func:`seqguard.artifact.folder_state`), checks that its parent can
be written and has room, and holds a lock beside it for the whole fit, so a second
fit on the same ``--out`` stops at once, naming the first:

=============  =================  ==================  ===========================
``--out``      no flag            ``--overwrite``     ``--resume``
=============  =================  ==================  ===========================
missing/empty  written            written             written (from a checkpoint)
failed fit     refused            replaced            replaced
finished run   refused            replaced at save    refused (it is finished)
other files    refused            refused             refused
a file         refused            refused             refused
=============  =================  ==================  ===========================

A replaced run stays intact until the new one is saved (:func:`seqguard.artifact.
save_run` renames it away only then); a fit that fails (exit 4) keeps it, and saves
its diagnosis beside it (:func:`seqguard.artifact.save_failed`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError

__all__ = ["MIN_FREE_BYTES", "check_out_file", "child_rank", "claim_out", "describe_os_error",
           "lock_path"]

#: Free space the output folder's file system must have before a fit starts: the run
#: directory, its checkpoints and the temporary copy written before the rename. The
#: model's own size is checked again once it is built (seqguard.training.resources).
MIN_FREE_BYTES = 64 * 2**20


def lock_path(out: Path) -> Path:
    """The lock file of the output folder ``out``: ``.<name>.lock`` beside it."""
    return out.parent / f".{out.name}.lock"


_FIXES = {
    errno.EACCES: "Check the permissions of that path, or choose another one you can write.",
    errno.EPERM: "Check the permissions of that path, or choose another one you can write.",
    errno.EROFS: "That file system is read-only: choose a path on another disk.",
    errno.ENOSPC: "The disk is full: free some space, or choose a path on another disk.",
    getattr(errno, "EDQUOT", -1): "Your disk quota is used up: free some space, or choose "
                                  "a path on another disk.",
    errno.ENOENT: "Check the path: a folder in it does not exist.",
    errno.ENOTDIR: "A part of that path is a file, not a folder: check the path.",
    errno.EISDIR: "That path is a folder: pass a file name.",
    errno.ENAMETOOLONG: "Choose a shorter path.",
    errno.EMFILE: "Too many files are open: close some programs and try again.",
}


def describe_os_error(exc: OSError) -> str:
    """One line for an OSError at the edges (read-only, full disk, missing folder, a
    folder where a file should be): what failed, on which path, and the fix. Nothing of
    the run is lost by then: every run file is written to a temporary name first."""
    where = f" '{exc.filename}'" if exc.filename else ""
    if exc.filename2:
        where += f" -> '{exc.filename2}'"
    what = exc.strerror or type(exc).__name__
    fix = _FIXES.get(exc.errno or 0, "Check the path and try again.")
    return f"cannot write or read{where}: {what}. {fix}"


def _os_message(exc: OSError, folder: Path, flag: str) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "is read-only" if exc.errno == errno.EROFS else \
            "cannot be written (permission denied)"
        return (f"{flag}: the folder '{folder}' {why}. Choose a {flag} in a folder you can "
                "write, or change its permissions.")
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return (f"{flag}: no space left in '{folder}'. Free some space, or choose a "
                f"{flag} on another disk.")
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return (f"{flag}: a part of '{folder}' is a file, not a folder. Choose another "
                f"{flag}.")
    return f"{flag}: cannot write in '{folder}' ({exc.strerror}). Choose another {flag}."


def check_out_file(out: str | os.PathLike[str], flag: str = "--out") -> Path:
    """A file to write (``predict --out``): its folder must exist and it must not be a
    folder; the file itself is written to a temporary sibling and renamed."""
    path = Path(out)
    if path.is_dir():
        raise InputError(f"{flag} '{out}' is a folder. Pass a file name, such as "
                         f"'{path / 'predictions.csv'}'.")
    if not path.parent.is_dir():
        what = "is a file" if path.parent.exists() else "does not exist"
        raise InputError(f"{flag} '{out}': the folder '{path.parent}' {what}. Create the "
                         f"folder first, or choose another {flag}.")
    return path


def _lock(lock: Path, flag: str, out: Path) -> int:
    """Open and lock ``lock`` (non-blocking); the file descriptor."""
    import fcntl

    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown"
            os.close(fd)
            raise InputError(f"another seqguard fit is writing {flag} '{out}' ({holder}). "
                             "Wait for it to finish, or choose another folder.") from None
        # the holder may have removed the file between our open and our lock: retry on
        # the new file, else two processes would each hold a lock on a different inode
        try:
            same = os.stat(lock).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    os.ftruncate(fd, 0)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime())
    os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}, since {stamp}".encode())
    return fd


def child_rank() -> bool:
    """True in a training process other than the first (global rank > 0), as Lightning's
    launcher, torchrun and SLURM mark them: only rank 0 claims ``--out`` and saves."""
    for name in ("RANK", "LOCAL_RANK", "NODE_RANK", "GROUP_RANK"):
        try:
            if int(os.environ.get(name) or 0) > 0:
                return True
        except ValueError:
            continue
    return False


@contextlib.contextmanager
def claim_out(out: str | os.PathLike[str], *, overwrite: bool = False, resume: bool = False,
              flag: str = "--out") -> Iterator[Path]:
    """Check ``out`` and hold its lock while the block runs (module docstring).

    Raises
    ------
    InputError
        What ``out`` holds does not allow the flags; its folder cannot be created or
        written, or has less than :data:`MIN_FREE_BYTES` free; another fit holds it.
    """
    from ..artifact.target import check_target  # the artifact package imports torch

    path = Path(out)
    if child_rank():  # a DDP worker Lightning started: rank 0 holds --out and saves
        yield path
        return
    check_target(path, overwrite=overwrite, resume=resume, flag=flag)
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(_os_message(exc, parent, flag)) from None
    if not parent.is_dir():
        raise InputError(f"{flag}: '{parent}' is a file, not a folder. Choose another {flag}.")
    free = shutil.disk_usage(parent).free
    if free < MIN_FREE_BYTES:
        raise InputError(f"{flag}: only {free / 2**20:.1f} MiB free in '{parent}', and a fit "
                         f"needs at least {MIN_FREE_BYTES // 2**20} MiB for the run and its "
                         f"checkpoints. Free some space, or choose a {flag} on another disk.")
    lock = lock_path(path)
    try:
        fd = _lock(lock, flag, path)
    except OSError as exc:
        raise InputError(_os_message(exc, parent, flag)) from None
    try:
        # again, now that no other fit can change it
        check_target(path, overwrite=overwrite, resume=resume, flag=flag)
        yield path
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)
        os.close(fd)
