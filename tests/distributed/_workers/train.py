"""One MPI job of the distributed tests, run as `mpiexec -n 2 python train.py MODE OUT`.

MODE:
  equivalence   every case of cases.py in float64 and float32 with Trainer(distributed="mpi");
                rank 0 saves the final weights, the histories and the differences between the
                ranks' weights (replicas.spread) measured before every training step (after
                every epoch for the cases of EMPTY_SHARES) and at the end to
                OUT/equivalence.npz
  resume        the classifier in float64: 2 epochs with checkpoints into OUT/rank<r>, then a
                fresh network resumed from rank 0's last.safetensors on every rank to epoch 4;
                rank 0 saves the weights to OUT/resume.npz
  diverge       the classifier in float64, rank 1's step giving a NaN loss on its 3rd call and
                meeting an overflow inside the network (NonFiniteValuesError) on its 5th; rank 0
                saves the history's learning rates and the spreads to OUT/diverge.npz
  fail-step     rank 1's training step raises on its third call
  fail-resume   rank 0 resumes from epoch 2's checkpoint, rank 1 from epoch 1's
  fail-alone    rank 1 alone raises in an epoch callback (no other rank can learn of it)

A rank that raises writes its error to OUT/rank<r>.error before Python prints it.
"""

import shutil
import sys
from pathlib import Path

import numpy as np
from cases import CASES, EMPTY_SHARES, build
from mpi4py import MPI

from lstmkit.distributed import MPICommunicator, MPIReplicas
from lstmkit.training import StepResult, Trainer
from lstmkit.validation import NonFiniteValuesError

REPLICAS = MPIReplicas(MPICommunicator())
RANK = REPLICAS.rank


def checked(step, network, spreads):
    """`step`, measuring before every training step how far the replicas' weights differ.
    `spread` is collective: only for runs in which every rank has a share of every batch (a
    rank with an empty share does not call the step)."""

    def wrapper(*args):
        if args[1]:
            spreads.append(REPLICAS.spread(network.params))
        return step(*args)

    return wrapper


def epoch_checks(network, spreads):
    """An epoch callback measuring how far the replicas' weights differ (on every rank)."""

    def callback(epoch, values):
        spreads.append(REPLICAS.spread(network.params))

    return callback


def equivalence(out: Path) -> None:
    saved = {}
    for case in CASES:
        for dtype in ("float64", "float32"):
            network, step, train, validation, settings = build(case, dtype, REPLICAS.size)
            spreads = []
            if case in EMPTY_SHARES:  # measured after every epoch instead (`checked`)
                settings["callbacks"] = [epoch_checks(network, spreads)]
            else:
                step = checked(step, network, spreads)
            history = Trainer(distributed="mpi", **settings).fit(network, step, train, validation)
            spreads.append(REPLICAS.spread(network.params))
            key = f"{case}-{dtype}"
            saved.update({f"{key}/weight/{k}": v for k, v in network.params.items()})
            saved.update({f"{key}/history/{k}": np.array(v) for k, v in history.records.items()})
            saved[f"{key}/spread"] = np.array(spreads)
    if RANK == 0:
        np.savez(out / "equivalence.npz", **saved)


def resume(out: Path) -> None:
    network, step, train, validation, settings = build("classifier", "float64", REPLICAS.size)
    settings["epochs"] = 2
    Trainer(distributed="mpi", checkpoint_dir=out / f"rank{RANK}", **settings).fit(
        network, step, train, validation
    )
    network, step, train, validation, settings = build("classifier", "float64", REPLICAS.size)
    spreads = []
    Trainer(distributed="mpi", **settings).fit(
        network,
        checked(step, network, spreads),
        train,
        validation,
        resume_from=out / "rank0" / "last.safetensors",
    )
    if RANK == 0:
        np.savez(out / "resume.npz", spread=np.array(spreads), **network.params)


def diverge(out: Path) -> None:
    network, step, train, validation, settings = build("classifier", "float64", REPLICAS.size)
    calls, spreads = [], []

    def diverging(batch, training):
        calls.append(training)
        if RANK == 1 and training and calls.count(True) == 3:
            return StepResult(float("nan"), len(batch.y))
        if RANK == 1 and training and calls.count(True) == 5:
            raise NonFiniteValuesError("an overflow inside the network, on purpose")
        return step(batch, training)

    history = Trainer(distributed="mpi", **settings).fit(
        network, checked(diverging, network, spreads), train, validation
    )
    spreads.append(REPLICAS.spread(network.params))
    if RANK == 0:
        np.savez(out / "diverge.npz", lr=np.array(history["lr"]), spread=np.array(spreads))


def fail_resume(out: Path) -> None:
    network, step, train, validation, settings = build("classifier", "float64", REPLICAS.size)
    settings["epochs"] = 2
    folder = out / "checkpoints"

    def keep_epoch_1(epoch, values):
        if RANK == 0 and epoch == 1:
            shutil.copy(folder / "last.safetensors", folder / "epoch1.safetensors")

    Trainer(distributed="mpi", checkpoint_dir=folder, callbacks=[keep_epoch_1], **settings).fit(
        network, step, train, validation
    )
    settings["epochs"] = 4
    stale = folder / ("last.safetensors" if RANK == 0 else "epoch1.safetensors")
    Trainer(distributed="mpi", **settings).fit(network, step, train, validation, resume_from=stale)


def fail_step(out: Path) -> None:
    network, step, train, validation, settings = build("classifier", "float64", REPLICAS.size)
    calls = []

    def failing(batch, training):
        calls.append(training)
        if RANK == 1 and calls.count(True) == 3:
            raise RuntimeError("a step failing on purpose")
        return step(batch, training)

    Trainer(distributed="mpi", **settings).fit(network, failing, train, validation)


def fail_alone(out: Path) -> None:
    network, step, train, validation, settings = build("classifier", "float64", REPLICAS.size)

    def callback(epoch, values):
        if RANK == 1:
            raise RuntimeError("a callback failing on purpose")

    Trainer(distributed="mpi", callbacks=[callback], **settings).fit(
        network, step, train, validation
    )


MODES = {
    "equivalence": equivalence,
    "resume": resume,
    "diverge": diverge,
    "fail-step": fail_step,
    "fail-resume": fail_resume,
    "fail-alone": fail_alone,
}

if __name__ == "__main__":
    mode, out = sys.argv[1], Path(sys.argv[2])
    try:
        MODES[mode](out)
    except Exception as error:
        # what this rank raised, apart from the other rank's output (which may interleave)
        (out / f"rank{RANK}.error").write_text(f"{type(error).__name__}: {error}")
        raise
    MPI.COMM_WORLD.Barrier()
