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


def emit(text: str, err: bool = False) -> None:
    """Write to stdout (or stderr); every command's output goes through here."""
    stream: TextIO | None = sys.stderr if err else sys.stdout
    if stream is None:  # closed by the caller (``>&-``)
        raise OutputLost("stderr" if err else "stdout")
    try:
        stream.write(text)
    except BrokenPipeError:
        raise  # the reader has gone (``| head``): not an error, see ``process.finish``
    except (OSError, ValueError) as exc:
        raise OutputLost(str(exc)) from exc
    if Transcript.current is not None:
        Transcript.current.append((err, text))


def diagnostics(message: str) -> None:
    """Everything that is not data goes to stderr, control characters from the data (file
    names, cells quoted in messages) shown visibly."""
    from tradecli.safe_text import escape_lines

    emit(escape_lines(message.rstrip("\n")) + "\n", err=True)
