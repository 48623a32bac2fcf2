"""Where a command's output goes: data on stdout, everything else on stderr.

Every write goes through ``emit``, so that a stream that cannot take the output
(closed with ``>&-``, a full disk) is one error (``OutputLost``), and so that the
result cache can keep a transcript of what a command wrote (``Transcript``).
"""

from __future__ import annotations

import codecs
import io
import sys
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import ClassVar, Protocol, TextIO


class OutputLost(Exception):
    """stdout or stderr could not be written (closed, full). Not a TradeCliError: it is
    about the process, not the data; ``process.run`` turns it into one line and exit 1."""


class ReaderGone(Exception):
    """stdout's reader went away (``| head``) while a command wrote: not an error (exit
    0, ``process.run``). Raised in place of the ``BrokenPipeError`` so that Click, which
    exits 1 on one, leaves it to ``process.run`` wherever the writing stood."""


class Kept(Protocol):
    """Where a transcript goes once it is longer than it holds in memory: the result
    cache's entry, written as the command writes (``caching.results.Writer``)."""

    def write(self, err: bool, text: str) -> None:
        """Add ``text``; an ``OSError`` when it cannot be kept (a full disk, too long)."""

    def keep(self, code: int) -> None:
        """Keep all that was added, and the exit code."""

    def drop(self) -> None:
        """Let all that was added go, unless kept."""


class Transcript:
    """What a command writes, in order (``True``: to stderr), while one is kept: for the
    result cache. Up to ``LIMIT`` characters are held in memory (the very texts written,
    mostly); past that, all of it goes to ``overflow``'s file (the cache entry's own) as
    it is written, so that a whole-file JSON of hundreds of MB is never held a second
    time to be stored. Where it cannot go (no cache to write, a full disk, longer than
    the largest entry kept) ``whole`` is False and nothing is kept."""

    current: ClassVar[Transcript | None] = None
    # Texts a ``Spool`` gives back are copies (1 MB each): held, they are memory the
    # output takes twice; in the file from here on, they cost what storing them at the
    # end would (dense 1M ``summary -f json``: peak 377 MB, was 395 with 64 M held).
    LIMIT: ClassVar[int] = 8 << 20

    def __init__(self, overflow: Callable[[], Kept | None] | None = None) -> None:
        self._chunks: list[tuple[bool, list[str]]] = []
        self._size = 0
        self._overflow = overflow
        self._file: Kept | None = None
        self.whole = True

    def __enter__(self) -> Transcript:
        Transcript.current = self
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        Transcript.current = None
        if self._file is not None:  # not kept (the command failed): its file removed
            file, self._file = self._file, None
            file.drop()

    def add(self, err: bool, text: str) -> None:
        """``text`` written to stderr (``err``) or stdout, after what was written before."""
        if not self.whole:
            return
        if self._file is not None:
            self._write(err, text)
            return
        self._size += len(text)
        if self._chunks and self._chunks[-1][0] == err:
            self._chunks[-1][1].append(text)
        else:
            self._chunks.append((err, [text]))
        if self._size > self.LIMIT:
            self._spill()

    def chunks(self) -> tuple[tuple[bool, str], ...]:
        """What was written and is held in memory, each run of writes to one stream one
        text."""
        return tuple((err, "".join(texts)) for err, texts in self._chunks)

    def keep(self, code: int) -> None:
        """Keep all that was written (in ``overflow``'s file, put there now if it was
        held in memory) and exit ``code``; nothing when it was not all kept."""
        if self._file is None and self.whole:
            self._spill()
        if self._file is not None:
            file, self._file = self._file, None
            try:
                file.keep(code)
            finally:
                file.drop()

    def _spill(self) -> None:
        """Move what is held in memory to ``overflow``'s file, where the rest will go."""
        held, self._chunks, self._size = self._chunks, [], 0
        self._file = self._overflow() if self._overflow is not None else None
        if self._file is None:
            self.whole = False
            return
        for err, texts in held:
            for text in texts:
                self._write(err, text)

    def _write(self, err: bool, text: str) -> None:
        if self._file is None:  # given up already
            return
        try:
            self._file.write(err, text)
        except OSError:
            file, self._file = self._file, None
            self.whole = False
            file.drop()


