"""Online training of one network on one task through the Trainer: fresh sequences every
step, a fixed budget, and the test set checked by the paper's criterion as training goes.

Per step (the Trainer's, `lstmkit.training`): `batch_size` new sequences (`OnlineBatches`,
seeded), forward, the task's loss, backward, the global gradient norm clipped to `clip`, one
Adam step. The Trainer's epochs are the stretches between two test checks: every
`eval_every` sequences the fixed test set (its own seed, never trained on) is scored as the
Trainer's validation (`val_wrong`: test sequences wrong by the paper's criterion,
`val_loss`: the task's error), and a callback stops training once at most
`task.allowed_wrong` are wrong, which gives "sequences seen to reach the criterion". A
non-finite loss or gradient stops the run with `lstmkit.training.NonFiniteError`.
"""

import time
from dataclasses import asdict, dataclass
from functools import partial

import numpy as np

from lstmkit.experiments.network import TaskNetwork
from lstmkit.random import child
from lstmkit.training import OnlineBatches, StepResult, Trainer

EVAL_CHUNK = 512  # test sequences per forward pass (bounds the cache's memory)


@dataclass
class RunResult:
    """One trained model's row of the results table."""

    task: str
    T: int
    model: str
    hidden_size: int
    parameters: int
    seed: int
    solved: bool
    test_correct: float  # fraction of test sequences correct by the paper's criterion
    test_wrong: int
    test_size: int
    final_error: float  # test MSE (regression) or cross-entropy (classification)
    sequences_to_criterion: int | None
    sequences_seen: int
    wall_time_s: float

    def as_dict(self) -> dict:
        return asdict(self)


def evaluate(network: TaskNetwork, task, test) -> tuple[int, float]:
    """(number of wrong test sequences, final error) on the SyntheticSequences `test`."""
    network.eval()
    outputs = []
    for start in range(0, len(test), EVAL_CHUNK):
        part = slice(start, start + EVAL_CHUNK)
        steps = int(test.lengths[part].max())
        outputs.append(network.forward(test.x[part, :steps], test.lengths[part]))
    network.train()
    if task.per_step:  # chunks may have different T_max: pad to the test set's
        steps = test.x.shape[1]
        outputs = [np.pad(o, ((0, 0), (0, steps - o.shape[1]), (0, 0))) for o in outputs]
    out = np.concatenate(outputs)
    wrong = int(np.count_nonzero(~task.correct(out, test)))
    return wrong, task.error(out, test)


def test_seed(seed):
    """The seed of the test set of a run seeded with `seed`: child 1 of it, a stream apart from
    the training batches' (child 0); never `seed + 1_000_003`, which is another run's seed."""
    return child(seed, 1)


def train_network(
    network: TaskNetwork,
    task,
    *,
    budget: int,
    batch_size: int = 32,
    lr: float = 3e-3,
    clip: float = 1.0,
    eval_every: int = 4000,
    seed=0,
    test=None,
    progress=None,
) -> dict:
    """Train until the criterion is met or `budget` sequences are seen; returns a summary dict
    (test_wrong, final_error, sequences_to_criterion, sequences_seen, wall_time_s, curve:
    (seen, wrong, error) at each test check).

    `seed` (an int, a Generator, a SeedSequence or None) seeds the training batches (child 0)
    and, when `test` is None, the test set (`test_seed(seed)`, child 1); give the network a
    different seed (e.g. `lstmkit.random.spawn(seed, 2)`) so that its streams stay apart.
    `progress(seen, loss, wrong, error)` is called at each test check with the mean training
    loss of the steps since the last check."""
    batch_seed = child(seed, 0)  # drawn first, as before the Trainer, for a Generator seed
    batches = OnlineBatches(task.generate, batch_size, budget, eval_every, seed=batch_seed)
    test = task.generate(task.test_size, test_seed(seed)) if test is None else test
    curve = []

    def check(epoch: int, values: dict) -> bool:
        """Trainer callback after each test check: record it, report it, stop when solved."""
        seen, wrong, error = batches.ends[epoch - 1], int(values["val_wrong"]), values["val_loss"]
        curve.append((seen, wrong, error))
        if progress is not None:
            progress(seen, values["loss"], wrong, error)
        return wrong <= task.allowed_wrong

    trainer = Trainer(
        optimizer="adam", lr=lr, epochs=len(batches.ends), clip_norm=clip,
        monitor="val_wrong", mode="min", restore_best=False, on_nonfinite="raise",
        verbose=0, seed=batch_seed, callbacks=[check],
    )  # fmt: skip
    start = time.perf_counter()
    trainer.fit(network, partial(_step, network, task), batches, _WholeSet(test))
    seen, wrong, error = curve[-1]
    return {
        "test_wrong": wrong,
        "final_error": error,
        "sequences_to_criterion": seen if wrong <= task.allowed_wrong else None,
        "sequences_seen": seen,
        "wall_time_s": time.perf_counter() - start,
        "curve": curve,
    }


def _step(network: TaskNetwork, task, data, training: bool) -> StepResult:
    """The Trainer's step. Training: the task's loss on a fresh batch. Validation: `data` is
    the whole test set (one batch of count 1), scored by `evaluate`; its error is the loss
    and its number of wrong sequences the metric "wrong"."""
    if not training:
        wrong, error = evaluate(network, task, data)
        return StepResult(error, 1, {"wrong": wrong})
    loss, doutputs = task.loss(network.forward(data.x, data.lengths), data)
    return StepResult(float(loss), len(data), backward=partial(network.backward, doutputs))


class _WholeSet:
    """The test set as the Trainer's validation `Batches`: one batch, the whole set."""

    carries_state = False

    def __init__(self, data):
        self.data = data

    def epoch(self, rng=None) -> list:
        return [self.data]

    def __len__(self) -> int:
        return 1
