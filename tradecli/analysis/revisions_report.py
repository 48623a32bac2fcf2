"""The report of ``tradecli revisions``: one table (the revised figures, then the
derived answers that moved with them), notes, ``--explain`` (the sources of the old
and the new figure, and how each moved answer was worked out both ways) and keyed
machine records."""

from __future__ import annotations

from typing import Any

from tradecli.analysis.growth import Change
from tradecli.analysis.projection import Projection
from tradecli.analysis.revisions import Moved, Revision, Revisions
from tradecli.analysis.share import Share
from tradecli.engine.answers import Answer, SeriesKey
from tradecli.formatting import money, percent, share_percent
from tradecli.records import KEY_FIELDS, ratio_range, record, value_range
from tradecli.render import Column, LazyRows, Report

REVISION_FIELDS = [
    "measure",
    "group",
    "base_period",
    "old",
    "change",
    "relative_change",
    "because",
    "old_sources",
    "new_sources",
]


def report(result: Revisions) -> Report:
    columns = [
        Column("series", "series"),
        Column("span", "span", priority=3),
        Column("what", "what", priority=2),
        Column("old", "old", justify="right", priority=3),
        Column("new", "new", justify="right", priority=3),
        Column("change", "change", justify="right", priority=2),
    ]

    def rows() -> list[dict[str, Any]]:  # the table's and markdown's (``LazyRows``)
        return [_revision_row(r) for r in result.revisions] + [_moved_row(m) for m in result.moved]

    title = (
        f"Revisions from {_from(result)} to {result.after_label}: "
        f"{_count(len(result.revisions), 'figure')} revised, "
        f"{_count(len(result.moved), 'derived answer')} moved"
    )
    fields = [*KEY_FIELDS, *REVISION_FIELDS]

    def explain() -> list[str]:
        return [line for r in result.revisions for line in _explain_revision(r, result)] + [
            line for m in result.moved for line in _explain_moved(m)
        ]

    def records() -> list[dict[str, Any]]:
        out = [_revision_record(r) for r in result.revisions]
        return out + [_moved_record(m) for m in result.moved]

    notes = _notes(result)
    return Report(title, columns, LazyRows(rows), result.to_dict, notes, explain, fields, records)


def _notes(result: Revisions) -> list[str]:
    notes = [
        f"old: {_old(result)}; new: {result.after_label}",
        "derived answers: worked out on the new data, with the revised figures as they were "
        "(old) and as revised (new)",
    ]
    if not result.revisions:
        notes.insert(0, "no published figure changed its value between the two vintages")
    if result.first_published:
        notes.append(
            f"{result.first_published} spans have figures only in the new data "
            "(first published in between; not revisions)"
        )
    for side, counts in result.left_out.items():
        when = result.before_label if side == "from" else result.after_label
        for why, count in counts.items():
            notes.append(f"{count} observations not in the data {when}: {why}")
    return notes


def _series(key: SeriesKey) -> str:
    return key.label()


def _revision_row(r: Revision) -> dict[str, Any]:
    cur = r.key.currency
    relative = f" ({percent(r.relative)})" if r.relative is not None else ""
    sign = "+" if r.change >= 0 else ""
    return {
        "series": _series(r.key),
        "span": r.period.label(),
        "what": "figure",
        "old": money(r.old.value, cur),
        "new": money(r.new.value, cur),
        "change": f"{sign}{money(r.change, cur)}{relative}",
    }


def _moved_row(m: Moved) -> dict[str, Any]:
    cur = m.key.currency
    if m.measure == "growth":
        old, new = percent(m.old_value), percent(m.new_value)
        points = ((m.new_value or 0.0) - (m.old_value or 0.0)) * 100
        change = f"{points:+.1f} pp"
        what = f"y/y vs {m.new.base.period.label()}" if isinstance(m.new, Change) else "y/y"
    elif m.measure == "share":
        old, new = share_percent(m.old_value), share_percent(m.new_value)
        points = ((m.new_value or 0.0) - (m.old_value or 0.0)) * 100
        change = f"{points:+.3g} pp"
        what = f"{m.group} share"
    elif isinstance(m.new, Projection):
        old, new = money(m.old_value, cur), money(m.new_value, cur)
        diff = (m.new_value or 0.0) - (m.old_value or 0.0)
        change = f"{'+' if diff >= 0 else ''}{money(diff, cur)}"
        what = f"run-rate {m.new.year}"
    else:
        old, new = money(m.old_value, cur), money(m.new_value, cur)
        diff = (m.new_value or 0.0) - (m.old_value or 0.0)
        change = f"{'+' if diff >= 0 else ''}{money(diff, cur)}"
        what = "value (derived)"
    return {
        "series": _series(m.key),
        "span": m.period.label(),
        "what": what,
        "old": old,
        "new": new,
        "change": change,
    }


