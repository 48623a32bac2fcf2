"""``--vintage`` on every command, and ``tradecli revisions``.

Expected values are read off ``data/azerbaijan-trade-published.csv`` (lines cited) and
worked out by hand here, never taken from tradecli's own output.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tradecli.analysis.revisions import revisions
from tradecli.cli import app
from tradecli.dataset import Dataset, Filters, load
from tradecli.engine.answers import SeriesKey
from tradecli.errors import BadRequest
from tradecli.periods import Period
from tradecli.selection import Selection

BUNDLED = Path(__file__).resolve().parents[1] / "data" / "azerbaijan-trade-published.csv"
TJK = SeriesKey("AZE", "TJK", "turnover")


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), prog_name="tradecli")
    return result.exit_code, result.stdout, result.stderr


def published_counts(vintage: str) -> tuple[int, int]:
    """(rows published after ``vintage``, undated rows), counted in the CSV itself."""
    with BUNDLED.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    later = sum(1 for r in rows if r["published"] and r["published"] > vintage)
    undated = sum(1 for r in rows if not r["published"])
    return later, undated


# -- --vintage on every command ------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["value", "-p", "TJK", "--period", "2022"],
        ["summary", "-p", "TJK"],
        ["growth", "-p", "TJK"],
        ["share", "--vs", "world", "-p", "TJK"],
        ["mirror", "-r", "AZE", "-p", "TJK"],
        ["data"],
    ],
    ids=lambda a: a[0],
)
def test_vintage_is_an_option_of_every_command(runner: CliRunner, args: list[str]) -> None:
    later, undated = published_counts("2023-09-14")
    for where in ("after", "before"):
        argv = [*args, "--vintage", "2023-09-14"]
        if where == "before":
            argv = ["--vintage", "2023-09-14", *args]
        code, out, err = run(runner, *argv)
        assert code == 0, err
        assert "vintage 2023-09-14: only figures published by then" in out
        assert f"{later} observations left out: published after 2023-09-14" in out
        assert f"{undated} observations left out: no publication date" in out


def test_value_as_known_on_the_articles_date(runner: CliRunner) -> None:
    # On 2023-09-14 AZE–TJK 2022 was $5.8M (lines 8, 52, 200); the $5.9M of lines 31 and
    # 35 was published in 2024.
    code, out, _ = run(
        runner, "value", "-p", "TJK", "--period", "2022", "--vintage", "2023-09-14", "-f", "json"
    )
    assert code == 0
    (answer,) = json.loads(out)["answers"]
    assert answer["value"] == pytest.approx(5.8e6)
    code, out, _ = run(runner, "value", "-p", "TJK", "--period", "2022", "-f", "json")
    assert json.loads(out)["answers"][0]["value"] == pytest.approx(5.9e6)


def test_growth_as_known_on_a_vintage(runner: CliRunner) -> None:
    # As known on 2023-09-14 the latest full year is 2022: $5.8M (line 200) against 2021's
    # $7.5M (lines 9, 48).
    code, out, _ = run(runner, "growth", "-p", "TJK", "--vintage", "2023-09-14", "-f", "json")
    assert code == 0
    years = json.loads(out)["series"][0]["years"]
    assert years[-1]["period"] == "2022"
    assert years[-1]["change"] == pytest.approx(5.8 / 7.5 - 1)


@pytest.mark.parametrize("bad", ["14.09.2023", "2023-02-30", "yesterday"])
def test_a_vintage_that_is_not_a_date_is_a_usage_error(runner: CliRunner, bad: str) -> None:
    code, _, err = run(runner, "summary", "--vintage", bad)
    assert code == 2
    assert f"{bad!r} is not a date" in err
    with pytest.raises(BadRequest, match="is not a date"):
        Filters(vintage=bad)


# -- revisions ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled_data() -> Dataset:
    return load()


def test_the_2022_tjk_revision_is_found(bundled_data: Dataset) -> None:
    result = revisions(bundled_data, "2023-09-14", None, Selection(reporter="AZE", partner="TJK"))
    (revision,) = [r for r in result.revisions if r.key == TJK]
    assert revision.period == Period.year(2022)
    # Old: $5.8M (lines 8, 52, 200, published by 2023-09-14); new: $5.9M (lines 31, 35).
    assert revision.old.value == pytest.approx(5.8e6)
    assert revision.new.value == pytest.approx(5.9e6)
    assert revision.change == pytest.approx(0.1e6)
    assert revision.old.reconciled is not None and revision.new.reconciled is not None
    assert {o.line for o in revision.old.reconciled.sources} == {8, 52, 200}
    assert {o.line for o in revision.new.reconciled.sources} == {31, 35}
    moved = {(m.key, m.period, m.measure): m for m in result.moved}
    # 2023 ($6.1M, lines 30, 34) against 2022, and 2022 against 2021 ($7.5M, lines 9, 48).
    g2023 = moved[(TJK, Period.year(2023), "growth")]
    assert g2023.old_value == pytest.approx(6.1 / 5.8 - 1)
    assert g2023.new_value == pytest.approx(6.1 / 5.9 - 1)
    g2022 = moved[(TJK, Period.year(2022), "growth")]
    assert g2022.old_value == pytest.approx(5.8 / 7.5 - 1)
    assert g2022.new_value == pytest.approx(5.9 / 7.5 - 1)


def test_no_revision_between_two_close_vintages(bundled_data: Dataset) -> None:
    # Nothing of AZE–TJK 2022 was published between 2023-04-25 (line 8) and 2023-09-13.
    result = revisions(
        bundled_data, "2023-04-25", "2023-09-13", Selection(reporter="AZE", partner="TJK")
    )
    assert result.revisions == [] and result.moved == []


def test_a_revision_to_an_earlier_vintage_is_refused(bundled_data: Dataset) -> None:
    with pytest.raises(BadRequest, match="is not after"):
        revisions(bundled_data, "2024-01-01", "2023-01-01")
    with pytest.raises(BadRequest, match="not a date"):
        revisions(bundled_data, "2024-13-01")
    vintage = load(filters=Filters(vintage="2023-09-14"))
    with pytest.raises(BadRequest, match="two vintages"):
        revisions(vintage, "2023-01-01")


def test_revisions_from_the_command_line(runner: CliRunner) -> None:
    code, out, _ = run(runner, "revisions", "-p", "TJK", "--from-vintage", "2023-09-14")
    assert code == 0
    assert "$5.8M" in out and "$5.9M" in out
    assert f"{(6.1 / 5.8 - 1) * 100:+.1f}%" in out and f"{(6.1 / 5.9 - 1) * 100:+.1f}%" in out
    code, out, _ = run(
        runner, "revisions", "-p", "TJK", "--from-vintage", "2023-09-14", "--explain"
    )
    assert "csv:200]" in out and "csv:35]" in out  # the sources of the old and the new
    code, _, err = run(runner, "revisions", "--from-vintage", "2023-09-14", "--to-vintage", "x")
    assert code == 2 and "'x' is not a date" in err


def test_revisions_machine_records(runner: CliRunner) -> None:
    code, out, _ = run(
        runner, "revisions", "-p", "TJK", "--from-vintage", "2023-09-14", "-f", "csv"
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    figure = next(r for r in rows if r["measure"] == "figure")
    assert (figure["reporter"], figure["partner"], figure["period"]) == ("AZE", "TJK", "2022")
    assert float(figure["value"]) == pytest.approx(5.9e6)
    assert float(figure["old"]) == pytest.approx(5.8e6)
    growth = next(r for r in rows if r["measure"] == "growth" and r["period"] == "2023")
    assert growth["unit"] == "ratio"
    assert float(growth["value"]) == pytest.approx(6.1 / 5.9 - 1)
    code, out, _ = run(
        runner, "revisions", "-p", "TJK", "--from-vintage", "2023-09-14", "-f", "json"
    )
    assert code == 0
    assert json.loads(out)  # valid JSON


def test_without_a_from_vintage_each_figure_as_first_published(bundled_data: Dataset) -> None:
    result = revisions(bundled_data, None)
    found = {(r.key, r.period): r for r in result.revisions}
    # AZE–TJK 2022: first published 2023-04-05 as $5.8M (line 52), now $5.9M (lines 31, 35).
    tjk = found[(TJK, Period.year(2022))]
    assert tjk.old.reconciled is not None
    assert {o.line for o in tjk.old.reconciled.sources} == {52}
    assert (tjk.old.value, tjk.new.value) == (pytest.approx(5.8e6), pytest.approx(5.9e6))
    # KAZ–AZE 2023: first published 2024-03-05 as $529.4M (line 141); the latest
    # publication, 2024-09-04, says $598.47M (line 151).
    kaz = found[(SeriesKey("KAZ", "AZE", "turnover"), Period.year(2023))]
    assert kaz.old.value == pytest.approx(529.4e6)
    assert kaz.new.value == pytest.approx(598.47e6)
    # A span published once, or only undated, is no revision: AZE–TJK Jan–Jul 2023 (line 199).
    assert (TJK, Period.parse("2023-01/2023-07")) not in found


# -- derived answers beyond growth: shares and projections ----------------------------


def test_shares_that_moved_with_the_2022_revisions(bundled_data: Dataset) -> None:
    result = revisions(bundled_data, "2023-09-14")
    shares = {(m.key.partner, m.group): m for m in result.moved if m.measure == "share"}
    # AZE–TJK 2022 share of world: $5.8M (lines 8, 52, 200) of $52.6B (line 109) as known
    # on 2023-09-14; now $5.9M (lines 31, 35) of $52.68B (line 116).
    tjk = shares[("TJK", "world")]
    assert tjk.period == Period.year(2022)
    assert tjk.old_value == pytest.approx(5.8e6 / 52.6e9)
    assert tjk.new_value == pytest.approx(5.9e6 / 52.68e9)
    # AZE–TUR 2022: $5.8B (line 114) then; now also $5.842B (line 97, undated), which
    # agrees with it within its precision and is the more precise.
    tur = shares[("TUR", "world")]
    assert tur.old_value == pytest.approx(5.8e9 / 52.6e9)
    assert tur.new_value == pytest.approx(5.842e9 / 52.68e9)
    # The SPECA 2022 total (line 86) was published on 2023-11-21: no share of speca then.
    assert ("TJK", "speca") not in shares


def test_shares_and_run_rates_in_the_records(runner: CliRunner, write_csv: Any) -> None:
    data = write_csv(
        [
            "AZE,TJK,turnover,2023-01/2023-07,2.3,million,USD,,2023-09-14,A,https://a.example",
            "AZE,TJK,turnover,2023-01/2023-07,2.4,million,USD,,2023-10-20,B,https://b.example",
            "AZE,CIS,turnover,2023-01/2023-07,4,billion,USD,,2023-09-01,C,https://c.example",
        ]
    )
    args = ["--data", str(data), "revisions", "--from-vintage", "2023-09-30"]
    code, out, _ = run(runner, *args, "-f", "csv")
    assert code == 0
    records = list(csv.DictReader(io.StringIO(out)))
    rows = {r["measure"]: r for r in records}
    assert float(rows["figure"]["old"]) == pytest.approx(2.3e6)
    assert float(rows["figure"]["value"]) == pytest.approx(2.4e6)
    # The run-rate of 2023 from Jan–Jul: × 12 / 7.
    projection = rows["projection"]
    assert projection["period"] == "2023"
    assert float(projection["old"]) == pytest.approx(2.3e6 * 12 / 7)
    assert float(projection["value"]) == pytest.approx(2.4e6 * 12 / 7)
    assert float(projection["change"]) == pytest.approx(0.1e6 * 12 / 7)
    # The share of the published CIS total, $4B, in both groups whose total it is.
    shares = {r["group"]: r for r in records if r["measure"] == "share"}
    assert set(shares) == {"cis", "cis-stat"}
    for share in shares.values():
        assert share["unit"] == "ratio" and share["period"] == "2023-01/2023-07"
        assert float(share["old"]) == pytest.approx(2.3e6 / 4e9)
        assert float(share["value"]) == pytest.approx(2.4e6 / 4e9)
    code, out, _ = run(runner, *args, "--explain")
    assert code == 0
    assert "run-rate 2023" in out and "share of cis" in out
    assert "old: linear: $2.3M × 12 / 7 = $3.943M" in out
    assert "new: $2.4M / $4B (published CIS total) = 0.0600%" in out
