"""Results → text: one result, four formats (table, json, csv, markdown).

Commands build a ``Report`` (columns, rows, notes, the JSON payload and the
derivation) and hand it to ``render``; every renderer returns a string, so
each is tested without the CLI. Only this module and ``cli/`` touch rich.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tradecli import json_text
from tradecli.formatting import money
from tradecli.formatting import percent as percent  # re-exported: reports import them here
from tradecli.formatting import share_percent as share_percent
from tradecli.safe_text import escape_controls, escape_lines, json_c1

if TYPE_CHECKING:  # rich is imported when a table is rendered: it is slow to import
    from rich.console import Console


class OutputFormat(StrEnum):
    """How a report is written: ``--format``."""

    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    xlsx = "xlsx"


class Kind(StrEnum):
    text = "text"
    money = "money"
    percent = "percent"
    share = "share"
    number = "number"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: Kind = Kind.text
    justify: str = "left"
    table: bool = True  # False: in csv and markdown only (too wide for a terminal table)
    # Below a table's natural width the columns of lowest priority are left out first
    # (the rightmost of equal priority first); the first column is always shown.
    priority: int = 1
    label: str = ""  # the header where it stands alone (a stacked record, a note); default header
    wrap: bool = False  # prose, which may wrap between words; never a number, code or period

    @property
    def name(self) -> str:
        return self.label or self.header


@dataclass
class Report:
    """What a command shows: a table of rows, notes, the derivation and the JSON payload.

    ``data`` and ``explain`` may be given as functions that build them, called only
    when the output needs them (``payload()``, ``derivation()``): a table does not
    need the JSON payload, and only ``--explain`` needs the derivation, which on a
    large summary cost more than the analysis itself.
    """

    title: str
    columns: list[Column]
    rows: Sequence[dict[str, Any]]  # a list, or ``LazyRows`` where few outputs read them
    data: Any | Callable[[], Any]
    notes: list[str] = field(default_factory=list)
    explain: list[str] | Callable[[], list[str]] = field(default_factory=list)
    # Keyed machine records (``tradecli.records``) for CSV and JSON, with their fields in
    # order (the same whatever the number of rows); none: CSV writes ``rows``.
    record_fields: list[str] = field(default_factory=list)
    records: list[dict[str, Any]] | Callable[[], list[dict[str, Any]]] = field(default_factory=list)
    # Below the natural width, the ranges beside a column's figures fold just before the
    # column itself would be left out; a number here folds them all at this priority.
    range_priority: float | None = None

    def machine_records(self) -> list[dict[str, Any]]:
        """The keyed records."""
        return self.records() if callable(self.records) else self.records

    def payload(self) -> Any:
        """The JSON payload."""
        return self.data() if callable(self.data) else self.data

    def derivation(self) -> list[str]:
        """The lines of ``--explain``."""
        return self.explain() if callable(self.explain) else self.explain


class LazyRows(Sequence[dict[str, Any]]):
    """A report's rows, made when first read: a long listing whose CSV and JSON come from
    its records and payload (``data --conflicts``) need not make them too."""

    def __init__(self, make: Callable[[], list[dict[str, Any]]]) -> None:
        self._make: Callable[[], list[dict[str, Any]]] | None = make
        self._rows: list[dict[str, Any]] = []

    def _made(self) -> list[dict[str, Any]]:
        if self._make is not None:
            self._rows, self._make = self._make(), None
        return self._rows

    def __len__(self) -> int:
        return len(self._made())

    def __getitem__(self, index: Any) -> Any:
        return self._made()[index]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._made())


@dataclass(frozen=True)
class Output:
    """Rendered text for stdout, and diagnostics for stderr; a binary format (xlsx) has
    its bytes in ``binary`` instead of text."""

    stdout: str
    stderr: str = ""
    binary: bytes | None = None


def display(value: Any, kind: Kind, currency: str = "USD") -> str:
    if value is None:
        return "—"
    if kind is Kind.money and isinstance(value, (int, float)):
        return money(float(value), currency)
    if kind is Kind.percent and isinstance(value, (int, float)):
        return percent(float(value))
    if kind is Kind.share and isinstance(value, (int, float)):
        return share_percent(float(value))
    if kind is Kind.number and isinstance(value, float):
        return f"{value:,.4g}"
    return str(value)


def _cell(row: dict[str, Any], column: Column, ranged: bool = True) -> str:
    """A cell's text, control characters from the data shown visibly (``\\x1b``). A
    figure with a range (``KEY_low`` and ``KEY_high`` in the row: it was worked out from
    approximate figures) is followed by it: ``$786K ($286K to $1.29M)`` (``ranged``
    False: folded, not shown); a figure that used a flagged observation (``KEY_flagged``
    true) is marked ``†``."""
    currency = str(row.get("currency", "USD"))
    value = row.get(column.key)
    text = display(value, column.kind, currency)
    if ranged:
        text += range_text(row, column.key, column.kind, currency)
    if value is not None and row.get(f"{column.key}_flagged"):
        text += FLAG_MARK
    return escape_controls(text)


FLAG_MARK = "†"  # a figure that used a flagged observation (--include-flagged)


def range_text(row: dict[str, Any], key: str, kind: Kind, currency: str = "USD") -> str:
    """`` (LOW to HIGH)`` when the row gives ``KEY`` a range other than the value itself;
    an unknown end is said as such (``at least``); '' when there is none."""
    value = row.get(key)
    low, high = row.get(f"{key}_low"), row.get(f"{key}_high")
    if value is None or (low is None and high is None) or (low == value and high == value):
        return ""
    if high is None:
        return f" (at least {display(low, kind, currency)})"
    if low is None:
        return f" (at most {display(high, kind, currency)})"
    if display(low, kind, currency) == display(high, kind, currency):
        return ""
    return f" ({display(low, kind, currency)} to {display(high, kind, currency)})"


def render_table(report: Report, width: int = 100, wide: bool = False) -> str:
    """The report as a terminal table, with its notes and explanation below.

    A table never cuts a cell: below its natural width the columns of lowest priority
    are left out, with a note naming them; when fewer than half the columns would be
    left, each row is printed as a stacked record instead. ``wide``: every column,
    however wide (the terminal wraps the lines).

    Plain Python when rich would print exactly the same bytes (a plain table that fits
    ``width``); rich otherwise. On a 200-row summary rich's layout engine took longer
    than the whole analysis.
    """
    fitted = _fit(report, width, wide)
    if isinstance(fitted, str):
        return fitted
    grid, lines = fitted
    table = _plain_table(grid, grid.width if wide else width)
    if table is None:
        table = _rich_table(grid, grid.width if wide else width)
    plain = all(map(_plain_line, lines))
    return table + ("".join(f"{line}\n" for line in lines) if plain else _rich_lines(lines, width))


def _render_table_rich(report: Report, width: int = 100, wide: bool = False) -> str:
    """``render_table`` by rich alone: the reference the plain renderer must equal."""
    fitted = _fit(report, width, wide)
    if isinstance(fitted, str):
        return fitted
    grid, lines = fitted
    return _rich_table(grid, grid.width if wide else width) + _rich_lines(lines, width)


def _fit(report: Report, width: int, wide: bool) -> tuple[_Grid, list[str]] | str:
    """The grid that fits ``width`` and the lines under it, or the stacked records.

    Below the natural width, what has the lowest priority goes first (the rightmost of
    equal priority first): a column, or the ranges beside a column's figures, which
    fold just before the columns of that column's priority, or at the report's
    ``range_priority`` (and are then listed in a note). Never the first column; when
    fewer than half the columns would be left, the rows are stacked records instead."""
    grid = _Grid.of(report)
    lines = _lines(report)
    if wide or not grid.headers or grid.width <= width:
        return grid, lines
    shown = [c for c in report.columns if c.table]
    # (priority, -index, is a range, index): a column's range folds before the column
    units: list[tuple[float, int, bool, int]]
    units = [(shown[i].priority, -i, False, i) for i in range(1, len(shown))]
    fold = report.range_priority
    units += [(shown[i].priority - 0.5 if fold is None else fold, -i, True, i) for i in grid.ranged]
    dropped: set[int] = set()
    folded: set[int] = set()
    for _, _, is_range, i in sorted(units):
        (folded if is_range else dropped).add(i)
        if grid.without(dropped, folded).width <= width:
            break
    if len(shown) - len(dropped) < max(2, (len(shown) + 1) // 2):
        return render_stacked(report, width)
    notes = []
    if dropped:
        names = ", ".join(shown[i].name for i in sorted(dropped))
        notes.append(
            f"note: not shown at {width} columns: {names}; "
            "see every column with --wide, or --format csv or json"
        )
    folded -= dropped
    if folded:
        notes.extend(_folded_note(report, shown, sorted(folded), width))
    return grid.without(dropped, folded), [*notes, *lines]


def _folded_note(report: Report, shown: list[Column], folded: list[int], width: int) -> list[str]:
    """The note for ranges folded out of the table: how to see them beside the figures,
    and the ranges themselves, each with its row and column (the first ``NOTE_LIST``,
    then how many more)."""
    from tradecli.formatting import NOTE_LIST

    listed = []
    for row in report.rows:
        currency = str(row.get("currency", "USD"))
        for i in folded:
            column = shown[i]
            text = range_text(row, column.key, column.kind, currency)
            if text:
                figure = display(row.get(column.key), column.kind, currency)
                # the row's first cell, and the nearest text to the left (a span, a year)
                left = [j for j in range(1, i) if shown[j].kind is Kind.text]
                head = " ".join(_cell(row, shown[j], False) for j in [0, *left[-1:]])
                listed.append(f"note:   {head} {column.name} {figure}: {text.strip(' ()')}")
    more = len(listed) - NOTE_LIST
    tail = [f"note:   and {more:,} more; --format json lists them all"] if more > 0 else []
    return [
        f"note: ranges not shown at {width} columns (--wide shows them; csv/json: low, high):",
        *[escape_lines(line) for line in listed[:NOTE_LIST]],
        *tail,
    ]


def render_stacked(report: Report, width: int = 100) -> str:
    """Each row as a record: its first cell, then one ``header  value`` line per column.

    For terminals too narrow for a table; nothing is cut (a long line is left to the
    terminal to wrap).
    """
    shown = [c for c in report.columns if c.table]
    out = [escape_controls(report.title), ""] if report.title else []
    labels = [escape_controls(c.name) for c in shown[1:]]
    pad = max(map(len, labels), default=0)
    for row in report.rows:
        cells = [_cell(row, c) for c in shown]
        out.append(cells[0] if shown else "")
        for label, cell, column in zip(labels, cells[1:], shown[1:], strict=True):
            line = f"  {label.ljust(pad)}  {cell}"
            plain = _cell(row, column, False)
            if len(line) > width and plain != cell:  # the range on a line of its own
                out.append(f"  {label.ljust(pad)}  {plain}")
                ranged = range_text(row, column.key, column.kind, str(row.get("currency", "USD")))
                out.append(f"  {' ' * pad}  {ranged.strip()}")
            else:
                out.append(line)
        out.append("")
    lines = _lines(report)
    text = "".join(f"{line}\n" for line in out)
    if all(map(_plain_line, [line for line in out if line])) and all(map(_plain_line, lines)):
        return text + "".join(f"{line}\n" for line in lines)
    return _rich_lines([*out, *lines], width)


WRAP_MIN = 16  # a column of prose is given at least this width when it has that much text


@dataclass(frozen=True)
class _Grid:
    """A table's text: title, headers, each column's justification and the rows' cells."""

    title: str
    headers: list[str]
    justify: list[str]
    rows: list[list[str]]
    wrap: tuple[bool, ...] = ()  # per column: may wrap between words (default: none may)
    # the rows' cells without their ranges, for the columns (by index) that show one
    plain: dict[int, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, report: Report) -> _Grid:
        shown = [c for c in report.columns if c.table]
        rows = [[_cell(row, c) for c in shown] for row in report.rows]
        plain: dict[int, list[str]] = {}
        for i, c in enumerate(shown):
            if c.kind is Kind.text or not any(f"{c.key}_low" in row for row in report.rows):
                continue
            cells = [_cell(row, c, False) for row in report.rows]
            if any(a != b[i] for a, b in zip(cells, rows, strict=True)):
                plain[i] = cells
        return cls(
            escape_controls(report.title),
            [escape_controls(c.header) for c in shown],
            ["right" if c.kind is not Kind.text else c.justify for c in shown],
            rows,
            tuple(c.wrap for c in shown),
            plain,
        )

    @property
    def ranged(self) -> list[int]:
        """The columns (by index) with a range beside some figure."""
        return sorted(self.plain)

    @property
    def width(self) -> int:
        """The narrowest the table may be: every cell on one line (a column that may wrap:
        its longest word, and at least 16 when it has that much text), rich's default box
        and padding."""
        from rich.cells import cell_len

        if not self.headers:
            return 0
        wrap = self.wrap or (False,) * len(self.headers)
        widths = []
        for column, wraps in zip(zip(self.headers, *self.rows, strict=True), wrap, strict=True):
            lines = [line for text in column for line in (text.splitlines() or [""])]
            natural = max(map(cell_len, lines))
            if wraps:
                word = max((cell_len(w) for line in lines for w in line.split()), default=0)
                natural = min(natural, max(word, WRAP_MIN))
            widths.append(natural)
        return sum(widths) + 3 * len(widths) + 1

    def without(self, dropped: set[int], folded: set[int] | None = None) -> _Grid:
        """The grid without the columns at the indices ``dropped``, and without the
        ranges of the columns ``folded``."""
        keep = [i for i in range(len(self.headers)) if i not in dropped]
        plain = {i: self.plain[i] for i in folded or () if i in self.plain}
        return _Grid(
            self.title,
            [self.headers[i] for i in keep],
            [self.justify[i] for i in keep],
            [
                [plain[i][r] if i in plain else cells[i] for i in keep]
                for r, cells in enumerate(self.rows)
            ],
            tuple(self.wrap[i] for i in keep) if self.wrap else (),
        )


