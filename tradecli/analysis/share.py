"""``tradecli share``: a partner's share of the reporter's trade with a group.

share = value(reporter→partner, S) / value(reporter→group, S), for the latest
span S where both exist unless one is asked for. The denominator is the
group total the source published when the data has one (its own definition
of the group), else the sum over the members valid during S, with its
coverage stated: a sum with members missing is never taken for the total.
For ``world`` the sum over the partners in the data stands in when no world
total is published, always flagged as partial (the share is then an upper
bound).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tradecli.analysis.growth import spans_of, usd_first
from tradecli.dataset import Dataset
from tradecli.engine import bulk as bulk_engine
from tradecli.engine.answers import AGGREGATE, MEMBER_SUM, Answer, SeriesKey
from tradecli.engine.masks import Bulk, bulk_for
from tradecli.engine.reference import Engine
from tradecli.errors import AmbiguousSelection, NotAvailable
from tradecli.formatting import money, share_percent
from tradecli.groups import Group
from tradecli.json_text import Repeated
from tradecli.periods import Period, by_end
from tradecli.records import ratio_how, ratio_range, value_range
from tradecli.selection import Selection

if TYPE_CHECKING:
    from tradecli.render import Report


@dataclass(frozen=True)
class Share:
    """One partner's share of the reporter's trade with a group over one span."""

    key: SeriesKey
    group: str
    part: Answer
    total: Answer
    partial: bool = False  # world: sum over the partners in the data

    @property
    def period(self) -> Period:
        return self.part.period

    @property
    def value(self) -> float | None:
        if self.part.value is None or not self.total.value:
            return None
        return self.part.value / self.total.value

    @property
    def basis(self) -> str:
        """Where the denominator comes from, in a few words."""
        if self.total.rule == AGGREGATE:
            return f"published {self.total.key.partner} total"
        if self.partial:
            return f"sum of {len(self.total.parts)} partners (partial)"
        return f"sum of {len(self.total.parts)} members"

    def explain(self) -> list[str]:
        cur = self.key.currency
        head = (
            f"{self.key.label()}, share of {self.group} over {self.period.label()}: "
            f"{money(self.part.value, cur)} / {money(self.total.value, cur)} "
            f"({self.basis}) = {share_percent(self.value)}"
        )
        how = ratio_how(self.part, self.total, self.value)
        return [head, *([f"  {how}"] if how else []), *self.part.explain(1), *self.total.explain(1)]

    def to_dict(self, denominator: dict[str, Any] | None = None) -> dict[str, Any]:
        """``denominator``: ``total.to_dict()`` when the caller has it already (shares
        that have the same total object share its dict: ``ShareResult.to_dict``)."""
        return {
            **self.key.to_dict(),
            "group": self.group,
            "period": self.period.iso(),
            "value": self.part.value,
            "total": self.total.value,
            "share": self.value,
            "basis": "published total" if self.total.rule == AGGREGATE else "member sum",
            "partial": self.partial,
            "qualifiers": sorted(self.part.qualifiers | self.total.qualifiers),
            "part": self.part.to_dict(),
            "denominator": self.total.to_dict() if denominator is None else denominator,
            **self._range(),
        }

    def _range(self) -> dict[str, Any]:
        return share_range(self.part, self.total, self.value)


def shares_to_dicts(shares: Sequence[Share]) -> list[dict[str, Any]]:
    """Each share's dict; shares with the same total (one object: the world total of a
    reporter, under each of its partners) have one ``Repeated`` dict of it, whose JSON
    text is written once (``json_text``)."""
    totals: dict[int, Repeated] = {}  # by the total's identity: the shares keep it alive
    out = []
    for share in shares:
        denominator = totals.get(id(share.total))
        if denominator is None:
            denominator = totals[id(share.total)] = Repeated(share.total.to_dict())
        out.append(share.to_dict(denominator))
    return out


def share_range(part: Answer, total: Answer, value: float | None) -> dict[str, Any]:
    """``share_range`` (low, high, how) of part / total when a figure used is approximate;
    else nothing."""
    how = ratio_how(part, total, value)
    if how is None:
        return {}
    low, high = ratio_range(value_range(part), value_range(total))
    return {"share_range": {"low": low, "high": high, "how": how.removeprefix("range: ")}}


@dataclass(frozen=True)
class Unanswered:
    key: SeriesKey
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {**self.key.to_dict(), "reason": self.reason}


def _is_total(total: Answer, group: Group, partial_ok: bool) -> bool:
    """A denominator that may be presented: a published total or a complete member sum.

    For world a sum over the partners in the data is never complete; it stands in
    (flagged partial) only when ``partial_ok`` and at least two partners make it up.
    """
    if not total.found or not total.value:
        return False
    if total.rule == AGGREGATE:
        return True
    if group.every_partner:
        return partial_ok and len(total.parts) >= 2
    return total.complete


def _partial_ok(engine: Engine, key: SeriesKey, group: Group) -> bool:
    """Searching for the latest span, a partial world sum is used only for a reporter
    that has no published world total at all."""
    return group.every_partner and not _group_spans(engine, key, group)


def _candidate_spans(engine: Engine, key: SeriesKey, group: Group) -> list[Period]:
    """Spans where the partner or the group has figures, latest (then longest) first."""
    spans = set(spans_of(engine, key))
    if group.code:
        spans |= set(spans_of(engine, key.with_partner(group.code)))
    return by_end(spans)[::-1]


def share_of(
    engine: Engine,
    key: SeriesKey,
    group: Group,
    period: Period | None = None,
    *,
    accept_partial: bool = True,
    bulk: Bulk | None = None,
) -> Share | Unanswered:
    """The share of ``key.partner`` in ``key.reporter``'s trade with ``group``.

    ``accept_partial=False``: a share over a partial total (world summed over the
    partners in the data) is not wanted, so when no published total can exist the
    search is skipped. ``bulk``: the bulk helper of ``engine`` (``engine.masks``), which
    finds the group totals asking the engine only about members with figures.
    """
    group_value = bulk.group_value if bulk is not None else engine.group_value
    if period is not None:
        # The total first: one per reporter, while the partner's figure, when the
        # total is missing, would be worked out (by every rule) for nothing.
        total = group_value(key.reporter, group, key.flow, period, key.currency)
        if not _is_total(total, group, partial_ok=True):
            return Unanswered(key, missing_total(engine, key, group, period, total, bulk))
        part = engine.value(key, period)
        if not part.found:
            return no_figure(key, period, spans_of(engine, key))
        return Share(key, group.name, part, total, partial=partial_total(group, total))
    partial_ok = _partial_ok(engine, key, group)
    # A code without any figures: nothing but a sum over the partners present can answer.
    only_partial = group.every_partner and not _code_has_figures(engine, key, group)
    candidates = [] if only_partial and not accept_partial else _candidate_spans(engine, key, group)
    zero: list[Period] = []  # spans whose total is 0: said, not "no total"
    for span in candidates:
        if _lacks_member(engine, key, group, span, bulk):
            continue
        part = engine.value(key, span)
        if not part.found:
            continue
        total = group_value(key.reporter, group, key.flow, span, key.currency)
        if _is_total(total, group, partial_ok):
            return Share(key, group.name, part, total, partial=partial_total(group, total))
        if total.found and total.value == 0:
            zero.append(span)
    code = group.code or group.name
    if zero:
        shown = ", ".join(p.label() for p in zero[:6])
        return Unanswered(
            key,
            f"the {key.reporter}–{code} total is 0 in the spans that have the partner's "
            f"figure too ({shown}): no share of it",
        )
    group_spans = _group_spans(engine, key, group)
    shown = ", ".join(p.label() for p in group_spans) or "none"
    what = what_total(key.reporter, group)
    return Unanswered(
        key,
        f"no span has both the partner's figure and a {what}"
        + (f"; {key.reporter}–{code} spans in the data: {shown}" if group.code else ""),
    )


def no_figure(key: SeriesKey, period: Period, spans: list[Period]) -> Unanswered:
    """A share over ``period`` whose total is there and the partner's figure is not; its
    latest spans (``spans``: ``growth.spans_of``, oldest first) said."""
    shown = ", ".join(p.label() for p in spans[-6:]) or "none"
    return Unanswered(
        key, f"no {key.label()} figure for {period.label()}; its latest spans: {shown}"
    )


def what_total(reporter: str, group: Group) -> str:
    """The total a share needs, as "no span has both the partner's figure and a ..." names
    it: with a code, its published figure or a complete member sum (for world, a sum over
    at least two partners); else the complete member sum."""
    if not group.code:
        return f"complete {group.name} member sum"
    sum_of = "a sum over two or more partners" if group.every_partner else "a complete member sum"
    return f"{reporter}–{group.code} total (published, or {sum_of})"


def _code_has_figures(engine: Engine, key: SeriesKey, group: Group) -> bool:
    """Whether the group's own code has figures a published total could come from: for
    the flow, or for turnover also export or import (added up, over spans that may
    differ from either's own)."""
    if not group.code:
        return False
    code = key.with_partner(group.code)
    flows = [key.flow, *(("export", "import") if key.flow == "turnover" else ())]
    return any(engine.periods(code.with_flow(f)) for f in flows)


def _lacks_member(
    engine: Engine, key: SeriesKey, group: Group, span: Period, bulk: Bulk | None = None
) -> bool:
    """True when the group's total over ``span`` can only be an incomplete member sum
    (no published total, and a member without a figure), which ``_is_total`` refuses.
    Quicker than the sum while searching (see ``Engine.member_missing``). A world sum
    over the partners present is never complete; ``_is_total`` decides on it."""
    if group.every_partner:
        return False
    missing = bulk.member_missing if bulk is not None else engine.member_missing
    return missing(key.reporter, group, key.flow, span, key.currency)


def partial_total(group: Group, total: Answer) -> bool:
    """A world total summed over the partners present (no published one): partial."""
    return group.every_partner and total.rule == MEMBER_SUM


def _group_spans(engine: Engine, key: SeriesKey, group: Group) -> list[Period]:
    if not group.code:
        return []
    return spans_of(engine, key.with_partner(group.code))


def missing_total(
    engine: Engine,
    key: SeriesKey,
    group: Group,
    period: Period,
    total: Answer,
    bulk: Bulk | None = None,
    group_spans: list[Period] | None = None,
) -> str:
    """'no AZE–CIS total for Jan–Jul 2023; CIS totals in the data: …; member sum covers …'.
    ``group_spans``: the spans of the group's code, when the caller knows them (none, for
    a code without figures); else they are looked up."""
    code = group.code or group.name
    if total.found and total.value == 0:  # there is one: "no total" would contradict the spans
        return f"the {key.reporter}–{code} total for {period.label()} is 0: no share of it"
    if group_spans is None:
        group_spans = _group_spans(engine, key, group)
    shown = ", ".join(p.label() for p in group_spans)
    text = f"no {key.reporter}–{code} total for {period.label()}"
    if group.code:
        text += f"; {code} spans in the data: {shown or 'none'}"
    partners_for = bulk.partners_for if bulk is not None else engine.partners_for
    members = partners_for(key.reporter, group, period, key.currency)
    if total.rule == MEMBER_SUM:
        have = [p.key.partner for p in total.parts]
        text += (
            f"; the {group.name} members with figures ({', '.join(have)}) are {len(have)} of "
            f"{len(members)}, so their sum is not the total"
        )
    elif members:
        text += f"; none of the {len(members)} {group.name} members has a figure for it"
    return text


# -- one row per series ------------------------------------------------------------


@dataclass(frozen=True)
class ShareResult:
    group: Group
    period: Period | None
    shares: list[Share]
    unanswered: list[Unanswered] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group.name,
            "group_code": self.group.code or None,
            "period": self.period.iso() if self.period else None,
            "shares": shares_to_dicts(self.shares),
            "unanswered": [u.to_dict() for u in self.unanswered],
        }

    def report(self) -> Report:
        """What ``tradecli share`` shows: built in ``analysis.share_report``."""
        from tradecli.analysis.share_report import share_report

        return share_report(self)


