"""``readers.blocks`` and the streaming ``convert``: a large tidy CSV read block by block
gives the frame (lines and sources included), the problems and the dataset that
reading it whole gives, while holding one block's rows at a time."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tradecli import observations
from tradecli.cli import app
from tradecli.conversion import Conversion
from tradecli.dataset import load
from tradecli.errors import BadInput
from tradecli.readers import blocks, parquet

BLOCK = 20_000  # bytes: the 6,000-row file below (300 kB) is about fifteen blocks


pytestmark = pytest.mark.usefixtures("cache_dir")  # conftest: a cache of its own


@pytest.fixture(scope="module")
def generated(generate: Callable[[int, int], Path]) -> Path:
    return generate(6_000, 5)


def _pieces(path: Path, block: int = BLOCK) -> tuple[list[pd.DataFrame], list[str]]:
    conversion = Conversion([path], block_bytes=block, use_cache=False)
    pieces = list(conversion.frames())
    return pieces, conversion.notes


def _most_rows(path: Path) -> int:
    """The most rows a block can hold: a block's bytes and the start of a cut row, over
    the shortest row's."""
    lengths = [len(line) + 1 for line in path.read_bytes().splitlines()[1:]]
    return (BLOCK + max(lengths)) // min(lengths)


def test_blocks_give_the_whole_file_frame(generated: Path) -> None:
    pieces, _ = _pieces(generated)
    size = generated.stat().st_size
    assert len(pieces) >= size // BLOCK  # read in blocks, not whole
    assert max(len(p) for p in pieces) <= _most_rows(generated)
    whole = load([generated], use_cache=False).frame
    pd.testing.assert_frame_equal(
        observations.concat(pieces), observations.concat([whole]), check_exact=True
    )
    lines = pd.read_csv(generated, dtype=str, keep_default_na=False)
    assert len(whole) == len(lines)  # every row, once


def test_rows_held_do_not_grow_with_the_file(generated: Path, tmp_path: Path) -> None:
    """Four times the rows, the same block size: no more rows at once."""
    text = generated.read_text()
    header, body = text.split("\n", 1)
    bigger = tmp_path / "bigger.csv"
    bigger.write_text(header + "\n" + body * 4)
    small, _ = _pieces(generated)
    large, _ = _pieces(bigger)
    assert sum(len(p) for p in large) == 4 * sum(len(p) for p in small)
    assert max(len(p) for p in large) <= _most_rows(generated)  # the same bound
    assert len(large) >= 4 * len(small) - 3


QUOTED_HEADER = "reporter,partner,flow,period,value,remark\n"


def _quoted_rows(n: int) -> list[list[str]]:
    partners = ["TUR", "RUS", "GEO", "ITA"]
    return [
        [
            "AZE",
            partners[i % 4],
            ["export", "import"][i % 2],
            f"{2020 + i // 48}-{(i // 4) % 12 + 1:02d}",
            str(100 + i),
            f'line one, "{i}"\nline two\r\nend' if i % 3 == 0 else f"plain {i}",
        ]
        for i in range(n)
    ]


def _write_csv(path: Path, rows: list[list[str]], header: str = QUOTED_HEADER) -> Path:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(header + out.getvalue(), newline="")
    return path


