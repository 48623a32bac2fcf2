"""The result cache: a second identical run replays the first one's output exactly,
without importing pandas; any change of file, options, width or version misses.
No timings here: ``bench/`` measures speed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tradecli.caching import keys, results, store
from tradecli.cli import main
from tradecli.cli.settings import Settings

Run = Callable[..., tuple[str, str, int]]


@pytest.fixture(scope="module")
def generated(generate: Callable[[int, int], Path]) -> Path:
    return generate(6_000, 11)


@pytest.fixture
def data(generated: Path, tmp_path: Path) -> Path:
    """A copy each test may change."""
    path = tmp_path / "trade.csv"
    path.write_bytes(generated.read_bytes())
    return path


@pytest.fixture(scope="module")
def who(generated: Path) -> tuple[str, str]:
    """A reporter and one of its partners in the generated file."""
    with generated.open(encoding="utf-8") as rows:
        reporter, partner = rows.readlines()[1].split(",")[:2]
    return reporter, partner


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(store.ENV, str(folder))
    monkeypatch.setenv(results.MIN_ENV, "0")  # the small generated file qualifies
    monkeypatch.setenv("COLUMNS", "100")
    return folder


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One item per run that loaded data (a miss); a hit loads nothing."""
    calls: list[int] = []
    real = Settings.load

    def counting(self: Settings, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Settings, "load", counting)
    return calls


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """``tradecli ARGS`` through the console entry point: (stdout, stderr, exit code)."""

    def invoke(*args: str) -> tuple[str, str, int]:
        monkeypatch.setattr(sys, "argv", ["tradecli", *args])
        with pytest.raises(SystemExit) as exit_:
            main()
        out = capsys.readouterr()
        code = exit_.value.code
        return out.out, out.err, 0 if code is None else int(code)

    return invoke


def _entries(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob("result-*.result"))


def test_a_hit_replays_stdout_stderr_and_exit_code(
    who: tuple[str, str], data: Path, cache_dir: Path, loads: list[int], run: Run
) -> None:
    args = ("--data", str(data), "summary", "--reporter", who[0], "-f", "csv", "--explain")
    first = run(*args)
    assert first[0] and first[1] and first[2] == 0  # csv: notes and derivation on stderr
    assert len(_entries(cache_dir)) == 1
    assert run(*args) == first
    assert len(loads) == 1
    assert run("--no-cache", *args) == first  # bypassed: loaded again, same output
    assert len(loads) == 2


def test_table_output_and_other_commands_replay(
    who: tuple[str, str], data: Path, cache_dir: Path, loads: list[int], run: Run
) -> None:
    for args in (
        ("summary", "--data", str(data), "--reporter", who[0]),
        ("--data", str(data), "growth", "--reporter", who[0], "--partner", who[1], "-f", "json"),
        ("--data", str(data), "data"),
    ):
        first = run(*args)
        assert first[2] == 0
        assert run(*args) == first
    assert len(loads) == 3
    assert len(_entries(cache_dir)) == 3


