"""The tidy CSV (docs/design.md, "The observation model"): one published number per row.

Required columns: reporter, partner, flow, period, value. Optional: unit
(unit/thousand/million/billion, default unit), currency (default USD), flags,
published, publisher, url. Any other column is kept as provenance.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd

from tradecli.errors import BadInput, BadPeriod, Problem
from tradecli.observations import FLOWS, finish
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
from tradecli.readers.context import OPTIONAL as OPTIONAL
from tradecli.readers.context import REQUIRED as REQUIRED
from tradecli.readers.context import is_date


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
    text, encoding = read_text(path)
    if encoding != "utf-8":
        context.notes.append(f"{file}: not UTF-8; read as {encoding}")
    if not text.strip():
        raise BadInput([Problem(file, None, "", "", "file is empty")])
    reader = csv.reader(text.splitlines(keepends=True))
    header = [h.strip().lower() for h in next(reader)]
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
    problems: list[Problem] = []
    cells: list[list[str]] = []
    lines: list[int] = []
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
    if not cells and not problems:
        raise BadInput([Problem(file, None, "", "", "file has a header but no rows")])
    raw = pd.DataFrame(cells, columns=header, dtype="str")
    raw["__line"] = lines
    frame = validate(raw, file, context, problems)
    raise_problems(problems)
    return keep_reporters(frame, context.reporters)


def keep_reporters(frame: pd.DataFrame, reporters: frozenset[str] | None) -> pd.DataFrame:
    """Only the rows of ``reporters`` (all rows when None), as if only they had been read."""
    if reporters is None:
        return frame
    kept = frame[frame["reporter"].isin(list(reporters))].reset_index(drop=True)
    for column in ("reporter", "partner", "flow", "currency", "source", "format"):
        kept[column] = kept[column].cat.remove_unused_categories()
    return kept


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
    for text in raw["period"].unique():
        try:
            p = Period.parse(text)
            spans[text] = (p.first, p.last)
        except BadPeriod as exc:
            bad = raw["period"] == text
            problems.extend(
                Problem(file, int(line), "period", text, str(exc)) for line in lines[bad]
            )
    span = raw["period"].map(spans)
    out["first"] = span.map(lambda s: s[0] if isinstance(s, tuple) else 0)
    out["last"] = span.map(lambda s: s[1] if isinstance(s, tuple) else 0)

    text_value = raw["value"].str.strip().str.replace(",", "", regex=False)
    number = pd.to_numeric(text_value, errors="coerce")
    for line, original, num in zip(lines, raw["value"], number, strict=True):
        problem = _value_problem(original, num)
        if problem:
            problems.append(Problem(file, int(line), "value", original, problem))
    unit = raw["unit"] if "unit" in raw else pd.Series("", index=raw.index)
    mult = unit_multiplier(unit, lines, file, problems)
    out["step"] = text_value.map(published_step) * mult
    out["value"] = snap_to_step(number.astype("float64") * mult, out["step"])

    currency = (
        raw["currency"].str.strip().str.upper()
        if "currency" in raw
        else pd.Series("", index=raw.index)
    )
    currency = currency.where(currency != "", "USD")
    bad = ~currency.str.fullmatch(r"[A-Z]{3}")
    for line, value in zip(lines[bad], currency[bad], strict=True):
        problems.append(
            Problem(
                file, int(line), "currency", value, "currency must be an ISO 4217 code such as USD"
            )
        )
    out["currency"] = currency

    out["flags"] = raw["flags"].str.strip().str.lower() if "flags" in raw else ""
    if "published" in raw:
        published = raw["published"].str.strip()
        for line, value in zip(lines, published, strict=True):
            if value and not is_date(value):
                problems.append(
                    Problem(
                        file,
                        int(line),
                        "published",
                        value,
                        "not a date; write YYYY-MM-DD or leave empty",
                    )
                )
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
