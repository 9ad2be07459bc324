"""The Lightning module that trains a seqguard model (its per-step numbers: ``_steps``).

:class:`SeqguardModule` wraps any ``nn.Module`` with
``forward(x, last=None, lengths=None)``. It uses **manual optimisation** so that the
step is explicit and cheap to guard:

1. forward, masked loss (a missing target never enters the loss);
2. ``zero_grad`` → ``manual_backward`` → ``optimizer.step()``; Lightning calls the
   ``on_before_optimizer_step`` hooks of the callbacks (the guards) and then of
   this module inside that step, after the gradients are unscaled under
   ``16-mixed``;
3. in its own hook the module skips the step when the batch had no observed
   target or the loss / gradient is non-finite (gradients are set to ``None``, so
   the optimiser leaves every weight and its moment estimates untouched), and
   otherwise clips the gradient norm (``clip``, the ``"norm"`` algorithm, exactly
   ``torch.nn.utils.clip_grad_norm_``) and adds the step to the epoch's numbers.

Lightning's ``Trainer(gradient_clip_val=...)`` cannot be combined with manual
optimisation, which is why the module clips itself, with the same algorithm.

Per step the module makes **one** host synchronisation: the loss, the number of
observed targets and the total gradient norm come back together in
:meth:`step_stats`, computed once and shared by every guard. Per-layer gradient
norms and the other epoch sums stay on the device until the epoch ends.

Defaults (see the design notes, "Defaults"): AdamW, lr 1e-3, weight decay 1e-4
(small, decoupled: AdamW without it is Adam), gradient-norm clipping at 1.0,
``ReduceLROnPlateau`` on the monitored loss (factor 0.5, patience 3), L1 loss for
regression. ``"sgd"`` uses momentum 0.9.

Epochs are counted from 1 in the history, the events and the findings.
"""

from __future__ import annotations

import math
import signal
from typing import Any

import lightning as L
import torch
from torch import nn

from ..findings import finding_dict
from ._steps import (
    OPTIMIZERS,
    EpochStats,
    StepStats,
    _choice,
    _set_loader_epoch,
    _shard_target,
    _Sums,
    auc_loss,
    build_optimizer,
    grad_group_names,
)
from .losses import check_loss_name, classification_loss, masked_loss

__all__ = [
    "OPTIMIZERS",
    "TASKS",
    "EpochStats",
    "SeqguardModule",
    "StepStats",
    "build_optimizer",
    "grad_group_names",
]

TASKS = ("forecast", "tag", "classify")


