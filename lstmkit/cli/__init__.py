"""The `lstmkit` command (also `python -m lstmkit`): parse, call the library, print.

Each subcommand lives in its own module with `add_parser(commands)` and `run(args)`; exit codes
and the shared options are in `lstmkit.cli.common`. lstmkit's own errors print as one line,
`lstmkit: error: ...` (exit 2 for usage errors, 1 for data errors); any other exception is a
bug and prints `lstmkit: internal error: ...` (exit 3); tracebacks only with --debug (see
`lstmkit.cli.failures`).
"""

import argparse
import os
import sys

from lstmkit.cli import (
    charlm,
    classify,
    evaluate,
    experiment,
    explain,
    export,
    forecast,
    inspect,
    predict,
    seq2seq,
    tag,
    textclf,
    trace,
)
from lstmkit.cli.common import EXIT_INTERRUPTED
from lstmkit.cli.failures import report


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lstmkit",
        description="LSTM networks from their equations. With no command, runs `trace`.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    trace.add_parser(commands)
    forecast.add_parser(commands)
    classify.add_parser(commands)
    predict.add_parser(commands)
    evaluate.add_parser(commands)
    inspect.add_parser(commands)
    export.add_parser(commands)
    experiment.add_parser(commands)
    explain.add_parser(commands)
    seq2seq.add_parser(commands)
    tag.add_parser(commands)
    textclf.add_parser(commands)
    charlm.add_parser(commands)
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
    except KeyboardInterrupt:
        print("lstmkit: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # every failure ends as one line and an exit status
        return report(error, getattr(args, "debug", False))
    return 0
