"""The fit loop: length-bucketed mini-batches, clipping, divergence handling, validation,
early stopping with best-weights restore, checkpoints, and exact resume.

The Trainer knows nothing of the task. The caller gives it
- `model`: a Module (its parameters are optimized, saved and restored);
- `step(batch, training) -> StepResult`: runs the model forward on a batch and returns the
  mean loss over the batch's `count` items and, when `training` is true, a `backward`
  callable that backpropagates that loss into the gradients. The Trainer calls it only when
  the loss is finite (the layers refuse NaN gradients), after zeroing the gradients.
  `metrics` are TOTALS over the batch's items (e.g. the number of correct predictions),
  reported per epoch as total / count;
- the training (and validation) data: a data set with `len()`, `lengths` and
  `batch(indices)` (`lstmkit.data.SequenceData`), batched by similar length and shuffled each
  epoch (validation: in length order), or any `lstmkit.training.Batches` for other batching.

When the batches `carries_state` (`StreamChunks`: consecutive chunks of parallel streams),
batch k + 1 continues batch k and the Trainer calls `step(batch, training, carry)`: `carry` is
None (zeros) for the first batch of each epoch and of each validation pass, and after a
diverged step; otherwise it is the `StepResult.carry` of the step before, e.g. the
final LSTM state of the previous chunk. The step's `backward` must not backpropagate into
`carry`: that is the cut of truncated backpropagation through time.

Each training step: zero gradients, `step`, check the loss and the gradient norm are finite,
clip the global gradient norm, optimizer step, check the update. A step DIVERGED when (the
exact rules, and why ordinary training does not meet them: `lstmkit.training.divergence`)
- its loss or gradient norm is NaN or infinite, or, once the run has updated the weights, a
  layer's finiteness check meets NaN or infinite values in its forward or backward pass: an
  overflow inside the network (the training data must be finite; the estimators check them);
- its update exploded: it left a weight NaN or infinite, or moved the weights further than their
  own size (the global L2 norm of the change exceeds the larger of 1 and the global L2 norm of
  the weights before it), as an absurd learning rate does.
A diverged step's update is skipped (or undone), so the weights stay at their last good values;
`on_nonfinite` says what happens next: "reduce_lr" halves the learning rate and goes on, "skip"
goes on, "raise" stops with `NonFiniteError`. Training that could not recover also stops with
it: more than `max_nonfinite` diverged steps in a row, or a run in which every step diverged
(its model would be the untrained one); the message names the learning rate the run started
with and says to lower it. A layer's check failing before any update is not divergence (the
weights are still those the run began with): its error is raised as it is. A validation pass in
which NaN or infinite values arise inside the network records a `val_loss` of inf (never the
best epoch) and NaN metrics. Weights are checked to be finite before every checkpoint, so no
NaN ever reaches a saved file.

Shuffling for epoch e draws from child e of the seed (`lstmkit.random.child`), and
checkpoints hold the model's and optimizer's state and every dropout generator's state, so a
run resumed from the checkpoint of epoch e continues bit for bit as if it had never stopped
(with an int or SeedSequence seed: None and a Generator give new draws on every run).

With `distributed="mpi"`, under `mpiexec -n K` (`lstmkit.distributed`, docs/scaling.md), the K
processes train one model by synchronous data parallelism. Every rank draws the same global
batches (same seed) and takes its 1/K share of each: of a data set's batches, which hold
K * `batch_size` sequences (`batch_size` is per rank); of a `LengthBatches`' batches, which
hold its `batch_size`; of a `StreamChunks`' B streams, B / K each (B >= K). The gradient of
the global batch's mean loss is averaged over the ranks by one Allreduce, so every rank
applies the same update and the replicas stay bit-identical; the training and validation
losses and metrics are summed over the ranks before any decision (divergence, early
stopping, the schedule) is taken from them. K ranks with per-rank batch B thus train as one
process with batch K * B (up to rounding). Rank 0 alone writes checkpoints and shows
progress; `resume_from` is read by every rank. A rank whose step raises makes every rank raise
`lstmkit.distributed.RankFailedError`; any other failure on one rank ends the job (MPI Abort)
with a message naming the rank. Callbacks run on every rank (with the same values).
"""

import time
from pathlib import Path

