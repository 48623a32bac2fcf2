"""What every reader shares: decoding text, resolving codes, collecting problems."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from tradecli.errors import BadInput, Problem, UnknownCountry
from tradecli.observations import UNITS
from tradecli.readers.context import UNIT_ALIASES, WARNING
from tradecli.readers.context import ReadContext as ReadContext
from tradecli.readers.steps import snap as snap


def read_text(path: Path) -> tuple[str, str]:
    """Decode a text file (gzip-compressed or not): UTF-8 (with or without BOM), else
    Windows-1252.

    Returns the text and the encoding used. Binary files are refused.
    """
    data = path.read_bytes()
    if data.startswith(b"\x1f\x8b"):  # gzip
        data = gzip.decompress(data)
    if b"\x00" in data[:4096]:
        raise BadInput([Problem(str(path), None, "", "", "not a text/CSV file (binary content)")])
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        line = data[: utf8_error.start].count(b"\n") + 1
        raise BadInput(
            [
                Problem(
                    str(path),
                    line,
                    "",
                    repr(data[utf8_error.start : utf8_error.start + 4]),
                    "text is neither UTF-8 nor Windows-1252; re-save the file as UTF-8 "
                    "(for example: iconv -f LATIN1 -t UTF-8 FILE > FILE.utf8.csv)",
                )
            ]
        ) from None


_INTEGER = re.compile(r"^[+]?(\d+)$")
_DECIMAL = re.compile(r"^[+]?\d*\.(\d+)$")


def published_step(text: str) -> float:
    """The unit of the last significant digit of a number as written.

    ``"2.3"`` → 0.1; ``"4.103"`` → 0.001; ``"25472"`` → 1; ``"460"`` → 10
    (trailing zeros of an integer are read as rounding, the cautious reading).
    """
    s = text.strip()
    if m := _DECIMAL.match(s):
        return float(10.0 ** -len(m[1]))
    if m := _INTEGER.match(s):
        digits = m[1].lstrip("0") or "0"
        zeros = len(digits) - len(digits.rstrip("0")) if digits != "0" else 0
        return float(10.0**zeros)
    return 1.0


def snap_to_step(values: pd.Series, step: pd.Series) -> pd.Series:
    """Remove binary noise from unit scaling: 4.103 × 1e6 is 4,103,000, not 4,102,999.9999.

    Each value is rounded to the digit it was published with; dividing by an
    exact integer (not multiplying by 0.1) keeps results like 0.3 exact.
    """
    snapped = snap(values.to_numpy(dtype=np.float64), step.to_numpy(dtype=np.float64))
    return pd.Series(snapped, index=values.index)


def resolve_column(
    values: pd.Series,
    lines: pd.Series,
    resolver: Callable[[str], str],
    file: str,
    column: str,
    problems: list[Problem],
) -> pd.Series:
    """Map a column through ``resolver`` once per distinct value, collecting failures."""
    mapping: dict[str, str] = {}
    failures: dict[str, str] = {}
    for raw in values.unique():
        try:
            mapping[raw] = resolver(raw)
        except (UnknownCountry, ValueError) as exc:
            failures[raw] = str(exc)
    if failures:
        bad = values.isin(list(failures))
        for line, raw in zip(lines[bad], values[bad], strict=True):
            problems.append(Problem(file, int(line), column, raw, failures[raw]))
    return values.map(mapping)


def unit_multiplier(
    values: pd.Series, lines: pd.Series, file: str, problems: list[Problem]
) -> pd.Series:
    aliases = UNIT_ALIASES
    names = values.str.strip().str.lower()
    names = names.where(~names.isin(list(aliases)), names.map(aliases))
    mult = names.map(UNITS)
    bad = mult.isna()
    for line, raw in zip(lines[bad], values[bad], strict=True):
        problems.append(
            Problem(file, int(line), "unit", raw, f"unknown unit; units are: {', '.join(UNITS)}")
        )
    return mult.fillna(1.0).astype("float64")


def raise_problems(problems: Iterable[Problem]) -> None:
    listed = sorted(problems, key=lambda p: (p.file, p.line or 0, p.column))
    if listed:
        raise BadInput(listed)


LISTED = 10  # places a left-out warning names before "and N more"


def leave_out(context: ReadContext, file: str, what: str, problems: list[Problem]) -> None:
    """Rows of a publisher's download that cannot be used: one warning naming them (the
    first ``LISTED`` places and the count of the rest), or, with ``--strict``, the error."""
    if not problems:
        return
    if context.strict:
        raise_problems(problems)
    listed = sorted(problems, key=lambda p: (p.line or 0, p.column))
    shown = "; ".join(
        f"{p.column or 'line ' + str(p.line)}: {p.value!r}: {p.message}" for p in listed[:LISTED]
    )
    more = f"; and {len(listed) - LISTED} more" if len(listed) > LISTED else ""
    context.notes.append(
        f"{WARNING}{file}: left out {len(listed)} {what} (the rest is used; --strict makes "
        f"this an error): {shown}{more}"
    )
