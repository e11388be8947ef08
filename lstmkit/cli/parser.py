"""The command line's argument parser: argparse's, with its errors in lstmkit's one-line form.

argparse reports a bad command line (an unknown option, a value of the wrong type, a missing
argument) as the usage text followed by `lstmkit forecast: error: ...`; lstmkit's own errors
are one line, `lstmkit: error: ...`. A bad command line reads the same whichever of them
found it: one line naming the option, with a pointer to the command's --help (status 2).
"""

import argparse
import sys

from lstmkit.cli.common import EXIT_USAGE_ERROR


class Parser(argparse.ArgumentParser):
    """argparse.ArgumentParser whose errors are one line (subcommand parsers inherit it)."""

    def error(self, message):
        text = " ".join(message.split())  # argparse's messages may hold line breaks
        print(f"lstmkit: error: {text} (see `{self.prog} --help`)", file=sys.stderr)
        sys.exit(EXIT_USAGE_ERROR)
