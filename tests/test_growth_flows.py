"""``growth --flow export,import``: the growth of each flow in one table, a ``flow``
column, keyed records and the derivation of each change.

Expected values are read off ``data/azerbaijan-trade-published.csv`` (lines cited)
and worked out by hand here.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.frames import frame, obs
from tests.test_bulk_engine import _bulk, _keys, clean_pair, datasets
from tradecli.analysis.growth import Change, flow_keys, growth_of_flows, like_for_like, shared_span
from tradecli.analysis.growth_bulk import shared_spans
from tradecli.analysis.span_cells import key_cells
from tradecli.cli import app
from tradecli.dataset import Dataset
from tradecli.engine.answers import SeriesKey
from tradecli.errors import NotAvailable
from tradecli.groups import load_bundled
from tradecli.periods import Period


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), prog_name="tradecli")
    return result.exit_code, result.stdout, result.stderr


def by_flow(out: str) -> dict[str, dict[str, str]]:
    return {r["flow"]: r for r in csv.DictReader(io.StringIO(out))}


def test_aze_tjk_export_and_import_over_a_shared_span(runner: CliRunner) -> None:
    args = ["growth", "-r", "AZE", "-p", "TJK", "--period", "2023-01/2023-08"]
    code, out, _ = run(runner, *args, "--flow", "export,import", "-f", "csv")
    assert code == 0
    records = by_flow(out)
    assert list(records) == ["export", "import", "balance"]
    # Jan–Aug: export $4.062M in 2023 (line 20) against $3.728M in 2022 (line 21).
    export = records["export"]
    assert float(export["value"]) == pytest.approx(4.062e6)
    assert float(export["base_value"]) == pytest.approx(3.728e6)
    assert float(export["change"]) == pytest.approx(4.062 / 3.728 - 1)  # +9.0%
    # Import $40,630 (line 22) against $100,500 (line 23).
    imports = records["import"]
    assert float(imports["value"]) == pytest.approx(40630)
    assert float(imports["change"]) == pytest.approx(40630 / 100500 - 1)  # -59.6%
    assert export["period"] == imports["period"] == "2023-01/2023-08"
    assert export["base_period"] == imports["base_period"] == "2022-01/2022-08"
    code, out, _ = run(runner, *args, "--flow", "export,import")
    assert code == 0
    assert "Growth (export, import, over Jan–Aug 2023, like for like)" in out
    assert "+9%" in out or "+9.0%" in out
    assert "-59.6%" in out
    code, out, _ = run(runner, *args, "--flow", "export,import", "--explain")
    assert "csv:20]" in out and "csv:21]" in out and "csv:22]" in out and "csv:23]" in out


def test_the_flows_in_the_order_asked_with_the_flow_named(runner: CliRunner) -> None:
    code, out, _ = run(runner, "growth", "-r", "AZE", "-p", "TJK", "--flow", "import,export")
    assert code == 0
    lines = [line for line in out.splitlines() if "AZE–TJK" in line]
    # The flows in the order asked: import first.
    assert "import" in lines[0] and "export" in lines[1]
    code, out, _ = run(
        runner, "growth", "-r", "AZE", "-p", "TJK", "--flow", "import,export", "-f", "json"
    )
    payload = json.loads(out)
    assert payload["flows"] == ["import", "export"]
    series = {s["flow"]: s for s in payload["series"]}
    # 2023 vs 2022: export $5M (line 32) / $5.8M (line 10); import $1.1M (line 33) / $138K
    # (line 12).
    assert series["export"]["span"]["change"] == pytest.approx(5 / 5.8 - 1)
    assert series["import"]["span"]["change"] == pytest.approx(1.1e6 / 138000 - 1)


def test_aze_rus_flows_without_a_base_are_named_with_their_flow(runner: CliRunner) -> None:
    args = ["growth", "-r", "AZE", "-p", "RUS", "--flow", "export,import"]
    code, out, _ = run(runner, *args, "-f", "csv")
    assert code == 0
    records = by_flow(out)
    # Jan–Jun 2024: export $557M (line 192), import $1.6B (line 193); no Jan–Jun 2023
    # export or import in the data: not computable, never -100%.
    assert float(records["export"]["value"]) == pytest.approx(557e6)
    assert float(records["import"]["value"]) == pytest.approx(1.6e9)
    assert records["export"]["change"] == records["import"]["change"] == ""
    code, out, _ = run(runner, *args)
    assert "AZE–RUS export Jan–Jun 2024, AZE–RUS import Jan–Jun 2024" in " ".join(out.split())


@pytest.mark.parametrize("extra", [["--sort", "change"], ["--top", "3"], ["--contributions"]])
def test_several_flows_are_not_ranked_or_split(runner: CliRunner, extra: list[str]) -> None:
    code, _, err = run(runner, "growth", "-r", "AZE", "--flow", "export,import", *extra)
    assert code == 2 and "several flows" in err


def test_a_bad_flow_list_is_a_usage_error(runner: CliRunner) -> None:
    code, _, err = run(runner, "growth", "--flow", "export,barter")
    assert code == 2 and "'barter' is not one of" in err


def test_one_flow_has_no_flow_column(runner: CliRunner) -> None:
    code, out, _ = run(runner, "growth", "-r", "AZE", "-p", "TJK", "--flow", "export")
    assert code == 0 and "Growth (export, latest span, like for like)" in out
    assert "┃ flow" not in out


def test_the_flows_of_a_pair_share_one_span(runner: CliRunner) -> None:
    """Export's latest span is 2023 (line 32), turnover's Jan–Apr 2024 (line 72): both
    are compared over 2023, the latest span both have."""
    args = ["growth", "-r", "AZE", "-p", "TJK", "--flow", "export,turnover", "-f", "csv"]
    code, out, _ = run(runner, *args)
    assert code == 0
    records = by_flow(out)
    assert records["export"]["period"] == records["turnover"]["period"] == "2023"
    # Export $5M (line 32) against $5.8M (line 10); turnover $6.1M (lines 30, 34) against
    # the revised $5.9M (lines 31, 35).
    assert float(records["export"]["change"]) == pytest.approx(5 / 5.8 - 1)
    assert float(records["turnover"]["change"]) == pytest.approx(6.1 / 5.9 - 1)


def test_the_balance_and_its_change_over_the_shared_span(runner: CliRunner) -> None:
    args = ["growth", "-r", "AZE", "-p", "TJK", "--flow", "export,import"]
    code, out, _ = run(runner, *args, "-f", "csv")
    assert code == 0
    balance = by_flow(out)["balance"]
    # 2023: $5M (line 32) − $1.1M (line 33); 2022: $5.8M (line 10) − $138K (line 12).
    assert balance["period"] == "2023" and balance["base_period"] == "2022"
    assert float(balance["value"]) == pytest.approx(3.9e6)
    assert float(balance["base_value"]) == pytest.approx(5.662e6)
    assert balance["change"] == ""  # a relative change of a balance is not given
    code, out, _ = run(runner, *args)
    (row,) = [line for line in out.splitlines() if "balance" in line and "│" in line]
    assert "$3.9M" in row and "-$1.762M" in row
    code, out, _ = run(runner, *args, "-f", "json")
    (b,) = json.loads(out)["balances"]
    assert b["change"] == pytest.approx(3.9e6 - 5.662e6)
    code, out, _ = run(runner, *args, "--explain")
    assert (
        "balance 2023: export $5M − import $1.1M = $3.9M; 2022: export $5.8M − import $138K "
        "= $5.662M; change -$1.762M" in out
    )


def test_the_balance_over_a_given_span(runner: CliRunner) -> None:
    args = ["growth", "-r", "AZE", "-p", "TJK", "--period", "2023-01/2023-08"]
    code, out, _ = run(runner, *args, "--flow", "export,import", "-f", "json")
    assert code == 0
    (b,) = json.loads(out)["balances"]
    # Jan–Aug 2023: $4.062M (line 20) − $40,630 (line 22); 2022: $3.728M (line 21) −
    # $100,500 (line 23).
    assert b["value"] == pytest.approx(4.062e6 - 40630)
    assert b["base"] == pytest.approx(3.728e6 - 100500)
    assert b["change"] == pytest.approx((4.062e6 - 40630) - (3.728e6 - 100500))


def test_no_balance_change_without_a_base(runner: CliRunner) -> None:
    # AZE–RUS Jan–Jun 2024: $557M (line 192) − $1.6B (line 193); no Jan–Jun 2023 figures.
    args = ["growth", "-r", "AZE", "-p", "RUS", "--flow", "export,import"]
    code, out, _ = run(runner, *args, "-f", "json")
    assert code == 0
    (b,) = json.loads(out)["balances"]
    assert b["value"] == pytest.approx(557e6 - 1.6e9)
    assert b["base"] is None and b["change"] is None
    _, out, _ = run(runner, *args)
    assert "balance change not computable: AZE–RUS (no export or import figure for" in out


@settings(max_examples=25, deadline=None)
@given(datasets, st.sampled_from((["export", "import"], ["import", "turnover", "export"])))
def test_the_flows_of_a_pair_never_mix_spans(drawn: list[dict[str, Any]], flows: list[str]) -> None:
    """Without --period, every flow of a pair is over one span (unless the pair is named
    as having none that every flow has), and a balance is export − import over it."""
    data = Dataset(frame(*drawn), load_bundled(), [])
    try:
        result = growth_of_flows(data, flow_keys(data, None, None, flows))
    except NotAvailable:
        return
    unshared = {(k.reporter, k.partner, k.currency) for k in result.unshared}
    spans: dict[tuple[str, str, str], set[Period]] = {}
    for s in result.series:
        pair = (s.key.reporter, s.key.partner, s.key.currency)
        spans.setdefault(pair, set()).add(s.span.current.period)
    for pair, periods in spans.items():
        assert pair in unshared or len(periods) == 1
    for b in result.balances:
        assert b.export.current.period == b.imports.current.period == b.period
        x, m = b.export.current.value, b.imports.current.value
        assert x is not None and m is not None and b.value == x - m


# -- each pair's shared span from the columns (``growth_bulk.shared_spans``) --------------


@settings(max_examples=12, deadline=None)
@given(
    datasets,
    st.lists(clean_pair(), min_size=1, max_size=2),
    st.sampled_from((("export", "import"), ("import", "turnover", "export"))),
)
def test_shared_spans_from_the_columns_are_the_references(
    drawn: list[dict[str, Any]], pairs: list[list[dict[str, Any]]], flows: tuple[str, ...]
) -> None:
    """Each pair of simple keys: the reference's shared span and latest comparable span
    (``shared_span``), and each key's like-for-like change over them; the clean pairs
    (simple series) are answered from the columns, the others may be left (None)."""
    rows = [
        {**row, "partner": partner}
        for partner, pair in zip(("UZB", "TKM"), pairs, strict=False)
        for row in pair
    ]
    # A pair that is not simple (a quarter beside export's months): left to the reference.
    rows += [
        obs(f"2022-{m:02d}", 5.0 + m, partner="KGZ", flow=f) for m in range(1, 7) for f in flows
    ]
    rows.append(obs("2022-Q3", 30.0, partner="KGZ", flow="export"))
    dataset = Dataset(frame(*drawn, *rows), load_bundled(), [])
    engine = dataset.engine
    keys = flow_keys(dataset, None, None, list(flows))
    by_pair: dict[tuple[str, str, str], dict[str, SeriesKey]] = {}
    for flow in flows:
        for k in keys[flow]:
            by_pair.setdefault((k.reporter, k.partner, k.currency), {})[flow] = k
    owns = [[of[f] for f in flows] for of in by_pair.values() if len(of) == len(flows)]
    known: dict[tuple[SeriesKey, Period], Change] = {}
    found = shared_spans(engine, dataset.columns(), owns, known)
    assert len(found) == len(owns)
    for own, spans in zip(owns, found, strict=True):
        if own[0].partner in ("UZB", "TKM"):
            assert spans is not None, own  # the fast path was taken
        if own[0].partner == "KGZ":
            assert spans is None
        if spans is None:
            continue
        assert spans == shared_span(engine, own)
        for key in own:
            for p in spans:
                if p is not None:
                    expected = like_for_like(engine, key, p)
                    got = known[key, p]
                    assert (got.current.value, got.base.value) == (
                        expected.current.value,
                        expected.base.value,
                    )
                    assert got.value == expected.value


def test_a_shared_span_and_an_earlier_comparable_one_by_hand() -> None:
    """Export Jan 2022 – Jun 2023, import Jan 2022 – Apr 2023 without Apr 2022: the latest
    span both have is Apr 2023, where import has no change (no Apr 2022); the latest
    earlier span where both have one is Mar 2023."""
    rows = [
        obs(f"{2022 + t // 12}-{t % 12 + 1:02d}", 10.0 + t, flow=flow)
        for flow, months in (("export", 18), ("import", 16))
        for t in range(months)
        if (flow, t) != ("import", 3)
    ]
    data = frame(*rows)
    for on in (True, False):
        with _bulk(on):
            dataset = Dataset(data, load_bundled(), [])
            keys = flow_keys(dataset, None, None, ["export", "import"])
            own = [keys["export"][0], keys["import"][0]]
            if on:
                known: dict[tuple[SeriesKey, Period], Change] = {}
                spans = shared_spans(dataset.engine, dataset.columns(), [own], known)
                assert spans == [(Period.month(2023 * 12 + 3), Period.month(2023 * 12 + 2))]
            result = growth_of_flows(dataset, keys)
        by_flow_of = {s.key.flow: s for s in result.series}
        assert by_flow_of["export"].span.label == "Apr 2023 vs Apr 2022"
        assert by_flow_of["export"].span.value == 25 / 13 - 1  # month t is 10 + t: t 15 over t 3
        assert by_flow_of["import"].span.value is None
        comparable = by_flow_of["import"].latest_comparable
        assert comparable is not None and comparable.label == "Mar 2023 vs Mar 2022"
        assert comparable.value == 24 / 12 - 1  # t 14 over t 2


def test_pairs_of_months_alone_and_others_keep_their_order_by_hand() -> None:
    """Three pairs, the middle one's flows in Jan..m figures (its spans not months alone),
    the others in single months: pairs of months alone are searched apart from the others
    (on grids of months), and each answer still comes back in its pair's place. By hand
    (t: months from Jan 2022): UZB's month t is 10 + t, its export through Jun 2023, its
    import through Apr 2023 without Apr 2022 (latest Apr 2023, comparable Mar 2023); KGZ's
    Jan..m of t through Sep 2023 is 100 + t for export, 5 + t for import (latest Jan–Sep
    2023, both comparable); TKM's export Jan–Jun 2022, its import Jul–Dec: no span shared."""

    def months(partner: str, flow: str, ts: range, skip: tuple[int, ...] = ()) -> list[Any]:
        return [
            obs(f"{2022 + t // 12}-{t % 12 + 1:02d}", 10.0 + t, partner=partner, flow=flow)
            for t in ts
            if t not in skip
        ]

    rows = [
        *months("UZB", "export", range(18)),
        *months("UZB", "import", range(16), skip=(3,)),
        *[
            obs(f"{2022 + t // 12}-01/{2022 + t // 12}-{t % 12 + 1:02d}", v + t, partner="KGZ")
            | {"flow": flow}
            for flow, v in (("export", 100.0), ("import", 5.0))
            for t in range(21)
            if t % 12
        ],
        *months("TKM", "export", range(6)),
        *months("TKM", "import", range(6, 12)),
    ]
    with _bulk(True):
        dataset = Dataset(frame(*rows), load_bundled(), [])
        keys = flow_keys(dataset, None, None, ["export", "import"])
        own = {
            key.partner: [key, next(k for k in keys["import"] if k.partner == key.partner)]
            for key in keys["export"]
        }
        pairs = [own["UZB"], own["KGZ"], own["TKM"]]
        known: dict[tuple[SeriesKey, Period], Change] = {}
        spans = shared_spans(dataset.engine, dataset.columns(), pairs, known)
    assert spans == [
        (Period.month(2023 * 12 + 3), Period.month(2023 * 12 + 2)),
        (Period.ytd(2023, 9), None),
        (None, None),
    ]
    kgz_export = known[own["KGZ"][0], Period.ytd(2023, 9)]
    assert (kgz_export.current.value, kgz_export.base.value) == (100.0 + 20, 100.0 + 8)
    kgz_import = known[own["KGZ"][1], Period.ytd(2023, 9)]
    assert (kgz_import.current.value, kgz_import.base.value) == (5.0 + 20, 5.0 + 8)
    uzb_import = known[own["UZB"][1], Period.month(2023 * 12 + 2)]
    assert (uzb_import.current.value, uzb_import.base.value) == (24.0, 12.0)


