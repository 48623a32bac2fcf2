"""Numbers as a reader sees them: money ($2.317M), changes (+7.2%), shares (0.115%).

One pandas-free module, used by the engine's derivations (``Answer.formula``), the
reports of every command and the renderers (``render``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def money(value: float | None, currency: str = "USD") -> str:
    """Short readable money: 2.317M, 1.92B, 27.5K."""
    if value is None:
        return "n/a"
    sign = "-" if value < 0 else ""
    v = float(f"{abs(value):.4g}")  # rounded before the scale is chosen: $1M, never $1000K
    prefix = "$" if currency == "USD" else ""
    suffix = "" if currency == "USD" else f" {currency}"
    for scale, letter in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if v >= scale:
            return f"{sign}{prefix}{v / scale:.4g}{letter}{suffix}"
    return f"{sign}{prefix}{v:.4g}{suffix}"


def percent(value: float | None) -> str:
    """A change (0.072) as a signed percent with one decimal: +7.2%."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value * 100:+.1f}%"


def share_percent(value: float | None) -> str:
    """A share (0..1) as a percent with enough digits to be non-zero: 0.115%, 68.1%."""
    if value is None:
        return "n/a"
    v = value * 100
    if v == 0:
        return "0%"
    if not math.isfinite(v):  # a backtest's error where a figure overflowed
        return "n/a" if math.isnan(v) else f"{v}%"
    digits = max(1, 2 - math.floor(math.log10(abs(v))))  # three significant figures
    return f"{v:.{digits}f}%"


def signed_percent(value: float | None) -> str:
    """A change with its sign, one decimal: ``+88.3%``; ``not computable`` for None."""
    return "not computable" if value is None else f"{value * 100:+.1f}%"


NOTE_LIST = 10  # how many names a note lists before "and N more"


def capped(names: Sequence[str], limit: int = NOTE_LIST, sep: str = ", ") -> str:
    """``names`` joined, the first ``limit`` of them, then "and 1,719 more; --format json
    lists them all": a note stays short however many series a large file has."""
    more = len(names) - limit
    shown = sep.join(names[:limit])
    return shown + (f" and {more:,} more; --format json lists them all" if more > 0 else "")
