"""Machine records: one row of CSV, XLSX or JSON output, keyed by the series it is about.

Every keyed command writes the same leading fields, whatever the number of rows:
``reporter, partner, flow, currency, unit, period, value, low, high, approximate,
flags``, then its own. ``period`` is a code ``--period`` accepts (``2024-01/2024-04``);
``value`` is in base units (``unit`` is ``unit``, as in the tidy input, or ``ratio``
for shares and changes); ``low`` and ``high`` bound the value: equal to it when every
figure used is exact; when an approximate figure (about/over/almost) was used, the
range the published figures allow (``value_range``), empty only where no range can be
worked out; ``flags`` are the quality flags of the published figures used,
``;``-separated as in the tidy input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tradecli.engine.answers import Answer, SeriesKey
from tradecli.engine.answers import interval as interval  # re-exported: ranges are here
from tradecli.formatting import NOTE_LIST, money, percent, share_percent
from tradecli.observations import EXCLUDED_FLAGS

KEY_FIELDS = (
    "reporter",
    "partner",
    "flow",
    "currency",
    "unit",
    "period",
    "value",
    "low",
    "high",
    "approximate",
    "flags",
)


def value_range(answer: Answer | None) -> tuple[float | None, float | None]:
    """(low, high) of an answer's value: the value itself twice when every published
    figure used is exact; the ``interval`` its figures allow when one is approximate
    (about/over/almost: ``$786K`` from Jan-Jun $1.786M minus Q1 "about $1M" lies in
    $285.5K to $1.2865M); (None, None) without a value."""
    if answer is None or answer.value is None:
        return None, None
    if not answer.qualifiers:
        return answer.value, answer.value
    return interval(answer)


def ratio_range(
    numerator: tuple[float | None, float | None], denominator: tuple[float | None, float | None]
) -> tuple[float | None, float | None]:
    """(low, high) of numerator / denominator over the ranges of both (None where the
    denominator's range reaches zero: no upper bound)."""
    n_low, n_high = numerator
    d_low, d_high = denominator
    if None in (n_low, n_high, d_low, d_high):
        return None, None
    assert n_low is not None and n_high is not None and d_low is not None and d_high is not None
    if d_low <= 0:
        return (n_low / d_high if d_high > 0 else None), None
    return n_low / d_high, n_high / d_low


def change_range(
    current: Answer | None, base: Answer | None, change: float | None
) -> tuple[float | None, float | None]:
    """The range of a like-for-like change (current / base - 1) over the ranges of both
    figures: the change itself when both are exact."""
    if change is None:
        return None, None
    low, high = ratio_range(value_range(current), value_range(base))
    return (None if low is None else low - 1), (None if high is None else high - 1)


def approximate(*answers: Answer | None) -> bool:
    """Whether any of ``answers`` used an approximate figure (about/over/almost)."""
    return any(a is not None and a.found and a.qualifiers for a in answers)


def figure_range(answer: Answer | None) -> str:
    """A figure as a range line writes it: ``($7.45M to $7.55M)`` when approximate, else
    its value."""
    if answer is None or answer.value is None:
        return "n/a"
    cur = answer.key.currency
    low, high = value_range(answer)
    if not answer.qualifiers or low is None or high is None:
        return money(answer.value, cur)
    return f"({money(low, cur)} to {money(high, cur)})"


def ends(low: float | None, high: float | None, show: Callable[[float | None], str]) -> str:
    """``LOW to HIGH`` of a derived figure; an end that cannot be bounded is said so."""
    if high is None:
        return f"at least {show(low)}" if low is not None else "unbounded"
    if low is None:
        return f"at most {show(high)}"
    return f"{show(low)} to {show(high)}"


def change_how(current: Answer, base: Answer, change: float | None) -> str | None:
    """The ``range:`` line of a change worked out from approximate figures: ``($7.45M to
    $7.55M) / ($6.45M to $6.55M) − 1 → +13.7% to +17.1%``; None when both are exact."""
    if change is None or not approximate(current, base):
        return None
    low, high = change_range(current, base, change)
    return f"range: {figure_range(current)} / {figure_range(base)} − 1 → {ends(low, high, percent)}"


def ratio_how(part: Answer, total: Answer, value: float | None) -> str | None:
    """The ``range:`` line of a share (part / total) worked out from approximate figures."""
    if value is None or not approximate(part, total):
        return None
    low, high = ratio_range(value_range(part), value_range(total))
    return f"range: {figure_range(part)} / {figure_range(total)} → {ends(low, high, share_percent)}"


def flags_of(answer: Answer | None) -> list[str]:
    """The quality flags of the published figures an answer used, sorted."""
    if answer is None or answer.value is None:
        return []
    return answer.flags()


def record(key: SeriesKey, answer: Answer | None, **own: Any) -> dict[str, Any]:
    """The keyed record of ``answer`` (a value of series ``key``; None: no figure),
    followed by the command's own fields ``own``."""
    value = answer.value if answer is not None else None
    approximate = bool(answer.qualifiers) if answer is not None else False
    flags = flags_of(answer)
    low, high = value_range(answer)
    return {
        "reporter": key.reporter,
        "partner": key.partner,
        "flow": key.flow,
        "currency": key.currency,
        "unit": "unit",
        "period": answer.period.iso() if answer is not None else None,
        "value": value,
        "low": low,
        "high": high,
        "approximate": approximate,
        "flags": ";".join(flags),
        **own,
    }


def keyed(
    key: SeriesKey,
    period: str | None,
    value: float | None,
    flags: list[str] | None = None,
    *,
    low: float | None = None,
    high: float | None = None,
    approximate: bool = False,
    **own: Any,
) -> dict[str, Any]:
    """A keyed record made from parts, for figures that are not an ``Answer`` (a span of
    the data, a kept figure): ``low``/``high`` default to ``value``."""
    return {
        **key._asdict(),
        "unit": "unit",
        "period": period,
        "value": value,
        "low": value if low is None else low,
        "high": value if high is None else high,
        "approximate": approximate,
        "flags": ";".join(sorted(set(flags or []))),
        **own,
    }


def cells(name: str, answer: Answer | None) -> dict[str, Any]:
    """The extra cells of a table row that show the figure ``name`` as the answer it is:
    its range (``NAME_low``, ``NAME_high``) and whether it used a flagged observation
    (``NAME_flagged``); ``render`` shows them beside the figure."""
    low, high = value_range(answer)
    return {f"{name}_low": low, f"{name}_high": high, f"{name}_flagged": bool(flagged(answer))}


def flagged(answer: Answer | None) -> list[str]:
    """The exclusion flags (suspect-unit, low-trust, negative-as-published) of the
    observations an answer used: only under --include-flagged can there be any."""
    return [f for f in flags_of(answer) if f in EXCLUDED_FLAGS]


def flag_note(answers: list[Answer | None]) -> list[str]:
    """The note that explains the ``†`` mark, naming each flagged figure used."""
    used = []
    for answer in answers:
        if answer is None or not flagged(answer):
            continue
        for rec in answer.observations():
            for obs in rec.sources:
                marks = [f for f in obs.flags if f in EXCLUDED_FLAGS]
                if marks:
                    used.append(f"{obs.period.label()} [{obs.where()}] flagged {', '.join(marks)}")
    if not used:
        return []
    head = "† used a figure flagged as doubtful (kept by --include-flagged):"
    return [head, *listed(list(dict.fromkeys(used)))]


def listed(items: list[str], limit: int = NOTE_LIST) -> list[str]:
    """Note lines listing ``items``, indented, the first ``limit`` of them, then "and N
    more; --format json lists them all"."""
    more = len(items) - limit
    lines = [f"  {item}" for item in items[:limit]]
    return lines + ([f"  and {more:,} more; --format json lists them all"] if more > 0 else [])
