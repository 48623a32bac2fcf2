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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradecli.caching import keys, results, store
from tradecli.cli import main
from tradecli.cli.output import Transcript
from tradecli.cli.settings import Settings

from .conftest import killed_while_writing

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


# -- long outputs: kept in the entry's file as written, replayed a slice at a time ------

# Writes to stdout (False) and stderr (True), interleaved, with characters of two, three
# and four bytes and a lone surrogate (a byte a file name could not decode).
WRITES = [
    (False, "Jan–May "),
    (False, "été ━━┃\n"),
    (True, "note: ½ 😀\n"),
    (False, "😀" * 7 + "\udcff|"),
    (True, ""),
    (True, "━" * 5),
    (False, "ok\n"),
]
# What a replay must write, by hand: each run of writes to one stream one text.
RUNS = [
    (False, "Jan–May été ━━┃\n"),
    (True, "note: ½ 😀\n"),
    (False, "😀" * 7 + "\udcff|"),
    (True, "━" * 5),
    (False, "ok\n"),
]


@pytest.fixture
def request_(data: Path, cache_dir: Path) -> results.Request:
    """This test's entry (for a command line that is never run)."""
    made = results.request(["long"], [data], [], 100)
    assert made is not None
    return made


@pytest.fixture
def noted(data: Path) -> Path:
    """``data`` with one publisher in Latin-1: the load notes it on stderr, so a command
    writes to stderr, then stdout, then stderr (``--explain``'s derivation)."""
    lines = data.read_bytes().split(b"\n")
    lines[1] = lines[1][:-1] + b"Statistik \xd6sterreich,"
    data.write_bytes(b"\n".join(lines))
    return data


def _temporaries(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob(".tmp-*"))


