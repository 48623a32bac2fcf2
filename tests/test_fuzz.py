"""Fuzzing: tidy files with random corruption against the error contract.

Whatever the file holds (wrong field counts, stray quotes, other encodings,
control characters, huge and non-finite numbers, odd dates and periods), ``data``,
``summary`` and a ``--explain`` run end with exit 0, 1 or 2, never a traceback; bad
data is said as ``file:line: ...`` lines; the input file is not changed; and no
control character of the input reaches any output format. Kept small: every
property here together runs in a few seconds.
"""

from __future__ import annotations

import gzip
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tradecli.cli import app

from .conftest import TIDY_HEADER

# C0 but line feed, DEL, C1, and the Unicode line separators
CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")
CONTROL_CHARS = [chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0))] + ["\u2028"]

REPORTERS = ["AZE", "Azerbaijan", "TJK", "XXQ", "", "RUS", "WORLD"]
FLOWS = ["export", "import", "turnover", "exports", "sideways", ""]
PERIODS = ["2022", "2023-Q2", "2023-01/2023-07", "2023-07", "0000", "2023-Q5", "２０２３", "99999"]
VALUES = ["5.8", "25472", "0", "1e300", "1e308", "nan", "inf", "-5", "5,8", "1,2,3", "1,234", ""]
UNITS = ["million", "thousand", "unit", "billion", "", "gazillion"]
CURRENCIES = ["USD", "", "eur", "XYZ", "US"]
FLAGS = ["", "about", "over;official-statement", "suspect-unit", "wobbly"]
DATES = ["", "2023-09-14", "20230801", "2020-W01-1", "2099-01-01", "2023-02-30"]
TEXTS = ["Trend", "", "https://a.example/1", 'say "hi"', "a,b", "x" * 50]


def cell(options: list[str]) -> st.SearchStrategy[str]:
    """One of ``options``, sometimes with a control character, quote or comma inserted."""
    plain = st.sampled_from(options)
    damaged = st.tuples(
        plain, st.sampled_from([*CONTROL_CHARS, '"', ",", "\n", "\r"]), st.integers(0, 8)
    ).map(lambda t: t[0][: t[2]] + t[1] + t[0][t[2] :])
    return st.one_of(plain, plain, plain, damaged)


ROW = st.tuples(
    cell(REPORTERS),
    cell(REPORTERS),
    cell(FLOWS),
    cell(PERIODS),
    cell(VALUES),
    cell(UNITS),
    cell(CURRENCIES),
    cell(FLAGS),
    cell(DATES),
    cell(TEXTS),
    cell(TEXTS),
)


def line_of(cells: tuple[str, ...], drop: int, quote: bool) -> str:
    fields = list(cells)
    if drop > 0:
        fields = fields[:-drop]
    elif drop < 0:
        fields = fields + ["extra"] * -drop
    if quote:
        fields = ['"' + f.replace('"', '""') + '"' for f in fields]
    return ",".join(fields)


LINES = st.lists(
    st.tuples(ROW, st.sampled_from([0, 0, 0, 1, -1, -2]), st.booleans()).map(lambda t: line_of(*t)),
    min_size=0,
    max_size=4,
)
ENCODINGS = st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "cp1252", "utf-16", "gzip"])


def encode(text: str, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.compress(text.encode("utf-8"))
    return text.encode(encoding, errors="replace")


def invoke(args: list[str]) -> tuple[int, str, str, BaseException | None]:
    result = CliRunner().invoke(app, ["--no-cache", *args], prog_name="tradecli")
    exception = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.stdout, result.stderr, exception


def check_contract(path: Path, args: list[str], before: bytes) -> tuple[int, str, str]:
    code, out, err, exception = invoke(["--data", str(path), *args])
    assert exception is None, f"{args}: {exception!r}"
    assert code in (0, 1, 2), (args, code, err)
    assert "Traceback" not in out + err
    assert path.read_bytes() == before  # input never modified
    if code == 1 and err.startswith(f"error: {path}"):
        # bad data: one problem a line, each naming the file (and the line when known)
        first, *rest = err.rstrip("\n").split("\n")
        assert re.match(rf"error: {re.escape(str(path))}(:\d+)?: ", first), first
        for line in rest:
            assert line.startswith((f"{path}:", f"{path}: ", "... and ", "note: ")), line
    return code, out, err


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(lines=LINES, encoding=ENCODINGS, header_case=st.booleans())
def test_corrupted_tidy_files_keep_the_contract(
    lines: list[str], encoding: str, header_case: bool
) -> None:
    header = TIDY_HEADER.upper() if header_case else TIDY_HEADER
    text = "\n".join([header, *lines]) + "\n"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("data.csv.gz" if encoding == "gzip" else "data.csv")
        path.write_bytes(encode(text, encoding))
        before = path.read_bytes()
        for args in (["data"], ["summary"], ["summary", "--explain"]):
            check_contract(path, args, before)


@settings(max_examples=12, deadline=None)
@given(
    control=st.sampled_from(CONTROL_CHARS),
    where=st.sampled_from(["publisher", "url", "flags"]),
    fmt=st.sampled_from(["table", "json", "csv", "markdown"]),
)
def test_no_output_format_carries_a_control_character_of_the_input(
    control: str, where: str, fmt: str
) -> None:
    cells = {
        "publisher": "Trend",
        "url": "https://a.example/1",
        "flags": "about",
    }
    cells[where] = f"{cells[where]}{control}[2J"
    quoted = {k: '"' + v.replace('"', '""') + '"' for k, v in cells.items()}
    row = (
        f"AZE,TJK,export,2022,5.8,million,USD,{quoted['flags']},2023-01-01,"
        f"{quoted['publisher']},{quoted['url']}"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.csv"
        path.write_text(f"{TIDY_HEADER}\n{row}\n", "utf-8")
        before = path.read_bytes()
        for args in (
            ["value", "-p", "TJK", "--flow", "export", "-s", "2022", "--explain", "-f", fmt],
            ["summary", "-f", fmt, "--explain"],
        ):
            code, out, err = check_contract(path, args, before)
            if control not in "\n\r":  # a line break ends the row: not a control any more
                assert not CONTROLS.search(out + err), (args, code, out + err)
