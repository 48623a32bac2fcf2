"""``tradecli growth --contributions``: what drove a reporter's change over a span.

The reporter's trade with a whole (``--vs GROUP``, default the world) changed by
``T`` percent over a span S against the same months a year before. Each partner's
contribution, in percentage points, is its own change over those spans divided by
the whole's base: ``(p(S) − p(S−1y)) ÷ whole(S−1y)``. The contributions of the
partners with figures for both spans, plus the *residual* (partners without both
figures; for a published total, whatever its members' figures do not account
for), sum to ``T``. The whole is the published total when the data has one, else
the complete member sum; an incomplete sum is never the whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tradecli.analysis.growth import Change, spans_of
from tradecli.dataset import Dataset
from tradecli.engine.answers import Answer, SeriesKey
from tradecli.engine.reference import Engine
from tradecli.errors import BadRequest, NotAvailable
from tradecli.groups import Group
from tradecli.periods import Period, by_end


@dataclass(frozen=True)
class Contribution:
    """One partner's change, and its share of the whole's change in points."""

    change: Change
    whole_base: float

    @property
    def key(self) -> SeriesKey:
        return self.change.current.key

    @property
    def difference(self) -> float | None:
        now, base = self.change.current.value, self.change.base.value
        return None if now is None or base is None else now - base

    @property
    def points(self) -> float | None:
        """The contribution as a ratio of the whole's base (0.01 = one percentage point)."""
        diff = self.difference
        return None if diff is None else diff / self.whole_base

    @property
    def reason(self) -> str:
        for answer in (self.change.current, self.change.base):
            if not answer.found:
                return f"no {answer.period.label()} figure"
        return ""

    def formula(self) -> str:
        cur = self.key.currency
        name = f"{self.key.reporter}–{self.key.partner}"
        if self.points is None:
            return f"{name}: not counted ({self.reason}); in the residual"
        return (
            f"{name}: ({_money(self.change.current, cur)} − {_money(self.change.base, cur)}) "
            f"/ {_plain_money(self.whole_base, cur)} = {self.points * 100:+.4g} pp"
        )


@dataclass(frozen=True)
class Contributions:
    reporter: str
    group: Group
    flow: str
    whole: Change  # the whole over the span against the same months a year before
    parts: list[Contribution]  # largest contribution first, then the partners without one

    @property
    def period(self) -> Period:
        return self.whole.current.period

    @property
    def total(self) -> float:
        """The whole's change (a ratio)."""
        value = self.whole.value
        assert value is not None
        return value

    @property
    def explained(self) -> float:
        return float(sum(p.points for p in self.parts if p.points is not None))

    @property
    def residual(self) -> float:
        """What the partners' contributions leave of the whole's change."""
        return self.total - self.explained

    def to_dict(self) -> dict[str, Any]:
        return {
            "reporter": self.reporter,
            "group": self.group.name,
            "flow": self.flow,
            "period": self.period.iso(),
            "base_period": self.whole.base.period.iso(),
            "whole": self.whole.current.to_dict(),
            "whole_base": self.whole.base.to_dict(),
            "change": self.total,
            "contributions": [
                {
                    "partner": p.key.partner,
                    "value": p.change.current.value,
                    "base": p.change.base.value,
                    "change": p.change.value,
                    "contribution": p.points,
                    **({"reason": p.reason} if p.reason else {}),
                }
                for p in self.parts
            ],
            "explained": self.explained,
            "residual": self.residual,
        }

    def report(self) -> Any:
        from tradecli.analysis.contributions_report import report

        return report(self)


def _money(answer: Answer, currency: str) -> str:
    return _plain_money(answer.value, currency)


def _plain_money(value: float | None, currency: str) -> str:
    from tradecli.formatting import money

    return money(value, currency)


