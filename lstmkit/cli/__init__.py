"""The `lstmkit` command (also `python -m lstmkit`): parse, call the library, print.

Errors in what the user gave are printed as one line, `lstmkit: error: ...`, with exit code 2.
"""

import argparse
import os
import sys

from lstmkit.cli import trace


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lstmkit",
        description="LSTM networks from their equations. With no command, runs `trace`.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    trace.add_parser(commands)
    return parser


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["trace", *argv]
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except BrokenPipeError:
        # the reader closed the pipe (`lstmkit trace | head`): stop quietly, like other tools
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (ValueError, TypeError, OSError) as error:
        print(f"lstmkit: error: {error}", file=sys.stderr)
        return 2
    return 0
