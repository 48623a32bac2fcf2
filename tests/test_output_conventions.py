"""The conventions people expect: -h, shell completion, readable metavars, and output that
survives a stdout that is not UTF-8."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from tradecli.cli import app
from tradecli.cli.output import fallback

COMMANDS = ["summary", "value", "data", "share", "growth", "project", "mirror", "verify", "chart"]


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), prog_name="tradecli")
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_dash_h_is_help_with_readable_metavars(runner: CliRunner, command: str) -> None:
    code, out, _ = run(runner, *([command] if command else []), "-h")
    assert code == 0
    assert out.startswith("Usage: tradecli")
    assert "-h, --help" in out
    # an option's value is named (SPAN, COUNTRY) or its choices listed; never a Python type
    options = [line for line in out.splitlines() if line.lstrip().startswith("-")]
    assert not re.search(r"<(str|int|list\[Path\]|path|file)>", "\n".join(options)), out


def test_shell_completion_is_offered(runner: CliRunner) -> None:
    code, out, _ = run(runner, "-h")
    assert code == 0
    assert "--install-completion" in out and "--show-completion" in out
    env = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "tradecli", "--show-completion", "bash"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "complete" in done.stdout and "tradecli" in done.stdout.lower()


def test_fallback_keeps_what_the_encoding_has() -> None:
    assert fallback("AZE–TJK … ×", "utf-8") == "AZE–TJK … ×"
    assert fallback("AZE–TJK … × ±", "ascii") == "AZE-TJK ... x +/-"
    assert fallback("┃ a ┃\n┡━╇━┩\n│ ▁█ │", "ascii") == "| a |\n+=+=+\n| 18 |"
    assert fallback("Jan–Apr · 中", "cp1252") == "Jan–Apr · ?"  # cp1252 has – and ·
    assert fallback("x–y", "no-such-codec") == "x-y"


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_a_table_survives_a_stdout_that_is_not_utf8(encoding: str) -> None:
    env = {**os.environ, "PYTHONIOENCODING": encoding, "COLUMNS": "100"}
    done = subprocess.run(
        [sys.executable, "-m", "tradecli", "summary", "-p", "TJK"],
        capture_output=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode(encoding)  # every byte is valid in the encoding
    assert "Traceback" not in done.stderr.decode(encoding)
    assert "$6.1M" in out and "+3.4%" in out
    dash = "–" if encoding == "cp1252" else "-"
    assert f"AZE{dash}TJK" in out and f"Jan{dash}Apr 2024" in out
    assert "| series  | year |" in out
