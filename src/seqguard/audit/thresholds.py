"""The thresholds of the audit, in one place so that messages and tests agree.

Shares are fractions of the rows (or of the observed values) of a column; scales
are robust (IQR-based, see :mod:`seqguard.audit.statistics`).
"""

from __future__ import annotations

MISSING_WARN_FRACTION = 0.01      # inputs: below this, missing values are info
TARGET_MISSING_WARN_FRACTION = 0.2
NEAR_CONSTANT_INFO = 0.99         # one value is this share of observed values
NEAR_CONSTANT_WARN = 0.999
RANGE_IQRS = 10.0                 # typical range: median ± 10 IQR
SENTINEL_MIN_COUNT = 3
SENTINEL_MIN_SHARE = 0.0005
SENTINEL_DOMINANCE = 5            # times more frequent than any other tail value
OUTLIER_Z = 10.0                  # robust z: |x - median| / (1.4826 MAD)
OUTLIER_WARN_FRACTION = 0.001     # outliers are a warning from this share ...
OUTLIER_WARN_Z = 20.0             # ... or when the worst is this far out; else info
SCALE_RATIO = 1e3
LARGE_VALUE = 1e4                 # typical |value| (quartiles) from which raw input saturates
HIGH_CARDINALITY = 50
LEAK_MAX_SHIFT = 24
LEAK_MATCH = 0.95
LEAK_CORR = 0.999
SERIES_BAD_MISSING = 0.5
SERIES_MISSING_MARGIN = 0.3
SHORT_SERIES = 0.1                # shorter than this share of the median length
SAMPLE = 8_192                    # sample size of the correlation prefilter
QUANTILE_SAMPLE = 16_384          # quantiles and modes: exact up to this many values,
                                   # else from a fixed random sample of this size
LEAK_SAMPLE = 2_048
