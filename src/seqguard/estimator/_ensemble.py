"""``ensemble=K``: K members trained with seeds seed..seed+K-1, one model averaging them,
and metrics.json's ``ensemble`` entry (docs/ensemble.md). A mixin of
:class:`~seqguard.estimator.base._SequenceEstimator`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..pipeline import Prepared


class _Ensemble:
    """The members of an ensemble, combined and scored."""

    if TYPE_CHECKING:  # the estimator's parameters and learned state
        model_: Any

        def __getattr__(self, name: str) -> Any: ...

    def _ensemble_model(self, members: list[Any]) -> Any:
        from ..models.ensemble import EnsembleModel

        self.member_histories_ = [r.history for _, r, _ in members[1:]]
        return EnsembleModel([m for m, _, _ in members]).eval()

    def _ensemble_summary(self, members: list[Any], prep: Prepared, which: str,
                          facts: Any) -> dict[str, Any]:
        """metrics.json's ``ensemble``: each member's seed, validation score, fit time
        and test scores (docs/ensemble.md)."""
        ensemble: Any = self.model_
        rows = []
        try:
            for k, (model, r, seconds) in enumerate(members):
                self.model_ = model
                test = self._score(prep, which, facts, guard_events=r.guard_events)["test"]
                rows.append({"member": k, "seed": int(self.seed) + k,
                             "best_val_loss": r.best_val_loss, "best_epoch": r.best_epoch,
                             "epochs_run": len(r.history), "stopped_reason": r.stopped_reason,
                             "guard_events": r.guard_events, "fit_seconds": round(seconds, 3),
                             "test": {k2: v for k2, v in test.items() if k2 != "by_horizon"}})
        finally:
            self.model_ = ensemble
        return {"k": len(members), "seeds": [row["seed"] for row in rows],
                "combine": "mean of the probabilities" if self.task == "classify"
                else "mean of the predictions",
                "fit_seconds": round(sum(m[2] for m in members), 3), "members": rows}
