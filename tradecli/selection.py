"""Which series a command answers for: ``--reporter``/``--partner``/``--flow`` → series keys.

Defaults follow the data: with one reporter in the data, that one; with no
partner given, every partner the reporter has. Names and codes both work.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from tradecli.countries import country_name, country_names, resolve_country
from tradecli.dataset import Dataset
from tradecli.engine.answers import SeriesKey
from tradecli.errors import AmbiguousSelection, NotAvailable, UnknownCountry, UnknownGroup
from tradecli.groups import Group, Groups
from tradecli.observations import FLOWS


class GroupAsPartner(UnknownCountry):
    """A group named where one country is asked for (``--partner central-asia``) by a
    command that answers for countries: the group's trade is asked with ``--vs``."""

    def __init__(self, text: str, group: Group) -> None:
        self.group = group
        name = group.name
        super().__init__(
            f"{text.strip()!r} is a group, not a country: ask with --vs {name} "
            f"(its trade, the members summed: tradecli value --vs {name} --period SPAN; "
            f"a partner's share of it: tradecli share --vs {name} --partner COUNTRY)"
        )


def resolve_entity(text: str, dataset: Dataset) -> str:
    """A country name/code or a group code present in the data → its code; a publisher's
    aggregate (``IMF:MIDDLE-EAST``, ``COMTRADE:EU-28``) also by the name the file uses
    (``Middle East``, ``EU-28``). A group named otherwise (``central-asia``, ``cis-stat``)
    is a ``GroupAsPartner`` error; an unknown name suggests countries and groups alike."""
    upper = text.strip().upper()
    partners = {str(p) for p in dataset.frame["partner"].unique()}  # distinct values only
    if upper in dataset.groups.codes or upper in partners:
        return upper
    reporters = {str(r) for r in dataset.frame["reporter"].unique()}
    if upper in reporters:
        return upper
    named = _aggregate_named(text, partners | reporters)
    if named:
        return named
    group = _group_named(text, dataset.groups)
    if group is not None:
        raise GroupAsPartner(text, group)
    try:
        return resolve_country(text)
    except UnknownCountry:
        raise UnknownCountry(
            f"unknown country {text.strip()!r}{did_you_mean(text, dataset.groups)}"
        ) from None


def partner_group(text: str | None, dataset: Dataset) -> Group | None:
    """The group ``text`` names when, as ``--partner``, it is a group and not a partner
    of the data (``central-asia``; not ``cis``, whose published total is a series)."""
    if not text:
        return None
    try:
        resolve_entity(text, dataset)
    except GroupAsPartner as exc:
        return exc.group
    except UnknownCountry:
        return None
    return None


def _group_named(text: str, groups: Groups) -> Group | None:
    try:
        return groups.get(text)
    except UnknownGroup:
        return None


def did_you_mean(raw: str, groups: Groups) -> str:
    """'; did you mean X, Y?': the closest country names and group names to ``raw``."""
    options = {name.lower(): name for name in country_names()}
    options.update({name: f"{name} (a group)" for name in sorted(groups.by_name)})
    key = raw.strip().lower()
    close = difflib.get_close_matches(key, list(options), n=3, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(key, list(options), n=3, cutoff=0.5)
    return f"; did you mean {', '.join(options[c] for c in close)}?" if close else ""


def _aggregate_named(text: str, codes: set[str]) -> str | None:
    """The publisher aggregate in ``codes`` that ``text`` names, if exactly one does."""
    from tradecli.countries import aggregate_names, normalize_name

    key = normalize_name(text)
    wanted = "-".join(key.upper().split())
    names = aggregate_names()
    found = sorted(
        code
        for code in codes
        if ":" in code
        and "/" not in code
        and (code.split(":", 1)[1] == wanted or key in names.get(code, []))
    )
    return found[0] if len(found) == 1 else None


def entity_name(code: str) -> str:
    return country_name(code) if len(code) == 3 and code.isalpha() else code


@dataclass(frozen=True)
class Selection:
    reporter: str | None = None
    partner: str | None = None
    flow: str | None = None
    currency: str | None = None

    @classmethod
    def parse(
        cls,
        dataset: Dataset,
        reporter: str | None,
        partner: str | None,
        flow: str | None = None,
        currency: str | None = None,
    ) -> Selection:
        if flow is not None and flow not in FLOWS:
            raise NotAvailable(f"unknown flow {flow!r}; flows are: {', '.join(FLOWS)}")
        return cls(
            resolve_entity(reporter, dataset) if reporter else None,
            resolve_entity(partner, dataset) if partner else None,
            flow,
            currency.upper() if currency else None,
        )

    def keys(self, dataset: Dataset, default_flow: str = "turnover") -> list[SeriesKey]:
        """Every series in the data matching the selection (turnover derivable from X+M)."""
        flow = self.flow or default_flow
        wanted_reporter, wanted_partner, wanted_currency = (
            self.reporter,
            self.partner,
            self.currency,
        )
        keys = dataset.keys()
        if wanted_reporter or wanted_partner or wanted_currency:
            keys = [
                key
                for key in keys
                if (not wanted_reporter or key.reporter == wanted_reporter)
                and (not wanted_partner or key.partner == wanted_partner)
                and (not wanted_currency or key.currency == wanted_currency)
            ]
        if not keys:
            raise NotAvailable(self._nothing_message(dataset))
        # Each (reporter, partner, currency) selected once (a whole file: ~10^5), and the
        # flows of them all.
        pairs = sorted({(r, p, c) for r, p, _, c in keys})
        # Data with one flow (exports alone): turnover needs both, so the flow it has.
        present = {key.flow for key in keys}
        only = next(iter(present)) if len(present) == 1 else None
        if self.flow is None and flow == "turnover" and only not in (None, "turnover"):
            flow = str(only)
        return [SeriesKey(r, p, flow, c) for r, p, c in pairs]

    def reporter_or_only(self, dataset: Dataset, group: Group | None = None) -> str:
        """The selected reporter, else the only one in the data, else (for a group
        question) the only reporter with figures for that group or its members."""
        if self.reporter:
            return self.reporter
        reporters = dataset.reporters()
        if len(reporters) == 1:
            return reporters[0]
        if group is not None:
            keys = dataset.keys()
            members = {m.member for m in group.members}
            with_total = sorted({k.reporter for k in keys if k.partner == group.code})
            candidates = with_total or sorted({k.reporter for k in keys if k.partner in members})
            if len(candidates) == 1:
                return candidates[0]
            if candidates:
                reporters = candidates
        raise AmbiguousSelection(
            f"the data has several reporters ({', '.join(reporters)}); choose one with --reporter"
        )

    def _nothing_message(self, dataset: Dataset) -> str:
        wanted = "–".join(x for x in (self.reporter, self.partner) if x)
        keys = dataset.keys()
        # The reporter's own series; when it has none, every series there is.
        mine = [k for k in keys if k.reporter == self.reporter] if self.reporter else keys
        pairs = sorted({f"{k.reporter}–{k.partner}" for k in mine or keys})
        shown = ", ".join(pairs[:20]) + (" …" if len(pairs) > 20 else "") or "none"
        return f"no series for {wanted or 'the selection'} in the data; series present: {shown}"
