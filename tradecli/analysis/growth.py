"""``tradecli growth``: like-for-like change, the change of every year, and CAGR.

Like for like means the same months a year apart (Jan–Jul 2023 against
Jan–Jul 2022): a partial year is never set against a full one. A change whose
base is missing (or zero) is "not computable", never −100%. CAGR runs between
two full years.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from tradecli.dataset import Dataset
from tradecli.engine import bulk as bulk_engine
from tradecli.engine.answers import Answer, SeriesKey
from tradecli.engine.masks import Plan, bulk_for
from tradecli.engine.reference import Engine
from tradecli.errors import NotAvailable
from tradecli.formatting import money, percent, signed_percent
from tradecli.periods import Period, by_end, check_year_range
from tradecli.records import (
    approximate,
    change_how,
    change_range,
    ends,
    figure_range,
    value_range,
)

if TYPE_CHECKING:
    from tradecli.render import Report

# -- helpers shared by the analytics commands ------------------------------------


def change(current: Answer | None, base: Answer | None) -> float | None:
    """Relative change, or None when either side is missing (never −100% for a missing base)."""
    if current is None or base is None or current.value is None or base.value is None:
        return None
    if base.value == 0:
        return None
    return current.value / base.value - 1


def spans_of(engine: Engine, key: SeriesKey) -> list[Period]:
    """Every span the series answers directly (for turnover also export + import), oldest first.

    "Latest" means the span that ends last and, among those, the longest.
    """
    spans = set(engine.periods(key))
    if key.flow == "turnover":
        spans |= set(engine.periods(key.with_flow("export"))) & set(
            engine.periods(key.with_flow("import"))
        )
    return by_end(spans)


def years_in(engine: Engine, key: SeriesKey) -> list[int]:
    """Calendar years that any span of the series ends in."""
    flows = [key.flow] + (["export", "import"] if key.flow == "turnover" else [])
    return sorted(set().union(*(engine.end_years(key.with_flow(f)) for f in flows)))


def annual_values(engine: Engine, key: SeriesKey, plan: Plan | None = None) -> list[Answer]:
    """The full-year answers the series has, oldest first.

    ``plan``: the series' plan from the bulk helper, which says which years are found
    (only those are asked of the engine)."""
    if plan is not None:
        return [engine.value(key, Period.year(y)) for y in plan.full_years()]
    answers = (engine.value(key, Period.year(y)) for y in years_in(engine, key))
    return [a for a in answers if a.found]


def qualified(answer: Answer) -> str:
    """A value as published: 'over $2.3M', '$4.103M'."""
    words = " ".join(sorted(answer.qualifiers))
    return f"{words} {money(answer.value, answer.key.currency)}".strip()


def usd_first(key: SeriesKey, size: float | None) -> tuple[bool, float]:
    """Sort key for 'largest first': values in different currencies are not compared."""
    return (key.currency != "USD", -(size or 0.0))


# -- results ------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """``current`` against ``base`` (like for like, or between two full years)."""

    current: Answer
    base: Answer

    @cached_property
    def value(self) -> float | None:
        """``change`` of the two, worked out once: the report, its notes and the records
        each read it (growth --flow on sparse 1M: 270,000 times for 57,000 changes)."""
        return change(self.current, self.base)

    @property
    def label(self) -> str:
        return f"{self.current.period.label()} vs {self.base.period.label()}"

    @property
    def reason(self) -> str:
        """Why the change is not computable ('' when it is)."""
        if not self.current.found:
            return f"no {self.current.period.label()} figure"
        if not self.base.found:
            return f"not computable: no {self.base.period.label()} figure to compare with"
        if self.base.value == 0:
            return f"not computable: {self.base.period.label()} is zero"
        return ""

    def formula(self) -> str:
        """'Jan–Aug 2023 vs Jan–Aug 2022: $4.103M / $3.828M − 1 = +7.2%'."""
        cur = self.current.key.currency
        if self.value is None:
            return f"{self.label}: {self.reason}"
        return (
            f"{self.label}: {money(self.current.value, cur)} / {money(self.base.value, cur)} − 1"
            f" = {signed_percent(self.value)}"
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "period": self.current.period.iso(),
            "base_period": self.base.period.iso(),
            "value": self.current.value,
            "base": self.base.value,
            "change": self.value,
            "qualifiers": sorted(self.current.qualifiers | self.base.qualifiers),
        }
        if self.reason:
            out["reason"] = self.reason
        how = self.range_how()
        if how is not None:
            low, high = change_range(self.current, self.base, self.value)
            out["range"] = {"low": low, "high": high, "how": how.removeprefix("range: ")}
        return out

    def range_how(self) -> str | None:
        """The ``range:`` line when a figure compared is approximate (None: both exact)."""
        return change_how(self.current, self.base, self.value)


@dataclass(frozen=True)
class Cagr:
    """Compound annual growth between two full years."""

    first: Answer
    last: Answer

    @property
    def years(self) -> int:
        return self.last.period.start_year - self.first.period.start_year

    @property
    def value(self) -> float | None:
        a, b = self.first.value, self.last.value
        if a is None or b is None or a <= 0 or b < 0 or self.years <= 0:
            return None
        return float((b / a) ** (1 / self.years) - 1)

    @property
    def label(self) -> str:
        return f"CAGR {self.first.period.label()}–{self.last.period.label()}"

    @property
    def reason(self) -> str:
        for answer in (self.first, self.last):
            if not answer.found:
                return f"not computable: no {answer.period.label()} figure"
        if self.value is None:
            return "not computable: needs two positive full years"
        return ""

    def formula(self) -> str:
        """'CAGR 2015–2023: ($6.1M / $6.44M)^(1/8) − 1 = −0.7%'."""
        cur = self.last.key.currency
        if self.value is None:
            return f"{self.label}: {self.reason}"
        return (
            f"{self.label}: ({money(self.last.value, cur)} / {money(self.first.value, cur)})"
            f"^(1/{self.years}) − 1 = {signed_percent(self.value)}"
        )

    def range(self) -> tuple[float | None, float | None]:
        """The CAGR's range over the ranges of both years (the value itself when both are
        exact): the lowest last year over the highest first, and the other way round. A
        last year whose range reaches below zero ("about 0": −0.5 to 0.5) is no lower than
        zero, −100%: a negative base of a fractional power has no real root."""
        if self.value is None:
            return None, None
        (f_low, f_high), (l_low, l_high) = value_range(self.first), value_range(self.last)
        if None in (f_low, f_high, l_low, l_high):
            return None, None
        assert f_low is not None and f_high is not None and l_low is not None
        assert l_high is not None
        low = (max(l_low, 0.0) / f_high) ** (1 / self.years) - 1 if f_high > 0 else None
        high = (l_high / f_low) ** (1 / self.years) - 1 if f_low > 0 else None
        return low, high

    def range_how(self) -> str | None:
        """The ``range:`` line when either year is approximate (None: both exact)."""
        if self.value is None or not approximate(self.first, self.last):
            return None
        return (
            f"range: ({figure_range(self.last)} / {figure_range(self.first)})^(1/{self.years})"
            f" − 1 → {ends(*self.range(), percent)}"
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "from": self.first.period.iso(),
            "to": self.last.period.iso(),
            "years": self.years,
            "first": self.first.value,
            "last": self.last.value,
            "cagr": self.value,
        }
        if self.reason:
            out["reason"] = self.reason
        how = self.range_how()
        if how is not None:
            low, high = self.range()
            out["range"] = {"low": low, "high": high, "how": how.removeprefix("range: ")}
        return out


@dataclass(frozen=True)
class SeriesGrowth:
    key: SeriesKey
    span: Change
    years: Sequence[Change]  # the bulk path's are made when looked at
    cagr: Cagr | None
    latest_comparable: Change | None = None  # when the latest span has no base

    def explain(self) -> list[str]:
        """How each change was computed, then the figures behind them."""
        changes = [self.span, *([self.latest_comparable] if self.latest_comparable else [])]
        lines = []
        for c in (*changes, *self.years):
            lines.append(f"{self.key.label()}, {c.formula()}")
            how = c.range_how()
            lines.extend([f"  {how}"] if how else [])
        if self.cagr is not None:
            lines.append(f"{self.key.label()}, {self.cagr.formula()}")
            how = self.cagr.range_how()
            lines.extend([f"  {how}"] if how else [])
        return lines + [line for a in self.answers() for line in a.explain()]

    def answers(self) -> list[Answer]:
        changes = [self.span, *self.years]
        if self.latest_comparable is not None:
            changes.append(self.latest_comparable)
        out = [a for c in changes for a in (c.current, c.base)]
        if self.cagr is not None:
            out.extend((self.cagr.first, self.cagr.last))
        seen: set[tuple[str, str]] = set()
        unique = []
        for a in out:
            if a.found and (a.period.iso(), a.key.label()) not in seen:
                seen.add((a.period.iso(), a.key.label()))
                unique.append(a)
        return unique

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.key.to_dict(),
            "span": self.span.to_dict(),
            "latest_comparable": (
                self.latest_comparable.to_dict() if self.latest_comparable else None
            ),
            "years": [c.to_dict() for c in self.years],
            "cagr": self.cagr.to_dict() if self.cagr else None,
        }


@dataclass(frozen=True)
class BalanceChange:
    """The balance (export − import) of a pair over one span and the same months a year
    before: each side from the export and the import found over that very span."""

    key: SeriesKey  # flow "balance"
    export: Change
    imports: Change

    @property
    def value(self) -> float | None:
        return _difference(self.export.current, self.imports.current)

    @property
    def base(self) -> float | None:
        return _difference(self.export.base, self.imports.base)

    @property
    def change(self) -> float | None:
        """The balance's change in money (a relative change is not given: its sign may
        flip)."""
        if self.value is None or self.base is None:
            return None
        return self.value - self.base

    @property
    def period(self) -> Period:
        return self.export.current.period

    @property
    def base_period(self) -> Period:
        return self.export.base.period

    @property
    def reason(self) -> str:
        """Why the balance's change is not computable ('' when it is)."""
        if self.change is not None:
            return ""
        sides = (("export", self.export), ("import", self.imports))
        missing = [f for f, c in sides if not c.base.found]
        return f"no {' or '.join(missing)} figure for {self.base_period.label()}"

    def formula(self) -> str:
        """'balance Jan–Aug 2023: $4.062M − $40.63K = $4.021M; Jan–Aug 2022: … ; change …'."""
        cur = self.key.currency
        x, m = self.export, self.imports
        now = (
            f"balance {self.period.label()}: export {money(x.current.value, cur)} − import "
            f"{money(m.current.value, cur)} = {money(self.value, cur)}"
        )
        if self.base is None:
            return f"{now}; change: not computable ({self.reason})"
        sign = "+" if (self.change or 0.0) >= 0 else ""
        return (
            f"{now}; {self.base_period.label()}: export {money(x.base.value, cur)} − import "
            f"{money(m.base.value, cur)} = {money(self.base, cur)}; change "
            f"{sign}{money(self.change, cur)}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.key.to_dict(),
            "period": self.period.iso(),
            "base_period": self.base_period.iso(),
            "value": self.value,
            "base": self.base,
            "change": self.change,
        }


