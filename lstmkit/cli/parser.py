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
(`refuse_together`), or one that would be ignored without another (`refuse_without`).
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
        for name in (None, "store", "store_const", "store_true", "store_false", "append"):
            base = self._registry_get("action", name)
            self.register("action", name, _recorded(base, once=name != "append"))

    def error(self, message):
        text = " ".join(message.split())  # argparse's messages may hold line breaks
        print(f"lstmkit: error: {text} (see `{self.prog} --help`)", file=sys.stderr)
        sys.exit(EXIT_USAGE_ERROR)


def _recorded(action_class, once: bool):
    """A subclass of argparse's `action_class` that records its option in GIVEN and, when
    `once`, refuses a second use of it."""

    class Recorded(action_class):
        def __call__(self, parser, namespace, values, option_string=None):
            given = getattr(namespace, GIVEN, None)
            if given is None:
                given = {}
                setattr(namespace, GIVEN, given)
            if option_string is not None:  # a positional is filled once by argparse itself
                if once and self.dest in given:  # (an abbreviation arrives expanded)
                    parser.error(f"{option_string} given more than once; give it once")
                given[self.dest] = option_string
            super().__call__(parser, namespace, values, option_string)

    Recorded.__name__ = f"Recorded{action_class.__name__}"
    return Recorded


def refuse_together(args, first: str, second: str, why: str = "") -> None:
    """UsageError naming both when `first` and `second` were both given; `why` says what
    each does, for the message. A name is an option's dest (`test_fraction`), or a positional
    argument's metavar (`TEST`: given when its value is not None)."""
    names = [_given_as(args, name) for name in (first, second)]
    if all(names):
        reason = f" ({why})" if why else ""
        raise UsageError(f"{names[0]} and {names[1]} exclude each other{reason}")


def refuse_without(args, dest: str, needed: str, why: str = "") -> None:
    """UsageError when the option `dest` was given without `needed` (a dest or a positional's
    metavar, as in `refuse_together`): it would be ignored."""
    option = _given_as(args, dest)
    if option and not _given_as(args, needed):
        reason = f" ({why})" if why else ""
        raise UsageError(f"{option} needs {_spelled(args, needed)}{reason}")


def _given_as(args, name: str) -> str | None:
    """How `name` was written on the command line; None when it was not."""
    if name.isupper():  # a positional argument
        return name if getattr(args, name.lower(), None) is not None else None
    return getattr(args, GIVEN, {}).get(name)


def _spelled(args, name: str) -> str:
    return name if name.isupper() else "--" + name.replace("_", "-")
