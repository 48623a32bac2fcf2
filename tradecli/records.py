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

from typing import Any

from tradecli.engine.answers import Answer, SeriesKey
from tradecli.formatting import NOTE_LIST, money
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


def interval(answer: Answer) -> tuple[float, float]:
    """The true values an answer allows, given how its published figures were written.

    A figure stands for ± half its last digit; ``over``/``almost`` for the step
    above/below it. Sums add the ranges; a difference subtracts the opposite ends.
    """
    if answer.reconciled is not None:
        value, step = answer.reconciled.value, answer.reconciled.chosen.step
        qualifier = answer.reconciled.qualifier
        if qualifier == "over":
            return value, value + step
        if qualifier == "almost":
            return value - step, value
        return value - step / 2, value + step / 2
    low = high = 0.0
    for sign, part in zip(answer.signs, answer.parts, strict=True):
        part_low, part_high = interval(part)
        if sign > 0:
            low, high = low + part_low, high + part_high
        else:
            low, high = low - part_high, high - part_low
    return max(low, 0.0), high


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


def range_note(figures: list[tuple[SeriesKey, Answer | None]]) -> list[str]:
    """A note giving the range of each figure worked out from approximate ones (for tables
    too narrow to show it beside the figure); the first ``NOTE_LIST``, then how many more."""
    shown = []
    for key, answer in figures:
        if answer is None or not answer.qualifiers:
            continue
        low, high = value_range(answer)
        if low is None or high is None:
            continue
        shown.append(
            f"{key.reporter}–{key.partner} {answer.period.label()} "
            f"{money(answer.value, key.currency)}: {money(low, key.currency)} to "
            f"{money(high, key.currency)}"
        )
    if not shown:
        return []
    return ["approximate figures (about, over, almost) allow these ranges:", *listed(shown)]


def listed(items: list[str], limit: int = NOTE_LIST) -> list[str]:
    """Note lines listing ``items``, indented, the first ``limit`` of them, then "and N
    more; --format json lists them all"."""
    more = len(items) - limit
    lines = [f"  {item}" for item in items[:limit]]
    return lines + ([f"  and {more:,} more; --format json lists them all"] if more > 0 else [])
