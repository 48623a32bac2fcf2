"""The report of a ranking (``--sort``/``--top``): the ranked rows over one span, then
the series without that span, unranked and marked; ``--explain`` gives each ranked
number's arithmetic and figures; keyed records, one per series."""

from __future__ import annotations

from typing import Any

from tradecli.analysis.growth import Change
from tradecli.analysis.rankings import Measure, Ranked, Ranking
from tradecli.formatting import capped, money, share_percent
from tradecli.records import KEY_FIELDS, record
from tradecli.render import Column, Kind, Report

RANKING_FIELDS = ["rank", "sort", "base_period", "base_value", "change", "whole", "share", "note"]
UNRANKED = "not ranked"
NOT_RANKED = "n/r"


def report(ranking: Ranking) -> Report:
    m = ranking.measure
    columns = [
        Column("rank", "#", justify="right"),
        Column("series", "series"),
        Column("span", "span", priority=2),
        Column("value", "value", Kind.money, "right", priority=3 if m is Measure.value else 2),
    ]
    if m is Measure.change:
        columns.append(Column("base", "a year before", Kind.money, "right", priority=2))
        columns.append(Column("change", "y/y", Kind.percent, "right", priority=3))
    if m is Measure.share:
        columns.append(Column("whole", "whole", Kind.money, "right", priority=2))
        columns.append(Column("share", "share", Kind.share, "right", priority=3))
    columns.append(Column("note", "note", priority=1))
    rows = [_row(n, r, m) for n, r in enumerate(ranking.shown, start=1)]
    listed = ranking.top is None
    if listed:
        rows += [
            {
                "rank": NOT_RANKED,
                "series": _name(u.key),
                "span": u.latest.label() if u.latest else None,
                "note": f"{UNRANKED}: {u.reason}",
            }
            for u in ranking.unranked
        ]
    fields = [*KEY_FIELDS, *RANKING_FIELDS]

    def explain() -> list[str]:
        return [line for r in ranking.shown for line in _explain(r, m)]

    def records() -> list[dict[str, Any]]:
        out = [_record(n, r, m) for n, r in enumerate(ranking.shown, start=1)]
        for u in ranking.unranked:
            row = record(u.key, None)
            row.update({name: None for name in RANKING_FIELDS})
            row.update(sort=m.value, note=f"{UNRANKED}: {u.reason}")
            out.append(row)
        return out

    return Report(
        _title(ranking), columns, rows, ranking.to_dict, _notes(ranking), explain, fields, records
    )


def _title(ranking: Ranking) -> str:
    m = ranking.measure
    top = f"top {ranking.top} " if ranking.top is not None else ""
    flow = ranking.ranked[0].key.flow
    span = ranking.span.label()
    if m is Measure.change:
        what = f"{top}by change, {span} vs {ranking.span.shifted_years(-1).label()}"
    elif m is Measure.share:
        group = ranking.group.name if ranking.group else "world"
        what = f"{top}by share of {group}, {span}"
    else:
        what = f"{top}by value, {span}"
    total = ranking.shared + len(ranking.unranked)
    return f"Ranking ({flow}) {what}: the span {ranking.shared} of {total} series share"


def _notes(ranking: Ranking) -> list[str]:
    notes = [
        f"every ranked row is over {ranking.span.label()}, the latest span of the most "
        "series; the others are not ranked"
    ]
    if ranking.top is None and ranking.unranked:
        notes.append(f"{NOT_RANKED}: {UNRANKED}, {_why_short(ranking)}; span: the series' latest")
    hidden = len(ranking.ranked) - len(ranking.shown)
    if hidden:
        notes.append(f"{hidden} more ranked series not shown (--top {ranking.top})")
    if ranking.top is not None and ranking.unranked:
        names = [_name(u.key) for u in ranking.unranked]
        notes.append(f"{len(names)} series {UNRANKED} ({_why_short(ranking)}): {capped(names)}")
    if ranking.groups_left_out:
        groups = ", ".join(sorted({k.partner for k in ranking.groups_left_out}))
        notes.append(f"group totals not ranked among countries: {groups}")
    approximate = [_name(r.key) for r in ranking.shown if _qualifiers(r)]
    if approximate:
        notes.append(f"approximate figures (about/over/almost) behind: {', '.join(approximate)}")
    return notes


def _why_short(ranking: Ranking) -> str:
    what = {"change": "change", "share": "share", "value": "figure"}[ranking.measure.value]
    return f"no {ranking.span.label()} {what}"


def _qualifiers(r: Ranked) -> frozenset[str]:
    out = r.value.qualifiers
    if r.base is not None:
        out |= r.base.qualifiers
    return out


def _name(key: Any) -> str:
    currency = "" if key.currency == "USD" else f" ({key.currency})"
    return f"{key.reporter}–{key.partner}{currency}"


def _row(n: int, r: Ranked, m: Measure) -> dict[str, Any]:
    return {
        "rank": n,
        "series": _name(r.key),
        "currency": r.key.currency,
        "span": r.value.period.label(),
        "value": r.value.value,
        "base": r.base.value if r.base else None,
        "change": r.measure(Measure.change) if r.base else None,
        "whole": r.whole.value if r.whole else None,
        "share": r.measure(Measure.share) if r.whole else None,
        "note": "approximate" if _qualifiers(r) else None,
    }


def _explain(r: Ranked, m: Measure) -> list[str]:
    cur = r.key.currency
    lines = []
    if m is Measure.change and r.base is not None:
        lines.append(f"{r.key.label()}, {Change(r.value, r.base).formula()}")
    elif m is Measure.share and r.whole is not None:
        share = r.measure(Measure.share)
        lines.append(
            f"{r.key.label()}, share {r.value.period.label()}: {money(r.value.value, cur)} / "
            f"{money(r.whole.value, cur)} = {share_percent(share)}"
        )
    answers = [r.value, *([r.base] if r.base else []), *([r.whole] if r.whole else [])]
    return lines + [line for a in answers if a.found for line in a.explain()]


def _record(n: int, r: Ranked, m: Measure) -> dict[str, Any]:
    return record(
        r.key,
        r.value,
        rank=n,
        sort=m.value,
        base_period=r.base.period.iso() if r.base else None,
        base_value=r.base.value if r.base else None,
        change=r.measure(Measure.change) if r.base else None,
        whole=r.whole.value if r.whole else None,
        share=r.measure(Measure.share) if r.whole else None,
        note=None,
    )
