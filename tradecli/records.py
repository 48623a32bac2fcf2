"""Machine records: one row of CSV, XLSX or JSON output, keyed by the series it is about.

Every keyed command writes the same leading fields, whatever the number of rows:
``reporter, partner, flow, currency, unit, period, value, low, high, approximate,
flags``, then its own. ``period`` is a code ``--period`` accepts (``2024-01/2024-04``);
``value`` is in base units (``unit`` is ``unit``, as in the tidy input, or ``ratio``
for shares and changes); ``low`` and ``high`` bound the value: equal to it when every
figure used is exact, empty when an approximate figure (about/over/almost) was used
and the range is not known; ``flags`` are the quality flags of the published figures
used, ``;``-separated as in the tidy input.
"""

from __future__ import annotations

from typing import Any

from tradecli.series import Answer, SeriesKey

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


def record(key: SeriesKey, answer: Answer | None, **own: Any) -> dict[str, Any]:
    """The keyed record of ``answer`` (a value of series ``key``; None: no figure),
    followed by the command's own fields ``own``."""
    value = answer.value if answer is not None else None
    approximate = bool(answer.qualifiers) if answer is not None else False
    flags = answer.flags() if answer is not None and value is not None else []
    exact_bound = None if approximate else value
    return {
        "reporter": key.reporter,
        "partner": key.partner,
        "flow": key.flow,
        "currency": key.currency,
        "unit": "unit",
        "period": answer.period.iso() if answer is not None else None,
        "value": value,
        "low": exact_bound,
        "high": exact_bound,
        "approximate": approximate,
        "flags": ";".join(flags),
        **own,
    }
