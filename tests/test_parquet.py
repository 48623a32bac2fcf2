"""Parquet datasets: ``tradecli convert`` writes them atomically, and every command gives
the same answer from the dataset as from the files it was converted from; a
``--reporter`` question reads only that reporter's row groups (counted)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from tradecli.cli import app
from tradecli.dataset import load
from tradecli.readers import parquet
from tradecli.readers.common import ReadContext

REPO = Path(__file__).resolve().parents[1]
CLAIMS = REPO / "examples" / "claims" / "trend-2023-09-14.toml"


pytestmark = pytest.mark.usefixtures("cache_dir")  # conftest: a cache of its own


def _run(runner: CliRunner, args: list[str]) -> tuple[int, str, str]:
    result = runner.invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


def _convert(runner: CliRunner, data: list[str], out: Path, *extra: str) -> str:
    code, stdout, stderr = _run(runner, [*data, "convert", "--out", str(out), *extra])
    assert code == 0, stderr
    assert stdout == ""  # data on stdout: a conversion writes none
    return stderr


@pytest.fixture(scope="module")
def bundled_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundled") / "bundled.parquet"
    code, _, stderr = _run(CliRunner(), ["convert", "--out", str(out)])
    assert code == 0, stderr
    return out


BUNDLED_COMMANDS = [
    ["summary"],
    ["summary", "--reporter", "AZE"],
    ["growth"],
    ["growth", "--reporter", "AZE", "--partner", "TJK"],
    ["share", "--vs", "cis", "--reporter", "AZE"],
    ["project", "2023"],
    ["value", "--period", "2023", "--all"],
    ["mirror"],
    ["data"],
    ["data", "--conflicts"],
    ["verify", str(CLAIMS)],
]


@pytest.mark.parametrize(
    "command", BUNDLED_COMMANDS, ids=lambda c: " ".join(Path(a).name for a in c)
)
def test_bundled_data_same_answers_from_parquet(
    runner: CliRunner, bundled_dataset: Path, command: list[str]
) -> None:
    # The frame read back is the CSV's (``test_read_frame_equals_the_csv_frame``); JSON with
    # --explain carries every value, source and derivation, the table what a person sees.
    for options in (["--format", "json", "--explain"], ["--format", "table"]):
        csv = _run(runner, [*options, *command])
        from_parquet = _run(runner, [*options, "--data", str(bundled_dataset), *command])
        assert from_parquet == csv, options
    assert csv[0] == 0  # the commands answered, so the comparison compared answers


@pytest.fixture(scope="module")
def generated(generate: Callable[[int, int], Path]) -> Path:
    return generate(8_000, 3)  # 20 reporters; the first: 700 rows, two partners


@pytest.fixture(scope="module")
def mirrored(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first pair's figures as its partner reports them (flows swapped, values 3%
    higher): a second file, so that mirror has pairs to compare."""
    rows = pd.read_csv(generated, dtype=str, keep_default_na=False)
    first = rows[
        (rows["reporter"] == rows["reporter"].iloc[0])
        & (rows["partner"] == rows["partner"].iloc[0])
    ]
    other = first.rename(columns={"reporter": "partner", "partner": "reporter"})[list(rows.columns)]
    other["flow"] = other["flow"].map({"export": "import", "import": "export"})
    other["value"] = (other["value"].astype(float) * 1.03).round(1).astype(str)
    path = tmp_path_factory.mktemp("mirror") / "partner.csv"
    other.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def generated_dataset(
    generated: Path, mirrored: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    out = tmp_path_factory.mktemp("generated") / "trade.parquet"
    data = ["--data", str(generated), "--data", str(mirrored)]
    args = [*data, "convert", "--out", str(out), "--row-group-rows", "500"]
    code, _, stderr = _run(CliRunner(), args)
    assert code == 0, stderr
    return out


def _first_reporter_partner(path: Path) -> tuple[str, str]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return str(frame["reporter"].iloc[0]), str(frame["partner"].iloc[0])


def test_generated_data_same_answers_from_parquet(
    runner: CliRunner, generated: Path, mirrored: Path, generated_dataset: Path
) -> None:
    reporter, partner = _first_reporter_partner(generated)
    # Every command is compared on the bundled data above, and the frame read back is the
    # CSV's (``test_read_frame_equals_the_csv_frame``); here a few over a larger file.
    commands = [
        ["summary"],
        ["share", "--vs", "world", "--reporter", reporter, "--partner", partner],
        ["mirror", "--period", "2023"],
        ["data", "--conflicts"],
    ]
    for command in commands:
        for fmt in ("json",):
            data = ["--data", str(generated), "--data", str(mirrored)]
            csv = _run(runner, ["--format", fmt, *data, *command])
            from_parquet = _run(
                runner, ["--format", fmt, "--data", str(generated_dataset), *command]
            )
            assert from_parquet == csv, (command, fmt)
            assert csv[0] == 0, (command, csv[2])


def test_read_frame_equals_the_csv_frame(
    generated: Path, mirrored: Path, generated_dataset: Path
) -> None:
    """The observation frame, provenance included, is the one the CSV files give."""
    from_csv = load([generated, mirrored], use_cache=False).frame
    from_parquet = load([generated_dataset], use_cache=False).frame
    pd.testing.assert_frame_equal(from_parquet, from_csv, check_exact=True)
    assert set(from_parquet["source"].astype(str)) == {str(generated), str(mirrored)}


def test_a_converted_dataset_keeps_its_schema(generated_dataset: Path) -> None:
    """The frame holds ``step`` as a categorical of floats and the months as int16;
    Parquet keeps them a double and int32s, as datasets converted before hold them (and
    the frame read back is the CSV's, above)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = sorted(generated_dataset.glob("reporter=*/*.parquet"))
    assert parts
    for part in parts:
        schema = pq.read_schema(part)
        assert schema.field("step").type == pa.float64(), part
        assert schema.field("first").type == schema.field("last").type == pa.int32(), part


def test_marker_counts(generated: Path, mirrored: Path, generated_dataset: Path) -> None:
    marker = json.loads((generated_dataset / parquet.MARKER).read_text())
    rows = pd.concat(
        [pd.read_csv(p, dtype=str, keep_default_na=False) for p in (generated, mirrored)]
    )
    assert marker["rows"] == len(rows)
    assert marker["series"] == len(rows[["reporter", "partner", "flow"]].drop_duplicates())
    folders = sorted(p.name for p in generated_dataset.iterdir() if p.is_dir())
    assert folders == [f"reporter={r}" for r in sorted(rows["reporter"].unique())]
    assert marker["files"] == len(folders)
    assert [s["file"] for s in marker["sources"]] == [str(generated), str(mirrored)]
    assert marker["sources"][0]["digest"].startswith("xxh3-128:")


def test_reporter_pushdown_reads_only_its_row_groups(
    generated: Path, generated_dataset: Path
) -> None:
    reporter, partner = _first_reporter_partner(generated)
    rows = pd.read_csv(generated, dtype=str, keep_default_na=False)
    wanted = int((rows["reporter"] == reporter).sum())
    own = pq.ParquetFile(generated_dataset / f"reporter={reporter}" / "part-0.parquet")
    every = sum(
        pq.ParquetFile(p).metadata.num_row_groups for p in generated_dataset.rglob("*.parquet")
    )

    found = parquet.plan(generated_dataset, parquet.Pushdown(reporters=frozenset({reporter})))
    assert found.files == 1
    assert found.files_total == len([p for p in generated_dataset.iterdir() if p.is_dir()]) > 1
    assert found.row_groups == own.metadata.num_row_groups == -(-wanted // 500)
    assert found.row_groups_total == every
    assert found.bytes < found.bytes_total

    # Row-group statistics: one partner's rows are a run of the sorted file, so fewer
    # row groups are read than the reporter has.
    narrow = parquet.Pushdown(reporters=frozenset({reporter}), partners=frozenset({partner}))
    pair = int(((rows["reporter"] == reporter) & (rows["partner"] == partner)).sum())
    found = parquet.plan(generated_dataset, narrow)
    assert found.row_groups < own.metadata.num_row_groups
    assert found.row_groups >= -(-pair // 500)
    table = parquet.read_table(generated_dataset, narrow)
    assert table.num_rows == pair

    # A span pushed down: spans ending in 2024 only.
    late = parquet.Pushdown(reporters=frozenset({reporter}), ends_from=2024 * 12)
    table = parquet.read_table(generated_dataset, late)
    assert table.num_rows == int(
        ((rows["reporter"] == reporter) & rows["period"].str.startswith("2024")).sum()
    )


def _rchar() -> int | None:
    try:
        text = Path("/proc/self/io").read_text()
    except OSError:
        return None
    return int(next(line.split()[1] for line in text.splitlines() if line.startswith("rchar")))


def test_reporter_read_reads_a_fraction_of_the_bytes(
    generated: Path, generated_dataset: Path
) -> None:
    """Measured by the kernel (bytes the process read), not by the plan."""
    if _rchar() is None:
        pytest.skip("no /proc/self/io here")
    reporter, _ = _first_reporter_partner(generated)
    context = ReadContext(group_codes=frozenset())
    before = _rchar()
    everything = parquet.read(generated_dataset, context)
    whole = (_rchar() or 0) - (before or 0)
    before = _rchar()
    one = parquet.read(generated_dataset, ReadContext(frozenset(), reporters=frozenset({reporter})))
    part = (_rchar() or 0) - (before or 0)
    assert set(one["reporter"].astype(str)) == {reporter}
    assert len(one) < len(everything)
    assert part < whole * 0.5


def test_file_url_reads_through_fsspec(generated_dataset: Path) -> None:
    pytest.importorskip("fsspec")
    context = ReadContext(group_codes=frozenset())
    by_url = parquet.read(f"file://{generated_dataset}", context)
    by_path = parquet.read(generated_dataset, ReadContext(group_codes=frozenset()))
    pd.testing.assert_frame_equal(by_url, by_path, check_exact=True)


def test_one_partition_file_is_read_with_its_reporter(generated_dataset: Path) -> None:
    folder = sorted(p for p in generated_dataset.iterdir() if p.is_dir())[0]
    code = folder.name.split("=", 1)[1]
    frame = load([folder / "part-0.parquet"], use_cache=False).frame
    assert set(frame["reporter"].astype(str)) == {code}
    whole = load([generated_dataset], use_cache=False, reporters=frozenset({code})).frame
    pd.testing.assert_frame_equal(frame, whole, check_exact=True)
    # Asked for its reporter (pushed down to the file): the same rows.
    asked = load([folder / "part-0.parquet"], use_cache=False, reporters=frozenset({code}))
    pd.testing.assert_frame_equal(asked.frame, whole, check_exact=True)


def test_a_parquet_file_pandas_wrote_is_read(tmp_path: Path) -> None:
    """pandas writes text as large_string; read as one file, not as partitions (whose
    reporter is a string), it loads, with the figures it holds."""
    path = tmp_path / "plain.parquet"
    pd.DataFrame(
        {
            "reporter": ["USA", "USA"],
            "partner": ["CAN", "MEX"],
            "flow": ["export", "export"],
            "first": [24240, 24240],
            "last": [24240, 24240],
            "value": [1.5, 2.5],
        }
    ).to_parquet(path)
    frame = load([path], use_cache=False).frame
    assert sorted(zip(frame["partner"].astype(str), frame["value"], strict=True)) == [
        ("CAN", 1.5),
        ("MEX", 2.5),
    ]


def test_an_arrow_error_reading_a_file_is_a_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error of pyarrow's own (a type it cannot merge, say: an ``ArrowTypeError`` is
    a ``TypeError``) is a ``BadInput`` naming the file: one line and exit 1."""
    import pyarrow as pa

    from tradecli.errors import BadInput

    path = tmp_path / "some.parquet"
    pd.DataFrame({"reporter": ["USA"], "value": [1.0]}).to_parquet(path)

    def refuse(*args: object, **kwargs: object) -> None:
        raise pa.ArrowTypeError("Unable to merge: Field reporter has incompatible types")

    monkeypatch.setattr(parquet, "read_table", refuse)
    with pytest.raises(BadInput, match="cannot read as Parquet: Unable to merge"):
        load([path], use_cache=False)


# -- convert: refusing, replacing, atomic --------------------------------------------


def test_convert_reports_and_replaces_its_own_dataset(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    stderr = _convert(runner, [], out)
    rows = len(pd.read_csv(REPO / "data" / "azerbaijan-trade-published.csv"))
    assert f"{rows:,} rows" in stderr
    assert "series" in stderr and "files" in stderr and "bytes" in stderr
    (out / "reporter=AZE" / "stale.txt").write_text("old")
    _convert(runner, [], out)  # a dataset written before is replaced whole
    assert not (out / "reporter=AZE" / "stale.txt").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_convert_refuses_a_folder_that_is_not_a_dataset(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    code, stdout, stderr = _run(runner, ["convert", "--out", str(out)])
    assert code == 1
    assert stdout == ""
    assert "not a tradecli dataset" in stderr
    assert (out / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == ["mine"]


def test_convert_failing_midway_leaves_nothing(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = pq.write_table

    def failing(*args: object, **kwargs: object) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pq, "write_table", failing)
    result = runner.invoke(app, ["convert", "--out", str(tmp_path / "ds")])
    assert result.exit_code != 0
    assert [p.name for p in tmp_path.iterdir() if p.name != "cache"] == []


KILLED = """
import os, signal, sys
import tradecli.readers.parquet as parquet
real = parquet._write_synced
def killed(path, text):
    os.kill(os.getpid(), signal.SIGKILL)  # before the marker: a run killed at the worst time
parquet._write_synced = killed
from tradecli.cli import main
sys.argv = ["tradecli", "convert", "--out", sys.argv[1]]
main()
"""


def test_convert_killed_leaves_no_dataset_that_looks_whole(
    runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "ds"
    env = {**os.environ, "TRADECLI_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-c", KILLED, str(out)], env=env, capture_output=True, timeout=60
    )
    assert done.returncode == -signal.SIGKILL
    assert not out.exists()
    left = [p for p in tmp_path.iterdir() if p.name.startswith(".ds.tmp-")]
    assert len(left) == 1  # the half-written folder: hidden, and without the marker
    assert list(left[0].rglob("*.parquet")) and not (left[0] / parquet.MARKER).exists()
    assert not parquet.is_dataset(left[0])
    code, _, stderr = _run(runner, ["--data", str(left[0]), "summary"])
    assert code == 1 and "no data files" in stderr  # not taken for a dataset
    # A new conversion is not troubled by the leftover.
    _convert(runner, [], out)
    assert parquet.is_dataset(out)


def test_commodity_must_match_the_conversion(runner: CliRunner, bundled_dataset: Path) -> None:
    code, _, stderr = _run(runner, ["--data", str(bundled_dataset), "--commodity", "27", "data"])
    assert code == 1
    assert "holds commodity TOTAL" in stderr


# -- --data URL ------------------------------------------------------------------------


def test_data_url_on_the_command_line(runner: CliRunner, bundled_dataset: Path) -> None:
    """``--data file://DIR`` (before or after the command) answers as ``--data DIR``; the
    URL is kept as text (a Path would fold ``//``)."""
    pytest.importorskip("fsspec")
    url = bundled_dataset.resolve().as_uri()
    assert url.startswith("file:///")
    for command in (["summary", "--reporter", "AZE"], ["growth"]):
        by_path = _run(runner, ["--format", "json", "--data", str(bundled_dataset), *command])
        by_url = _run(runner, ["--format", "json", "--data", url, *command])
        after = _run(runner, ["--format", "json", *command, "--data", url])
        assert by_path[0] == 0, by_path[2]
        assert by_url == by_path == after


def test_data_url_without_fsspec_names_the_extra(
    runner: CliRunner, bundled_dataset: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "fsspec", None)  # import fsspec now fails
    code, stdout, stderr = _run(runner, ["--data", bundled_dataset.as_uri(), "summary"])
    assert code == 1
    assert stdout == ""
    assert stderr.count("\n") == 1  # one line, no traceback
    assert "pip install 'tradecli[remote]'" in stderr
    assert bundled_dataset.as_uri() in stderr


def test_data_url_of_a_missing_protocol_package(runner: CliRunner) -> None:
    pytest.importorskip("fsspec")
    try:
        import s3fs  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("s3fs is installed: an s3:// URL would be fetched")
    code, _, stderr = _run(runner, ["--data", "s3://no-such-bucket/trade.parquet", "summary"])
    assert code == 1
    assert stderr.startswith("error: s3://no-such-bucket/trade.parquet: ")
    assert "s3fs" in stderr


@pytest.mark.parametrize("interleaved", [False, True], ids=["reporter by reporter", "mixed"])
def test_a_whole_dataset_read_keeps_the_file_s_row_order(
    generated: Path, tmp_path: Path, interleaved: bool
) -> None:
    """The reporters' folders are read in turn; rows come back in the file's order whether
    that order is already reporter by reporter (no reordering needed) or the reporters'
    rows alternate (they are put back in the file's order)."""
    rows = pd.read_csv(generated, dtype=str, keep_default_na=False)
    rows = rows.iloc[::4]  # a quarter of the rows, of every reporter: enough to reorder
    rows = rows.sort_values("reporter", kind="stable")
    assert rows["reporter"].nunique() > 2
    if interleaved:  # every other row moved to the end: reporters alternate
        rows = pd.concat([rows.iloc[::2], rows.iloc[1::2]])
    path = tmp_path / "trade.csv"
    rows.to_csv(path, index=False)
    sequence = rows["reporter"].tolist()
    assert (sequence != sorted(sequence)) == interleaved
    out = tmp_path / "trade.parquet"
    code, _, stderr = _run(CliRunner(), ["--data", str(path), "convert", "--out", str(out)])
    assert code == 0, stderr
    from_csv = load([path], use_cache=False).frame
    from_parquet = load([out], use_cache=False).frame
    pd.testing.assert_frame_equal(
        from_parquet.drop(columns=["source"]), from_csv.drop(columns=["source"]), check_exact=True
    )
    assert from_parquet["line"].tolist() == list(range(2, len(rows) + 2))


def test_a_dataset_whose_files_differ_in_column_types_is_read_whole(
    generated_dataset: Path, tmp_path: Path
) -> None:
    """One reporter's file rewritten elsewhere with other types (``line`` as int64, text as
    plain strings): the folders cannot be put together as they are, so the dataset reader
    unifies them, and the answers are those of the dataset as converted."""
    import shutil

    import pyarrow as pa

    copy = tmp_path / "copy.parquet"
    shutil.copytree(generated_dataset, copy)
    part = sorted(copy.glob("reporter=*/*.parquet"))[0]
    table = pq.read_table(part)
    table = table.set_column(
        table.column_names.index("line"), "line", table["line"].cast(pa.int64())
    )
    pq.write_table(table.replace_schema_metadata(None), part)
    assert not pq.read_schema(part).equals(
        pq.read_schema(sorted(copy.glob("reporter=*/*.parquet"))[1]), check_metadata=False
    )
    for args in (["summary", "-f", "csv"], ["growth", "-f", "json"]):
        mine = _run(CliRunner(), ["--data", str(copy), *args])
        assert mine == _run(CliRunner(), ["--data", str(generated_dataset), *args])
        assert mine[0] == 0, mine[2]


# -- names UTF-8 cannot decode ---------------------------------------------------------


def _undecodable(tmp_path: Path, name: bytes) -> Path:
    """``tmp_path``/``name``, a name with bytes UTF-8 cannot decode (Python holds them as
    lone surrogates, which pyarrow's paths refuse); skipped where the file system
    refuses such names."""
    path = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), name)))
    try:
        path.parent.mkdir(exist_ok=True)
        path.mkdir()
        path.rmdir()
    except (OSError, UnicodeEncodeError):
        pytest.skip("the file system takes UTF-8 names only")
    return path


