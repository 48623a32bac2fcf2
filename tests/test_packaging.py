"""The package list in pyproject.toml names every package of the source tree, so that a
plain ``pip install .`` (not only an editable one) installs all of tradecli."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed_for_a_plain_install() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "tradecli").rglob("__init__.py")
    }
    assert found - listed == set()
    assert "tradecli.bundled" in listed  # the bundled data, from data/
