"""``seqguard fit ... --save-config FILE.toml``: the effective configuration of a run.

The file holds every option of the run, the defaults it used included, as the TOML that
``--config`` reads (keys are option names; DATA is the key ``data``), so that
``seqguard fit --config FILE.toml --out OTHER`` repeats the run exactly: the same data,
options and seed give the same weights and the same ``metrics.json``. Left out are:

* options without a value (``None`` means "not set" and TOML has no null): the file
  says which in a comment;
* options for another task, and a ``--val-frac`` / ``--test-frac`` beside its date:
  ``fit`` refuses those when they are given, even spelling the default;
* the options that steer the command, not the run: ``--config``, ``--save-config``,
  ``--overwrite``, ``--resume``, ``--quiet``, ``--verbose``.

What ``auto`` resolved to at fit (the grid, the batch size) is written as comments: the
file keeps ``auto``, which resolves the same way on the same data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..errors import InputError

__all__ = ["check_save_config", "effective_config", "save_config"]

#: options that steer the command rather than describe the run
NOT_SAVED = ("config", "save_config", "overwrite", "resume", "quiet", "verbose")


def check_save_config(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """``--save-config FILE``: refuse a folder or a missing folder before any training."""
    if value is None:
        return value
    path = Path(value)
    if path.is_dir():
        raise InputError(f"--save-config '{value}' is a folder. Pass a file name such as "
                         f"{path / 'run.toml'}.")
    if not path.parent.is_dir():
        raise InputError(f"--save-config '{value}': the folder '{path.parent}' does not "
                         "exist. Create it, or pass a file in an existing folder.")
    return value


def effective_config(params: dict[str, Any], order: list[str]) -> dict[str, Any]:
    """The options to save from a ``fit`` command's values (``ctx.params``), in the
    command's order (``order``), as the module docstring says.

    Examples
    --------
    >>> effective_config({"data": "d.csv", "task": "tag", "head": "residual", "lr": 0.001,
    ...                   "quiet": True, "time_col": None}, ["data", "task", "head", "lr"])
    {'data': 'd.csv', 'task': 'tag', 'lr': 0.001}
    """
    from ..params import ESTIMATOR_PARAMS, EXCLUSIVE

    task = params.get("task") or "forecast"
    skip = set(NOT_SAVED)
    skip |= {p.name for p in ESTIMATOR_PARAMS if task not in p.tasks}
    skip |= {frac for date, frac in EXCLUSIVE if params.get(date) is not None}
    names = [n for n in order if n in params] + [n for n in params if n not in order]
    return {n: params[n] for n in names if n not in skip and params[n] is not None}


def _resolved(est: Any) -> list[str]:
    """What ``auto`` and the reader's guesses came to at fit, as comment lines."""
    lines = [est.grid_summary()]
    audit = getattr(est, "audit_", {}).get("summary", {})
    if audit.get("time_col"):
        lines.append(f"time column: {audit['time_col']!r}")
    budget = getattr(est, "budget_", {})
    if budget.get("batch_size") is not None:
        lines.append(f"batch size: {budget['batch_size']}"
                     + (" (auto)" if budget.get("auto") else ""))
    return lines


def save_config(path: str, est: Any, ctx: click.Context | None = None) -> Path:
    """Write the configuration of the ``fit`` running now (its click context) to ``path``
    (through a temporary sibling, so a reader never sees half a file)."""
    import tomli_w

    from .. import __version__

    ctx = ctx or click.get_current_context()
    order = [str(p.name) for p in ctx.command.params if p.name]
    config = effective_config(dict(ctx.params), order)
    unset = sorted(n for n in order if n in ctx.params and ctx.params[n] is None
                   and n not in NOT_SAVED)
    header = [f"seqguard {__version__}: the configuration of a fit (--save-config).",
              f"'seqguard fit --config {Path(path).name} --out OTHER_DIR' repeats the run.",
              *(f"resolved at fit: {line}" for line in _resolved(est))]
    if unset:
        header.append(f"not set (their default): {', '.join(unset)}")
    text = "".join(f"# {line}\n" for line in header) + "\n" + tomli_w.dumps(config)
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    return target