def _lines(report: Report) -> list[str]:
    """The lines under the table: notes, then a blank line and the explanation."""
    explain = [escape_lines(line) for line in report.derivation()]
    notes = [f"note: {escape_lines(n)}" for n in report.notes]
    return notes + (["", *explain] if explain else [])


def _console(buffer: io.StringIO, width: int) -> Console:
    from rich.console import Console

    return Console(
        file=buffer,
        width=width,
        force_terminal=False,
        no_color=True,
        highlight=False,
        soft_wrap=False,
    )


def _rich_table(grid: _Grid, width: int) -> str:
    from rich.table import Table

    table = Table(title=grid.title, title_justify="left", show_lines=False, header_style="bold")
    wrap = grid.wrap or (True,) * len(grid.headers)
    for header, justify, wraps in zip(grid.headers, grid.justify, wrap, strict=True):
        table.add_column(header, justify=justify, no_wrap=not wraps)  # type: ignore[arg-type]
    for cells in grid.rows:
        table.add_row(*cells)
    buffer = io.StringIO()
    _console(buffer, width).print(table)
    return buffer.getvalue()


def _rich_lines(lines: list[str], width: int) -> str:
    buffer = io.StringIO()
    console = _console(buffer, width)
    for line in lines:
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    return buffer.getvalue()


