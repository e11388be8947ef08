"""The `lstmkit` command (also `python -m lstmkit`): parse, call the library, print.

Each subcommand lives in its own module with `add_parser(commands)` and `run(args)`; exit codes
and the shared options are in `lstmkit.cli.common`. lstmkit's own errors print as one line,
`lstmkit: error: ...` (exit 2 for usage errors, 1 for data errors); any other exception is a
bug and prints `lstmkit: internal error: ...` (exit 3); tracebacks only with --debug (see
`lstmkit.cli.failures`). `lstmkit --version` prints the version; `--json` on any subcommand
prints its results as one JSON document (see `lstmkit.cli.output`).
"""

import os
import sys

from lstmkit.cli.common import EXIT_INTERRUPTED

# The subcommands (and through them NumPy) are imported by `main`, inside its handling of
# Ctrl-C: this package is imported by `lstmkit` itself (see lstmkit.cli.startup) and by the
# console script before `main` runs, and must stay quick and quiet to import.
SUBCOMMANDS = (
    "trace",
    "forecast",
    "classify",
    "predict",
    "evaluate",
    "inspect",
    "export",
    "experiment",
    "explain",
    "seq2seq",
    "tag",
    "textclf",
    "charlm",
    "explore",
)


def build_parser():
    """The argument parser of every subcommand (importing their modules)."""
    import importlib

    from lstmkit._version import __version__
    from lstmkit.cli.parser import Parser

    parser = Parser(
        prog="lstmkit",
        description="LSTM networks from their equations. With no command, runs `trace`.",
    )
    parser.add_argument("--version", action="version", version=f"lstmkit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f"lstmkit.cli.{name}").add_parser(commands)
    return parser


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv = ["trace", *argv]
    args = None
    try:
        from lstmkit.cli.output import run_command

        args = build_parser().parse_args(argv)
        args.command_line = ["lstmkit", *argv]  # as typed, for the model card of report.html
        run_command(args)
    except BrokenPipeError:
        # the reader closed the pipe (`lstmkit trace | head`): stop quietly, like other tools
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("lstmkit: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # every failure ends as one line and an exit status
        from lstmkit.cli.failures import report

        return report(error, args, argv)
    return 0
