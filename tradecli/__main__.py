"""``python -m tradecli``."""

from tradecli.cli import run

run()
