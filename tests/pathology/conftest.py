"""One torch thread for the pathology suite.

The models here are tiny (hidden 16-32, batches of 16-64), where a second thread
only adds synchronisation, and the results stay the same whatever the machine's
core count. The previous setting is put back after the suite.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch


@pytest.fixture(autouse=True, scope="package")
def one_torch_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