def _difference(export: Answer, imports: Answer) -> float | None:
    if export.value is None or imports.value is None:
        return None
    return float(export.value - imports.value)


@dataclass(frozen=True)
class Growth:
    period: Period | None
    series: list[SeriesGrowth]
    unanswered: list[tuple[SeriesKey, str]] = field(default_factory=list)
    # ``growth --flow export,import``: the flows asked, in order (empty: one flow), the
    # balance of each pair with both, and the pairs whose flows share no span
    flows: tuple[str, ...] = ()
    balances: tuple[BalanceChange, ...] = ()
    unshared: tuple[SeriesKey, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "period": self.period.iso() if self.period else None,
            "series": [s.to_dict() for s in self.series],
            "unanswered": [{**k.to_dict(), "reason": r} for k, r in self.unanswered],
        }
        if self.flows:
            out["flows"] = list(self.flows)
            out["balances"] = [b.to_dict() for b in self.balances]
            out["unshared"] = [
                {"reporter": k.reporter, "partner": k.partner, "currency": k.currency}
                for k in self.unshared
            ]
        return out

    def report(self, every: bool = False) -> Report:
        """What ``tradecli growth`` shows: built in ``analysis.growth_report`` (with several
        flows, in ``analysis.growth_flows_report``); ``every``: the series not answered as
        rows too (``--all``)."""
        if self.flows:
            from tradecli.analysis.growth_flows_report import report

            return report(self)
        from tradecli.analysis.growth_report import growth_report

        return growth_report(self, every)

    def records(self) -> list[dict[str, Any]]:
        """One keyed record per series (``analysis.growth_report.growth_records``)."""
        from tradecli.analysis.growth_report import growth_records

        return growth_records(self)


