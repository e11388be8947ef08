"""The MPI communicator lstmkit trains over: a thin wrapper of mpi4py's, imported lazily.

mpi4py (with the MPI library from the package index, the `mpich` wheel) is an optional extra:
`pip install "lstmkit[mpi]"`; nothing else in lstmkit imports it. The wrapper gives the few
collective operations data-parallel training needs, on NumPy buffers (never on pickled Python
objects: the lower-case mpi4py calls pickle, and lstmkit never loads a pickle):

    sum_in_place(buffer)        every rank's buffer becomes the element-wise sum over ranks
    min_in_place(buffer)        ... the minimum, max_in_place(buffer) the maximum
    broadcast_bytes(data, root) the bytes of rank `root` on every rank
    barrier()                   returns once every rank has called it
    abort(message)              print `message` on stderr and end every rank of the job
"""

import os
import sys
from typing import NoReturn

import numpy as np

MPI_EXTRA = 'pip install "lstmkit[mpi]"'


def import_mpi():
    """mpi4py's MPI module, or an ImportError that names the extra to install."""
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise ImportError(
            f"distributed='mpi' needs mpi4py and an MPI library: {MPI_EXTRA} (mpi4py and the "
            f"mpich wheel; no system MPI needed); importing mpi4py failed: {error}"
        ) from error
    return MPI


class MPICommunicator:
    """The processes of one MPI job (`MPI.COMM_WORLD` unless `comm` is given): `rank` is this
    process's number, `size` the number of processes K."""

    def __init__(self, comm=None):
        self.mpi = import_mpi()
        self.comm = self.mpi.COMM_WORLD if comm is None else comm
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()

    def sum_in_place(self, buffer: np.ndarray) -> None:
        """One in-place Allreduce (SUM) of a contiguous array."""
        self.comm.Allreduce(self.mpi.IN_PLACE, buffer, op=self.mpi.SUM)

    def min_in_place(self, buffer: np.ndarray) -> None:
        self.comm.Allreduce(self.mpi.IN_PLACE, buffer, op=self.mpi.MIN)

    def max_in_place(self, buffer: np.ndarray) -> None:
        self.comm.Allreduce(self.mpi.IN_PLACE, buffer, op=self.mpi.MAX)

    def broadcast_bytes(self, data: bytes | None, root: int) -> bytes:
        """`data` of rank `root` on every rank (the others pass None): its length, then it."""
        length = np.array([len(data) if self.rank == root else 0], dtype=np.int64)
        self.comm.Bcast(length, root=root)
        buffer = np.zeros(int(length[0]), dtype=np.uint8)
        if self.rank == root:
            buffer[:] = np.frombuffer(data, dtype=np.uint8)
        self.comm.Bcast(buffer, root=root)
        return buffer.tobytes()

    def barrier(self) -> None:
        self.comm.Barrier()

    def abort(self, message: str) -> NoReturn:
        """Print `message` and end the whole job (every rank) with exit status 1: the way out
        when one rank failed where the others cannot learn of it, so they never wait forever."""
        print(message, file=sys.stderr, flush=True)
        self.comm.Abort(1)
        # MPI_Abort may return before the process manager kills this process: end it now, so
        # that no code of this rank runs on (MPICH's wheel was seen to return)
        os._exit(1)
