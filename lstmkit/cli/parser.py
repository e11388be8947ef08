"""The command line's argument parser: argparse's, with its errors in lstmkit's one-line form,
and an option given twice refused instead of silently keeping the last.

argparse reports a bad command line (an unknown option, a value of the wrong type, a missing
argument) as the usage text followed by `lstmkit forecast: error: ...`; lstmkit's own errors
are one line, `lstmkit: error: ...`. A bad command line reads the same whichever of them
found it: one line naming the option, with a pointer to the command's --help (status 2).

argparse keeps the last of `--epochs 3 --epochs 4`: a script that appends an option to a
command line already holding it would run with a value nobody chose on purpose. Here every
single-valued option (store, store_const, store_true, store_false) may be given once; an
option meant to be repeated says so with action="append". The options given are recorded
(`given_options`), so that a command can refuse two that exclude each other
(`refuse_together`).
"""

import argparse
import sys

from lstmkit.cli.common import EXIT_USAGE_ERROR, UsageError

GIVEN = "given_options"  # the attribute of the parsed arguments: {dest: option string}


class Parser(argparse.ArgumentParser):
    """argparse.ArgumentParser whose errors are one line and whose single-valued options may be
    given once (subcommand parsers inherit both)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in (None, "store", "store_const", "store_true", "store_false"):
            self.register("action", name, _given_once(self._registry_get("action", name)))

    def error(self, message):
        text = " ".join(message.split())  # argparse's messages may hold line breaks
        print(f"lstmkit: error: {text} (see `{self.prog} --help`)", file=sys.stderr)
        sys.exit(EXIT_USAGE_ERROR)


def _given_once(action_class):
    """A subclass of argparse's `action_class` that refuses a second use of its option."""

    class GivenOnce(action_class):
        def __call__(self, parser, namespace, values, option_string=None):
            given = getattr(namespace, GIVEN, None)
            if given is None:
                given = {}
                setattr(namespace, GIVEN, given)
            if option_string is not None:  # a positional is filled once by argparse itself
                if self.dest in given:  # (argparse has expanded an abbreviation to the option)
                    parser.error(f"{option_string} given more than once; give it once")
                given[self.dest] = option_string
            super().__call__(parser, namespace, values, option_string)

    GivenOnce.__name__ = f"GivenOnce{action_class.__name__}"
    return GivenOnce


def was_given(args, dest: str) -> bool:
    """Whether the option stored in `dest` was written on the command line."""
    return dest in getattr(args, GIVEN, {})


def refuse_together(args, first: str, second: str, why: str = "") -> None:
    """UsageError naming both options when `first` and `second` (dests) were both given;
    `why` says what each does, for the message."""
    given = getattr(args, GIVEN, {})
    if first in given and second in given:
        reason = f": {why}" if why else ""
        raise UsageError(f"{given[first]} and {given[second]} exclude each other{reason}")
