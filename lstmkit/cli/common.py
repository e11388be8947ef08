"""What every `lstmkit` subcommand shares: the common options, exit codes, output folders.

Exit codes: 0 success; 1 a data error (a missing or malformed file, a column that is not
there, a model file that is not one: an error lstmkit itself reports); 2 a usage error (bad
option values; argparse's own errors also exit 2); 3 an internal error (an exception no check
of lstmkit's raised: a bug); 130 interrupted with Ctrl-C. Errors print as one line,
`lstmkit: error: ...` or `lstmkit: internal error: ...`, with the traceback only under
`--debug`; `lstmkit.cli.failures` tells the kinds apart.

A subcommand module defines `add_parser(commands)` (calling `add_common_arguments`) and
`run(args)`; `run` raises `UsageError` for option values that make no sense and lets the
library's own errors (its ValueError and TypeError checks, OSError) through as data errors.
Files are written with the atomic writers of `lstmkit.io.atomic`.
"""

import sys
from pathlib import Path

EXIT_DATA_ERROR = 1
EXIT_USAGE_ERROR = 2
EXIT_INTERNAL_ERROR = 3
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """An option value the command cannot use; exits with status 2."""


def non_negative_int(text: str) -> int:
    """argparse type: an integer >= 0 (a bad value is argparse's usage error, status 2)."""
    return _bounded_int(text, 0, "a non-negative integer")


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1 (a bad value is argparse's usage error, status 2)."""
    return _bounded_int(text, 1, "a positive integer")


def _bounded_int(text: str, low: int, expected: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < low:
        raise argparse.ArgumentTypeError(f"must be {expected}; got {text!r}")
    return value


def add_common_arguments(
    parser, *, seed: bool = True, out: bool = True, training: bool = False
) -> None:
    """--seed, --out DIR, --quiet, --json and --debug, the same on every subcommand; with
    `training`, also --verbose (see `training_verbosity`; it excludes --quiet). --json: see
    `lstmkit.cli.output`."""
    if seed:
        parser.add_argument(
            "--seed", type=non_negative_int, default=0, help="random seed (default: 0)"
        )
    if out:
        parser.add_argument(
            "--out",
            metavar="DIR",
            default=None,
            help="folder for the model, metrics (JSON), predictions (CSV) and plots",
        )
    # --quiet and --verbose ask for opposite things: argparse refuses them together, naming both
    talk = parser.add_mutually_exclusive_group() if training else parser
    talk.add_argument("--quiet", action="store_true", help="print only the results")
    if training:
        talk.add_argument(
            "--verbose",
            action="store_true",
            help="a line per epoch on stderr (for logs; the default is a progress bar on a "
            "terminal and one line per trained network)",
        )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the results as one JSON document on stdout (everything else on stderr)",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")


def training_verbosity(args) -> int:
    """The `verbose` of a model or Trainer: 0 with --quiet, 2 (a line per epoch) with
    --verbose, else 1 (a bar over the epochs on a terminal and a summary line)."""
    if getattr(args, "quiet", False):
        return 0
    return 2 if getattr(args, "verbose", False) else 1


def output_dir(args) -> Path | None:
    """The --out folder, created if needed; None when --out was not given."""
    if getattr(args, "out", None) is None:
        return None
    folder = Path(args.out)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--out must be a folder; {folder} is a file")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def pyplot(args=None):
    """matplotlib.pyplot with a file-only backend, or None (with a note) when not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        if args is None or not getattr(args, "quiet", False):
            print(
                "note: plots skipped, matplotlib is not installed "
                "(pip install 'lstmkit[plot]' to get them)",
                file=sys.stderr,
            )
        return None
    return plt


def say(args, *parts) -> None:
    """Print unless --quiet."""
    if not getattr(args, "quiet", False):
        print(*parts)


def note(args, *parts) -> None:
    """Print a note or warning on stderr unless --quiet: stdout holds only the results, so
    that a script reading them (or `> file`) never gets a note mixed into a table."""
    if not getattr(args, "quiet", False):
        print(*parts, file=sys.stderr)


def first_network(model):
    """The network of a fitted SequenceClassifier whose encoder is its LSTM: the first
    member's, for an ensemble (here, below classify, inspect, trace and explore, which all
    read it, so that none of them imports another)."""
    network = model.network_
    if hasattr(network, "member"):  # an ensemble of networks: its first member
        network = network.member(0)
    return network