def series_name(key: SeriesKey) -> str:
    """``AZE–TJK``, with the currency after it when it is not USD."""
    currency = "" if key.currency == "USD" else f" ({key.currency})"
    return f"{key.reporter}–{key.partner}{currency}"


# -- computation ----------------------------------------------------------------------


def like_for_like(engine: Engine, key: SeriesKey, period: Period) -> Change:
    """``period`` against the same months a year before."""
    return Change(engine.value(key, period), engine.value(key, period.shifted_years(-1)))


def year_changes(engine: Engine, key: SeriesKey, plan: Plan | None = None) -> list[Change]:
    """Each full year against the year before, oldest first (missing base: not computable)."""
    return [
        Change(a, engine.value(key, a.period.shifted_years(-1)))
        for a in annual_values(engine, key, plan)
    ]


def cagr(
    engine: Engine,
    key: SeriesKey,
    first: int | None = None,
    last: int | None = None,
    plan: Plan | None = None,
) -> Cagr | None:
    """CAGR between two full years: by default the first and the last in the data."""
    years = [a.period.start_year for a in annual_values(engine, key, plan)]
    start = first if first is not None else (years[0] if years else None)
    end = last if last is not None else (years[-1] if years else None)
    if start is None or end is None or end <= start:
        return None
    return Cagr(engine.value(key, Period.year(start)), engine.value(key, Period.year(end)))


