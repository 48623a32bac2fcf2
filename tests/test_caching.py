"""Caches that cannot lie: an entry is used only for the same whole content, only
when the user owns it and nobody else could have written it, only when its body
matches its checksum; leftovers of killed writers go; pipes are never keyed;
provenance names the path given. Both caches (parsed files, command results) are
put through each case. Expected values are worked out by hand from the rows below.
"""

from __future__ import annotations

import json
import logging
import os
import pwd
import shutil
import signal
import stat
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from tradecli import cli, readers
from tradecli.caching import keys, parsed, results, store
from tradecli.cli.output import Transcript
from tradecli.groups import load as load_groups
from tradecli.readers.context import ReadContext

from .conftest import killed_while_writing

HEADER = "reporter,partner,flow,period,value,unit,currency,flags,published,publisher,url"
# Latin-1 publisher: reading it leaves a note that names the file.
ROWS = [
    "AZE,TJK,turnover,2021,1234.5,million,USD,,,Statistik \xd6sterreich,",
    "AZE,TJK,turnover,2022,2000,million,USD,,,,",
    "AZE,TUR,export,2022,300,million,USD,,,,",
]
OLD, NEW = "1234.5", "1934.5"  # the same length: an edit in place keeps the size
OLD_VALUE, NEW_VALUE = "1234500000.0", "1934500000.0"  # million USD, as value -f csv prints
ASK = ["-f", "csv", "--explain", "value", "-r", "AZE", "-p", "TJK", "--period", "2021"]
ROOT = os.geteuid() == 0
KINDS = ["parsed", "results"]

Run = Callable[..., tuple[str, str, int]]


def _write(path: Path, rows: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join([HEADER, *rows]) + "\n").encode("cp1252"))
    return path


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return _write(tmp_path / "in" / "trade.csv", ROWS)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(store.ENV, str(folder))
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setattr(parsed, "MIN_BYTES", 0)  # the small file qualifies
    return folder


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which cache answers a repeated command: the parsed-file cache alone (the result
    cache kept out), or the result cache (in front of the parsed-file cache)."""
    which = str(request.param)
    monkeypatch.setenv(results.MIN_ENV, str(1 << 62) if which == "parsed" else "0")
    return which


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every file read by a reader: a hit of either cache reads nothing."""
    seen: list[Path] = []
    real = readers.read_any

    def counting(path: Path, context: ReadContext) -> Any:
        seen.append(path)
        return real(path, context)

    monkeypatch.setattr(readers, "read_any", counting)
    return seen


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """``tradecli ARGS`` through the console entry point: (stdout, stderr, exit code)."""

    def invoke(*args: str) -> tuple[str, str, int]:
        monkeypatch.setattr(sys, "argv", ["tradecli", *args])
        with pytest.raises(SystemExit) as exit_:
            cli.main()
        out = capsys.readouterr()
        code = exit_.value.code
        return out.out, out.err, 0 if code is None else int(code)

    return invoke


def _entries(folder: Path, kind: str) -> list[Path]:
    return sorted(folder.glob("*.arrow" if kind == "parsed" else "result-*.result"))


def _primed(run: Run, data: Path, reads: list[Path]) -> tuple[str, str, int]:
    """Run the question twice: the first reads the file, the second is a hit."""
    first = run("--data", str(data), *ASK)
    assert first[2] == 0 and f"USD,unit,2021,{OLD_VALUE}," in first[0]
    assert run("--data", str(data), *ASK) == first
    assert len(reads) == 1
    return first


# -- stale answers -----------------------------------------------------------------


def _touch_r(path: Path, tmp: Path, old: str = OLD, new: str = NEW) -> None:
    """One digit changed in place, then the modification time copied back (touch -r)."""
    reference = tmp / "reference"
    shutil.copy2(path, reference)
    text = path.read_bytes()
    with path.open("r+b") as handle:
        handle.seek(text.index(old.encode()))
        handle.write(new.encode())
    subprocess.run(["touch", "-r", str(reference), str(path)], check=True)