# What rich reads as an :emoji: code: its own pattern (``rich._emoji_replace``), matched as
# its ``sub`` does; a code is replaced only when it names an emoji rich knows.
_EMOJI_CODE = re.compile(r"(:(\S*?)(?:(?:\-)(emoji|text))?:)")


def _plain_text(text: str) -> bool:
    """No control characters, tabs or newlines, nothing rich would read as an emoji code
    (a citation ``bundled:NAME.csv:24`` has colons, and names no emoji)."""
    if not text.isprintable():
        return False
    if ":" not in text:
        return True
    return not any(_is_emoji(match.group(2)) for match in _EMOJI_CODE.finditer(text))


def _is_emoji(name: str) -> bool:
    from rich._emoji_codes import EMOJI

    return name.lower() in EMOJI


def _plain_line(text: str) -> bool:
    """A line rich prints as is when soft-wrapping without markup.

    Trailing spaces are left to rich: rich 13 trims those past the width.
    """
    return _plain_text(text) and not text.endswith(" ")


def _plain_cells(texts: list[str]) -> bool:
    """Texts rich prints as is in a table: no markup, one terminal cell per character."""
    from rich.cells import cell_len

    joined = " ".join(texts)  # checked at once: an emoji code cannot span the spaces
    return (
        _plain_text(joined)
        and "[" not in joined
        and all(cell_len(text) == len(text) for text in set(texts))
    )


