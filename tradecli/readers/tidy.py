"""The tidy CSV (docs/design.md, "The observation model"): one published number per row.

Required columns: reporter, partner, flow, period, value. Optional: unit
(unit/thousand/million/billion, default unit), currency (default USD), flags,
published, publisher, url. Any other column is kept as provenance.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import math
import zlib
from pathlib import Path

import pandas as pd

from tradecli.errors import BadInput, BadPeriod, Problem
from tradecli.observations import FLOWS, finish, keep_reporters
from tradecli.periods import Period
from tradecli.readers.common import (
    ReadContext,
    published_step,
    raise_problems,
    read_text,
    resolve_column,
    snap_to_step,
    unit_multiplier,
)
from tradecli.readers.context import FLOW_ALIASES as FLOW_ALIASES
from tradecli.readers.context import (
    MAX_VALUE,
    currency_codes,
    date_problem,
    note_unknown_flags,
)
from tradecli.readers.context import OPTIONAL as OPTIONAL
from tradecli.readers.context import REQUIRED as REQUIRED


def looks_like(header: list[str]) -> bool:
    names = {h.strip().lower() for h in header}
    return {"reporter", "partner", "flow"} <= names


def read(path: Path, context: ReadContext) -> pd.DataFrame:
    """Read a tidy CSV into observations; raise ``BadInput`` listing every bad row."""
    from tradecli.readers import tidy_fast

    fast = tidy_fast.read(path, context)
    if fast is not None:
        return fast
    file = str(path)
    text, encoding = _decoded(path)
    if encoding != "utf-8":
        context.notes.append(f"{file}: not UTF-8; read as {encoding}")
    if not text.strip():
        raise BadInput([Problem(file, None, "", "", "file is empty")])
    # Lines end only at \n, \r\n or \r, as the csv module and every spreadsheet read
    # them: a form feed or U+2028 inside a row is part of the row (str.splitlines
    # would split there, and every later line number would be off).
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[Problem] = []
    cells: list[list[str]] = []
    lines: list[int] = []
    line = 0  # the last line of the last row read
    try:
        header = [h.strip().lower() for h in next(reader)]
        check_header(header, file)
        line = reader.line_num
        for row in reader:
            line_start = line + 1
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != len(header):
                problems.append(
                    Problem(
                        file,
                        line_start,
                        "",
                        ",".join(row)[:60],
                        f"row has {len(row)} fields, the header has {len(header)}",
                    )
                )
                continue
            cells.append(row)
            lines.append(line_start)
    except csv.Error as exc:
        # the row that starts after the last one read
        problems.append(Problem(file, line + 1, "", "", _csv_problem(exc)))
        raise_problems(problems)
    if not cells and not problems:
        raise BadInput([Problem(file, None, "", "", "file has a header but no rows")])
    if not cells:
        raise_problems(problems)
    raw = pd.DataFrame(cells, columns=header, dtype="str")
    raw["__line"] = lines
    frame = validate(raw, file, context, problems)
    raise_problems(problems)
    return keep_reporters(frame, context.reporters)


def _decoded(path: Path) -> tuple[str, str]:
    """``read_text``, with a damaged gzip said to be one."""
    try:
        return read_text(path)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        message = f"gzip file is truncated or corrupt ({exc})"
        raise BadInput([Problem(str(path), None, "", "", message)]) from None


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return (
            f"a field longer than {csv.field_size_limit():,} characters "
            "(an unterminated quote?); the rest of the file is not read"
        )
    return f"not readable as CSV: {text}"


def check_header(header: list[str], file: str) -> None:
    """Raise ``BadInput`` for a tidy header without the required columns or with a
    column named twice (names compare as read: stripped, any case)."""
    seen: set[str] = set()
    twice = [h for h in header if h in seen or seen.add(h)]  # type: ignore[func-returns-value]
    if twice:
        names = ", ".join(sorted(set(twice)))
        message = f"column{'s' if len(set(twice)) > 1 else ''} {names} named twice"
        raise BadInput([Problem(file, 1, "", ",".join(header)[:80], message)])
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise BadInput(
            [
                Problem(
                    file,
                    1,
                    "",
                    ",".join(header)[:80],
                    f"missing column{'s' if len(missing) > 1 else ''} "
                    f"{', '.join(missing)}; columns are: {', '.join(header)}; "
                    f"required: {', '.join(REQUIRED)}",
                )
            ]
        )


def validate(
    raw: pd.DataFrame, file: str, context: ReadContext, problems: list[Problem]
) -> pd.DataFrame:
    """Turn a frame of strings (with ``__line``) into observations, collecting problems."""
    lines = raw["__line"]
    out = pd.DataFrame(index=raw.index)
    for column in ("reporter", "partner"):
        out[column] = resolve_column(
            raw[column].str.strip(), lines, context.resolve, file, column, problems
        )
    flow = raw["flow"].str.strip().str.lower()
    flow = flow.where(~flow.isin(list(FLOW_ALIASES)), flow.map(FLOW_ALIASES))
    bad = ~flow.isin(FLOWS)
    for line, value in zip(lines[bad], raw["flow"][bad], strict=True):
        problems.append(
            Problem(file, int(line), "flow", value, f"unknown flow; flows are: {', '.join(FLOWS)}")
        )
    out["flow"] = flow

    spans: dict[str, tuple[int, int]] = {}
    wrong: dict[str, str] = {}
    for text in raw["period"].unique():
        try:
            p = Period.parse(text)
            spans[text] = (p.first, p.last)
        except BadPeriod as exc:
            wrong[text] = str(exc)
    if wrong:  # one pass over the rows, however many distinct bad periods
        bad = raw["period"].isin(list(wrong))
        problems.extend(
            Problem(file, int(line), "period", text, wrong[text])
            for line, text in zip(lines[bad], raw["period"][bad], strict=True)
        )
    span = raw["period"].map(spans)
    out["first"] = span.map(lambda s: s[0] if isinstance(s, tuple) else 0)
    out["last"] = span.map(lambda s: s[1] if isinstance(s, tuple) else 0)

    text_value, comma_problems = numbers_as_written(raw["value"].str.strip(), file, context)
    number = pd.to_numeric(text_value, errors="coerce").astype("float64")
    unit = raw["unit"] if "unit" in raw else pd.Series("", index=raw.index)
    mult = unit_multiplier(unit, lines, file, problems)
    scaled = number * mult
    for line, original, num, big, comma in zip(
        lines, raw["value"], number, scaled, comma_problems, strict=True
    ):
        problem = comma or _value_problem(original, num)
        if not problem and big > MAX_VALUE:
            problem = "value too large: over 1e18 after the unit (a unit or typo?)"
        if problem:
            problems.append(Problem(file, int(line), "value", original, problem))
    out["step"] = text_value.map(published_step) * mult
    out["value"] = snap_to_step(scaled, out["step"])

    currency = (
        raw["currency"].str.strip().str.upper()
        if "currency" in raw
        else pd.Series("", index=raw.index)
    )
    currency = currency.where(currency != "", "USD")
    bad = ~currency.isin(list(currency_codes()))
    for line, value in zip(lines[bad], currency[bad], strict=True):
        problems.append(
            Problem(
                file, int(line), "currency", value, "currency must be an ISO 4217 code such as USD"
            )
        )
    out["currency"] = currency

    out["flags"] = raw["flags"].str.strip().str.lower() if "flags" in raw else ""
    if "flags" in raw:
        note_unknown_flags(out["flags"].unique().tolist(), file, context)
    if "published" in raw:
        published = raw["published"].str.strip()
        today = dt.date.today().isoformat()
        checked = {value: date_problem(value, today) for value in published.unique()}
        for line, value in zip(lines, published, strict=True):
            if checked[value]:
                problems.append(Problem(file, int(line), "published", value, checked[value]))
        out["published"] = published
    for column in ("publisher", "url"):
        out[column] = raw[column].str.strip() if column in raw else ""
    out["source"] = file
    out["line"] = lines.astype("int64")
    out["format"] = "tidy"
    known = {*REQUIRED, *OPTIONAL, "__line"}
    for column in raw.columns:
        if column not in known:
            out[column] = raw[column]
    return finish(out)


_THOUSANDS = r"[+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"
_DECIMAL_COMMA = r"[+]?\d+,\d+"


def numbers_as_written(
    values: pd.Series, file: str, context: ReadContext
) -> tuple[pd.Series, list[str]]:
    """The value cells as plain numbers (``.`` for the decimal point, no separators), and
    each cell's problem with commas ("" if none).

    A comma is read one way for the whole file, and said: as a thousands separator when
    every value with a comma is grouped in threes (``1,234,567.8``), else as a decimal
    comma when every such value has one comma and no point (``5,8``). A value fitting
    neither reading (``1,2,3``), or a file that writes commas both ways, is a problem.
    Digits must be ASCII (``５`` is not read as 5).
    """
    problems = [""] * len(values)
    ascii_digits = values.map(str.isascii).astype(bool)
    comma = values.str.contains(",", regex=False)
    if not comma.any():
        return values.where(ascii_digits, "nan"), problems
    thousands = values.str.fullmatch(_THOUSANDS)
    decimal = values.str.fullmatch(_DECIMAL_COMMA)
    garbage = comma & ~(thousands | decimal)
    for i in garbage.to_numpy().nonzero()[0]:
        problems[i] = "not a number: its commas neither group thousands nor mark decimals"
    read = comma & ~garbage
    out = values.where(~garbage, "nan")
    if not read.any():
        pass
    elif bool(thousands[read].all()):
        context.notes.append(f"{file}: ',' in values read as a thousands separator (1,234 = 1234)")
        out = out.str.replace(",", "", regex=False)
    elif bool(decimal[read].all()):
        context.notes.append(f"{file}: ',' in values read as a decimal comma (5,8 = 5.8)")
        out = out.str.replace(",", ".", regex=False)
    else:
        for i in read.to_numpy().nonzero()[0]:
            problems[i] = (
                "the file writes ',' both as a thousands separator (1,234,567) and as "
                "a decimal comma (5,8); write every value one way"
            )
        out = out.where(~read, "nan")
    return out.where(ascii_digits, "nan"), problems


def _value_problem(original: str, number: float) -> str:
    if not original.strip():
        return "missing value"
    if math.isnan(number):
        return "not a number"
    if math.isinf(number):
        return "not a finite number"
    if number < 0:
        return "negative value: trade values are not negative"
    return ""