@pytest.mark.parametrize("change", ["file", "options", "columns", "version"])
def test_a_change_misses(
    who: tuple[str, str],
    change: str,
    data: Path,
    cache_dir: Path,
    loads: list[int],
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    args = ["--data", str(data), "summary", "--reporter", who[0]]
    first = run(*args)
    if change == "file":
        lines = data.read_text(encoding="utf-8").splitlines()
        data.write_text("\n".join(lines[:200]) + "\n", encoding="utf-8")
        stat = data.stat()
        os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    elif change == "options":
        args += ["--flow", "export"]
    elif change == "columns":
        monkeypatch.setenv("COLUMNS", "60")  # the table wraps
    else:
        monkeypatch.setattr(keys, "tool_version", lambda: "99.0")
    second = run(*args)
    assert len(loads) == 2
    assert second[2] == 0
    if change != "version":
        assert second[0] != first[0]
    assert run(*args) == second  # and the new result is cached in turn
    assert len(loads) == 2
    if change in ("file", "version"):
        assert len(_entries(cache_dir)) == 1  # the command line's older entry is gone


def test_no_cache_stores_nothing(
    who: tuple[str, str], data: Path, cache_dir: Path, loads: list[int], run: Run
) -> None:
    args = ("--data", str(data), "summary", "--reporter", who[0], "--no-cache")
    assert run(*args) == run(*args)
    assert len(loads) == 2
    assert _entries(cache_dir) == []


def test_a_corrupt_entry_is_rebuilt(
    who: tuple[str, str], data: Path, cache_dir: Path, loads: list[int], run: Run
) -> None:
    args = ("--data", str(data), "summary", "--reporter", who[0])
    first = run(*args)
    (entry,) = _entries(cache_dir)
    for garbage in (b"not a result", entry.read_bytes()[:-10], b'{"key": 1}\n'):
        entry.write_bytes(garbage)
        assert run(*args) == first
    assert len(loads) == 4
    assert run(*args) == first
    assert len(loads) == 4


def test_what_is_not_cached(
    who: tuple[str, str],
    data: Path,
    cache_dir: Path,
    loads: list[int],
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert run("--data", str(data), "summary", "--flow", "sideways")[2] == 2  # usage error
    assert run("--data", str(data), "summary", "--partner", "Atlantis")[2] == 1  # data error
    assert run("--data", str(data), "chart", "--reporter", who[0], "--partner", who[1])[2] == 0
    assert run("--data", str(data), "summary", "--help")[2] == 0
    assert _entries(cache_dir) == []
    monkeypatch.delenv(results.MIN_ENV)  # the default threshold: a small file is read
    assert run("--data", str(data), "summary", "--reporter", who[0])[2] == 0
    assert _entries(cache_dir) == []


def test_an_output_longer_than_the_transcript_keeps_is_not_stored(
    who: tuple[str, str],
    data: Path,
    cache_dir: Path,
    loads: list[int],
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An output over ``Transcript.LIMIT`` characters is written, not kept a second time
    to be stored: the next run computes it again, and writes the same."""
    from tradecli.cli.output import Transcript

    args = ("--data", str(data), "summary", "--reporter", who[0], "-f", "json")
    monkeypatch.setattr(Transcript, "LIMIT", 2_000)
    first = run(*args)
    assert first[2] == 0 and len(first[0]) > 2_000
    assert _entries(cache_dir) == []
    assert run(*args) == first and len(loads) == 2
    monkeypatch.setattr(Transcript, "LIMIT", len(first[0]) + len(first[1]))  # just enough
    assert run(*args) == first and len(_entries(cache_dir)) == 1
    assert run(*args) == first and len(loads) == 3


def test_the_claims_file_is_part_of_the_key(
    who: tuple[str, str],
    data: Path,
    tmp_path: Path,
    cache_dir: Path,
    loads: list[int],
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    claims = tmp_path / "claims.toml"
    claim = 'measure = "value"\nperiod = "1990"\nstated = "$1 million"\n'
    claims.write_text(
        f'reporter = "{who[0]}"\npartner = "{who[1]}"\n[[claim]]\n{claim}', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    argv = ["--data", str(data), "verify", "claims.toml"]
    first = run(*argv)
    assert first[2] == 0 and "unverifiable" in first[0]
    assert run(*argv) == first and len(loads) == 1
    claims.write_text(
        f'reporter = "{who[1]}"\npartner = "{who[0]}"\n[[claim]]\n{claim}', encoding="utf-8"
    )
    run(*argv)
    assert len(loads) == 2  # another claims file: a miss
    entries = _entries(cache_dir)
    run("--no-cache", *argv)
    run(*argv, "--no-cache")  # a root option after the command
    assert len(loads) == 4 and _entries(cache_dir) == entries
    run("--data", str(data), "chart", "-r", who[0], "-p", who[1])
    run("--data", str(data), "chart", "-r", who[0], "-p", who[1])
    assert len(loads) == 6 and _entries(cache_dir) == entries


HIT = """
import json, sys
marks_path = sys.argv[2]
sys.argv = ["tradecli", *json.loads(sys.argv[1])]
from tradecli.cli import main
try:
    main()
    code = 0
except SystemExit as exc:
    code = exc.code
with open(marks_path, "w") as marks:
    json.dump({"code": code, "loaded": sorted(m for m in ("pandas", "pyarrow", "numpy")
                                              if m in sys.modules)}, marks)
"""


def test_a_hit_imports_no_pandas(
    who: tuple[str, str], data: Path, tmp_path: Path, cache_dir: Path
) -> None:
    args = ["--data", str(data), "summary", "--reporter", who[0]]
    marks = tmp_path / "marks.json"

    def child() -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
        done = subprocess.run(
            [sys.executable, "-c", HIT, json.dumps(args), str(marks)],
            capture_output=True,
            text=True,
            check=False,
            env=os.environ.copy(),
        )
        return done, json.loads(marks.read_text(encoding="utf-8"))

    miss, miss_marks = child()
    assert miss_marks == {"code": 0, "loaded": ["numpy", "pandas", "pyarrow"]}
    hit, hit_marks = child()
    assert hit_marks == {"code": 0, "loaded": []}
    assert (hit.stdout, hit.stderr) == (miss.stdout, miss.stderr)
    assert who[0] in hit.stdout
