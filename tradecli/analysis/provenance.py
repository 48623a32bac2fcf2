"""``tradecli data --where`` and ``--show ID``: where the bundled data is installed, and
the source row a citation names.

A figure's citation is ``FILE:LINE``: the data file as given to ``--data`` (or
``<stdin>``), and for the bundled dataset the stable id ``bundled:NAME`` (the path of an
installed package means nothing to the reader of a report); LINE is the file's line on
which the row starts (the header is line 1).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradecli.errors import BadRequest, NotAvailable
from tradecli.vocabulary import BUNDLED_ID, BUNDLED_NAME, STDIN_NAME

if TYPE_CHECKING:  # pandas-free: ``data --where`` and ``--show`` load no data
    from tradecli.render import Report

BUNDLED_PREFIX = "bundled:"


def data_folder() -> Path:
    """The folder the bundled data files are installed in."""
    return Path(str(resources.files("tradecli.bundled").joinpath(BUNDLED_NAME))).parent


@dataclass(frozen=True)
class SourceRow:
    """One row of a data file, as a citation names it."""

    citation: str
    file: Path
    line: int
    fields: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.citation,
            "file": str(self.file),
            "line": self.line,
            "fields": self.fields,
        }

    def text(self) -> str:
        """For a terminal: the citation, then one ``field: value`` line per column (never
        cut: a long URL is left to the terminal to wrap)."""
        from tradecli.safe_text import escape_controls

        pad = max((len(name) for name in self.fields), default=0)
        lines = [self.citation, f"  file: {self.file}"] + [
            f"  {escape_controls(name).ljust(pad)}  {escape_controls(value)}".rstrip()
            for name, value in self.fields.items()
        ]
        return "\n".join(lines) + "\n"

    def report(self) -> Report:
        from tradecli.render import Column, Report

        columns = [Column("field", "field"), Column("value", "value", wrap=True)]
        rows = [{"field": name, "value": value} for name, value in self.fields.items()]
        notes = [f"{self.citation}: line {self.line} of {self.file}"]
        return Report(self.citation, columns, rows, self.to_dict(), notes)


def parse_citation(citation: str) -> tuple[Path, int]:
    """``bundled:NAME:LINE`` or ``FILE:LINE`` → (the file, the line)."""
    name, sep, number = citation.strip().rpartition(":")
    if not sep or not number.isdigit() or int(number) < 1 or not name:
        raise BadRequest(
            f"{citation!r} is not a citation; write FILE:LINE as a report cites it "
            f"(e.g. {BUNDLED_ID}:24)",
            "--show",
        )
    if name == STDIN_NAME:
        raise BadRequest("rows read from standard input cannot be shown again", "--show")
    if name.startswith(BUNDLED_PREFIX):
        bundled = data_folder() / name.removeprefix(BUNDLED_PREFIX)
        if name != BUNDLED_ID or not bundled.is_file():
            raise BadRequest(f"no bundled file {name!r}; the bundled data is {BUNDLED_ID}")
        return bundled, int(number)
    return Path(name), int(number)


def show(citation: str) -> SourceRow:
    """The row of a text data file (CSV or TSV) that ``citation`` names."""
    path, line = parse_citation(citation)
    try:
        text = path.read_text("utf-8-sig")
    except FileNotFoundError:
        raise NotAvailable(f"{citation}: no such file {str(path)!r}") from None
    except (UnicodeDecodeError, IsADirectoryError):
        raise NotAvailable(
            f"{citation}: {str(path)!r} is not a UTF-8 text file; open it in a spreadsheet "
            "and go to that row"
        ) from None
    dialect = "excel-tab" if text.split("\n", 1)[0].count("\t") > 0 else "excel"
    reader = csv.reader(io.StringIO(text, newline=""), dialect=dialect)
    header = next(reader, [])
    start = reader.line_num + 1
    for row in reader:
        if start == line:
            if len(row) > len(header):
                header = [*header, *(f"column {i + 1}" for i in range(len(header), len(row)))]
            return SourceRow(citation, path, line, dict(zip(header, row, strict=False)))
        if start > line:
            break
        start = reader.line_num + 1
    raise NotAvailable(
        f"{citation}: no row starts at line {line} of {str(path)!r} "
        f"(its rows are on lines 2 to {reader.line_num})"
    )