def shares(
    dataset: Dataset, keys: list[SeriesKey], group: Group, period: Period | None = None
) -> ShareResult:
    """Each series' share of its reporter's trade with ``group``, largest first.

    Raise ``NotAvailable`` (saying what the data has) when no series has one.
    """
    engine = dataset.engine
    fast: dict[SeriesKey, Share | Unanswered] = {}
    if (period is None or group.every_partner) and bulk_engine.enabled(len(keys)):
        # The columnar path (``engine.bulk``) for the keys whose shares the columns answer.
        from tradecli.analysis.summary_bulk import Shares, columns_of

        if group.every_partner:
            from tradecli.analysis.share_bulk import world_shares

            fast = world_shares(dataset, columns_of(dataset), keys, group, period)
        else:
            columnar = Shares(dataset, columns_of(dataset), lambda: None)
            for key in keys:
                share = columnar.latest(key, group)
                if share is not None:
                    fast[key] = share
    rest = len(keys) - len(fast)
    bulk = bulk_for(engine, rest) if rest else None
    found: list[Share] = []
    unanswered: list[Unanswered] = []
    for key in keys:
        result = fast.get(key) or share_of(engine, key, group, period, bulk=bulk)
        if isinstance(result, Share):
            found.append(result)
        else:
            unanswered.append(result)
    if not found:
        reasons = list(dict.fromkeys(u.reason for u in unanswered))
        raise NotAvailable(nothing_message(group, period, reasons))
    found.sort(key=lambda s: usd_first(s.key, s.value))
    return ShareResult(group, period, found, unanswered)


