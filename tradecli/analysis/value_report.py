"""The report of ``tradecli value``: one row per series, the spans there are where a
value is not, keyed records. Out of ``value``, which computes."""

from __future__ import annotations

from functools import partial
from typing import Any

from tradecli.analysis.value import NOTE_LIST, ValueResult
from tradecli.records import KEY_FIELDS, cells, flag_note, record
from tradecli.render import Column, Kind, Report


def value_report(result: ValueResult, every: bool = True) -> Report:
    """The table; ``every=False`` folds the rows that are not available into one note
    (``--all`` shows them), when some other row has a value."""
    if not every and any(a.found for a in result.answers):
        shown = [a for a in result.answers if a.found]
        missing = [a for a in result.answers if not a.found]
        folded = value_report(ValueResult(result.period, shown))
        if missing:
            names = ", ".join(a.key.label() for a in missing[:NOTE_LIST])
            more = len(missing) - NOTE_LIST
            names += f" and {more:,} more; --format json lists them all" if more > 0 else ""
            folded.notes.insert(
                0,
                f"not available for {result.period.label()} ({len(missing)} series, not "
                f"shown; --all shows them): {names}",
            )
        folded.data = result.payload  # the JSON payload and the derivation: when asked for
        folded.records = partial(value_records, result)
        return folded
    columns = [
        Column("series", "series"),
        Column("period", "span"),
        Column("value", "value", Kind.money),
        Column("qualifier", "as published"),
        Column("rule", "how", priority=0),
    ]
    rows = []
    notes: list[str] = []
    for a in result.answers:
        rows.append(
            {
                "series": a.key.label(),
                "period": a.period.label(),
                "value": a.value,
                "currency": a.key.currency,
                "qualifier": ", ".join(sorted(a.qualifiers)),
                "rule": a.rule if a.complete else f"{a.rule} (incomplete)",
                **cells("value", a),
            }
        )
        if not a.found and a.available:
            notes.append(
                f"{a.key.label()}: no figure for {a.period.label()}; spans in the "
                f"data: {', '.join(p.label() for p in a.available)}"
            )
        notes.extend(f"{a.key.label()}: {n}" for n in a.notes)
    notes.extend(flag_note(list(result.answers)))
    return Report(
        f"Value over {result.period.label()}",
        columns,
        rows,
        result.payload,
        notes,
        partial(_explain, result),
        [*KEY_FIELDS, "rule", "complete", "qualifiers"],
        result.records,
    )


def value_records(result: ValueResult) -> list[dict[str, Any]]:
    """One keyed record per series (``tradecli.records``), those with no value too."""
    return [
        record(
            a.key,
            a,
            rule=a.rule,
            complete=a.complete,
            qualifiers=";".join(sorted(a.qualifiers)),
        )
        for a in result.answers
    ]


def _explain(result: ValueResult) -> list[str]:
    """Every answer's derivation (``--explain``)."""
    return [line for a in result.answers for line in a.explain()]
