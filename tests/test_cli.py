"""The command line of the foundation: help, exit codes, messages, formats."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecli.analysis.inventory import inventory
from tradecli.analysis.value import series_values
from tradecli.cli import app
from tradecli.dataset import Dataset
from tradecli.engine.answers import SeriesKey
from tradecli.periods import Period


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), prog_name="tradecli")
    return result.exit_code, result.stdout, result.stderr


def test_every_command_has_help_with_an_example(runner: CliRunner) -> None:
    code, out, _ = run(runner, "--help")
    assert code == 0
    commands = [c.name or c.callback.__name__ for c in app.registered_commands if c.callback]
    assert {"summary", "data", "value"} <= set(commands)
    for command in commands:
        assert f"  {command} " in out, command
        code, text, _ = run(runner, command, "--help")
        assert code == 0, command
        assert "Example:" in text, command


def test_the_commands_annotations_are_not_text() -> None:
    """Typer reads every command's parameters on each run; annotations kept as text
    (``from __future__ import annotations`` in a module of commands) are evaluated from
    their text each time: 35-45 ms of every start, instead of 6-9 ms."""
    import inspect

    callbacks = [c.callback for c in app.registered_commands if c.callback]
    assert app.registered_callback is not None and app.registered_callback.callback
    for function in [*callbacks, app.registered_callback.callback]:
        for name, annotation in inspect.get_annotations(function).items():
            assert not isinstance(annotation, str), (function.__name__, name)


def test_help_does_not_import_pandas() -> None:
    code = (
        "import sys; from tradecli.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('pandas', 'pyarrow', 'pycountry') if m in sys.modules]\n"
        "print('heavy=' + ','.join(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Usage:" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "heavy="


def test_a_command_run_imports_no_pydantic() -> None:
    """Typer 0.29 imports pydantic and builds a TypeAdapter for every parameter of the
    command run (0.08-0.12 s of each start): ``pyproject.toml`` keeps Typer below it."""
    code = (
        "import sys; from tradecli.cli import app\n"
        "try:\n    app(['value', '--partner', 'TJK', '--period', '2023', '-f', 'csv'])\n"
        "except SystemExit:\n    pass\n"
        "print('pydantic=' + str('pydantic' in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "TJK" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "pydantic=False"


def test_python_dash_m_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tradecli", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith("tradecli ")


def test_the_process_ends_with_the_commands_code_and_whole_output(
    runner: CliRunner, tmp_path: Path
) -> None:
    """``python -m tradecli`` exits at once after flushing (``cli.run``): the output is
    the command's, whole, and the exit code is the command's."""
    code, expected, _ = run(runner, "summary", "--format", "json")
    done = subprocess.run(
        [sys.executable, "-m", "tradecli", "summary", "--format", "json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    assert (done.returncode, done.stdout) == (code, expected) == (0, expected)
    assert len(expected) > 100_000  # more than a pipe holds: written while the reader reads
    # Small output sits in the stream's buffer until the flush before the exit.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    code, expected, _ = run(runner, "value", "--period", "2023", "--partner", "TJK")
    out = tmp_path / "value.txt"
    with out.open("w") as sink:
        done = subprocess.run(
            [sys.executable, "-m", "tradecli", "value", "--period", "2023", "--partner", "TJK"],
            stdout=sink,
            env=env,
        )
    assert (done.returncode, out.read_text(encoding="utf-8")) == (code, expected) == (0, expected)
    if Path("/dev/full").exists():  # output that cannot be written is an error, not a traceback
        with open("/dev/full", "w") as full:
            failed = subprocess.run(
                [sys.executable, "-m", "tradecli", "value", "--period", "2023", "--partner", "TJK"],
                stdout=full,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
        assert failed.returncode == 1
        assert "could not write the output" in failed.stderr and "Traceback" not in failed.stderr
    data = tmp_path / "bad.csv"
    data.write_text("reporter,partner,flow,period,value\nAZE,TJK,export,2023,lots\n")
    bad = subprocess.run(
        [sys.executable, "-m", "tradecli", "--data", str(data), "summary"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1 and "bad.csv:2: value: 'lots'" in bad.stderr
    assert "Traceback" not in bad.stderr
    usage = subprocess.run(
        [sys.executable, "-m", "tradecli", "summary", "--flow", "sideways"],
        capture_output=True,
        text=True,
    )
    assert usage.returncode == 2 and "sideways" in usage.stderr


def test_value_over_a_differenced_span(runner: CliRunner) -> None:
    code, out, _ = run(
        runner, "value", "--partner", "Tajikistan", "--period", "2023-07/2023-08", "--explain"
    )
    assert code == 0
    assert "$2.317M" in out and "difference" in out
    assert "Ghroona" in out and "Pars Today" in out


def test_root_options_may_follow_the_command(runner: CliRunner) -> None:
    before = run(runner, "--format", "json", "--explain", "value", "--period", "2022")
    after = run(runner, "value", "--period", "2022", "--format", "json", "--explain")
    assert before[0] == 0 and json.loads(before[1])["period"] == "2022"
    assert after == before
    assert run(runner, "summary", "--format=csv")[1].startswith("reporter,partner,flow,")
    assert run(runner, "-f", "json", "summary", "-f", "csv") == run(runner, "summary", "-f", "csv")


def test_a_root_option_value_named_like_a_command_is_not_the_command(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "t.csv").write_text(
        "reporter,partner,flow,period,value\nAZE,TJK,turnover,2022,5\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    code, out, err = run(runner, "--data", "data", "summary", "--format", "json")
    assert code == 0, err
    assert [s["year"]["value"] for s in json.loads(out)["series"]] == [5.0]
    assert run(runner, "summary", "--data", "data", "--format", "json") == (code, out, err)
    (tmp_path / "more.csv").write_text(
        "reporter,partner,flow,period,value\nAZE,KAZ,turnover,2022,7\n", encoding="utf-8"
    )
    code, out, err = run(runner, "-d", "data", "summary", "-d", "more.csv", "-f", "json")
    assert code == 0, err  # a repeated root option adds up, before and after the command
    assert sorted(s["year"]["value"] for s in json.loads(out)["series"]) == [5.0, 7.0]


def test_json_output_equals_the_library_result(runner: CliRunner, bundled: Dataset) -> None:
    code, out, _ = run(runner, "value", "-p", "TJK", "-r", "AZE", "-s", "2022", "-f", "json")
    assert code == 0
    key = SeriesKey("AZE", "TJK", "turnover")
    expected = series_values(bundled, [key], Period.parse("2022")).to_dict()
    payload = json.loads(out)
    records = payload.pop("records")  # the CSV's keyed records, with the notes and metadata
    assert payload.pop("notes") == [] and payload.pop("metadata")["fields"] == list(records[0])
    assert payload == json.loads(json.dumps(expected))
    library = series_values(bundled, [key], Period.parse("2022")).records()
    assert records == json.loads(json.dumps(library))
    code, out, _ = run(runner, "data", "--format", "json")
    payload = json.loads(out)
    assert len(payload.pop("records")) == len(payload["series"])
    payload.pop("notes"), payload.pop("metadata")
    assert payload == json.loads(json.dumps(inventory(bundled).to_dict()))


def test_group_value_shows_total_and_member_sum(runner: CliRunner) -> None:
    code, out, _ = run(
        runner, "value", "--vs", "cis-stat", "--period", "2024-01/2024-04", "-f", "csv"
    )
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("reporter,partner,flow,currency,unit,period,value,")
    assert lines[1].startswith("AZE,CIS,turnover,USD,unit,2024-01/2024-04,1920000000.0,")
    assert "member sum" in lines[2]


def test_data_lists_series_exclusions_and_conflicts(runner: CliRunner) -> None:
    code, out, _ = run(runner, "data")
    assert code == 0
    assert "199 observations" in out
    assert "suspect-unit" in out and "low-trust" in out
    code, out, _ = run(runner, "data", "--conflicts", "--explain")
    assert code == 0
    assert "later publication preferred (a revision)" in out
    assert "5.8M" in out and "5.9M" in out


def test_include_flagged_keeps_flagged_rows(runner: CliRunner) -> None:
    span = ["value", "-r", "AZE", "-p", "TJK", "-s", "2024-Q1", "-f", "json"]
    code, out, err = run(runner, *span)  # the only figure is flagged: nothing answered
    assert code == 1 and out == "" and err.startswith("error: no series has a value for Q1 2024")
    code, out, _ = run(runner, "--include-flagged", *span)
    assert json.loads(out)["answers"][0]["value"] == 1.4e9


# -- errors: exit code and message for each class ------------------------------------------


def test_bad_period_is_a_usage_error(runner: CliRunner) -> None:
    code, _, err = run(runner, "value", "--period", "2023-Q5")
    assert code == 2
    assert "accepted forms" in err


def test_bad_format_is_a_usage_error(runner: CliRunner) -> None:
    code, _, err = run(runner, "--format", "xml", "summary")
    assert code == 2
    assert "'table', 'json', 'csv', 'markdown'" in err


def test_unknown_country_suggests(runner: CliRunner) -> None:
    code, out, err = run(runner, "value", "-p", "Tajikstan", "-s", "2022")
    assert code == 1
    assert out == ""
    assert err.startswith("error: unknown country 'Tajikstan'; did you mean Tajikistan")
    assert "Traceback" not in err


def test_unknown_group_lists_groups(runner: CliRunner) -> None:
    code, _, err = run(runner, "value", "--vs", "cis-stats", "-s", "2022")
    assert code == 1
    assert "unknown group 'cis-stats'; did you mean cis-stat" in err


def test_no_series_names_what_exists(runner: CliRunner) -> None:
    code, _, err = run(runner, "value", "-r", "AZE", "-p", "France", "-s", "2022")
    assert code == 1
    assert "no series for AZE–FRA" in err and "AZE–TJK" in err


def test_a_reporter_without_series_is_shown_every_series(
    runner: CliRunner, write_csv: Callable[..., Path]
) -> None:
    path = write_csv(["AZE,TJK,turnover,2022,1,million,USD,,,,"])
    code, _, err = run(runner, "--data", str(path), "growth", "-r", "KAZ")
    assert code == 1
    assert err == "error: no series for KAZ in the data; series present: AZE–TJK\n"


def test_several_reporters_need_a_choice(runner: CliRunner, write_csv: Callable[..., Path]) -> None:
    path = write_csv(
        ["AZE,CIS,turnover,2022,1,million,USD,,,,", "KAZ,CIS,turnover,2022,1,million,USD,,,,"]
    )
    code, _, err = run(runner, "--data", str(path), "value", "--vs", "cis", "-s", "2022")
    assert code == 1
    assert "several reporters (AZE, KAZ)" in err and "--reporter" in err


def test_bad_data_file_lists_every_problem(
    runner: CliRunner, write_csv: Callable[..., Path]
) -> None:
    path = write_csv(["AZE,TJK,barter,2022,1,million,USD,,,,", "AZE,TJK,turnover,2022,x,,,,,,"])
    code, out, err = run(runner, "--data", str(path), "summary")
    assert code == 1
    assert out == ""
    assert f"{path}:2: flow: 'barter': unknown flow" in err
    assert f"{path}:3: value: 'x': not a number" in err
    assert "Traceback" not in err


def test_debug_shows_the_traceback(runner: CliRunner, write_csv: Callable[..., Path]) -> None:
    path = write_csv(["AZE,TJK,barter,2022,1,million,USD,,,,"])
    result = runner.invoke(app, ["--debug", "--data", str(path), "summary"])
    assert result.exit_code == 1
    assert result.exception is not None and type(result.exception).__name__ == "BadInput"


def test_missing_data_file_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    code, _, err = run(runner, "--data", str(tmp_path / "nope.csv"), "summary")
    assert code == 2
    assert "does not exist" in err


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_every_format_renders_summary(runner: CliRunner, fmt: str) -> None:
    code, out, _ = run(runner, "summary", "--format", fmt)
    assert code == 0
    assert "TJK" in out


def test_json_made_in_a_spool_past_its_memory_is_the_rendered_text(
    runner: CliRunner, bundled: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A JSON longer than the spool's memory goes through a temporary file, read back a
    few bytes at a time (a dash's three bytes split between chunks): the same text."""
    from tradecli.cli.output import Spool
    from tradecli.render import OutputFormat, render

    monkeypatch.setattr(Spool, "MEMORY", 100)
    monkeypatch.setattr(Spool, "CHUNK", 7)
    expected = render(inventory(bundled).report(), OutputFormat.json).stdout
    assert "\u2013" in expected or "–" in expected
    code, out, err = run(runner, "data", "-f", "json")
    assert (code, err) == (0, "") and out == expected
    target = tmp_path / "data.json"
    code, out, _ = run(runner, "data", "-f", "json", "--out", str(target))
    assert code == 0 and out == "" and target.read_bytes() == expected.encode("utf-8")