def _files(folder: Path) -> dict[Path, bytes | None]:
    """Every file and folder under ``folder``, by its path in it: a file's bytes."""
    return {
        p.relative_to(folder): p.read_bytes() if p.is_file() else None
        for p in sorted(folder.rglob("*"))
    }


@pytest.mark.parametrize("name", [b"d\xff/ds", b"ds\xff"], ids=["in-folder", "named"])
def test_convert_out_whose_name_utf8_cannot_decode(
    runner: CliRunner,
    generated: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: bytes,
) -> None:
    """``--out`` in (or named) a folder whose name has bytes UTF-8 cannot decode was a
    traceback (pyarrow takes UTF-8 paths only): written through a link of a plain name,
    the same files as under a plain name, the name shown escaped, nothing left beside."""
    first = name.split(b"/")[0]
    out = _undecodable(tmp_path, name)
    plain = tmp_path / "plain" / "ds"
    plain.parent.mkdir()
    data = ["--data", str(generated)]
    expected = _convert(runner, data, plain)
    shown = str(tmp_path / name.decode("utf-8", "backslashreplace"))
    assert _convert(runner, data, out) == expected.replace(str(plain), shown)
    assert _files(out) == _files(plain)
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # nothing hidden
    if first != name:  # a folder that does not exist in it: one line naming it escaped
        missing = out.parent / "nope" / "ds"
        code, stdout, stderr = _run(runner, [*data, "convert", "--out", str(missing)])
        folder = str(tmp_path / first.decode("utf-8", "backslashreplace") / "nope")
        assert (code, stdout) == (1, "")
        assert stderr == f"error: {folder}/ds: folder {folder} does not exist\n"
    # Failing midway: the dataset there is left as it was, nothing else beside it.
    before = _files(out)
    real = pq.write_table

    def failing(*args: object, **kwargs: object) -> None:
        if "row_group_size" in kwargs:  # a partition, after every spill
            raise OSError(28, "No space left on device")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pq, "write_table", failing)
    code, _, _ = _run(runner, [*data, "convert", "--out", str(out)])
    assert code != 0
    assert _files(out) == before
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("block", [None, 20_000], ids=["whole", "blocks"])
def test_convert_of_a_file_whose_folder_utf8_cannot_decode(
    runner: CliRunner,
    generated: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    block: int | None,
) -> None:
    """A file in a folder whose name has bytes UTF-8 cannot decode, converted (its name in
    the marker's sources was a traceback: JSON written as UTF-8 takes no surrogate), read
    whole or in blocks: its rows and the marker cite it escaped, as reading it does, and
    every answer is the plain-named file's but for that name. The dataset is written in
    that folder too, and ``data --show`` finds a cited row in it."""
    import shutil

    from tradecli.readers import blocks

    folder = _undecodable(tmp_path, b"d\xff")
    folder.mkdir()
    source = folder / "t.csv"
    shutil.copyfile(generated, source)
    if block is not None:
        monkeypatch.setattr(blocks, "BLOCK_BYTES", block)
        assert blocks.streamable(source, block)
    out = folder / "ds"
    _convert(runner, ["--data", str(source)], out)
    shown = str(tmp_path / "d\\xff" / "t.csv")
    marker = json.loads((out / parquet.MARKER).read_text("utf-8"))
    assert [s["file"] for s in marker["sources"]] == [shown]
    from_csv = load([generated], use_cache=False).frame
    from_csv["source"] = from_csv["source"].cat.rename_categories([shown])
    pd.testing.assert_frame_equal(load([out], use_cache=False).frame, from_csv, check_exact=True)
    # Every answer as the plain-named file's, but for its name; a cited row as from the
    # same dataset in a plain-named folder.
    reporter, partner = _first_reporter_partner(generated)
    commands = [
        ["--format", "json", "--explain", "share", "--vs", "world", "-r", reporter, "-p", partner],
        ["--format", "markdown", "--explain", "value", "-r", reporter, "-p", partner, "-s", "2023"],
    ]
    for command in commands:
        mine = _run(runner, ["--data", str(out), *command])
        plain = _run(runner, ["--data", str(generated), *command])
        assert mine[0] == 0, mine[2]
        text = (lambda t: json.dumps(t)[1:-1]) if "json" in command else str
        assert text(shown) in mine[1]  # the name is shown, so the comparison compared it
        assert mine == (plain[0], plain[1].replace(text(str(generated)), text(shown)), plain[2])
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    for fmt in ("table", "json"):
        show = ["--format", fmt, "data", "--show", f"{shown}:2"]
        mine = _run(runner, ["--data", str(out), *show])
        plain = _run(runner, ["--data", str(copy), *show])
        assert mine[0] == 0, mine[2]
        text = (lambda t: json.dumps(t)[1:-1]) if fmt == "json" else str
        assert mine == (
            0,
            plain[1].replace(text(str(copy)), text(str(tmp_path / "d\\xff" / "ds"))),
            "",
        )


