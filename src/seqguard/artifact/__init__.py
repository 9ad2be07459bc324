"""The run directory: save it atomically, verify it, load it back; data formats only.

A run directory holds (DESIGN.md, "Run directory")::

    RUN_DIR/
      model.safetensors   weights (safetensors only: loading runs no code)
      pipeline.json       schema, fitted preprocessing, options, versions
      metrics.json        scores (seqguard.metrics.build_metrics)
      history.csv         per-epoch training log
      audit.json          audit findings of the training data
      diagnosis.json      guard and diagnose findings
      report.html         optional (an extra file)
      model.K.safetensors, history.K.csv
                          member K >= 1 of an ensemble (``--ensemble``; extra files,
                          see :func:`member_files`); member 0 is model.safetensors
      MANIFEST.json       written last: SHA-256 and size of every file above

Guarantees:

* **All or nothing.** :func:`save_run` writes into a temporary sibling directory
  (``.<name>.tmp-<pid>-<random>`` in the same parent), checks it, writes
  ``MANIFEST.json`` last and renames the directory into place. On any failure the
  temporary directory is removed and ``RUN_DIR`` is left as it was.
* **Finite weights only.** A tensor with NaN or ±inf is refused before anything is
  written.
* **Tamper-evident.** :func:`load_run` checks the manifest (format, version, every
  file present with its SHA-256) before reading anything else, and reads weights with
  safetensors and JSON with ``json.loads`` only.
* **Untrusted.** A run may be crafted with a consistent MANIFEST, so nothing in it is
  trusted before it is checked (:mod:`seqguard.run_checks`, :mod:`seqguard.run_schema`):
  no symbolic link is followed, sizes and JSON depth are bounded, saved arrays, field
  types and the model config are checked before anything is built
  (docs/run-directory-safety.md).
* **Strict JSON.** Every JSON document goes through the one encoder,
  :func:`seqguard._serialize.json_value` (NaN and ±inf are ``null``, numpy values plain
  numbers), and is written with ``allow_nan=False``, ``indent=2`` (``MANIFEST.json``
  and ``pipeline.json`` with sorted keys), UTF-8.
* **Old runs still read.** :func:`load_run` maps finding codes that an older
  seqguard wrote to today's (:func:`seqguard.findings.upgrade_findings`), and the
  ``"nan"`` / ``"inf"`` strings an older audit.json held as evidence to ``None``.

Modules: :mod:`~seqguard.artifact.layout` (the file names), :mod:`~.files` (strict
JSON and durable writes), :mod:`~.manifest` (SHA-256 and the manifest),
:mod:`~.weights` (safetensors), :mod:`~.writer` (:func:`save_run`,
:func:`update_run`, :func:`save_failed`), :mod:`~.target` (:func:`folder_state`:
what an output folder holds), :mod:`~.reader` (:class:`Run`, :func:`load_run`,
:func:`verify_run`), :mod:`~.ensemble` (the files of ensemble members).

Errors: a problem with an existing run directory (missing file, altered file,
unknown format version, unreadable content) is an
:class:`~seqguard.errors.ArtifactError`; an output path that cannot be used (a
non-empty directory that is not a run, an existing run without ``overwrite``) is an
:class:`~seqguard.errors.InputError`.
"""

# The names the single-module seqguard.artifact had, private helpers the tests use included.
# ruff: noqa: F401

from __future__ import annotations

from .ensemble import load_member, member_files, member_history_name, member_weights_name
from .files import write_atomic
from .layout import FORMAT, FORMAT_VERSION, HISTORY, JSON_FILES, MANIFEST, MODEL, REQUIRED_FILES
from .manifest import _sha256
from .reader import Run, load_run, verify_run
from .target import folder_state
from .writer import save_failed, save_run, update_run

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MANIFEST",
    "REQUIRED_FILES",
    "Run",
    "folder_state",
    "load_member",
    "load_run",
    "member_files",
    "save_failed",
    "save_run",
    "update_run",
    "verify_run",
    "write_atomic",
]