class SeqguardModule(L.LightningModule):
    """Train ``model`` with a masked loss, guarded steps and per-epoch history.

    Parameters
    ----------
    model : nn.Module
        ``forward(x, last=None, lengths=None)``; forecast returns ``(B, H)``, tag
        ``(B, L)``, classify logits ``(B,)`` / ``(B, 1)`` (binary) or ``(B, C)``.
    task : {"forecast", "tag", "classify"}
    loss : {"l1", "mse", "huber"}
        Regression loss (ignored for ``classify``, which uses BCE / cross-entropy).
    optimizer : {"adamw", "adam", "rmsprop", "sgd"}
    lr, weight_decay : float
    clip : float or None
        Maximum total gradient norm; ``None`` or 0 turns clipping off.
    lr_factor, lr_patience : float, int
        ``ReduceLROnPlateau`` on the monitored loss.
    target_stats : dict, optional
        ``{"mean": ..., "std": ...}`` of the training target as the model sees it
        (scaled units); lets :class:`~seqguard.training.CollapseGuard` tell an
        unscaled target.
    feature_names : list of str, optional
        Names of the input features (columns of ``x``), for error messages.
    class_weights : list of float, optional
        ``classify`` only: the loss weight of each class (training and validation
        loss; see :func:`~seqguard.training.losses.classification_loss`).

    Attributes
    ----------
    history : list of dict
        One row per finished epoch.
    events : list of dict
        Guard events: ``epoch``, ``step``, ``guard``, ``reason``, ``message``.
    findings : list of dict
        ``severity``, ``code``, ``message``, ``evidence``, ``fix`` (one per code).
    """

    def __init__(self, model: nn.Module, *, task: str = "forecast", loss: str = "l1",
                 optimizer: str = "adamw", lr: float = 1e-3, weight_decay: float = 1e-4,
                 clip: float | None = 1.0, lr_factor: float = 0.5, lr_patience: int = 3,
                 target_stats: dict[str, float] | None = None,
                 feature_names: list[str] | None = None,
                 class_weights: list[float] | None = None) -> None:
        super().__init__()
        self.model = model
        self.automatic_optimization = False
        self.task = _choice("task", task, TASKS)
        self.loss_name = check_loss_name(loss)
        self.optimizer_name = _choice("optimizer", optimizer, OPTIMIZERS)
        self.lr = float(lr)
        self.weight_decay = float(weight_decay)
        self.clip = float(clip) if clip else 0.0
        self.lr_factor = float(lr_factor)
        self.lr_patience = int(lr_patience)
        self.target_stats = dict(target_stats) if target_stats else None
        self.feature_names = list(feature_names) if feature_names is not None else None
        self.class_weights = None if class_weights is None else [float(w) for w in
                                                                 class_weights]
        self._class_weights_t: torch.Tensor | None = None
        self.monitor = "val_loss"
        self.history: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.findings: list[dict[str, Any]] = []
        self.epoch_offset = 0       # epochs finished before this Trainer (resume)
        self.step_count = 0         # training steps over the whole run (the current one, in a step)
        self.stop_reason: str | None = None
        self.scheduler: torch.optim.lr_scheduler.ReduceLROnPlateau | None = None
        self._pending_restore: dict[str, Any] | None = None
        self.val_source: Any = None  # the validation loader, for the epoch-0 score
        self.train_source: Any = None  # the training loader, sharded across processes
        self.world_size = 1  # training processes (DDP); set in setup()
        self.pending_signal: Any = None  # SIGINT/SIGTERM noted while training (.signum)
        self.stop_signum: int | None = None  # a signal on any process (DDP), per step
        self._start_val_loss: float | None = None
        self._start_auc_loss = math.nan
        groups, index, recurrent = grad_group_names(model)
        self.grad_groups = groups
        self.grad_group_recurrent = recurrent
        self._group_index_list = index
        self._params: list[nn.Parameter] = [p for p in model.parameters() if p.requires_grad]
        self._group_index: torch.Tensor | None = None
        self._row: dict[str, Any] = {}
        self._a = _Sums(len(groups), torch.device("cpu"))

    # ------------------------------------------------------------------ config
    def config(self) -> dict[str, Any]:
        """The settings a resumed run should share with the run it continues."""
        out = {"task": self.task, "loss": self.loss_name, "optimizer": self.optimizer_name,
               "weight_decay": self.weight_decay, "clip": self.clip,
               "groups": list(self.grad_groups)}
        if self.class_weights is not None or self.monitor not in ("val_loss", "train_loss"):
            out |= {"class_weights": self.class_weights, "monitor": self.monitor}
        return out

    def configure_optimizers(self) -> torch.optim.Optimizer:
        opt = build_optimizer(self.optimizer_name, self._params, self.lr, self.weight_decay)
        self.scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt, mode="min", factor=self.lr_factor, patience=self.lr_patience)
        return opt

    # ------------------------------------------------------------------ epochs
    @property
    def epoch_number(self) -> int:
        """The current epoch, counted from 1 over the whole run (resume included)."""
        trainer = self._trainer
        if trainer is None:
            return self.epoch_offset + 1
        # ``ready`` counts epochs whose start hooks began: right inside an epoch (from
        # the first ``on_train_epoch_start``) and still the last epoch after the loop.
        ready = trainer.fit_loop.epoch_progress.current.ready
        return self.epoch_offset + max(int(ready), 1)

    @property
    def current_lr(self) -> float:
        trainer = self._trainer
        if trainer is None or not trainer.optimizers:
            return self.lr
        return float(trainer.optimizers[0].param_groups[0]["lr"])

    # ------------------------------------------------------------------ events
    def record_event(self, guard: str, reason: str, message: str) -> dict[str, Any]:
        """Append a guard event (why a guard fired) and return it."""
        event = {"epoch": self.epoch_number, "step": self.step_count, "guard": guard,
                 "reason": reason, "message": message}
        self.events.append(event)
        return event

    def add_finding(self, severity: str, code: str, message: str,
                    evidence: dict[str, Any], fix: str) -> dict[str, Any]:
        """Add a finding for ``diagnosis.json``; a later one replaces an earlier one
        with the same ``code``."""
        finding = finding_dict(severity, code, message, evidence, fix)
        self.findings = [f for f in self.findings if f["code"] != code] + [finding]
        return finding

    # ------------------------------------------------------------------ loss
    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:  # type: ignore[override]
        extra = {"y_in": batch.get("y_in")} if getattr(self.model, "needs_y_in", False) else {}
        if "static" in batch:
            extra["static"] = batch["static"]
        return self.model(batch["x"], last=batch.get("last"), lengths=batch.get("lengths"),
                          **extra)

    def loss_from(self, pred: torch.Tensor, batch: dict[str, torch.Tensor]
                  ) -> tuple[torch.Tensor, torch.Tensor]:
        """Masked loss of ``pred`` against the batch's targets, and their count."""
        if self.task == "classify":
            w = None
            if self.class_weights is not None:
                if self._class_weights_t is None or self._class_weights_t.device != pred.device:
                    self._class_weights_t = torch.tensor(self.class_weights,
                                                         dtype=torch.float32,
                                                         device=pred.device)
                w = self._class_weights_t
            return classification_loss(pred, batch["y"], w)
        return masked_loss(pred, batch["y"], batch.get("y_mask"), self.loss_name)

    # ------------------------------------------------------------------ training
    def _zero_epoch_sums(self, device: torch.device) -> None:
        self._a = _Sums(len(self.grad_groups), device)

    def setup(self, stage: str) -> None:
        """Under DDP, give each process its share of every training batch.

        The training loader is sharded by its own seeded sampler (every window once per
        epoch over all processes; ``batch_size`` is the global batch). Validation is
        not sharded: every process scores the whole validation part, so the monitored
        numbers, early stopping and the best state agree on every process.
        """
        self.world_size = int(self.trainer.world_size)
        if self.world_size <= 1:
            return
        target = _shard_target(self.train_source)
        if target is not None:
            target.set_shard(self.trainer.global_rank, self.world_size)
        elif self.train_source is not None:
            import warnings

            from ..errors import SeqguardWarning

            warnings.warn(f"the training loader ({type(self.train_source).__name__}) cannot "
                          f"be sharded, so each of the {self.world_size} processes trains on "
                          "all of it; use seqguard.windows.WindowLoader (or its "
                          "torch_loader()) to give each process its share.", SeqguardWarning,
                          stacklevel=2)

    def reduce_sum(self, values: torch.Tensor) -> torch.Tensor:
        """Sum ``values`` over the training processes (itself with one process)."""
        if self.world_size <= 1:
            return values
        return self.trainer.strategy.reduce(values, reduce_op="sum")

    def reduce_mean(self, values: list[float]) -> list[float]:
        """The mean of each number over the training processes (one collective), so
        that every process reads the same value; the numbers themselves with one."""
        if self.world_size <= 1:
            return values
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        return self.trainer.strategy.reduce(t, reduce_op="mean").tolist()

    def on_train_start(self) -> None:
        self._group_index = torch.tensor(self._group_index_list, dtype=torch.long,
                                         device=self.device)
        if self._pending_restore is not None:
            from .checkpoint import restore_training_state

            restore_training_state(self, self._pending_restore)
            self._pending_restore = None

    def on_train_epoch_start(self) -> None:
        self._zero_epoch_sums(self.device)
        self._row = {"epoch": self.epoch_number, "train_loss": math.nan, "val_loss": math.nan,
                     "lr": math.nan}
        _set_loader_epoch(self.trainer.train_dataloader, self.epoch_number - 1)

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self.step_count += 1  # steps are numbered from 1 over the whole run
        opt = self.optimizers()
        opt.zero_grad(set_to_none=True)  # type: ignore[union-attr]
        pred = self(batch)
        loss, n = self.loss_from(pred, batch)
        self._a.loss_t, self._a.n_t = loss.detach(), n.detach()
        self._a.stats = None
        self._a.skip = None
        self.manual_backward(loss)
        opt.step()  # type: ignore[union-attr]  # -> on_before_optimizer_step hooks

    def step_stats(self) -> StepStats:
        """This step's loss, target count and gradient norms (computed once, one sync)."""
        if self._a.stats is None:
            params = self._params
            grads = [p.grad for p in params]
            if self._group_index is None or self._group_index.device != self.device:
                self._group_index = torch.tensor(self._group_index_list, dtype=torch.long,
                                                 device=self.device)
            index = self._group_index
            if any(g is None for g in grads):
                keep = [i for i, g in enumerate(grads) if g is not None]
                grads = [grads[i] for i in keep]
                index = index[torch.tensor(keep, dtype=torch.long, device=index.device)]
            gsq = torch.zeros(len(self.grad_groups), dtype=torch.float32, device=self.device)
            if grads:
                norms = torch.stack(torch._foreach_norm(grads)).float()  # type: ignore[arg-type]
                gsq.index_add_(0, index, norms.square())
            total = gsq.sum().sqrt()
            loss_t, n_t = self._a.loss_t, self._a.n_t
            assert loss_t is not None and n_t is not None  # set by training_step
            if self.world_size > 1:
                # every process reads the same loss and target count (so every guard
                # decides the same, in the same step): a non-finite loss on one process
                # is non-finite on all. The gradients are already averaged by DDP.
                # A signal noted on any process stops all of them after this step.
                signum = getattr(self.pending_signal, "signum", None)
                flag = torch.tensor(float(signum or 0), dtype=torch.float64,
                                    device=loss_t.device)
                both = self.reduce_sum(torch.stack([loss_t.double() * n_t.double(),
                                                    n_t.double(), flag]))
                n_all = both[1]
                loss_t = torch.where(n_all > 0, both[0] / n_all.clamp(min=1.0), both[0])
                n_t = n_all
                host = torch.stack([loss_t.float(), n_t.float(), total, both[2].float()]
                                   ).tolist()
                if host[3] > 0:
                    self.stop_signum = int(signum or signal.SIGTERM)
            else:
                host = torch.stack([loss_t.float(), n_t.float(), total]).tolist()
            self._a.stats = StepStats(host[0], host[1], host[2], total, gsq.sqrt())
        return self._a.stats

    def skip_step(self, reason: str) -> None:
        """Leave the weights and optimiser state untouched for this step."""
        if self._a.skip is None:
            self._a.skip = reason
        for p in self._params:
            p.grad = None

    @property
    def step_skipped(self) -> str | None:
        """Why this step is skipped, or ``None``."""
        return self._a.skip

    def on_before_optimizer_step(self, optimizer: torch.optim.Optimizer) -> None:
        st = self.step_stats()
        if self._a.skip is None:
            if st.n_targets == 0:
                self.skip_step("no_target")
            elif not st.finite:
                self.skip_step("non_finite")
        if self._a.skip is not None:
            self._a.n_skipped += 1
            return
        if self.clip > 0:
            if st.total_norm > self.clip:
                self._a.n_clipped += 1
            torch.nn.utils.clip_grads_with_norm_(self._params, self.clip, st.total_norm_t)
        self._a.n_steps += 1
        self._a.sum_loss += st.loss * st.n_targets
        self._a.sum_n += st.n_targets
        self._a.sum_total_norm += st.total_norm
        self._a.sum_group += st.group_norms_t

    def epoch_train_stats(self) -> EpochStats:
        """This epoch's training numbers so far (one sync, then cached)."""
        if self._a.epoch_stats is None:
            steps = self._a.n_steps
            groups = (self._a.sum_group / max(steps, 1)).tolist()
            self._a.epoch_stats = EpochStats(
                train_loss=self._a.sum_loss / self._a.sum_n if self._a.sum_n > 0 else math.nan,
                steps=steps, skipped=self._a.n_skipped,
                clip_fraction=self._a.n_clipped / steps if steps else math.nan,
                grad_norm_total=self._a.sum_total_norm / steps if steps else math.nan,
                grad_norms={g: (v if steps else math.nan) for g, v in
                            zip(self.grad_groups, groups)})
        return self._a.epoch_stats

    def epoch_value(self, name: str) -> float:
        """``"val_loss"``, ``"val_auc_loss"`` (1 − validation ROC-AUC) or ``"train_loss"``
        of the current epoch (NaN if unknown)."""
        if name == "train_loss":
            return self.epoch_train_stats().train_loss
        return float(self._row.get(name, math.nan))

    def on_train_epoch_end(self) -> None:
        st = self.epoch_train_stats()
        row = self._row
        row["train_loss"] = st.train_loss
        row.setdefault("val_loss", math.nan)
        row["lr"] = self.current_lr
        row["grad_norm_total"] = st.grad_norm_total
        for g, v in st.grad_norms.items():
            row[f"grad_norm_{g}"] = v
        row["clip_fraction"] = st.clip_fraction
        row["skipped_steps"] = st.skipped
        row.setdefault("collapse_ratio", math.nan)
        epoch = self.epoch_number
        row["guard_events"] = "; ".join(f"{e['guard']}:{e['reason']}@{e['step']}"
                                        for e in self.events if e["epoch"] == epoch)
        self.history.append(dict(row))
        self.log("train_loss", st.train_loss, sync_dist=self.world_size > 1)
        self.log("lr", row["lr"], sync_dist=self.world_size > 1)
        value = self.epoch_value(self.monitor)
        if self.scheduler is not None and math.isfinite(value):
            self.scheduler.step(value)

    # ------------------------------------------------------------------ validation
    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        pred = self(batch)
        loss, n = self.loss_from(pred, batch)
        if self.monitor == "val_auc_loss":
            self._a.val_scores.append((pred.detach().float().cpu(), batch["y"].detach().cpu()))
        s = self._a.val
        s[0] += loss.detach().double() * n.double()
        s[1] += n.double()
        p, t, w = self._collapse_pairs(pred.detach(), batch)
        if p is None:
            return
        if self._a.val_shift is None:
            cnt = w.sum().clamp(min=1.0)
            self._a.val_shift = ((p * w).sum() / cnt, (t * w).sum() / cnt)
        p = (p - self._a.val_shift[0]) * w
        t = (t - self._a.val_shift[1]) * w
        s[2] += p.sum()
        s[3] += (p * p).sum()
        s[4] += t.sum()
        s[5] += (t * t).sum()
        s[6] += w.sum()

    def _collapse_pairs(self, pred: torch.Tensor, batch: dict[str, torch.Tensor]
                        ) -> tuple[torch.Tensor | None, torch.Tensor, torch.Tensor]:
        """Predictions and targets (float64, zeros where unobserved) and the weights."""
        y = batch["y"]
        if self.task == "classify":
            if pred.dim() == 2 and pred.shape[1] > 1:
                return None, y, y
            p = torch.sigmoid(pred.reshape(-1).double())
            return p, y.reshape(-1).double(), torch.ones_like(p)
        if pred.dim() == y.dim() + 1 and pred.shape[-1] == 1:
            pred = pred.squeeze(-1)
        obs = torch.isfinite(y)
        if batch.get("y_mask") is not None:
            obs = obs & batch["y_mask"].to(torch.bool)
        w = obs.double()
        zero = torch.zeros((), dtype=torch.float64, device=y.device)
        return (torch.where(obs, pred.double(), zero), torch.where(obs, y.double(), zero), w)

    def on_validation_epoch_start(self) -> None:
        self._a.reset_val(self.device)

    def on_validation_epoch_end(self) -> None:
        if self.trainer.sanity_checking:
            return
        loss_sum, n, sp, sp2, st, st2, cnt = torch.stack(self._a.val).tolist()
        val_loss = loss_sum / n if n > 0 else math.nan
        ratio = math.nan
        if cnt > 1:
            var_p = max(sp2 / cnt - (sp / cnt) ** 2, 0.0)
            var_t = max(st2 / cnt - (st / cnt) ** 2, 0.0)
            if var_t > 0:
                ratio = math.sqrt(var_p / var_t)
        auc = auc_loss(self._a.val_scores) if self.monitor == "val_auc_loss" else math.nan
        # every process scored the whole validation part: the same numbers, made
        # exactly equal so that no kernel's rounding can split the processes' decisions
        val_loss, ratio, auc = self.reduce_mean([val_loss, ratio, auc])
        self._row["val_loss"] = val_loss
        self._row["collapse_ratio"] = ratio
        self.log("val_loss", val_loss, sync_dist=self.world_size > 1)
        if self.monitor == "val_auc_loss":
            self._row["val_auc_loss"] = auc
            self.log("val_auc_loss", auc, sync_dist=self.world_size > 1)

    # ------------------------------------------------------------------ epoch 0
    def start_val_loss(self) -> float:
        """The validation loss of the model as it is before the first step ("epoch 0").

        Computed once (in ``on_train_start``, by the first guard that asks) over
        :attr:`val_source` exactly as at the end of an epoch (eval mode, no gradient,
        the mean loss over observed targets), leaving every RNG state untouched; NaN
        without a validation loader. With the residual head an untrained model is its
        baseline, so this is the baseline's validation loss.
        """
        if self._start_val_loss is None:
            self._start_val_loss, self._start_auc_loss = self._evaluate(self.val_source)
        return self._start_val_loss

    def start_value(self, monitor: str) -> float:
        """The monitored value of the untrained model (``"val_loss"`` or
        ``"val_auc_loss"``), computed once as :meth:`start_val_loss`."""
        loss = self.start_val_loss()
        return self._start_auc_loss if monitor == "val_auc_loss" else loss

    def _evaluate(self, loader: Any) -> tuple[float, float]:
        if loader is None:
            return math.nan, math.nan
        trainer = self.trainer
        plugin = trainer.precision_plugin
        was_training = self.model.training
        total = torch.zeros((), dtype=torch.float64, device=self.device)
        count = torch.zeros((), dtype=torch.float64, device=self.device)
        scores: list[tuple[torch.Tensor, torch.Tensor]] = []
        self.model.eval()
        try:
            with torch.random.fork_rng(devices=[]), torch.no_grad(), plugin.val_step_context():
                for batch in loader:
                    batch = plugin.convert_input(batch)
                    batch = trainer.strategy.batch_to_device(batch)
                    pred = self(batch)
                    loss, n = self.loss_from(pred, batch)
                    total += loss.detach().double() * n.double()
                    count += n.double()
                    if self.monitor == "val_auc_loss":
                        scores.append((pred.detach().float().cpu(), batch["y"].detach().cpu()))
        finally:
            self.model.train(was_training)
        t, c = torch.stack([total, count]).tolist()
        mean = t / c if c > 0 else math.nan
        score = auc_loss(scores) if scores else math.nan
        mean, score = self.reduce_mean([mean, score])
        return mean, score

    # ------------------------------------------------------------------ state
    def run_state(self) -> dict[str, Any]:
        """History, events, findings and counters, for a checkpoint."""
        return {"history": [dict(r) for r in self.history], "events": list(self.events),
                "findings": list(self.findings), "step_count": self.step_count,
                "stop_reason": self.stop_reason}

    def load_run_state(self, state: dict[str, Any]) -> None:
        """Inverse of :meth:`run_state`."""
        self.history = [dict(r) for r in state["history"]]
        self.events = list(state["events"])
        self.findings = list(state["findings"])
        self.step_count = int(state["step_count"])
        self.stop_reason = state.get("stop_reason")
