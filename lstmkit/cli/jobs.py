"""--n-jobs N, the same on every command that trains an ensemble (classify, forecast): how
many of its networks train at once, the models' `n_jobs` (`lstmkit.parallel`). 1 (the
default) trains them one after another in the command's process; -1 uses every core; the
results are the same, bit for bit, for every N.

A bad N is argparse's usage error (`argument --n-jobs: must be a nonzero integer ...`);
N other than 1 without joblib installed is a usage error naming the extra to install.
"""

import argparse
import importlib.util

from lstmkit.cli.common import UsageError
from lstmkit.parallel import check_n_jobs, in_process
from lstmkit.parallel.dispatch import EXPECTED, EXTRA


def n_jobs(text: str) -> int:
    """argparse type: a nonzero integer."""
    try:
        return check_n_jobs(int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {EXPECTED}; got {text!r}") from None


def add_n_jobs_argument(parser) -> None:
    parser.add_argument(
        "--n-jobs",
        type=n_jobs,
        default=1,
        metavar="N",
        help="networks of the ensemble trained at once (default 1; -1: every core; the same "
        'results for every N; needs pip install "lstmkit[parallel]")',
    )


def n_jobs_option(args) -> int:
    """--n-jobs, refused as a usage error when it needs joblib and joblib is missing."""
    if not in_process(args.n_jobs):
        missing = [m for m in ("joblib", "threadpoolctl") if importlib.util.find_spec(m) is None]
        if missing:
            raise UsageError(
                f"--n-jobs {args.n_jobs} needs {' and '.join(missing)}: {EXTRA} (or --n-jobs 1)"
            )
    return args.n_jobs
