"""Errors that tradecli reports to the user, named by what went wrong.

Every error here is turned into one clear message and exit code 1 by the
single error boundary in ``cli/boundary.py``; nothing below the CLI prints or exits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAX_PROBLEMS_SHOWN = 20


class TradeCliError(Exception):
    """Base class: bad data, or a question the data cannot answer."""


@dataclass(frozen=True)
class Problem:
    """One bad cell: where it is, what it holds, what is wrong with it."""

    file: str
    line: int | None
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        column = self.column or "-"
        return f"{where}: {column}: {self.value!r}: {self.message}"


class BadInput(TradeCliError):
    """One or more input rows are wrong; all of them are listed (up to a cap)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        shown = [str(p) for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        rest = len(self.problems) - len(shown)
        if rest > 0:
            shown.append(f"... and {rest} more problem{'s' if rest != 1 else ''}")
        super().__init__("\n".join(shown))


class BadRequest(TradeCliError, ValueError):
    """A question the core refuses as asked (options that exclude each other, a value out
    of range): a usage error, exit 2 at the command line. ``hint`` names the option."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class BadPeriod(TradeCliError, ValueError):
    """A period notation that does not parse."""


class UnknownCountry(TradeCliError, LookupError):
    """A country name or code that cannot be resolved."""


class UnknownGroup(TradeCliError, LookupError):
    """A group name that is not defined."""


class NotAvailable(TradeCliError):
    """The data cannot answer the question; the message says what it has."""


class AmbiguousSelection(TradeCliError):
    """The question needs a reporter or partner that the data does not make obvious."""


class ClaimsInconsistent(TradeCliError):
    """``verify``: at least one claim disagrees with the data (raised after the report)."""


class ChartNotWritten(TradeCliError):
    """``chart --out``: the file could not be written (folder, permissions, disk)."""


class SchedulerUnreachable(TradeCliError):
    """``--engine dask --scheduler ADDRESS``: no scheduler answered there."""


class MissingDependency(TradeCliError):
    """An optional package a command needs is not installed: one line naming the extra."""

    def __init__(self, module: str, extra: str, purpose: str) -> None:
        self.module = module
        self.extra = extra
        super().__init__(
            f"{purpose} needs the Python package {module!r}, which is not installed; "
            f"install it with: pip install 'tradecli[{extra}]'"
        )


def require(module: str, extra: str, purpose: str) -> None:
    """Raise ``MissingDependency`` when ``module`` cannot be imported (imported here
    once, so the caller's own import then succeeds)."""
    import importlib

    try:
        importlib.import_module(module)
    except ImportError:
        raise MissingDependency(module, extra, purpose) from None
