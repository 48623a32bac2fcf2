"""``growth --contributions``: each partner's share, in points, of a reporter's change.

Expected values are worked out by hand from the rows (bundled lines cited, or the
small files written here), never taken from tradecli's output.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tradecli.analysis.contributions import contributions
from tradecli.cli import app
from tradecli.dataset import Dataset, load
from tradecli.errors import BadRequest, NotAvailable
from tradecli.periods import Period

HEADER = "reporter,partner,flow,period,value,unit,currency,flags,published,publisher,url"
CENTRAL_ASIA = ("KAZ", "KGZ", "TJK", "TKM", "UZB")


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), prog_name="tradecli")
    return result.exit_code, result.stdout, result.stderr


def dataset_of(rows: list[str]) -> Dataset:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trade.csv"
        path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
        return load([path], use_cache=False)


def row(partner: str, year: int, value: float) -> str:
    return f"AZE,{partner},turnover,{year},{value},million,USD,,2024-05-01,Test,"


def by_partner(result: object) -> dict[str, float | None]:
    return {p.key.partner: p.points for p in result.parts}  # type: ignore[attr-defined]


# -- the bundled data ----------------------------------------------------------------


def test_world_2022_against_2021_on_the_bundled_data() -> None:
    result = contributions(load(), "AZE", load().groups.get("world"), period=Period.year(2022))
    # Whole: the published world totals, 2022 $52.68B (line 116, the most precise of it and
    # line 109's $52.6B) and 2021 $33.9B (line 110).
    total = 52.68e9 / 33.9e9 - 1
    assert result.total == pytest.approx(total)
    # TJK: $5.9M in 2022 (lines 31, 35) against $7.5M in 2021 (lines 9, 48).
    tjk = (5.9e6 - 7.5e6) / 33.9e9
    assert by_partner(result)["TJK"] == pytest.approx(tjk)
    # Every other partner lacks one of the two years: it is in the residual.
    assert {k for k, v in by_partner(result).items() if v is not None} == {"TJK"}
    assert result.residual == pytest.approx(total - tjk)
    assert result.explained + result.residual == pytest.approx(total)


def test_cis_has_no_like_for_like_total_in_the_bundled_data() -> None:
    # AZE–CIS totals: Jan–Jul 2020 (lines 77, 78: export + import) and Jan–Apr 2024 (lines
    # 63, 73); neither has the same months a year before, and the members' sums are
    # incomplete: no contributions, and the error says why.
    data = load()
    with pytest.raises(NotAvailable, match="no span of AZE–cis turnover has a total"):
        contributions(data, "AZE", data.groups.get("cis"))


def test_the_reporter_is_needed() -> None:
    data = load()
    with pytest.raises(BadRequest, match="--reporter"):
        contributions(data, None, data.groups.get("world"))


# -- a group with a published total, and one without -----------------------------------


def test_cis_members_contributions_sum_to_the_cis_change() -> None:
    data = dataset_of(
        [
            row("CIS", 2022, 1000),
            row("CIS", 2023, 1100),
            row("RUS", 2022, 600),
            row("RUS", 2023, 700),
            row("KAZ", 2022, 100),
            row("KAZ", 2023, 80),
            row("TJK", 2022, 5),
            row("TJK", 2023, 6),
            row("UZB", 2023, 50),  # no 2022: in the residual
        ]
    )
    result = contributions(data, "AZE", data.groups.get("cis"))
    assert result.period == Period.year(2023)
    assert result.total == pytest.approx(0.10)  # 1100 / 1000 - 1
    points = by_partner(result)
    assert points["RUS"] == pytest.approx(0.10)  # (700 - 600) / 1000
    assert points["KAZ"] == pytest.approx(-0.02)  # (80 - 100) / 1000
    assert points["TJK"] == pytest.approx(0.001)  # (6 - 5) / 1000
    assert points["UZB"] is None
    assert result.residual == pytest.approx(0.10 - (0.10 - 0.02 + 0.001))
    assert [p.key.partner for p in result.parts][:3] == ["RUS", "TJK", "KAZ"]


def test_contributions_from_the_command_line(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "trade.csv"
    rows = [row("CIS", 2022, 1000), row("CIS", 2023, 1100), row("RUS", 2022, 600)]
    path.write_text("\n".join([HEADER, *rows, row("RUS", 2023, 700)]) + "\n", encoding="utf-8")
    args = ["growth", "-d", str(path), "-r", "AZE", "--contributions", "--vs", "cis"]
    code, out, _ = run(runner, *args)
    assert code == 0
    assert "+10.00 pp" in out and "+10.0%" in out
    code, out, _ = run(runner, *args, "-f", "csv")
    records = list(csv.DictReader(io.StringIO(out)))
    rus = next(r for r in records if r["partner"] == "RUS")
    assert float(rus["contribution"]) == pytest.approx(0.10)
    assert float(rus["value"]) == pytest.approx(700e6)
    residual = next(r for r in records if r["partner"] == "(residual)")
    assert float(residual["contribution"]) == pytest.approx(0.0)
    code, out, _ = run(runner, *args, "--explain")
    assert "($700M − $600M) / $1B = +10 pp" in out


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(1, 10_000), min_size=5, max_size=5),
    st.lists(st.integers(1, 10_000), min_size=5, max_size=5),
)
def test_a_complete_member_sum_is_split_without_residual(base: list[int], now: list[int]) -> None:
    rows = [row(p, 2022, b) for p, b in zip(CENTRAL_ASIA, base, strict=True)]
    rows += [row(p, 2023, n) for p, n in zip(CENTRAL_ASIA, now, strict=True)]
    data = dataset_of(rows)
    result = contributions(data, "AZE", data.groups.get("central-asia"))
    assert result.total == pytest.approx(sum(now) / sum(base) - 1)
    expected = {p: (n - b) / sum(base) for p, b, n in zip(CENTRAL_ASIA, base, now, strict=True)}
    assert by_partner(result) == pytest.approx(expected)
    assert result.residual == pytest.approx(0.0, abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(1, 100_000),
    st.integers(1, 100_000),
    st.dictionaries(
        st.sampled_from(["RUS", "KAZ", "TJK", "UZB", "BLR"]),
        st.tuples(st.one_of(st.none(), st.integers(0, 5_000)), st.integers(0, 5_000)),
    ),
)
def test_contributions_and_residual_always_sum_to_the_change(
    whole_base: int, whole_now: int, members: dict[str, tuple[int | None, int]]
) -> None:
    rows = [row("CIS", 2022, whole_base), row("CIS", 2023, whole_now)]
    for partner, (base, now) in members.items():
        rows.append(row(partner, 2023, now))
        if base is not None:
            rows.append(row(partner, 2022, base))
    data = dataset_of(rows)
    result = contributions(data, "AZE", data.groups.get("cis"), period=Period.year(2023))
    total = whole_now / whole_base - 1
    explained = sum((n - b) / whole_base for b, n in members.values() if b is not None)
    assert result.total == pytest.approx(total)
    assert result.explained == pytest.approx(explained, abs=1e-12)
    assert result.explained + result.residual == pytest.approx(total, abs=1e-12)


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["growth", "--vs", "cis"], "--vs"),
        (["growth", "-r", "AZE", "-p", "TJK", "--contributions"], "--partner"),
        (["growth", "-r", "AZE", "--contributions", "--sort", "change"], "--sort"),
    ],
)
def test_options_that_do_not_go_together(runner: CliRunner, args: list[str], hint: str) -> None:
    code, _, err = run(runner, *args)
    assert code == 2 and hint in err
