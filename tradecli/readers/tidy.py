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
import re
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tradecli.errors import BadInput, BadPeriod, Problem, UnknownCountry
from tradecli.observations import FLOWS, UNITS, finish, keep_reporters, line_dtype
from tradecli.periods import Period
from tradecli.readers.common import (
    ReadContext,
    published_step,
    raise_problems,
    read_text,
    snap,
)
from tradecli.readers.context import FLOW_ALIASES as FLOW_ALIASES
from tradecli.readers.context import (
    MAX_VALUE,
    UNIT_ALIASES,
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
    by_column = zip(*cells, strict=True)  # every row has the header's length
    columns = {name: list(column) for name, column in zip(header, by_column, strict=True)}
    frame = validate(columns, lines, file, context, problems)
    raise_problems(problems)
    assert frame is not None  # no problem, so a frame
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
    columns: dict[str, list[str]],
    lines: list[int],
    file: str,
    context: ReadContext,
    problems: list[Problem],
) -> pd.DataFrame | None:
    """Turn the cells of each column (rows read at ``lines``) into observations,
    collecting problems; None when there is any (the caller raises them all).

    Each column is read once per distinct cell (``_Cells``), with the string kernels
    that pandas' ``.str`` methods use; the frame is put together once, in its final
    dtypes. The bundled data loads in every CLI test: a few pandas calls per load, not
    a few hundred.
    """

    def report(bad: np.ndarray, column: str, shown: list[str], why: Callable[[str], str]) -> None:
        for i in np.flatnonzero(bad).tolist():
            problems.append(Problem(file, lines[i], column, shown[i], why(shown[i])))

    n = len(lines)
    blank = [""] * n
    out: dict[str, _Cells] = {}
    for column in ("reporter", "partner"):
        cells = _Cells.of(columns[column]).stripped()
        mapping: dict[str, str] = {}
        failures: dict[str, str] = {}
        for text in cells.distinct:
            if text in mapping or text in failures:
                continue
            try:
                mapping[text] = context.resolve(text)
            except (UnknownCountry, ValueError) as exc:
                failures[text] = str(exc)
        if failures:
            report(cells.where(failures.__contains__), column, cells.rows(), failures.__getitem__)
        out[column] = cells.mapped(lambda text, m=mapping: m.get(text, text))  # type: ignore[misc]

    flow = _Cells.of(columns["flow"]).stripped().lower()
    flow = flow.mapped(lambda text: FLOW_ALIASES.get(text, text))
    unknown = f"unknown flow; flows are: {', '.join(FLOWS)}"
    report(flow.where(lambda text: text not in FLOWS), "flow", columns["flow"], lambda _: unknown)
    out["flow"] = flow

    period = _Cells.of(columns["period"])
    spans: dict[str, tuple[int, int]] = {}
    wrong: dict[str, str] = {}
    for text in period.distinct:
        try:
            parsed = Period.parse(text)
            spans[text] = (parsed.first, parsed.last)
        except BadPeriod as exc:
            wrong[text] = str(exc)
    if wrong:  # one pass over the rows, however many distinct bad periods
        report(period.where(wrong.__contains__), "period", columns["period"], wrong.__getitem__)
    # Months of the years periods take: int16 (``observations.month_dtype``).
    first = period.numbers(lambda text: spans.get(text, (0, 0))[0], np.int16)
    last = period.numbers(lambda text: spans.get(text, (0, 0))[1], np.int16)

    originals = columns["value"]
    text_value, comma_problems = numbers_as_written(
        _Cells.of(originals).stripped().rows(), file, context
    )
    numeric = pd.to_numeric(pd.Series(text_value, dtype="str"), errors="coerce")
    number = numeric.astype("float64").to_numpy()
    mult = _unit_multiplier(columns.get("unit", blank), lines, file, problems)
    steps: dict[str, float] = {}
    for text in text_value:
        if text not in steps:
            steps[text] = published_step(text)
    with np.errstate(all="ignore"):
        scaled = number * mult
        step = np.array([steps[text] for text in text_value], dtype=np.float64) * mult
        value = snap(scaled, step)
        suspect = ~np.isfinite(number) | (number < 0) | (scaled > MAX_VALUE)
    suspect |= np.array([bool(c) for c in comma_problems], dtype=bool)
    for i in np.flatnonzero(suspect).tolist():
        problem = comma_problems[i] or _value_problem(originals[i], float(number[i]))
        if not problem and scaled[i] > MAX_VALUE:
            problem = "value too large: over 1e18 after the unit (a unit or typo?)"
        if problem:
            problems.append(Problem(file, lines[i], "value", originals[i], problem))

    currency = _Cells.of(columns.get("currency", blank)).stripped().upper()
    currency = currency.mapped(lambda text: text or "USD")
    codes = currency_codes()
    report(
        currency.where(lambda text: text not in codes),
        "currency",
        currency.rows(),
        lambda _: "currency must be an ISO 4217 code such as USD",
    )
    out["currency"] = currency

    out["flags"] = _Cells.of(columns.get("flags", blank)).stripped().lower()
    if "flags" in columns:
        note_unknown_flags(out["flags"].distinct, file, context)
    out["published"] = _Cells.of(columns.get("published", blank)).stripped()
    if "published" in columns:
        today = dt.date.today().isoformat()
        checked = {text: date_problem(text, today) for text in out["published"].distinct}
        dates = out["published"]
        report(dates.where(checked.__getitem__), "published", dates.rows(), checked.__getitem__)
    for column in ("publisher", "url"):
        out[column] = _Cells.of(columns.get(column, blank)).stripped()
    if problems:
        return None

    frame: dict[str, Any] = {}
    for column in ("reporter", "partner", "flow"):
        frame[column] = out[column].categorical()
    frame["first"], frame["last"], frame["value"], frame["step"] = first, last, value, step
    frame["currency"] = out["currency"].categorical()
    for column in ("flags", "published", "publisher", "url"):
        frame[column] = out[column].categorical()
    for column, text in (("source", file), ("format", "tidy")):
        frame[column] = pd.Categorical.from_codes(
            np.zeros(n, dtype=np.int8), pd.Index([text], dtype="str")
        )
    frame["line"] = np.asarray(lines, dtype=line_dtype(max(lines, default=0)))
    known = {*REQUIRED, *OPTIONAL, "__line"}
    for column, texts in columns.items():
        if column not in known:
            frame[column] = pd.Series(texts, dtype="str")
    return finish(pd.DataFrame(frame))


