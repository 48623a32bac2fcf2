"""Shared fixtures: the bundled dataset, a CLI runner, small CSV files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecli.dataset import Dataset, load

TIDY_HEADER = "reporter,partner,flow,period,value,unit,currency,flags,published,publisher,url"


@pytest.fixture(scope="session")
def bundled() -> Dataset:
    return load()


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("COLUMNS", "100")
    return CliRunner()


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write ``rows`` (lines without header) under the tidy header; return the path."""

    def write(rows: list[str], name: str = "data.csv", header: str = TIDY_HEADER) -> Path:
        path = tmp_path / name
        path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
        return path

    return write
