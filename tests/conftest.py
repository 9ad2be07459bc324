"""Shared fixtures: a seed, the shared data folder, quiet CPU-only settings."""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("SEQGUARD_DATA", ROOT.parent / "shared" / "data")).resolve()
BEIJING = DATA_DIR / "beijing_pm25" / "PRSA_data_2010.1.1-2014.12.31.csv.gz"


@pytest.fixture
def seed() -> int:
    """Seed every random generator; return the seed."""
    random.seed(0)
    np.random.seed(0)
    try:
        import torch

        torch.manual_seed(0)
    except ImportError:  # pragma: no cover
        pass
    return 0


@pytest.fixture
def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The read-only shared data folder (../shared/data or $SEQGUARD_DATA)."""
    if not DATA_DIR.is_dir():
        pytest.fail(f"shared data folder not found at {DATA_DIR}; set SEQGUARD_DATA")
    return DATA_DIR


@pytest.fixture(scope="session")
def beijing_path(shared_data: Path) -> Path:
    assert BEIJING.is_file(), BEIJING
    return BEIJING