def check_options(
    contributions: bool,
    vs: str | None,
    sort: str | None,
    partner: str | None,
    top: int | None = None,
    flows: int = 1,
) -> None:
    """``growth``'s options for a split or a ranking, as the core takes them: ``--vs``
    names the whole of ``--contributions`` or of ``--sort share``; a split is over
    every partner (no ``--partner``) and is no ranking; several flows side by side are
    neither (``BadRequest`` otherwise)."""
    if flows > 1 and (sort is not None or top is not None or contributions):
        raise BadRequest(
            "several flows are shown side by side, not with --sort, --top or --contributions",
            "--flow",
        )
    if contributions and sort is not None:
        raise BadRequest("--contributions and --sort answer different questions", "--sort")
    if contributions and partner is not None:
        raise BadRequest(
            "--contributions splits the reporter's change over every partner of --vs; "
            "leave out --partner",
            "--partner",
        )
    if vs is not None and not contributions and sort != "share":
        raise BadRequest("--vs is the whole of --contributions or of --sort share", "--vs")


def contributions(
    dataset: Dataset,
    reporter: str | None,
    group: Group,
    flow: str = "turnover",
    period: Period | None = None,
    currency: str = "USD",
) -> Contributions:
    """Each partner's contribution to the change of ``reporter``'s trade with ``group``
    over ``period`` (default: the latest span whose whole has a like-for-like base)."""
    if reporter is None:
        raise BadRequest("--contributions needs --reporter (whose change is split)", "--reporter")
    engine = dataset.engine
    if period is None:
        whole = _latest(engine, reporter, group, flow, currency)
    else:
        found = _whole(engine, reporter, group, flow, period, currency)
        if isinstance(found, str):
            raise NotAvailable(f"no contributions for {period.label()}: {found}")
        whole = found
    base = whole.base.value
    assert base is not None
    partners = engine.partners_for(reporter, group, whole.current.period, currency)
    parts = []
    for partner in partners:
        key = SeriesKey(reporter, partner, flow, currency)
        span = whole.current.period
        change = Change(engine.value(key, span), engine.value(key, span.shifted_years(-1)))
        parts.append(Contribution(change, base))
    parts.sort(key=lambda p: (p.points is None, -(p.points or 0.0), p.key.partner))
    return Contributions(reporter, group, flow, whole, parts)


def _whole(
    engine: Engine, reporter: str, group: Group, flow: str, period: Period, currency: str
) -> Change | str:
    """The whole over ``period`` and a year before, or why there is none."""
    now = engine.group_value(reporter, group, flow, period, currency)
    base = engine.group_value(reporter, group, flow, period.shifted_years(-1), currency)
    for answer in (now, base):
        if not answer.found:
            return f"no {reporter}–{group.name} total for {answer.period.label()}"
        if not answer.complete:
            return (
                f"the {reporter}–{group.name} figure for {answer.period.label()} is a sum with "
                "partners missing, not the total"
            )
    change = Change(now, base)
    if change.value is None:
        return f"the {reporter}–{group.name} total for {base.period.label()} is zero"
    return change


def _latest(engine: Engine, reporter: str, group: Group, flow: str, currency: str) -> Change:
    """The latest span whose whole has figures for it and for the same months a year before."""
    keys = [SeriesKey(reporter, group.code, flow, currency)] if group.code else []
    keys += [
        SeriesKey(reporter, m, flow, currency)
        for m in sorted({m.member for m in group.members if m.member != "*"})
    ]
    spans = by_end({p for k in keys for p in spans_of(engine, k)})
    tried: list[str] = []
    for span in reversed(spans):
        whole = _whole(engine, reporter, group, flow, span, currency)
        if not isinstance(whole, str):
            return whole
        if len(tried) < 5:
            tried.append(f"{span.label()} ({whole})")
    more = "; …" if len(spans) > 5 else ""
    raise NotAvailable(
        f"no span of {reporter}–{group.name} {flow} has a total for it and for the same "
        f"months a year before; latest spans: {'; '.join(tried) or 'none'}{more}"
    )
