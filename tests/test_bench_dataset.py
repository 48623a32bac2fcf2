"""``bench/generate.py --dataset``: the Parquet dataset written straight from the
generator is the one ``tradecli convert`` writes from the generated CSV (files, schema,
row groups, rows, marker), and every answer read from it is the same byte for byte.
The expected side is always the real conversion of the CSV, never the generator."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from tradecli.cli import app

BENCH = Path(__file__).resolve().parents[1] / "bench" / "generate.py"
ROWS = 8_000
SEED = 5

pytestmark = pytest.mark.usefixtures("cache_dir")  # conftest: a cache of its own


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate_dataset", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _invoke(args: list[str]) -> str:
    result = CliRunner().invoke(app, ["--no-cache", *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def pair(bench: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(converted, direct): the CSV converted by ``tradecli convert`` (row groups of 300
    rows, so a reporter's file has several), and the dataset written directly."""
    folder = tmp_path_factory.mktemp("direct")
    csv = folder / "trade.csv"
    bench.generate(ROWS, SEED, csv)
    converted = folder / "converted"
    _invoke(["--data", str(csv), "convert", "--out", str(converted), "--row-group-rows", "300"])
    direct = folder / "direct"
    rows, _ = bench.generate_parquet(ROWS, SEED, direct, str(csv), row_group_rows=300)
    assert rows == ROWS
    return converted, direct


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_the_same_files_schema_row_groups_and_rows(pair: tuple[Path, Path]) -> None:
    converted, direct = pair
    assert _files(direct) == _files(converted)
    several = 0
    for name in _files(converted):
        if not name.endswith(".parquet"):
            continue
        want, got = pq.ParquetFile(converted / name), pq.ParquetFile(direct / name)
        assert got.schema_arrow.equals(want.schema_arrow, check_metadata=True), name
        sizes = [want.metadata.row_group(i).num_rows for i in range(want.metadata.num_row_groups)]
        assert [
            got.metadata.row_group(i).num_rows for i in range(got.metadata.num_row_groups)
        ] == sizes, name
        several += len(sizes) > 1
        assert got.read().equals(want.read()), name
    assert several  # the row groups were cut within a reporter's rows


def test_the_same_marker_but_the_digest(pair: tuple[Path, Path]) -> None:
    converted, direct = pair
    want = json.loads((converted / "_tradecli.json").read_text("utf-8"))
    got = json.loads((direct / "_tradecli.json").read_text("utf-8"))
    assert want["rows"] == ROWS
    assert got["sources"][0]["digest"] is None  # no CSV was read, so none to digest
    for marker in (want, got):
        marker["sources"][0].pop("digest")
        marker.pop("bytes")  # counts the marker itself, whose digest differs
    assert got == want


@pytest.mark.parametrize(
    "args",
    [
        ["summary"],
        ["--format", "json", "summary"],
        ["summary", "-r", "{reporter}"],
        ["--format", "csv", "growth"],
    ],
    ids=["summary", "summary-json", "summary-reporter", "growth-csv"],
)
def test_every_answer_the_same_byte_for_byte(pair: tuple[Path, Path], args: list[str]) -> None:
    converted, direct = pair
    reporter = json.loads((converted / "_tradecli.json").read_text("utf-8"))["reporters"][0]
    args = [a.format(reporter=reporter) for a in args]
    want = _invoke(["--data", str(converted), *args])
    assert want.strip()
    assert _invoke(["--data", str(direct), *args]) == want


def test_an_existing_folder_is_not_overwritten(bench: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "there").mkdir()
    with pytest.raises(SystemExit, match="not overwritten"):
        bench.generate_parquet(100, 1, tmp_path / "there", "x.csv")
    assert not list(tmp_path.glob(".there.tmp-*"))


def test_reading_some_reporters_gives_their_rows_of_the_csv(pair: tuple[Path, Path]) -> None:
    """The partition-only read (``readers.parquet``'s direct path: text read as Arrow
    dictionaries) against the CSV's own frame filtered in pandas."""
    import pandas as pd

    from tradecli.dataset import load
    from tradecli.observations import CODE_COLUMNS, TEXT_COLUMNS
    from tradecli.readers import parquet
    from tradecli.readers.context import ReadContext

    converted, _ = pair
    csv = converted.parent / "trade.csv"
    whole = load([csv], use_cache=False).frame
    chosen = sorted(whole["reporter"].astype(str).unique())[1:3]
    context = ReadContext(frozenset(), reporters=frozenset(chosen))
    got = parquet.read(converted, context)
    want = whole[whole["reporter"].isin(chosen)].reset_index(drop=True)
    assert len(want) > 0 and sorted(got["reporter"].cat.categories) == chosen
    text = [*CODE_COLUMNS, *TEXT_COLUMNS, "source", "format"]
    for frame in (got, want):
        for column in text:
            assert isinstance(frame[column].dtype, pd.CategoricalDtype), column
            assert frame[column].cat.categories.is_monotonic_increasing, column
    plain = {**{c: "str" for c in text}, "step": "float64"}
    pd.testing.assert_frame_equal(got.astype(plain), want.astype(plain), check_exact=True)