def _plain_table(grid: _Grid, width: int) -> str | None:
    """The table rich would print, or None when rich might wrap, shrink or substitute.

    The table is rich's default: HEAVY_HEAD box, one space of padding each side, the
    title left-justified and padded to the table's width. Right-justified cells lose
    trailing spaces, as in rich. Windows may swap the box for a legacy one: rich there.
    """
    texts = [grid.title, *grid.headers, *(cell for cells in grid.rows for cell in cells)]
    if not grid.headers or sys.platform == "win32" or not _plain_cells(texts):
        return None
    if any(j not in ("left", "right") for j in grid.justify):
        return None
    widths = [max(map(len, column)) for column in zip(grid.headers, *grid.rows, strict=True)]
    table_width = sum(widths) + 3 * len(widths) + 1
    if table_width > width or len(grid.title) > table_width:
        return None

    def row(cells: list[str], edge: str) -> str:
        padded = (
            c.ljust(w) if j == "left" else c.rstrip().rjust(w)
            for c, w, j in zip(cells, widths, grid.justify, strict=True)
        )
        return f"{edge} " + f" {edge} ".join(padded) + f" {edge}\n"

    from rich.box import HEAVY_HEAD as box

    spans = [w + 2 for w in widths]
    return "".join(
        [
            f"{grid.title.ljust(table_width)}\n" if grid.title else "",
            box.get_top(spans) + "\n",
            row(grid.headers, box.head_vertical),
            box.get_row(spans, "head") + "\n",
            *(row(cells, box.mid_vertical) for cells in grid.rows),
            box.get_bottom(spans) + "\n",
        ]
    )