from lstmkit.distributed import MPICommunicator, MPIReplicas, ShardedData, SingleProcess, share
from lstmkit.distributed.communicator import import_mpi
from lstmkit.random import check_seed
from lstmkit.training.batches import Batches, LengthBatches, StreamChunks
from lstmkit.training.history import History
from lstmkit.training.run import Run
from lstmkit.training.step import NonFiniteError, StepResult, TrainingInterrupted

__all__ = ["NonFiniteError", "StepResult", "Trainer", "TrainingInterrupted"]


OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop", "adagrad")


class Trainer:
    """Trains a model by mini-batch gradient descent. See the module docstring.

    Args:
        optimizer: "adam" (default), "adamw", "sgd", "rmsprop", "adagrad", or a callable
            `model -> optimizer` for full control.
        lr, weight_decay: the optimizer's learning rate and weight decay.
        epochs: passes over the training data.
        batch_size: sequences per mini-batch (batched by similar length) when the data are
            data sets; a `Batches` decides its own batches.
        clip_norm: clip the global gradient norm to this (None: no clipping).
        schedule: None or a callable `optimizer -> schedule` (lstmkit.optim schedules);
            ReduceLROnPlateau is stepped with the monitored value, others once per epoch.
        patience: early stopping after this many epochs without improvement (None: never).
        monitor: "val_loss" (default when there is validation data, else "loss") or another
            history key.
        mode: "min" or "max": whether the monitored value improves by going down or up;
            "auto" (default) minimises a name containing "loss" and maximises any other.
        restore_best: at the end, put back the weights of the best epoch.
        checkpoint_dir: if set, `last.safetensors` every epoch and `best.safetensors` at each
            improvement are written there.
        on_nonfinite, max_nonfinite: divergence handling (see the module docstring):
            "reduce_lr" (default), "skip" or "raise"; at most this many diverged steps in a row.
        max_time: seconds; once a training step ends past this long after `fit` began, its
            epoch ends there (validated and recorded as usual) and training stops (None: no
            limit).
        clock: the function `max_time` (and the closing summary's seconds) is read from: a
            `() -> seconds` such as `time.perf_counter` (None, the default: wall time) or
            `time.process_time` (the CPU time of this process, all its threads: a budget that
            does not shrink when other programs share the machine).
        verbose: 0 silent; 1 (default) a bar over the epochs on a terminal and one summary
            line at the end; 2 a bar over each epoch's batches and a line per epoch. All of it
            goes to stderr.
        seed: seed of the batch shuffling: None (fresh each epoch), an int, a SeedSequence
            or a np.random.Generator (drawn from, so advanced, at each epoch).
        callbacks: callables `callback(epoch, values)` run after each epoch with its number
            (from 1) and its history values; one returning True stops training.
        distributed: None (default: this process trains alone) or "mpi": data-parallel over
            the ranks of the MPI job this process belongs to (module docstring; needs
            `pip install "lstmkit[mpi]"`).
    """

    def __init__(
        self,
        *,
        optimizer="adam",
        lr=1e-3,
        weight_decay=0.0,
        epochs=20,
        batch_size=32,
        clip_norm=1.0,
        schedule=None,
        patience=None,
        monitor=None,
        mode="auto",
        restore_best=True,
        checkpoint_dir=None,
        on_nonfinite="reduce_lr",
        max_nonfinite=10,
        max_time=None,
        clock=None,
        verbose=1,
        seed=None,
        callbacks=(),
        distributed=None,
    ):
        if not callable(optimizer) and optimizer not in OPTIMIZERS:
            raise ValueError(
                f"optimizer must be one of {OPTIMIZERS} or a callable; got {optimizer!r}"
            )
        if on_nonfinite not in ("reduce_lr", "skip", "raise"):
            raise ValueError(
                f"on_nonfinite must be 'reduce_lr', 'skip' or 'raise'; got {on_nonfinite!r}"
            )
        for name, value in (("epochs", epochs), ("batch_size", batch_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer; got {value!r}")
        if clip_norm is not None and not clip_norm > 0:
            raise ValueError(f"clip_norm must be positive or None; got {clip_norm!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max'; got {mode!r}")
        if max_time is not None and not max_time > 0:
            raise ValueError(
                f"max_time must be a positive number of seconds or None; got {max_time!r}"
            )
        if clock is not None and not callable(clock):
            raise ValueError(
                "clock must be a function () -> seconds, such as time.process_time, or None; "
                f"got {clock!r}"
            )
        self.mode, self.max_time = mode, max_time
        self.clock = time.perf_counter if clock is None else clock
        self.optimizer, self.lr, self.weight_decay = optimizer, lr, weight_decay
        self.epochs, self.batch_size, self.clip_norm = epochs, batch_size, clip_norm
        self.schedule, self.patience, self.monitor = schedule, patience, monitor
        self.restore_best, self.on_nonfinite, self.max_nonfinite = (
            restore_best,
            on_nonfinite,
            max_nonfinite,
        )
        self.checkpoint_dir = None if checkpoint_dir is None else Path(checkpoint_dir)
        self.verbose, self.seed, self.callbacks = verbose, check_seed(seed), tuple(callbacks)
        if distributed not in (None, "mpi"):
            raise ValueError(f"distributed must be None or 'mpi'; got {distributed!r}")
        if distributed == "mpi":
            import_mpi()  # a missing extra is told now, not after the data are prepared
        self.distributed = distributed

    # ---- public ------------------------------------------------------------------------------

    def fit(self, model, step, train, validation=None, resume_from=None) -> History:
        """Train `model` on `train`; returns the History. `resume_from`: a checkpoint path.

        `train` and `validation` (optional): data sets or `Batches` (module docstring)."""
        if len(train) == 0:
            what = "batch" if isinstance(train, Batches) else "sequence"
            raise ValueError(f"train must hold at least one {what}; got an empty data set")
        replicas = self.replicas()
        train = self.batches(train, shuffle=True, replicas=replicas)
        if validation is not None:
            validation = self.batches(validation, shuffle=False, replicas=replicas)
            if validation.carries_state != train.carries_state:
                raise ValueError(
                    "validation must carry state between batches as train does "
                    f"(carries_state {train.carries_state}); got {validation.carries_state}"
                )
        run = Run(self, model, step, train, validation, replicas)
        if resume_from is not None:
            run.resume(resume_from)
        # errors taken from reduced values are raised on every rank alike and go up as usual
        return replicas.guarded(run.go, collective=(NonFiniteError,))

    def replicas(self):
        """The processes `fit` trains on (lstmkit.distributed): this one alone, or the ranks
        of the MPI job."""
        if self.distributed is None:
            return SingleProcess()
        return MPIReplicas(MPICommunicator())

    def batches(self, data, shuffle: bool, replicas=None) -> Batches:
        """`data` itself if it is a `Batches`, else its `LengthBatches` of `batch_size`; with
        the `replicas` of a distributed fit, this rank's share of each of their batches
        (module docstring)."""
        if replicas is None or isinstance(replicas, SingleProcess):
            if isinstance(data, Batches):
                return data
            return LengthBatches(data, self.batch_size, shuffle=shuffle)
        rank, size = replicas.rank, replicas.size
        if not isinstance(data, Batches):
            return LengthBatches(ShardedData(data, rank, size), self.batch_size * size, shuffle)
        if isinstance(data, LengthBatches):
            return LengthBatches(ShardedData(data.data, rank, size), data.batch_size, data.shuffle)
        if isinstance(data, StreamChunks):
            return _stream_share(data, rank, size)
        raise ValueError(
            "distributed='mpi' splits data sets, LengthBatches and StreamChunks between the "
            f"ranks; got {type(data).__name__}"
        )

    def make_optimizer(self, model):
        from lstmkit import optim

        if callable(self.optimizer):
            return self.optimizer(model)
        cls = {
            "adam": optim.Adam,
            "adamw": optim.AdamW,
            "sgd": optim.SGD,
            "rmsprop": optim.RMSprop,
            "adagrad": optim.Adagrad,
        }[self.optimizer]
        return cls(model, lr=self.lr, weight_decay=self.weight_decay)


def _stream_share(chunks: StreamChunks, rank: int, size: int) -> StreamChunks:
    """Rank `rank`'s streams of `chunks` (a block of B / K of its B rows), read in the same
    chunks from the same offsets as on every other rank."""
    streams = chunks.inputs.shape[0]
    if streams < size:
        raise ValueError(
            f"StreamChunks of {streams} streams cannot be split between {size} ranks: each "
            "rank needs at least one stream (use at least as many streams as ranks)"
        )
    rows = share(streams, rank, size)
    mask = None if chunks.mask is None else chunks.mask[rows]
    return StreamChunks(
        chunks.inputs[rows], chunks.targets[rows], chunks.length, mask, chunks.random_offset
    )
