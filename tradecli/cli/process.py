"""Process concerns: the console-script entry point, Ctrl-C, flushing, the exit code.

Nothing here imports Typer or the core at import time: ``run`` takes over Ctrl-C
before anything heavy is imported, so an interrupt at any moment is one line
(``interrupted``) and exit 130, never a traceback.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

# Full passes of the cyclic garbage collector after this many passes over the middle
# generation (Python's default: 10). Measured on a shared 2-core machine, CPU seconds,
# default → this: 10M-row `growth` with the columns cached 2.35 → 1.54 s (`project 2024`
# alike); `project 2024 --backtest` on 200k rows 13.1 → 4.5 s. Peak memory the same (the
# commands make little cyclic garbage; what there is goes at the next full pass or at exit).
# 1000 → 10,000: `project 2024 --backtest` on 1M dense rows (16,000 series, 394,400 spans
# projected) made two full passes over its results, 3.6 and 7.2 s, which found 5 objects
# to free; now none: 30.0 → 17.0 CPU s, peak the same (2.37 GB).
FULL_PASS_AFTER = 10_000

OUT_OF_MEMORY = (
    "error: out of memory: the data does not fit in this process's memory; convert it "
    "(tradecli convert) and ask with --engine dask, or ask about fewer reporters (--reporter)"
)


class Interrupted(BaseException):
    """Ctrl-C. Not a ``KeyboardInterrupt``, which Click would turn into a silent exit 130
    and libraries may catch; a ``BaseException`` that only ``run`` catches."""


def main() -> None:
    """Parse the command line and run the command; ends with ``SystemExit`` (Click's
    standalone mode). Tests call this: it never ends the process itself."""
    from tradecli.cli.commands import app

    app()


def run() -> None:
    """The console script and ``python -m tradecli``: ``main``, then flush and exit.

    Output that cannot be written (stdout closed with ``>&-``, a full disk) is one
    line, ``error: could not write the output``, and exit 1; a reader that has gone
    (``| head``) is no error. Memory running out (a ``MemoryError``: the data is larger
    than the memory, or than a limit set with ``ulimit -v``) is one line and exit 1."""
    import tradecli.caching

    global _signalled, _profile, _hook_before
    _signalled = False
    tradecli.caching.write_behind = True  # entries of parsed files: written while it works
    # numpy, imported later, then asks for no transparent huge pages (``engine.bulk.
    # small_pages`` says why): the reader's and pandas' file-long arrays too. A 10M-row
    # ``summary --no-cache``: 8-22% less wall time, 1.2-1.6 s of system time instead of
    # 2.0-2.7 s (three interleaved pairs). Set by the user, it is left as it is.
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    # A whole-file command keeps what it makes (answers, their records) to the end, and
    # the collector's full passes walk all of it again each time it grows by a quarter:
    # 31-43% of a 10M-row `growth` or `project` with the columns cached, two thirds of
    # `project --backtest` on 200k rows (``FULL_PASS_AFTER``). Young objects are still
    # collected as usual; full passes come a thousand times less often.
    thresholds = gc.get_threshold()
    previous = signal.getsignal(signal.SIGINT)
    if previous is not signal.SIG_IGN:  # ignored by whoever started us (``cmd &``): kept so
        signal.signal(signal.SIGINT, _interrupt)
    _hook_before = sys.unraisablehook
    sys.unraisablehook = _swallowed
    try:
        gc.set_threshold(thresholds[0], thresholds[1], max(thresholds[2], FULL_PASS_AFTER))
        try:
            main()
            code = 0
        except SystemExit as exc:
            if exc.code is not None and not isinstance(exc.code, int):
                raise
            code = exc.code or 0
        except _reader_gone():
            code = 0
        except _lost_output_errors():
            code = _say("error: could not write the output", 1)
        except MemoryError:
            code = _say(OUT_OF_MEMORY, 1)
        code = finish(code)
        _settle()
    except Interrupted:
        code = _interrupted()
    except Exception:
        # A Ctrl-C that landed inside a compiled module comes out as that module's own
        # error (pandas' import: "ImportError: PyCapsule_Import could not import module"):
        # still an interrupt, once the handler has run. Any other error goes on as it is.
        if not _signalled:
            raise
        code = _interrupted()
    finally:
        # The answer is written and the exit code settled: a Ctrl-C from here on changes
        # neither (putting back the interpreter's handler would let one arriving now end
        # the process by the signal, after the whole output).
        with contextlib.suppress(ValueError, TypeError):
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        tradecli.caching.write_behind = False  # for a caller that goes on (tests)
        gc.set_threshold(*thresholds)
        sys.unraisablehook = _hook_before
        if _profile is not None:  # a swallowed Ctrl-C not yet raised again: no longer wanted
            sys.setprofile(_profile[0])
            _profile = None
    raise SystemExit(code)


def finish(code: int) -> int:
    """Flush stdout and stderr; the exit code, 1 if the output could not be written."""
    for stream in (sys.stdout, sys.stderr):
        if stream is None:
            continue
        try:
            stream.flush()
        except BrokenPipeError:
            _silence(stream)
        except (OSError, ValueError):
            _silence(stream)
            if stream is sys.stdout:
                code = _say("error: could not write the output", 1)
    return code


def _settle() -> None:
    """Wait for a cache entry still being written (``caching.parsed``). The answer is out
    and flushed: a Ctrl-C now leaves the entry unwritten (its temporary file is removed by
    the next run), not the answer or its exit code."""
    parsed = sys.modules.get("tradecli.caching.parsed")
    if parsed is None:
        return
    try:
        parsed.settle()
    except Interrupted:
        pass
    except Exception:
        if not _signalled:  # a Ctrl-C turned into a compiled module's error: as above
            raise


def _reader_gone() -> tuple[type[BaseException], ...]:
    from tradecli.cli.output import ReaderGone

    return (BrokenPipeError, ReaderGone)


def _lost_output_errors() -> tuple[type[BaseException], ...]:
    from tradecli.cli.output import OutputLost

    return (OutputLost,)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    global _signalled
    _signalled = True
    raise Interrupted


# Whether ``_interrupt`` has run in this process (``run``: an error after it is Ctrl-C's).
_signalled = False

# ``sys.unraisablehook`` as ``run`` found it: ``_swallowed`` passes other errors to it.
_hook_before: Callable[[Any], object] = sys.__unraisablehook__

# The profile function found when a swallowed Ctrl-C was put off (``_swallowed``), in a
# tuple; None when none is waiting (``run`` puts it back if the Ctrl-C never came out).
_profile: tuple[Any] | None = None


def _swallowed(unraisable: Any) -> None:
    """``sys.unraisablehook`` while ``run`` runs. A Ctrl-C that lands in code whose errors
    the interpreter cannot pass on (a weak reference's callback, such as the import lock's,
    a ``__del__``) would be printed as "Exception ignored in ..." with its traceback, and
    the command would go on as if it had not come. It is raised again instead, at the next
    call or return outside this hook (``_deliver``), and the command ends with exit 130;
    should that next call be in code that catches every ``BaseException`` and goes on,
    it is lost there, as a Ctrl-C handled in that code would be. Any other such error is
    printed as the interpreter prints it."""
    global _profile
    if not isinstance(unraisable.exc_value, Interrupted):
        _hook_before(unraisable)
        return
    if _profile is None:
        _profile = (sys.getprofile(),)
    sys.setprofile(_deliver)


def _deliver(frame: FrameType, event: str, arg: object) -> None:
    """The profile function that raises a swallowed Ctrl-C again: at the first event
    outside ``_swallowed`` (its own return is the first). The interpreter removes a
    profile function that raises, so a profiler that was in use (``cProfile``) stops
    there: the command is ending. (``run`` puts it back only when the Ctrl-C was never
    raised again.)"""
    global _profile
    if frame.f_code is _swallowed.__code__:
        return
    _profile = None
    raise Interrupted


def _interrupted() -> int:
    """Ctrl-C: one line and 130; a second Ctrl-C while we leave is ignored."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return _say("interrupted", 130)


def _say(line: str, code: int) -> int:
    """One line on stderr, if stderr can take it; ``code`` back."""
    if sys.stderr is not None:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
    return code


def _silence(stream: object) -> None:
    """Point a stream that failed at /dev/null, so that the interpreter's own flush at
    exit does not fail again with a message of its own."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())  # type: ignore[attr-defined]
        os.close(devnull)
