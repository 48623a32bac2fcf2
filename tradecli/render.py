"""Results → text: one result, four formats (table, json, csv, markdown).

Commands build a ``Report`` (columns, rows, notes, the JSON payload and the
derivation) and hand it to ``render``; every renderer returns a string, so
each is tested without the CLI. Only this module and ``cli.py`` touch rich.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

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


Format = OutputFormat  # the old name, for code written before the rename


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
    rows: list[dict[str, Any]]
    data: Any | Callable[[], Any]
    notes: list[str] = field(default_factory=list)
    explain: list[str] | Callable[[], list[str]] = field(default_factory=list)

    def payload(self) -> Any:
        """The JSON payload."""
        return self.data() if callable(self.data) else self.data

    def derivation(self) -> list[str]:
        """The lines of ``--explain``."""
        return self.explain() if callable(self.explain) else self.explain


@dataclass(frozen=True)
class Output:
    """Rendered text for stdout, and diagnostics for stderr."""

    stdout: str
    stderr: str = ""


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


def _cell(row: dict[str, Any], column: Column) -> str:
    """A cell's text, control characters from the data shown visibly (``\\x1b``)."""
    text = display(row.get(column.key), column.kind, str(row.get("currency", "USD")))
    return escape_controls(text)


def render_table(report: Report, width: int = 100) -> str:
    """The report as a terminal table, with its notes and explanation below.

    Plain Python when rich would print exactly the same bytes (a plain table that fits
    ``width``); rich otherwise. On a 200-row summary rich's layout engine took longer
    than the whole analysis.
    """
    grid = _Grid.of(report)
    lines = _lines(report)
    table = _plain_table(grid, width)
    if table is None:
        table = _rich_table(grid, width)
    plain = all(map(_plain_line, lines))
    return table + ("".join(f"{line}\n" for line in lines) if plain else _rich_lines(lines, width))


def _render_table_rich(report: Report, width: int = 100) -> str:
    """``render_table`` by rich alone: the reference the plain renderer must equal."""
    lines = _lines(report)
    return _rich_table(_Grid.of(report), width) + _rich_lines(lines, width)


@dataclass(frozen=True)
class _Grid:
    """A table's text: title, headers, each column's justification and the rows' cells."""

    title: str
    headers: list[str]
    justify: list[str]
    rows: list[list[str]]

    @classmethod
    def of(cls, report: Report) -> _Grid:
        shown = [c for c in report.columns if c.table]
        return cls(
            escape_controls(report.title),
            [escape_controls(c.header) for c in shown],
            ["right" if c.kind is not Kind.text else c.justify for c in shown],
            [[_cell(row, c) for c in shown] for row in report.rows],
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
    for header, justify in zip(grid.headers, grid.justify, strict=True):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
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


# What rich could read as an :emoji: code (its pattern is ``:\S*?:`` with an optional variant).
_EMOJI_CODE = re.compile(r":\S*:")


def _plain_text(text: str) -> bool:
    """No control characters, tabs or newlines, nothing rich could read as an emoji code."""
    return text.isprintable() and not _EMOJI_CODE.search(text)


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
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.key for c in report.columns])
    for row in report.rows:
        writer.writerow(
            [
                "" if row.get(c.key) is None else safe_csv_cell(row.get(c.key))
                for c in report.columns
            ]
        )
    return buffer.getvalue()


def render_json(report: Report) -> str:
    text = json.dumps(report.payload(), indent=2, ensure_ascii=False, allow_nan=False)
    return json_c1(text) + "\n"


def render(report: Report, fmt: OutputFormat, explain: bool = False, width: int = 100) -> Output:
    """One report in the chosen format; notes and explanations go where the format allows."""
    shown = (
        report
        if explain
        else Report(report.title, report.columns, report.rows, report.data, report.notes, [])
    )
    renderers: dict[OutputFormat, Callable[[], Output]] = {
        OutputFormat.table: lambda: Output(render_table(shown, width)),
        OutputFormat.markdown: lambda: Output(render_markdown(shown)),
        OutputFormat.csv: lambda: Output(render_csv(shown), _side_text(shown)),
        OutputFormat.json: lambda: Output(render_json(shown)),
    }
    return renderers[fmt]()


def _side_text(report: Report) -> str:
    """Notes and explanation for formats whose stdout must stay clean."""
    lines = [f"note: {n}" for n in report.notes] + report.derivation()
    lines = [escape_lines(line) for line in lines]
    return "\n".join(lines) + ("\n" if lines else "")
