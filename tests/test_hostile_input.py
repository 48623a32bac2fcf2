"""Hostile input and faults (issue 16): every case is an error naming the file and line,
or is read right with a note; no traceback, no escape sequence reaches the terminal."""

from __future__ import annotations

import gzip
import json
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecli.analysis.summary import SPARK_BARS, sparkline
from tradecli.cli import app
from tradecli.dataset import load
from tradecli.errors import BadInput, BadPeriod, BadRequest
from tradecli.groups import load_file
from tradecli.periods import Period, check_year
from tradecli.render import Column, OutputFormat, Report, render
from tradecli.safe_text import escape_controls

from .conftest import TIDY_HEADER, undecodable_folder

ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[31m"
ROW = "AZE,TJK,export,2022,5.8,million,USD,,2023-01-01,{publisher},{url}"
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 but tab and LF; DEL; C1


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--no-cache", *args], prog_name="tradecli")
    return result.exit_code, result.stdout, result.stderr


def problems_of(path: Path) -> list[str]:
    with pytest.raises(BadInput) as caught:
        load([path], use_cache=False)
    return [str(p) for p in caught.value.problems]


# -- escape sequences ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "json"])
def test_escape_sequences_in_cells_never_reach_the_output(
    runner: CliRunner, write_csv: Callable[..., Path], fmt: str
) -> None:
    path = write_csv([ROW.format(publisher=f'"Pub{ESCAPES}"', url=f"http://x{ESCAPES}")])
    args = ["--data", str(path), "value", "-p", "TJK", "--flow", "export", "-s", "2022"]
    code, out, err = run(runner, *args, "--explain", "-f", fmt)
    assert code == 0, err
    assert not CONTROLS.search(out + err)
    if fmt != "json":
        assert "Pub\\x1b]0;pwned\\x07\\x1b[2J" in out + err  # shown, visibly
    code, out, err = run(runner, "--data", str(path), "chart", "-p", "TJK", "--flow", "export")
    assert code == 0, err  # the chart was drawn, so its text went through the escaping
    assert not CONTROLS.search(out + err)


def test_file_names_and_group_names_in_messages_are_escaped(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / f"bad{ESCAPES}.csv"
    path.write_text(f"{TIDY_HEADER}\nAZE,TJK,export,2022,x,million,USD,,,,\n", "utf-8")
    code, _out, err = run(runner, "--data", str(path), "summary")
    assert code == 1
    assert not CONTROLS.search(err)
    assert "bad\\x1b]0;pwned" in err
    report = Report("t", [Column("a", "A")], [{"a": "x"}], {}, notes=[f"group cis{ESCAPES}"])
    for fmt in OutputFormat:
        shown = render(report, fmt, explain=True)
        assert not CONTROLS.search(shown.stdout + shown.stderr)


def _undecodable(tmp_path: Path, name: bytes, text: str) -> Path:
    """A file whose name has bytes UTF-8 cannot decode (skipped where the file system
    refuses such names)."""
    path = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), name)))
    try:
        path.write_text(text, "utf-8")
    except (OSError, UnicodeEncodeError):
        pytest.skip("the file system takes UTF-8 names only")
    return path


def test_a_file_name_utf8_cannot_decode_is_read_and_named_with_its_bytes_escaped(
    runner: CliRunner, tmp_path: Path
) -> None:
    """Its rows are read (they were a traceback: no text column takes the name's lone
    surrogates); citations, problems and notes name it as ``ls -b`` shows it."""
    rows = "".join(f"AZE,TJK,export,2022-{m:02d},{m},,USD,,,,\n" for m in range(1, 13))
    path = _undecodable(tmp_path, b"tr\xffde.csv", f"{TIDY_HEADER}\n{rows}")
    shown = str(tmp_path / "tr\\xffde.csv")
    frame = load([path], use_cache=False).frame
    assert frame["source"].astype(str).unique().tolist() == [shown]
    assert frame["value"].tolist() == [float(m) for m in range(1, 13)]
    args = ["--data", str(path), "-f", "json", "value", "-p", "TJK", "-s", "2022", "--explain"]
    code, out, err = run(runner, *args)
    assert code == 0 and f'"source": {json.dumps(shown)}' in out, err
    bad = _undecodable(tmp_path, b"b\xfead.csv", f"{TIDY_HEADER}\nAZE,TJK,export,2022-13,5,,,,,,\n")
    problems = problems_of(bad)
    assert len(problems) == 1 and problems[0].startswith(f"{tmp_path / 'b'}\\xfead.csv:2: period")


