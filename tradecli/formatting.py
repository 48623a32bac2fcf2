"""Numbers as a reader sees them: money ($2.317M), changes (+7.2%), shares (0.115%).

One pandas-free module, used by the engine's derivations (``Answer.formula``), the
reports of every command and the renderers (``render``).
"""

from __future__ import annotations

import math


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
    digits = max(1, 2 - math.floor(math.log10(abs(v))))  # three significant figures
    return f"{v:.{digits}f}%"


def signed_percent(value: float | None) -> str:
    """A change with its sign, one decimal: ``+88.3%``; ``not computable`` for None."""
    return "not computable" if value is None else f"{value * 100:+.1f}%"
