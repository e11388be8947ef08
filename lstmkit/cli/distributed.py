"""--distributed mpi, the same on every command that trains one model on many processes
(classify, forecast, charlm train): under `mpiexec -n K lstmkit ... --distributed mpi` the
model's `distributed="mpi"` (`lstmkit.training.ranks`, docs/scaling.md): the K processes train
one model together, each on its share of every batch.

Every rank reads the data and trains; rank 0 alone writes --out's files and prints: the other
ranks run as if neither --out nor output had been asked for, so each file is written once.
Without mpi4py it is a usage error naming the extra; beside --n-jobs other than 1 too.
"""

import os
import sys

from lstmkit.cli.common import UsageError


def add_distributed_argument(parser) -> None:
    parser.add_argument(
        "--distributed",
        choices=("mpi",),
        default=None,
        help="train one model on the ranks of an MPI job (run under mpiexec -n K; each rank "
        "takes its share of every batch, rank 0 writes the files; needs pip install "
        '"lstmkit[mpi]")',
    )


def distributed_option(args) -> str | None:
    """--distributed: None, or "mpi" with this process's part set up (call it before any
    output): a usage error without mpi4py or beside --n-jobs other than 1; on ranks other than
    0, --out is dropped, --quiet set and stdout silenced, so that rank 0 alone writes."""
    if args.distributed is None:
        return None
    if getattr(args, "n_jobs", 1) != 1:
        raise UsageError(
            f"--distributed mpi trains the ensemble's networks one after another, each on every "
            f"rank; it cannot be used with --n-jobs {args.n_jobs} (use --n-jobs 1)"
        )
    from lstmkit.distributed import MPICommunicator
    from lstmkit.distributed.communicator import MPI_EXTRA

    try:
        rank = MPICommunicator().rank
    except ImportError:
        raise UsageError(
            f"--distributed mpi needs mpi4py and an MPI library: {MPI_EXTRA} (run the command "
            "under mpiexec -n K)"
        ) from None
    if rank != 0:
        args.out, args.quiet = None, True
        # file descriptor 1 itself (under --json sys.stdout is stderr while the command runs),
        # so that the results --json writes after the command are gone too
        sys.__stdout__.flush()
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    return "mpi"