# What a character the stream's encoding lacks is written as (``fallback``).
FALLBACKS = {
    "–": "-",
    "—": "-",
    "−": "-",
    "…": "...",
    "·": ".",
    "×": "x",
    "÷": "/",
    "±": "+/-",
    "≈": "~",
    "→": "->",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "━": "=",
    "┏": "+",
    "┓": "+",
    "┗": "+",
    "┛": "+",
    "┳": "+",
    "┻": "+",
    "╇": "+",
    "╋": "+",
    "┡": "+",
    "┩": "+",
    "┃": "|",
    "│": "|",
    "─": "-",
    **{c: str(i + 1) for i, c in enumerate("▁▂▃▄▅▆▇█")},  # sparklines: levels 1..8
}


def fallback(text: str, encoding: str) -> str:
    """``text`` as ``encoding`` can write it: the characters it lacks by their ASCII
    stand-ins (``FALLBACKS``; box drawing by ``+``, ``-``, ``|``), else ``?``."""
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        pass
    except LookupError:  # an encoding Python does not know: ASCII is safe
        encoding = "ascii"
    else:
        return text
    out = []
    for char in text:
        try:
            char.encode(encoding)
            out.append(char)
        except UnicodeEncodeError:
            stand_in = FALLBACKS.get(char)
            if stand_in is None and "\u2500" <= char <= "\u257f":
                stand_in = "+"
            out.append(stand_in if stand_in is not None else "?")
    return "".join(out)


def emit(text: str, err: bool = False) -> None:
    """Write to stdout (or stderr); every command's output goes through here. A stream
    that cannot encode a character (``PYTHONIOENCODING=ascii``, a cp1252 console) gets
    its ASCII stand-in (``fallback``)."""
    emit_pieces([text], err)


def emit_pieces(pieces: Iterable[str], err: bool = False) -> None:
    """``emit("".join(pieces), err)``, writing each piece as it comes: a whole-file JSON
    (hundreds of MB, read back from a ``Spool``) is never one text, nor encoded whole."""
    stream: TextIO | None = sys.stderr if err else sys.stdout
    if stream is None:  # closed by the caller (``>&-``)
        raise OutputLost("stderr" if err else "stdout")
    encoding = getattr(stream, "encoding", None)
    # A stream that is not UTF-8 gets each character it lacks as its stand-in, character
    # by character; the transcript keeps the text itself (a later run may write UTF-8).
    other = encoding if isinstance(encoding, str) else "utf-8"
    other = "" if other.lower().replace("-", "") == "utf8" else other
    transcript = Transcript.current
    try:
        for text in pieces:
            stream.write(fallback(text, other) if other else text)
            if transcript is not None:
                transcript.add(err, text)
    except BrokenPipeError:
        raise  # the reader has gone (``| head``): not an error, see ``process.finish``
    except (OSError, ValueError) as exc:
        raise OutputLost(str(exc)) from exc


