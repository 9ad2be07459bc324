"""How ``seqguard fit`` runs: its options, the estimator they describe, and the fit
itself with ``--out`` settled first (:mod:`seqguard.cli._outdir`), the failed fit's
diagnosis and report (exit 4), SIGTERM outside training, and the final lines."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from ..errors import InputError
from ..params import EXCLUSIVE, exclusive, not_for_task
from ._config import save_config as _save_config
from ._options import choice as _choice
from ._options import declared_options, estimator_params
from ._options import read_options as _read_options
from ._outdir import child_rank, claim_out
from ._output import _audit_gate, _print_budget, _print_scores, _run_line

__all__ = ["fit_options", "run_fit"]

_TASK_CLASSES = {"forecast": "Forecaster", "tag": "SequenceTagger",
                 "classify": "SequenceClassifier"}


def fit_options(f: Any) -> Any:
    """``fit``'s own options, then every declared parameter's (:mod:`seqguard.params`)."""
    f = declared_options(f)
    options = [
        click.option("--task", type=_choice(["forecast", "tag", "classify"]),
                     default="forecast", show_default=True),
        click.option("--val-data", type=click.Path(), default=None,
                     help="A validation set in a file of its own (read like DATA; "
                          "--val-frac 0 leaves no validation part in DATA)."),
        click.option("--test-data", type=click.Path(), default=None,
                     help="A test set in a file of its own (read like DATA): the scores "
                          "are computed on it; --test-frac 0 leaves no test part in DATA."),
        click.option("--resume", is_flag=True, help="Continue an interrupted run from its "
                                                    "last checkpoint."),
        click.option("--overwrite", is_flag=True, help="Replace an existing run directory."),
        click.option("--quiet", is_flag=True, help="No progress bar, only the result."),
        click.option("--verbose", is_flag=True,
                     help="Every audit finding of the training data, with its evidence."),
        click.option("--config", type=click.Path(), help="TOML file with any of these options."),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


def _given(ctx: click.Context | None, name: str) -> bool:
    """Whether the user gave an option (on the command line or in the TOML file)."""
    if ctx is None:
        return False
    source = ctx.get_parameter_source(name)
    return source in (click.core.ParameterSource.COMMANDLINE,
                      click.core.ParameterSource.DEFAULT_MAP)


def _check_given(task: str, params: dict[str, Any]) -> None:
    """An option given that does not apply (``--head`` with ``--task tag``, ``--val-frac``
    beside ``--val-start``) is refused, also when it spells out the default."""
    ctx = click.get_current_context(silent=True)
    owner = _TASK_CLASSES[task]
    from ..params import ESTIMATOR_PARAMS

    for p in ESTIMATOR_PARAMS:
        if p.name in params and task not in p.tasks and _given(ctx, p.name):
            raise not_for_task(owner, p.name, params[p.name], task)
    for date, frac in EXCLUSIVE:
        if params.get(date) is not None and _given(ctx, frac):
            raise exclusive(owner, date, params[date], frac, params[frac])


def _estimator(target: str, task: str, quiet: bool, kw: dict[str, Any]) -> Any:
    from ..estimator import Forecaster, SequenceClassifier, SequenceTagger

    cls = {"forecast": Forecaster, "tag": SequenceTagger, "classify": SequenceClassifier}[task]
    params = estimator_params(kw)
    _check_given(task, params)
    read_options = {k: v for k, v in _read_options(kw).items() if v is not None}
    # progress: a bar in a terminal, one line per epoch in a log, nothing with --quiet
    return cls(target, progress=not quiet, read_options=read_options,
               **params)


def run_fit(data: Any, target: str, out: str, task: str, quiet: bool, overwrite: bool,
            resume: bool, kw: dict[str, Any], verbose: bool = False) -> None:
    import shutil

    from ..artifact import save_failed, update_run, write_atomic
    from ..errors import TrainingFailed
    from ..report import REPORT
    from ..training.failure import failure_diagnosis

    if quiet and verbose:
        raise InputError("--quiet and --verbose ask for opposite things. Pass one of them.")
    if child_rank():  # DDP: the other processes show only their errors; rank 0 reports
        import warnings

        quiet, verbose = True, False
        warnings.simplefilter("ignore")
    est = _estimator(target, task, quiet, kw)
    show_audit = _audit_gate(quiet=quiet, ignore=bool(kw.get("ignore_audit")),
                             verbose=verbose)
    given = {k: kw.get(k) for k in ("val_data", "test_data")}
    # --out settled (and locked) before anything is read or trained: _outdir's table
    with claim_out(out, overwrite=overwrite, resume=resume) as path, _terminable():
        ckpt = path.parent / f".{path.name}.checkpoints"
        try:
            # a TrainingWarning ("still falling at the last epoch") prints through main's
            # warning hook as one "warning:" line, like every other warning
            est.fit(data, checkpoint_dir=str(ckpt), resume=resume, on_audit=show_audit,
                    **given)
        except TrainingFailed as exc:
            # exit 4: the diagnosis is saved (DESIGN.md), the guards' findings and events
            # with it; a finished run already in --out is kept (save_failed)
            diagnosis = failure_diagnosis(exc)
            folder = save_failed(path, diagnosis)
            _write_report(folder, None, None, write_atomic)
            if not quiet:
                for f in diagnosis["findings"]:
                    click.echo(f"{f.get('severity', 'error')}: {f.get('message', '')}",
                               err=True)
                if folder != path:
                    click.echo(f"note: the run in '{path}' is kept as it was; the "
                               f"diagnosis of this fit is in '{folder}'.", err=True)
            raise
        if child_rank():  # DDP: rank 0 writes the run directory and prints
            return
        est.save(path, overwrite=True)  # what --out holds was settled by claim_out
        shutil.rmtree(ckpt, ignore_errors=True)
        _write_report(path, data, est, lambda p, html: update_run(p.parent, {REPORT: html}))
    if not quiet:
        click.echo(est.grid_summary())
        base = getattr(est, "baseline_summary", lambda: None)()
        if base:
            click.echo(base)
    _print_budget(est, quiet)
    if not quiet:
        _print_scores(est.metrics_, est.get_params())
    if kw.get("save_config"):
        saved = _save_config(kw["save_config"], est)
        if not quiet:
            click.echo(f"configuration: {saved} (seqguard fit --config {saved} repeats the run)")
    if not quiet:
        click.echo(_run_line(path))


@contextlib.contextmanager
def _terminable() -> Iterator[None]:
    """SIGTERM before or after training (reading, preparing, saving) ends like SIGTERM
    during training, as :class:`~seqguard.training.FitInterrupted` (exit 143, the
    ``interrupted:`` line, the lock released), not as a silent kill. Training installs
    its own handler, which stops at a step boundary with a checkpoint."""
    import signal

    from ..training.interrupt import FitInterrupted

    def stop(signum: int, frame: Any) -> None:
        raise FitInterrupted(signum)

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _write_report(folder: Path, data: Any, est: Any, write: Any) -> None:
    """report.html into ``folder`` through ``write(path, html)``; a report that cannot be
    drawn is one warning, never the end of a fit whose run is saved."""
    from ..report import REPORT, report_html

    try:
        write(folder / REPORT, report_html(folder, data=data, estimator=est))
    except Exception as exc:  # noqa: BLE001 - the run is saved; the page is a view of it
        warnings.warn(f"report.html was not written ({type(exc).__name__}: {exc}); run "
                      f"'seqguard report {folder}' to try again.", stacklevel=1)


