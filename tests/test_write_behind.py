"""The console script writes a parsed file's cache entry behind the answer
(``caching.write_behind``): ``load`` returns before the entry is written, the process
waits for it once the answer is out, and the entry gives back what was read."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import pandas as pd
import pytest

import tradecli.caching
from tradecli.caching import parsed, store
from tradecli.cli import process
from tradecli.dataset import load


@pytest.fixture
def small_csv(write_csv: Callable[..., Path]) -> Path:
    return write_csv(
        [
            "AZE,TJK,export,2023-01,100,,USD,,,,",
            "AZE,TJK,export,2023-02,250,,USD,,,,",
            "AZE,TJK,import,2023-01,40,,USD,,,,",
        ]
    )


@pytest.fixture
def behind(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every file worth caching, entries written behind; the cache folder."""
    monkeypatch.setattr(parsed, "MIN_BYTES", 0)
    monkeypatch.setattr(tradecli.caching, "write_behind", True)
    yield cache_dir
    parsed.settle()  # no writer outlives its test


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Entries are written only once this is set (30 s at most)."""
    opened = threading.Event()
    write = store.write

    def held(entry: Path, fill: Callable[[BinaryIO], None]) -> bool:
        opened.wait(timeout=30)
        return write(entry, fill)

    monkeypatch.setattr(store, "write", held)
    return opened


def test_load_returns_before_the_entry_is_written_and_settle_waits_for_it(
    behind: Path, small_csv: Path, gate: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load([small_csv]).frame
    assert not list(behind.glob("*.arrow"))  # still being written
    gate.set()
    parsed.settle()
    assert len(list(behind.glob("*.arrow"))) == 1
    assert not list(behind.glob(".tmp-*"))

    def no_reading(*_: object) -> None:
        raise AssertionError("the file was read again")

    monkeypatch.setattr("tradecli.readers.read_any", no_reading)
    again = load([small_csv]).frame
    pd.testing.assert_frame_equal(first, again, check_exact=True)
    # the values as written in the file, in its order (by hand)
    assert again["value"].tolist() == [100.0, 250.0, 40.0]


def test_the_console_script_waits_for_the_entry_before_it_exits(
    cache_dir: Path, small_csv: Path, gate: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``run`` turns writing behind on and settles: the entry is there when it exits,
    though the command returned while a writer was still held."""
    monkeypatch.setattr(parsed, "MIN_BYTES", 0)
    seen: list[bool] = []

    def command() -> None:
        load([small_csv])
        seen.append(bool(list(cache_dir.glob("*.arrow"))))
        threading.Timer(0.2, gate.set).start()  # let the writer go only after we return

    monkeypatch.setattr(process, "main", command)
    previous = process.signal.getsignal(process.signal.SIGINT)
    try:
        with pytest.raises(SystemExit) as ended:
            process.run()
    finally:
        process.signal.signal(process.signal.SIGINT, previous)
    assert ended.value.code == 0
    assert not tradecli.caching.write_behind  # put back for whatever runs next here
    assert seen == [False]  # not written when the command was done
    assert len(list(cache_dir.glob("*.arrow"))) == 1  # written before run ended
