"""Claims: reading stated figures and claims files, verdicts, vintages, bounds."""

from __future__ import annotations

import json
import math
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.frames import frame, obs
from tradecli.analysis.claims import (
    ClaimsFile,
    Estimate,
    Verdict,
    Verification,
    digit_step,
    judge,
    parse_claims,
    parse_stated,
    read_claims,
    url_variants,
    value_estimate,
    verify,
)
from tradecli.dataset import Dataset, Filters
from tradecli.engine.answers import SeriesKey
from tradecli.engine.reference import Engine
from tradecli.errors import BadInput, ClaimsInconsistent
from tradecli.groups import load_bundled
from tradecli.periods import Period
from tradecli.readers.common import published_step

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "claims" / "trend-2023-09-14.toml"
MENAFN = (
    "https://menafn.com/1107065698/"
    "Central-Asias-Pursuit-Of-Stronger-Partnership-With-Azerbaijan-Tajikistans-Case"
)
TJK = SeriesKey("AZE", "TJK", "turnover")


def dataset(*rows: dict[str, Any]) -> Dataset:
    return Dataset(frame(*rows), load_bundled(), [], Filters())


def claims(body: str, head: str = 'reporter = "AZE"\npartner = "TJK"\n') -> ClaimsFile:
    return parse_claims(head + body, "claims.toml")


def one(data: Dataset, body: str, head: str = 'reporter = "AZE"\npartner = "TJK"\n') -> Any:
    return verify(data, claims(body, head)).results[0]


