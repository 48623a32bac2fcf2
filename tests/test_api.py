"""The public Python API: the README's example runs, and gives what the bundled file's
own cells give; ``import tradecli`` imports no pandas."""

from __future__ import annotations

import contextlib
import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

import tradecli
from tradecli.errors import BadRequest

ROOT = Path(__file__).resolve().parents[1]


def _example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found is not None
    return found.group(1)


def _cell(span: str) -> float:
    """The AZE–TJK turnover the bundled file publishes for ``span``, in USD."""
    scale = {"unit": 1.0, "thousand": 1e3, "million": 1e6, "billion": 1e9}
    with (ROOT / "data" / "azerbaijan-trade-published.csv").open(encoding="utf-8") as rows:
        (row,) = [
            r
            for r in csv.DictReader(rows)
            if (r["reporter"], r["partner"], r["flow"], r["period"])
            == ("AZE", "TJK", "turnover", span)
        ]
    return float(row["value"]) * scale[row["unit"]]


def test_the_readme_example_runs_and_differences_two_cumulative_figures() -> None:
    namespace: dict[str, object] = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(_example(), "README.md", "exec"), namespace)
    expected = _cell("2023-01/2023-08") - _cell("2023-01/2023-06")
    table = namespace["jul_aug"]
    frame = tradecli.frame(table)
    assert list(frame["rule"]) == ["difference"]
    assert frame["value"].tolist() == pytest.approx([expected])
    assert "Jul–Aug 2023" in out.getvalue() and "difference" in out.getvalue()
    cis = tradecli.frame(namespace["cis"])
    assert cis["value"].tolist() == pytest.approx([_cell("2024-01/2024-04")])


def test_the_core_rules_hold_for_a_python_caller() -> None:
    data = tradecli.load()
    with pytest.raises(BadRequest, match="--vs asks for"):
        tradecli.value(data, "2023", partner="TJK", vs="cis")
    with pytest.raises(BadRequest, match="outside the years tradecli reads"):
        tradecli.project(data, 3023)
    with pytest.raises(BadRequest, match="must be before"):
        tradecli.growth(data, first=2023, last=2022)


def test_import_tradecli_imports_no_pandas() -> None:
    code = "import sys, tradecli; print('pandas' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False"


def test_the_questions_of_issue_15_from_python() -> None:
    import tradecli

    data = tradecli.load()
    # Jan–Jun 2024 AZE–RUS: export $557M, import $1.6B (lines 192, 193 of the bundled CSV).
    both = tradecli.flows(data, "2024-H1", reporter="AZE", partner="RUS")
    assert both.pairs[0].balance == pytest.approx(557e6 - 1.6e9)
    ranking = tradecli.rank(data, "change", top=1, reporter="AZE")
    assert [r.key.partner for r in ranking.shown] == ["TKM"]  # Jan–Oct 2023, lines 168/169
    split = tradecli.contributions(data, reporter="AZE", period="2022")
    assert split.explained + split.residual == pytest.approx(52.68 / 33.9 - 1)
    revised = tradecli.revisions(data, from_vintage="2023-09-14", partner="TJK")
    assert [(r.old.value, r.new.value) for r in revised.revisions] == [
        (pytest.approx(5.8e6), pytest.approx(5.9e6))
    ]
    assert list(tradecli.frame(ranking)["series"]) == ["AZE–TKM"]  # --top 1: one row
    # 2023: export $1.12B (line 189) − import $3.16B (line 190), as the command says.
    summary = tradecli.flows_summary(data, "export,import", reporter="AZE", partner="RUS")
    (pair,) = summary.pairs
    assert pair.year is not None and pair.year.now.balance == pytest.approx(1.12e9 - 3.16e9)
    assert list(tradecli.frame(summary)["balance"]) == [
        pytest.approx(1.12e9 - 3.16e9),
        pytest.approx(557e6 - 1.6e9),
    ]
