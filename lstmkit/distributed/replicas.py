"""What the Trainer asks of the processes it trains on: one process, or K MPI ranks.

The Trainer's loop (`lstmkit.training.run`) is written once; at the few points where ranks
must agree it calls its replicas object, a `SingleProcess` or an `MPIReplicas`:

    reduce_step(result, error)     -> (mean loss over the global batch, its N items); raises
                                      on every rank when one rank's step raised
    average_gradients(grads, n, N) the gradients of the global batch's mean loss
    sum_totals(totals, count)      epoch totals (loss * count, metric totals) summed over ranks
    any(flag)                      True on every rank when it is True on one
    check_same(value, what)        raises on every rank unless every rank holds the same int
    guarded(call)                  runs `fit`; a failure no other rank can learn of ends the job;
                                   returns once every rank is done (rank 0's files written)

`SingleProcess` does nothing at these points (today's training, bit for bit); `MPIReplicas`
reduces over the ranks of an MPI job, so that every rank sees the same numbers, takes the same
decisions (divergence, early stopping, learning rate) and applies the same update: the
replicas stay bit-identical (`spread` measures it).
"""

import json
import math

import numpy as np

from lstmkit.distributed.failures import RankFailedError
from lstmkit.distributed.gradients import FlatGradients
from lstmkit.validation import NonFiniteValuesError

# where the step's stats [loss * count, count, overflowed, failed] of `reduce_step` count the
# ranks whose step met an overflow inside the network, and those whose step raised otherwise
_OVERFLOW, _FAILED = 2, 3


class SingleProcess:
    """One process: every reduction is the identity."""

    rank, size, writes_files = 0, 1, True

    def reduce_step(self, result, error) -> tuple[float, int]:
        if error is not None:
            raise error
        return result.loss, result.count

    def average_gradients(self, grads: dict, count: int, total: int) -> None:
        pass

    def sum_totals(self, totals: dict, count: int) -> tuple[dict, int]:
        return totals, count

    def any(self, flag: bool) -> bool:
        return bool(flag)

    def check_same(self, value: int, what: str) -> None:
        pass

    def guarded(self, call, collective=()):
        return call()


class MPIReplicas:
    """K ranks of an MPI job (`communicator`: an `MPICommunicator`), one model replica each.
    Rank 0 alone writes files (`writes_files`)."""

    def __init__(self, communicator):
        self.communicator = communicator
        self.rank, self.size = communicator.rank, communicator.size
        self.writes_files = self.rank == 0
        self.gradients = FlatGradients()

    def reduce_step(self, result, error) -> tuple[float, int]:
        """(mean loss over the global batch, N) from every rank's (loss, count), with one
        Allreduce of [loss * count, count, overflowed, failed]. A rank whose step raised
        makes every rank raise: NonFiniteValuesError for an overflow inside the network (the
        Trainer's divergence handling then acts on every rank alike), RankFailedError for
        any other error."""
        count = 0 if error is not None else result.count
        stats = np.zeros(4)
        stats[0] = result.loss * count if count else 0.0
        stats[1] = count
        if error is not None:
            stats[_FAILED if not isinstance(error, NonFiniteValuesError) else _OVERFLOW] = 1
        self.communicator.sum_in_place(stats)
        if stats[_FAILED]:
            raise self._failure(error, "its training step", _FAILED) from error
        if stats[_OVERFLOW]:
            first, message = self._first_message(error, _OVERFLOW)
            raise NonFiniteValuesError(f"on rank {first} of {self.size}: {message}") from error
        total = int(stats[1])
        return (stats[0] / total if total else math.nan), total

    def average_gradients(self, grads: dict, count: int, total: int) -> None:
        self.gradients.average(self.communicator, grads, count, total)

    def sum_totals(self, totals: dict, count: int) -> tuple[dict, int]:
        """`totals` and `count` summed over ranks, in float64. The names are rank 0's (it
        holds an item of every batch); a rank with a name rank 0 lacks is a bug of its step."""
        names = json.loads(
            self.communicator.broadcast_bytes(
                json.dumps(list(totals)).encode() if self.rank == 0 else None, root=0
            )
        )
        unknown = set(totals) - set(names)
        if unknown:
            raise RankFailedError(
                f"rank {self.rank} of {self.size} reported totals {sorted(unknown)} that rank 0 "
                f"did not ({names}): the step must return the same metrics on every rank"
            )
        values = np.array([float(totals.get(name, 0.0)) for name in names] + [count])
        self.communicator.sum_in_place(values)
        return dict(zip(names, values[:-1].tolist(), strict=True)), int(values[-1])

    def any(self, flag: bool) -> bool:
        value = np.array([1.0 if flag else 0.0])
        self.communicator.sum_in_place(value)
        return bool(value[0])

    def check_same(self, value: int, what: str) -> None:
        """RankFailedError on every rank unless `value` (an int) is the same on all of them,
        e.g. the epoch each read from a checkpoint: a rank that read an older copy of the file
        would run other steps than the rest and leave them waiting."""
        low, high = np.array([value], dtype=np.int64), np.array([value], dtype=np.int64)
        self.communicator.min_in_place(low)
        self.communicator.max_in_place(high)
        if low[0] != high[0]:
            raise RankFailedError(
                f"the ranks disagree on {what}: from {low[0]} to {high[0]} (rank {self.rank} "
                f"has {value}); every rank must read the same file"
            )

    def spread(self, params: dict) -> float:
        """The largest difference between two ranks' copies of any weight: 0.0 when the
        replicas are bit-identical (NaN when a weight is NaN). Two Allreduces (MAX, MIN) of
        the flat weights."""
        flat = np.concatenate([np.ravel(v).astype(np.float64) for v in params.values()])
        high, low = flat.copy(), flat.copy()
        self.communicator.max_in_place(high)
        self.communicator.min_in_place(low)
        return float(np.max(high - low)) if flat.size else 0.0

    def guarded(self, call, collective=()):
        """`call()`; an error of a class in `collective` (raised on every rank alike) or a
        RankFailedError goes up as usual. Any other error may have struck this rank alone,
        while the others wait for it in a collective call: it ends the whole job (MPI
        Abort) with a message naming the rank and the error."""
        try:
            result = call()
            self.communicator.barrier()  # a rank may go on to read what rank 0 just wrote
            return result
        except (RankFailedError, *collective):
            raise
        except BaseException as error:  # Ctrl-C too: other ranks may be inside an Allreduce
            self.communicator.abort(
                f"lstmkit: error: rank {self.rank} of {self.size} failed, ending every rank: "
                f"{type(error).__name__}: {error}"
            )
            raise  # not reached: abort ends this process

    def _first_message(self, error, status: int) -> tuple[int, str]:
        """(the lowest rank whose step had `status`, its error message) on every rank."""
        mine = error is not None and (
            (status == _OVERFLOW) == isinstance(error, NonFiniteValuesError)
        )
        first = np.array([self.rank if mine else self.size], dtype=np.int64)
        self.communicator.min_in_place(first)
        first = int(first[0])
        text = f"{type(error).__name__}: {error}".encode() if self.rank == first else None
        return first, self.communicator.broadcast_bytes(text, root=first).decode()

    def _failure(self, error, where: str, status: int) -> RankFailedError:
        first, message = self._first_message(error, status)
        return RankFailedError(f"rank {first} of {self.size} failed in {where}: {message}")