def _explain_revision(r: Revision, result: Revisions) -> list[str]:
    head = (
        f"{r.key.label()} {r.period.label()}: {money(r.old.value, r.key.currency)} "
        f"{result.before_label} → {money(r.new.value, r.key.currency)} in {result.after_label}"
    )
    old = [f"  old: {line.strip()}" for line in r.old.explain(1)[1:]]
    new = [f"  new: {line.strip()}" for line in r.new.explain(1)[1:]]
    return [head, *old, *new]


def _explain_moved(m: Moved) -> list[str]:
    because = ", ".join(f"{r.key.label()} {r.period.label()}" for r in m.because)
    head = f"{m.key.label()} {m.label} moved with the revision of {because}:"
    return [head, f"  old: {_formula(m.old)}", f"  new: {_formula(m.new)}"]


def _formula(derived: Change | Answer | Share | Projection) -> str:
    if isinstance(derived, Share):
        cur = derived.key.currency
        return (
            f"{money(derived.part.value, cur)} / {money(derived.total.value, cur)} "
            f"({derived.basis}) = {share_percent(derived.value)}"
        )
    return derived.formula()


def _where(r: Revision, new: bool) -> str:
    answer = r.new if new else r.old
    if answer.reconciled is None:
        return ""
    return ";".join(answer.reconciled.source_wheres())


def _revision_record(r: Revision) -> dict[str, Any]:
    return record(
        r.key,
        r.new,
        measure="figure",
        group=None,
        base_period=None,
        old=r.old.value,
        change=r.change,
        relative_change=r.relative,
        because=None,
        old_sources=_where(r, new=False),
        new_sources=_where(r, new=True),
    )


def _moved_record(m: Moved) -> dict[str, Any]:
    ratio = m.measure in ("growth", "share")
    new_answers = _inputs(m.new)
    approximate = any(a.qualifiers for a in new_answers)
    value = m.new_value
    out = record(m.key, new_answers[0])
    low, high = value_range(new_answers[0])
    if isinstance(m.new, Change):
        low, high = ratio_range((low, high), value_range(m.new.base))
        low, high = (None if b is None else b - 1 for b in (low, high))
    elif isinstance(m.new, Share):
        low, high = ratio_range((low, high), value_range(m.new.total))
    elif isinstance(m.new, Projection):
        months = m.new.months
        low, high = (None if b is None else b * 12 / months for b in (low, high))
        out["period"] = f"{m.new.year}"  # the year projected (its basis: ``because``)
    out.update(
        unit="ratio" if ratio else "unit",
        value=value,
        low=low,
        high=high,
        approximate=approximate,
        measure=m.measure,
        group=m.group,
        base_period=m.new.base.period.iso() if isinstance(m.new, Change) else None,
        old=m.old_value,
        change=(value or 0.0) - (m.old_value or 0.0),
        relative_change=None,
        because=";".join(f"{r.key.label()} {r.period.iso()}" for r in m.because),
        old_sources="",
        new_sources="",
    )
    return out


def _inputs(derived: Change | Answer | Share | Projection) -> list[Answer]:
    """The answers a derived answer stands on, its own figure first."""
    if isinstance(derived, Change):
        return [derived.current, derived.base]
    if isinstance(derived, Share):
        return [derived.part, derived.total]
    if isinstance(derived, Projection):
        return [derived.basis]
    return [derived]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _from(result: Revisions) -> str:
    return result.before or "first publication"


def _old(result: Revisions) -> str:
    if result.before:
        return f"the data as known on {result.before}"
    return "each figure as first published (the rows of its earliest publication date)"
