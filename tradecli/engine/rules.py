"""The span rules, written once against the protocol of ``engine.protocol``.

For one series (reporter, partner, flow, currency) and a span S, in order:

1. the reconciled observation of exactly S;
2. a set of disjoint observed spans that tiles S exactly — their sum;
3. the difference of two cumulative figures with the same start
   (Jan–Aug − Jan–Jun = Jul–Aug; FY − Jan–Oct = Nov–Dec);
4. for turnover, export + import over S, each found by 1–3;
5. otherwise not available, naming the spans that exist.

Spans are alternatives, never addends: an annual figure and the months inside
it are never added together. Every ``Answer`` carries its derivation. A group's
value is its published aggregate when present, else the sum over its members.

``Rules`` works nothing out twice only when wrapped (``memo.Memo``): the rules call
``value``, ``_direct``, ``_exact``, ``group_value`` and ``member_missing`` through
``self``, which the wrapper answers from its memo.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial

from tradecli.engine.answers import (
    AGGREGATE,
    DIFFERENCE,
    EXACT,
    EXPORT_PLUS_IMPORT,
    MEMBER_SUM,
    NOT_AVAILABLE,
    TILED,
    Answer,
    Deferred,
    MonthParts,
    SeriesKey,
    _sum,
)
from tradecli.engine.protocol import SeriesSpans, SpanSource
from tradecli.groups import Group
from tradecli.periods import Period

NEGATIVE_DIFFERENCE = "the difference is negative: the two cumulative figures are inconsistent"


class Rules:
    """The rules over a ``SpanSource`` (``self.source``)."""

    source: SpanSource
    _countries_of: dict[tuple[str, str], list[str]] | None = None

    def periods(self, key: SeriesKey) -> list[Period]:
        return list(self.source.spans(key))

    def end_years(self, key: SeriesKey) -> frozenset[int]:
        """Calendar years that any span of the series ends in."""
        return self.source.spans(key).end_years

    def value(self, key: SeriesKey, period: Period) -> Answer:
        """The value of ``key`` over ``period`` by rules 1–5 of the module docstring."""
        answer = self._direct(key, period)
        if answer is not None:
            return answer
        if key.flow == "turnover":
            export = self._direct(key.with_flow("export"), period)
            imports = self._direct(key.with_flow("import"), period)
            if export is not None and imports is not None:
                parts = (export, imports)
                return Answer(key, period, _sum(parts, (1, 1)), EXPORT_PLUS_IMPORT, parts, (1, 1))
        # Shown only when the answer is (searches ask for many spans that are not there).
        available = Deferred(lambda: self._available(key))
        return Answer(key, period, None, NOT_AVAILABLE, available=available)

    def _available(self, key: SeriesKey) -> tuple[Period, ...]:
        """The spans a series answers directly; for turnover also those of export + import."""
        available = self.periods(key)
        if key.flow == "turnover":
            both = set(self.periods(key.with_flow("export"))) & set(
                self.periods(key.with_flow("import"))
            )
            available = sorted({*available, *both})  # a Period sorts as (first, last)
        return tuple(available)

    def _direct(self, key: SeriesKey, period: Period) -> Answer | None:
        """Rules 1–3 within one series."""
        spans = self.source.spans(key)
        if not spans:
            return None  # no span to be exact, tile or differ (turnover is often only X + M)
        found = self._exact_or_tiled(key, period, spans)
        if found is not None:
            return found
        return self._difference(key, period, spans)

    def _exact(self, key: SeriesKey, period: Period, spans: SeriesSpans) -> Answer:
        """Rule 1 for a span of the data."""
        rec = spans[period]
        return Answer(key, period, rec.value, EXACT, reconciled=rec)

    def _exact_or_tiled(self, key: SeriesKey, period: Period, spans: SeriesSpans) -> Answer | None:
        if period in spans:
            return self._exact(key, period, spans)
        if spans.monthly:
            # Only single months: the one possible tiling is every month of the span. The
            # sum needs only their values; the parts are made when something looks at them.
            months = range(period.first, period.last + 1)
            values = spans.month_values(months)
            if values is None:
                return None
            # Each month's exact answer, shared with every other question that uses it.
            exact = self._exact
            months_of = MonthParts(
                lambda: tuple(exact(key, Period.month(m), spans) for m in months),
                len(months),
                partial(spans.month_dicts, key, months),
            )
            return Answer(key, period, float(sum(values)), TILED, months_of, (1,) * len(months))
        tiles = _tiling(period, [p for p in spans if period.contains(p) and p != period])
        if tiles is None:
            return None
        # Each tile is a span of the data: its exact answer, shared with every other question
        # that uses it (the months of a year are also the months of its year-to-date spans).
        parts = tuple(self._exact(key, p, spans) for p in tiles)
        signs = (1,) * len(parts)
        return Answer(key, period, _sum(parts, signs), TILED, parts, signs)

    def _difference(self, key: SeriesKey, period: Period, spans: SeriesSpans) -> Answer | None:
        if spans.monthly:
            # The longer span would need every month of ``period``, which did not tile.
            return None
        starts = sorted({p.first for p in spans if p.first < period.first}, reverse=True)
        for start in starts:
            longer = self._exact_or_tiled(key, Period(start, period.last), spans)
            if longer is None:
                continue
            shorter = self._exact_or_tiled(key, Period(start, period.first - 1), spans)
            if shorter is None:
                continue
            parts, signs = (longer, shorter), (1, -1)
            value = _sum(parts, signs)
            notes: tuple[str, ...] = ()
            if value < 0:
                notes = (NEGATIVE_DIFFERENCE,)
            return Answer(key, period, value, DIFFERENCE, parts, signs, notes=notes)
        return None

    # -- groups ---------------------------------------------------------------

    def group_value(
        self, reporter: str, group: Group, flow: str, period: Period, currency: str = "USD"
    ) -> Answer:
        """A group's value: the published aggregate when present, else the member sum."""
        if group.code:
            aggregate = self.value(SeriesKey(reporter, group.code, flow, currency), period)
            if aggregate.found:
                note = (
                    f"published {group.code} total: the source's own definition of the group, "
                    f"which may differ from the {group.name!r} list"
                )
                return Answer(
                    aggregate.key,
                    period,
                    aggregate.value,
                    AGGREGATE,
                    (aggregate,),
                    (1,),
                    notes=(note,),
                )
        members = self.partners_for(reporter, group, period, currency)
        key = SeriesKey(reporter, group.code or group.name.upper(), flow, currency)

        def not_available(why: str) -> Answer:
            spans = self._group_spans(reporter, group, flow, currency)
            return Answer(key, period, None, NOT_AVAILABLE, available=spans, notes=(why,))

        if not members:
            return not_available(f"no {group.name} members for {period.label()}")
        parts = [self.value(SeriesKey(reporter, m, flow, currency), period) for m in members]
        have = tuple(p for p in parts if p.found)
        missing = [p.key.partner for p in parts if not p.found]
        spans = partial(self._group_spans, reporter, group, flow, currency)
        return member_sum(key, period, group, len(members), have, missing, spans)

    def member_missing(
        self, reporter: str, group: Group, flow: str, period: Period, currency: str = "USD"
    ) -> bool:
        """True when the group has no published total over ``period`` and a member has no
        figure for it: its member sum would be incomplete. Quicker than the sum: it stops
        at the first member without a figure."""
        if group.code and self.value(SeriesKey(reporter, group.code, flow, currency), period).found:
            return False
        members = self.partners_for(reporter, group, period, currency)
        keys = [SeriesKey(reporter, m, flow, currency) for m in members]
        # A member whose series has no rows has no figure: that settles it at once, before
        # any member's value is worked out.
        findable = self.source.findable
        if not all(findable(k) for k in keys):
            return True
        return any(not self.value(k, period).found for k in keys)

    def partners_for(
        self, reporter: str, group: Group, period: Period, currency: str = "USD"
    ) -> list[str]:
        if group.every_partner:
            return list(self._countries().get((reporter, currency), ()))
        return [m for m in group.members_during(period) if m != reporter]

    def _countries(self) -> dict[tuple[str, str], list[str]]:
        """Each (reporter, currency)'s partners that are countries, sorted, worked out
        once per source (asked for every span of every world total, it was a scan of
        every series each time). Countries only: groups.csv codes and source aggregates
        (``IMF:ADVANCED``, ``COMTRADE:AREAS-NES``) would count their members' trade twice."""
        if self._countries_of is None:
            self._countries_of = countries_by_reporter(
                self.source.series(), self.source.group_codes
            )
        return self._countries_of

    def _group_spans(
        self, reporter: str, group: Group, flow: str, currency: str
    ) -> tuple[Period, ...]:
        if not group.code:
            return ()
        return tuple(self.periods(SeriesKey(reporter, group.code, flow, currency)))