@pytest.mark.parametrize("limit", [0, 10, 1_000])  # from the first write, later, never
@pytest.mark.parametrize("slice_", [1, 2, 5, 7, 1 << 20])
def test_a_long_transcript_goes_to_its_entry_and_is_replayed_a_slice_at_a_time(
    limit: int,
    slice_: int,
    request_: results.Request,
    cache_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Transcript, "LIMIT", limit)
    monkeypatch.setattr(results, "SLICE", slice_)
    with Transcript(request_.writer) as transcript:
        for err, text in WRITES:
            transcript.add(err, text)
        # Past the limit, nothing is held in memory: it is in the entry's temporary file.
        assert transcript.chunks() == (() if limit < 100 else tuple(RUNS))
        assert len(_temporaries(cache_dir)) == (1 if limit < 100 else 0)
        transcript.keep(0)
    assert _temporaries(cache_dir) == []
    stored = request_.lookup()
    assert stored is not None and stored.code == 0
    replayed = [(err, list(stored.texts(start, end))) for err, start, end in stored.chunks]
    assert [(err, "".join(texts)) for err, texts in replayed] == RUNS
    for _, texts in replayed:  # a slice at a time: a character split at an edge held back
        assert all(len(text.encode("utf-8", "surrogatepass")) <= slice_ + 3 for text in texts)
        assert len(texts) >= len("".join(texts).encode("utf-8", "surrogatepass")) // (slice_ + 3)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # one entry, rewritten
)
@given(
    writes=st.lists(
        st.tuples(st.booleans(), st.text(st.characters(blacklist_categories=()), max_size=12)),
        max_size=12,
    ),
    limit=st.integers(0, 40),
    slice_=st.integers(1, 9),
)
def test_any_transcript_is_replayed_as_written(
    writes: list[tuple[bool, str]],
    limit: int,
    slice_: int,
    request_: results.Request,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whatever the writes (any characters, lone surrogates too, empty texts), the limit
    and the slice: a replay writes each character to the stream it was written to, in
    order (the expected value: the writes taken apart character by character)."""
    monkeypatch.setattr(Transcript, "LIMIT", limit)
    monkeypatch.setattr(results, "SLICE", slice_)
    with Transcript(request_.writer) as transcript:
        for err, text in writes:
            transcript.add(err, text)
        transcript.keep(0)
    stored = request_.lookup()
    assert stored is not None
    replayed = [
        (err, char)
        for err, start, end in stored.chunks
        for text in stored.texts(start, end)
        for char in text
    ]
    assert replayed == [(err, char) for err, text in writes for char in text]


def test_a_long_output_is_stored_and_replayed_byte_for_byte(
    who: tuple[str, str],
    noted: Path,
    cache_dir: Path,
    loads: list[int],
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Tables (box drawing: three bytes a character) and a derivation on stderr, through
    the command line, with a transcript limit of 100 characters and slices of 7 bytes;
    the expected output is that of ``--no-cache``."""
    monkeypatch.setattr(Transcript, "LIMIT", 100)
    monkeypatch.setattr(results, "SLICE", 7)
    for args in (
        ("--data", str(noted), "summary", "--reporter", who[0]),
        ("--data", str(noted), "summary", "--reporter", who[0], "-f", "csv", "--explain"),
    ):
        expected = run("--no-cache", *args)
        assert expected[2] == 0 and len(expected[0]) + len(expected[1]) > 300
        assert any(ord(c) > 127 for c in expected[0] + expected[1])
        loaded = len(loads)
        assert run(*args) == expected
        assert run(*args) == expected
        assert len(loads) == loaded + 1  # the second run was a hit
    assert len(_entries(cache_dir)) == 2 and _temporaries(cache_dir) == []


@pytest.mark.parametrize("where", ["output", "lengths", "tail"])
def test_a_corrupt_long_entry_is_refused_before_any_output(
    where: str,
    who: tuple[str, str],
    data: Path,
    cache_dir: Path,
    loads: list[int],
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Transcript, "LIMIT", 100)
    monkeypatch.setattr(results, "SLICE", 64)
    args = ("--data", str(data), "summary", "--reporter", who[0], "-f", "csv", "--explain")
    expected = run("--no-cache", *args)
    assert run(*args) == expected
    (entry,) = _entries(cache_dir)
    raw = bytearray(entry.read_bytes())
    if where == "output":  # a byte in the middle of what was written: the checksum fails
        raw[len(raw) // 2] ^= 0x01
        entry.write_bytes(bytes(raw))
    else:  # a body whose checksum holds, but whose lengths do not add up
        body = bytes(raw[: -(16 + 8 + 16)])
        size = int.from_bytes(body[-8:], "little")
        meta = json.loads(body[-8 - size : -8])
        if where == "lengths":
            meta["chunks"][0][1] += 1
        else:
            meta["chunks"].append([False, 1])
        text = json.dumps(meta).encode()
        store.write(
            entry,
            lambda sink: sink.write(body[: -8 - size] + text + len(text).to_bytes(8, "little")),
        )
    loaded = len(loads)
    assert run(*args) == expected  # not a byte of the entry before the recomputed output
    assert len(loads) == loaded + 1
    assert run(*args) == expected and len(loads) == loaded + 1  # written afresh


def test_a_long_output_that_cannot_be_kept_is_written_and_not_stored(
    who: tuple[str, str],
    data: Path,
    cache_dir: Path,
    loads: list[int],
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Longer than the largest entry kept, or a cache that cannot be written: no error,
    the output whole, no entry and no temporary file left; just long enough, kept."""
    monkeypatch.setattr(Transcript, "LIMIT", 100)
    args = ("--data", str(data), "summary", "--reporter", who[0], "-f", "json")
    expected = run("--no-cache", *args)
    size = len(expected[0].encode()) + len(expected[1].encode())
    monkeypatch.setattr(results, "LARGEST", size - 1)
    assert run(*args) == expected and run(*args) == expected
    assert _entries(cache_dir) == [] and _temporaries(cache_dir) == []
    monkeypatch.setattr(results, "LARGEST", size)
    assert run(*args) == expected and len(_entries(cache_dir)) == 1
    loaded = len(loads)
    assert run(*args) == expected and len(loads) == loaded
    blocked = cache_dir.parent / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(store.ENV, str(blocked / "cache"))
    assert run(*args) == expected and run(*args) == expected
    assert len(loads) == loaded + 2


def test_a_failed_commands_long_transcript_is_removed(
    request_: results.Request, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Transcript, "LIMIT", 10)
    with pytest.raises(RuntimeError), Transcript(request_.writer) as transcript:
        for err, text in WRITES:
            transcript.add(err, text)
        assert len(_temporaries(cache_dir)) == 1
        raise RuntimeError("the command failed after writing")
    assert _temporaries(cache_dir) == [] and _entries(cache_dir) == []


KILLED = """
import sys, time
from tradecli.caching import results
from tradecli.cli.output import Transcript
from tradecli.cli.process import run

Transcript.LIMIT = 100
write = results.Writer.write

def stalled(self, err, text):
    write(self, err, text)
    self._pending.sink.flush()
    print("writing", file=sys.__stderr__, flush=True)
    time.sleep(120)

results.Writer.write = stalled
sys.argv = ["tradecli", *sys.argv[1:]]
run()
"""


def test_a_killed_writers_long_transcript_is_removed_by_the_next_run(
    who: tuple[str, str], data: Path, cache_dir: Path, loads: list[int], run: Run
) -> None:
    args = ["--data", str(data), "summary", "--reporter", who[0], "-f", "json"]
    expected = run("--no-cache", *args)
    pid = killed_while_writing(KILLED, *args, said_on_stderr=True)
    (killed,) = _temporaries(cache_dir)
    assert killed.name.startswith(f".tmp-{pid}-") and killed.stat().st_size > 0
    assert _entries(cache_dir) == []
    assert run(*args) == expected
    assert _temporaries(cache_dir) == [] and len(_entries(cache_dir)) == 1


LONG_HIT = """
import json, sys
from tradecli.caching import results
from tradecli.cli.output import Transcript
from tradecli.cli.process import run

Transcript.LIMIT = 100
results.SLICE = 7
marks_path = sys.argv[1]
sys.argv = ["tradecli", *sys.argv[2:]]
try:
    run()
except SystemExit as exc:
    code = exc.code
with open(marks_path, "w") as marks:
    json.dump({"code": code, "loaded": "pandas" in sys.modules}, marks)
"""


def test_a_long_replay_writes_stdout_and_stderr_in_their_order(
    who: tuple[str, str], noted: Path, tmp_path: Path, cache_dir: Path
) -> None:
    """Both streams into one pipe, unbuffered: the order of the writes shows (a note on
    stderr, the table on stdout, the notes and derivation on stderr); a hit (no pandas) writes
    what the ``--no-cache`` run wrote, byte for byte."""
    args = ["--data", str(noted), "summary", "--reporter", who[0], "-f", "csv", "--explain"]
    marks = tmp_path / "marks.json"

    def child(*more: str) -> tuple[bytes, dict[str, Any]]:
        done = subprocess.run(
            [sys.executable, "-c", LONG_HIT, str(marks), *more, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=False,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        return done.stdout, json.loads(marks.read_text(encoding="utf-8"))

    expected, _ = child("--no-cache")
    note = b"not UTF-8; read as cp1252\n"
    order = [expected.find(part) for part in (note, b"reporter,partner,", b"note: * run-rate")]
    assert -1 not in order and order == sorted(order)
    assert child() == (expected, {"code": 0, "loaded": True})
    assert child() == (expected, {"code": 0, "loaded": False})
    assert len(_entries(cache_dir)) == 1


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
from tradecli.cli.output import Transcript
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
