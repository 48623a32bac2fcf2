"""Engines: the span rules (``rules``) over a backend's data, chosen by name.

As polars selects its engines, one name gives one implementation, imported only
when asked for; implementations never import this selector.

- ``reference``: today's reconcile-and-resolve, one series and span at a time with
  the full derivation (``engine.reference``); the semantics, and ``--explain``.
- ``bulk``: the columnar engine over all series at once (``engine.bulk``), checked
  against ``reference``. ``engine.masks`` (the bulk helper: which spans the
  reference engine finds, for all series at once) is not a backend.

A backend module exposes ``Engine``, built as ``Engine(frame, include_flagged,
group_codes)`` from an observation frame, answering ``value``, ``group_value``,
``member_missing``, ``periods``, ``end_years``, ``keys`` and ``table``.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from tradecli.errors import TradeCliError

BACKENDS = {"reference": "tradecli.engine.reference", "bulk": "tradecli.engine.bulk"}
DEFAULT = "reference"


class UnknownEngine(TradeCliError, LookupError):
    """No engine by that name, or its module is not there."""


def backend(name: str = DEFAULT) -> Any:
    """The ``Engine`` class of the backend called ``name``."""
    module_name = BACKENDS.get(name)
    if module_name is None:
        raise UnknownEngine(f"no engine {name!r}; the engines are: {', '.join(BACKENDS)}")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise UnknownEngine(f"the {name} engine is not available ({module_name})") from None
    return module.Engine


def available() -> list[str]:
    """The names of the backends whose module is there."""
    return [name for name, module in BACKENDS.items() if importlib.util.find_spec(module)]
