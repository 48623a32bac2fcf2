"""The command line: ``app`` (the commands, in ``commands.py``), the error boundary
(``boundary.py``), process concerns (``process.py``: the console script ``run``).

Importing this package imports neither Typer nor the core, so that ``run`` takes
over Ctrl-C first; ``app`` is imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tradecli.cli.process import main, run

if TYPE_CHECKING:
    from tradecli.cli.commands import app

__all__ = ["app", "main", "run"]


def __getattr__(name: str) -> Any:
    if name == "app":
        from tradecli.cli.commands import app

        return app
    raise AttributeError(f"module 'tradecli.cli' has no attribute {name!r}")
