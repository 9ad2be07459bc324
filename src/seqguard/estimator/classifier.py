"""The per-sequence estimator, :class:`SequenceClassifier`, and its label handling.

One label per series, from variable-length packed sequences. Besides the class,
this module holds how the label column becomes class codes: reading it as any
column, checking it is constant within each series (``_series_labels``), turning
cells into plain JSON values (``_label_value``) and ordering the classes
(``_sorted_labels``). Scoring and prediction work per series, from the logits.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..pipeline import Prepared
from ..table import Table
from .base import _SequenceEstimator
from .registry import register


@register
class SequenceClassifier(_SequenceEstimator):
    """One label per sequence (series), from variable-length sequences.

    ``target`` is a column holding each series' label (constant within a series;
    missing cells are ignored): numbers or text, two classes or more. A series whose
    label is missing is left out of training and scoring, and is still predicted.
    The data needs a series column (``read_options={"series_col": ...}``,
    ``--series-col``). The label column is never an input. Sequences are packed,
    so padding is never read; ``max_len`` keeps the most recent steps.

    ``model="auto"`` is GRU-D here (when the inputs carry the observed-mask and
    time-since channels of the default missing-data strategy): on PhysioNet 2012
    mortality it raised the mean ROC-AUC over five splits from 0.798 (LSTM) to 0.813.
    ``pool``, ``class_weight``, ``select`` and ``static`` are documented, with their
    evidence, in docs/classification.md.

    Attributes
    ----------
    classes_ : list
        The labels, in class-code order (numbers sorted numerically, text
        lexicographically); probabilities and ``metrics_["classes"]`` follow it.

    Examples
    --------
    >>> import numpy as np, pandas as pd, seqguard
    >>> rng = np.random.default_rng(0)
    >>> df = pd.concat([pd.DataFrame({"id": k, "t": np.arange(20),
    ...                               "x": rng.normal(k % 2, 1, 20), "label": k % 2})
    ...                 for k in range(40)])
    >>> c = seqguard.SequenceClassifier("label", epochs=2, hidden=8, layers=1,
    ...     progress=False, read_options={"time_col": "t", "series_col": "id"}).fit(df)
    >>> c.classes_, sorted(c.predict(df).columns)
    ([0, 1], ['observed', 'prediction', 'proba_0', 'proba_1', 'series'])
    """

    task = "classify"
    _UNIT = "sequences"

    #: What ``"auto"`` resolves to for the classify options (measured on PhysioNet 2012
    #: in-hospital mortality, docs/classification.md).
    AUTO_MODEL = "grud"
    AUTO_POOL = "last"
    AUTO_SELECT = "loss"
    AUTO_STATIC = "none"
    AUTO_CLASS_WEIGHT = "none"

    def _resolve_pool(self) -> str:
        pool = str(self.pool).strip().lower()
        return self.AUTO_POOL if pool == "auto" else pool

    def _train_options(self, prep: Prepared, val_ds: Any) -> dict[str, Any]:
        """The monitor (``select``) and the class weights (``class_weight``)."""
        train = prep.datasets["train"]
        counts = np.bincount(train.labels[train.series_ids],
                             minlength=int(self.pipeline_.n_classes_)).astype(np.float64)
        weights = None
        how = "none" if self.class_weight is None else str(self.class_weight).strip().lower()
        if how == "auto":
            how = self.AUTO_CLASS_WEIGHT
        if how == "balanced":
            present = counts > 0
            w = np.zeros_like(counts)
            w[present] = counts.sum() / (present.sum() * counts[present])
            weights = [float(v) for v in w]
        select = str(self.select).strip().lower()
        if select == "auto":
            select = self.AUTO_SELECT
        monitor = None
        if select == "roc_auc" and val_ds is not None:
            val_classes = np.unique(val_ds.labels[val_ds.series_ids])
            if len(val_classes) == len(counts):
                monitor = "val_auc_loss"
            elif str(self.select).strip().lower() == "roc_auc":
                import warnings

                from ..errors import TrainingWarning

                warnings.warn(f"--select roc_auc needs every class in the validation part; "
                              f"it holds {len(val_classes)} of {len(counts)}. The validation "
                              "loss selects the best epoch instead. Pass a larger --val-frac "
                              "or --val-data with every class.", TrainingWarning, stacklevel=4)
        return {"monitor": monitor, "class_weights": weights}

    def _read(self, data: Any) -> Table:
        from ..io import read

        if isinstance(data, Table):
            return data
        opts = dict(self.read_options or {})
        features = opts.get("features")
        if features is not None:  # keep the label column: read drops unlisted columns
            names = features.split(",") if isinstance(features, str) else list(features)
            opts["features"] = [str(n).strip() for n in names] + [self.target]
        # the label may be text: read it as any column, it is encoded below
        return read(data, **opts)

    def _table(self, data: Any, *, fit: bool,
               drop_unlabelled: bool | None = None) -> tuple[Table, dict[str, Any]]:
        """Encode the label column into class codes; on ``fit`` drop unlabelled series.

        ``drop_unlabelled`` (default: ``fit``) drops the series without a label (or,
        outside ``fit``, with a label not among :attr:`classes_`) from the table.

        Returns the table the pipeline sees (the label column replaced by float codes,
        0 for an unlabelled series outside ``fit``) and ``{"codes": observed code per
        series (NaN: none), "labels": label per series (None: none), "has_labels"}``.
        """
        import dataclasses

        from ..errors import InputError, did_you_mean

        table = self._read(data)
        col = self.target
        if table.series_col is None:
            raise InputError(f"{table.source}: --task classify needs one label per sequence, "
                             "and the data has no series column. Pass --series-col naming "
                             "the column that identifies each sequence (read_options="
                             "{'series_col': ...} in Python).")
        frame = table.frame
        bounds = table.series_bounds()
        names = table.series_names()
        has_labels = col in frame.columns
        if not has_labels and fit:
            cols = [str(c) for c in frame.columns]
            raise InputError(f"{table.source} has no label column {col!r} (given by "
                             f"--target).{did_you_mean(col, cols)}")
        labels: list[Any] = [None] * len(names)
        if has_labels:
            labels = _series_labels(frame[col], bounds, names, col, table.source)
        if fit:
            seen = [v for v in labels if v is not None]
            if not seen:
                raise InputError(f"{table.source}, column {col!r}: no series has a label. "
                                 "Fill the label column.")
            self.classes_ = _sorted_labels(seen)
            if len(self.classes_) < 2:
                raise InputError(f"{table.source}, column {col!r}: every labelled series has "
                                 f"the label {self.classes_[0]!r}; classification needs at "
                                 "least two classes.")
        index = {v: k for k, v in enumerate(self.classes_)}
        codes = np.array([np.nan if v is None or v not in index else index[v]
                          for v in labels], dtype=np.float64)
        if (fit if drop_unlabelled is None else drop_unlabelled) and np.isnan(codes).any():
            keep = np.repeat(~np.isnan(codes), np.diff(bounds))
            frame = frame.loc[keep].reset_index(drop=True)
            table = dataclasses.replace(table, frame=frame, inserted=table.inserted[keep])
            labels = [v for v, c in zip(labels, codes) if not np.isnan(c)]
            codes = codes[~np.isnan(codes)]
            bounds = table.series_bounds()
        frame = frame.copy()
        frame[col] = np.repeat(np.nan_to_num(codes, nan=0.0), np.diff(bounds))
        table = dataclasses.replace(
            table, frame=frame, target=col,
            numeric=table.numeric + [col] if col not in table.numeric else table.numeric,
            categorical=[c for c in table.categorical if c != col])
        return table, {"codes": codes, "labels": labels, "has_labels": has_labels}

    def _given_table(self, data: Any, option: str) -> tuple[Table, dict[str, Any]]:
        """A given val / test file: labels of the training classes, unlabelled dropped."""
        table = self._read(data)
        col = self.target
        if col not in table.frame.columns:
            raise InputError(f"{table.source} (given by {option}) has no label column "
                             f"{col!r}; a validation or test set needs the labels.")
        labels = _series_labels(table.frame[col], table.series_bounds(), table.series_names(),
                                col, table.source) if table.series_col is not None else []
        unknown = [v for v in labels if v is not None and v not in self.classes_]
        if unknown:
            raise InputError(f"{table.source} (given by {option}), column {col!r}: the label "
                             f"{unknown[0]!r} is not among the training classes "
                             f"({', '.join(map(repr, self.classes_))}). Give it series of "
                             "the training classes only.")
        table, facts = self._table(table, fit=False, drop_unlabelled=True)
        if not len(facts["codes"]):
            raise InputError(f"{table.source} (given by {option}), column {col!r}: no series "
                             "has a label. Fill the label column.")
        return table, facts

    def _learn(self, prep: Prepared, facts: Any) -> None:
        codes = facts["codes"][prep.datasets["train"].series_ids].astype(np.int64)
        self.train_class_counts_ = np.bincount(codes, minlength=len(self.classes_)).tolist()

    def _state(self) -> dict[str, Any]:
        return {"classes": list(self.classes_),
                "train_class_counts": list(self.train_class_counts_)}

    def _set_state(self, state: dict[str, Any]) -> None:
        self.classes_ = list(state["classes"])
        self.train_class_counts_ = [int(c) for c in state["train_class_counts"]]

    def _series_logits(self, prep: Prepared, ds: Any) -> np.ndarray:
        """Logits (n_sequences, n_classes) of the sequences of ``ds``, in its order."""
        z = self._predict_scaled(ds).astype(np.float64)
        if z.ndim == 1 or z.shape[1] == 1:  # binary: one logit for class 1
            z = z.reshape(-1)
            z = np.stack([np.zeros_like(z), z], axis=1)
        return z

    def _score(self, prep: Prepared, which: str, facts: Any,
               guard_events: int) -> dict[str, Any]:
        from ..baselines import classification_baseline_scores
        from ..metrics import build_metrics

        ds = prep.datasets[which]
        logits = self._series_logits(prep, ds)
        codes = facts["codes"]
        y_true = codes[ds.series_ids]
        if not np.isfinite(y_true).any():
            raise InputError("the data has no labelled series to score. Fill the label "
                             f"column {self.target!r}, or use predict.")
        if which == "test":
            y_train = codes[prep.datasets["train"].series_ids]
        else:
            y_train = np.repeat(np.arange(len(self.train_class_counts_)),
                                self.train_class_counts_)
        K = len(self.classes_)
        n_windows = dict(getattr(self, "n_windows_", {}))
        n_windows["test"] = int(np.isfinite(y_true).sum())
        return build_metrics(
            task="classify", target=self.target, input_len=self.max_len, y_true=y_true,
            y_pred=logits, kind="logits", n_classes=K, classes=self.classes_,
            baselines=classification_baseline_scores(y_true, y_train, K),
            n_windows=n_windows, guard_events=guard_events)

    def evaluate(self, data: Any) -> dict[str, Any]:
        """Scores on every labelled series of ``data`` against the baselines.

        Returns the metrics.json form; ``n_windows.test`` counts the scored series. A
        label the model was not trained on is an error.
        """
        self._check()
        prep, facts = self._transform(data)
        unknown = [v for v in facts["labels"] if v is not None and v not in self.classes_]
        if unknown:
            raise InputError(f"the label column {self.target!r} holds {unknown[0]!r}, a class "
                             f"the model was not trained on (classes: "
                             f"{', '.join(map(repr, self.classes_))}). Score data with the "
                             "training classes only.")
        return self._score_new(prep, facts)

    def predict_proba(self, data: Any) -> pd.DataFrame:
        """Class probabilities per series: columns ``proba_<label>`` indexed by series."""
        frame = self.predict(data)
        return frame.set_index("series")[[c for c in frame.columns if c.startswith("proba_")]]

    def predict(self, data: Any) -> pd.DataFrame:
        """One row per series: the predicted label and the class probabilities.

        Returns
        -------
        pandas.DataFrame
            ``series``, ``prediction`` (a label of :attr:`classes_`, as in the data),
            ``proba_<label>`` for every class (rows sum to 1), and ``observed`` (the
            series' label, ``None`` when it has none) when the data has the label
            column.
        """
        self._check()
        prep, facts = self._transform(data)
        ds = prep.datasets["all"]
        z = self._series_logits(prep, ds)
        z = z - z.max(axis=1, keepdims=True)
        proba = np.exp(z)
        proba /= proba.sum(axis=1, keepdims=True)
        names = np.asarray(prep.table.series_names(), dtype=object)
        classes = np.empty(len(self.classes_), dtype=object)
        classes[:] = self.classes_
        out: dict[str, Any] = {"series": names[ds.series_ids],
                               "prediction": classes[np.argmax(proba, axis=1)]}
        for k, label in enumerate(self.classes_):
            out[f"proba_{label}"] = proba[:, k]
        if facts["has_labels"]:
            observed = np.empty(len(ds.series_ids), dtype=object)
            observed[:] = [facts["labels"][i] for i in ds.series_ids]
            out["observed"] = observed
        return pd.DataFrame(out)

    def score(self, data: Any) -> float:
        """Accuracy on the labelled series of ``data`` (greater is better)."""
        return float(self.evaluate(data)["test"]["accuracy"])


def _label_value(v: Any) -> Any:
    """A label as a plain JSON value: text stays text, an integral number is an int."""
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    f = float(v)
    return int(f) if f.is_integer() else f


def _sorted_labels(values: list[Any]) -> list[Any]:
    uniq = set(values)
    if all(not isinstance(v, str) for v in uniq):
        return sorted(uniq)
    return sorted(uniq, key=str)


def _series_labels(column: pd.Series, bounds: np.ndarray, names: list[str], col: str,
                   source: str) -> list[Any]:
    """The one label of each series (``None`` when missing); error if one varies."""
    from ..errors import InputError

    codes = np.repeat(np.arange(len(names)), np.diff(bounds))
    frame = pd.DataFrame({"s": codes, "v": column.to_numpy(dtype=object)})
    frame = frame[~pd.isna(frame["v"])]
    frame["v"] = [_label_value(v) for v in frame["v"]]
    per = frame.drop_duplicates()
    counts = per["s"].value_counts()
    varying = counts[counts > 1]
    if len(varying):
        k = int(varying.index.min())
        a, b = per.loc[per["s"] == k, "v"].iloc[:2].tolist()
        raise InputError(f"{source}, column {col!r}: the label varies within series "
                         f"{names[k]!r} ({a!r} and {b!r}). --task classify needs one label "
                         "per series: fix the column, or use --task tag for a label at "
                         "every step.")
    labels: list[Any] = [None] * len(names)
    for k, v in zip(per["s"].tolist(), per["v"].tolist()):
        labels[k] = v
    return labels
