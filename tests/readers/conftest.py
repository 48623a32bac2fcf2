"""Fixtures for the download readers: the fixture files and a read context."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from tradecli import readers
from tradecli.groups import load_bundled
from tradecli.readers.common import ReadContext

from .expect import FIXTURES


@pytest.fixture
def context() -> ReadContext:
    return ReadContext(group_codes=load_bundled().codes)


@pytest.fixture
def read(context: ReadContext) -> Callable[..., pd.DataFrame]:
    """Read a file (a fixture name or a path) with the shared context."""

    def read_file(file: str | Path, commodity: str = "TOTAL") -> pd.DataFrame:
        context.commodity = commodity
        path = file if isinstance(file, Path) else FIXTURES / file
        return readers.read_any(path, context)

    return read_file
