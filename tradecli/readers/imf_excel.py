"""The IMF Direction of Trade report as an Excel workbook (.xlsx); a workbook without
its sheets is read as a WITS web export when a sheet has that header (``wits_web``).

Sheets ``Exports, FOB`` and ``Imports, CIF`` (``Imports, FOB`` and trade
balance sheets are left out: a second valuation of imports, and not turnover).
Above the table, header rows name the reporter ("Azerbaijan, Rep. of", row 4)
and the scale ("US Dollars, Millions"); both are required, never assumed. The
period headers are text ("2022", "2022M01", "2022Q1"); partner names sit left of
the first period column (column B); blank cells are no figure; a partner listed
twice with the same figures counts once.

Partners are countries (IMF spellings, historical entities such as
``Czechoslovakia`` kept as themselves), groups (``World``) and the IMF's own
aggregates and residual areas (``Euro Area``, ``Asia not specified``, and every
row of the ``Memorandum Items`` block at the bottom of a sheet), which become
``IMF:<NAME>`` codes: the IMF's aggregate, never added to a member sum. A row
whose partner cannot be placed is left out and named in one warning (``--strict``:
an error). IMF estimates written as text, ``0.21 e`` or ``1,039.50 e``, are read
as 0.21 / 1039.5 flagged ``estimate``; a negative figure is kept as published,
flagged ``negative-as-published`` (left out of analysis unless
``--include-flagged``) and counted in a warning.
Provenance: ``line`` is the sheet row, ``cell`` is ``Sheet!C12``.

Workbooks are read with python-calamine (a dependency of tradecli).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradecli.countries import publisher_aggregate
from tradecli.errors import BadInput, Problem, UnknownCountry
from tradecli.periods import Period
from tradecli.readers.common import (
    ReadContext,
    leave_out,
    published_step,
    raise_problems,
    snap_to_step,
)
from tradecli.readers.context import WARNING
from tradecli.readers.imf import MISSING, check_commodity
from tradecli.readers.imf import place as place_imf
from tradecli.readers.tabular import ZIP_MAGIC, finished, period_label, scale_of, slug

FORMAT = "imf-dots-xlsx"
SHEETS = {"exports fob": "export", "imports cif": "import"}
LEFT_OUT = ("imports fob", "trade balance")
MAX_HEADER_ROWS = 30
ESTIMATE = "estimate"
NEGATIVE = "negative-as-published"
MEMORANDUM = "memorandum items"
# An IMF estimate as the reports write it: "0.21 e", "1,039.50 e".
_ESTIMATE = re.compile(r"^(-?[\d,]*\.?\d+)\s*e$", re.IGNORECASE)
# Residual areas the alias table does not list: "... not specified", "... n.i.e.".
_RESIDUAL = re.compile(r"not specified|not included elsewhere|\bn\.?i\.?e\b|\bnes\b", re.I)


def sniff(head: bytes) -> bool:
    """An .xlsx workbook (a zip archive); the reader checks that it is a DOTS report."""
    return head.startswith(ZIP_MAGIC)


def looks_like(header: list[str]) -> bool:
    return False


def _sheet_key(name: str) -> str:
    return " ".join(re.sub(r"[^a-z]+", " ", name.lower()).split())


def workbook_rows(path: Path, wanted: Any = None) -> tuple[list[str], dict[str, list[list[Any]]]]:
    """Sheet titles, and the rows (from A1, empty cells '') of the sheets ``wanted``
    accepts (every sheet when None)."""
    from python_calamine import CalamineError, CalamineWorkbook

    file = str(path)
    try:
        book = CalamineWorkbook.from_path(file)
        titles = list(book.sheet_names)
        sheets = {
            t: book.get_sheet_by_name(t).to_python(skip_empty_area=False)
            for t in titles
            if wanted is None or wanted(t)
        }
    except (CalamineError, OSError, ValueError) as exc:
        raise BadInput(
            [Problem(file, None, "", "", f"cannot open as an Excel workbook: {exc}")]
        ) from None
    return titles, sheets


def read(path: Path, context: ReadContext) -> pd.DataFrame:
    """Read every flow sheet of a DOTS Excel report into observations."""
    file = str(path)
    check_commodity(file, context)
    titles, every = workbook_rows(path)
    sheets = {t: rows for t, rows in every.items() if _sheet_key(t) in SHEETS}
    if not sheets:
        from tradecli.readers import wits_web

        for title, rows in every.items():  # a WITS web export saved as Excel
            if wits_web.find_header(rows):
                return wits_web.read_rows(rows, file, title, context)
        raise BadInput(
            [
                Problem(
                    file,
                    None,
                    "",
                    ", ".join(titles),
                    "not an IMF Direction of Trade report: no sheet 'Exports, FOB' "
                    "or 'Imports, CIF' (tradecli reads Excel only in that layout and "
                    "as WITS exports; save other tables as CSV)",
                )
            ]
        )
    left_out = [
        t
        for t in titles
        if _sheet_key(t) not in SHEETS and any(_sheet_key(t).startswith(k) for k in LEFT_OUT)
    ]
    if left_out:
        context.notes.append(
            f"{file}: left out sheet(s) {', '.join(left_out)} (imports valued "
            "FOB are a second valuation of imports; a trade balance is not "
            "turnover)"
        )
    problems: list[Problem] = []
    unplaced: list[Problem] = []
    frames = [
        _sheet(file, title, rows, SHEETS[_sheet_key(title)], context, problems, unplaced)
        for title, rows in sheets.items()
    ]
    raise_problems(problems)
    leave_out(context, file, "row(s) whose partner or figure cannot be read", unplaced)
    frames = [f for f in frames if len(f)]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if len(out):
        negative = out["flags"] == NEGATIVE
        if bool(negative.any()):
            cells = out.loc[negative, "cell"].tolist()
            shown = ", ".join(cells[:10]) + (
                f" and {len(cells) - 10} more" if len(cells) > 10 else ""
            )
            context.notes.append(
                f"{WARNING}{file}: {len(cells)} negative figure(s) kept as published, flagged "
                f"{NEGATIVE} and left out of analysis unless --include-flagged: {shown}"
            )
    return finished(out, file, context)


def _sheet(
    file: str,
    title: str,
    rows: list[list[Any]],
    flow: str,
    context: ReadContext,
    problems: list[Problem],
    unplaced: list[Problem],
) -> pd.DataFrame:
    found = _header_row(rows)
    if found is None:
        problems.append(
            Problem(
                file,
                None,
                title,
                "",
                "no row of period headers (such as 2022, 2022M01, 2022Q1) in this sheet",
            )
        )
        return pd.DataFrame()
    index, periods = found
    first_period_col = min(periods)
    reporter, scale = _reporter_and_scale(file, title, rows[:index], context, problems)
    records: list[dict[str, Any]] = []
    memorandum = False
    letters = {c: _letter(c) for c in periods}
    placed: dict[tuple[str, bool], str | UnknownCountry] = {}
    for r in range(index + 1, len(rows)):
        row = rows[r]
        line = r + 1
        name = next(
            (str(v).strip() for v in row[:first_period_col] if not _blank(v) and str(v).strip()),
            "",
        )
        cells = {c: row[c] for c in periods if c < len(row) and not _blank(row[c])}
        if not cells:
            memorandum = memorandum or _sheet_key(name) == MEMORANDUM
            continue  # a heading, footnote or empty row: no figures
        name_cell = f"{title}!{_letter(first_period_col - 1)}{line}"
        if not name:
            unplaced.append(Problem(file, line, name_cell, "", "figures without a partner name"))
            continue
        partner = placed.get((name, memorandum))
        if partner is None:
            try:
                partner = _partner(context, name, memorandum)
            except UnknownCountry as exc:
                partner = exc
            placed[(name, memorandum)] = partner
        if isinstance(partner, UnknownCountry):
            unplaced.append(Problem(file, line, name_cell, name, str(partner)))
            continue
        for c, value in cells.items():
            cell = f"{title}!{letters[c]}{line}"
            number, text, flag = _number(value)
            if number is None:
                unplaced.append(Problem(file, line, cell, str(value), "not a number"))
                continue
            if number < 0:
                flag = NEGATIVE
            period = periods[c]
            records.append(
                {
                    "partner": partner,
                    "first": period.first,
                    "last": period.last,
                    "value": number * scale,
                    "step": published_step(text.lstrip("-")) * scale,
                    "flags": flag,
                    "line": line,
                    "cell": cell,
                }
            )
    if reporter is None or not records:
        return pd.DataFrame()
    frame = pd.DataFrame(records)
    frame["value"] = snap_to_step(frame["value"], frame["step"])
    frame["reporter"] = reporter
    frame["flow"] = flow
    frame["currency"] = "USD"
    frame["source"] = file
    frame["format"] = FORMAT
    frame["publisher"] = "IMF DOTS"
    return frame


def _partner(context: ReadContext, name: str, memorandum: bool) -> str:
    """A partner row's name → a country, a group, or an IMF aggregate (``IMF:<NAME>``).

    In the ``Memorandum Items`` block every row is an IMF aggregate (its ``European
    Union`` is the IMF's series, not tradecli's EU27)."""
    if _sheet_key(name) == "world":
        return "WORLD"
    aggregate = publisher_aggregate(name, "IMF")
    if memorandum or aggregate:
        return aggregate or f"IMF:{slug(name)}"
    try:
        return place_imf(context, "", name, False)
    except UnknownCountry:
        if _RESIDUAL.search(name):
            return f"IMF:{slug(name)}"
        raise


def _header_row(rows: list[list[Any]]) -> tuple[int, dict[int, Period]] | None:
    """The first row (within the first rows) with period headers right of column A."""
    for index, row in enumerate(rows[:MAX_HEADER_ROWS]):
        periods = {c: p for c, v in enumerate(row) if c > 0 and (p := period_label(v)) is not None}
        if periods:
            return index, periods
    return None


def _reporter_and_scale(
    file: str, title: str, rows: list[list[Any]], context: ReadContext, problems: list[Problem]
) -> tuple[str | None, float]:
    texts = [
        (r + 1, str(v).strip())
        for r, row in enumerate(rows)
        for v in row
        if isinstance(v, str) and v.strip()
    ]
    scales = [
        (line, scale_of(t)) for line, t in texts if "dollar" in t.lower() or "usd" in t.lower()
    ]
    header = "; ".join(t for _, t in texts)[:80]
    scale = next((s for _, s in scales if s is not None), None)
    if scale is None:
        why = "no scale in the header rows (such as 'US Dollars, Millions')"
        problems.append(Problem(file, None, title, header, why))
    reporter = None
    for _, text in texts:
        for candidate in (text, *text.split(":")):
            # the IMF's own aggregate first: its European Union is not tradecli's EU27
            reporter = publisher_aggregate(candidate, "IMF")
            if reporter:
                break
            try:
                reporter = context.resolve(candidate)
                break
            except UnknownCountry:
                continue
        if reporter is not None:
            break
    if reporter is None:
        reporter = _unknown_reporter(file, texts, scales, context)
    if reporter is None:
        problems.append(
            Problem(file, None, title, header, "no reporter country in the header rows")
        )
    return reporter, scale or 1.0


def _unknown_reporter(
    file: str,
    texts: list[tuple[int, str]],
    scales: list[tuple[int, float | None]],
    context: ReadContext,
) -> str | None:
    """A report's reporter that no table places (an IMF area not yet in the alias table):
    the name on the row above the scale, below the title, kept as the IMF's own code
    ``IMF:<NAME>`` with a warning, rather than refusing the whole report."""
    if not scales:
        return None
    scale_line = scales[0][0]
    above = [
        (line, text)
        for line, text in texts
        if line < scale_line and "partner countries" not in text.lower()
    ]
    if not above or above[-1][0] != scale_line - 1:
        return None
    name = above[-1][1]
    code = f"IMF:{slug(name)}"
    note = (
        f"{WARNING}{file}: the reporter {name!r} is not a country or aggregate tradecli "
        f"knows; read as the IMF's own {code}"
    )
    if note not in context.notes:
        context.notes.append(note)
    return code


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in MISSING)


def _number(value: Any) -> tuple[float | None, str, str]:
    """The value, its text as published (for the precision) and its flag (``estimate``
    for the IMF's ``0.21 e``)."""
    if isinstance(value, bool):
        return None, str(value), ""
    if isinstance(value, (int, float)):
        if not np.isfinite(value):
            return None, str(value), ""
        text = repr(float(value))  # the shortest text that reads back the same
        if "e" in text:
            text = np.format_float_positional(float(value), trim="-")
        elif text.endswith(".0"):
            text = text[:-2]
        return float(value), text, ""
    text = str(value).strip()
    flag = ""
    if m := _ESTIMATE.match(text):
        text, flag = m[1], ESTIMATE
    text = text.replace(",", "")
    try:
        number = float(text)
    except ValueError:
        return None, text, ""
    return (number, text, flag) if np.isfinite(number) else (None, text, "")


def _letter(column: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