class _Cells:
    """A column's cells as distinct texts and each row's index into them; a reading
    of the column is a reading of each distinct text, the rows' indices unchanged."""

    def __init__(self, distinct: list[str], index: np.ndarray) -> None:
        self.distinct = distinct
        self.index = index

    @classmethod
    def of(cls, cells: list[str]) -> _Cells:
        encoded = pc.dictionary_encode(pa.array(cells, pa.string()))
        return cls(encoded.dictionary.to_pylist(), encoded.indices.to_numpy(zero_copy_only=False))

    def _kernel(self, kernel: Callable[[pa.Array], pa.Array]) -> _Cells:
        return _Cells(kernel(pa.array(self.distinct, pa.string())).to_pylist(), self.index)

    def stripped(self) -> _Cells:
        """``Series.str.strip()``: the same Arrow kernel."""
        return self._kernel(pc.utf8_trim_whitespace)

    def lower(self) -> _Cells:
        return self._kernel(pc.utf8_lower)

    def upper(self) -> _Cells:
        return self._kernel(pc.utf8_upper)

    def mapped(self, reading: Callable[[str], str]) -> _Cells:
        return _Cells([reading(text) for text in self.distinct], self.index)

    def where(self, test: Callable[[str], object]) -> np.ndarray:
        """Which rows pass ``test`` (a mask)."""
        passed = np.array([bool(test(text)) for text in self.distinct], dtype=bool)
        rows: np.ndarray = passed[self.index]
        return rows

    def numbers(self, reading: Callable[[str], float], dtype: type[np.generic]) -> np.ndarray:
        """Each row's number, as ``reading`` gives it for the row's text."""
        distinct = np.array([reading(text) for text in self.distinct], dtype=dtype)
        rows: np.ndarray = distinct[self.index]
        return rows

    def rows(self) -> list[str]:
        distinct = self.distinct
        return [distinct[i] for i in self.index.tolist()]

    def categorical(self) -> pd.Categorical:
        """What ``astype("category")`` makes of the rows: sorted categories, all used."""
        categories = sorted(set(self.distinct))
        number = {text: i for i, text in enumerate(categories)}
        codes = np.array([number[text] for text in self.distinct], dtype=np.int32)[self.index]
        return pd.Categorical.from_codes(codes, pd.Index(categories, dtype="str"))


def _unit_multiplier(
    values: list[str], lines: list[int], file: str, problems: list[Problem]
) -> np.ndarray:
    """Each row's unit as a multiplier (1 where the unit is unknown: a problem)."""
    names = _Cells.of(values).stripped().lower().mapped(lambda text: UNIT_ALIASES.get(text, text))
    mult = names.numbers(lambda name: UNITS.get(name, math.nan), np.float64)
    message = f"unknown unit; units are: {', '.join(UNITS)}"
    for i in np.flatnonzero(np.isnan(mult)).tolist():
        problems.append(Problem(file, lines[i], "unit", values[i], message))
    mult[np.isnan(mult)] = 1.0
    return mult


_THOUSANDS = re.compile(r"[+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_DECIMAL_COMMA = re.compile(r"[+]?\d+,\d+")


def numbers_as_written(
    values: list[str], file: str, context: ReadContext
) -> tuple[list[str], list[str]]:
    """The value cells as plain numbers (``.`` for the decimal point, no separators), and
    each cell's problem with commas ("" if none).

    A comma is read one way for the whole file, and said: as a thousands separator when
    every value with a comma is grouped in threes (``1,234,567.8``), else as a decimal
    comma when every such value has one comma and no point (``5,8``). A value fitting
    neither reading (``1,2,3``), or a file that writes commas both ways, is a problem.
    Digits must be ASCII (``５`` is not read as 5).
    """
    problems = [""] * len(values)
    commas = [i for i, text in enumerate(values) if "," in text]
    out = list(values)
    if commas:
        thousands = {i for i in commas if _THOUSANDS.fullmatch(values[i])}
        decimal = {i for i in commas if _DECIMAL_COMMA.fullmatch(values[i])}
        read = []
        for i in commas:
            if i in thousands or i in decimal:
                read.append(i)
            else:
                problems[i] = "not a number: its commas neither group thousands nor mark decimals"
                out[i] = "nan"
        if not read:
            pass
        elif all(i in thousands for i in read):
            note = f"{file}: ',' in values read as a thousands separator (1,234 = 1234)"
            context.notes.append(note)
            for i in read:
                out[i] = out[i].replace(",", "")
        elif all(i in decimal for i in read):
            context.notes.append(f"{file}: ',' in values read as a decimal comma (5,8 = 5.8)")
            for i in read:
                out[i] = out[i].replace(",", ".")
        else:
            for i in read:
                problems[i] = (
                    "the file writes ',' both as a thousands separator (1,234,567) and as "
                    "a decimal comma (5,8); write every value one way"
                )
                out[i] = "nan"
    return [text if text.isascii() else "nan" for text in out], problems


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