def test_a_dataset_in_a_folder_utf8_cannot_decode_is_read(
    runner: CliRunner, generated_dataset: Path, tmp_path: Path
) -> None:
    """A converted dataset moved into a folder whose name has bytes UTF-8 cannot decode
    (an error naming ``pq\\udcff``: pyarrow takes UTF-8 paths only) is read through a link
    of a plain name: every answer is the plain folder's; its errors name it escaped."""
    import shutil

    folder = _undecodable(tmp_path, b"d\xff")
    folder.mkdir()
    moved = folder / "ds"
    shutil.copytree(generated_dataset, moved)
    before = _files(moved)
    reporter, partner = _first_reporter_partner(
        Path(json.loads((moved / parquet.MARKER).read_text("utf-8"))["sources"][0]["file"])
    )
    commands = [
        ["--format", "json", "--explain", "summary"],
        ["--format", "table", "summary", "--reporter", reporter],  # one partition, read directly
        ["--format", "json", "share", "--vs", "world", "-r", reporter, "-p", partner],
        ["data", "--conflicts"],
    ]
    for command in commands:
        mine = _run(runner, ["--data", str(moved), *command])
        assert mine[0] == 0, mine[2]
        assert mine == _run(runner, ["--data", str(generated_dataset), *command]), command
    # A partner asked of the rows (the dataset reader, pushed down): the same rows.
    pushdown = parquet.Pushdown(partners=frozenset({partner}))
    assert parquet.read_table(moved, pushdown).equals(
        parquet.read_table(generated_dataset, pushdown)
    )
    # One partition's file in it: read with its reporter (its folder's name: the names
    # after the folder UTF-8 cannot decode are kept), as from the plain folder.
    part = sorted(moved.glob("reporter=*/part-0.parquet"))[0]
    code = part.parent.name.split("=", 1)[1]
    for reporters in (None, frozenset({code})):
        pd.testing.assert_frame_equal(
            load([part], use_cache=False, reporters=reporters).frame,
            load([generated_dataset / part.relative_to(moved)], reporters=reporters).frame,
            check_exact=True,
        )
    # The marker's refusal: one line naming the folder escaped, exit 1.
    code, stdout, stderr = _run(runner, ["--data", str(moved), "--commodity", "27", "data"])
    plain = _run(runner, ["--data", str(generated_dataset), "--commodity", "27", "data"])
    assert (code, stdout) == (1, "")
    assert stderr == plain[2].replace(str(generated_dataset), str(tmp_path / "d\\xff" / "ds"))
    assert _files(moved) == before  # input never touched


