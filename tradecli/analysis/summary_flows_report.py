"""The report of ``summary --flow A,B,…``: a row per pair and span (the latest full year,
then the latest year-to-date span), a column per flow, then the balance and the
coverage; ``--explain`` gives each value's derivation, each flow's change on a year
before and the balance's arithmetic; keyed records in the summary's schema, one per
pair and flow (``balance`` and ``coverage`` are flows of their own there)."""

from __future__ import annotations

from typing import Any

from tradecli.analysis.flows import PairFlows
from tradecli.analysis.flows_report import balance_records
from tradecli.analysis.summary_flows import FlowsSpan, PairSummary, SummaryFlows
from tradecli.analysis.summary_report import SUMMARY_FIELDS
from tradecli.formatting import capped, money
from tradecli.records import KEY_FIELDS, flagged, record
from tradecli.render import Column, Kind, Report


def report(result: SummaryFlows) -> Report:
    columns = [Column("series", "series"), Column("span", "span", priority=3)]
    columns += [Column(f, f, Kind.money, "right", priority=3) for f in result.flows]
    if result.balanced:
        columns.append(Column("balance", "balance", Kind.money, "right", priority=3))
        columns.append(Column("coverage", "coverage", Kind.number, "right", priority=2))
    rows = [_row(p, s, result) for p in result.pairs for s in p.spans]
    notes = [
        "each row: the latest full year, then the latest later year-to-date span, over "
        "which every flow is found (else the latest any flow has)",
        "y/y of each flow and the run-rate of a year-to-date span: --format csv or json, "
        "or --explain",
    ]
    if result.balanced:
        notes.insert(
            1,
            "balance: export − import; coverage: export ÷ import; both from an export "
            "and an import over the same span",
        )
    for p in result.pairs:
        for s in p.spans:
            reason = _reason(s)
            if reason:
                notes.append(f"{_pair_name(p)}: {reason}")
    if result.unanswered:
        names = [_name(k.reporter, k.partner, k.currency) for k in result.unanswered]
        notes.append(
            f"{len(result.unanswered)} pairs with no full year or year-to-date figure of "
            f"any flow: {capped(names)}"
        )
    approximate = [
        f"{_pair_name(p)} {s.period.label()}"
        for p in result.pairs
        for s in p.spans
        if any(a.qualifiers for a in s.now.answers.values())
    ]
    if approximate:
        notes.append(f"approximate figures (about/over/almost): {capped(approximate)}")
    title = f"Trade summary ({', '.join(result.flows)} side by side)"

    def explain() -> list[str]:
        return [line for p in result.pairs for s in p.spans for line in _explain(p, s)]

    def records() -> list[dict[str, Any]]:
        return [r for p in result.pairs for r in _records(p, result)]

    fields = [*KEY_FIELDS, *SUMMARY_FIELDS]
    return Report(title, columns, rows, result.to_dict, notes, explain, fields, records)


def _name(reporter: str, partner: str, currency: str) -> str:
    return f"{reporter}–{partner}" + ("" if currency == "USD" else f" ({currency})")


def _pair_name(p: PairSummary) -> str:
    return _name(p.pair.reporter, p.pair.partner, p.pair.currency)


def _reason(s: FlowsSpan) -> str | None:
    if s.now.reason:
        return s.now.reason
    if s.missing:
        return f"no {' or '.join(s.missing)} figure for {s.period.label()}"
    return None


def _row(p: PairSummary, s: FlowsSpan, result: SummaryFlows) -> dict[str, Any]:
    row: dict[str, Any] = {
        "series": _pair_name(p),
        "currency": p.pair.currency,
        "span": s.period.label(),
    }
    for f, a in s.now.answers.items():
        row[f] = a.value
        row[f"{f}_flagged"] = bool(flagged(a))  # ranges: in the records (too wide here)
    if result.balanced:
        row["balance"] = s.now.balance
        row["coverage"] = s.now.coverage
    return row


def _explain(p: PairSummary, s: FlowsSpan) -> list[str]:
    lines: list[str] = []
    name, cur, label = _pair_name(p), p.pair.currency, s.period.label()
    for f, answer in s.now.answers.items():
        lines.extend(answer.explain())
        before = s.before.answers[f]
        if answer.found and before.found:
            lines.extend(before.explain())
        lines.append(f"{name} {f}, {s.change(f).formula()}")
        run_rate = s.run_rate(f)
        if run_rate is not None:
            lines.append(
                f"{name} {f}, run-rate {s.period.start_year}: {money(answer.value, cur)} × 12 "
                f"/ {s.period.n_months} = {money(run_rate, cur)}"
            )
    lines.extend(_balance_lines(name, s.now, label))
    if s.now.balance is not None:
        base = s.period.shifted_years(-1).label()
        lines.extend(_balance_lines(name, s.before, base))
        if s.balance_change is not None:
            sign = "+" if s.balance_change >= 0 else ""
            lines.append(
                f"{name} balance {label} vs {base}: {money(s.now.balance, cur)} − "
                f"{money(s.before.balance, cur)} = {sign}{money(s.balance_change, cur)}"
            )
    return lines


def _balance_lines(name: str, flows: PairFlows, label: str) -> list[str]:
    if flows.balance is None:
        return []
    cur = flows.pair.currency
    x, m = flows.answers["export"].value, flows.answers["import"].value
    lines = [
        f"{name} balance {label}: export ({money(x, cur)}) − import ({money(m, cur)}) = "
        f"{money(flows.balance, cur)}"
    ]
    if flows.coverage is not None:
        lines.append(
            f"{name} coverage {label}: export ({money(x, cur)}) ÷ import ({money(m, cur)}) = "
            f"{flows.coverage:.4g}"
        )
    return lines


def _records(p: PairSummary, result: SummaryFlows) -> list[dict[str, Any]]:
    """One record per flow in the summary's schema: the latest full year (``period``,
    ``value``, ``change``) and the year-to-date span (``ytd_*``, ``run_rate``); then, with
    export and import, the balance and the coverage over the same spans."""
    year, ytd = p.year, p.ytd
    out = []
    for f in result.flows:
        answer = year.now.answers[f] if year is not None else None
        out.append(
            record(
                p.pair.with_flow(f),
                answer if answer is not None and answer.found else None,
                change=year.change(f).value if year is not None else None,
                ytd_period=ytd.period.iso() if ytd is not None else None,
                ytd_value=ytd.now.answers[f].value if ytd is not None else None,
                ytd_change=ytd.change(f).value if ytd is not None else None,
                run_rate=ytd.run_rate(f) if ytd is not None else None,
                shares=None,
            )
        )
    if not result.balanced:
        return out
    shown = year if year is not None else ytd
    assert shown is not None  # a pair is summarized with a year or a year-to-date span
    derived = balance_records(shown.now, shown.period.iso(), rules=False)
    run_rates = {
        "balance": (_difference(ytd.run_rate("export"), ytd.run_rate("import")) if ytd else None),
        "coverage": None,
    }
    ytd_values = {
        "balance": ytd.now.balance if ytd else None,
        "coverage": ytd.now.coverage if ytd else None,
    }
    for rec in derived:
        flow = rec["flow"]
        rec.update(
            change=None,
            ytd_period=ytd.period.iso() if ytd is not None else None,
            ytd_value=ytd_values[flow],
            ytd_change=None,
            run_rate=run_rates[flow],
            shares=None,
        )
        if year is None:  # no full year: the year-to-date span is in the ``ytd_*`` fields
            rec.update(period=None, value=None, low=None, high=None, approximate=False, flags="")
    return out + derived


def _difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b
