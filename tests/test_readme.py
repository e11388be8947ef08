"""README.md's set-up commands: exactly two, first in the file, and CI runs the second."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def setup_commands() -> list:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert first_block is not None, "README.md has no ```sh block"
    assert text.index(first_block.group(0)) < text.index("\n## "), "set-up block is not first"
    return first_block.group(1).strip().splitlines()


def test_readme_begins_with_two_setup_commands():
    commands = setup_commands()
    assert len(commands) == 2, commands
    assert commands[0].startswith("pip install ") and "lstmkit" in commands[0]
    assert commands[1].endswith("python -m pytest")


def test_ci_runs_the_readmes_test_command():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert setup_commands()[1] in ci
