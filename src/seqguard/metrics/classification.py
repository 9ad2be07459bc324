"""Classification scores over observed labels: accuracy, ROC AUC, PR AUC and log loss."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from ..errors import InputError
from .values import _opt

__all__ = ["classification_scores"]


def _labels(y_true: Any, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (integer labels of the observed rows, observed mask)."""
    y = np.asarray(y_true)
    if y.ndim != 1:
        raise InputError(f"y_true has shape {y.shape}; expected (n,) class codes.")
    if y.dtype.kind == "b":
        y = y.astype(np.int64)
    if y.dtype.kind not in "iuf":
        raise InputError(f"y_true has dtype {y.dtype}; expected class codes 0 .. "
                         f"{n_classes - 1} (NaN for missing).")
    yf = y.astype(np.float64)
    mask = ~np.isnan(yf)
    lab = yf[mask]
    if lab.size and (np.any(lab != np.round(lab)) or lab.min() < 0 or lab.max() >= n_classes):
        bad = lab[(lab != np.round(lab)) | (lab < 0) | (lab >= n_classes)][0]
        raise InputError(f"y_true holds {bad:g}, which is not a class code 0 .. "
                         f"{n_classes - 1}. Encode the labels as 0, 1, ... or raise "
                         "n_classes.")
    return lab.astype(np.int64), mask


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def _log_proba(scores: Any, n_classes: int, kind: str, n: int) -> np.ndarray:
    """Log class probabilities (n, n_classes) from logits or probabilities."""
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim == 2 and s.shape[1] == 1:
        s = s[:, 0]
    if s.ndim == 1:
        if n_classes != 2:
            raise InputError(f"a 1-D score array is the positive-class score of a binary "
                             f"task, but n_classes={n_classes}; pass (n, {n_classes}) "
                             "scores.")
        if kind == "auto":
            kind = "proba" if np.all((s >= 0) & (s <= 1)) else "logits"
        if kind == "logits":
            # log sigmoid(z), log sigmoid(-z), computed stably
            lp = -np.logaddexp(0.0, -s)
            ln = -np.logaddexp(0.0, s)
        else:
            lp, ln = np.log(s), np.log1p(-s)
        out = np.stack([ln, lp], axis=1)
    elif s.ndim == 2:
        if s.shape[1] != n_classes:
            raise InputError(f"scores have {s.shape[1]} columns but n_classes={n_classes}; "
                             "pass one column per class.")
        if kind == "auto":
            ok = np.all((s >= 0) & (s <= 1)) and np.allclose(s.sum(axis=1), 1.0, atol=1e-4)
            kind = "proba" if ok else "logits"
        if kind == "logits":
            out = _log_softmax(s)
        else:
            out = np.log(s / s.sum(axis=1, keepdims=True))
    else:
        raise InputError(f"scores have shape {s.shape}; expected (n, n_classes) or (n,).")
    if len(out) != n:
        raise InputError(f"y_true has {n} rows but the scores have {len(out)}; pass one "
                         "score row per label.")
    return out


def classification_scores(y_true: Any, logits_or_proba: Any, *, n_classes: int,
                          kind: Literal["auto", "logits", "proba"] = "auto",
                          classes: Sequence[Any] | None = None) -> dict[str, Any]:
    """Accuracy, ROC AUC, PR AUC (average precision) and log loss over observed labels.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Class codes ``0 .. n_classes-1``; NaN marks a missing label (masked out).
    logits_or_proba : array-like of shape (n, n_classes), or (n,) / (n, 1) when binary
        Logits or probabilities; a 1-D array is the positive class of a binary task.
    n_classes : int
        Number of classes (>= 2).
    kind : {"auto", "logits", "proba"}
        What the scores are. ``"auto"`` reads them as probabilities when they lie in
        [0, 1] (and, with one column per class, each row sums to 1), else as logits:
        pass the kind explicitly when it is known.
    classes : sequence, optional
        The label of each class code, for the notes (which name labels, not codes).

    Returns
    -------
    dict
        ``accuracy``; ``roc_auc`` (binary, or one-vs-rest macro average over the
        classes present in ``y_true``); ``pr_auc`` (average precision, the same
        averaging); ``log_loss`` (natural log, probabilities clipped at machine
        epsilon as scikit-learn does); ``n_observed``; ``notes``: a dict of reasons
        for every score that is ``None`` or averaged over fewer classes.

    Examples
    --------
    >>> s = classification_scores([0, 1, 1, np.nan], [0.2, 0.9, 0.4, 0.5], n_classes=2)
    >>> s["accuracy"], s["roc_auc"]
    (0.6666666666666666, 1.0)
    """
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) \
            or n_classes < 2:
        raise InputError(f"The 'n_classes' parameter must be an integer >= 2. Got "
                         f"{n_classes!r} instead.")
    if kind not in ("auto", "logits", "proba"):
        raise InputError(f"The 'kind' parameter must be 'auto', 'logits' or 'proba'. Got "
                         f"{kind!r} instead.")
    K = int(n_classes)
    lab, mask = _labels(y_true, K)
    with np.errstate(all="ignore"):  # NaN/inf scores are reported just below
        logp_all = _log_proba(logits_or_proba, K, kind, len(mask))
    logp = logp_all[mask]
    if lab.size == 0:
        raise InputError("y_true has no observed label (all NaN): there is nothing to "
                         "score. Check the test part and the label column.")
    if not np.all(np.isfinite(logp) | (logp == -np.inf)):
        raise InputError("the scores hold NaN/inf at observed labels: the model failed. "
                         "Run `seqguard diagnose` on the run directory.")
    proba = np.exp(logp)
    notes: dict[str, str] = {}
    pred = np.argmax(proba, axis=1)
    accuracy = float(np.mean(pred == lab))
    eps = np.finfo(np.float64).eps
    picked = np.clip(proba[np.arange(len(lab)), lab], eps, 1.0 - eps)
    log_loss = _opt(float(-np.mean(np.log(picked))))

    present = np.unique(lab)
    name = (lambda k: classes[k]) if classes is not None and len(classes) == K \
        else (lambda k: k)
    roc_auc: float | None
    pr_auc: float | None
    if len(present) < 2:
        reason = (f"only class {name(int(present[0]))!r} is present among the {len(lab)} observed "
                  "labels; AUC needs at least two classes")
        roc_auc = pr_auc = None
        notes["roc_auc"] = notes["pr_auc"] = reason
    elif K == 2:
        roc_auc = _opt(roc_auc_score(lab, proba[:, 1]))
        pr_auc = _opt(average_precision_score(lab, proba[:, 1]))
    else:
        aucs = [roc_auc_score(lab == k, proba[:, k]) for k in present]
        aps = [average_precision_score(lab == k, proba[:, k]) for k in present]
        roc_auc, pr_auc = _opt(np.mean(aucs)), _opt(np.mean(aps))
        if len(present) < K:
            missing = [name(k) for k in sorted(set(range(K)) - set(present.tolist()))]
            note = (f"one-vs-rest macro average over the {len(present)} classes present; "
                    f"class(es) {missing} have no observed label")
            notes["roc_auc"] = notes["pr_auc"] = note
    return {"accuracy": accuracy, "roc_auc": roc_auc, "pr_auc": pr_auc,
            "log_loss": log_loss, "n_observed": int(lab.size), "notes": notes}
