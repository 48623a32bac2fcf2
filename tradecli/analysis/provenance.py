"""``tradecli data --where`` and ``--show ID``: where the bundled data is installed, and
the source row a citation names.

A figure's citation is ``FILE:LINE``: the data file as given to ``--data`` (or
``<stdin>``), and for the bundled dataset the stable id ``bundled:NAME`` (the path of an
installed package means nothing to the reader of a report); LINE is the file's line on
which the row starts (the header is line 1).
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradecli.errors import BadRequest, NotAvailable
from tradecli.file_names import named, quoted, shown_name
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
            "file": shown_name(self.file),
            "line": self.line,
            "fields": self.fields,
        }

    def text(self) -> str:
        """For a terminal: the citation, then one ``field  value`` line per column (never
        cut: a long URL is left to the terminal to wrap). Where the file is installed is
        ``data --where``'s (and in JSON)."""
        from tradecli.safe_text import escape_controls

        pad = max((len(name) for name in self.fields), default=0)
        lines = [self.citation] + [
            f"  {escape_controls(name).ljust(pad)}  {escape_controls(value)}".rstrip()
            for name, value in self.fields.items()
        ]
        return "\n".join(lines) + "\n"

    def report(self) -> Report:
        from tradecli.render import Column, Report

        columns = [Column("field", "field"), Column("value", "value", wrap=True)]
        rows = [{"field": name, "value": value} for name, value in self.fields.items()]
        notes = [f"{self.citation}: line {self.line} of {shown_name(self.file)}"]
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
    return named(name), int(number)


def show(citation: str, data: Sequence[Path | str] = ()) -> SourceRow:
    """The row that ``citation`` names: of a text data file (CSV or TSV, gzip or not), a
    line; of an Excel workbook, the row of that number in each sheet (the readers number
    a workbook's rows as the sheet does); of a Parquet dataset or file given to
    ``--data`` (``data``), the converted row that keeps that citation (the file it came
    from may be gone). A citation typed with bytes UTF-8 cannot decode is taken, and
    named in messages, as reports print it (``d\\xff``)."""
    citation = shown_name(citation)
    path, line = parse_citation(citation)
    if not path.is_file():
        for where in data:  # a local dataset (a URL is read from Python only)
            found = (
                _parquet_row(Path(where), citation, path, line) if isinstance(where, Path) else None
            )
            if found is not None:
                return found
        if path.is_dir():
            raise NotAvailable(f"{citation}: {quoted(path)} is a folder, not a data file")
        raise NotAvailable(f"{citation}: no such file {quoted(path)}") from None
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PAR1"):
        raise NotAvailable(
            f"{citation}: {quoted(path)} is a Parquet file, whose rows are cited by the file "
            "they were converted from; give that citation (a report on it shows it)"
        )
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return _workbook_row(citation, path, line)
    try:
        raw = path.read_bytes()
        if raw.startswith(b"\x1f\x8b"):
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8-sig")
    except (UnicodeDecodeError, OSError, EOFError):
        raise NotAvailable(
            f"{citation}: {quoted(path)} is neither a text file (UTF-8, gzip or not) nor an "
            "Excel workbook or Parquet file, the files tradecli reads; open it where it was "
            "made and go to that line"
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
        f"{citation}: no row starts at line {line} of {quoted(path)} "
        f"(its rows are on lines 2 to {reader.line_num})"
    )


def _workbook_row(citation: str, path: Path, line: int) -> SourceRow:
    """Row ``line`` of every sheet of a workbook, each non-empty cell by its address
    (``Exports, FOB!C12``): the readers cite a workbook's row by its sheet row number."""
    from tradecli.readers.imf_excel import workbook_rows

    _, sheets = workbook_rows(path)
    fields: dict[str, str] = {}
    for title, rows in sheets.items():
        if line > len(rows):
            continue
        for column, value in enumerate(rows[line - 1]):
            if value not in ("", None):
                fields[f"{title}!{_letters(column)}{line}"] = _cell_text(value)
    if not fields:
        longest = max((len(rows) for rows in sheets.values()), default=0)
        raise NotAvailable(
            f"{citation}: row {line} is empty in every sheet of {quoted(path)} "
            f"(its sheets have rows 1 to {longest})"
        )
    return SourceRow(citation, path, line, fields)


def _letters(column: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parquet_row(where: Path, citation: str, path: Path, line: int) -> SourceRow | None:
    """The converted row of a Parquet dataset or file that keeps the citation (its
    ``source`` and ``line``), or None when ``where`` is not Parquet or has no such row."""
    from tradecli.readers import parquet

    if not parquet.is_parquet(where):
        return None
    import pyarrow.compute as pc

    table = parquet.read_table(where)
    if "source" not in table.column_names or "line" not in table.column_names:
        return None
    hit = pc.and_(pc.equal(table["source"], str(path)), pc.equal(table["line"], line))
    rows = table.filter(hit).to_pylist()
    if not rows:
        return None
    row = dict(rows[0])
    row.pop(parquet.ORDER, None)
    if isinstance(row.get("first"), int) and isinstance(row.get("last"), int):
        from tradecli.periods import Period

        first, last = row.pop("first"), row.pop("last")
        row = {"period": Period(first, last).iso(), **row}
    order = ["reporter", "partner", "flow", "period", "value", "currency", "flags"]
    ordered = {k: row.pop(k) for k in order if k in row}
    fields = {k: "" if v is None else _cell_text(v) for k, v in {**ordered, **row}.items()}
    return SourceRow(citation, where, line, fields)
