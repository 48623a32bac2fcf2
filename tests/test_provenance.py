"""Provenance a user can open (issue 14, item 9): citations to the bundled data name a
stable id, ``data --where`` prints the installed data folder, ``data --show ID`` prints
the row a citation names."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecli.cli import app

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "data" / "azerbaijan-trade-published.csv"


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), prog_name="tradecli")
    return result.exit_code, result.stdout, result.stderr


def bundled_line(number: int) -> dict[str, str]:
    """Line ``number`` of the bundled CSV (the header is line 1), read with csv."""
    with BUNDLED.open(encoding="utf-8", newline="") as handle:
        lines = handle.read().splitlines()
    header = next(csv.reader([lines[0]]))
    row = next(csv.reader([lines[number - 1]]))
    return dict(zip(header, row, strict=True))


def test_citations_name_the_bundled_id(runner: CliRunner) -> None:
    code, out, _ = run(runner, "value", "-p", "TJK", "-s", "2023-Q2", "--explain")
    assert code == 0
    assert "[bundled:azerbaijan-trade-published.csv:53]" in out  # Jan–Jun 2023
    assert "[bundled:azerbaijan-trade-published.csv:2]" in out  # "about" Q1 2023
    assert "data/azerbaijan" not in out


def test_where_prints_the_installed_data_folder(runner: CliRunner) -> None:
    code, out, err = run(runner, "data", "--where")
    assert code == 0 and err == ""
    folder = Path(out.strip())
    assert (folder / "azerbaijan-trade-published.csv").read_bytes() == BUNDLED.read_bytes()


@pytest.mark.parametrize("line", [2, 24, 53])
def test_show_prints_the_cited_row(runner: CliRunner, line: int) -> None:
    citation = f"bundled:azerbaijan-trade-published.csv:{line}"
    code, out, _ = run(runner, "data", "--show", citation, "-f", "json")
    assert code == 0
    shown = json.loads(out)
    assert shown["id"] == citation and shown["line"] == line
    assert shown["fields"] == bundled_line(line)
    code, out, _ = run(runner, "data", "--show", citation)
    assert out.startswith(citation + "\n")
    expected = bundled_line(line)
    assert f"  publisher         {expected['publisher']}" in out
    assert all(not text.endswith(" ") for text in out.splitlines())


def test_show_a_row_of_a_file_given_with_data(runner: CliRunner, tmp_path: Path) -> None:
    data = tmp_path / "mine.csv"
    data.write_text(
        'reporter,partner,flow,period,value\nAZE,TJK,export,2023,"1,5"\nAZE,KGZ,export,2023,2\n',
        encoding="utf-8",
    )
    code, out, _ = run(runner, "data", "--show", f"{data}:3", "-f", "csv")
    assert code == 0
    assert list(csv.reader(io.StringIO(out))) == [
        ["field", "value"],
        ["reporter", "AZE"],
        ["partner", "KGZ"],
        ["flow", "export"],
        ["period", "2023"],
        ["value", "2"],
    ]


@pytest.mark.parametrize(
    ("citation", "code", "said"),
    [
        ("bundled:azerbaijan-trade-published.csv:9999", 1, "no row starts at line 9999"),
        ("bundled:azerbaijan-trade-published.csv:1", 1, "no row starts at line 1"),
        ("bundled:other.csv:3", 2, "no bundled file 'bundled:other.csv'"),
        ("azerbaijan", 2, "is not a citation; write FILE:LINE"),
        ("<stdin>:3", 2, "standard input cannot be shown again"),
        ("no-such.csv:3", 1, "no such file 'no-such.csv'"),
    ],
)
def test_show_refusals(runner: CliRunner, citation: str, code: int, said: str) -> None:
    got, out, err = run(runner, "data", "--show", citation)
    assert got == code and out == ""
    assert said in err and "Traceback" not in err


def test_where_does_not_import_pandas() -> None:
    probe = (
        "import sys; from tradecli.cli import main\n"
        "sys.argv = ['tradecli', 'data', '--where']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('pandas' in sys.modules, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stderr.strip().endswith("False"), done.stderr