def series_growth(
    engine: Engine,
    key: SeriesKey,
    period: Period | None = None,
    first: int | None = None,
    last: int | None = None,
    plan: Plan | None = None,
) -> SeriesGrowth | str:
    """The growth of one series, or the reason it has none (``plan``: see ``annual_values``)."""
    comparable: Change | None = None
    if period is None:
        spans = spans_of(engine, key)
        if not spans:
            return "no figures"
        span = like_for_like(engine, key, spans[-1])
        if span.value is None:
            earlier = (like_for_like(engine, key, p) for p in reversed(spans[:-1]))
            comparable = next((c for c in earlier if c.value is not None), None)
    else:
        span = like_for_like(engine, key, period)
        if not span.current.found:
            return f"no {period.label()} figure"
    return SeriesGrowth(
        key,
        span,
        tuple(year_changes(engine, key, plan)),
        cagr(engine, key, first, last, plan),
        comparable,
    )


def growth(
    dataset: Dataset,
    keys: list[SeriesKey],
    period: Period | None = None,
    first: int | None = None,
    last: int | None = None,
) -> Growth:
    """Growth for every series that has the span; raise ``NotAvailable`` when none has."""
    check_year_range(first, last)
    engine = dataset.engine
    fast: dict[SeriesKey, SeriesGrowth | str] = {}
    if bulk_engine.enabled(len(keys)):
        # The columnar path (``engine.bulk``) for the keys whose series are simple.
        from tradecli.analysis.growth_bulk import bulk_growth

        fast = bulk_growth(dataset, keys, first, last, period)
    bulk = bulk_for(engine, len(keys) - len(fast)) if len(fast) < len(keys) else None
    answered: list[SeriesGrowth] = []
    unanswered: list[tuple[SeriesKey, str]] = []
    for key in keys:
        if key in fast:
            result = fast[key]
        else:
            plan = bulk.plan(key) if bulk is not None else None
            result = series_growth(engine, key, period, first, last, plan)
        if isinstance(result, str):
            unanswered.append((key, result))
        else:
            answered.append(result)
    if not answered:
        what = period.label() if period else "any span"
        latest = []
        for key in keys[:8]:
            spans = ", ".join(p.label() for p in spans_of(engine, key)[-5:]) or "none"
            latest.append(f"{series_name(key)}: {spans}")
        more = " …" if len(keys) > 8 else ""
        raise NotAvailable(
            f"no series has a figure for {what}; latest spans: {'; '.join(latest)}{more}"
        )
    answered.sort(key=lambda s: usd_first(s.key, s.span.current.value))
    return Growth(period, answered, unanswered)


