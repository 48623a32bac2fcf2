"""Stated figures as an article writes them ("over 2.3 million USD", "0.06%", "+7.2%"):
the number, its qualifier and precision, its currency or percent sign."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any


class Measure(StrEnum):
    value = "value"
    share = "share"
    growth = "growth"


class Verdict(StrEnum):
    consistent = "consistent"
    inconsistent = "inconsistent"
    bounded = "bounded"
    unverifiable = "unverifiable"


# -- the stated figure ------------------------------------------------------------

QUALIFIER_WORDS: dict[str, str] = {
    "over": "over",
    "more than": "over",
    "above": "over",
    "exceeding": "over",
    "in excess of": "over",
    "upwards of": "over",
    "at least": "over",
    "about": "about",
    "around": "about",
    "approximately": "about",
    "roughly": "about",
    "some": "about",
    "~": "about",
    "≈": "about",
    "almost": "almost",
    "nearly": "almost",
    "just under": "almost",
}
SCALE_WORDS: dict[str, int] = {
    "thousand": 3,
    "k": 3,
    "million": 6,
    "mln": 6,
    "mn": 6,
    "m": 6,
    "billion": 9,
    "bln": 9,
    "bn": 9,
    "b": 9,
    "trillion": 12,
    "trn": 12,
    "tn": 12,
}
CURRENCY_SIGNS = {"us$": "USD", "$": "USD", "€": "EUR", "£": "GBP", "₽": "RUB", "₼": "AZN"}
CURRENCY_WORDS = {
    "dollar": "USD",
    "dollars": "USD",
    "us dollars": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "ruble": "RUB",
    "rubles": "RUB",
    "rouble": "RUB",
    "roubles": "RUB",
    "manat": "AZN",
    "manats": "AZN",
}
PERCENT_WORDS = ("%", "percent", "per cent")
STATED_EXAMPLES = (
    '"$5.8 million", "over 2.3 million USD", "almost 300 billion RUB", "0.06%", "+7.2%"'
)

_QUALIFIER_RE = "|".join(re.escape(w) for w in sorted(QUALIFIER_WORDS, key=len, reverse=True))
_SIGN_RE = "|".join(re.escape(s) for s in sorted(CURRENCY_SIGNS, key=len, reverse=True))
_STATED = re.compile(
    rf"^(?:(?P<qual>{_QUALIFIER_RE})\s*)?(?P<sign>[+\-−])?\s*(?P<cur>{_SIGN_RE})?\s*"
    r"(?P<num>\d[\d,]*(?:\.\d+)?|\.\d+)\s*(?P<rest>.*)$"
)
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")


def digit_step(number: str) -> Decimal:
    """The unit of the last significant digit written: ``"2.3"`` → 0.1, ``"460"`` → 10.

    The same reading as data files (``readers.common.published_step``): trailing
    zeros of an integer are read as rounding.
    """
    if "." in number:
        return Decimal(1).scaleb(-len(number.split(".", 1)[1]))
    digits = number.lstrip("0") or "0"
    zeros = len(digits) - len(digits.rstrip("0")) if digits != "0" else 0
    return Decimal(10) ** zeros


@dataclass(frozen=True)
class Stated:
    """A figure as an article wrote it, and the range of true values it allows."""

    text: str
    value: float  # money in base units; a percentage as a fraction (0.06% → 0.0006)
    step: float  # the unit of the last written digit, in the same units
    qualifier: str  # '', 'over', 'about' or 'almost'
    is_percent: bool
    currency: str | None = None  # money only, when written

    @property
    def bounds(self) -> tuple[float, float]:
        """The true values the figure allows (see the module docstring)."""
        s, d, q = self.value, self.step, self.qualifier
        if s < 0 and q in ("over", "almost"):  # a fall of over 5% is at most −5%
            q = "almost" if q == "over" else "over"
        if q == "over":
            return s, s + d
        if q == "almost":
            return s - d, s
        return s - d / 2, s + d / 2

    def to_dict(self) -> dict[str, Any]:
        low, high = self.bounds
        return {
            "text": self.text,
            "value": self.value,
            "step": self.step,
            "qualifier": self.qualifier or None,
            "percent": self.is_percent,
            "currency": self.currency,
            "low": low,
            "high": high,
        }


def parse_stated(text: str, default_currency: str = "USD") -> Stated:
    """Read a figure as written; raise ``ValueError`` saying what is not understood."""
    raw = " ".join(text.strip().split())
    m = _STATED.match(raw.lower())
    if m is None:
        raise ValueError(
            f"not a figure as published; write it as in the article, e.g. {STATED_EXAMPLES}"
        )
    number = m["num"]
    if "," in number:
        if not _THOUSANDS.match(number):
            raise ValueError(f"{number!r}: a decimal comma? write the decimal point: 5.8")
        number = number.replace(",", "")
    rest = m["rest"].strip().rstrip(".").strip()
    exponent = 0
    scale = re.match(r"^([a-z]+)\.?(?:\s+|$)", rest)
    if scale and scale[1] in SCALE_WORDS:
        exponent = SCALE_WORDS[scale[1]]
        rest = rest[scale.end() :].strip()
    is_percent = rest in PERCENT_WORDS
    currency = CURRENCY_SIGNS[m["cur"]] if m["cur"] else None
    if not is_percent and rest:
        word = CURRENCY_WORDS.get(rest) or (rest.upper() if _is_currency(rest) else None)
        if word is None:
            raise ValueError(
                f"{rest!r} is not understood after the number; expected a scale (thousand, "
                "million, billion), a currency (USD, $, RUB, …) or a percent sign"
            )
        if currency is not None and currency != word:
            raise ValueError(f"two currencies: {m['cur']} and {rest}")
        currency = word
    if is_percent and (exponent or currency):
        raise ValueError("a percentage takes no scale or currency")
    sign = -1 if m["sign"] in ("-", "−") else 1
    if sign < 0 and not is_percent:
        raise ValueError("a trade value is not negative; only a growth rate can be")
    try:
        value = Decimal(number) * sign
    except InvalidOperation:
        raise ValueError(f"{number!r} is not a number") from None
    step = digit_step(number)
    if is_percent:
        value, step = value / 100, step / 100
    else:
        value, step = value.scaleb(exponent), step.scaleb(exponent)
        currency = currency or default_currency
    qualifier = QUALIFIER_WORDS[m["qual"]] if m["qual"] else ""
    return Stated(text.strip(), float(value), float(step), qualifier, is_percent, currency)


def _is_currency(word: str) -> bool:
    if not re.fullmatch(r"[a-z]{3}", word):
        return False
    import pycountry

    return pycountry.currencies.get(alpha_3=word.upper()) is not None