def _markdown_escape(text: str) -> str:
    """One line of markdown text: controls (line breaks included) shown visibly, so a cell
    cannot end its table row or open a block; pipes escaped."""
    return escape_controls(text).replace("|", "\\|")


def _fence(lines: list[str]) -> str:
    """A code fence longer than any run of backticks in ``lines``: nothing inside closes it."""
    longest = max((len(run) for line in lines for run in re.findall("`+", line)), default=0)
    return "`" * max(3, longest + 1)


def render_markdown(report: Report) -> str:
    lines = [f"**{_markdown_escape(report.title)}**", ""]
    lines.append("| " + " | ".join(_markdown_escape(c.header) for c in report.columns) + " |")
    lines.append(
        "|" + "|".join("---:" if c.kind is not Kind.text else "---" for c in report.columns) + "|"
    )
    for row in report.rows:
        lines.append(
            "| " + " | ".join(_markdown_escape(_cell(row, c)) for c in report.columns) + " |"
        )
    if report.notes:
        lines.append("")
        lines.extend(f"- {_markdown_escape(n)}" for n in report.notes)
    explain = [escape_controls(line) for line in report.derivation()]
    if explain:
        fence = _fence(explain)
        lines.extend(["", fence, *explain, fence])
    return "\n".join(lines) + "\n"


