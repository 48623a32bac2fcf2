"""The one error boundary, and root options that may follow the command.

``Boundary`` is the command group Typer builds for ``app``. Its ``invoke`` is the
single place where errors become messages: a ``TradeCliError`` is one line on
stderr and exit 1 (``--debug``: the traceback instead); a ``BadRequest`` (options
the core refuses together or out of range) is a usage error, exit 2, as Click's
own checks are. Everything else is left to ``process.run``.

Root options may also be written after the command (``tradecli summary --format
json``): each command carries a hidden copy of every root option, parsed by Click
with the command's own options, whose value, when given, goes to the ``Settings``
the root callback made (a repeated ``--data`` adds to the list; any other option
given after the command wins, as the later of two options does in Click). A
command's ``--help`` lists them under "Global options" (``Command``).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from tradecli.cli.output import diagnostics
from tradecli.cli.settings import Settings
from tradecli.errors import BadRequest, TradeCliError

# The root options a command also accepts after its name: every field of ``Settings``.
SHARED = frozenset(field.name for field in dataclasses.fields(Settings))


class Boundary(TyperGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shared = [param for param in self.params if param.name in SHARED]
        for command in self.commands.values():
            # A command's own option of the same name wins (chart's --out is its image).
            own = {name for p in command.params for name in (p.name, *p.opts)}
            command.params.extend(
                _after_command(param) for param in shared if not {param.name, *param.opts} & own
            )

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            from tradecli.cli.output import ReaderGone

            raise ReaderGone from None
        except BadRequest as exc:
            raise typer.BadParameter(str(exc), param_hint=exc.hint) from None
        except TradeCliError as exc:
            settings = ctx.obj if isinstance(ctx.obj, Settings) else None
            if settings is not None and settings.debug:
                raise
            diagnostics(f"error: {exc}")
            raise typer.Exit(code=1) from None


class Command(TyperCommand):
    """A command whose help lists the root options it accepts, after its own, and that
    refuses a workbook for a terminal before it starts."""

    def invoke(self, ctx: Any) -> Any:
        from tradecli.cli.settings import check_binary_destination

        settings = ctx.find_object(Settings)
        if settings is not None:
            check_binary_destination(str(settings.fmt), settings.out)
        return super().invoke(ctx)

    def format_options(self, ctx: Any, formatter: Any) -> None:
        super().format_options(ctx, formatter)
        records = []
        for param in self.get_params(ctx):
            if _is_twin(param):
                shown: Any = copy.copy(param)
                shown.hidden = False
                record = shown.get_help_record(ctx)
                if record is not None:
                    records.append(record)
        if records:
            with formatter.section("Global options (before or after the command)"):
                formatter.write_dl(records)


def _is_twin(param: Any) -> bool:
    return bool(param.name in SHARED and getattr(param, "tradecli_twin", False))


def _after_command(param: Any) -> Any:
    """A hidden copy of a root option for a command's own parameters."""
    twin = copy.copy(param)
    twin.hidden = True
    twin.expose_value = False
    twin.is_eager = False
    twin.callback = functools.partial(_to_settings, check=param.callback)
    twin.tradecli_twin = True
    return twin


def names_a_file(param: Any) -> bool:
    """Whether a Click parameter takes a path: Click names its path types file, directory
    or path. Click gives their value as text; Typer turns it into a ``Path`` only for the
    function it calls, not in ``ctx.params`` nor for the root options' twins."""
    kind = getattr(param, "type", None)  # Typer 0.29's own parameters have none
    return getattr(kind, "name", None) in ("file", "directory", "path")


def _to_settings(ctx: Any, param: Any, value: Any, check: Any = None) -> Any:
    if check is not None:  # the root option's own check (--data: the path exists)
        value = check(ctx, param, value)
    if isinstance(value, str) and names_a_file(param):
        value = Path(value)  # as the root callback has it (--out, --groups)
    source = ctx.get_parameter_source(param.name)
    settings = ctx.find_object(Settings)
    if settings is None or source is None or source.name not in ("COMMANDLINE", "ENVIRONMENT"):
        return value
    current = getattr(settings, param.name)
    setattr(settings, param.name, [*current, *value] if isinstance(current, list) else value)
    return value
