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


def console_example(command: str) -> list:
    """The lines README.md shows after `$ command` in a console block, up to the next `$`."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(f"$ {command}\n") + len(command) + 3
    shown = []
    for line in text[start:].splitlines():
        if line.startswith(("$ ", "```")):
            break
        shown.append(line)
    return shown


def test_readmes_trace_example_is_the_real_output(capsys):
    from lstmkit.cli import main

    assert main(["trace"]) == 0
    printed = capsys.readouterr().out.splitlines()
    shown = console_example("lstmkit trace")
    cut = shown.index("...")  # the README leaves out the middle steps
    assert shown[:cut] == printed[:cut]
    assert shown[cut + 1 :] == printed[len(printed) - (len(shown) - cut - 1) :]
