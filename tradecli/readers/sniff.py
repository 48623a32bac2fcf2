"""What a file that no reader takes is: an encoding tradecli does not read, a damaged
gzip, binary content, a byte-order mark and nothing else. Said instead of "not a
format ... ''", which names no cause. Nothing of the file's content is shown.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

_HEAD = 1 << 16
_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"),
    (b"\xfe\xff", "UTF-16 (big-endian)"),
    (b"\xff\xfe", "UTF-16 (little-endian)"),
)
_RESAVE = "re-save it as UTF-8 (for example: iconv -f {0} -t UTF-8 FILE > FILE.utf8.csv)"


def describe(path: Path) -> str | None:
    """Why ``path`` cannot be read as text, or None when it looks like text."""
    with path.open("rb") as handle:
        head = handle.read(_HEAD)
    if head.startswith(b"\x1f\x8b"):
        problem = _gzip_problem(path)
        if problem:
            return problem
        with gzip.open(path, "rb") as handle:
            head = handle.read(_HEAD)
        what = describe_bytes(head)
        return f"gzip holding {what}" if what else None
    return describe_bytes(head)


def describe_bytes(head: bytes) -> str | None:
    for bom, name in _BOMS:
        if head.startswith(bom):
            encoding = name.split()[0]
            return f"text in {name}, which tradecli does not read; {_RESAVE.format(encoding)}"
    if head.startswith(b"\xef\xbb\xbf") and not head[3:].strip():
        return "holds only a UTF-8 byte-order mark: no header, no rows"
    if not head.strip():
        return "holds only blank space: no header, no rows"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive (not an Excel workbook tradecli reads); unzip it first"
    nul = head.find(b"\x00")
    if nul >= 0:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > len(odd) // 2 or even.count(0) > len(even) // 2:
            endian = "LE" if odd.count(0) > even.count(0) else "BE"
            return (
                "looks like UTF-16 text without a BOM (byte-order mark); "
                f"{_RESAVE.format('UTF-16' + endian)}"
            )
        line = head[:nul].count(b"\n") + 1
        return f"binary content: a NUL byte at byte {nul + 1} (line {line}); corrupt or not text"
    return None


def _gzip_problem(path: Path) -> str | None:
    """A damaged gzip, read through to the end (in blocks, never whole)."""
    try:
        with gzip.open(path, "rb") as handle:
            while handle.read(1 << 20):
                pass
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        return f"gzip file is truncated or corrupt ({exc})"
    return None
