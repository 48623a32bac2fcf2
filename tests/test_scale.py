"""Large files: the pyarrow fast path reads exactly what the plain path reads, and
the cache of parsed files gives back exactly what was read. No timings here:
``bench/`` measures speed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tradecli.caching import parsed
from tradecli.cli import app
from tradecli.dataset import load
from tradecli.errors import BadInput
from tradecli.groups import load_bundled
from tradecli.readers import tidy, tidy_fast
from tradecli.readers.common import ReadContext

pytestmark = pytest.mark.usefixtures("cache_dir")  # conftest: a cache of its own


@pytest.fixture(scope="module")
def generated(generate: Callable[[int, int], Path]) -> Path:
    return generate(15_000, 7)  # 750 kB: 46 blocks of 16 kB; TUR and AIA among its reporters


@pytest.fixture
def quirky(tmp_path: Path, generated: Path) -> Path:
    """Generated rows plus what real files have: units, decimals, names, an extra column."""
    lines = generated.read_text(encoding="utf-8").splitlines()
    head = lines[0] + ",note"
    rows = [f"{line},n{i % 3}" for i, line in enumerate(lines[1:2000])]
    rows += [
        "Azerbaijan,Tajikistan,Exports,2023-Q1,2.30,million,usd,about; Over,2023-04-25,"
        'Trend,https://x.example/a,"a note, with a comma"',
        "AZE,TJK,import,2023-01/2023-07,0100,thousand,,,,,,",
        "AZ,KAZ,turnover,2022,5.8,billion,USD,low-trust,2023-01-05,,,",
        "AZE,WORLD,turnover,2023-H1,007,unit,EUR,official-statement,,Agency ,, ",
    ]
    path = tmp_path / "quirky.csv"
    path.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    return path


def _read(
    path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch, reporters: frozenset[str] | None = None
) -> pd.DataFrame:
    monkeypatch.setattr(tidy_fast, "MIN_BYTES", 0 if fast else 1 << 62)
    context = ReadContext(group_codes=load_bundled().codes, reporters=reporters)
    if fast:
        frame = tidy_fast.read(path, context)
        assert frame is not None, "the fast path fell back"
        return frame
    return tidy.read(path, context)


# The default, one block for the whole file; and blocks of a few hundred rows, some
# with one reporter, some with two, read by several threads.
@pytest.mark.parametrize("chunk_bytes", [tidy_fast.CHUNK_BYTES, 16 << 10])
@pytest.mark.parametrize("reporters", [None, frozenset({"TUR", "AIA"})])
def test_fast_path_reads_what_the_plain_path_reads(
    generated: Path,
    monkeypatch: pytest.MonkeyPatch,
    reporters: frozenset[str] | None,
    chunk_bytes: int,
) -> None:
    monkeypatch.setattr(tidy_fast, "CHUNK_BYTES", chunk_bytes)
    fast = _read(generated, True, monkeypatch, reporters)
    plain = _read(generated, False, monkeypatch, reporters)
    assert len(fast) > 0
    pd.testing.assert_frame_equal(fast, plain, check_exact=True)


@pytest.mark.parametrize("chunk_bytes", [tidy_fast.CHUNK_BYTES, 16 << 10])
def test_fast_path_keeping_no_row(
    generated: Path, monkeypatch: pytest.MonkeyPatch, chunk_bytes: int
) -> None:
    monkeypatch.setattr(tidy_fast, "CHUNK_BYTES", chunk_bytes)
    nobody = frozenset({"ZZZ"})  # no such reporter: an empty frame, with the same columns
    fast = _read(generated, True, monkeypatch, nobody)
    plain = _read(generated, False, monkeypatch, nobody)
    assert len(plain) == 0
    pd.testing.assert_frame_equal(fast, plain, check_exact=True)


def test_fast_path_on_quirky_values(quirky: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _read(quirky, True, monkeypatch)
    plain = _read(quirky, False, monkeypatch)
    pd.testing.assert_frame_equal(fast, plain, check_exact=True)


@pytest.mark.parametrize(
    "bad_row",
    [
        "AZE,TJK,export,2023-13,5,,USD,,,,",  # bad period
        "AZE,TJK,export,2023-01,-5,,USD,,,,",  # negative
        "AZE,TJK,export,2023-01,5,,USD,,,,,",  # a field too many
        "",  # a blank line: the plain path skips it
        'AZE,TJK,export,2023-01,"1,234",,USD,,,,',  # a thousands separator
        'AZE,TJK,export,2023-01,5,,USD,,,"two\nlines",',  # a line break in a value
    ],
)
def test_anything_unusual_goes_down_the_plain_path(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad_row: str
) -> None:
    lines = generated.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "odd.csv"
    path.write_text("\n".join([*lines[:500], bad_row, *lines[500:1000]]) + "\n", encoding="utf-8")
    monkeypatch.setattr(tidy_fast, "MIN_BYTES", 0)
    context = ReadContext(group_codes=load_bundled().codes)
    assert tidy_fast.read(path, context) is None
    try:
        plain: pd.DataFrame | str = tidy.read(path, ReadContext(group_codes=load_bundled().codes))
    except BadInput as exc:
        plain = str(exc)
    monkeypatch.setattr(tidy_fast, "MIN_BYTES", 1 << 62)
    try:
        again: pd.DataFrame | str = tidy.read(path, ReadContext(group_codes=load_bundled().codes))
    except BadInput as exc:
        again = str(exc)
    if isinstance(plain, str):
        assert plain == again and f"{path}:501" in plain
    else:
        assert isinstance(again, pd.DataFrame)
        pd.testing.assert_frame_equal(plain, again, check_exact=True)


@pytest.mark.parametrize(
    "odd_row",
    [
        "aze,TJK,export,2023-01,5,,USD,,,,",  # a code in lower case
        "AZ,TJK,export,2023-01,5,,USD,,,,",  # alpha-2
        " AZE ,TJK,export,2023-01,5,,USD,,,,",  # spaces around a code
        "AZE,TJK,export,2010-13,5,,USD,,,,",  # no month 13
        "AZE,TJK,export,2023-1,5,,USD,,,,",  # a one-digit month
        "AZE,TJK,export,2023-01,5,,usd,,,,",  # a currency in lower case
        "AZE,TJK,export,2023-01,5,,US,,,,",  # not a currency code
        "AZE,TJK,export,2023-01,5,,USD,,2010-02-30,,",  # no such day
        "AZE,TJK,export,2023-01,5,,USD,,2010-2-3,,",  # not YYYY-MM-DD
        "AZE,TJK,export,2023-01,5,,USD,,,Agência Brasil,",  # UTF-8 beyond ASCII
    ],
)
def test_both_paths_agree_on_an_odd_value_deep_in_the_file(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, odd_row: str
) -> None:
    """The fast path reads the value as the plain path does, or, when the plain path
    reports it, leaves the file to the plain path."""
    lines = generated.read_text(encoding="utf-8").splitlines()[:4001]
    path = tmp_path / "odd.csv"
    path.write_text("\n".join([*lines[:2000], odd_row, *lines[2000:]]) + "\n", encoding="utf-8")
    chunk = 16 << 10
    assert len("\n".join(lines[:2000]).encode()) > 4 * chunk  # many blocks before it, and after
    assert len("\n".join(lines[2000:]).encode()) > 4 * chunk
    monkeypatch.setattr(tidy_fast, "CHUNK_BYTES", chunk)
    monkeypatch.setattr(tidy_fast, "MIN_BYTES", 0)
    fast = tidy_fast.read(path, ReadContext(group_codes=load_bundled().codes))
    monkeypatch.setattr(tidy_fast, "MIN_BYTES", 1 << 62)
    try:
        plain = tidy.read(path, ReadContext(group_codes=load_bundled().codes))
    except BadInput as exc:
        assert fast is None
        assert f"{path}:2001" in str(exc)
    else:
        assert fast is not None, "the fast path fell back"
        pd.testing.assert_frame_equal(fast, plain, check_exact=True)


def test_a_file_not_in_utf8_goes_down_the_plain_path(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = generated.read_bytes()
    cut = data.index(b"\n", len(data) * 2 // 3) + 1
    row = "AZE,TJK,export,2023-01,5,,USD,,,Agência Brasil,\n".encode("cp1252")
    path = tmp_path / "latin.csv"
    path.write_bytes(data[:cut] + row + data[cut:])
    monkeypatch.setattr(tidy_fast, "CHUNK_BYTES", 16 << 10)
    monkeypatch.setattr(tidy_fast, "MIN_BYTES", 0)
    context = ReadContext(group_codes=load_bundled().codes)
    assert tidy_fast.read(path, context) is None
    frame = tidy.read(path, context)
    assert "Agência Brasil" in set(frame["publisher"])
    assert context.notes == [f"{path}: not UTF-8; read as cp1252"]


def _summary(runner: CliRunner, path: Path, *extra: str) -> str:
    reporter = path.read_text(encoding="utf-8").splitlines()[1].split(",")[0]
    result = runner.invoke(
        app, ["--format", "json", "--data", str(path), *extra, "summary", "--reporter", reporter]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_command_output_is_the_same_on_both_paths(
    generated: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tidy_fast, "MIN_BYTES", 0)
    fast = _summary(runner, generated, "--no-cache")
    monkeypatch.setattr(tidy_fast, "MIN_BYTES", 1 << 62)
    plain = _summary(runner, generated, "--no-cache")
    assert fast == plain
    assert json.loads(fast)["series"]


def test_cache_gives_back_what_was_read(
    generated: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch, runner: CliRunner
) -> None:
    monkeypatch.setattr(parsed, "MIN_BYTES", 0)
    first = load([generated]).frame
    entries = list(cache_dir.glob("*.arrow"))
    assert len(entries) == 1

    def no_reading(*_: object) -> None:
        raise AssertionError("the file was read again")

    with monkeypatch.context() as patch:
        patch.setattr("tradecli.readers.read_any", no_reading)
        second = load([generated]).frame
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    uncached = load([generated], use_cache=False).frame
    pd.testing.assert_frame_equal(first, uncached, check_exact=True)
    assert _summary(runner, generated) == _summary(runner, generated, "--no-cache")


def test_a_corrupt_entry_is_rebuilt(
    generated: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parsed, "MIN_BYTES", 0)
    first = load([generated]).frame
    (entry,) = cache_dir.glob("*.arrow")
    entry.write_bytes(b"not arrow at all")
    pd.testing.assert_frame_equal(first, load([generated]).frame, check_exact=True)
    assert entry.read_bytes()[:6] == b"ARROW1"


def test_a_changed_file_replaces_its_entry(
    generated: Path, tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parsed, "MIN_BYTES", 0)
    path = tmp_path / "changing.csv"
    lines = generated.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:300]) + "\n", encoding="utf-8")
    assert len(load([path]).frame) == 299
    path.write_text("\n".join(lines[:400]) + "\n", encoding="utf-8")
    assert len(load([path]).frame) == 399
    assert len(list(cache_dir.glob("*.arrow"))) == 1


def test_racing_writers_leave_a_whole_entry(
    generated: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    monkeypatch.setattr(parsed, "MIN_BYTES", 0)
    frames: list[pd.DataFrame] = []
    work: Callable[[], None] = lambda: frames.append(load([generated]).frame)  # noqa: E731
    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(frames) == 3
    assert [p.name for p in cache_dir.iterdir() if p.name.startswith(".tmp")] == []
    pd.testing.assert_frame_equal(frames[0], load([generated]).frame, check_exact=True)
