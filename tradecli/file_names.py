"""File and folder names with bytes UTF-8 cannot decode (``tr\\xffde.csv``).

Python holds such bytes as lone surrogates (``\\udcff``), which no text column, Arrow
string, JSON file or pyarrow path takes. Such a path is opened through a link of a
plain name (``plain_path``) and shown with the bytes escaped (``shown_name``), as ``ls -b``
shows it. Pure Python, no imports of tradecli: the dataset loader, the readers and the
Parquet writer all use it.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def is_utf8(text: str) -> bool:
    """Whether ``text`` is UTF-8 text (a file name with bytes UTF-8 cannot decode holds
    them as lone surrogates, which no text column or Arrow string takes)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown_name(path: Path | str) -> str:
    """``path`` as citations name it: bytes UTF-8 cannot decode escaped (``\\xff``)."""
    text = str(path)
    return text if is_utf8(text) else os.fsencode(text).decode("utf-8", "backslashreplace")


def quoted(path: Path) -> str:
    """``path`` quoted for a message: as ``repr`` quotes it; when its name has bytes UTF-8
    cannot decode, as citations show it (``'d\\xff/t.csv'``, one backslash where
    ``repr`` of that text writes two, so that it can be copied back)."""
    text = str(path)
    if is_utf8(text):
        return repr(text)
    shown = shown_name(text)  # what cannot be printed escaped as ``repr`` escapes it
    return "'" + "".join(c if c.isprintable() else repr(c)[1:-1] for c in shown) + "'"


def named(shown: str) -> Path:
    """The path a citation names: ``shown`` itself when there is such a file or folder,
    else ``shown`` with its escapes of bytes UTF-8 cannot decode (``\\xff``) made bytes
    again (``shown_name``'s inverse), when that path is there; else ``shown`` (for the
    caller's error)."""
    path = Path(shown)
    if path.exists() or "\\x" not in shown:
        return path
    raw = re.sub(
        rb"\\x([89a-f][0-9a-f])", lambda m: bytes.fromhex(m[1].decode()), os.fsencode(shown)
    )
    escaped = Path(os.fsdecode(raw))
    return escaped if escaped.exists() else path


@contextmanager
def plain_path(path: Path, own_name: str = "input") -> Iterator[Path]:
    """``path`` by a name UTF-8 can encode, while the block runs: ``path`` itself when
    its name is one; else a link, in a temporary folder, to the last part of the path
    whose name is not (called ``own_name`` when that is ``path`` itself), followed by
    the rest of the path (``d\\xff/ds/reporter=AZE`` → ``LINK/ds/reporter=AZE``: the
    names after it, which a reader may read, kept). The link is removed after. It is
    made in the temporary folder (``$TMPDIR``), or, when that folder's own name is not
    UTF-8, in the first of the usual ones whose name is (``link_folder``)."""
    if is_utf8(str(path)):
        yield path
        return
    parts = path.absolute().parts
    last = max(i for i, part in enumerate(parts) if not is_utf8(part))
    rest = parts[last + 1 :]
    with tempfile.TemporaryDirectory(prefix="tradecli-", dir=link_folder()) as folder:
        link = Path(folder) / (own_name if not rest else "folder")
        link.symlink_to(Path(*parts[: last + 1]))
        yield link.joinpath(*rest)


def link_folder() -> str:
    """Where ``plain_path`` makes its links: the temporary folder when its name is UTF-8
    text; else the first of ``/tmp``, ``/var/tmp``, ``/usr/tmp`` and the working folder
    (the places ``tempfile`` looks) that is, and can be written to; else the temporary
    folder after all."""
    own = tempfile.gettempdir()
    if is_utf8(own):
        return own
    for folder in ("/tmp", "/var/tmp", "/usr/tmp", os.getcwd()):
        if is_utf8(folder) and os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK):
            return folder
    return own