def nothing_message(group: Group, period: Period | None, reasons: list[str]) -> str:
    what = f"for {period.label()}" if period else "for any span"
    head = f"no share of {group.name} can be computed {what}"
    # The reason about the group total is the same for every partner; say it first, once.
    totals = [r for r in reasons if r.startswith("no ") and " total " in r.split(";")[0]]
    rest = [r for r in reasons if r not in totals]
    return "; ".join([head, *totals[:3], *rest[:3]])


def member_keys(
    dataset: Dataset, group: Group, reporters: list[str], partner: str | None, flow: str
) -> list[SeriesKey]:
    """The series whose share of ``group`` can be asked: reporter × member partners in the data."""
    members = {m.member for m in group.members}
    every_partner = group.every_partner
    # Each (reporter, partner, currency) once, its key made once (a whole file: 10^5 keys
    # of several flows each).
    out: set[tuple[str, str, str]] = set()
    codes, asked = dataset.groups.codes, set(reporters)
    for reporter, key_partner, _, currency in dataset.keys():
        if reporter not in asked or key_partner in codes:
            continue
        if partner is not None and key_partner != partner:
            continue
        if key_partner == reporter:
            continue
        if every_partner or key_partner in members:
            out.add((reporter, key_partner, currency))
    return [SeriesKey(r, p, flow, c) for r, p, c in sorted(out)]