def _sed_touch_d(path: Path, tmp: Path) -> None:
    """``sed -i`` (a new file renamed over the old), then ``touch -d`` to the old time."""
    mtime = path.stat().st_mtime_ns
    subprocess.run(["sed", "-i", f"s/{OLD}/{NEW}/", str(path)], check=True)
    seconds, nanos = divmod(mtime, 10**9)
    subprocess.run(["touch", "-d", f"@{seconds}.{nanos:09d}", str(path)], check=True)


def _rename(path: Path, tmp: Path) -> None:
    """Another file with the old one's times (as ``cp -p`` gives them) renamed over it."""
    other = tmp / "other.csv"
    other.write_bytes(path.read_bytes().replace(OLD.encode(), NEW.encode()))
    shutil.copystat(path, other)
    os.replace(other, path)


def _cp_p(path: Path, tmp: Path) -> None:
    """``cp -p`` of an edited copy onto the file (written in place, times kept)."""
    other = tmp / "other.csv"
    other.write_bytes(path.read_bytes().replace(OLD.encode(), NEW.encode()))
    shutil.copystat(path, other)
    subprocess.run(["cp", "-p", str(other), str(path)], check=True)


EDITS = {"touch -r": _touch_r, "sed -i + touch -d": _sed_touch_d, "rename": _rename}
EDITS["cp -p"] = _cp_p


@pytest.mark.parametrize("edit", list(EDITS))
def test_an_edit_with_size_and_mtime_kept_misses(
    edit: str, kind: str, data: Path, cache_dir: Path, reads: list[Path], run: Run, tmp_path: Path
) -> None:
    _primed(run, data, reads)
    before = data.stat()
    EDITS[edit](data, tmp_path)
    after = data.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    out, _, code = run("--data", str(data), *ASK)
    assert code == 0
    assert f"USD,unit,2021,{NEW_VALUE}," in out and OLD_VALUE not in out
    assert len(reads) == 2
    assert run("--data", str(data), *ASK)[0] == out  # the new content is cached in turn
    assert len(reads) == 2
    assert len(_entries(cache_dir, kind)) == 1  # the older content's entry is gone


