"""Where a command's output goes: data on stdout, everything else on stderr.

Every write goes through ``emit``, so that a stream that cannot take the output
(closed with ``>&-``, a full disk) is one error (``OutputLost``), and so that the
result cache can keep a transcript of what a command wrote (``Transcript``).
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import ClassVar, TextIO


class OutputLost(Exception):
    """stdout or stderr could not be written (closed, full). Not a TradeCliError: it is
    about the process, not the data; ``process.run`` turns it into one line and exit 1."""


class Transcript:
    """What a command writes, in order (``True``: to stderr), while one is kept."""

    current: ClassVar[list[tuple[bool, str]] | None] = None

    def __enter__(self) -> list[tuple[bool, str]]:
        Transcript.current = []
        return Transcript.current

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        Transcript.current = None


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


def emit_pieces(pieces: list[str], err: bool = False) -> None:
    """``emit("".join(pieces), err)``, writing each piece as it is: a whole-file JSON
    (hundreds of MB) is never one more text, nor encoded whole."""
    stream: TextIO | None = sys.stderr if err else sys.stdout
    if stream is None:  # closed by the caller (``>&-``)
        raise OutputLost("stderr" if err else "stdout")
    encoding = getattr(stream, "encoding", None)
    if isinstance(encoding, str) and encoding.lower().replace("-", "") != "utf8":
        pieces = [fallback(text, encoding) for text in pieces]  # character by character
    try:
        for text in pieces:
            stream.write(text)
    except BrokenPipeError:
        raise  # the reader has gone (``| head``): not an error, see ``process.finish``
    except (OSError, ValueError) as exc:
        raise OutputLost(str(exc)) from exc
    if Transcript.current is not None:
        Transcript.current.append((err, pieces[0] if len(pieces) == 1 else "".join(pieces)))


def diagnostics(message: str) -> None:
    """Everything that is not data goes to stderr, control characters from the data (file
    names, cells quoted in messages) shown visibly."""
    from tradecli.safe_text import escape_lines

    emit(escape_lines(message.rstrip("\n")) + "\n", err=True)
