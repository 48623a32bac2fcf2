"""``python -m tradecli``."""

from tradecli.cli import main

main()
