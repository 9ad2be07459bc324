"""One-hot or integer-code encoding of categorical columns: :class:`Categoricals`
(``--categorical``), with explicit ``__unknown__`` and ``__missing__`` buckets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._fitting import unfitted_on_error
from .._serialize import register
from ..errors import InputError, did_you_mean
from ._base import _check_column, _FeatureStep

UNKNOWN = "__unknown__"
MISSING = "__missing__"


@register
class Categoricals(_FeatureStep):
    """One-hot or integer-code encoding with explicit unknown and missing buckets.

    Parameters
    ----------
    columns : list of str
        The categorical columns (values are compared as strings).
    encoding : {"onehot", "codes"}, default "onehot"
        ``onehot``: one ``float64`` 0/1 column per bucket, ``{col}__{bucket}``;
        ``codes``: one ``int64`` column ``{col}__code`` holding the bucket index (for
        an embedding with ``len(vocabularies_[col])`` rows).
    max_categories : int, default 50
        Keep the most frequent categories of the training rows (ties by name); the
        rest go to ``__unknown__``.
    missing : {"bucket", "unknown"}, default "bucket"
        A missing value gets its own ``__missing__`` bucket, or goes to ``__unknown__``.

    Attributes
    ----------
    categories_ : dict
        ``{column: [category, ...]}`` kept from the training rows, most frequent first.
    vocabularies_ : dict
        ``{column: ["__unknown__", "__missing__", *categories]}``: bucket ``i`` is code ``i``.
    feature_names_out_ : list of str
    """

    def __init__(self, columns: Sequence[str] | None = None, encoding: str = "onehot",
                 max_categories: int = 50, missing: str = "bucket") -> None:
        self.columns = columns
        self.encoding = encoding
        self.max_categories = max_categories
        self.missing = missing

    @unfitted_on_error
    def fit(self, X: pd.DataFrame, y: Any = None, *, groups: Any = None) -> Categoricals:
        """Learn the categories of each column from the training rows ``X``."""
        self._record_columns(X)
        for name, value, choices in (("encoding", self.encoding, ("onehot", "codes")),
                                     ("missing", self.missing, ("bucket", "unknown"))):
            if value not in choices:
                raise InputError(
                    f"Categoricals({name}=...) must be one of {', '.join(choices)}, got "
                    f"{value!r}.{did_you_mean(str(value), choices)}")
        mc = self.max_categories
        if isinstance(mc, bool) or not isinstance(mc, (int, np.integer)) or mc < 1:
            raise InputError(
                f"Categoricals(max_categories=...) must be a whole number >= 1, got {mc!r}.")
        cols = [] if self.columns is None else (
            [self.columns] if isinstance(self.columns, str) else list(self.columns))
        categories: dict[str, list[str]] = {}
        for col in cols:
            c = _check_column(col, X, "Categoricals(columns=...)", numeric=False)
            s = X[c].astype("string")
            counts = s.dropna().value_counts()
            order = sorted(counts.items(), key=lambda kv: (-int(kv[1]), str(kv[0])))
            kept = [str(k) for k, _ in order[:int(mc)]]
            reserved = [k for k in kept if k in (UNKNOWN, MISSING)]
            if reserved:
                raise InputError(
                    f"Categoricals: column {c!r} holds the value {reserved[0]!r}, a name "
                    "seqguard reserves for its buckets. Rename that category.")
            categories[c] = kept
        self.categories_ = categories
        self.vocabularies_ = {c: self._buckets(k) for c, k in categories.items()}
        if self.encoding == "codes":
            self.feature_names_out_ = [f"{c}__code" for c in categories]
        else:
            self.feature_names_out_ = [f"{c}__{b}" for c, v in self.vocabularies_.items()
                                       for b in v]
        return self

    def _buckets(self, cats: list[str]) -> list[str]:
        return [UNKNOWN] + ([MISSING] if self.missing == "bucket" else []) + list(cats)

    def codes(self, X: pd.DataFrame, column: str) -> np.ndarray:
        """Bucket index of every row of ``column`` (0 = ``__unknown__``)."""
        self.check_fitted()
        vocab = self.vocabularies_[column]
        known = [i for i, b in enumerate(vocab) if b not in (UNKNOWN, MISSING)]
        s = X[column].astype("string")
        # the position of each value among the (unique) categories, -1 for unseen or NA:
        # the last entry of the lookup, bucket 0 (__unknown__)
        pos = pd.Index([vocab[i] for i in known], dtype="string").get_indexer(s)
        out = np.asarray(known + [0], dtype=np.int64)[pos]
        out[s.isna().to_numpy()] = vocab.index(MISSING) if MISSING in vocab else 0
        return out

    def transform(self, X: pd.DataFrame, *, groups: Any = None) -> pd.DataFrame:
        """Encode each row on its own (no history involved)."""
        self._check_columns(X)
        data: dict[str, np.ndarray] = {}
        for c, vocab in self.vocabularies_.items():
            codes = self.codes(X, c)
            if self.encoding == "codes":
                data[f"{c}__code"] = codes
            else:
                onehot = np.zeros((len(X), len(vocab)))
                onehot[np.arange(len(X)), codes] = 1.0
                for j, b in enumerate(vocab):
                    data[f"{c}__{b}"] = onehot[:, j]
        return self._frame(X, data)
