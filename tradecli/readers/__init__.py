"""Input formats. Each reader turns one file into observations; ``detect``
picks the reader from the file's own header, never from its name."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tradecli.errors import BadInput, Problem
from tradecli.readers import tidy
from tradecli.readers.common import ReadContext


@dataclass(frozen=True)
class Format:
    name: str
    looks_like: Callable[[list[str]], bool]
    read: Callable[[Path, ReadContext], pd.DataFrame]


# Order matters: the first format whose header test passes reads the file.
FORMATS: list[Format] = [
    Format("tidy", tidy.looks_like, tidy.read),
]

DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".gz", ".xlsx", ".xls")


def header_of(path: Path) -> list[str]:
    """The first line of a text file, split on commas or tabs (only the start is read)."""
    with path.open("rb") as handle:
        start = handle.read(65536)
    if b"\x00" in start[:4096]:
        return []
    first = next(iter(start.decode("utf-8-sig", errors="replace").splitlines()), "")
    dialect = "excel-tab" if first.count("\t") > first.count(",") else "excel"
    return next(csv.reader(io.StringIO(first), dialect=dialect), [])


def detect(path: Path) -> Format:
    header = header_of(path)
    for fmt in FORMATS:
        if fmt.looks_like(header):
            return fmt
    names = ", ".join(f.name for f in FORMATS)
    shown = ",".join(header)[:80]
    raise BadInput(
        [
            Problem(
                str(path),
                1,
                "",
                shown,
                f"not a format tradecli reads (formats: {names}); a tidy CSV needs "
                "the columns reporter, partner, flow, period, value",
            )
        ]
    )


def expand(paths: list[Path]) -> list[Path]:
    """Files as given; folders expand to their data files, sorted."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.name.lower().endswith(DATA_SUFFIXES)
                )
            )
        else:
            out.append(path)
    return out


def read_any(path: Path, context: ReadContext) -> pd.DataFrame:
    if not path.exists():
        raise BadInput([Problem(str(path), None, "", "", "no such file")])
    if path.stat().st_size == 0:
        raise BadInput([Problem(str(path), None, "", "", "file is empty")])
    return detect(path).read(path, context)
