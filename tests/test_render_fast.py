"""The plain table renderer prints exactly what rich prints, and takes the common case."""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecli.analysis.summary import summarize
from tradecli.dataset import Dataset
from tradecli.render import (
    Column,
    Kind,
    Report,
    _fit,
    _Grid,
    _lines,
    _plain_line,
    _plain_table,
    _render_table_rich,
    render_table,
)
from tradecli.selection import Selection

PLAIN = string.ascii_letters + string.digits + "$%+-.–—·▁▂▃▄▅▆▇█ *~×()/'"
ODD = "[]:\t\n\r\x1b中é\u0301\u00a0"  # markup, emoji codes, controls, wide, combining, nbsp
SAMPLES = ["TUR–GIN", "2023", "$5.773B", "+8.2%", "Jan–Jul 2024", "█▄▄▃▃█▁▃", "—", "", " "]


def synthetic(rows: int = 200) -> Report:
    """A report shaped like a large summary: 9 table columns and a csv-only one."""
    columns = [
        Column("series", "series"),
        Column("year", "year"),
        Column("value", "value", Kind.money),
        Column("change", "y/y", Kind.percent),
        Column("ytd", "latest YTD"),
        Column("ytd_value", "value", Kind.money),
        Column("ytd_change", "y/y", Kind.percent),
        Column("run_rate", "run-rate*", Kind.money),
        Column("trend", "trend"),
        Column("shares", "shares", table=False),
    ]
    template = dict(
        series="TUR–GIN",
        year="2023",
        value=5.773e9 + 1e6,
        change=0.082,
        ytd="Jan–Jul 2024",
        ytd_value=None,
        ytd_change=-0.031,
        run_rate=9.897e9,
        trend="█▄▄▃▃█▁▃",
        shares="world 1.2%",
    )
    body = [
        {k: v * (i + 1) if isinstance(v, float) else v for k, v in template.items()}
        for i in range(rows)
    ]
    notes = ["* run-rate: YTD × 12 / months", "trend: annual values (· = no figure)"]
    return Report("Trade summary (turnover)", columns, body, {}, notes, ["TUR–GIN: 2023 = $5.773B"])


@st.composite
def reports(draw: st.DrawFn) -> tuple[Report, int, bool]:
    """A random report, a width near its table's natural width, and whether it is plain."""
    odd = draw(st.booleans())
    alphabet = PLAIN + ODD if odd else PLAIN
    text = st.text(alphabet, max_size=14)
    cell = st.one_of(text, st.none(), st.sampled_from(SAMPLES))
    columns = draw(
        st.lists(
            st.builds(
                Column,
                key=st.text(string.ascii_lowercase, min_size=1, max_size=3),
                header=text,
                kind=st.sampled_from(list(Kind)),
                justify=st.sampled_from(["left", "right", "center"] if odd else ["left", "right"]),
                table=st.booleans() if odd else st.just(True),
            ),
            min_size=0 if odd else 1,
            max_size=6,
            unique_by=lambda c: c.key,
        )
    )
    rows: list[dict[str, Any]] = draw(
        st.lists(st.fixed_dictionaries({c.key: cell for c in columns}), max_size=6)
    )
    line = st.text(alphabet, max_size=120)  # often wider than the table
    report = Report(
        draw(st.text(alphabet, max_size=50)),
        columns,
        rows,
        {},
        draw(st.lists(line, max_size=3)),
        draw(st.lists(line, max_size=3)),
    )
    grid = _Grid.of(report)
    natural = sum(max(map(len, c)) + 3 for c in zip(grid.headers, *grid.rows, strict=True)) + 1
    width = max(1, natural + draw(st.integers(-3, 3)))
    plain = not odd and width >= natural and len(report.title) <= natural
    return report, width, plain


@settings(max_examples=150, deadline=None)
@given(reports())
def test_the_plain_renderer_prints_what_rich_prints(case: tuple[Report, int, bool]) -> None:
    report, width, plain = case
    assert render_table(report, width) == _render_table_rich(report, width)
    if plain:  # the common case is claimed, not left to rich
        assert _plain_table(_Grid.of(report), width) is not None
        assert all(_plain_line(line) or line.endswith(" ") for line in _lines(report))


def test_a_large_summary_takes_the_plain_path() -> None:
    report = synthetic()
    assert _plain_table(_Grid.of(report), 100) is not None
    assert render_table(report, 100) == _render_table_rich(report, 100)


def test_the_bundled_summary_takes_the_plain_path(bundled: Dataset) -> None:
    report = summarize(bundled, Selection.parse(bundled, None, None).keys(bundled)).report()
    fitted = _fit(report, 100, False)  # the ranges of approximate figures folded at 100
    assert not isinstance(fitted, str) and _plain_table(fitted[0], 100) is not None
    assert all(map(_plain_line, _lines(report)))
    assert render_table(report, 100) == _render_table_rich(report, 100)


@pytest.mark.parametrize(
    ("title", "header", "cell", "justify", "width"),
    [
        ("t", "h", "[bold]x[/bold]", "left", 100),  # markup
        ("t", "h", ":smile:", "left", 100),  # an emoji code
        ("t", "h", "中国", "left", 100),  # two cells per character
        ("t", "h", "a\u200bb", "left", 100),  # not printable (a tab is escaped before: \x09)
        ("t", "h", "x", "center", 100),  # a justification the plain path does not do
        ("t", "h", "wide " * 30, "left", 100),  # rich would wrap the column
        ("a title longer than the table", "h", "x", "left", 100),  # rich would wrap the title
        ("[red]t[/red]", "h", "x", "left", 100),  # markup in the title
    ],
)
def test_rich_renders_what_the_plain_path_cannot(
    title: str, header: str, cell: str, justify: str, width: int
) -> None:
    report = Report(title, [Column("c", header, justify=justify)], [{"c": cell}], {})
    assert _plain_table(_Grid.of(report), width) is None
    assert render_table(report, width) == _render_table_rich(report, width)


def test_notes_with_emoji_codes_are_left_to_rich() -> None:
    report = Report("t", [Column("c", "h")], [{"c": "x"}], {}, ["see :warning:"])
    assert not _plain_line("note: see :warning:")
    assert render_table(report) == _render_table_rich(report)
    assert "⚠" in render_table(report)


def test_csv_is_written_column_by_column_as_by_hand() -> None:
    """Rows of a report without keyed records, by hand: a missing cell and None are
    empty; numbers and booleans as Python writes them; text a spreadsheet would run as
    a formula gets a leading quote, each time it repeats; a control character is
    written visibly; a comma quotes the cell. No columns: one empty line per row."""
    from tradecli.render import Column, Report, render_csv

    columns = [Column("a", "a"), Column("b", "b"), Column("c", "c")]
    rows: list[dict[str, Any]] = [
        {"a": "=SUM(A1)", "b": 1.5, "c": None},
        {"a": "=SUM(A1)", "b": True, "c": "x\x1by"},
        {"a": "AZE, TJK", "c": "-3"},
        {"a": "", "b": 0, "c": "x\x1by"},
    ]
    report = Report("t", columns, rows, None)
    assert render_csv(report) == (
        "a,b,c\n'=SUM(A1),1.5,\n'=SUM(A1),True,x\\x1by\n\"AZE, TJK\",,'-3\n,0,x\\x1by\n"
    )
    assert render_csv(Report("t", [], [{"a": 1}, {"a": 2}], None)) == "\n\n\n"