@settings(max_examples=15, deadline=None)
@given(datasets)
def test_grids_of_months_are_the_months_of_the_full_grids(drawn: list[dict[str, Any]]) -> None:
    """``key_cells(months_only=True)``: the keys of single months alone are its simple ones,
    each month's cells those of the full grid, and no Jan..m span is found or a key's own
    (the full grid's Jan..m spans of such a key are never its own: its search never reads
    them); the other keys' cells are empty. Beside the drawn series, always one of each
    kind: UZB's export in single months, its import in Jan..m figures."""
    rows = [obs(f"2022-{m:02d}", 3.0 + m, partner="UZB", flow="export") for m in range(1, 13)]
    rows += [obs(f"2022-01/2022-{m:02d}", 9.0 * m, partner="UZB", flow="import") for m in (2, 3)]
    dataset = Dataset(frame(*drawn, *rows), load_bundled(), [])
    columns = dataset.columns()
    keys = _keys(dataset.engine)
    full, months = key_cells(columns, keys), key_cells(columns, keys, months_only=True)
    _, simple, monthly = columns.kinds(keys)
    assert full is not None and months is not None
    assert (months[1] == monthly).all() and (full[1] == simple).all()
    assert not full[0].candidate[monthly, 1::2].any()
    for name in ("value", "found", "flags", "xm", "parts", "difference", "candidate"):
        of_months, of_full = getattr(months[0], name), getattr(full[0], name)
        assert (of_months[monthly, 0::2] == of_full[monthly, 0::2]).all(), name
        assert not of_months[:, 1::2].any(), name
        assert not of_months[~monthly].any(), name


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_csv_and_json_are_made_without_the_table_rows(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """The machine formats write the keyed records: the table's rows (a row per series and
    flow, and the balance rows) are made only for a table or markdown (``LazyRows``)."""
    from tradecli.analysis import growth_flows_report, growth_report

    args = ["growth", "--flow", "export,import", "--no-cache"]
    code, table, _ = run(runner, *args)
    assert code == 0 and "balance" in table

    def no_rows(*_: Any) -> Any:
        raise AssertionError("the table's rows were made")

    monkeypatch.setattr(growth_report, "_overview_rows", no_rows)
    monkeypatch.setattr(growth_flows_report, "_with_balance_rows", no_rows)
    code, out, _ = run(runner, *args, "-f", fmt)
    assert code == 0
    if fmt == "csv":
        assert "balance" in {r["flow"] for r in csv.DictReader(io.StringIO(out))}
    else:
        assert json.loads(out)["balances"]
    code, _, _ = run(runner, *args)
    assert code != 0  # the table makes them
