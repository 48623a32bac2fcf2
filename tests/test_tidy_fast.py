"""The fast path for large tidy files (``tidy_fast``): the frame and the output are what
a plain read gives, with and without a reporter filter, with a bad row deep inside,
with a column of new values in every row. No timings here: ``bench/`` measures speed."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradecli.caching import keys, parsed, store
from tradecli.cli import main
from tradecli.groups import load_bundled
from tradecli.readers import tidy, tidy_fast
from tradecli.readers.context import ReadContext

from .conftest import TIDY_HEADER


@pytest.fixture(scope="module")
def generated(generate: Callable[[int, int], Path]) -> Path:
    return generate(10_000, 5)


@pytest.fixture(autouse=True)
def small_is_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The generated file (about 500 kB) counts as large, in blocks of a few hundred rows."""
    monkeypatch.setenv(store.ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(tidy_fast, "MIN_BYTES", 0)
    monkeypatch.setattr(tidy_fast, "CHUNK_BYTES", 16 << 10)
    monkeypatch.setattr(keys, "LARGE_BYTES", 0)
    monkeypatch.setattr(parsed, "MIN_BYTES", 0)


@pytest.fixture
def readers(monkeypatch: pytest.MonkeyPatch) -> list[tidy_fast._Reader]:
    """Every reading begun, ahead or not."""
    begun: list[tidy_fast._Reader] = []
    real = tidy_fast._Reader.start

    def counting(self: tidy_fast._Reader) -> None:
        begun.append(self)
        real(self)

    monkeypatch.setattr(tidy_fast._Reader, "start", counting)
    return begun


def _context(reporters: frozenset[str] | None = None) -> ReadContext:
    return ReadContext(group_codes=load_bundled().codes, reporters=reporters)


def _plain(path: Path, context: ReadContext, monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    with monkeypatch.context() as patch:
        patch.setattr(tidy_fast, "MIN_BYTES", 1 << 62)
        return tidy.read(path, context)


def _reporter(path: Path) -> str:
    with path.open(encoding="utf-8") as rows:
        return rows.readlines()[1].split(",")[0]


def test_a_column_with_a_new_value_in_every_row(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An id per row: past a few thousand distinct values they are looked up in a dict
    (rebuilding the Arrow set for every block would grow with the square of the rows)."""
    monkeypatch.setattr(tidy_fast, "_KNOWN_MAX", 500)
    path = tmp_path / "ids.csv"
    lines = generated.read_text(encoding="utf-8").splitlines()
    rows = [f"{line},id{i}" for i, line in enumerate(lines[1:6000])]
    path.write_text("\n".join([lines[0] + ",id", *rows]) + "\n", encoding="utf-8")
    frame = tidy_fast.read(path, _context())
    assert frame is not None and frame["id"].nunique() == 5999
    pd.testing.assert_frame_equal(frame, _plain(path, _context(), monkeypatch), check_exact=True)


@pytest.mark.parametrize("many", [500, 1 << 30])
@pytest.mark.parametrize("some", [False, True])
def test_a_provenance_column_with_a_new_value_in_every_row(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, many: int, some: bool
) -> None:
    """A page per row in ``url`` (a categorical): its categories are those of the rows
    kept (one reporter's, or all), found by Arrow or, past ``_KNOWN_MAX``, by dict."""
    monkeypatch.setattr(tidy_fast, "_KNOWN_MAX", many)
    path = tmp_path / "pages.csv"
    lines = generated.read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith(",url")
    rows = [f"{line}https://example.org/{i}" for i, line in enumerate(lines[1:6000])]
    path.write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
    reporter = frozenset({_reporter(path)}) if some else None
    frame = tidy_fast.read(path, _context(reporter))
    assert frame is not None
    kept = [r for r in rows if not some or r.split(",")[0] in reporter]  # type: ignore[operator]
    assert 0 < len(kept) < 5999 if some else len(kept) == 5999
    assert sorted(frame["url"].cat.categories) == sorted(r.rsplit(",", 1)[1] for r in kept)
    pd.testing.assert_frame_equal(
        frame, _plain(path, _context(reporter), monkeypatch), check_exact=True
    )


@pytest.mark.parametrize("breaks", ["\r\n", "\r", "mixed"])
def test_line_breaks_other_than_newline(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, breaks: str
) -> None:
    """Rows are counted as blocks are taken (at each \\n), so that the workers can put
    the numbers in place: \\r\\n is read the fast way, a lone \\r (which ends a row
    too) sends the file the plain way. Either way the frame is the plain path's."""
    lines = generated.read_text(encoding="utf-8").splitlines()[:3000]
    if breaks == "mixed":
        text = "".join(line + ("\r" if i % 7 == 3 else "\n") for i, line in enumerate(lines))
    else:
        text = breaks.join(lines) + breaks
    path = tmp_path / "breaks.csv"
    path.write_bytes(text.encode("utf-8"))
    frame = tidy_fast.read(path, _context())
    assert (frame is None) == ("\r" in text.replace("\r\n", ""))
    plain = _plain(path, _context(), monkeypatch)
    assert list(plain["line"][:3]) == [2, 3, 4] and len(plain) == 2999
    if frame is not None:
        pd.testing.assert_frame_equal(frame, plain, check_exact=True)


def test_one_reporters_whole_blocks_have_only_its_categories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lines of one length and blocks of exactly 40 of them: with ``--reporter AZE`` the
    first block is kept whole and the others are left out whole. The categories are
    those of AZE's rows alone (TJK, export), as the plain path makes them."""
    rows = [
        f"AZE,TJK,export,{2000 + i // 12}-{i % 12 + 1:02d},{100000 + i},,USD,,,," for i in range(40)
    ]
    rows += [
        f"TUR,DEU,import,{2000 + i // 12}-{i % 12 + 1:02d},{200000 + i},,EUR,,,," for i in range(80)
    ]
    assert len({len(row) for row in rows}) == 1
    path = tmp_path / "whole.csv"
    path.write_text("\n".join([TIDY_HEADER, *rows]) + "\n", encoding="utf-8")
    monkeypatch.setattr(tidy_fast, "CHUNK_BYTES", 40 * (len(rows[0]) + 1))
    context = _context(frozenset({"AZE"}))
    frame = tidy_fast.read(path, context)
    assert frame is not None and len(frame) == 40
    assert list(frame["partner"].cat.categories) == ["TJK"]
    assert list(frame["flow"].cat.categories) == ["export"]
    assert list(frame["currency"].cat.categories) == ["USD"]
    assert list(frame["line"]) == list(range(2, 42))
    pd.testing.assert_frame_equal(
        frame, _plain(path, _context(frozenset({"AZE"})), monkeypatch), check_exact=True
    )


def _main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[str, str, int]:
    old = sys.argv
    sys.argv = ["tradecli", *argv]
    try:
        with pytest.raises(SystemExit) as exit_:
            main()
    finally:
        sys.argv = old
    out = capsys.readouterr()
    return out.out, out.err, int(exit_.value.code or 0)


@pytest.mark.parametrize(
    "spelling",
    [
        ["summary", "--reporter", "{r}"],
        ["summary", "-r", "{r}"],
        ["summary", "-r{r}"],
        ["summary", "--reporter={r}", "--format", "json"],
        ["--commodity", "TOTAL", "summary", "--reporter", "{r}"],
        ["summary", "--reporter", "{r}", "--groups", "{groups}"],
        ["share", "--vs", "world", "--reporter", "{r}"],
    ],
)
def test_the_fast_path_and_its_reporter_filter_answer_as_the_plain_path(
    generated: Path,
    tmp_path: Path,
    readers: list[tidy_fast._Reader],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    spelling: list[str],
) -> None:
    monkeypatch.setenv("TRADECLI_RESULT_CACHE_MIN_BYTES", str(1 << 62))  # no replay
    monkeypatch.setenv("COLUMNS", "100")
    groups = tmp_path / "groups.csv"
    groups.write_text(
        "group,member,valid_from,valid_to,note\nmine,AZE,,,\nmine,TJK,,,\n", encoding="utf-8"
    )
    filled = (a.format(r=_reporter(generated), groups=groups) for a in spelling)
    argv = ["--data", str(generated), *filled]
    fast = _main(argv, capsys)
    assert len(readers) == 1 and fast[2] == 0  # read by the fast path
    monkeypatch.setattr(tidy_fast, "MIN_BYTES", 1 << 62)
    assert _main([*argv, "--no-cache"], capsys) == fast  # read the plain way
    assert len(readers) == 1


def test_a_bad_row_deep_in_a_large_file_gives_the_plain_message(
    generated: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "bad.csv"
    lines = generated.read_text(encoding="utf-8").splitlines()
    lines[8000] = lines[8000].replace(",export,", ",exprot,").replace(",import,", ",imprt,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    argv = ["--data", str(path), "summary", "--reporter", _reporter(generated)]
    out, err, code = _main(argv, capsys)
    assert code == 1 and f"{path}:8001: flow:" in err
    monkeypatch.setattr(tidy_fast, "MIN_BYTES", 1 << 62)
    assert _main([*argv, "--no-cache"], capsys) == (out, err, code)


def test_a_cached_parsed_file_is_not_read_again(
    generated: Path,
    readers: list[tidy_fast._Reader],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRADECLI_RESULT_CACHE_MIN_BYTES", str(1 << 62))
    argv = ["--data", str(generated), "summary", "--reporter", _reporter(generated)]
    first = _main(argv, capsys)
    assert len(readers) == 1
    assert _main([*argv, "--flow", "export"], capsys)[2] == 0  # the same rows, from the cache
    assert len(readers) == 1
    assert _main(argv, capsys) == first


@pytest.mark.parametrize("span", [False, True])
def test_months_alone_share_one_array_and_one_value_columns_are_zeros(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, span: bool
) -> None:
    """A file of single months: ``first`` and ``last`` are one array; a column of one
    value (currency USD, written or not; the empty publisher) has codes that are zeros,
    the categories by hand. With a year among the months (``span``), ``last`` is its own
    array, 2023's December. Either way, the frame is the plain path's."""
    rows = [f"AZE,TJK,export,2023-{m:02d},{m},{'USD' if m % 2 else ''},,," for m in range(1, 13)]
    if span:
        rows.append("AZE,TJK,import,2023,100,USD,,,")
    path = tmp_path / "months.csv"
    header = "reporter,partner,flow,period,value,currency,flags,published,publisher\n"
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    frame = tidy_fast.read(path, _context())
    assert frame is not None
    first, last = frame["first"].to_numpy(), frame["last"].to_numpy()
    assert np.shares_memory(first, last) != span
    if span:
        assert last[-1] == first[-1] + 11
    for column, value in (("currency", "USD"), ("publisher", "")):
        assert frame[column].cat.categories.tolist() == [value]
        assert not frame[column].array.codes.any()
    pd.testing.assert_frame_equal(frame, _plain(path, _context(), monkeypatch), check_exact=True)


@pytest.mark.parametrize(
    ("least", "most", "count"),
    [(4 << 10, 1 << 20, (24, 26)), (1 << 20, 2 << 20, (1, 1))],  # 26: cut lines, one more
)
def test_a_file_is_read_in_about_chunks_blocks_within_the_bounds(
    generated: Path,
    monkeypatch: pytest.MonkeyPatch,
    least: int,
    most: int,
    count: tuple[int, int],
) -> None:
    """Blocks of a file's size over CHUNKS (24), between MIN_CHUNK_BYTES and CHUNK_BYTES
    (about 500 kB here: 24 blocks of about 20 kB, or one block of 1 MB); the frame is
    the plain path's either way."""
    monkeypatch.setattr(tidy_fast, "MIN_CHUNK_BYTES", least)
    monkeypatch.setattr(tidy_fast, "CHUNK_BYTES", most)
    parsed_blocks: list[int] = []
    real = tidy_fast._Reader._parse

    def counting(self: tidy_fast._Reader, chunk: tidy_fast._Chunk, data: bytes, end: int) -> None:
        parsed_blocks.append(end)
        real(self, chunk, data, end)

    monkeypatch.setattr(tidy_fast._Reader, "_parse", counting)
    frame = tidy_fast.read(generated, _context())
    assert frame is not None
    body = generated.stat().st_size - len(generated.read_bytes().split(b"\n", 1)[0]) - 1
    assert sum(parsed_blocks) == body
    assert count[0] <= len(parsed_blocks) <= count[1]
    longest = max(len(line) + 1 for line in generated.read_bytes().split(b"\n"))
    block = max(least, generated.stat().st_size // 24)
    assert max(parsed_blocks) <= block + longest  # a block, and the line it cut
    pd.testing.assert_frame_equal(
        frame, _plain(generated, _context(), monkeypatch), check_exact=True
    )


@pytest.mark.parametrize("unit", ["", "thousand"])
def test_steps_first_met_late_are_the_frame_s_categories_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unit: str
) -> None:
    """Each block adds the steps it meets to the file's (``step_ids``): a block of round
    thousands, then one of decimals, then one of units. The frame's steps are the plain
    path's: a categorical of floats, its categories sorted."""
    monkeypatch.setattr(tidy_fast, "MIN_CHUNK_BYTES", 1 << 10)
    monkeypatch.setattr(tidy_fast, "CHUNK_BYTES", 1 << 10)
    written = ["5000", "12.25", "7"]  # steps 1000, 0.01, 1 (times a thousand with the unit)
    lines = [TIDY_HEADER]
    for i, text in enumerate(written):
        for month in range(1, 13):
            lines.append(f"AZE,TJK,export,{2000 + i}-{month:02d},{text},{unit},USD,,,,")
    path = tmp_path / "steps.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast = tidy_fast.read(path, _context())
    assert fast is not None
    scale = 1000.0 if unit else 1.0
    assert fast["step"].cat.categories.tolist() == [0.01 * scale, 1.0 * scale, 1000.0 * scale]
    assert fast["step"].tolist() == [s * scale for s in (1000.0, 0.01, 1.0) for _ in range(12)]
    pd.testing.assert_frame_equal(fast, _plain(path, _context(), monkeypatch), check_exact=True)