def flow_keys(
    dataset: Dataset, reporter: str | None, partner: str | None, flows: list[str]
) -> dict[str, list[SeriesKey]]:
    """The series of each flow of ``growth --flow A,B``, in the order asked: none (not an
    error) where the selection has no series of that flow."""
    from tradecli.selection import Selection

    keys: dict[str, list[SeriesKey]] = {}
    for flow in flows:
        try:
            keys[flow] = Selection.parse(dataset, reporter, partner, flow).keys(dataset)
        except NotAvailable:
            keys[flow] = []
    return keys


def growth_of_flows(
    dataset: Dataset,
    keys: dict[str, list[SeriesKey]],
    period: Period | None = None,
    first: int | None = None,
    last: int | None = None,
) -> Growth:
    """``growth --flow export,import``: growth once per flow (``keys``: each flow's
    series, in the order asked), in one result ordered by reporter–partner pair, then
    flow. Without ``period`` the flows of a pair are compared over one span: the latest
    span that every asked flow of the pair has (a pair without one: each flow over its
    own latest span, and the pair is named in ``unshared``). With export and import, the
    balance (export − import) over that span and the same months a year before, and its
    change. A flow without any answered series is listed as unanswered;
    ``NotAvailable`` only when no flow has one."""
    from tradecli.analysis.rankings import engine_for

    flows = tuple(keys)
    engine = engine_for(dataset)  # TRADECLI_BACKEND=bulk: the bulk backend
    by_pair: dict[tuple[str, str, str], dict[str, SeriesKey]] = {}
    for flow in flows:
        for k in keys[flow]:
            by_pair.setdefault((k.reporter, k.partner, k.currency), {})[flow] = k
    answered: list[SeriesGrowth] = []
    unanswered: list[tuple[SeriesKey, str]] = []
    unshared: list[SeriesKey] = []
    balances: list[BalanceChange] = []
    pairs: list[tuple[list[SeriesKey], Period | None, Period | None]] = []
    owns = [[of_pair[f] for f in flows if f in of_pair] for of_pair in by_pair.values()]
    known: dict[tuple[SeriesKey, Period], Change] = {}  # changes found with the spans
    shared = _shared_spans(dataset, engine, owns, len(flows), known) if period is None else {}
    for n, own in enumerate(owns):
        span, comparable = period, None
        if period is None:
            span, comparable = shared.get(n, (None, None))
            if span is None:
                unshared.append(own[0])
        pairs.append((own, span, comparable))
    fast = _bulk_growth_of_pairs(dataset, pairs, first, last, known)
    for own, span, comparable in pairs:
        got: dict[str, SeriesGrowth] = {}
        for key in own:
            found = fast.get(key)
            result = found if found is not None else series_growth(engine, key, span, first, last)
            if isinstance(result, str):
                unanswered.append((key, result))
                continue
            if comparable is not None and result.span.value is None:
                earlier = known.get((key, comparable)) or like_for_like(engine, key, comparable)
                result = replace(result, latest_comparable=earlier)
            got[key.flow] = result
        answered.extend(got.values())
        if "export" in got and "import" in got:
            x, m = got["export"].span, got["import"].span
            if x.current.period == m.current.period:
                balances.append(BalanceChange(x.current.key.with_flow("balance"), x, m))
    if not answered:
        what = period.label() if period else "any span"
        names = ", ".join(f"{series_name(k)} {k.flow}" for k, _ in unanswered[:8])
        raise NotAvailable(f"no series of the flows asked has a figure for {what}: {names}")
    order: dict[tuple[str, str, str], tuple[bool, float]] = {}
    for s in answered:  # pairs by the size of their first flow, as one flow's rows are
        order.setdefault(
            (s.key.reporter, s.key.partner, s.key.currency),
            usd_first(s.key, s.span.current.value),
        )
    pair_rank = {p: n for n, p in enumerate(sorted(order, key=lambda p: (order[p], p)))}
    answered.sort(
        key=lambda s: (
            pair_rank[(s.key.reporter, s.key.partner, s.key.currency)],
            flows.index(s.key.flow),
        )
    )
    balances.sort(key=lambda b: pair_rank[(b.key.reporter, b.key.partner, b.key.currency)])
    return Growth(period, answered, unanswered, flows, tuple(balances), tuple(unshared))


