"""What a task model with `distributed="mpi"` needs to know before it builds its Trainers.

A task model trains with `distributed="mpi"` as one process would with the global batch:
each of its Trainers gets `distributed`, so every rank takes its 1 / K share of every global
batch of K * batch_size (`batch_size` is per rank, as the Trainer's). Every rank must draw the
same splits, initial weights and shuffles, so the seed must be fixed (an int or a
SeedSequence: None would draw different entropy on each rank). Ensemble members train one
after another, each data-parallel over all the ranks: `n_jobs` (processes training members at
once) is refused beside it, as the two would fight over the same cores.

Equal to the one-process fit with batch K * batch_size (up to rounding) where the network's
training pass treats each item on its own. Two things do not, and train a close but other
model: dropout (each rank draws its masks for its own B rows from the same generator, where
one process draws 2B rows), and the batch normalisation of SequenceClassifier's LSTM-FCN
(statistics over this rank's share of the batch, as data-parallel training without synchronised
batch norm does).
"""

from lstmkit.parallel import in_process


def check_distributed(owner: str, distributed, seed, n_jobs=None) -> None:
    """ValueError naming `owner` when `distributed="mpi"` comes with a seed every rank would
    draw differently, or with n_jobs other than None or 1."""
    if distributed is None:
        return
    if seed is None:
        raise ValueError(
            f"{owner}: distributed='mpi' needs a fixed seed (an int), so that every rank draws "
            "the same splits, initial weights and batches; got seed=None"
        )
    if not in_process(n_jobs):
        raise ValueError(
            f"{owner}: distributed='mpi' trains the ensemble members one after another, each "
            f"on every rank; n_jobs must be None or 1 with it; got n_jobs={n_jobs!r}"
        )


def world_size(distributed) -> int:
    """K, the number of processes training together: 1, or the size of the MPI job."""
    if distributed is None:
        return 1
    from lstmkit.distributed import MPICommunicator

    return MPICommunicator().size
