"""``tradecli mirror``: do the two sides' statistics agree?

For countries A and B, each span that both report: A's exports to B against B's
imports from A, A's imports from B against B's exports to A, and A's turnover
with B against B's turnover with A. Every figure comes from the series engine,
so spans may be tiled, differenced or derived (turnover = export + import) and
revisions are reconciled, exactly as ``tradecli value`` answers them. The gap
is B's figure minus A's, in currency and as a share of A's figure.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from operator import methodcaller
from typing import TYPE_CHECKING, Any, NamedTuple

from tradecli.analysis.growth import spans_of
from tradecli.dataset import Dataset
from tradecli.engine import bulk as bulk_engine
from tradecli.engine.answers import Answer, SeriesKey
from tradecli.engine.reference import Engine
from tradecli.errors import NotAvailable
from tradecli.formatting import money
from tradecli.json_text import Each
from tradecli.observations import EXCLUDED_FLAGS, OFFICIAL_STATEMENT
from tradecli.periods import Period
from tradecli.records import approximate, change_range, ends, figure_range, value_range

if TYPE_CHECKING:
    from tradecli.render import Report

MIRROR_FLOW = {"export": "import", "import": "export", "turnover": "turnover"}
FLOW_ORDER = tuple(MIRROR_FLOW)
CAVEAT = (
    "imports are usually valued CIF (cost, insurance and freight to the border) and exports "
    "FOB (free on board), so a partner's imports typically exceed the reporter's exports by "
    "freight and insurance; timing, partner attribution (origin or consignment), re-exports "
    "and confidential items widen the gaps further"
)
GAP_NOTE = "gap = partner's figure − reporter's figure; gap % is relative to the reporter's figure"


def published_marks(answer: Answer) -> list[str]:
    """How the figures used were published: about/over/almost, official statements,
    quality flags (present only when flagged figures are included)."""
    marks = set(answer.qualifiers)
    for rec in answer.observations():
        marks.update(f for f in rec.chosen.flags if f in (OFFICIAL_STATEMENT, *EXCLUDED_FLAGS))
    return sorted(marks)


@dataclass(frozen=True)
class MirrorRow:
    """One span of one flow: the reporter's figure and its partner's mirror figure.

    ``marks``: ``published_marks`` of each (own, mirror) when known as the row is made
    (from the columns, ``analysis.mirror_bulk``); None: read from the answers."""

    own: Answer
    mirror: Answer
    marks: tuple[list[str], list[str]] | None = None

    def published_as(self) -> tuple[list[str], list[str]]:
        """How each figure (own, mirror) was published (``published_marks``)."""
        if self.marks is not None:
            return self.marks
        return published_marks(self.own), published_marks(self.mirror)

    @property
    def period(self) -> Period:
        return self.own.period

    @property
    def gap(self) -> float:
        return (self.mirror.value or 0.0) - (self.own.value or 0.0)

    @property
    def gap_relative(self) -> float | None:
        return self.gap / self.own.value if self.own.value else None

    def gap_range(self) -> tuple[float | None, float | None]:
        """The gap's range over the ranges of both figures (low: the lowest partner's
        figure less the highest reporter's; the gap itself when both are exact)."""
        (own_low, own_high), (other_low, other_high) = (
            value_range(self.own),
            value_range(self.mirror),
        )
        if None in (own_low, own_high, other_low, other_high):
            return None, None
        assert own_low is not None and own_high is not None
        assert other_low is not None and other_high is not None
        return other_low - own_high, other_high - own_low

    def gap_relative_range(self) -> tuple[float | None, float | None]:
        """The range of gap % (partner's / reporter's − 1) over both figures' ranges."""
        return change_range(self.mirror, self.own, self.gap_relative)

    def gap_how(self) -> str | None:
        """The ``range:`` line of the gap when a figure compared is approximate."""
        if not approximate(self.own, self.mirror):
            return None
        cur = self.own.key.currency
        low, high = self.gap_range()
        return (
            f"range of the gap: {figure_range(self.mirror)} − {figure_range(self.own)} → "
            f"{ends(low, high, lambda v: money(v, cur))}"
        )

    def to_dict(self) -> dict[str, Any]:
        key = self.own.key
        own_marks, mirror_marks = self.published_as()
        return {
            "reporter": key.reporter,
            "partner": key.partner,
            "flow": key.flow,
            "mirror_flow": self.mirror.key.flow,
            "currency": key.currency,
            "period": self.period.iso(),
            "reported": {**self.own.to_dict(), "published_as": own_marks},
            "mirror": {**self.mirror.to_dict(), "published_as": mirror_marks},
            "gap": self.gap,
            "gap_relative": self.gap_relative,
            **self._gap_range(),
        }

    def _gap_range(self) -> dict[str, Any]:
        how = self.gap_how()
        if how is None:
            return {}
        low, high = self.gap_range()
        rel_low, rel_high = self.gap_relative_range()
        return {
            "gap_range": {
                "low": low,
                "high": high,
                "relative_low": rel_low,
                "relative_high": rel_high,
                "how": how.removeprefix("range of the gap: "),
            }
        }


