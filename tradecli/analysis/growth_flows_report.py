"""The report of ``growth --flow export,import``: the one-flow report of ``growth_report``
(a row per pair and flow), with the balance of each pair that has both flows over one
span (a ``balance`` row after the pair's flows: its value and its change in money, since
a balance's sign may flip), the note on pairs whose flows share no span, the balance's
arithmetic in ``--explain`` and a keyed ``balance`` record."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from tradecli.analysis.growth import BalanceChange, Growth, series_name
from tradecli.analysis.growth_report import growth_report
from tradecli.formatting import capped, money
from tradecli.records import flags_of, keyed, value_range
from tradecli.render import LazyRows, Report


def report(growth: Growth) -> Report:
    """``growth_report`` of the flows, with the balances added."""
    out = growth_report(growth)
    if growth.unshared:
        names = [series_name(k) for k in growth.unshared]
        out.notes.append(
            "no span that every flow asked has, so each flow is over its own latest span: "
            + capped(names)
        )
    if not growth.balances:
        return out
    out.notes.append(
        "balance: export − import, both over the span of the row and the same months a year "
        "before; its y/y is the change in money (a relative change is not given)"
    )
    without = [b for b in growth.balances if b.reason]
    if without:
        out.notes.append(
            "balance change not computable: "
            + capped([f"{series_name(b.key)} ({b.reason})" for b in without], sep="; ")
        )
    if len(growth.series) > 1:
        # Made when first read, as the flows' rows are (``LazyRows``).
        out.rows = LazyRows(partial(_with_balance_rows, out.rows, growth.balances))
    flows_explain, flows_records = out.explain, out.records  # the functions, not the methods

    def explain() -> list[str]:
        lines = flows_explain() if callable(flows_explain) else list(flows_explain)
        return lines + [f"{series_name(b.key)}, {b.formula()}" for b in growth.balances]

    def records() -> list[dict[str, Any]]:
        rows = flows_records() if callable(flows_records) else list(flows_records)
        return rows + [_record(b) for b in growth.balances]

    out.explain, out.records = explain, records
    return out


def _with_balance_rows(
    rows: Sequence[dict[str, Any]], balances: tuple[BalanceChange, ...]
) -> list[dict[str, Any]]:
    """The rows with a balance row after the last row of each pair that has one."""
    by_pair = {(f"{b.key.reporter}–{b.key.partner}", b.key.currency): b for b in balances}
    out: list[dict[str, Any]] = []
    for n, row in enumerate(rows):
        out.append(row)
        pair = (row["series"], row.get("currency", "USD"))
        following = rows[n + 1] if n + 1 < len(rows) else None
        last_of_pair = following is None or (
            (following["series"], following.get("currency", "USD")) != pair
        )
        if last_of_pair and pair in by_pair:
            out.append(_row(by_pair[pair]))
    return out


def _row(b: BalanceChange) -> dict[str, Any]:
    cur = b.key.currency
    change = None
    if b.change is not None:
        change = f"{'+' if b.change >= 0 else ''}{money(b.change, cur)}"
    return {
        "series": f"{b.key.reporter}–{b.key.partner}",
        "flow": "balance",
        "currency": cur,
        "span": b.period.label(),
        "value": b.value,
        "change": change,
    }


def _record(b: BalanceChange) -> dict[str, Any]:
    """The keyed record of a balance: its value and range over the span, and
    ``base_value`` the balance a year before (``change``: none, as the sign may flip)."""
    x, m = b.export.current, b.imports.current
    (x_low, x_high), (m_low, m_high) = value_range(x), value_range(m)
    low = high = None
    if None not in (x_low, x_high, m_low, m_high):
        assert x_low is not None and x_high is not None
        assert m_low is not None and m_high is not None
        low, high = x_low - m_high, x_high - m_low
    flags = sorted(set(flags_of(x)) | set(flags_of(m)))
    return keyed(
        b.key,
        b.period.iso(),
        b.value,
        flags,
        low=low,
        high=high,
        approximate=bool(x.qualifiers or m.qualifiers),
        change=None,
        change_low=None,
        change_high=None,
        base_period=b.base_period.iso(),
        base_value=b.base,
        year=None,
        year_value=None,
        year_change=None,
        cagr=None,
        cagr_from=None,
        cagr_to=None,
    )
