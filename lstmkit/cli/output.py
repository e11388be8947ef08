"""`--json`: the results of any subcommand as one JSON document on stdout, for scripts.

Every subcommand's `run(args)` returns its results as a dict (the metrics, forecasts with
their dates, predictions, the paths of the files written, ...). In text mode that value is
not used: the command prints its tables as before. With --json, `run_command` runs the
command with its stdout sent to stderr (the notes, tables, progress and summary line the
command prints all land there, so nothing else can slip into the document) and then writes
the returned dict, alone, to stdout.

Errors in --json mode read as in text mode: one line `lstmkit: error: ...` on stderr and the
same exit status; stdout stays empty (a script tests the status, not a JSON error object).
"""

import contextlib
import datetime
import json
import sys
from pathlib import Path


def run_command(args) -> None:
    """Run the parsed command `args.run(args)`, in --json mode with the results on stdout."""
    if not getattr(args, "json", False):
        args.run(args)
        return
    with contextlib.redirect_stdout(sys.stderr):
        results = args.run(args)
    if results is None:  # a bug (status 3): every subcommand returns its results
        raise RuntimeError(f"{args.run.__module__}.{args.run.__name__} returned no results")
    # strict JSON: NaN and infinity (an undefined MASE) are not JSON; they are written as null
    plain = json.loads(json.dumps(results, default=_plain), parse_constant=lambda name: None)
    sys.stdout.write(json.dumps(plain, allow_nan=False) + "\n")
    sys.stdout.flush()


def _plain(value):
    """What JSON cannot hold as is: NumPy values as numbers and lists, dates and paths as
    text."""
    from lstmkit.io.atomic import _json_default

    if isinstance(value, (Path, datetime.date)):
        return str(value)
    if getattr(value, "dtype", None) is not None and value.dtype.kind == "M":  # datetime64
        return value.astype(str).tolist()
    return _json_default(value)


def files_written(folder, *names) -> list[str]:
    """The paths of the files `names` in `folder` that exist (a plot is skipped without
    matplotlib), for the results' "files"; [] when there is no folder."""
    if folder is None:
        return []
    return [str(Path(folder) / name) for name in names if (Path(folder) / name).exists()]