# -- every member ranked -----------------------------------------------------------


@dataclass(frozen=True)
class Ranking:
    """Every member of the group ranked by its share of one reporter's total over one span."""

    reporter: str
    group: Group
    total: Answer
    members: list[Answer]
    missing: list[str]
    partner: str | None = None

    @property
    def period(self) -> Period:
        return self.total.period

    @property
    def covered(self) -> float | None:
        """The members' sum as a fraction of the total."""
        if not self.total.value:
            return None
        return sum(a.value or 0.0 for a in self.members) / self.total.value

    def to_dict(self) -> dict[str, Any]:
        total = self.total.value or 0.0
        return {
            "reporter": self.reporter,
            "group": self.group.name,
            "period": self.period.iso(),
            "total": self.total.value,
            "basis": "published total" if self.total.rule == AGGREGATE else "member sum",
            "partial": partial_total(self.group, self.total),
            "members": [
                {
                    **a.to_dict(),
                    "share": (a.value or 0.0) / total if total else None,
                    **share_range(a, self.total, (a.value or 0.0) / total if total else None),
                }
                for a in self.members
            ],
            "missing": self.missing,
            "covered": self.covered,
            "denominator": self.total.to_dict(),
        }


@dataclass(frozen=True)
class RankingResult:
    rankings: list[Ranking]
    unanswered: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rankings": [r.to_dict() for r in self.rankings],
            "unanswered": [{"reporter": r, "reason": why} for r, why in self.unanswered],
        }

    def report(self) -> Report:
        """What ``tradecli share --rank`` shows: built in ``analysis.share_report``."""
        from tradecli.analysis.share_report import ranking_report

        return ranking_report(self)


def rank_members(
    engine: Engine,
    reporter: str,
    group: Group,
    flow: str,
    period: Period | None = None,
    partner: str | None = None,
    currency: str = "USD",
) -> Ranking | str:
    """Every member's share over ``period``.

    By default over the span with a group total where the most members have
    figures (the latest among equals): a ranking of one member says little.
    """
    probe = SeriesKey(reporter, group.code or group.name.upper(), flow, currency)
    if period is None:
        spans: set[Period] = set(_group_spans(engine, probe, group))
        for member in engine.partners_for(reporter, group, Period(0, 10**6), currency):
            spans |= set(spans_of(engine, probe.with_partner(member)))
        partial_ok = _partial_ok(engine, probe, group)
        best: Ranking | None = None
        for span in by_end(spans)[::-1]:
            total = engine.group_value(reporter, group, flow, span, currency)
            if _is_total(total, group, partial_ok):
                ranking = _ranking(engine, reporter, group, total, partner, currency)
                if best is None or len(ranking.members) > len(best.members):
                    best = ranking
        if best is not None:
            return best
        code = group.code or group.name
        shown = ", ".join(p.label() for p in _group_spans(engine, probe, group)) or "none"
        return (
            f"no span with a {reporter}–{code} total or a complete member sum; "
            f"{code} totals in the data: {shown}"
        )
    total = engine.group_value(reporter, group, flow, period, currency)
    if not _is_total(total, group, partial_ok=True):
        return missing_total(engine, probe, group, period, total)
    return _ranking(engine, reporter, group, total, partner, currency)


