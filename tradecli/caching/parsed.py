"""A cache of parsed observations, so a second run on the same large file is quick.

An entry is the observation frame that reading one file gave (with the notes
reading it produced), stored as an Arrow IPC file and memory-mapped when read
back. Its key is everything the frame depends on: the tool's version, the
file's whole content (``keys.content``), the group codes and commodity the
reader used, and the reporters kept. Any change gives a new key, and writing
a file's new entry removes its old ones. Entries are named by the file's real
path too, for that removal; the same file reached through another path (a
link, ``./``) finds the same entry.

Provenance names the path the user gave: an entry records the path it was
read through, and a hit through another path has its rows' ``source`` and its
notes renamed to the path given now.

Entries are written and read through ``store`` (owner-only directory,
checksummed bodies, atomic renames). An entry is stored only if the file's
key after it was read is the key before (``keys.content``: the same stamp of a
file settled before the first hash, else the same hash). Small files and files that are
not regular files are not cached: reading them is as fast, or possible once.

The key's tool part (``keys.tool``) is the version, a stamp of the package's files and
the versions of Python and the dependencies: an edited source tree, or another build
under the same version number, misses.

What is worked out from a frame can be stored beside its entry (``Keyed``): an entry
named after the frame's (the same path and content digests, another suffix) whose body
starts with the frame's full key and the derived entry's own. It is used only when both
keys match, so it goes stale exactly when the frame's entry does; writing it removes
the same file's derived entries of other contents.

The console script writes an entry behind the answer (``caching.write_behind``, set by
``cli.process.run``): a thread writes it while the command works out its answer, and
the process waits for it (``settle``) once the answer is out. The entry is made of the
frame's own buffers, which nothing changes (pandas' copy-on-write). Other callers (the
API, tests) find the entry written when ``read`` returns.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import pyarrow as pa

import tradecli.caching as caching
from tradecli.caching import keys, store
from tradecli.readers.context import WARNING, ReadContext

if TYPE_CHECKING:
    import pandas as pd

MIN_BYTES = keys.LARGE_BYTES  # smaller files are read directly
_SUFFIX = ".arrow"
_NOTES = b"tradecli.notes"
_KEY = b"tradecli.key"
_PATH = b"tradecli.path"

_writers: list[threading.Thread] = []  # entries being written behind the answer


def _entry(path: Path, context: ReadContext, folder: Path) -> tuple[Path, str] | None:
    """The entry's file (named by real path, content and options) and its full key;
    None when the file is not a regular file."""
    content = keys.content(path)
    if content is None:
        return None
    where = str(path.resolve())
    options = context.options()
    version = {"version": keys.tool(), "content": content}
    key = json.dumps({**version, **options}, sort_keys=True)
    name = f"{keys.digest(where)}-{keys.digest(version)}-{keys.digest(options)}{_SUFFIX}"
    return folder / name, key


def _wanted(path: Path) -> bool:
    size = keys.size(path)
    return size is not None and size >= MIN_BYTES


def read(
    path: Path, context: ReadContext, read_file: Callable[[Path, ReadContext], pd.DataFrame]
) -> pd.DataFrame:
    """``read_file(path, context)``, from the cache when the file was read before."""
    return read_keyed(path, context, read_file)[0]


def read_keyed(
    path: Path, context: ReadContext, read_file: Callable[[Path, ReadContext], pd.DataFrame]
) -> tuple[pd.DataFrame, Keyed | None]:
    """``read``, with the entry the frame is (or will be) stored as: what entries derived
    from the frame are named and keyed by (``Keyed``); None when the file is not cached,
    or changed while it was read."""
    folder = store.directory(create=True) if _wanted(path) else None
    found = _entry(path, context, folder) if folder is not None else None
    if found is None:
        return read_file(path, context), None
    entry, key = found
    cached = _load(entry, key, str(path))
    if cached is not None:
        frame, notes = cached
        context.notes.extend(notes)
        return frame, Keyed(entry, key)
    before = len(context.notes)
    frame = read_file(path, context)
    if keys.content(path) != json.loads(key)["content"]:  # changed while read
        return frame, None
    _store(entry, key, str(path), frame, context.notes[before:])
    return frame, Keyed(entry, key)


@dataclass(frozen=True)
class Keyed:
    """A parsed file's entry (``entry``, named by path, content and options) and its full
    key. An entry derived from the frame (``derived``) is named after it and keyed by
    its key and what else it depends on, so it goes stale exactly when the frame does."""

    entry: Path
    key: str

    def derived(self, name: str) -> Path:
        """The file of the entry ``name`` derived from this one (beside it: named by the
        same path and content, so the entry of a new content removes it)."""
        return self.entry.with_suffix(f".{name}")

    def read(self, name: str, key: str) -> memoryview | None:
        """The body of the derived entry ``name`` stored under ``key`` (with the frame's
        key), or None: missing, refused, corrupt or stored under another key."""
        body = store.read(self.derived(name))
        if body is None:
            return None
        stamp = _stamp(self.key, key)
        if bytes(body[: len(stamp)]) != stamp:
            return None
        return body[len(stamp) :]

    def write(self, name: str, key: str, fill: Callable[[BinaryIO], object]) -> None:
        """Store the derived entry ``name`` under ``key``, its body written by ``fill``;
        behind the answer when the console script runs (``behind``)."""
        entry = self.derived(name)
        stamp = _stamp(self.key, key)

        def body(sink: BinaryIO) -> None:
            sink.write(stamp)
            fill(sink)

        def write() -> None:
            if store.write(entry, body):
                _forget_other_contents(entry)

        behind(write)


def _stamp(frame_key: str, key: str) -> bytes:
    """The head of a derived entry: both keys, length first, padded to a multiple of 64
    bytes, so a body's own 64-byte bounds are bounds in the mapping too (numpy reads
    aligned arrays two to three times faster)."""
    text = json.dumps([frame_key, key]).encode()
    text += b" " * (-(8 + len(text)) % 64)
    return len(text).to_bytes(8, "little") + text


def _load(entry: Path, key: str, given: str) -> tuple[pd.DataFrame, list[str]] | None:
    """The entry's frame and notes, their paths renamed to ``given``; None when missing,
    refused, corrupt or for another key."""
    from tradecli.observations import finish

    body = store.read(entry)
    if body is None:
        return None
    try:
        table = pa.ipc.open_file(pa.BufferReader(pa.py_buffer(body))).read_all()
        meta = table.schema.metadata or {}
        if meta.get(_KEY) != key.encode():
            return None
        notes = [str(n) for n in json.loads(meta.get(_NOTES, b"[]"))]
        first = meta.get(_PATH, b"").decode()
        # A column per block: the numbers and codes stay views of the mapped entry. Put in
        # blocks of one dtype, pandas would copy every column (the whole frame, 440 MB at
        # 10M rows, into fresh pages).
        frame = finish(table.to_pandas(split_blocks=True))
    except (ValueError, KeyError, UnicodeDecodeError, pa.ArrowException):
        return None  # checksummed, so written by another version: rewritten below
    if first != given:
        renamed = {c: given + c[len(first) :] for c in frame["source"].cat.categories}
        frame["source"] = frame["source"].cat.rename_categories(
            {c: new for c, new in renamed.items() if _names(c, first)}
        )
        notes = [_renamed(n, first, given) for n in notes]
    return frame, notes


def _renamed(note: str, first: str, given: str) -> str:
    """A note naming the file ``first`` (after a ``warning: `` prefix, if any) renamed."""
    prefix = WARNING if note.startswith(WARNING) else ""
    body = note[len(prefix) :]
    return prefix + given + body[len(first) :] if _names(body, first) else note


def _names(text: str, path: str) -> bool:
    """Whether ``text`` starts by naming the file ``path`` (``path``, ``path:line``,
    ``path[sheet]``), not another whose name begins the same."""
    return text.startswith(path) and text[len(path) : len(path) + 1] in ("", ":", "[", "#", " ")


def _store(entry: Path, key: str, given: str, frame: pd.DataFrame, notes: list[str]) -> None:
    """Write the entry; a cache that cannot be written is no error."""
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except pa.ArrowException:
        return
    table = table.replace_schema_metadata(
        {
            **(table.schema.metadata or {}),
            _KEY: key.encode(),
            _PATH: given.encode(),
            _NOTES: json.dumps(notes).encode(),
        }
    )

    def fill(sink: BinaryIO) -> None:
        with pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)

    def write() -> None:
        try:
            written = store.write(entry, fill)
        except pa.ArrowException:
            return
        if written:
            _forget_other_contents(entry)

    behind(write)


def _forget_other_contents(entry: Path) -> None:
    """Remove the entries of ``entry``'s file (its path digest) for other contents or
    versions (its second digest), parsed and derived alike."""
    where, version, _ = entry.name.split("-", 2)
    store.remove_others(entry, f"{where}-", keep=f"{where}-{version}-", suffix="")


def behind(write: Callable[[], None]) -> None:
    """Run ``write`` now, or in a thread when the console script runs
    (``caching.write_behind``): ``settle`` waits for it."""
    if not caching.write_behind:
        write()
        return
    # A daemon: a process that ends without ``settle`` (killed, Ctrl-C) leaves at most a
    # temporary file, which the next run removes (``store``).
    writer = threading.Thread(target=write, name="tradecli-cache-writer", daemon=True)
    _writers.append(writer)
    writer.start()


def settle() -> None:
    """Wait for the entries being written behind the answer."""
    while _writers:
        _writers.pop(0).join()
