"""The reports of ``tradecli share``: one row per series, or every member of a group
ranked; the notes on denominators. Out of ``share``, which computes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tradecli.analysis.share import RankingResult, Share, ShareResult, Unanswered, partial_total
from tradecli.engine.answers import AGGREGATE, Answer
from tradecli.formatting import capped, money
from tradecli.records import KEY_FIELDS, cells, flag_note, flagged, ratio_range, record, value_range
from tradecli.render import Column, Kind, Report

SHARE_FIELDS = [
    "group",
    "share",
    "share_low",
    "share_high",
    "total",
    "total_low",
    "total_high",
    "total_rule",
    "basis",
]
RANKING_FIELDS = [
    "group",
    "rank",
    "share",
    "share_low",
    "share_high",
    "cumulative",
    "total",
    "total_rule",
    "selected",
]


def share_report(result: ShareResult) -> Report:
    """The table, notes and derivation of a ``ShareResult``."""
    columns = [
        Column("series", "series"),
        Column("period", "span"),
        Column("value", "value", Kind.money),
        Column("total", f"{result.group.name} total", Kind.money),
        Column("basis", "denominator", wrap=True, priority=0),
        Column("share", "share", Kind.share, priority=3),
    ]
    rows = [
        {
            "series": f"{s.key.reporter}–{s.key.partner}",
            "currency": s.key.currency,
            "period": s.period.label(),
            "value": s.part.value,
            "total": s.total.value,
            "basis": s.basis,
            "share": s.value,
            **cells("value", s.part),
            **cells("total", s.total),
            **_share_range(s.part, s.total),
            "share_flagged": bool(flagged(s.part) or flagged(s.total)),
        }
        for s in result.shares
    ]
    notes = share_notes(result.shares)
    notes.extend(unanswered_note(result.unanswered))
    notes.extend(flag_note([a for s in result.shares for a in (s.part, s.total)]))
    shares = result.shares

    def explain() -> list[str]:  # built only for --explain
        return [line for s in shares for line in s.explain()]

    what = result.period.label() if result.period else "latest span with both"
    title = (
        f"Share of the reporter's trade with {result.group.name} ({_flow(result.shares)}, {what})"
    )
    records = [
        record(
            s.key,
            s.part,
            group=result.group.name,
            share=s.value,
            **_share_range(s.part, s.total),
            total=s.total.value,
            total_low=value_range(s.total)[0],
            total_high=value_range(s.total)[1],
            total_rule=s.total.rule,
            basis=s.basis,
        )
        for s in result.shares
    ]
    fields = [*KEY_FIELDS, *SHARE_FIELDS]
    return Report(title, columns, rows, result.to_dict, notes, explain, fields, records)


def _share_range(part: Answer, total: Answer) -> dict[str, float | None]:
    """The range of part / total over the ranges of both (the share itself when both
    are exact)."""
    low, high = ratio_range(value_range(part), value_range(total))
    return {"share_low": low, "share_high": high}


def _flow(shares: list[Share]) -> str:
    return shares[0].key.flow if shares else "turnover"


def share_notes(shares: Iterable[Share]) -> list[str]:
    """Say once per denominator what it is: its definition, coverage, partiality, qualifiers."""
    spans: dict[str, list[str]] = {}
    for s in shares:
        for note in s.total.notes:
            if note.startswith("incomplete"):
                continue
            where = f"{s.total.key.reporter}–{s.total.key.partner}"
            spans.setdefault(f"{where}: {note}", []).append(s.period.label())
        if s.partial:
            text = (
                f"{s.key.reporter}–world: no published world total; the sum over the partners "
                "in the data is partial, so the share is an upper bound"
            )
            spans.setdefault(text, []).append(s.period.label())
    notes = [f"{text} ({', '.join(dict.fromkeys(periods))})" for text, periods in spans.items()]
    for s in shares:
        if s.value is not None and s.value > 1:
            notes.append(
                f"{s.key.reporter}–{s.key.partner} {s.period.label()}: the share is above 100%: "
                "the partner's figure and the group total are inconsistent (see --explain)"
            )
        qualifiers = s.part.qualifiers | s.total.qualifiers
        if qualifiers:
            notes.append(
                f"{s.key.reporter}–{s.key.partner}: approximate figures "
                f"({', '.join(sorted(qualifiers))}) behind the share"
            )
    return notes


def unanswered_note(unanswered: Iterable[Unanswered]) -> list[str]:
    """One line per distinct reason, naming the series it applies to."""
    by_reason: dict[str, list[str]] = {}
    for u in unanswered:
        by_reason.setdefault(u.reason, []).append(f"{u.key.reporter}–{u.key.partner}")
    count = sum(len(v) for v in by_reason.values())
    if not count:
        return []
    lines = [f"{count} series not answered:"]
    lines.extend(f"  {capped(names)}: {reason}" for reason, names in by_reason.items())
    return lines


def ranking_report(result: RankingResult) -> Report:
    """The table, notes and derivation of a ``RankingResult``."""
    columns = [
        Column("rank", "#", Kind.number),
        Column("series", "series"),
        Column("period", "span"),
        Column("value", "value", Kind.money),
        Column("share", "share", Kind.share),
        Column("cumulative", "cumulative", Kind.share),
    ]
    rows: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    notes: list[str] = []
    for r in result.rankings:
        running = 0.0
        total = r.total.value or 0.0
        for i, a in enumerate(r.members, 1):
            running += a.value or 0.0
            mark = " ◂" if a.key.partner == r.partner else ""
            rows.append(
                {
                    "rank": i,
                    "series": f"{a.key.reporter}–{a.key.partner}{mark}",
                    "currency": a.key.currency,
                    "period": a.period.label(),
                    "value": a.value,
                    "share": (a.value or 0.0) / total if total else None,
                    "cumulative": running / total if total else None,
                    **cells("value", a),
                    **_share_range(a, r.total),
                }
            )
            records.append(
                record(
                    a.key,
                    a,
                    group=r.group.name,
                    rank=i,
                    share=rows[-1]["share"],
                    share_low=rows[-1]["share_low"],
                    share_high=rows[-1]["share_high"],
                    cumulative=rows[-1]["cumulative"],
                    total=r.total.value,
                    total_rule=r.total.rule,
                    selected=a.key.partner == r.partner,
                )
            )
        label = f"{r.reporter}–{r.group.code or r.group.name} {r.period.label()}"
        notes.append(
            f"{label}: denominator {money(r.total.value, r.total.key.currency)} "
            f"({'published total' if r.total.rule == AGGREGATE else 'sum of members'})"
        )
        notes.extend(f"{label}: {n}" for n in r.total.notes if not n.startswith("incomplete"))
        if r.missing:
            many = "s" if len(r.missing) != 1 else ""
            notes.append(
                f"{label}: no figure for {len(r.missing)} member{many}: {capped(r.missing)}"
            )
        covered = r.covered
        if r.group.every_partner and covered is not None and r.total.rule == AGGREGATE:
            notes.append(
                f"{label}: the partners with figures make up {covered * 100:.1f}% of the "
                "published world total; the rest is trade with partners not in the data"
            )
        elif r.total.rule == AGGREGATE and covered is not None and abs(covered - 1) > 0.005:
            gap = "less" if covered < 1 else "more"
            notes.append(
                f"{label}: the {r.group.name} members listed sum to "
                f"{covered * 100:.1f}% of the published total ({gap}): the source's "
                f"group is not the {r.group.name!r} list"
            )
        if partial_total(r.group, r.total):
            notes.append(
                f"{label}: no published world total; the sum over the partners "
                "in the data is partial"
            )
    for reporter, why in result.unanswered:
        notes.append(f"{reporter}: {why}")
    group = result.rankings[0].group.name if result.rankings else ""
    reporters = ", ".join(r.reporter for r in result.rankings)
    title = f"{group} members ranked by share of {reporters}'s trade with {group}"
    notes.extend(flag_note([a for r in result.rankings for a in (r.total, *r.members)]))
    fields = [*KEY_FIELDS, *RANKING_FIELDS]
    return Report(
        title,
        columns,
        rows,
        result.to_dict,
        notes,
        lambda: _ranking_derivation(result),
        fields,
        records,
    )


def _ranking_derivation(result: RankingResult) -> list[str]:
    """The lines of ``--explain`` for a ranking: made only when shown (a whole file's
    members' derivations are the reference engine's answers, each built on asking)."""
    return [
        line
        for r in result.rankings
        for answer in (r.total, *r.members)
        for line in answer.explain()
    ]