def safe_csv_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would run as a formula."""
    if isinstance(value, str):
        value = escape_controls(value)
        if value[:1] in ("=", "+", "-", "@"):
            return "'" + value
    return value


def render_csv(report: Report) -> str:
    """The keyed records when the report has them, else its rows. The formula guard
    applies to text only: a number is written as a number."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    rows: Sequence[dict[str, Any]]
    if report.record_fields:
        keys, rows = report.record_fields, report.machine_records()
    else:
        keys, rows = [c.key for c in report.columns], report.rows
    writer.writerow(keys)
    if not keys:  # a row of no cells is an empty line
        writer.writerows([] for _ in rows)
        return buffer.getvalue()
    # Column by column; each distinct text guarded once (a whole-file table repeats the
    # same reporters, currencies and spans on every row), by the kinds of value a column
    # holds: numbers are written as they are, None as nothing.
    guarded: dict[str, Any] = {}
    columns = []
    for key in keys:
        column = [row.get(key) for row in rows]
        kinds = set(map(type, column))
        if kinds <= _NUMBERS:
            pass
        elif kinds <= _NUMBERS_OR_NONE:
            column = ["" if value is None else value for value in column]
        elif kinds <= _TEXT_OR_NONE:  # texts and None alone: keyed by the distinct ones
            texts = {value: _csv_text(value, guarded) for value in set(column)}
            column = list(map(texts.__getitem__, column))
        else:
            column = [_csv_text(value, guarded) for value in column]
        columns.append(column)
    writer.writerows(zip(*columns, strict=True))
    return buffer.getvalue()


# The kinds of value ``render_csv`` writes without looking at each (as a set: bool, int and
# float keyed apart, where a dict of values would take True for 1 and -0.0 for 0.0).
_NUMBERS: frozenset[type] = frozenset((float, int, bool))
_NUMBERS_OR_NONE: frozenset[type] = _NUMBERS | {type(None)}
_TEXT_OR_NONE: frozenset[type] = frozenset((str, type(None)))


def _csv_text(value: Any, guarded: dict[str, Any]) -> Any:
    """A CSV cell: None as nothing, text through the formula guard (each distinct text
    once, kept in ``guarded``), anything else as it is."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = guarded.get(value)
        if text is None:
            text = guarded[value] = safe_csv_cell(value)
        return text
    return value


def render_xlsx(report: Report) -> bytes:
    """The report as an Excel workbook (openpyxl): a sheet ``data`` with the CSV's rows
    (the keyed records when the report has them; numbers as numbers, text always as text,
    never a formula), and a sheet ``notes`` with the title, the notes and, with
    ``--explain``, the derivation."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    rows: Sequence[dict[str, Any]]
    if report.record_fields:
        keys, rows = report.record_fields, report.machine_records()
    else:
        keys, rows = [c.key for c in report.columns], report.rows
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "data"
    _xlsx_row(sheet, 1, keys)
    for number, row in enumerate(rows, 2):
        _xlsx_row(sheet, number, [row.get(k) for k in keys])
    sheet.freeze_panes = "A2"
    for i, key in enumerate(keys, 1):
        sheet.column_dimensions[get_column_letter(i)].width = max(10, min(len(key) + 2, 40))
    notes = book.create_sheet("notes")
    for number, line in enumerate([report.title, "", *report.notes, *report.derivation()], 1):
        _xlsx_row(notes, number, [line])
    buffer = io.BytesIO()
    book.save(buffer)
    return _reproducible(buffer.getvalue())