class Spool:
    """A command's output made in full before any of it is written (an error while it
    is made leaves stdout and ``--out`` untouched), held as UTF-8 in memory up to
    ``MEMORY`` bytes and in a temporary file beyond: a JSON of gigabytes is not held in
    memory as text (``settings.Settings.show``). A temporary folder that cannot take it
    (full, read-only) leaves it in memory, as all output was held before."""

    MEMORY: ClassVar[int] = 32 << 20
    CHUNK: ClassVar[int] = 1 << 20

    def __init__(self) -> None:
        self._held: list[bytes] = []
        self._size = 0  # bytes held in memory
        self._file: io.FileIO | None = None  # unbuffered: what it took is known
        self._on_disk = 0  # bytes the file took
        self._no_disk = False  # the temporary folder failed once: memory from then on
        self._surrogates = False  # text not encodable as UTF-8 (bytes of a file name)

    def write(self, pieces: list[str]) -> None:
        """Add ``pieces`` after what the spool holds."""
        text = "".join(pieces)
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: kept as they are, told apart later
            data = text.encode("utf-8", "surrogatepass")
            self._surrogates = True
        if self._file is not None:
            self._to_file(data)
            return
        self._held.append(data)
        self._size += len(data)
        if self._size > self.MEMORY and not self._no_disk:
            self._spill()

    def restart(self) -> None:
        """Drop what the spool holds."""
        self.close()
        self._held, self._size, self._on_disk = [], 0, 0

    def data(self) -> Iterator[bytes]:
        """What the spool holds, as UTF-8 (lone surrogates as ``surrogatepass`` writes
        them), a chunk at a time."""
        if self._file is None:
            yield from self._held
            return
        self._file.seek(0)
        while chunk := self._file.read(self.CHUNK):
            yield chunk

    def texts(self) -> Iterator[str]:
        """What the spool holds, as the text it was given, a chunk at a time."""
        decoder = codecs.getincrementaldecoder("utf-8")(
            "surrogatepass" if self._surrogates else "strict"
        )
        for data in self.data():
            text = decoder.decode(data)
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail

    def file_data(self) -> Iterator[bytes]:
        """What the spool holds as a file gets it (``--out``): UTF-8, the bytes a file
        name could not decode given back as they were (as stdout writes them), any other
        lone surrogate as its JSON escape (``\\udXXX``)."""
        if not self._surrogates:
            yield from self.data()
            return
        codecs.register_error(_AS_IN_A_FILE, _as_in_a_file)
        for text in self.texts():
            yield text.encode("utf-8", _AS_IN_A_FILE)

    def _spill(self) -> None:
        """Move what is held to a temporary file (or, failing that, keep it in memory)."""
        import tempfile

        try:
            self._file = tempfile.TemporaryFile(buffering=0)  # noqa: SIM115 (close)
        except OSError:
            self._no_disk = True
            return
        held, self._held, self._size = self._held, [], 0
        for at, data in enumerate(held):
            self._to_file(data)
            if self._file is None:  # the folder failed: the rest stays in memory
                rest = held[at + 1 :]
                self._held.extend(rest)
                self._size += sum(map(len, rest))
                return

    def _to_file(self, data: bytes) -> None:
        """Write ``data`` to the file, or bring everything back to memory if it fails."""
        assert self._file is not None
        view = memoryview(data)
        try:
            while view:
                took = self._file.write(view) or 0
                self._on_disk += took
                view = view[took:]
        except OSError:
            file, self._file = self._file, None
            self._no_disk = True
            try:
                file.seek(0)
                kept = file.readall()[: self._on_disk]
            finally:
                file.close()
            self._held = [kept, bytes(view)]
            self._size, self._on_disk = len(kept) + len(view), 0

    def close(self) -> None:
        """Let the temporary file go (``contextlib.closing``)."""
        if self._file is not None:
            file, self._file = self._file, None
            file.close()


_AS_IN_A_FILE = "tradecli-as-in-a-file"


def _as_in_a_file(error: UnicodeError) -> tuple[bytes, int]:
    """The encoding error handler of ``Spool.file_data``: a byte a file name could not
    decode (``surrogateescape``'s U+DC80..U+DCFF) as that byte, any other lone surrogate
    as its JSON escape."""
    assert isinstance(error, UnicodeEncodeError)
    out = bytearray()
    for char in error.object[error.start : error.end]:
        code = ord(char)
        out += bytes([code - 0xDC00]) if 0xDC80 <= code <= 0xDCFF else b"\\u%04x" % code
    return bytes(out), error.end


def diagnostics(message: str) -> None:
    """Everything that is not data goes to stderr, control characters from the data (file
    names, cells quoted in messages) shown visibly."""
    from tradecli.safe_text import escape_lines

    emit(escape_lines(message.rstrip("\n")) + "\n", err=True)
