"""Text from data made safe to print: no control character reaches a terminal or a report.

A cell of a downloaded file may hold anything, an escape sequence included
(``ESC ] 0 ; title BEL`` retitles a terminal, ``ESC [ 2 J`` clears it). Every
C0 control (U+0000..U+001F), DEL, every C1 control (U+0080..U+009F) and the
Unicode line and paragraph separators are shown visibly as ``\\x1b``,
``\\u2028``: the reader sees that the data holds one, and nothing acts on it.
A backslash is left as it is (it does nothing on a terminal).

Pure Python, no imports beyond ``re``: error messages use it too.
"""

from __future__ import annotations

import re

# C0, DEL, C1, and the characters Unicode treats as line or paragraph breaks.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """``text`` with every control character written visibly (``\\x1b``, ``\\n``→``\\x0a``)."""
    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(_visible, text)


def escape_lines(text: str) -> str:
    """Like ``escape_controls`` but keeps line feeds: for text of several lines."""
    return "\n".join(escape_controls(line) for line in text.split("\n"))


def json_c1(text: str) -> str:
    """JSON text with C1 controls, DEL and U+2028/9 written as ``\\u`` escapes (``json.dumps``
    escapes C0 itself, but with ``ensure_ascii=False`` leaves these raw); same value."""
    # Nothing to escape in ASCII but DEL; both checks run in C, far quicker than the search.
    if text.isascii() and "\x7f" not in text:
        return text
    return re.sub(
        "[\x7f-\x9f\u2028\u2029]", lambda m: f"\\u{ord(m[0]):04x}", text
    )  # inside strings only: JSON has no such characters outside them
