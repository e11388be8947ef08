"""Ctrl-C while the `lstmkit` command is still starting ends as one line, like later.

`lstmkit.cli.main` turns Ctrl-C into `lstmkit: interrupted` and exit status 130, but the
console script and `python -m lstmkit` import the whole package (NumPy and every model) before
`main` runs: an interrupt there would print Python's traceback. So `lstmkit/__init__.py` calls
`quiet_interrupts_when_the_command` first: in the `lstmkit` command's process only, an uncaught
KeyboardInterrupt prints that same line and exits 130. A program that merely imports lstmkit
keeps Python's own handling.
"""

import os
import sys
from pathlib import Path

from lstmkit.cli.common import EXIT_INTERRUPTED


def quiet_interrupts_when_the_command() -> None:
    """In the `lstmkit` command's process, an uncaught KeyboardInterrupt ends as
    `lstmkit: interrupted`, status 130; elsewhere nothing changes."""
    if not is_the_command():
        return
    previous = sys.excepthook

    def hook(kind, error, traceback):
        if not issubclass(kind, KeyboardInterrupt):
            previous(kind, error, traceback)
            return
        print("lstmkit: interrupted", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        # after the hook Python would end by re-raising SIGINT (status -2 to a parent
        # process); the command's Ctrl-C status is 130 wherever it was pressed
        os._exit(EXIT_INTERRUPTED)

    sys.excepthook = hook


def is_the_command() -> bool:
    """Whether this process is the `lstmkit` console script or `python -m lstmkit`."""
    if Path(sys.argv[0]).stem == "lstmkit":  # the console script (lstmkit, lstmkit.exe)
        return True
    # `python -m lstmkit`: while the package imports, sys.argv[0] is still "-m"
    arguments = getattr(sys, "orig_argv", [])
    return sys.argv[0] == "-m" and any(
        a == "-m" and b in ("lstmkit", "lstmkit.__main__")
        for a, b in zip(arguments, arguments[1:], strict=False)
    )