def test_a_json_that_fails_while_made_leaves_stdout_and_the_file_untouched(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The JSON is made in full before a byte is written: an error half way (here, after
    some series were handed to the spool) writes nothing to stdout or ``--out``."""
    from tradecli.cli.output import Spool
    from tradecli.errors import NotAvailable

    real = Spool.write
    calls: list[int] = []

    def failing(self: Spool, pieces: list[str]) -> None:
        calls.append(len(pieces))
        if len(calls) == 3:
            raise NotAvailable("a derivation gave way")
        real(self, pieces)

    monkeypatch.setattr(Spool, "write", failing)
    target = tmp_path / "data.json"
    target.write_text("before", encoding="utf-8")
    for out in ([], ["--out", str(target)]):
        calls.clear()
        code, stdout, err = run(runner, "data", "-f", "json", *out)
        assert (code, stdout, err) == (1, "", "error: a derivation gave way\n")
        assert len(calls) == 3
    assert target.read_text(encoding="utf-8") == "before"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.json"]


def test_value_refuses_partner_with_a_group(runner: CliRunner) -> None:
    code, out, err = run(runner, "value", "--vs", "cis", "-p", "TJK", "-s", "2022")
    assert code == 2
    assert out == ""
    assert "tradecli share --vs GROUP --partner X" in err


def test_whole_json_output_is_the_rendered_text_on_stdout_and_in_a_file(
    runner: CliRunner, bundled: Dataset, tmp_path: Path
) -> None:
    """JSON is written piece by piece (``render_json_pieces``): stdout and ``--out`` hold
    the text ``render`` makes of the library's report, byte for byte."""
    from tradecli.analysis.share import group_shares
    from tradecli.render import OutputFormat, render
    from tradecli.selection import Selection

    selection = Selection.parse(bundled, None, None, None)
    report = group_shares(bundled, bundled.groups.get("world"), selection).report()
    expected = render(report, OutputFormat.json).stdout
    assert expected.count('"denominator"') > 1
    code, out, err = run(runner, "share", "--vs", "world", "-f", "json")
    assert (code, err) == (0, "") and out == expected
    target = tmp_path / "shares.json"
    code, out, err = run(runner, "share", "--vs", "world", "-f", "json", "--out", str(target))
    assert code == 0 and out == "" and target.read_bytes() == expected.encode("utf-8")