def _bulk_growth_of_pairs(
    dataset: Dataset,
    pairs: list[tuple[list[SeriesKey], Period | None, Period | None]],
    first: int | None,
    last: int | None,
    known: dict[tuple[SeriesKey, Period], Change],
) -> dict[SeriesKey, SeriesGrowth | str]:
    """``series_growth`` of the keys of each pair over the pair's span (None: each its
    latest), from the columns (``analysis.growth_bulk``) for the keys they answer, when
    there are many (``known``: changes over the span already found)."""
    if not bulk_engine.enabled(sum(len(own) for own, _, _ in pairs)):
        return {}
    from tradecli.analysis.growth_bulk import bulk_growth

    spanned = [(key, span) for own, span, _ in pairs if span is not None for key in own]
    latest = [key for own, span, _ in pairs if span is None for key in own]
    fast = bulk_growth(
        dataset, [k for k, _ in spanned], first, last, [s for _, s in spanned], known
    )
    if latest:
        fast.update(bulk_growth(dataset, latest, first, last))
    return fast


def _shared_spans(
    dataset: Dataset,
    engine: Engine,
    owns: list[list[SeriesKey]],
    n_flows: int,
    known: dict[tuple[SeriesKey, Period], Change],
) -> dict[int, tuple[Period | None, Period | None]]:
    """``shared_span`` of each pair of ``owns`` (its flows' keys) that has every flow, by
    its index: from the columns (``growth_bulk.shared_spans``, which puts each key's
    change over the spans in ``known``) for pairs whose keys are simple, when there are
    many; the others from the reference."""
    whole = [n for n, own in enumerate(owns) if len(own) == n_flows]
    found: dict[int, tuple[Period | None, Period | None]] = {}
    if bulk_engine.enabled(len(whole) * n_flows):
        from tradecli.analysis.growth_bulk import shared_spans
        from tradecli.analysis.summary_bulk import columns_of

        spans = shared_spans(engine, columns_of(dataset), [owns[n] for n in whole], known)
        found = {n: s for n, s in zip(whole, spans, strict=True) if s is not None}
    for n in whole:
        if n not in found:
            found[n] = shared_span(engine, owns[n])
    return found


def shared_span(engine: Engine, keys: list[SeriesKey]) -> tuple[Period | None, Period | None]:
    """The latest span that every series of ``keys`` (the flows of one pair) answers, and,
    when some flow has no like-for-like change over it, the latest earlier shared span
    where every flow has one (else None)."""
    common = set(spans_of(engine, keys[0]))
    for key in keys[1:]:
        common &= set(spans_of(engine, key))
    spans = by_end(common)
    if not spans:
        return None, None
    latest = spans[-1]
    if all(like_for_like(engine, k, latest).value is not None for k in keys):
        return latest, None
    for span in reversed(spans[:-1]):
        if all(like_for_like(engine, k, span).value is not None for k in keys):
            return latest, span
    return latest, None
