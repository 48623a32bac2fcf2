"""The report of ``value --flow A,B,…``: one row per reporter–partner pair, a column per
flow, then the balance and the coverage; ``--explain`` gives each value's derivation
and the balance's arithmetic; keyed records, one per pair and flow (``balance`` and
``coverage`` are flows of their own there)."""

from __future__ import annotations

from typing import Any

from tradecli.analysis.flows import FlowsResult, PairFlows
from tradecli.formatting import capped, money
from tradecli.records import (
    KEY_FIELDS,
    cells,
    flags_of,
    keyed,
    ratio_range,
    record,
    value_range,
)
from tradecli.render import Column, Kind, Report

FLOW_FIELDS = ["rule", "note"]


def report(result: FlowsResult, every: bool = False) -> Report:
    """``every``: also the pairs without any flow over the span (else named in a note)."""
    columns = [Column("series", "series"), Column("span", "span", priority=2)]
    columns += [Column(f, f, Kind.money, "right", priority=3) for f in result.flows]
    if result.balanced:
        columns.append(Column("balance", "balance", Kind.money, "right", priority=3))
        columns.append(Column("coverage", "coverage", Kind.number, "right", priority=2))
    columns.append(Column("note", "note", priority=1, wrap=True))
    shown = [p for p in result.pairs if every or any(a.found for a in p.answers.values())]
    rows = [_row(p, result) for p in shown]
    notes = []
    if result.balanced:
        notes.append(
            "balance: export − import; coverage: export ÷ import; both only where export "
            f"and import are found over {result.period.label()}"
        )
    empty = [_name(p) for p in result.pairs if p not in shown]
    if empty:
        notes.append(
            f"{len(empty)} series with no flow for {result.period.label()} (not shown; --all "
            f"shows them): {capped(empty)}"
        )
    for p in shown:
        if p.reason:
            notes.append(f"{_name(p)}: {p.reason}")
    approximate = [_name(p) for p in shown if any(a.qualifiers for a in p.answers.values())]
    if approximate:
        notes.append(f"approximate figures (about/over/almost): {', '.join(approximate)}")
    title = f"{', '.join(result.flows)} over {result.period.label()}"
    fields = [*KEY_FIELDS, *FLOW_FIELDS]

    def explain() -> list[str]:
        lines = []
        for p in shown:
            for answer in p.answers.values():
                lines.extend(answer.explain())
            if p.balance is not None:
                cur = p.pair.currency
                x, m = p.answers["export"].value, p.answers["import"].value
                lines.append(
                    f"{_name(p)} balance {result.period.label()}: export ({money(x, cur)}) − "
                    f"import ({money(m, cur)}) = {money(p.balance, cur)}"
                )
                if p.coverage is not None:
                    lines.append(
                        f"{_name(p)} coverage {result.period.label()}: export ({money(x, cur)}) "
                        f"÷ import ({money(m, cur)}) = {p.coverage:.4g}"
                    )
        return lines

    def records() -> list[dict[str, Any]]:
        return [r for p in shown for r in _records(p, result)]

    return Report(title, columns, rows, result.to_dict, notes, explain, fields, records)


def _name(p: PairFlows) -> str:
    currency = "" if p.pair.currency == "USD" else f" ({p.pair.currency})"
    return f"{p.pair.reporter}–{p.pair.partner}{currency}"


def _row(p: PairFlows, result: FlowsResult) -> dict[str, Any]:
    row: dict[str, Any] = {
        "series": _name(p),
        "currency": p.pair.currency,
        "span": result.period.label(),
        **{f: a.value for f, a in p.answers.items()},
        "note": p.reason or None,
    }
    for flow, answer in p.answers.items():  # the range beside a figure from approximate ones
        row.update(cells(flow, answer))
    if result.balanced:
        row["balance"] = p.balance
        row["coverage"] = p.coverage
    return row


def _records(p: PairFlows, result: FlowsResult) -> list[dict[str, Any]]:
    out = [
        record(a.key, a, rule=a.rule, note=None if a.found else f"no {f} figure")
        for f, a in p.answers.items()
    ]
    if not result.balanced:
        return out
    return out + balance_records(p, result.period.iso(), note=p.reason or None)


def balance_records(
    p: PairFlows, period: str | None, rules: bool = True, **own: Any
) -> list[dict[str, Any]]:
    """The keyed ``balance`` and ``coverage`` records of a pair over ``period`` (a code),
    with their ranges from the ranges of the export and the import, then ``rule`` (the
    arithmetic; ``rules`` false: none) and the fields ``own``."""
    export, imports = p.answers["export"], p.answers["import"]
    x_low, x_high = value_range(export)
    m_low, m_high = value_range(imports)
    balance: tuple[float | None, float | None] = (None, None)
    if None not in (x_low, x_high, m_low, m_high):
        assert x_low is not None and x_high is not None
        assert m_low is not None and m_high is not None
        balance = (x_low - m_high, x_high - m_low)
    coverage = ratio_range((x_low, x_high), (m_low, m_high))
    flags = sorted(set(flags_of(export)) | set(flags_of(imports))) if p.has_both else []
    approximate = bool(export.qualifiers or imports.qualifiers)
    out = []
    for flow, value, unit, (low, high) in (
        ("balance", p.balance, "unit", balance),
        ("coverage", p.coverage, "ratio", coverage),
    ):
        rule = {"rule": "export − import" if flow == "balance" else "export ÷ import"}
        fields = {**(rule if rules else {}), **own}
        out.append(
            keyed(
                p.pair.with_flow(flow),
                period,
                value,
                flags,
                low=low if value is not None else None,
                high=high if value is not None else None,
                approximate=approximate and value is not None,
                unit=unit,
                **fields,
            )
        )
    return out