def test_a_folder_whose_name_utf8_cannot_decode_without_data_is_named_escaped(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A folder so named that holds no data file, or a link out of it: one line naming it
    as ``ls -b`` does (not ``\\udcff``), exit 1."""
    folder = undecodable_folder(tmp_path, b"d\xff")
    (folder / "notes.md").write_text("no data here", "utf-8")
    code, out, err = run(runner, "--data", str(folder), "summary")
    shown = str(tmp_path / "d\\xff")
    message = "folder holds no data files (.csv, .tsv, .txt, .gz, .xlsx, .xls)"
    assert (code, out, err) == (1, "", f"error: {shown}: -: '': {message}\n")
    # A link in it to a file outside it: refused, named escaped.
    (tmp_path / "outside.csv").write_text(f"{TIDY_HEADER}\n", "utf-8")
    (folder / "link.csv").symlink_to(tmp_path / "outside.csv")
    code, out, err = run(runner, "--data", str(folder), "summary")
    message = "symbolic link to a file outside the folder; not read"
    assert (code, out, err) == (1, "", f"error: {shown}/link.csv: -: '': {message}\n")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_pipe_whose_name_utf8_cannot_decode_is_read_once_and_named_escaped(
    runner: CliRunner, tmp_path: Path
) -> None:
    rows = "".join(f"AZE,TJK,export,2022-{m:02d},{m},,USD,,,,\n" for m in range(1, 13))
    fifo = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"p\xff.csv")))
    try:
        os.mkfifo(fifo)
    except (OSError, UnicodeEncodeError):
        pytest.skip("the file system takes UTF-8 names only")
    writer = threading.Thread(
        target=lambda: fifo.write_text(f"{TIDY_HEADER}\n{rows}", "utf-8"), daemon=True
    )
    writer.start()
    args = ["--data", str(fifo), "-f", "json", "value", "-p", "TJK", "-s", "2022", "--explain"]
    code, out, err = run(runner, *args)
    writer.join(timeout=30)
    assert code == 0, err
    shown = str(tmp_path / "p\\xff.csv")
    assert f'"source": {json.dumps(shown)}' in out


def test_markdown_cannot_be_broken_out_of(
    runner: CliRunner, write_csv: Callable[..., Path]
) -> None:
    injected = "![t](http://evil.example/track.png)"
    publisher = f'"Pub\n```\n{injected}\n"'
    path = write_csv([ROW.format(publisher=publisher, url="http://x")])
    args = ["--data", str(path), "value", "-p", "TJK", "--flow", "export", "-s", "2022"]
    code, out, err = run(runner, *args, "--explain", "-f", "markdown")
    assert code == 0, err
    lines = out.splitlines()
    fences = [i for i, line in enumerate(lines) if line.startswith("```")]
    assert len(fences) == 2  # the explanation's own fence, opened and closed once
    # the injected text stays inside the fence, on the line of its row
    inside = lines[fences[0] + 1 : fences[1]]
    assert [line for line in lines if injected in line] == [
        line for line in inside if injected in line
    ]
    assert not any(line.startswith("!") for line in lines)
    assert len(
        [line for line in lines if line.startswith("| ")]
    ) == 1 + len(  # a header and the rows, no row split by a newline
        [line for line in lines if line.startswith("| AZE")]
    )


def test_a_markdown_fence_is_longer_than_any_backticks_inside() -> None:
    report = Report("t", [Column("a", "A")], [], {}, explain=["````", "x"])
    out = render(report, OutputFormat.markdown, explain=True).stdout
    assert "`````\n````\nx\n`````\n" in out


def test_escape_controls_shows_each_control_visibly() -> None:
    assert escape_controls("a\x1b[31mb\x07\x9b\u2028\n") == "a\\x1b[31mb\\x07\\x9b\\u2028\\x0a"
    assert escape_controls("plain – text") == "plain – text"


@pytest.mark.parametrize("text", ["Pub\x7fX", "Pub\x85\x7fX", "Pub\u2028X"])
def test_json_writes_del_c1_and_line_separators_escaped(text: str) -> None:
    """DEL is ASCII: an ASCII text holding it is escaped too (the JSON is written in
    pieces, most of them ASCII), as are C1 controls and U+2028."""
    report = Report("t", [Column("a", "A")], [], {"publisher": text})
    out = render(report, OutputFormat.json).stdout
    expected = "".join(c if c in "PubX" else f"\\u{ord(c):04x}" for c in text)
    assert f'"publisher": "{expected}"' in out
    assert CONTROLS.search(out) is None


# -- symlinks and unreadable parts of a folder ------------------------------------------


def test_a_symlink_out_of_a_data_folder_is_not_followed(runner: CliRunner, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("sekrit:$6$hashhash:19000:0:99999:7:::\n", "utf-8")
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "good.csv").write_text(f"{TIDY_HEADER}\n{ROW.format(publisher='', url='')}\n")
    (folder / "passwd.csv").symlink_to(secret)
    code, out, err = run(runner, "--data", str(folder), "data")
    assert code == 1
    assert "sekrit" not in out + err and "hashhash" not in out + err
    assert f"{folder / 'passwd.csv'}: -: '': symbolic link to a file outside the folder" in err


def test_a_symlink_inside_the_folder_is_read_once(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "good.csv").write_text(f"{TIDY_HEADER}\n{ROW.format(publisher='', url='')}\n")
    (folder / "link.csv").symlink_to(folder / "good.csv")
    assert len(load([folder], use_cache=False).frame) == 1


def test_an_unreadable_sub_folder_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "data"
    (folder / "locked").mkdir(parents=True)
    (folder / "good.csv").write_text(f"{TIDY_HEADER}\n{ROW.format(publisher='', url='')}\n")
    real_scandir = os.scandir

    def scandir(path: str) -> object:  # as a folder without read permission, even as root
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert problems_of(folder) == [
        f"{folder / 'locked'}: -: '': cannot read folder: Permission denied"
    ]


def test_an_unreadable_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    locked = folder / "locked.csv"
    locked.write_text(f"{TIDY_HEADER}\n{ROW.format(publisher='', url='')}\n")
    real_open = Path.open

    def fake_open(self: Path, *args: object, **kwargs: object) -> object:
        if self.name == "locked.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", fake_open)
    assert problems_of(folder) == [f"{locked}: -: '': cannot read: Permission denied"]


def test_a_pipe_is_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    text = f"{TIDY_HEADER}\n{ROW.format(publisher='', url='')}\n"
    writer = threading.Thread(target=lambda: fifo.write_text(text, "utf-8"))
    writer.start()
    frame = load([fifo], use_cache=False).frame
    writer.join()
    assert list(frame["value"]) == [5.8e6]
    assert list(frame["source"].astype(str)) == [str(fifo)]


# -- the csv module's limits, headers, field counts -----------------------------------


def test_a_huge_field_is_an_error(write_csv: Callable[..., Path]) -> None:
    path = write_csv(
        [ROW.format(publisher="", url=""), ROW.format(publisher="x" * 140_000, url="")]
    )
    assert problems_of(path) == [
        f"{path}:3: -: '': a field longer than 131,072 characters (an unterminated quote?); "
        "the rest of the file is not read"
    ]


def test_an_unterminated_quote_is_an_error(write_csv: Callable[..., Path]) -> None:
    rows = [ROW.format(publisher='"open', url="")] + [ROW.format(publisher="", url="")] * 3000
    path = write_csv(rows)
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:2: -: '': a field longer than 131,072 characters")


def test_a_huge_field_in_a_groups_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "groups.csv"
    path.write_text(f"group,code,member,valid_from,valid_to,note\nx,X,AZE,,,{'n' * 140_000}\n")
    with pytest.raises(BadInput) as caught:
        load_file(path)
    assert str(caught.value).startswith(f"{path}:2: -: '': a field longer than 131,072")


@pytest.mark.parametrize(
    ("header", "twice"),
    [
        ("reporter,partner,flow,period,value,value", "value"),
        ("reporter,partner,flow,period,value,Value", "value"),
        ("reporter,partner,flow,period,value,Reporter", "reporter"),
    ],
)
def test_duplicate_headers_are_an_error(
    write_csv: Callable[..., Path], header: str, twice: str
) -> None:
    path = write_csv(["AZE,TJK,export,2022,5.8,5.8"], header=header)
    (problem,) = problems_of(path)
    assert problem.endswith(f": column {twice} named twice")
    assert problem.startswith(f"{path}:1: ")


def test_a_row_with_more_fields_than_the_header_is_an_error(
    write_csv: Callable[..., Path],
) -> None:
    path = write_csv(["AZE,TJK,export,2022,5.8,million,USD,,,,,extra,fields"])
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:2: -: ")
    assert problem.endswith("row has 13 fields, the header has 11")


@pytest.mark.parametrize("char", ["\u2028", "\x0c", "\x85", "\x1c"])
def test_a_line_separator_inside_a_row_keeps_the_row_whole(
    write_csv: Callable[..., Path], char: str
) -> None:
    good = ROW.format(publisher=f"Pub{char}lisher", url="")
    path = write_csv([good, "AZE,TJK,export,2023,x,million,USD,,,,"])
    assert problems_of(path) == [f"{path}:3: value: 'x': not a number"]
    path = write_csv([good])
    frame = load([path], use_cache=False).frame
    assert list(frame["line"]) == [2]
    assert frame.loc[0, "publisher"] == f"Pub{char}lisher"


# -- numbers ---------------------------------------------------------------------------


def values_of(write_csv: Callable[..., Path], cells: list[str]) -> tuple[list[float], list[str]]:
    path = write_csv(
        [f'AZE,TJK,export,{2000 + i},"{c}",million,USD,,,,' for i, c in enumerate(cells)]
    )
    dataset = load([path], use_cache=False)
    return list(dataset.frame["value"]), dataset.notes


def test_a_decimal_comma_is_read_as_one_and_said(write_csv: Callable[..., Path]) -> None:
    values, notes = values_of(write_csv, ["5,8", "12,25"])
    assert values == [5.8e6, 12.25e6]
    assert any("decimal comma" in n for n in notes)


def test_a_thousands_separator_is_read_as_one_and_said(write_csv: Callable[..., Path]) -> None:
    values, notes = values_of(write_csv, ["1,234", "1,234,567.5"])
    assert values == [1234e6, 1234567.5e6]
    assert any("thousands separator" in n for n in notes)


def test_commas_that_are_neither_are_an_error(write_csv: Callable[..., Path]) -> None:
    path = write_csv(['AZE,TJK,export,2022,"1,2,3",million,USD,,,,'])
    assert problems_of(path) == [
        f"{path}:2: value: '1,2,3': not a number: its commas neither group thousands "
        "nor mark decimals"
    ]


def test_a_file_writing_commas_both_ways_is_an_error(write_csv: Callable[..., Path]) -> None:
    path = write_csv(
        [
            'AZE,TJK,export,2022,"5,8",million,USD,,,,',
            'AZE,TJK,export,2023,"1,234,567",unit,USD,,,,',
        ]
    )
    problems = problems_of(path)
    assert [p.split(": ")[0] for p in problems] == [f"{path}:2", f"{path}:3"]
    assert all("both as a thousands separator" in p for p in problems)


@pytest.mark.parametrize("cell", ["５", "1e300"])
def test_non_ascii_digits_and_huge_values_are_errors(
    write_csv: Callable[..., Path], cell: str
) -> None:
    path = write_csv([f"AZE,TJK,export,2022,{cell},billion,USD,,,,"])
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:2: value: '{cell}': ")


def test_values_that_would_overflow_a_sum_are_errors(
    runner: CliRunner, write_csv: Callable[..., Path]
) -> None:
    path = write_csv(
        ["AZE,TJK,export,2022,1e308,unit,USD,,,,", "AZE,TJK,import,2022,1e308,unit,USD,,,,"]
    )
    for args in (["summary"], ["summary", "-f", "json"], ["growth"]):
        code, out, err = run(runner, "--data", str(path), *args)
        assert code == 1
        assert "inf" not in out + err
        assert f"{path}:2: value: '1e308': value too large" in err


def test_a_sparkline_of_huge_or_non_finite_values_does_not_fail() -> None:
    low, high = SPARK_BARS[0], SPARK_BARS[-1]
    middle = SPARK_BARS[round((len(SPARK_BARS) - 1) / 2)]
    assert sparkline([0.85e308, 1.7e308, 0.0]) == middle + high + low
    assert sparkline([1.0, float("inf"), float("nan"), None, 2.0]) == low + "···" + high


def test_currencies_must_be_iso_4217(write_csv: Callable[..., Path]) -> None:
    path = write_csv(["AZE,TJK,export,2022,5.8,million,XYZ,,,,"])
    assert problems_of(path) == [
        f"{path}:2: currency: 'XYZ': currency must be an ISO 4217 code such as USD"
    ]
    path = write_csv(["AZE,TJK,export,2022,5.8,million,eur,,,,"])
    assert list(load([path], use_cache=False).frame["currency"].astype(str)) == ["EUR"]


def test_unknown_flags_are_kept_with_a_note(write_csv: Callable[..., Path]) -> None:
    path = write_csv(["AZE,TJK,export,2022,5.8,million,USD,about;wobbly,,,"])
    dataset = load([path], use_cache=False)
    assert dataset.frame.loc[0, "flags"] == "about;wobbly"
    assert dataset.notes == [
        f"{path}: flags tradecli does not know (kept, with no effect): 'wobbly'"
    ]


# -- dates and periods -------------------------------------------------------------------


@pytest.mark.parametrize("date", ["20230801", "2020-W01-1", "2023-8-1", "２０２３-08-01"])
def test_publication_dates_are_iso_only(write_csv: Callable[..., Path], date: str) -> None:
    path = write_csv([f"AZE,TJK,export,2022,5.8,million,USD,,{date},,"])
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:2: published: {date!r}: not a date; write YYYY-MM-DD")


def test_a_publication_date_in_the_future_is_an_error(write_csv: Callable[..., Path]) -> None:
    path = write_csv(
        [
            "AZE,TJK,export,2022,5.8,million,USD,,2023-01-01,,",
            "AZE,TJK,export,2022,9.9,million,USD,,2099-01-01,,",
        ]
    )
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:3: published: '2099-01-01': publication date in the future")


@pytest.mark.parametrize("text", ["0000", "1899", "2201", "9999-Q1", "２０２３", "2023-٠١"])
def test_periods_outside_the_year_range_or_not_ascii_are_refused(text: str) -> None:
    with pytest.raises(BadPeriod):
        Period.parse(text)


def test_the_year_range_is_checked_in_the_core() -> None:
    assert check_year(1900) == 1900 and check_year(2200) == 2200
    for year in (1, 1899, 2201, 10**20):
        with pytest.raises(BadRequest, match=r"outside the years tradecli reads: 1900\.\.2200"):
            check_year(year)


@pytest.mark.parametrize(
    "args",
    [
        ["growth", "--from", "1", "--to", "5"],
        ["growth", "--from", "99999999999999999999"],
        ["project", "1800"],
        ["value", "--period", "0000"],
    ],
)
def test_every_command_takes_one_year_range(runner: CliRunner, args: list[str]) -> None:
    code, out, err = run(runner, *args)
    assert code == 2
    assert out == ""
    assert "1900..2200" in err


def test_growth_from_python_checks_the_years(bundled: object) -> None:
    from tradecli.analysis.growth import growth

    with pytest.raises(BadRequest, match="--from 1 is outside"):
        growth(bundled, [], first=1, last=5)  # type: ignore[arg-type]


# -- groups files ----------------------------------------------------------------------


def test_a_group_code_that_is_a_country_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "groups.csv"
    path.write_text("group,code,member,valid_from,valid_to,note\nmine,RUS,AZE,,,\n", "utf-8")
    with pytest.raises(BadInput) as caught:
        load_file(path)
    assert str(caught.value).startswith(f"{path}:2: code: 'RUS': a group's code must not be")


def test_groups_headers_are_read_like_data_headers(tmp_path: Path) -> None:
    path = tmp_path / "groups.csv"
    path.write_text(
        " Group , CODE , Member ,valid_from, Valid_To ,note\nmine,MINE,AZE,2020,,\n", "utf-8"
    )
    group = load_file(path).get("mine")
    assert group.code == "MINE"
    assert group.members_during(Period.year(2021)) == ["AZE"]


# -- files that are not text -------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("\ufeffreporter,partner\n".encode("utf-16"), "text in UTF-16 (little-endian)"),
        ("reporter,partner\n".encode("utf-16-le"), "looks like UTF-16 text without a BOM"),
        (b"reporter\x00,partner\n", "binary content: a NUL byte at byte 9 (line 1)"),
        (b"\xef\xbb\xbf", "holds only a UTF-8 byte-order mark"),
        (
            gzip.compress(b"reporter,partner,flow\n" * 50, mtime=0)[:40],
            "gzip file is truncated or corrupt",
        ),
    ],
)
def test_files_that_are_not_text_say_what_they_are(
    tmp_path: Path, content: bytes, said: str
) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}: -: '': {said}")


def test_a_gzip_truncated_after_its_header_is_an_error(tmp_path: Path) -> None:
    rows = "".join(f"AZE,TJK,export,{1950 + i % 70},{i},unit,USD,,,,\n" for i in range(20_000))
    packed = gzip.compress(f"{TIDY_HEADER}\n{rows}".encode())
    path = tmp_path / "data.csv.gz"
    path.write_bytes(packed[: len(packed) // 2])
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}: -: '': gzip file is truncated or corrupt")


def test_toml_nested_deeply_is_an_error(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "claims.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", "utf-8")
    code, _out, err = run(runner, "verify", str(path))
    assert code == 1
    assert err == f"error: {path}: -: '': not valid TOML for claims: nested too deeply\n"


# -- messages that contradicted themselves, warnings that were missing --------------------


def test_a_zero_total_is_said_as_zero(runner: CliRunner, write_csv: Callable[..., Path]) -> None:
    path = write_csv(
        ["AZE,TJK,export,2022,5.8,million,USD,,,,", "AZE,WORLD,export,2022,0,million,USD,,,,"]
    )
    base = ["--data", str(path), "share", "--vs", "world", "-p", "TJK", "--flow", "export"]
    code, _, err = run(runner, *base, "-s", "2022")
    assert code == 1
    assert "the AZE–WORLD total for 2022 is 0: no share of it" in err
    assert "no AZE–WORLD total" not in err
    code, _, err = run(runner, *base)
    assert code == 1
    assert "the AZE–WORLD total is 0 in the spans that have the partner's figure too (2022)" in err
    assert "no span has both" not in err


def test_the_same_figure_in_two_units_is_warned_about(write_csv: Callable[..., Path]) -> None:
    path = write_csv(
        [
            "AZE,TJK,export,2022,5.8,million,USD,,2023-01-01,,",
            "AZE,TJK,export,2022,5.8,thousand,USD,,2023-02-01,,",
            "AZE,TJK,export,2023,5.8,million,USD,,2024-01-01,,",
            "AZE,TJK,export,2023,6.1,million,USD,,2024-02-01,,",  # a revision, not a unit
        ]
    )
    notes = load([path], use_cache=False).notes
    assert notes == [
        f"unit? AZE–TJK export 2022: $5.8M ({path}:2) is 1,000 × $5.8K ({path}:3); "
        "one of them may have the wrong unit"
    ]


def test_a_gzip_streams_through_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tradecli.readers import common, tidy_fast

    rows = [
        f"AZE,TJK,export,{1950 + i % 70}-{1 + i % 12:02d},{i}.5,unit,USD,,,," for i in range(6000)
    ]
    text = f"{TIDY_HEADER}\n" + "\n".join(rows) + "\n"
    plain = tmp_path / "plain.csv"
    plain.write_text(text, "utf-8")
    packed = tmp_path / "packed.csv.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    expected = load([plain], use_cache=False).frame  # the plain reader: small file

    monkeypatch.setattr(tidy_fast, "MIN_BYTES", 1000)
    monkeypatch.setattr(tidy_fast, "CHUNK_BYTES", 20_000)  # many blocks, lines cut across them

    def whole(*args: object) -> object:
        raise AssertionError("decompressed whole")

    monkeypatch.setattr(common, "read_text", whole)
    monkeypatch.setattr(gzip, "decompress", whole)
    frame = load([packed], use_cache=False).frame
    assert list(frame["value"]) == [i + 0.5 for i in range(6000)]
    assert list(frame["line"]) == list(range(2, 6002))
    for column in ("reporter", "partner", "flow", "first", "last", "value", "step"):
        assert frame[column].astype(str).tolist() == expected[column].astype(str).tolist()


def test_messages_about_paths_utf8_cannot_decode_name_them_escaped(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A missing --data file, a broken groups or claims file, --out into a missing folder
    (of the output and of a chart), a chart's suffix, what was written: in a folder named
    with such a byte, each message names the folder as citations do (``d\\xff``), never as
    Python's lone surrogate (``\\udcff``)."""
    folder = undecodable_folder(tmp_path, b"d\xff")
    (folder / "g.csv").write_text("group,member\nx\n", "utf-8")
    (folder / "c.toml").write_text("x = [", "utf-8")
    shown = str(tmp_path / "d\\xff")  # as ``ls -b`` writes it
    cases = [  # quoted as a citation names them: one backslash, not repr's two
        (["--data", str(folder / "none.csv"), "summary"], 2, f"'{shown}/none.csv'"),
        (["--groups", str(folder / "g.csv"), "summary"], 1, f"error: {shown}/g.csv:1: "),
        (["verify", str(folder / "c.toml")], 1, f"error: {shown}/c.toml: "),
        (["--groups", str(folder / "none.csv"), "summary"], 2, f"File '{shown}/none.csv' does"),
        (["verify", str(folder / "none.toml")], 2, f"File '{shown}/none.toml' does not exist"),
        (["summary", "--groups", str(folder)], 2, f"File '{shown}' is a directory"),
        (["--out", str(folder / "no" / "x.csv"), "summary"], 2, f"'{shown}/no'"),
        (["chart", "-p", "TJK", "--out", str(folder / "no" / "c.png")], 2, f"'{shown}/no'"),
        (["chart", "-p", "TJK", "--out", str(folder / "c.gif")], 2, f"'{shown}/c.gif'"),
        (["--out", str(folder / "x.csv"), "summary"], 0, f"wrote {shown}/x.csv"),
        (["chart", "-p", "TJK", "--out", str(folder / "c.svg")], 0, f"wrote {shown}/c.svg"),
    ]
    for args, expected, named in cases:
        code, out, err = run(runner, *args)
        assert (code, out) == (expected, ""), (args, err)
        assert named in err and "udc" not in err and "\udcff" not in err, (args, err)


def test_a_temporary_folder_whose_name_utf8_cannot_decode_is_no_traceback(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``$TMPDIR`` so named, the temporary files and links that reading makes (a
    link to a file in such a folder, a copy of standard input, a block of a file read in
    blocks by ``convert``) live under a name pyarrow takes: every answer is the one with a
    plain ``$TMPDIR``, and nothing is left in either folder."""
    import tempfile

    from tradecli.file_names import link_folder
    from tradecli.readers import blocks

    temp = undecodable_folder(tmp_path, b"t\xffmp")
    plain_temp = tmp_path / "plain-tmp"
    plain_temp.mkdir()
    rows = "".join(f"AZE,TJK,export,2022-{m:02d},{m},,USD,,,,\n" for m in range(1, 13))
    data = _undecodable(tmp_path, b"tr\xffde.csv", f"{TIDY_HEADER}\n{rows}")
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 200)  # convert reads the file in blocks
    answers = []
    for folder in (temp, plain_temp):
        monkeypatch.setattr(tempfile, "tempdir", str(folder))
        assert (link_folder() == str(folder)) == (folder == plain_temp)
        summary = run(runner, "--data", str(data), "--format", "json", "summary")
        piped = runner.invoke(app, ["--data", "-", "value", "-p", "TJK", "-s", "2022"],
                              input=data.read_bytes())  # fmt: skip
        out = tmp_path / f"ds-{folder.name.encode('utf-8', 'surrogateescape').hex()}"
        converted = run(runner, "--data", str(data), "convert", "--out", str(out))
        assert summary[0] == piped.exit_code == converted[0] == 0, (summary, converted)
        from_dataset = run(runner, "--data", str(out), "--format", "json", "summary")
        assert from_dataset == summary
        answers.append((summary, piped.stdout, piped.stderr))
        assert list(folder.iterdir()) == []
    assert answers[0] == answers[1]
    assert "$78" in answers[0][1]  # the piped year: 1 + 2 + ... + 12


def test_a_quoted_path_utf8_cannot_decode_shows_no_control_character() -> None:
    """``file_names.quoted``: bytes UTF-8 cannot decode as citations show them, control
    characters as ``repr`` writes them (a name is no way to send a terminal escapes)."""
    from tradecli.file_names import quoted

    path = Path(os.fsdecode(b"/d\xff/a\nb\x1b]0;x\x07.csv"))
    assert quoted(path) == "'/d\\xff/a\\nb\\x1b]0;x\\x07.csv'"
    assert quoted(Path("/a b/c\n.csv")) == repr("/a b/c\n.csv")
