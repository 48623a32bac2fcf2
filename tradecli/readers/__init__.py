"""Input formats. Each reader turns one file into observations; ``detect``
picks the reader from the file's own header (gzip is looked into; an Excel
workbook is told by its first bytes), never from its name.

The readers are imported when a file is first detected, not with the package:
``tidy_fast`` and ``context`` are used before pandas is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from tradecli.errors import BadInput, Problem
from tradecli.readers.context import ReadContext

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class InputFormat:
    name: str
    looks_like: Callable[[list[str]], bool]
    read: Callable[[Path, ReadContext], pd.DataFrame]
    sniff: Callable[[bytes], bool] | None = None  # a test of the first bytes (binary formats)

    def matches(self, head: bytes, header: list[str]) -> bool:
        return (self.sniff is not None and self.sniff(head)) or self.looks_like(header)


@cache
def formats() -> list[InputFormat]:
    """Order matters: the first format whose test passes reads the file; the specific
    download formats come before tidy, whose test (reporter, partner, flow) is loose."""
    from tradecli.readers import comtrade, comtrade_legacy, imf, imf_excel, tidy, wits, wits_web

    return [
        InputFormat(comtrade.FORMAT, comtrade.looks_like, comtrade.read),
        InputFormat(comtrade_legacy.FORMAT, comtrade_legacy.looks_like, comtrade_legacy.read),
        InputFormat("imf", imf.looks_like, imf.read),
        InputFormat(imf_excel.FORMAT, imf_excel.looks_like, imf_excel.read, imf_excel.sniff),
        InputFormat(wits.FORMAT, wits.looks_like, wits.read),
        InputFormat(wits_web.FORMAT, wits_web.looks_like, wits_web.read),
        InputFormat("tidy", tidy.looks_like, tidy.read),
    ]


DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".gz", ".xlsx", ".xls")


def header_of(path: Path) -> list[str]:
    """The first line of a text file (gzip or not), split on commas or tabs; [] for binary."""
    from tradecli.readers.tabular import head_bytes, header_from

    return header_from(head_bytes(path))


def detect(path: Path) -> InputFormat:
    from tradecli.readers.tabular import head_bytes, header_from

    head = head_bytes(path)
    header = header_from(head)
    for fmt in formats():
        if fmt.matches(head, header):
            return fmt
    from tradecli.readers.sniff import describe

    what = describe(path)  # an encoding, damage, binary content: said, not shown
    if what is not None:
        raise BadInput([Problem(str(path), None, "", "", what)])
    names = ", ".join(f.name for f in formats())
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
    """Files as given; folders expand to their data files, sorted (a folder with none
    is an error, like an empty file)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(DATA_SUFFIXES)
            )
            if not found:
                message = f"folder holds no data files ({', '.join(DATA_SUFFIXES)})"
                raise BadInput([Problem(str(path), None, "", "", message)])
            out.extend(found)
        else:
            out.append(path)
    return out


def read_any(path: Path, context: ReadContext) -> pd.DataFrame:
    if not path.exists():
        raise BadInput([Problem(str(path), None, "", "", "no such file")])
    if path.stat().st_size == 0:
        raise BadInput([Problem(str(path), None, "", "", "file is empty")])
    return detect(path).read(path, context)
