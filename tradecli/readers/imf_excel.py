"""The IMF Direction of Trade report as an Excel workbook (.xlsx).

Sheets ``Exports, FOB`` and ``Imports, CIF`` (``Imports, FOB`` and trade
balance sheets are left out: a second valuation of imports, and not turnover).
Above the table, header rows name the reporter ("Azerbaijan, Rep. of") and the
scale ("US Dollars, Millions"); both are required, never assumed. The period
headers are text ("2022", "2022M01", "2022Q1"); partner names sit left of the
first period column (column B); group rows (World, Advanced Economies, Euro
Area, …) are mixed in with countries and become group codes; blank cells are
no figure; a partner listed twice with the same figures counts once.
Provenance: ``line`` is the sheet row, ``cell`` is ``Sheet!C12``.

openpyxl is imported only here: ``pip install 'tradecli[excel]'``.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradecli.errors import BadInput, Problem, UnknownCountry
from tradecli.periods import Period
from tradecli.readers.common import ReadContext, published_step, raise_problems, snap_to_step
from tradecli.readers.imf import MISSING, check_commodity
from tradecli.readers.imf import place as place_imf
from tradecli.readers.tabular import ZIP_MAGIC, finished, period_label, scale_of

FORMAT = "imf-dots-xlsx"
SHEETS = {"exports fob": "export", "imports cif": "import"}
LEFT_OUT = ("imports fob", "trade balance")
MAX_HEADER_ROWS = 30


def sniff(head: bytes) -> bool:
    """An .xlsx workbook (a zip archive); the reader checks that it is a DOTS report."""
    return head.startswith(ZIP_MAGIC)


def looks_like(header: list[str]) -> bool:
    return False


def _sheet_key(name: str) -> str:
    return " ".join(re.sub(r"[^a-z]+", " ", name.lower()).split())


def read(path: Path, context: ReadContext) -> pd.DataFrame:
    """Read every flow sheet of a DOTS Excel report into observations."""
    file = str(path)
    check_commodity(file, context)
    try:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException
    except ImportError:  # pragma: no cover - openpyxl is in the test extra
        raise BadInput(
            [
                Problem(
                    file,
                    None,
                    "",
                    "",
                    "reading Excel needs openpyxl: pip install 'tradecli[excel]'",
                )
            ]
        ) from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "no default style" and the like
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
            raise BadInput(
                [Problem(file, None, "", "", f"cannot open as an Excel workbook: {exc}")]
            ) from None
        try:
            sheets = {
                ws.title: [list(r) for r in ws.iter_rows(min_row=1, min_col=1, values_only=True)]
                for ws in book.worksheets
                if _sheet_key(ws.title) in SHEETS
            }
            titles = [ws.title for ws in book.worksheets]
        finally:
            book.close()
    if not sheets:
        raise BadInput(
            [
                Problem(
                    file,
                    None,
                    "",
                    ", ".join(titles),
                    "not an IMF Direction of Trade report: no sheet 'Exports, FOB' "
                    "or 'Imports, CIF' (tradecli reads Excel only in that layout; "
                    "save other tables as CSV)",
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
    frames = [
        _sheet(file, title, rows, SHEETS[_sheet_key(title)], context, problems)
        for title, rows in sheets.items()
    ]
    raise_problems(problems)
    frames = [f for f in frames if len(f)]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return finished(out, file, context)


def _sheet(
    file: str,
    title: str,
    rows: list[list[Any]],
    flow: str,
    context: ReadContext,
    problems: list[Problem],
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
    for r in range(index + 1, len(rows)):
        row = rows[r]
        line = r + 1
        name = next(
            (str(v).strip() for v in row[:first_period_col] if v is not None and str(v).strip()), ""
        )
        cells = {c: row[c] for c in periods if c < len(row) and not _blank(row[c])}
        if not cells:
            continue  # a heading, footnote or empty row: no figures
        if not name:
            problems.append(Problem(file, line, title, "", "figures without a partner name"))
            continue
        try:
            partner = place_imf(context, "", name, False)
        except UnknownCountry as exc:
            problems.append(
                Problem(file, line, f"{title}!{_letter(first_period_col - 1)}", name, str(exc))
            )
            continue
        for c, value in cells.items():
            cell = f"{title}!{_letter(c)}{line}"
            number, text = _number(value)
            if number is None or number < 0:
                problems.append(
                    Problem(
                        file,
                        line,
                        cell,
                        str(value),
                        "not a number"
                        if number is None
                        else "negative value: trade values are not negative",
                    )
                )
                continue
            period = periods[c]
            records.append(
                {
                    "partner": partner,
                    "first": period.first,
                    "last": period.last,
                    "value": number * scale,
                    "step": published_step(text) * scale,
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
            try:
                reporter = context.resolve(candidate)
                break
            except UnknownCountry:
                continue
        if reporter is not None:
            break
    if reporter is None:
        problems.append(
            Problem(file, None, title, header, "no reporter country in the header rows")
        )
    return reporter, scale or 1.0


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in MISSING)


def _number(value: Any) -> tuple[float | None, str]:
    """The value and its text as published (for the precision)."""
    if isinstance(value, bool):
        return None, str(value)
    if isinstance(value, (int, float)):
        text = np.format_float_positional(float(value), trim="-")
        return float(value), text
    text = str(value).strip().replace(",", "")
    try:
        return float(text), text
    except ValueError:
        return None, text


def _letter(column: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