# The time written into a workbook (its members' zip dates, the document's created and
# modified dates): fixed, so that the same report is the same bytes on every run.
XLSX_TIME = (1980, 1, 1, 0, 0, 0)
_XLSX_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _reproducible(workbook: bytes) -> bytes:
    """The workbook with its time stamps fixed (``XLSX_TIME``): openpyxl stamps the
    save time into docProps/core.xml and every zip member."""
    import zipfile

    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "docProps/core.xml":
                data = _XLSX_STAMP.sub(rb"\g<1>1980-01-01T00:00:00Z\g<2>", data)
            member = zipfile.ZipInfo(info.filename, date_time=XLSX_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, data)
    return out.getvalue()


def _xlsx_row(sheet: Any, row: int, values: list[Any]) -> None:
    """Row number ``row``, the next of the sheet; a text cell is text even when it starts
    with ``=`` (never a formula), a control character is shown visibly, a non-finite
    number is left empty."""
    cells = []
    for value in values:
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        elif isinstance(value, (list, tuple)):
            value = ";".join(map(str, value))
        elif value is not None and not isinstance(value, (bool, int, float)):
            value = escape_controls(str(value))
        cells.append(value)
    sheet.append(cells)
    # Its text cells looked up one by one: ``sheet.max_row`` and ``sheet[n]`` scan every
    # cell of the sheet (a workbook of 16,000 rows took minutes).
    for column, value in enumerate(cells, 1):
        if isinstance(value, str):
            sheet.cell(row=row, column=column).data_type = "s"


def render_json(report: Report) -> str:
    """The payload; with keyed records, the payload's own fields, then ``records`` (the
    CSV's rows), ``notes`` and ``metadata`` (the title and the records' fields)."""
    return "".join(render_json_pieces(report))


def stream_json(
    report: Report, sink: Callable[[list[str]], None], restart: Callable[[], None]
) -> None:
    """``render_json``'s text handed to ``sink`` a few pieces at a time as it is made
    (``json_text.stream``), never held whole. ``restart``: drop what ``sink`` took (a
    value that needed the standard library's writer, which writes the text at once)."""
    json_text.stream(json_payload(report), sink, restart, json_c1)
    sink(["\n"])


def render_json_pieces(report: Report) -> list[str]:
    """``render_json``'s text in pieces, for a caller that writes them one by one rather
    than join them (a whole-file JSON is hundreds of MB)."""
    # Escaped string by string, as written: nearly all are ASCII, left as they are.
    return [*json_text.pieces(json_payload(report), json_c1), "\n"]


def json_payload(report: Report) -> Any:
    """What the JSON of ``report`` holds: its payload, with its keyed records, notes and
    metadata when it has records."""
    payload = report.payload()
    if report.record_fields and isinstance(payload, dict):
        payload = {
            **payload,
            "records": report.machine_records(),
            "notes": report.notes,
            "metadata": {"title": report.title, "fields": report.record_fields},
        }
    return payload


def render(
    report: Report, fmt: OutputFormat, explain: bool = False, width: int = 100, wide: bool = False
) -> Output:
    """One report in the chosen format; notes and explanations go where the format allows."""
    shown = report if explain else dataclasses.replace(report, explain=[])
    renderers: dict[OutputFormat, Callable[[], Output]] = {
        OutputFormat.table: lambda: Output(render_table(shown, width, wide)),
        OutputFormat.markdown: lambda: Output(render_markdown(shown)),
        OutputFormat.csv: lambda: Output(render_csv(shown), _side_text(shown)),
        OutputFormat.json: lambda: Output(render_json(shown)),
        OutputFormat.xlsx: lambda: Output("", _side_text(shown), render_xlsx(shown)),
    }
    return renderers[fmt]()


def _side_text(report: Report) -> str:
    """Notes and explanation for formats whose stdout must stay clean."""
    lines = [f"note: {n}" for n in report.notes] + report.derivation()
    lines = [escape_lines(line) for line in lines]
    return "\n".join(lines) + ("\n" if lines else "")
