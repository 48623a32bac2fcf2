"""Results → text: one result, four formats (table, json, csv, markdown).

Commands build a ``Report`` (columns, rows, notes, the JSON payload and the
derivation) and hand it to ``render``; every renderer returns a string, so
each is tested without the CLI. Only this module and ``cli.py`` touch rich.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tradecli.series import money


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


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


def percent(value: float | None) -> str:
    """A change (0.072) as a signed percent with one decimal: +7.2%."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value * 100:+.1f}%"


def share_percent(value: float | None) -> str:
    """A share (0..1) as a percent with enough digits to be non-zero: 0.115%, 68.1%."""
    if value is None:
        return "n/a"
    v = value * 100
    if v == 0:
        return "0%"
    digits = max(1, 2 - math.floor(math.log10(abs(v))))  # three significant figures
    return f"{v:.{digits}f}%"


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
    return display(row.get(column.key), column.kind, str(row.get("currency", "USD")))


def render_table(report: Report, width: int = 100) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=report.title, title_justify="left", show_lines=False, header_style="bold")
    shown = [c for c in report.columns if c.table]
    for column in shown:
        justify = "right" if column.kind is not Kind.text else column.justify
        table.add_column(column.header, justify=justify)  # type: ignore[arg-type]
    for row in report.rows:
        table.add_row(*(_cell(row, c) for c in shown))
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=False,
        no_color=True,
        highlight=False,
        soft_wrap=False,
    )
    console.print(table)
    for note in report.notes:
        console.print(f"note: {note}", highlight=False, markup=False, soft_wrap=True)
    explain = report.derivation()
    if explain:
        console.print("")
        for line in explain:
            console.print(line, highlight=False, markup=False, soft_wrap=True)
    return buffer.getvalue()


def _markdown_escape(text: str) -> str:
    return text.replace("|", "\\|")


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
    explain = report.derivation()
    if explain:
        lines.extend(["", "```", *explain, "```"])
    return "\n".join(lines) + "\n"


def safe_csv_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would run as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
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
    return json.dumps(report.payload(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def render(report: Report, fmt: Format, explain: bool = False, width: int = 100) -> Output:
    """One report in the chosen format; notes and explanations go where the format allows."""
    shown = (
        report
        if explain
        else Report(report.title, report.columns, report.rows, report.data, report.notes, [])
    )
    renderers: dict[Format, Callable[[], Output]] = {
        Format.table: lambda: Output(render_table(shown, width)),
        Format.markdown: lambda: Output(render_markdown(shown)),
        Format.csv: lambda: Output(render_csv(shown), _side_text(shown)),
        Format.json: lambda: Output(render_json(shown)),
    }
    return renderers[fmt]()


def _side_text(report: Report) -> str:
    """Notes and explanation for formats whose stdout must stay clean."""
    lines = [f"note: {n}" for n in report.notes] + report.derivation()
    return "\n".join(lines) + ("\n" if lines else "")