# -- stated figures -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "step", "qualifier", "low", "high", "currency"),
    [
        ("over 2.3 million USD", 2.3e6, 1e5, "over", 2.3e6, 2.4e6, "USD"),
        ("$5.8 million", 5.8e6, 1e5, "", 5.75e6, 5.85e6, "USD"),
        ("about 1.9 billion", 1.9e9, 1e8, "about", 1.85e9, 1.95e9, "USD"),
        # trailing zeros of an integer are rounding: "300" is known to the hundred
        ("almost 300 billion RUB", 3e11, 1e11, "almost", 2e11, 3e11, "RUB"),
        ("1,786 thousand", 1.786e6, 1e3, "", 1.7855e6, 1.7865e6, "USD"),
        ("US$ 4.103 mln", 4.103e6, 1e3, "", 4.1025e6, 4.1035e6, "USD"),
        ("more than €2 bn", 2e9, 1e9, "over", 2e9, 3e9, "EUR"),
        ("nearly 5.2 million dollars", 5.2e6, 1e5, "almost", 5.1e6, 5.2e6, "USD"),
        ("0.06%", 0.0006, 0.0001, "", 0.00055, 0.00065, None),
        ("+7.2%", 0.072, 0.001, "", 0.0715, 0.0725, None),
        ("0.06 percent", 0.0006, 0.0001, "", 0.00055, 0.00065, None),
        # a fall of over 12%: at most −12%, more than −13%
        ("over -12%", -0.12, 0.01, "over", -0.13, -0.12, None),
        # an integer's trailing zero is rounding, for percentages too (the cautious reading)
        ("20%", 0.2, 0.1, "", 0.15, 0.25, None),
    ],
)
def test_stated_figures_are_read_with_their_precision(
    text: str,
    value: float,
    step: float,
    qualifier: str,
    low: float,
    high: float,
    currency: str | None,
) -> None:
    stated = parse_stated(text)
    assert stated.value == pytest.approx(value)
    assert stated.step == pytest.approx(step)
    assert stated.qualifier == qualifier
    assert stated.bounds == pytest.approx((low, high))
    assert stated.currency == currency


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5,8 million", "decimal comma"),
        ("2.3 milion", "'milion' is not understood"),
        ("-$5 million", "not negative"),
        ("5% million", "not understood"),
        ("two million", "not a figure as published"),
        ("$5 million RUB", "two currencies"),
    ],
)
def test_stated_figures_that_do_not_parse_say_why(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_stated(text)


@pytest.mark.parametrize("digits", ["2.3", "4.103", "25472", "460", "300", "0", "0.06", "1000"])
def test_digit_step_reads_figures_like_the_data_readers(digits: str) -> None:
    assert float(digit_step(digits)) == pytest.approx(published_step(digits))


# -- claims files ---------------------------------------------------------------------------


def test_the_example_file_reads_with_file_level_defaults() -> None:
    parsed = read_claims(EXAMPLE)
    assert [c.measure for c in parsed.claims] == ["value", "value", "share"]
    assert all(c.reporter == "Azerbaijan" and c.partner == "Tajikistan" for c in parsed.claims)
    assert all(c.published == "2023-09-14" and c.source_url == MENAFN for c in parsed.claims)
    assert parsed.claims[1].period == Period.parse("2023-01/2023-07")
    assert parsed.claims[2].vs == "cis-stat"
    assert parsed.title.startswith("Trend News Agency")


def test_bad_claims_are_reported_each_with_its_line() -> None:
    text = (
        "[[claim]]\n"  # 1
        'measure = "valeu"\n'  # 2
        'period = "2023-13"\n'  # 3
        'stated = "over 2.3 milion"\n'  # 4
        'mesure = "x"\n'  # 5
        "\n"
        "[[claim]]\n"  # 7
        'measure = "share"\n'  # 8
        'period = "2022"\n'  # 9
        'stated = "$5 million"\n'  # 10
        'published = "someday"\n'  # 11
    )
    with pytest.raises(BadInput) as caught:
        parse_claims(text, "c.toml")
    shown = str(caught.value).splitlines()
    assert "c.toml:2: claim 1: measure: 'valeu': measures are: value, share, growth" in shown
    assert any(s.startswith("c.toml:3: claim 1: period: '2023-13': ") for s in shown)
    assert any(s.startswith("c.toml:4: claim 1: stated: 'over 2.3 milion': ") for s in shown)
    assert any(
        s.startswith("c.toml:5: claim 1: mesure: ") and "did you mean measure" in s for s in shown
    )
    assert any(
        s.startswith("c.toml:7: claim 2: vs: ") and "a share is of a group" in s for s in shown
    )
    assert any(s.startswith("c.toml:7: claim 2: partner: ") for s in shown)
    assert any(
        "c.toml:10: claim 2: stated: '$5 million': a share claim states a percentage" in s
        for s in shown
    )
    assert any(s.startswith("c.toml:11: claim 2: published: 'someday': not a date") for s in shown)


def test_toml_syntax_errors_name_the_line() -> None:
    with pytest.raises(BadInput, match=r"^c\.toml:3: -: '': not valid TOML: "):
        parse_claims('[[claim]]\nperiod = "2022"\nstated = $5 million\n', "c.toml")


def test_a_file_without_claims_says_what_a_claim_is() -> None:
    with pytest.raises(BadInput, match=r"no \[\[claim\]\] tables"):
        parse_claims('title = "nothing"\n', "c.toml")


def test_names_are_resolved_against_the_data_with_lines(bundled: Dataset) -> None:
    parsed = parse_claims(
        '[[claim]]\npartner = "Tajikstan"\nperiod = "2022"\nstated = "$5.8 million"\n', "c.toml"
    )
    with pytest.raises(BadInput) as caught:
        verify(bundled, parsed)
    text = str(caught.value)
    assert "c.toml:1: claim 1: reporter: '': missing: the data has several reporters" in text
    assert (
        "c.toml:2: claim 1: partner: 'Tajikstan': unknown country 'Tajikstan'; did you mean "
        "Tajikistan" in text
    )


# -- verdicts on the article (bundled data) ------------------------------------------------------


@pytest.fixture(scope="module")
def article() -> Verification:
    from tradecli.dataset import load

    return verify(load(), read_claims(EXAMPLE))


def test_2022_is_consistent_as_published_then_and_revised_since(article: Verification) -> None:
    result = article.results[0]
    assert result.verdict is Verdict.consistent
    assert result.decisive.data == "as of 2023-09-14"
    assert result.decisive.estimate.value == 5.8e6
    assert result.revised
    assert result.other is not None and result.other.verdict is Verdict.inconsistent
    assert result.other.estimate.value == 5.9e6
    assert result.other.judgement.gap == pytest.approx(5.9e6 - 5.8e6)
    assert any("since revised" in n and "$5.9M" in n for n in result.notes())


def test_jan_jul_2023_is_bounded_by_jan_jun_and_jan_aug(article: Verification) -> None:
    result = article.results[1]
    assert result.verdict is Verdict.bounded
    assert result.decisive.judgement.inside == "inside"
    estimate = result.decisive.estimate
    assert estimate.lower is not None and estimate.upper is not None
    assert (estimate.lower.period, estimate.lower.value) == (Period.parse("2023-H1"), 1.786e6)
    assert (estimate.upper.period, estimate.upper.value) == (
        Period.parse("2023-01/2023-08"),
        4.103e6,
    )
    # The Jan–Aug figure is undated: as known on the day only Jan–Jun bounds it, from below.
    assert result.decisive.data == "current"
    assert result.other is not None and result.other.verdict is Verdict.unverifiable
    assert result.other.estimate.has_low and not result.other.estimate.has_high


def test_the_cis_share_is_unverifiable_for_want_of_a_cis_total(article: Verification) -> None:
    result = article.results[2]
    assert result.verdict is Verdict.unverifiable
    assert any("no AZE–CIS total for Jan–Jul 2023" in m for m in result.decisive.estimate.missing)
    # the stated share implies a CIS total: 1.7855M / 0.065% … 4.1035M / 0.055%
    assert "$2.747B to $7.461B" in result.implied_total()


def test_the_article_is_never_checked_against_itself(article: Verification) -> None:
    for result in article.results:
        assert result.decisive.left_out["from the claim's own source"] == 2
    assert article.inconsistent == []
    article.raise_for_inconsistent()  # nothing inconsistent: no error


def test_json_is_plain_data(article: Verification) -> None:
    text = json.dumps(article.to_dict(), allow_nan=False)
    assert json.loads(text)["counts"] == {
        "consistent": 1,
        "inconsistent": 0,
        "bounded": 1,
        "unverifiable": 1,
    }


# -- verdicts on small data --------------------------------------------------------------------


def test_inconsistent_gives_the_computed_value_and_the_gap() -> None:
    data = dataset(obs("2022", 5.9e6, step=1e5))
    result = one(data, '[[claim]]\nperiod = "2022"\nstated = "$5.8 million"\n')
    assert result.verdict is Verdict.inconsistent
    assert result.decisive.estimate.value == 5.9e6
    assert result.decisive.judgement.gap == pytest.approx(100_000)
    with pytest.raises(ClaimsInconsistent, match="1 of 1 claims inconsistent"):
        verify(
            data, claims('[[claim]]\nperiod = "2022"\nstated = "$5.8 million"\n')
        ).raise_for_inconsistent()


@pytest.mark.parametrize(
    ("value", "stated", "verdict", "gap"),
    [
        (2.317e6, "over 2.3 million", Verdict.consistent, None),
        (2.25e6, "over 2.3 million", Verdict.inconsistent, -50_000),  # not at least 2.3M
        (2.45e6, "over 2.3 million", Verdict.inconsistent, 150_000),  # beyond the next step
        (2.317e6, "almost 2.4 million", Verdict.consistent, None),
        (2.417e6, "almost 2.4 million", Verdict.inconsistent, 17_000),  # over, not under
        (2.317e6, "about 2.3 million", Verdict.consistent, None),
        (2.36e6, "about 2.3 million", Verdict.inconsistent, 60_000),
    ],
)
def test_qualifiers(value: float, stated: str, verdict: Verdict, gap: float | None) -> None:
    data = dataset(obs("2023-01/2023-07", value, step=1e3))
    result = one(data, f'[[claim]]\nperiod = "2023-01/2023-07"\nstated = "{stated}"\n')
    assert result.verdict is verdict
    if gap is None:
        assert result.decisive.judgement.gap is None
    else:
        assert result.decisive.judgement.gap == pytest.approx(gap)


def test_a_figure_published_as_approximate_carries_its_qualifier() -> None:
    # The data says "over 2.3 million" (2.3M–2.4M): "$2.35 million" may be true.
    data = dataset(obs("2023-01/2023-07", 2.3e6, step=1e5, flags="over"))
    assert (
        one(data, '[[claim]]\nperiod = "2023-01/2023-07"\nstated = "$2.35 million"\n').verdict
        is Verdict.consistent
    )
    assert (
        one(data, '[[claim]]\nperiod = "2023-01/2023-07"\nstated = "$2.25 million"\n').verdict
        is Verdict.inconsistent
    )


CUMULATIVE = (
    obs("2023-01/2023-06", 1.786e6, step=1e3),
    obs("2023-01/2023-08", 4.103e6, step=1e3),
)


@pytest.mark.parametrize(
    ("stated", "verdict", "inside", "gap"),
    [
        ("over 2.3 million", Verdict.bounded, "inside", None),
        ("about 4.1 million", Verdict.bounded, "partly inside", None),  # 4.05M–4.15M
        ("$1.5 million", Verdict.inconsistent, "", 1.786e6 - 1.5e6),  # under Jan–Jun
        ("$4.5 million", Verdict.inconsistent, "", 4.103e6 - 4.5e6),  # over Jan–Aug
    ],
)
def test_cumulative_spans_bound_a_missing_span(
    stated: str, verdict: Verdict, inside: str, gap: float | None
) -> None:
    result = one(
        dataset(*CUMULATIVE), f'[[claim]]\nperiod = "2023-01/2023-07"\nstated = "{stated}"\n'
    )
    assert result.verdict is verdict
    assert result.decisive.judgement.inside == inside
    if gap is not None:
        assert result.decisive.judgement.gap == pytest.approx(gap)


def test_a_one_sided_bound_that_does_not_decide_is_unverifiable() -> None:
    result = one(
        dataset(CUMULATIVE[0]),
        '[[claim]]\nperiod = "2023-01/2023-07"\nstated = "over 2.3 million"\n',
    )
    assert result.verdict is Verdict.unverifiable
    assert "no span around it to bound it from above" in result.decisive.estimate.missing[0]
    # …but one that contradicts the claim decides.
    result = one(
        dataset(CUMULATIVE[0]),
        '[[claim]]\nperiod = "2023-01/2023-07"\nstated = "almost 1.5 million"\n',
    )
    assert result.verdict is Verdict.inconsistent


def test_growth_like_for_like() -> None:
    # 2.2M vs 2.0M is +10%; each known to ±0.05M, so the change lies in
    # 2.15/2.05 − 1 = +4.9% … 2.25/1.95 − 1 = +15.4%.
    data = dataset(obs("2023-01/2023-07", 2.2e6, step=1e5), obs("2022-01/2022-07", 2.0e6, step=1e5))
    body = '[[claim]]\nmeasure = "growth"\nperiod = "2023-01/2023-07"\nstated = "{}"\n'
    result = one(data, body.format("+10%"))
    assert result.verdict is Verdict.consistent
    assert result.decisive.estimate.value == pytest.approx(0.1)
    assert result.decisive.estimate.low == pytest.approx(2.15 / 2.05 - 1)
    assert result.decisive.estimate.high == pytest.approx(2.25 / 1.95 - 1)
    result = one(data, body.format("+17%"))  # 16.5%–17.5%: above what the data allows
    assert result.verdict is Verdict.inconsistent
    assert result.decisive.judgement.gap == pytest.approx(0.1 - 0.17)
    missing = one(dataset(obs("2023-01/2023-07", 2.2e6, step=1e5)), body.format("+10%"))
    assert missing.verdict is Verdict.unverifiable
    assert "no AZE–TJK turnover figure for Jan–Jul 2022" in missing.decisive.estimate.missing[0]


def test_share_of_a_published_group_total() -> None:
    # 5.9M / 10.0B = 0.059%: within "0.06%" (0.055%–0.065%), far from "0.5%"
    data = dataset(obs("2022", 5.9e6, step=1e5), obs("2022", 1.0e10, step=1e8, partner="CIS"))
    body = '[[claim]]\nmeasure = "share"\nvs = "cis-stat"\nperiod = "2022"\nstated = "{}"\n'
    result = one(data, body.format("0.06%"))
    assert result.verdict is Verdict.consistent
    assert result.decisive.estimate.value == pytest.approx(0.00059)
    result = one(data, body.format("0.5%"))
    assert result.verdict is Verdict.inconsistent
    assert result.decisive.judgement.gap == pytest.approx(0.00059 - 0.005)


def test_a_group_total_claim_with_vs_and_no_partner() -> None:
    data = dataset(obs("2022", 1.92e9, step=1e7, partner="CIS"))
    result = one(
        data,
        '[[claim]]\nvs = "cis-stat"\nperiod = "2022"\nstated = "about 1.9 billion"\n',
        head='reporter = "AZE"\n',
    )
    assert result.verdict is Verdict.consistent


def test_an_incomplete_member_sum_bounds_a_group_total_from_below() -> None:
    # No CIS total; RUS 3.0B + TJK 5.9M = 3.0059B from 2 of 9 members: the total is at least that.
    data = dataset(obs("2022", 3.0e9, step=1e8, partner="RUS"), obs("2022", 5.9e6, step=1e5))
    body = '[[claim]]\nvs = "cis-stat"\nperiod = "2022"\nstated = "{}"\n'
    low = one(data, body.format("$2 billion"), head='reporter = "AZE"\n')
    assert low.verdict is Verdict.inconsistent
    assert low.decisive.judgement.gap == pytest.approx(3.0059e9 - 2e9)
    assert low.describe(low.decisive) == (
        "inconsistent: computed ≥ $3.006B against '$2 billion' ($1.5B to $2.5B), gap +$1.006B"
    )
    high = one(data, body.format("about 4 billion"), head='reporter = "AZE"\n')
    assert high.verdict is Verdict.unverifiable
    assert "no AZE–CIS total for 2022" in high.decisive.estimate.missing[0]


# -- which data decides ----------------------------------------------------------------------


def test_published_decides_on_the_data_known_then_and_reports_the_revision() -> None:
    data = dataset(
        obs("2022", 5.8e6, step=1e5, published="2023-04-25"),
        obs("2022", 5.9e6, step=1e5, published="2024-04-14"),
    )
    body = '[[claim]]\nperiod = "2022"\nstated = "$5.8 million"\n'
    then = one(data, body + "published = 2023-09-14\n")
    assert (then.verdict, then.decisive.vintage, then.revised) == (
        Verdict.consistent,
        "2023-09-14",
        True,
    )
    now = one(data, body)
    assert now.verdict is Verdict.inconsistent and now.decisive.data == "current"


def test_undated_figures_decide_only_when_the_data_known_then_cannot() -> None:
    data = dataset(
        obs("2023-01/2023-06", 1.786e6, step=1e3, published="2023-08-13"),
        obs("2023-01/2023-08", 4.103e6, step=1e3),  # undated
    )
    result = one(
        data,
        '[[claim]]\nperiod = "2023-01/2023-07"\nstated = "over 2.3 million"\n'
        "published = 2023-09-14\n",
    )
    assert result.verdict is Verdict.bounded
    assert result.decisive.data == "current"
    assert result.other is not None and result.other.left_out == {
        "no publication date (vintage asked)": 1
    }


def test_the_claims_own_source_is_left_out_whatever_its_final_slash() -> None:
    url = "https://example.org/article"
    data = dataset(
        obs("2023-01/2023-07", 2.3e6, step=1e5, flags="over", url=url + "/"), *CUMULATIVE
    )
    body = '[[claim]]\nperiod = "2023-01/2023-07"\nstated = "over 2.3 million"\n'
    assert one(data, body).verdict is Verdict.consistent  # checked against itself
    result = one(data, body + f'source_url = "{url}"\n')
    assert result.verdict is Verdict.bounded
    assert result.decisive.left_out == {"from the claim's own source": 1}
    assert set(url_variants("http://a.b/c/")) == {
        "http://a.b/c",
        "http://a.b/c/",
        "https://a.b/c",
        "https://a.b/c/",
    }


# -- properties ----------------------------------------------------------------------------------


def _written(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@settings(max_examples=60, deadline=None)
@given(
    st.floats(min_value=0.001, max_value=1e12, allow_nan=False, allow_infinity=False),
    st.integers(min_value=1, max_value=6),
    st.sampled_from(["", "%"]),
    st.sampled_from([0.0, 1e-6]),
)
def test_the_computed_value_rounded_is_always_consistent(
    value: float, digits: int, suffix: str, relative_step: float
) -> None:
    exact = Decimal(value)
    quantum = Decimal(1).scaleb(exact.adjusted() - digits + 1)
    written = _written(exact.quantize(quantum, rounding=ROUND_HALF_UP))
    stated = parse_stated(written + suffix)
    computed = value / 100 if suffix else value
    half = computed * relative_step / 2  # the computed figure's own precision
    estimate = Estimate(computed, computed - half, computed + half, True, True)
    assert judge(estimate, stated).verdict is Verdict.consistent, written


@settings(max_examples=100, deadline=None)
@given(
    st.floats(min_value=0.01, max_value=1e9, allow_nan=False, allow_infinity=False),
    st.integers(min_value=1, max_value=5),
)
def test_over_the_truncated_value_is_always_consistent(value: float, digits: int) -> None:
    exact = Decimal(value)
    quantum = Decimal(1).scaleb(exact.adjusted() - digits + 1)
    written = _written(exact.quantize(quantum, rounding=ROUND_FLOOR))
    estimate = Estimate(value, value, value, True, True)
    assert judge(estimate, parse_stated(f"over {written}")).verdict is Verdict.consistent


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=1000), min_size=12, max_size=12),
    st.sets(st.integers(min_value=1, max_value=12), min_size=1, max_size=11),
    st.integers(min_value=1, max_value=12),
)
def test_bounds_always_contain_the_exact_value(
    increments: list[int], observed: set[int], target: int
) -> None:
    cumulative = [sum(increments[:m]) for m in range(1, 13)]
    rows = [
        obs(f"2023-01/2023-{m:02d}", float(cumulative[m - 1]))
        for m in sorted(observed)
        if m != target
    ]
    if not rows:
        return
    estimate = value_estimate(Engine(frame(*rows)), TJK, Period.ytd(2023, target))
    exact = cumulative[target - 1]
    assert not estimate.exact
    assert estimate.low <= exact <= estimate.high
    if estimate.lower is not None:
        assert (estimate.lower.value or 0.0) <= exact
    if estimate.upper is not None:
        assert exact <= (estimate.upper.value or math.inf)