def _ranking(
    engine: Engine, reporter: str, group: Group, total: Answer, partner: str | None, currency: str
) -> Ranking:
    period = total.period
    members = engine.partners_for(reporter, group, period, currency)
    answers = [
        engine.value(SeriesKey(reporter, m, total.key.flow, currency), period) for m in members
    ]
    found = sorted((a for a in answers if a.found), key=lambda a: -(a.value or 0.0))
    missing = [a.key.partner for a in answers if not a.found]
    return Ranking(reporter, group, total, found, missing, partner)


def rankings(
    dataset: Dataset,
    reporters: list[str],
    group: Group,
    flow: str,
    period: Period | None = None,
    partner: str | None = None,
) -> RankingResult:
    engine = dataset.engine
    fast: dict[str, Ranking | str] = {}
    if period is None and group.every_partner and bulk_engine.enabled(len(dataset.keys())):
        # The columnar path (``engine.bulk``) for the reporters whose world sums it makes.
        from tradecli.analysis.share_bulk import world_rankings
        from tradecli.analysis.summary_bulk import columns_of

        fast = world_rankings(dataset, columns_of(dataset), reporters, group, flow, partner)
    found: list[Ranking] = []
    unanswered: list[tuple[str, str]] = []
    for reporter in reporters:
        result = (
            fast[reporter]
            if reporter in fast
            else rank_members(engine, reporter, group, flow, period, partner)
        )
        if isinstance(result, Ranking):
            found.append(result)
        else:
            unanswered.append((reporter, result))
    if not found:
        raise NotAvailable("; ".join(f"{r}: {why}" for r, why in unanswered))
    return RankingResult(found, unanswered)


# -- the question ``tradecli share`` asks --------------------------------------------


def group_shares(
    dataset: Dataset,
    group: Group,
    selection: Selection,
    period: Period | None = None,
    rank_all: bool = False,
) -> ShareResult | RankingResult:
    """The selected partner's share of ``group`` (default: every member in the data), or,
    with ``rank_all``, every member ranked (the selected partner marked).

    The reporter is the one selected or the only one the data makes obvious for the
    group, else every reporter. Raise ``NotAvailable`` when the partner is not a member
    of the group or no reporter has a series with a member.
    """
    if rank_all:
        reporters = _reporters_of(dataset, group, selection)
        flow = selection.flow or "turnover"
        return rankings(dataset, reporters, group, flow, period, selection.partner)
    return shares(dataset, share_keys(dataset, group, selection), group, period)


def _reporters_of(dataset: Dataset, group: Group, selection: Selection) -> list[str]:
    try:
        return [selection.reporter_or_only(dataset, group)]
    except AmbiguousSelection:
        return dataset.reporters()


def share_keys(dataset: Dataset, group: Group, selection: Selection) -> list[SeriesKey]:
    """The series whose shares ``group_shares`` computes: the selected partner (default:
    every member in the data) of the reporter selected or the only one the data makes
    obvious for the group, else of every reporter. Raise ``NotAvailable`` when the
    partner is not a member of the group or no reporter has a series with a member.
    Only the data's keys are used (a ``Dataset`` of the keys alone will do)."""
    reporters = _reporters_of(dataset, group, selection)
    flow = selection.flow or "turnover"
    partner = selection.partner
    if partner and not group.every_partner:
        members = {m.member for m in group.members}
        if partner not in members:
            raise NotAvailable(
                f"{partner} is not a member of {group.name}; its members are: "
                f"{', '.join(sorted(members))}"
            )
    keys = member_keys(dataset, group, reporters, partner, flow)
    if not keys:
        raise NotAvailable(
            f"no series of {', '.join(reporters)} with a member of {group.name} in the data"
        )
    return keys
