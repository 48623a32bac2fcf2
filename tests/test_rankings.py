"""``--sort``/``--top``: rankings over one comparable span.

Expected values are worked out by hand from the rows (bundled lines cited, or small
files written here), never taken from tradecli's output.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tradecli.analysis.rankings import Measure, rank
from tradecli.cli import app
from tradecli.dataset import Dataset, load
from tradecli.engine.answers import SeriesKey
from tradecli.errors import BadRequest, NotAvailable
from tradecli.periods import Period
from tradecli.selection import Selection

HEADER = "reporter,partner,flow,period,value,unit,currency,flags,published,publisher,url"
JAN_OCT_2023 = Period.parse("2023-01/2023-10")


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), prog_name="tradecli")
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def data() -> Dataset:
    return load()


def aze_keys(data: Dataset) -> list:  # type: ignore[type-arg]
    return Selection.parse(data, "AZE", None).keys(data)


def test_who_grew_most_top_3(data: Dataset) -> None:
    result = rank(data, aze_keys(data), "change", top=3)
    # The span the most AZE partners share with a like-for-like base: Jan–Oct 2023, for TKM
    # (710.3 million, line 168, against Jan–Oct 2022: 377.2 million, line 169, and 377,242
    # thousand, line 95, which agree: the more precise stands) and TJK (5.183 against 4.106
    # million, lines 26, 27); no third country has Jan–Oct 2023 and Jan–Oct 2022.
    assert result.span == JAN_OCT_2023
    shown = [(r.key.partner, r.measure(Measure.change)) for r in result.shown]
    assert [p for p, _ in shown] == ["TKM", "TJK"]
    assert shown[0][1] == pytest.approx(710.3e6 / 377_242e3 - 1)  # +88.3%
    assert shown[1][1] == pytest.approx(5.183 / 4.106 - 1)  # +26.2%
    # Group totals (CIS, WORLD, ...) are not ranked among countries; every other AZE
    # partner is listed as not ranked.
    assert {u.key.partner for u in result.unranked} == {
        "BLR", "CHN", "KAZ", "KGZ", "MDA", "RUS", "TUR", "UKR", "UZB"
    }  # fmt: skip
    assert {k.partner for k in result.groups_left_out} >= {"CIS", "WORLD"}


def test_who_grew_most_from_the_command_line(runner: CliRunner) -> None:
    code, out, _ = run(runner, "growth", "-r", "AZE", "--sort", "change", "--top", "5")
    assert code == 0
    assert "Jan–Oct 2023" in out.splitlines()[0]  # the span is in the title
    lines = [line for line in out.splitlines() if "AZE–TKM" in line or "AZE–TJK" in line]
    assert "+88.3%" in lines[0] and "AZE–TKM" in lines[0]
    assert "+26.2%" in lines[1] and "AZE–TJK" in lines[1]
    code, out, _ = run(runner, "growth", "-r", "AZE", "--sort", "change", "-f", "csv")
    records = list(csv.DictReader(io.StringIO(out)))
    ranked = [r for r in records if r["rank"]]
    assert [r["partner"] for r in ranked] == ["TKM", "TJK"]
    assert {r["period"] for r in ranked} == {"2023-01/2023-10"}
    assert float(ranked[0]["change"]) == pytest.approx(710.3e6 / 377_242e3 - 1)
    assert all(r["note"].startswith("not ranked") for r in records if not r["rank"])
    code, out, _ = run(runner, "growth", "-r", "AZE", "--sort", "change", "--explain")
    assert "$710.3M / $377.2M − 1 = +88.3%" in out  # 377,242 thousand shown to 4 digits


def test_value_and_share_rankings(runner: CliRunner) -> None:
    # Jan–Apr 2024, the span 9 of AZE's partners share (lines 64-72): RUS $1,308,456K,
    # UKR $152,922K, TKM $150,614K; the cis-stat total $1.92B (line 63).
    code, out, _ = run(runner, "share", "--vs", "cis-stat", "--top", "3", "-f", "json")
    assert code == 0
    payload = json.loads(out)
    assert payload["period"] == "2024-01/2024-04" and payload["series_with_span"] == 9
    assert [r["partner"] for r in payload["ranked"]] == ["RUS", "UKR", "TKM"]
    code, out, _ = run(runner, "share", "--vs", "cis-stat", "--top", "3", "-f", "csv")
    records = [r for r in csv.DictReader(io.StringIO(out)) if r["rank"]]
    assert [r["partner"] for r in records] == ["RUS", "UKR", "TKM"]
    assert float(records[0]["share"]) == pytest.approx(1_308_456e3 / 1.92e9)
    assert float(records[2]["share"]) == pytest.approx(150_614e3 / 1.92e9)
    code, out, _ = run(runner, "summary", "-r", "AZE", "--sort", "value", "--top", "2")
    assert code == 0
    assert "$1.308B" in out and "$152.9M" in out and "$150.6M" not in out


@pytest.mark.parametrize(("sort", "top"), [("size", None), (None, 0), ("value", -2)])
def test_bad_ranking_options(data: Dataset, sort: str | None, top: int | None) -> None:
    with pytest.raises(BadRequest):
        rank(data, aze_keys(data), sort or "value", top)


def test_a_bad_top_is_a_usage_error(runner: CliRunner) -> None:
    code, _, err = run(runner, "growth", "-r", "AZE", "--top", "0")
    assert code == 2 and "--top" in err


# -- a ranking never mixes spans ------------------------------------------------------

PARTNERS = ("ARM", "BLR", "GEO", "KAZ", "KGZ", "MDA")
SPANS = ("2021", "2022", "2023", "2022-01/2022-06", "2023-01/2023-06", "2023-01/2023-03")


def dataset_of(rows: list[str]) -> Dataset:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trade.csv"
        path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
        return load([path], use_cache=False)


@settings(max_examples=25, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(PARTNERS),
        st.dictionaries(st.sampled_from(SPANS), st.integers(1, 1000), min_size=1),
        min_size=1,
    ),
    st.sampled_from(["value", "change"]),
)
def test_a_ranking_never_mixes_spans(figures: dict[str, dict[str, int]], measure: str) -> None:
    rows = [
        f"AZE,{partner},turnover,{span},{value},million,USD,,2024-01-01,Test,"
        for partner, spans in figures.items()
        for span, value in spans.items()
    ]
    data = dataset_of(rows)
    keys = Selection.parse(data, "AZE", None).keys(data)
    try:
        result = rank(data, keys, measure)
    except NotAvailable as exc:  # no series has a base a year before
        assert "to rank by" in str(exc)
        assert measure == "change"
        return
    assert {r.value.period for r in result.ranked} == {result.span}

    # The span is one the most series have (counted here from the rows themselves).
    def has(spans: dict[str, int], span: Period) -> bool:
        own = {Period.parse(s) for s in spans}
        if measure == "value":
            return span in own
        return span in own and span.shifted_years(-1) in own

    def latest(spans: dict[str, int]) -> Period | None:
        own = [p for p in map(Period.parse, spans) if has(spans, p)]
        return max(own, key=lambda p: (p.last, p.n_months)) if own else None

    latest_of = [latest(spans) for spans in figures.values()]
    candidates = {p for p in latest_of if p is not None}
    counts = {s: sum(has(spans, s) for spans in figures.values()) for s in candidates}
    expected = max(candidates, key=lambda p: (latest_of.count(p), counts[p], p.last, p.n_months))
    assert result.span == expected
    assert counts[result.span] == len(result.ranked)
    assert len(result.ranked) + len(result.unranked) == len(figures)
    values = [r.measure(Measure(measure)) for r in result.ranked]
    assert values == sorted(values, reverse=True)


def test_a_world_share_ranking_asks_no_world_sum_where_no_total_is_published(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # AZE publishes its 2023 world total, not January 2024's; KAZ publishes none. Sixty
    # partners each: the bulk helper answers the group totals (more than
    # masks.MIN_SERIES series).
    from tests.frames import frame, obs
    from tradecli.engine.masks import Bulk
    from tradecli.groups import load_bundled

    partners = ["ARM", "BLR", "CHN", "DEU", "FRA", "GEO", "IRN", "ITA", "JPN"]
    partners += [f"X{i:02d}" for i in range(60 - len(partners))]
    rows = [obs("2023", 1000.0 * (i + 1), partner=p) for i, p in enumerate(partners)]
    rows.append(obs("2023", 2_000_000.0, partner="WORLD"))
    rows += [obs("2024-01", 7.0, partner=p) for p in partners[:5]]
    rows += [obs(f"2023-{m:02d}", 5.0, reporter="KAZ", partner=p) for p in partners for m in (1, 2)]
    dataset = Dataset(frame(*rows), load_bundled(), [])
    asked: list[tuple[str, str]] = []
    real = Bulk.group_value

    def spy(
        self: Bulk, reporter: str, group: object, flow: str, period: Period, *rest: str
    ) -> object:
        asked.append((reporter, period.iso()))
        return real(self, reporter, group, flow, period, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(Bulk, "group_value", spy)
    from tradecli.analysis import rankings

    tried: list[str] = []  # the reporters of the series whose share over a span is tried
    candidate = rankings._candidate

    def tries(engine: object, key: SeriesKey, *rest: object) -> object:
        tried.append(key.reporter)
        return candidate(engine, key, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(rankings, "_candidate", tries)
    result = rank(dataset, Selection.parse(dataset, None, None, None).keys(dataset), "share")
    assert result.span == Period.parse("2023")
    # AZE's partners by their 2023 value over the published total, by hand: X50 is the
    # 60th partner (60,000 / 2,000,000 = 3%); KAZ's have no world total to share.
    assert [r.key.partner for r in result.ranked[:2]] == ["X50", "X49"]
    assert result.ranked[0].measure(Measure.share) == pytest.approx(60_000 / 2_000_000)
    assert {r.key.reporter for r in result.ranked} == {"AZE"} and len(result.ranked) == 60
    assert {u.key.reporter for u in result.unranked} == {"KAZ"}
    # No world sum is worked out where no total is published (KAZ; AZE's January 2024),
    # and no span of a KAZ series is tried: without a WORLD figure, none has a whole.
    assert set(asked) == {("AZE", "2023")}
    assert set(tried) == {"AZE"}


def test_a_world_share_ranking_where_no_total_is_published_says_so() -> None:
    # The same file without AZE's world total: no series has a whole over any span, and
    # the ranking says so (the message the search over every span gave).
    from tests.frames import frame, obs
    from tradecli.groups import load_bundled

    partners = [f"X{i:02d}" for i in range(60)]
    rows = [obs("2023", 1000.0 * (i + 1), partner=p) for i, p in enumerate(partners)]
    rows += [obs(f"2023-{m:02d}", 5.0, reporter="KAZ", partner=p) for p in partners for m in (1, 2)]
    dataset = Dataset(frame(*rows), load_bundled(), [])
    keys = Selection.parse(dataset, None, None, None).keys(dataset)
    with pytest.raises(NotAvailable, match=r"^no series has a share over any span to rank by"):
        rank(dataset, keys, "share")