def test_a_file_key_is_its_whole_content(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    body = bytearray(os.urandom(3 << 20))
    big.write_bytes(body)
    first = keys.content(big)
    assert first is not None and keys.content(big) == first
    body[100_000] ^= 1  # one bit between the first two pieces an old key sampled
    mtime = big.stat().st_mtime_ns
    big.write_bytes(body)
    os.utime(big, ns=(mtime, mtime))
    assert keys.content(big) not in (None, first)
    big.write_bytes(bytes(body) + b"x")
    assert keys.content(big) not in (None, first)


# -- provenance ----------------------------------------------------------------------


def test_a_hit_names_the_path_given(
    data: Path,
    cache_dir: Path,
    reads: list[Path],
    run: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(results.MIN_ENV, str(1 << 62))  # the parsed-file cache alone
    link = tmp_path / "link.csv"
    link.symlink_to(data)
    monkeypatch.chdir(tmp_path)
    paths = [str(data), "in/trade.csv", "in/../in/trade.csv", "link.csv"]
    for path in paths:
        out, err, code = run("--data", path, *ASK)
        assert code == 0 and f"USD,unit,2021,{OLD_VALUE}," in out
        assert f"note: {path}: not UTF-8; read as cp1252\n" in err
        assert f"Statistik Österreich, undated [{path}:2]" in err
        for other in paths:
            if other != path:
                assert f"[{other}:" not in err and f"note: {other}:" not in err
    assert reads == [data]  # the later paths were answered from the cache
    assert len(_entries(cache_dir, "parsed")) == 1


# -- planted answers -----------------------------------------------------------------


def _plant(kind: str, data: Path, run: Run) -> Path:
    """An entry in the user's own cache for this very file and question, with a wrong
    answer (what someone who could write the entry would leave), checksum and all."""
    if kind == "results":
        if not _entries(data.parent.parent / "cache", "results"):
            assert run("--data", str(data), *ASK)[2] == 0  # the genuine entry
        (entry,) = _entries(data.parent.parent / "cache", "results")
        body = store.read(entry)
        assert body is not None
        meta = int.from_bytes(body[-8:], "little")  # the JSON after the output, its length
        key = json.loads(bytes(body[-8 - meta : -8]))["key"]
        _store(results.Request(entry, key), "PLANTED\n")
        return entry
    context = ReadContext(load_groups(None).codes, "TOTAL")
    frame = readers.read_any(data, ReadContext(load_groups(None).codes, "TOTAL"))
    frame["value"] = frame["value"] * 7
    parsed.read(data, context, lambda p, c: frame)
    (entry,) = _entries(data.parent.parent / "cache", "parsed")
    return entry


def _planted_is_used(out: str, kind: str) -> bool:
    return out == "PLANTED\n" if kind == "results" else "USD,unit,2021,8641500000.0," in out


def _nobody() -> tuple[int, int]:
    entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid


@pytest.mark.parametrize("how", ["another owner", "group-writable", "world-writable"])
def test_a_planted_entry_is_refused(
    how: str, kind: str, data: Path, cache_dir: Path, reads: list[Path], run: Run
) -> None:
    if how == "another owner" and not ROOT:
        pytest.skip("chown to nobody needs root")
    entry = _plant(kind, data, run)
    # Left as its owner wrote it, the entry is used: the cases below would catch it.
    assert _planted_is_used(run("--data", str(data), *ASK)[0], kind)
    entry = _plant(kind, data, run)  # once more, for the run above may have rebuilt others
    if how == "another owner":
        os.chown(entry, *_nobody())
    else:
        entry.chmod(0o620 if how == "group-writable" else 0o602)
    out, err, code = run("--data", str(data), *ASK)
    assert code == 0 and f"USD,unit,2021,{OLD_VALUE}," in out
    assert "PLANTED" not in out and "cache" not in err
    # The refused entry was replaced by one of the user's own, which is then used.
    info = entry.stat()
    assert info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) == 0o600
    assert run("--data", str(data), *ASK)[0] == out


@pytest.mark.parametrize("how", ["another owner", "world-writable"])
def test_a_directory_others_could_write_is_not_used(
    how: str, kind: str, data: Path, cache_dir: Path, reads: list[Path], run: Run
) -> None:
    if how == "another owner" and not ROOT:
        pytest.skip("chown to nobody needs root")
    _plant(kind, data, run)
    reads.clear()
    if how == "another owner":
        os.chown(cache_dir, *_nobody())
    else:
        cache_dir.chmod(0o777)
    before = sorted(p.name for p in cache_dir.iterdir())
    for _ in range(2):
        out, err, code = run("--data", str(data), *ASK)
        assert code == 0 and f"USD,unit,2021,{OLD_VALUE}," in out and "cache" not in err
    assert len(reads) == 2  # not even the second run came from it
    assert sorted(p.name for p in cache_dir.iterdir()) == before  # nothing written there


def test_the_directory_is_made_owner_only(
    data: Path, cache_dir: Path, reads: list[Path], run: Run
) -> None:
    old = os.umask(0)
    try:
        assert run("--data", str(data), *ASK)[2] == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    entries = list(cache_dir.iterdir())
    assert entries
    for entry in entries:
        info = entry.lstat()
        assert stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o600


# -- corrupt entries -----------------------------------------------------------------


def _corrupt(entry: Path, kind: str) -> None:
    """Change a figure inside the entry's body, leaving its length and trailer alone."""
    body = entry.read_bytes()
    if kind == "results":
        old, new = OLD_VALUE.encode(), b"9" + OLD_VALUE.encode()[1:]
    else:  # the float64 in the value column
        old, new = struct.pack("<d", 1234.5e6), struct.pack("<d", 9234.5e6)
    assert body.count(old) >= 1  # value, and low and high when exact
    entry.write_bytes(body.replace(old, new))


@pytest.mark.parametrize("damage", ["changed figure", "cut short", "emptied"])
def test_a_corrupt_entry_is_ignored_and_rebuilt(
    damage: str, kind: str, data: Path, cache_dir: Path, reads: list[Path], run: Run
) -> None:
    first = _primed(run, data, reads)
    (entry,) = _entries(cache_dir, kind)
    whole = entry.read_bytes()
    if damage == "changed figure":
        _corrupt(entry, kind)
    else:
        entry.write_bytes(whole[: len(whole) // 2] if damage == "cut short" else b"")
    assert run("--data", str(data), *ASK) == first
    assert entry.read_bytes() == whole  # written afresh
    reads.clear()
    assert run("--data", str(data), *ASK) == first
    assert reads == []


def test_store_reads_back_only_what_it_wrote(cache_dir: Path) -> None:
    entry = cache_dir / "x.result"
    assert store.write(entry, lambda sink: sink.write(b"body"))
    body = store.read(entry)
    assert body is not None and bytes(body) == b"body"
    raw = entry.read_bytes()
    for bad in (raw[:-1], raw[:4] + raw[5:] + b"!", b"bodx" + raw[4:], raw + b"\0"):
        entry.write_bytes(bad)
        assert store.read(entry) is None
        assert not entry.exists()  # removed, for the next run to write
    link = cache_dir / "link.result"
    assert store.write(entry, lambda sink: sink.write(b"body"))
    link.symlink_to(entry)
    assert store.read(link) is None  # never through a link
    assert store.write(cache_dir.parent / "elsewhere.result", lambda s: s.write(b"b")) is False


# -- leftovers -----------------------------------------------------------------------

WRITER = """
import sys, time
from pathlib import Path
from tradecli.caching import store

def fill(sink):
    sink.write(b"half an entry" * 1000)
    sink.flush()
    print("writing", flush=True)
    time.sleep(120)

store.write(Path(sys.argv[1]), fill)
"""


def _gone_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def test_a_killed_writers_temporary_file_is_removed(
    data: Path, cache_dir: Path, reads: list[Path], run: Run
) -> None:
    cache_dir.mkdir(mode=0o700)
    pid = killed_while_writing(WRITER, str(cache_dir / "entry.arrow"))
    (killed,) = cache_dir.glob(".tmp-*")
    assert killed.name.startswith(f".tmp-{pid}-")
    gone = cache_dir / f".tmp-{_gone_pid()}-1234.result"
    stale = cache_dir / f".tmp-{os.getpid()}-5678.arrow"  # a live process, but long ago
    legacy = cache_dir / ".tmp-k3j2h1.arrow"  # no process id: judged by age alone
    live = cache_dir / f".tmp-{os.getpid()}-9abc.arrow"  # being written now: kept
    for path in (gone, stale, legacy, live):
        path.write_bytes(b"partial")
    long_ago = time.time() - 2 * store.STALE_SECONDS
    os.utime(stale, (long_ago, long_ago))
    os.utime(legacy, (long_ago, long_ago))
    assert run("--data", str(data), *ASK)[2] == 0
    assert sorted(p.name for p in cache_dir.glob(".tmp-*")) == [live.name]
    assert not (cache_dir / "entry.arrow").exists()


# -- pipes ---------------------------------------------------------------------------

CHILD = """
import sys
from tradecli import cli
from tradecli.caching import parsed
parsed.MIN_BYTES = 0  # every regular file qualifies: only what is not one is left out
sys.argv = ["tradecli", *sys.argv[1:]]
cli.main()
"""

FEED = "import shutil, sys; shutil.copyfileobj(open(sys.argv[1], 'rb'), open(sys.argv[2], 'wb'))"


def _through_fifo(
    tmp_path: Path, payload: bytes, args: Callable[[Path], list[str]]
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run ``tradecli ARGS`` in a child, a FIFO fed ``payload`` by another child."""
    source = tmp_path / "payload"
    source.write_bytes(payload)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    folder = tmp_path / "cache"
    env = {**os.environ, store.ENV: str(folder), results.MIN_ENV: "0", "COLUMNS": "100"}
    feeder = subprocess.Popen([sys.executable, "-c", FEED, str(source), str(fifo)])
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, *args(fifo)],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=False,
        )
    finally:
        feeder.kill()
        feeder.wait()
    return done, folder


def test_a_groups_fifo_is_read_once_by_the_load(data: Path, tmp_path: Path) -> None:
    notes = "".join(f"mine,TJK,,,{'n' * 100_000}\n" for _ in range(90))
    payload = f"group,member,valid_from,valid_to,note\n{notes}".encode()
    assert len(payload) >= 9_000_000  # more than a pipe holds: a reader before the load hangs
    ask = ["-f", "csv", "value", "-r", "AZE", "--vs", "mine", "--period", "2021"]
    done, folder = _through_fifo(
        tmp_path, payload, lambda fifo: ["--data", str(data), "--groups", str(fifo), *ask]
    )
    assert done.returncode == 0, done.stderr
    assert f"AZE,MINE,turnover,USD,unit,2021,{OLD_VALUE}," in done.stdout
    assert ",member sum," in done.stdout
    assert list(folder.glob("result-*")) == []  # a command reading a pipe is not cached


def test_a_data_fifo_is_never_keyed_nor_cached(tmp_path: Path) -> None:
    months = [f"{year}-{month:02d}" for year in range(1990, 2021) for month in range(1, 13)]
    partners = ["UZB", "KAZ", "KGZ", "TKM", "GEO", "ARM", "BLR", "MDA", "UKR", "RUS"]
    more = [
        f"AZE,{partner},{flow},{month},1.5,million,USD,,,,"
        for partner in partners
        for flow in ("export", "import")
        for month in months
    ]
    payload = ("\n".join([HEADER, *ROWS, *more]) + "\n").encode("cp1252")
    while len(payload) < 9_000_000:  # more than a pipe holds: the same rows again, reconciled
        payload += ("\n".join(more) + "\n").encode("cp1252")
    done, folder = _through_fifo(
        tmp_path, payload, lambda fifo: ["--data", str(fifo), *ASK]
    )  # no hang (the timeout)
    assert done.returncode == 0, done.stderr  # answered from the pipe, so "nor cached" means it
    assert f"AZE,TJK,turnover,USD,unit,2021,{OLD_VALUE}," in done.stdout
    assert not folder.exists() or [p for p in folder.iterdir()] == []


@pytest.fixture
def alarm() -> Iterator[None]:
    """Fail, not hang, if a key opens something that blocks."""

    def hung(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError("keying blocked")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(10)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_what_is_not_a_regular_file_is_never_opened(tmp_path: Path, alarm: None) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # no writer: opening it to read would block
    for path in (fifo, Path("/dev/zero"), Path("/dev/null"), tmp_path, tmp_path / "none"):
        assert keys.content(path) is None and keys.size(path) is None
    request = results.request(["summary"], [tmp_path], [], 80)
    assert request is None  # a folder holding a pipe
    regular = _write(tmp_path / "data.csv", ROWS)
    assert results.request(["summary"], [regular], [fifo], 80) is None


@pytest.mark.parametrize("remembered", [False, True])
def test_what_was_read_from_a_file_changing_meanwhile_is_not_stored(
    remembered: bool, data: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if remembered:  # keys remembered in the process: the change time must tell
        monkeypatch.setattr(keys, "_SETTLED_NS", 0)
    monkeypatch.setenv(results.MIN_ENV, "0")
    context = ReadContext(load_groups(None).codes, "TOTAL")

    def read_while_written(path: Path, context: ReadContext) -> Any:
        frame = readers.read_any(path, context)
        time.sleep(0.05)  # a few ticks of the kernel's coarse clock
        _touch_r(path, cache_dir.parent)
        return frame

    frame = parsed.read(data, context, read_while_written)
    assert float(frame["value"].iloc[0]) == 1234.5e6  # what was read, not stored
    assert _entries(cache_dir, "parsed") == []
    request = results.request(["value"], [data], [], 80)
    assert request is not None
    time.sleep(0.05)
    _touch_r(data, cache_dir.parent, NEW, OLD)  # changed back, size and mtime kept
    _store(request, "stale\n")
    assert _entries(cache_dir, "results") == []


def test_a_refusal_is_one_debug_record_and_no_error(
    data: Path,
    cache_dir: Path,
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv(results.MIN_ENV, "0")
    monkeypatch.setattr(store, "_said", [])
    assert run("--data", str(data), *ASK)[2] == 0
    for entry in cache_dir.iterdir():
        entry.chmod(0o666)  # both entries refused, twice each
    with caplog.at_level(logging.DEBUG, logger="tradecli.caching"):
        for _ in range(2):
            out, err, code = run("--data", str(data), *ASK)
            assert code == 0 and f"USD,unit,2021,{OLD_VALUE}," in out and "cache" not in err
    (record,) = caplog.records
    assert record.levelno == logging.DEBUG and "group or others may write it" in record.message


def test_a_readers_warning_names_the_path_given_too() -> None:
    from tradecli.caching.parsed import _renamed

    note = "warning: in/big.csv: left out 1 row(s) whose partner cannot be placed"
    assert _renamed(note, "in/big.csv", "link.csv") == (
        "warning: link.csv: left out 1 row(s) whose partner cannot be placed"
    )
    assert _renamed("warning: in/big.csvx: x", "in/big.csv", "link.csv") == (
        "warning: in/big.csvx: x"
    )
    assert _renamed("in/big.csv: a note", "in/big.csv", "link.csv") == "link.csv: a note"


def test_a_hit_is_the_frame_read_with_its_numbers_left_in_the_entry(
    data: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The frame from an entry equals the one read (dtypes too), and its numeric columns
    are views of the memory-mapped entry, not copies of it."""
    import numpy as np
    import pandas as pd

    context = ReadContext(group_codes=load_groups(None).codes)
    read = parsed.read(data, context, readers.read_any)
    bodies: list[memoryview] = []
    real = store.read

    def keeping(entry: Path) -> memoryview | None:
        body = real(entry)
        if body is not None:
            bodies.append(body)
        return body

    def not_again(path: Path, context: ReadContext) -> Any:
        raise AssertionError("read again: the entry was not used")

    monkeypatch.setattr(store, "read", keeping)
    hit = parsed.read(data, ReadContext(group_codes=context.group_codes), not_again)
    pd.testing.assert_frame_equal(hit, read, check_exact=True)
    assert list(hit["value"]) == [1234.5e6, 2000e6, 300e6]  # million USD, by hand
    mapped = np.frombuffer(bodies[0], dtype=np.uint8)
    low = mapped.__array_interface__["data"][0]
    assert list(hit["step"]) == [1e5, 1e9, 1e8]  # 1234.5, 2000 and 300 million: by hand
    # (the steps are a categorical, like the codes: a byte a row, copied)
    for name in ("first", "last", "value", "line"):
        column = hit[name].to_numpy()
        at = column.__array_interface__["data"][0]
        assert low <= at and at + column.nbytes <= low + len(mapped), name


def _store(request: results.Request, text: str) -> None:
    """``text`` written to stdout by a successful run, stored as the command line stores
    it (its transcript into the request's entry)."""
    with Transcript(request.writer) as transcript:
        transcript.add(False, text)
        transcript.keep(0)
