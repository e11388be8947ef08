"""How a command ends on an exception: lstmkit's own errors as one line, anything else as a bug.

Exit statuses (the EXIT_* constants of `lstmkit.cli.common`):

    1    a data error: an error lstmkit itself reports about its input, which the user can fix
    2    a usage error: `UsageError` (an option value the command cannot use); argparse's own
         errors exit 2 before a command runs
    3    an internal error: anything else, i.e. a bug in lstmkit (a TypeError, KeyError,
         AttributeError, IndexError, a NumPy error ... that no check of lstmkit's raised)
    130  interrupted with Ctrl-C (handled by `lstmkit.cli.main`)

Running out of memory is no bug either: it is a usage error naming the size options the
command line gave (`--hidden-size 1000000`), or a data error when it gave none.

What counts as a data error, and why:
- an OSError (a missing file, a folder that cannot be written, a full disk) or a UnicodeError
  (an input file that is not UTF-8 text), wherever raised: they come from the user's files;
- an exception of a class lstmkit defines (`SafetensorsError`, `NotFittedError`,
  `NonFiniteError`, ...): each exists to report a condition to the user;
- a ValueError or TypeError raised by a `raise` statement in lstmkit's own code: the checks at
  the public boundary, whose messages name the argument, what was expected and what came.
A ValueError that NumPy raises on a call inside lstmkit (shapes that do not broadcast) or a
TypeError from calling a function wrongly comes from no `raise` statement of lstmkit's, so it
is reported as the bug it is, not blamed on the data.
"""

import dis
import sys
import traceback
from pathlib import Path

from lstmkit.cli.common import (
    EXIT_DATA_ERROR,
    EXIT_INTERNAL_ERROR,
    EXIT_USAGE_ERROR,
    UsageError,
)

PACKAGE = Path(__file__).resolve().parents[1]
RAISE_OPCODES = {"RAISE_VARARGS"}


def exit_status(error: BaseException) -> int:
    """The exit status the command ends with for `error` (1, 2 or 3; see the module doc)."""
    if isinstance(error, UsageError):
        return EXIT_USAGE_ERROR
    if is_data_error(error):
        return EXIT_DATA_ERROR
    return EXIT_INTERNAL_ERROR


def is_data_error(error: BaseException) -> bool:
    if isinstance(error, (OSError, UnicodeError)):
        return True
    if type(error).__module__.partition(".")[0] == "lstmkit":
        return True
    return isinstance(error, (ValueError, TypeError)) and raised_by_lstmkit(error)


def raised_by_lstmkit(error: BaseException) -> bool:
    """True when the innermost frame of `error`'s traceback is lstmkit code executing `raise`."""
    tb = error.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    if not _in_package(code.co_filename):
        return False
    # tb_lasti is the offset of the instruction that raised: a `raise` statement compiles to
    # RAISE_VARARGS, while an error inside a call or an operator stops on CALL, BINARY_OP ...
    return any(
        instruction.offset == tb.tb_lasti and instruction.opname in RAISE_OPCODES
        for instruction in dis.get_instructions(code)
    )


def _in_package(filename: str) -> bool:
    try:
        return Path(filename).resolve().is_relative_to(PACKAGE)
    except (OSError, ValueError):  # "<string>" and the like
        return False


# argparse dests of the options that set how much the command allocates
SIZE_OPTIONS = frozenset(
    {
        "batch_size",
        "beam_size",
        "budget",
        "ensemble",
        "hidden_size",
        "horizon",
        "layers",
        "length",
        "max_length",
        "samples",
        "season_length",
        "seq_len",
        "T",
        "test_size",
        "top_k",
        "train_size",
        "units",
    }
)


class OutOfMemory(Exception):
    """The input needs more memory than the machine has (a data error, status 1)."""


def out_of_memory(error: MemoryError, args, argv) -> Exception:
    """`error` as what the user can act on: a UsageError naming the size options given on
    the command line, else an OutOfMemory error about the input."""
    what = f"out of memory ({error})" if str(error) else "out of memory"
    given = sizes_given(args, argv)
    if len(given) == 1:
        return UsageError(
            f"{what}: {given[0]} needs more memory than this machine has; give a smaller value"
        )
    if given:
        return UsageError(
            f"{what}: the sizes given ({', '.join(given)}) need more memory than this machine "
            "has; give smaller values"
        )
    return OutOfMemory(f"{what}: the input is too large for this machine's memory")


def sizes_given(args, argv) -> list[str]:
    """`--option value` for each size option (SIZE_OPTIONS) written on the command line."""
    given = []
    for token in argv:
        flag = token.partition("=")[0]
        dest = flag.removeprefix("--").replace("-", "_")
        if flag.startswith("--") and dest in SIZE_OPTIONS and hasattr(args, dest):
            given.append(f"{flag} {getattr(args, dest)}")
    return given


def report(error: BaseException, args=None, argv=()) -> int:
    """Print `error` as one line on stderr (after its traceback with --debug); its exit
    status. `args` and `argv` (the parsed and the given command line) name the options an
    out-of-memory error blames."""
    debug = getattr(args, "debug", False)
    shown = out_of_memory(error, args, argv) if isinstance(error, MemoryError) else error
    status = exit_status(shown)
    if debug:
        traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)
    message = " ".join(line.strip() for line in str(shown).splitlines())  # one line
    if status == EXIT_INTERNAL_ERROR:
        advice = "this is a bug" + ("" if debug else "; run again with --debug for the traceback")
        print(
            f"lstmkit: internal error: {type(shown).__name__}: {message} ({advice})",
            file=sys.stderr,
        )
    else:
        print(f"lstmkit: error: {message}", file=sys.stderr)
    return status
