"""Where a command's output goes: data on stdout, everything else on stderr.

Every write goes through ``emit``, so that a stream that cannot take the output
(closed with ``>&-``, a full disk) is one error (``OutputLost``), and so that the
result cache can keep a transcript of what a command wrote (``Transcript``).
"""

from __future__ import annotations

import codecs
import sys
from collections.abc import Iterable, Iterator
from functools import partial
from types import TracebackType
from typing import ClassVar, TextIO


class OutputLost(Exception):
    """stdout or stderr could not be written (closed, full). Not a TradeCliError: it is
    about the process, not the data; ``process.run`` turns it into one line and exit 1."""


class Transcript:
    """What a command writes, in order (``True``: to stderr), while one is kept: for the
    result cache, and only up to ``LIMIT`` characters (an output longer than that, a
    backtest's JSON of a whole file, is not held a second time in memory to be stored:
    ``whole`` is then False and nothing is kept)."""

    current: ClassVar[Transcript | None] = None
    LIMIT: ClassVar[int] = 64 << 20

    def __init__(self) -> None:
        self._chunks: list[tuple[bool, list[str]]] = []
        self._size = 0
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

    def add(self, err: bool, text: str) -> None:
        """``text`` written to stderr (``err``) or stdout, after what was written before."""
        if not self.whole:
            return
        self._size += len(text)
        if self._size > self.LIMIT:
            self.whole, self._chunks = False, []
        elif self._chunks and self._chunks[-1][0] == err:
            self._chunks[-1][1].append(text)
        else:
            self._chunks.append((err, [text]))

    def chunks(self) -> tuple[tuple[bool, str], ...]:
        """What was written, each run of writes to one stream one text."""
        return tuple((err, "".join(texts)) for err, texts in self._chunks)


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
    if isinstance(encoding, str) and encoding.lower().replace("-", "") != "utf8":
        pieces = (fallback(text, encoding) for text in pieces)  # character by character
    transcript = Transcript.current
    try:
        for text in pieces:
            stream.write(text)
            if transcript is not None:
                transcript.add(err, text)
    except BrokenPipeError:
        raise  # the reader has gone (``| head``): not an error, see ``process.finish``
    except (OSError, ValueError) as exc:
        raise OutputLost(str(exc)) from exc


class Spool:
    """A command's output made in full before any of it is written (an error while it
    is made leaves stdout and ``--out`` untouched), held as UTF-8 in memory up to
    ``MEMORY`` bytes and in a temporary file beyond: a JSON of gigabytes is not held
    in memory as text (``settings.Settings.show``)."""

    MEMORY: ClassVar[int] = 32 << 20
    CHUNK: ClassVar[int] = 1 << 20

    def __init__(self) -> None:
        import tempfile

        self._file = tempfile.SpooledTemporaryFile(max_size=self.MEMORY)  # noqa: SIM115 (closed by __exit__)

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._file.close()

    def write(self, pieces: list[str]) -> None:
        """Add ``pieces`` after what the spool holds."""
        try:
            self._file.write("".join(pieces).encode("utf-8", "surrogatepass"))
        except OSError as exc:  # the temporary folder is full
            raise OutputLost(f"the output could not be held in a temporary file: {exc}") from exc

    def restart(self) -> None:
        """Drop what the spool holds."""
        self._file.seek(0)
        self._file.truncate()

    def data(self) -> Iterator[bytes]:
        """What the spool holds, as UTF-8, a chunk at a time."""
        self._file.seek(0)
        yield from iter(partial(self._file.read, self.CHUNK), b"")

    def texts(self) -> Iterator[str]:
        """What the spool holds, as text, a chunk at a time."""
        decoder = codecs.getincrementaldecoder("utf-8")("surrogatepass")
        for data in self.data():
            text = decoder.decode(data)
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail


def diagnostics(message: str) -> None:
    """Everything that is not data goes to stderr, control characters from the data (file
    names, cells quoted in messages) shown visibly."""
    from tradecli.safe_text import escape_lines

    emit(escape_lines(message.rstrip("\n")) + "\n", err=True)