@dataclass(frozen=True)
class MirrorResult:
    rows: list[MirrorRow]
    period: Period | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.iso() if self.period else None,
            "comparisons": [r.to_dict() for r in self.rows],
            "notes": [GAP_NOTE, CAVEAT],
        }

    def payload(self) -> dict[str, Any]:
        """``to_dict()`` with each comparison's dict made when its JSON is written, and let
        go after (``json_text.Each``): the report's JSON payload."""
        return {
            "period": self.period.iso() if self.period else None,
            "comparisons": Each(self.rows, methodcaller("to_dict")),
            "notes": [GAP_NOTE, CAVEAT],
        }

    def report(self) -> Report:
        """What ``tradecli mirror`` shows: built in ``analysis.mirror_report``."""
        from tradecli.analysis.mirror_report import mirror_report

        return mirror_report(self)


def compare_mirrors(
    dataset: Dataset,
    reporter: str | None = None,
    partner: str | None = None,
    period: Period | None = None,
) -> MirrorResult:
    """Every span both sides report, for the pair asked or every pair reporting on each other.

    With many comparisons (``engine.bulk.enabled``), those whose series the columns
    take are made there (``analysis.mirror_bulk``); the others here."""
    currencies: dict[tuple[str, str], set[str]] = defaultdict(set)
    for key in dataset.keys():
        currencies[(key.reporter, key.partner)].add(key.currency)
    pairs = _pairs(currencies, reporter, partner)
    comparisons = [
        Comparison(SeriesKey(a, b, flow, currency), SeriesKey(b, a, MIRROR_FLOW[flow], currency))
        for a, b in pairs
        for currency in sorted(currencies[(a, b)] & currencies[(b, a)])
        for flow in FLOW_ORDER
    ]
    rows: list[MirrorRow] = []
    if bulk_engine.enabled(len(comparisons)):
        from tradecli.analysis.mirror_bulk import columnar_rows

        rows, comparisons = columnar_rows(dataset, comparisons, period)
    engine = dataset.engine
    for own_key, mirror_key in comparisons:
        spans = [period] if period else _spans(engine, own_key, mirror_key)
        for span in spans:
            own = engine.value(own_key, span)
            mirror = engine.value(mirror_key, span)
            if own.found and mirror.found:
                rows.append(MirrorRow(own, mirror))
    if not rows:
        raise NotAvailable(_nothing(engine, pairs, reporter, partner, period))
    rows.sort(
        key=lambda r: (
            r.own.key.reporter,
            r.own.key.partner,
            r.own.key.currency,
            r.period.first,
            r.period.last,
            FLOW_ORDER.index(r.own.key.flow),
        )
    )
    return MirrorResult(rows, period)


class Comparison(NamedTuple):
    """A reporter's series and its partner's mirror of it (same currency)."""

    own: SeriesKey
    mirror: SeriesKey


def _pairs(
    currencies: dict[tuple[str, str], set[str]], reporter: str | None, partner: str | None
) -> list[tuple[str, str]]:
    """(A, B) pairs where B also reports on A; unordered pairs once, A first when asked."""
    both = {(a, b) for a, b in currencies if a != b and (b, a) in currencies}
    if reporter and partner:
        return [(reporter, partner)] if (reporter, partner) in both else []
    if reporter:
        return sorted(p for p in both if p[0] == reporter)
    if partner:
        return sorted(p for p in both if p[1] == partner)
    return sorted(p for p in both if p[0] < p[1])


def _spans(engine: Engine, own: SeriesKey, mirror: SeriesKey) -> list[Period]:
    """Spans either side published (for turnover, also spans with both export and import)."""
    return sorted({*spans_of(engine, own), *spans_of(engine, mirror)})


def _nothing(
    engine: Engine,
    pairs: list[tuple[str, str]],
    reporter: str | None,
    partner: str | None,
    period: Period | None,
) -> str:
    """Why there is no comparison, and what the data has instead."""
    reporters = sorted({k.reporter for k in engine.keys()})
    if not pairs:
        if reporter and partner:
            return (
                f"no mirror for {reporter}–{partner}: a comparison needs figures published by "
                f"both sides, and {_who_lacks(engine, reporter, partner)}; reporters in the "
                f"data: {', '.join(reporters)}"
            )
        asked = " and ".join(x for x in (reporter, partner) if x) or "the data"
        return (
            f"no pair of countries in {asked} where both report on each other; reporters in "
            f"the data: {', '.join(reporters)}"
        )
    lines = []
    for a, b in pairs:
        for x, y in ((a, b), (b, a)):
            spans = sorted(
                {
                    p
                    for k in engine.keys()
                    if (k.reporter, k.partner) == (x, y)
                    for p in engine.periods(k)
                }
            )
            lines.append(f"{x} reports {y} for {', '.join(p.label() for p in spans)}")
    when = f" for {period.label()}" if period else ""
    return f"no span{when} that both sides report; " + "; ".join(lines)


def _who_lacks(engine: Engine, a: str, b: str) -> str:
    published = {(k.reporter, k.partner) for k in engine.keys()}
    missing = [
        f"{x} publishes nothing on {y}" for x, y in ((a, b), (b, a)) if (x, y) not in published
    ]
    return " and ".join(missing) or "they report different spans"