def test_line_numbers_past_an_int32_are_widened_not_wrapped(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A block's own lines are read as int32; with 2**31 - 3 lines before each block
    (as if the file were that long) the file's line numbers go on past 2**31 - 1."""
    offset = 2**31 - 3
    real = blocks.blocks
    monkeypatch.setattr(
        blocks, "blocks", lambda *args: ((h, d, b + offset) for h, d, b in real(*args))
    )
    pieces, _ = _pieces(generated)
    whole = load([generated], use_cache=False).frame
    lines = observations.concat(pieces)["line"].tolist()
    assert lines == [line + offset for line in whole["line"].tolist()]


def test_quoted_line_breaks_are_not_cut(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "quoted.csv", _quoted_rows(400))
    pieces, _ = _pieces(path, block=700)
    assert len(pieces) > 10
    whole = load([path], use_cache=False).frame
    pd.testing.assert_frame_equal(
        observations.concat(pieces), observations.concat([whole]), check_exact=True
    )
    # A row's line is where it starts, counting the line breaks inside quotes.
    assert list(whole["line"][:4]) == [2, 5, 6, 7]


def test_problems_of_every_block_with_the_file_lines(tmp_path: Path) -> None:
    rows = _quoted_rows(400)
    rows[10][4] = "ten"
    rows[390][2] = "sideways"
    path = _write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(BadInput) as whole:
        load([path], use_cache=False)
    with pytest.raises(BadInput) as blockwise:
        _pieces(path, block=700)
    assert [str(p) for p in blockwise.value.problems] == [str(p) for p in whole.value.problems]
    assert len(whole.value.problems) == 2
    assert all(p.file == str(path) for p in whole.value.problems)


def test_gzip_and_crlf_read_in_blocks(generated: Path, tmp_path: Path) -> None:
    crlf = generated.read_bytes().replace(b"\n", b"\r\n")
    packed = tmp_path / "trade.csv.gz"
    packed.write_bytes(gzip.compress(crlf))
    assert blocks.streamable(packed, BLOCK)
    pieces, _ = _pieces(packed)
    assert len(pieces) > 5
    whole = load([packed], use_cache=False).frame
    pd.testing.assert_frame_equal(
        observations.concat(pieces), observations.concat([whole]), check_exact=True
    )


def test_what_is_not_read_in_blocks(tmp_path: Path, generated: Path) -> None:
    assert not blocks.streamable(generated, generated.stat().st_size)  # one block: whole
    assert not blocks.streamable(tmp_path, BLOCK)  # a folder
    quoted = tmp_path / "q.csv"
    quoted.write_text('"reporter",partner,flow,period,value\n' + "AZE,TUR,export,2020,1\n" * 9000)
    assert not blocks.streamable(quoted, BLOCK)


@settings(max_examples=10, deadline=None)
@given(
    st.lists(
        st.lists(st.text(alphabet='ab,"\n\r ', max_size=6), min_size=2, max_size=3),
        min_size=1,
        max_size=12,
    ),
    st.integers(min_value=1, max_value=40),
)
def test_cut_ends_a_block_at_a_row_end(rows: list[list[str]], at: int) -> None:
    """What is before the cut parses to the first rows, whole; what is after, to the rest."""
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    data = out.getvalue().encode()
    end = blocks.cut(data[: at * 3])
    before = list(csv.reader(io.StringIO(data[:end].decode(), newline="")))
    after = list(csv.reader(io.StringIO(data[end:].decode(), newline="")))
    assert before + after == list(csv.reader(io.StringIO(data.decode(), newline="")))
    assert before == list(csv.reader(io.StringIO(out.getvalue(), newline="")))[: len(before)]
    if end:
        assert data[end - 1 : end] == b"\n"


def test_streamed_convert_equals_the_whole_file_dataset(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the command: converted in blocks, read back as the CSV's frame, and the
    same answers."""
    runner = CliRunner()
    monkeypatch.setattr(blocks, "BLOCK_BYTES", BLOCK)
    out = tmp_path / "ds"
    result = runner.invoke(app, ["--data", str(generated), "convert", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    rows = len(pd.read_csv(generated, dtype=str, keep_default_na=False))
    assert f"{rows:,} rows" in result.stderr
    assert not (out / parquet.SPILL).exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    from_parquet = load([out], use_cache=False).frame
    pd.testing.assert_frame_equal(
        from_parquet, load([generated], use_cache=False).frame, check_exact=True
    )
    for command in (["summary"], ["growth"]):
        args = ["--format", "json", *command]
        csv_run = runner.invoke(app, ["--data", str(generated), *args])
        parquet_run = runner.invoke(app, ["--data", str(out), *args])
        assert csv_run.exit_code == 0, csv_run.stderr
        assert parquet_run.stdout == csv_run.stdout
