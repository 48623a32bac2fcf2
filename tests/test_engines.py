"""Engines chosen by name (``tradecli.engine``): every backend that is there gives the
reference backend's answers; memoisation is a wrapper that changes no answer; the
selector names what it does not have."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tradecli import engine
from tradecli.dataset import Dataset
from tradecli.engine.reference import Engine
from tradecli.engine.rules import Rules
from tradecli.periods import Period

ENGINE_DIR = Path(engine.__file__).parent


def _questions(bundled: Dataset) -> list[tuple[object, Period]]:
    """Every series of the bundled data over every span any series has, and a few more."""
    reference = bundled.engine
    spans = sorted({p for key in reference.keys() for p in reference.periods(key)})
    spans += [Period.parse("2023-07/2023-08"), Period.parse("2023-H2"), Period.parse("1999")]
    keys = reference.keys()
    keys += [k.with_flow("turnover") for k in keys if k.flow == "export"]
    return [(key, span) for key in keys for span in spans]


# Every backend but the reference itself (never passed by comparing the reference with itself).
OTHERS = [name for name in engine.available() if name != "reference"]


def test_the_columnar_backend_is_there() -> None:
    assert OTHERS == ["bulk"]


@pytest.mark.parametrize("name", OTHERS)
def test_every_backend_answers_as_the_reference(name: str, bundled: Dataset) -> None:
    backend = engine.backend(name)(bundled.frame, False, bundled.groups.codes)
    reference = Engine(bundled.frame, False, bundled.groups.codes)
    questions = _questions(bundled)
    assert len(questions) > 1000
    for key, span in questions:
        got, want = backend.value(key, span), reference.value(key, span)
        assert (got.value, got.rule, got.complete) == (want.value, want.rule, want.complete)
        assert [a.value for a in got.parts] == [a.value for a in want.parts]
    for group in bundled.groups.by_name.values():
        for span in (Period.parse("2023"), Period.parse("2024-01/2024-04")):
            got, want = (
                e.group_value("AZE", group, "turnover", span) for e in (backend, reference)
            )
            assert (got.value, got.rule, got.notes) == (want.value, want.rule, want.notes)


class _Unmemoised(Rules):
    """The rules alone over a reference engine's data: every question worked out afresh."""

    def __init__(self, source: Engine) -> None:
        self.source = source


def test_memoisation_changes_no_answer(bundled: Dataset) -> None:
    memoised = Engine(bundled.frame, False, bundled.groups.codes)
    plain = _Unmemoised(Engine(bundled.frame, False, bundled.groups.codes))
    for key, span in _questions(bundled)[::7]:
        a, b = memoised.value(key, span), plain.value(key, span)
        assert (a.value, a.rule, a.formula(), a.explain()) == (
            b.value,
            b.rule,
            b.formula(),
            b.explain(),
        )
    assert memoised._answers and not hasattr(plain, "_answers")


def test_the_selector_names_what_it_does_not_have() -> None:
    assert engine.backend("reference") is Engine
    with pytest.raises(engine.UnknownEngine, match="no engine 'dask'; the engines are"):
        engine.backend("dask")
    # The bulk helper (``engine.masks``) is not a backend; "bulk" is the columnar backend,
    # its own class, never the reference under another name.
    assert "masks" not in engine.BACKENDS
    assert engine.backend("bulk") is not Engine


@pytest.mark.parametrize("name", engine.available())
def test_each_backend_is_its_own_module(name: str) -> None:
    """A module that only re-exports another backend's ``Engine`` is not a backend."""
    assert engine.backend(name).__module__ == engine.BACKENDS[name]


def test_implementations_never_import_the_selector() -> None:
    selector = re.compile(r"from tradecli\.engine import|import tradecli\.engine\s*$", re.M)
    for module in ENGINE_DIR.glob("*.py"):
        if module.name != "__init__.py":
            assert not selector.search(module.read_text(encoding="utf-8")), module.name


def test_a_dataset_builds_the_backend_it_names(bundled: Dataset) -> None:
    """``Dataset.engine_name`` picks the backend through the selector, and an unknown
    name is the selector's error, not a silent fall back to the reference."""
    from dataclasses import replace

    named = replace(bundled, engine_name="reference")
    assert type(named.engine) is Engine and named.engine is not bundled.engine
    key = named.engine.keys()[0]
    span = named.engine.periods(key)[0]
    assert named.engine.value(key, span).value == bundled.engine.value(key, span).value
    with pytest.raises(engine.UnknownEngine, match="no engine 'nope'"):
        _ = replace(bundled, engine_name="nope").engine
