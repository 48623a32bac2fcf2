"""Which series a command answers for: ``--reporter``/``--partner``/``--flow`` → series keys.

Defaults follow the data: with one reporter in the data, that one; with no
partner given, every partner the reporter has. Names and codes both work.
"""

from __future__ import annotations

from dataclasses import dataclass

from tradecli.countries import country_name, resolve_country, suggest
from tradecli.dataset import Dataset
from tradecli.engine.answers import SeriesKey
from tradecli.errors import AmbiguousSelection, NotAvailable, UnknownCountry
from tradecli.groups import Group
from tradecli.observations import FLOWS


def resolve_entity(text: str, dataset: Dataset) -> str:
    """A country name/code or a group code present in the data → its code; a publisher's
    aggregate (``IMF:MIDDLE-EAST``, ``COMTRADE:EU-28``) also by the name the file uses
    (``Middle East``, ``EU-28``)."""
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
    try:
        return resolve_country(text)
    except UnknownCountry as exc:
        codes = sorted(dataset.groups.codes)
        raise UnknownCountry(f"{exc}{suggest(upper, codes) if len(upper) <= 6 else ''}") from None


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
        out: set[SeriesKey] = set()
        flows: dict[SeriesKey, set[str]] = {}
        for key in dataset.engine.keys():
            if self.reporter and key.reporter != self.reporter:
                continue
            if self.partner and key.partner != self.partner:
                continue
            if self.currency and key.currency != self.currency:
                continue
            flows.setdefault(key.with_flow(flow), set()).add(key.flow)
        # Data with one flow (exports alone): turnover needs both, so the flow it has.
        present = set().union(*flows.values()) if flows else set()
        only = next(iter(present)) if len(present) == 1 else None
        one = self.flow is None and flow == "turnover" and only not in (None, "turnover")
        out.update(key.with_flow(str(only)) if one else key for key in flows)
        if not out:
            raise NotAvailable(self._nothing_message(dataset))
        return sorted(out)

    def reporter_or_only(self, dataset: Dataset, group: Group | None = None) -> str:
        """The selected reporter, else the only one in the data, else (for a group
        question) the only reporter with figures for that group or its members."""
        if self.reporter:
            return self.reporter
        reporters = dataset.reporters()
        if len(reporters) == 1:
            return reporters[0]
        if group is not None:
            engine = dataset.engine
            members = {m.member for m in group.members}
            with_total = sorted({k.reporter for k in engine.keys() if k.partner == group.code})
            candidates = with_total or sorted(
                {k.reporter for k in engine.keys() if k.partner in members}
            )
            if len(candidates) == 1:
                return candidates[0]
            if candidates:
                reporters = candidates
        raise AmbiguousSelection(
            f"the data has several reporters ({', '.join(reporters)}); choose one with --reporter"
        )

    def _nothing_message(self, dataset: Dataset) -> str:
        wanted = "–".join(x for x in (self.reporter, self.partner) if x)
        keys = dataset.engine.keys()
        # The reporter's own series; when it has none, every series there is.
        mine = [k for k in keys if k.reporter == self.reporter] if self.reporter else keys
        pairs = sorted({f"{k.reporter}–{k.partner}" for k in mine or keys})
        shown = ", ".join(pairs[:20]) + (" …" if len(pairs) > 20 else "") or "none"
        return f"no series for {wanted or 'the selection'} in the data; series present: {shown}"
