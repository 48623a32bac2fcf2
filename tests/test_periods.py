"""Periods: every notation of docs/design.md and the README parses, formats and round-trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradecli.errors import BadPeriod
from tradecli.periods import ACCEPTED_FORMS, Period, month_index


def span(first: tuple[int, int], last: tuple[int, int]) -> tuple[int, int]:
    """(year, month) pairs → the month indices Period should hold."""
    return first[0] * 12 + first[1] - 1, last[0] * 12 + last[1] - 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022", span((2022, 1), (2022, 12))),
        ("2023-Q2", span((2023, 4), (2023, 6))),
        ("2023-Q4", span((2023, 10), (2023, 12))),
        ("2023-H1", span((2023, 1), (2023, 6))),
        ("2023-H2", span((2023, 7), (2023, 12))),
        ("2023-07", span((2023, 7), (2023, 7))),
        ("2023-01/2023-07", span((2023, 1), (2023, 7))),
        ("2023-01..2023-07", span((2023, 1), (2023, 7))),
        ("2022-11/2023-02", span((2022, 11), (2023, 2))),
        (" 2023-1 ", span((2023, 1), (2023, 1))),
    ],
)
def test_every_notation_parses(text: str, expected: tuple[int, int]) -> None:
    period = Period.parse(text)
    assert (period.first, period.last) == expected


@pytest.mark.parametrize(
    ("text", "iso", "label"),
    [
        ("2022", "2022", "2022"),
        ("2023-Q2", "2023-Q2", "Q2 2023"),
        ("2023-04/2023-06", "2023-Q2", "Q2 2023"),
        ("2023-H1", "2023-H1", "Jan–Jun 2023"),
        ("2023-07", "2023-07", "Jul 2023"),
        ("2023-01/2023-07", "2023-01/2023-07", "Jan–Jul 2023"),
        ("2022-11..2023-02", "2022-11/2023-02", "Nov 2022–Feb 2023"),
        ("2023-01/2023-01", "2023-01", "Jan 2023"),
    ],
)
def test_canonical_and_readable_forms(text: str, iso: str, label: str) -> None:
    period = Period.parse(text)
    assert period.iso() == iso
    assert period.label() == label


@pytest.mark.parametrize(
    "text", ["2023-13", "2023-07/2023-01", "2023-Q5", "2023-H3", "23", "July 2023", "", "2023/"]
)
def test_nonsense_is_refused_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(BadPeriod) as info:
        Period.parse(text)
    assert ACCEPTED_FORMS in str(info.value)


def test_questions_about_a_span() -> None:
    jan_jul = Period.parse("2023-01/2023-07")
    assert jan_jul.n_months == 7
    assert jan_jul.is_year_to_date and not jan_jul.is_full_year
    assert Period.parse("2023").is_full_year
    assert not Period.parse("2023-Q2").is_year_to_date
    assert Period.parse("2023").contains(jan_jul)
    assert not jan_jul.contains(Period.parse("2023"))
    assert jan_jul.shifted_years(-1) == Period.parse("2022-01/2022-07")
    assert Period.ytd(2023, 7) == jan_jul
    assert Period.year(2022) == Period.parse("2022")


months = st.integers(min_value=1990 * 12, max_value=2040 * 12)


@given(months, st.integers(min_value=0, max_value=40))
def test_iso_round_trips(first: int, length: int) -> None:
    period = Period(first, first + length)
    assert Period.parse(period.iso()) == period
    assert period.label()


@given(months, st.integers(min_value=0, max_value=40))
def test_a_span_contains_itself_and_its_months(first: int, length: int) -> None:
    period = Period(first, first + length)
    assert period.contains(period)
    inner = [Period(m, m) for m in range(period.first, period.last + 1)]
    assert all(period.contains(m) for m in inner)
    assert sum(m.n_months for m in inner) == period.n_months == length + 1
    before, after = Period(first - 1, first - 1), Period(period.last + 1, period.last + 1)
    assert not period.contains(before) and not period.contains(after)
    assert period.overlaps(inner[0]) and not period.overlaps(before)


def test_a_span_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(BadPeriod, match=r"ends .2022-01. before it starts .2022-03."):
        Period(month_index(2022, 3), month_index(2022, 1))
    with pytest.raises(BadPeriod):
        Period.parse("2022-03/2022-01")


def test_periods_order_by_first_month_then_last_and_months_are_shared() -> None:
    spans = [Period.parse(t) for t in ("2023", "2022-Q2", "2022", "2022-04")]
    assert sorted(spans) == [Period.parse(t) for t in ("2022", "2022-04", "2022-Q2", "2023")]
    march = month_index(2022, 3)
    assert Period.month(march) is Period.month(march) == Period(march, march)
    assert {Period.parse("2022-03"): 1}[Period.month(march)] == 1


@given(st.sets(st.tuples(st.integers(0, 40), st.integers(0, 12)), max_size=30))
def test_by_end_orders_as_last_month_then_length(drawn: set[tuple[int, int]]) -> None:
    from tradecli.periods import by_end

    spans = {Period(first, first + length) for first, length in drawn}
    assert by_end(spans) == sorted(spans, key=lambda p: (p.last, p.n_months))
