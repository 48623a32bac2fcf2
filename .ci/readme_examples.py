"""Run every `$ tradecli ...` example of the README's console blocks with the installed
console script, and fail when one exits with another code than its shown output
documents, prints a traceback, or prints other output than the README shows (the
examples are real runs at 80 columns: regenerate them with --write).

The documented code: 1 when the shown output has a line starting with ``error:``, 2 when
it starts with ``Usage:``, else 0. The examples run at 80 columns in a scratch folder
holding a copy of ``examples/`` and an empty ``docs/`` (so that files they write land
there), with the ``tradecli`` found on PATH: in CI, the plain ``pip install .``.

    python .ci/readme_examples.py [README.md]
    python .ci/readme_examples.py --write [README.md]   # regenerate the shown outputs

``--write`` replaces each example's shown output by what the command prints now
(stdout and stderr as a terminal shows them, at 80 columns).
"""

from __future__ import annotations

import difflib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROMPT = "$ tradecli "


@dataclass(frozen=True)
class Example:
    line: int  # 1-based line of the README
    args: list[str]
    shown: list[str]  # the output the README shows under it

    @property
    def expected_code(self) -> int:
        if any(line.startswith("error:") for line in self.shown):
            return 1
        if any(line.startswith("Usage:") for line in self.shown):
            return 2
        return 0


def examples(text: str) -> list[Example]:
    """The `$ tradecli` commands of the ```console blocks, each with its shown output."""
    found: list[Example] = []
    in_console = False
    current: tuple[int, list[str]] | None = None
    shown: list[str] = []

    def close() -> None:
        nonlocal current, shown
        if current is not None:
            found.append(Example(current[0], current[1], shown))
        current, shown = None, []

    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("```"):
            close()
            in_console = line.strip() == "```console"
            continue
        if not in_console:
            continue
        if line.startswith("$ "):
            close()
            if line.startswith(PROMPT):
                current = (number, shlex.split(line[len(PROMPT) :]))
        elif current is not None:
            shown.append(line)
    close()
    return found


def output(example: Example, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The example run at 80 columns, stderr merged into stdout as on a terminal."""
    env = {**os.environ, "COLUMNS": "80"}
    return subprocess.run(
        ["tradecli", *example.args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )


def shown_lines(text: str) -> list[str]:
    """Output as the README shows it: lines without trailing spaces."""
    return [line.rstrip() for line in text.splitlines()]


def run(example: Example, cwd: Path) -> str | None:
    """None when the example behaves as documented (its exit code, and the output the
    README shows is what it prints now at 80 columns), else what went wrong."""
    done = output(example, cwd)
    said = done.stdout
    if "Traceback (most recent call last)" in said:
        return f"a traceback:\n{said}"
    if done.returncode != example.expected_code:
        return f"exit {done.returncode}, documented {example.expected_code}:\n{said}"
    if shown_lines(said) != example.shown:
        diff = difflib.unified_diff(example.shown, shown_lines(said), "README", "now", lineterm="")
        return "the README shows another output (regenerate with --write):\n" + "\n".join(diff)
    return None


def write(readme: Path, found: list[Example], cwd: Path) -> None:
    """Replace each example's shown output by its output now."""
    lines = readme.read_text(encoding="utf-8").splitlines()
    for example in reversed(found):
        new = shown_lines(output(example, cwd).stdout)
        lines[example.line : example.line + len(example.shown)] = new
    readme.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    rewrite = "--write" in argv
    argv = [a for a in argv if a != "--write"]
    readme = Path(argv[1]) if len(argv) > 1 else REPO / "README.md"
    found = examples(readme.read_text(encoding="utf-8"))
    if not found:
        print(f"{readme}: no `$ tradecli` examples found", file=sys.stderr)
        return 1
    failed = 0
    with tempfile.TemporaryDirectory() as scratch:
        cwd = Path(scratch)
        shutil.copytree(REPO / "examples", cwd / "examples")
        (cwd / "docs").mkdir()
        if rewrite:
            write(readme, found, cwd)
            found = examples(readme.read_text(encoding="utf-8"))
        for example in found:
            problem = run(example, cwd)
            command = shlex.join(["tradecli", *example.args])
            if problem is None:
                print(f"ok   {readme.name}:{example.line}: {command}")
            else:
                failed += 1
                print(f"FAIL {readme.name}:{example.line}: {command}: {problem}", file=sys.stderr)
    print(f"{len(found) - failed} of {len(found)} README examples behave as documented")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
