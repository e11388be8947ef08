"""Online training of one network on one task: fresh sequences every step, a fixed budget,
and the test set checked by the paper's criterion as training goes.

Per step: `batch_size` new sequences (seeded), forward, the task's loss, backward, the global
gradient norm clipped to `clip`, one Adam step. Every `eval_every` sequences the fixed test
set (its own seed, never trained on) is scored; training stops early once at most
`task.allowed_wrong` test sequences are wrong, which gives "sequences seen to reach the
criterion".
"""

import time
from dataclasses import asdict, dataclass

import numpy as np

from lstmkit.experiments.network import TaskNetwork
from lstmkit.optim import Adam, clip_grad_norm
from lstmkit.random import as_generator, child

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
    (test_wrong, final_error, sequences_to_criterion, sequences_seen, wall_time_s, curve).
    `seed` (an int, a Generator, a SeedSequence or None) seeds the training batches (child 0)
    and, when `test` is None, the test set (`test_seed(seed)`, child 1); give the network a
    different seed (e.g. `lstmkit.random.spawn(seed, 2)`) so that its streams stay apart."""
    rng = as_generator(child(seed, 0))  # the training batches' seeds
    test = task.generate(task.test_size, test_seed(seed)) if test is None else test
    optimizer = Adam(network, lr=lr)
    start, seen, reached = time.perf_counter(), 0, None
    curve = []
    wrong, error = evaluate(network, task, test)
    while seen < budget and reached is None:
        data = task.generate(batch_size, int(rng.integers(2**63)))
        network.zero_grad()
        loss, doutputs = task.loss(network.forward(data.x, data.lengths), data)
        network.backward(doutputs)
        clip_grad_norm(network, clip)
        optimizer.step()
        seen += batch_size
        if seen % eval_every < batch_size or seen >= budget:
            wrong, error = evaluate(network, task, test)
            curve.append((seen, wrong, error))
            if progress is not None:
                progress(seen, float(loss), wrong, error)
            if wrong <= task.allowed_wrong:
                reached = seen
    return {
        "test_wrong": wrong,
        "final_error": error,
        "sequences_to_criterion": reached,
        "sequences_seen": seen,
        "wall_time_s": time.perf_counter() - start,
        "curve": curve,
    }