def test_a_parquet_file_whose_name_utf8_cannot_decode_is_read(
    runner: CliRunner, generated_dataset: Path, tmp_path: Path
) -> None:
    """One Parquet file so named: the answers of the same file under a plain name; one
    that is not Parquet inside is one line naming it escaped (never the link read)."""
    import shutil

    part = sorted(generated_dataset.glob("reporter=*/part-0.parquet"))[0]
    plain = tmp_path / "one.parquet"
    load([part], use_cache=False).frame.to_parquet(plain)
    named = _undecodable(tmp_path, b"one\xff.parquet")
    shutil.copyfile(plain, named)
    for command in (["--format", "json", "--explain", "summary"], ["data"]):
        mine = _run(runner, ["--data", str(named), *command])
        assert mine[0] == 0, mine[2]
        assert mine == _run(runner, ["--data", str(plain), *command]), command
    broken = _undecodable(tmp_path, b"bad\xff.parquet")
    broken.write_bytes(b"PAR1 and no more")
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 and no more")
    code, stdout, stderr = _run(runner, ["--data", str(broken), "summary"])
    plain_run = _run(runner, ["--data", str(tmp_path / "bad.parquet"), "summary"])
    assert (code, stdout) == (1, "") and plain_run[0] == 1
    shown = str(tmp_path / "bad\\xff.parquet")
    assert stderr == plain_run[2].replace(str(tmp_path / "bad.parquet"), shown)
    assert (
        stderr.startswith(f"error: {shown}: -: '': cannot read as Parquet")
        and "\n" not in stderr[:-1]
    )
