"""The training runs that the MPI tests compare: a network, its step, its data and the
Trainer's settings, built the same way by the MPI workers and by the one-process reference.

`build(case, dtype, ranks)` gives what `Trainer(**settings).fit(network, step, train,
validation)` trains. With `ranks` K > 1 (distributed="mpi"), batch_size is the per-rank B; with
K = 1 it is the whole batch K * B of the run it is compared with: 20 updates either way.
"""

import numpy as np

from lstmkit.data import SequenceData
from lstmkit.losses import cross_entropy
from lstmkit.models.char_lm_network import CharLMNetwork
from lstmkit.models.forecast_network import ForecastNetwork, gaussian_step
from lstmkit.models.sequence_network import SequenceNetwork
from lstmkit.training import StepResult, StreamChunks

CASES = ("classifier", "charlm", "forecast")
EMPTY_SHARES = ("forecast",)  # a global batch of 1 item: rank 1 trains on nothing that step
RANKS = 2  # the MPI tests run under mpiexec -n 2
PER_RANK_BATCH = 4


def build(case: str, dtype: str, ranks: int):
    """(network, step, train, validation, Trainer settings) of `case` in `dtype`."""
    network, step, train, validation, settings = BUILDERS[case](np.dtype(dtype), ranks)
    settings = {"lr": 1e-2, "verbose": 0, "seed": 7, "restore_best": False, **settings}
    return network, step, train, validation, settings


def _classifier(dtype, ranks):
    """An LSTM classifier (SequenceNetwork) on 37 sequences of 3 to 8 steps: per epoch 5
    global batches of 8, the last of 5 (split 3 + 2 between the ranks), for 4 epochs."""
    rng = np.random.default_rng(0)

    def data(n):
        sequences = [rng.standard_normal((rng.integers(3, 9), 3)) for _ in range(n)]
        return SequenceData(sequences, rng.integers(0, 3, n), dtype=dtype)

    train, validation = data(37), data(11)
    network = SequenceNetwork(3, 3, hidden_size=5, dtype=dtype.name, seed=1)

    def step(batch, training):
        logits = network.forward(batch.x, batch.lengths)
        loss, dlogits = cross_entropy(logits, batch.y)
        correct = int((logits.argmax(axis=1) == batch.y).sum())
        return StepResult(
            float(loss), len(batch.y), {"accuracy": correct}, lambda: network.backward(dlogits)
        )

    batch_size = PER_RANK_BATCH * (RANKS // ranks)
    return network, step, train, validation, {"epochs": 4, "batch_size": batch_size}


def _charlm(dtype, ranks):
    """The char LM's network on 8 streams of 33 characters read in chunks of 8: 4 chunks an
    epoch for 5 epochs; validation on 4 masked streams (the first 3 targets unscored)."""
    rng = np.random.default_rng(1)
    ids = rng.integers(0, 7, (8, 33))
    train = StreamChunks(ids[:, :-1], ids[:, 1:], 8)
    held = rng.integers(0, 7, (4, 13))
    mask = np.ones((4, 12), dtype=bool)
    mask[:, :3] = False
    validation = StreamChunks(held[:, :-1], held[:, 1:], 8, mask=mask)
    network = CharLMNetwork(
        7, embedding_dim=4, hidden_size=6, num_layers=1, dtype=dtype.name, seed=2
    )

    def step(chunk, training, state):
        logits, state = network(chunk.inputs, state)
        if training:
            loss, dlogits = cross_entropy(logits, chunk.targets)
            backward = lambda: network.backward(dlogits)  # noqa: E731
            return StepResult(float(loss), chunk.targets.size, backward=backward, carry=state)
        total, _ = cross_entropy(
            logits.astype(np.float64), chunk.targets, mask=chunk.mask, reduction="sum"
        )
        count = int(chunk.mask.sum())
        mean = float(total) / count if count else 0.0
        return StepResult(mean, count, {"nats_per_char": float(total)}, carry=state)

    return network, step, train, validation, {"epochs": 5}


def _forecast(dtype, ranks):
    """The Forecaster's network (Gaussian head, horizon 3) on 33 windows of 6 steps: 5 global
    batches an epoch, 4 of 8 and 1 of a single window (rank 1's share of it is empty), for 4
    epochs."""
    rng = np.random.default_rng(2)
    windows = rng.standard_normal((33, 6, 2))
    targets = rng.standard_normal((33, 3))
    train = SequenceData(list(windows), targets, dtype=dtype)
    network = ForecastNetwork(2, 3, hidden_size=5, dtype=dtype.name, seed=3)
    batch_size = PER_RANK_BATCH * (RANKS // ranks)
    return network, gaussian_step(network), train, None, {"epochs": 4, "batch_size": batch_size}


BUILDERS = {"classifier": _classifier, "charlm": _charlm, "forecast": _forecast}
