"""The tasks an experiment can train on: generator, loss, and the paper's success criterion.

Each `Task` turns network outputs into a loss (with its gradient) and into a per-sequence
verdict, correct or not, by the criterion of Hochreiter and Schmidhuber (1997):

    adding          |prediction - target| < 0.04 at the sequence end; solved when at most 3 of
                    2560 test sequences are wrong (the paper's worst result, T = 1000)
    temporal-order  every softmax output within 0.3 of the one-hot target at the end;
    temporal-order-8  solved when at most 3 of 2560 test sequences are wrong
    reber           at every step the legal next symbols have the highest outputs; solved when
                    all 256 test strings are right (the paper: all training and test strings)
    adding-fixed    |prediction - target| < 0.04, T fixed, targets X1 + X2 (at most 3 wrong)
    copy            every recalled symbol right (the lag is T); at most 3 of 512 wrong
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from lstmkit.data.synthetic import (
    ADDING_TOLERANCE,
    TEMPORAL_ORDER_TOLERANCE,
    adding_problem,
    copy_task,
    embedded_reber,
    fixed_adding_problem,
    reber_correct,
    temporal_order,
)
from lstmkit.losses import cross_entropy, mse
from lstmkit.ops.softmax import softmax


@dataclass(frozen=True)
class Task:
    """A task at one lag: `generate(n, seed)` -> SyntheticSequences; outputs are (N, O) for
    targets at the end, (N, T, O) when `per_step`."""

    name: str
    input_size: int
    output_size: int
    per_step: bool
    generate: Callable
    test_size: int
    allowed_wrong: int
    loss: Callable  # (outputs, data) -> (loss, doutputs)
    correct: Callable  # (outputs, data) -> (N,) bool
    error: Callable  # (outputs, data) -> float, the reported final error


def _regression_loss(outputs, data):
    return mse(outputs, data.y[:, None])


def _regression_correct(outputs, data):
    return np.abs(outputs[:, 0] - data.y) < ADDING_TOLERANCE


def _regression_error(outputs, data):
    return float(np.mean((outputs[:, 0].astype(np.float64) - data.y) ** 2))


def _class_loss(outputs, data):
    return cross_entropy(outputs, data.y)


def _class_correct(outputs, data):
    p = softmax(outputs.astype(np.float64), axis=-1)
    target = np.eye(outputs.shape[1])[data.y]
    return np.all(np.abs(p - target) < TEMPORAL_ORDER_TOLERANCE, axis=1)


def _class_error(outputs, data):
    loss, _ = cross_entropy(outputs.astype(np.float64), data.y)
    return float(loss)


def _step_loss(outputs, data):
    return cross_entropy(outputs, data.y, mask=data.y >= 0)


def _step_error(outputs, data):
    loss, _ = cross_entropy(outputs.astype(np.float64), data.y, mask=data.y >= 0)
    return float(loss)


def _reber_correct(outputs, data):
    return reber_correct(outputs, data.legal, data.lengths)


def _copy_correct(outputs, data):
    recall = data.y < outputs.shape[-1] - 2  # the steps whose target is a data symbol
    wrong = (outputs.argmax(axis=-1) != data.y) & recall
    return ~wrong.any(axis=1)


def _adding(name, generator, T):
    return Task(
        name, 2, 1, False, partial(_gen, generator, T), 2560, 3,
        _regression_loss, _regression_correct, _regression_error,
    )  # fmt: skip


def _temporal(classes, T):
    scale = max(1, round(T / 100))
    return Task(
        "temporal-order" if classes == 4 else "temporal-order-8", 8, classes, False,
        partial(_gen_temporal, classes, scale), 2560, 3,
        _class_loss, _class_correct, _class_error,
    )  # fmt: skip


def _reber(T):
    return Task(
        "reber", 7, 7, True, partial(_gen, lambda n, _t, seed: embedded_reber(n, seed=seed), T),
        256, 0, _step_loss, _reber_correct, _step_error,
    )  # fmt: skip


def _copy(T):
    return Task(
        "copy", 10, 10, True, partial(_gen, copy_task, T), 512, 3,
        _step_loss, _copy_correct, _step_error,
    )  # fmt: skip


def _gen(generator, T, n, seed):
    return generator(n, T, seed=seed)


def _gen_temporal(classes, scale, n, seed):
    return temporal_order(n, classes, scale=scale, seed=seed)


TASKS = {
    "adding": partial(_adding, "adding", adding_problem),
    "adding-fixed": partial(_adding, "adding-fixed", fixed_adding_problem),
    "temporal-order": partial(_temporal, 4),
    "temporal-order-8": partial(_temporal, 8),
    "reber": _reber,
    "copy": _copy,
}

# the lag T each task uses when none is given (temporal order: 100 is the paper's length)
DEFAULT_T = {"adding": 100, "adding-fixed": 100, "temporal-order": 100,
             "temporal-order-8": 100, "reber": 0, "copy": 50}  # fmt: skip


def get_task(name: str, T: int | None = None) -> Task:
    """The task `name` at lag T (None: its default; the Reber grammar has no T)."""
    if name not in TASKS:
        raise ValueError(f"task must be one of {sorted(TASKS)}; got {name!r}")
    T = DEFAULT_T[name] if T is None else T
    if name != "reber" and (not isinstance(T, int) or T < 4):
        raise ValueError(f"T must be an integer >= 4 for task {name!r}; got {T!r}")
    return TASKS[name](T)