def countries_by_reporter(
    keys: Iterable[SeriesKey], group_codes: frozenset[str]
) -> dict[tuple[str, str], list[str]]:
    """Each (reporter, currency)'s partners in ``keys`` that are countries, sorted: not a
    groups.csv code, not a source aggregate (``IMF:ADVANCED``), not the reporter itself.
    A world member sum over these counts nobody's trade twice."""
    found: dict[tuple[str, str], set[str]] = {}
    for k in keys:
        if k.partner not in group_codes and ":" not in k.partner and k.partner != k.reporter:
            found.setdefault((k.reporter, k.currency), set()).add(k.partner)
    return {pair: sorted(codes) for pair, codes in found.items()}


def member_sum(
    key: SeriesKey,
    period: Period,
    group: Group,
    members: int,
    have: tuple[Answer, ...],
    missing: Sequence[str],
    spans: Callable[[], tuple[Period, ...]],
) -> Answer:
    """A group's value over ``period`` as the sum of the ``have`` members' answers, out of
    ``members``; ``missing`` names those without a figure; ``spans`` gives the group's
    spans for the answer when no member has one. The one place a member sum is made
    (``Rules.group_value``, and the bulk helper ``masks`` that finds the members first)."""
    if not have:
        why = (
            f"no published {key.partner} total and none of the "
            f"{members} members has data for {period.label()}"
        )
        return Answer(key, period, None, NOT_AVAILABLE, available=spans(), notes=(why,))
    notes = [f"{len(have)} of {members} members have data"]
    if missing:
        notes.append(f"incomplete: missing {', '.join(missing)}; this is not the group total")
    partial = bool(missing) or group.every_partner
    if group.every_partner:
        notes.append(
            "sum over the partners present in the data, not every partner: a partial total"
        )
    signs = (1,) * len(have)
    return Answer(
        key,
        period,
        _sum(have, signs),
        MEMBER_SUM,
        have,
        signs,
        complete=not partial,
        notes=tuple(notes),
    )


def _tiling(period: Period, candidates: Iterable[Period]) -> list[Period] | None:
    """The fewest disjoint candidate spans that cover ``period`` exactly, or None."""
    by_start: dict[int, list[Period]] = {}
    for p in candidates:
        by_start.setdefault(p.first, []).append(p)
    # Breadth-first over the next uncovered month: the first path to reach the end is shortest.
    frontier: dict[int, list[Period]] = {period.first: []}
    seen = {period.first}
    while frontier:
        nxt: dict[int, list[Period]] = {}
        for month, path in sorted(frontier.items()):
            for span in sorted(by_start.get(month, []), key=lambda p: -p.n_months):
                end = span.last + 1
                if end == period.last + 1:
                    return [*path, span]
                if end <= period.last and end not in seen:
                    seen.add(end)
                    nxt[end] = [*path, span]
        frontier = nxt
    return None
