"""``--data -``: the data read from standard input, its format told from the bytes,
cited as ``<stdin>``, never cached nor keyed."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecli.caching import parsed
from tradecli.cli import app

FIXTURES = Path(__file__).parent / "fixtures"

# Two months of one series: Jan 2023 is 2 million, Feb 2023 is 3.5 million (lines 2 and 3).
TIDY = (
    b"reporter,partner,flow,period,value,unit,currency\n"
    b"AZE,TJK,export,2023-01,2,million,USD\n"
    b"AZE,TJK,export,2023-02,3.5,million,USD\n"
)


def invoke(runner: CliRunner, data: bytes, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=data, prog_name="tradecli")
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("compress", [False, True], ids=["csv", "gzip"])
@pytest.mark.parametrize("where", ["root", "command"])
def test_a_tidy_csv_on_stdin_is_read(runner: CliRunner, compress: bool, where: str) -> None:
    data = gzip.compress(TIDY) if compress else TIDY
    ask = ["value", "-s", "2023-01/2023-02", "-f", "csv"]
    args = ["--data", "-", *ask] if where == "root" else [*ask, "--data", "-"]
    code, out, err = invoke(runner, data, *args)
    assert code == 0, err
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert (row["reporter"], row["partner"], row["flow"]) == ("AZE", "TJK", "export")
    assert float(row["value"]) == 2_000_000 + 3_500_000  # lines 2 and 3


def test_rows_from_stdin_are_cited_as_stdin(runner: CliRunner) -> None:
    ask = ["value", "-s", "2023-01/2023-02", "--explain"]
    code, out, _ = invoke(runner, TIDY, "--data", "-", *ask)
    assert code == 0
    assert "[<stdin>:2]" in out and "[<stdin>:3]" in out


def test_bad_data_on_stdin_names_stdin_and_its_line(runner: CliRunner) -> None:
    bad = b"reporter,partner,flow,period,value\nAZE,TJK,export,2022,abc\n"
    code, out, err = invoke(runner, bad, "--data", "-", "summary")
    assert code == 1 and out == ""
    assert "<stdin>:2: value: 'abc': not a number" in err
    assert "Traceback" not in err


def test_an_excel_workbook_on_stdin_is_told_by_its_bytes(runner: CliRunner) -> None:
    workbook = (FIXTURES / "wits-web-wide.xlsx").read_bytes()
    code, out, err = invoke(runner, workbook, "--data", "-", "data", "-f", "csv")
    assert code == 0, err
    assert "<stdin>" in err  # the reader's notes name the stream, not a temporary file
    assert "tradecli-" not in err + out


@pytest.mark.parametrize(
    ("data", "args", "code", "said"),
    [
        (b"", ["--data", "-", "summary"], 1, "<stdin>: -: '': no data (the input is empty)"),
        (TIDY, ["--data", "-", "--data", "-", "summary"], 2, "read only once"),
    ],
    ids=["empty", "twice"],
)
def test_stdin_refusals(
    runner: CliRunner, data: bytes, args: list[str], code: int, said: str
) -> None:
    got, out, err = invoke(runner, data, *args)
    assert got == code and out == ""
    assert said in err


def test_a_missing_data_path_is_still_a_usage_error(runner: CliRunner) -> None:
    for args in (["--data", "no-such.csv", "summary"], ["summary", "--data", "no-such.csv"]):
        code, _, err = invoke(runner, b"", *args)
        assert code == 2
        assert "'no-such.csv' does not exist" in err


def test_stdin_is_never_cached(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even with every size worth caching, neither the parsed-file cache nor the result
    cache writes anything for data read from standard input, and a second run with other
    data answers from that data. In process: both caches are the command's own (the
    result cache is its Click command class, ``cli.replay``), not the process's."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("TRADECLI_CACHE_DIR", str(cache))
    monkeypatch.setenv("TRADECLI_RESULT_CACHE_MIN_BYTES", "0")
    monkeypatch.setattr(parsed, "MIN_BYTES", 0)  # a file this small would be cached
    ask = ["--data", "-", "value", "-s", "2023-01", "-f", "csv"]
    first = invoke(runner, TIDY, *ask)
    other = TIDY.replace(b"2023-01,2,", b"2023-01,7,")
    second = invoke(runner, other, *ask)
    assert (first[0], second[0]) == (0, 0), (first[2], second[2])
    rows = [next(csv.DictReader(io.StringIO(out))) for _, out, _ in (first, second)]
    values = [row["value"] for row in rows]
    assert [float(v) for v in values] == [2_000_000, 7_000_000]
    assert not cache.exists() or not any(p.is_file() for p in cache.rglob("*"))
