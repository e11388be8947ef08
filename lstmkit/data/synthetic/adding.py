"""The adding problem: remember two marked real values over a long lag and output their sum.

`adding_problem` is the task as Hochreiter and Schmidhuber (1997, section 5.4, experiment 4)
define it. Each step is a pair (value, marker), value ~ U[-1, 1]. With T the minimal length:

    length   L ~ uniform integer in [T, T + T/10]
    marker   -1 at the first and the last step, 0 elsewhere, except two steps marked 1:
             p1 ~ one of the first ten steps                 (X1 = its value)
             p2 ~ one of the first T/2 - 1 still unmarked steps  (X2 = its value)
             a marked first step carries value 0 ("X1 is set to zero" in the paper)
    target   0.5 + (X1 + X2) / 4        (the sum scaled into [0, 1])
    correct  |prediction - target| < 0.04  (ADDING_TOLERANCE)

The paper's LSTM got at most 3 of 2560 test sequences wrong for T = 100, 500 and 1000.

`fixed_adding_problem` is the later, easier variant (fixed length T, values ~ U[0, 1], one
marker of 1 in each half, target X1 + X2), as used by e.g. Le et al. (2015) and Arjovsky et
al. (2016); its trivial baseline (always predict 1) has mean squared error 1/6.
"""

import numpy as np

from lstmkit.data.synthetic.base import SyntheticSequences, check_count
from lstmkit.random import as_generator

ADDING_TOLERANCE = 0.04


def adding_problem(n, T, *, seed=None, dtype="float32") -> SyntheticSequences:
    """n sequences of the 1997 adding problem with minimal length T (T >= 10).

    Returns x (n, L_max, 2) = (value, marker), lengths (n,) in [T, T + T // 10], y (n,) the
    targets 0.5 + (X1 + X2) / 4.
    """
    n = check_count(n, "n")
    T = check_count(T, "T", 10)  # the first mark lies in the first ten steps
    rng = as_generator(seed)
    lengths = rng.integers(T, T + T // 10, endpoint=True, size=n)
    x = np.zeros((n, int(lengths.max()), 2), dtype=dtype)
    rows = np.arange(n)
    steps = np.arange(x.shape[1])
    valid = steps[None, :] < lengths[:, None]
    x[..., 0] = np.where(valid, rng.uniform(-1.0, 1.0, size=valid.shape), 0.0)
    x[rows, 0, 1] = -1.0
    x[rows, lengths - 1, 1] = -1.0
    first = rng.integers(0, 10, size=n)
    # the second mark: one of the first T/2 - 1 steps other than the first mark, i.e. an index
    # k in 0..T/2 - 2 counted over the steps that skip `first`
    k = rng.integers(0, T // 2 - 1, size=n)
    second = k + (k >= first)
    for marked in (first, second):
        x[rows, marked, 1] = 1.0
    # a mark on the first step (whose marker would be -1) carries the value 0
    x[rows[(first == 0) | (second == 0)], 0, 0] = 0.0
    total = x[rows, first, 0].astype(np.float64) + x[rows, second, 0]
    y = (0.5 + total / 4.0).astype(dtype)
    return SyntheticSequences(x, lengths.astype(np.int64), y)


def fixed_adding_problem(n, T, *, seed=None, dtype="float32") -> SyntheticSequences:
    """n sequences of the fixed-length adding problem: x (n, T, 2), y = X1 + X2 in [0, 2]."""
    n = check_count(n, "n")
    T = check_count(T, "T", 2)
    rng = as_generator(seed)
    x = np.zeros((n, T, 2), dtype=dtype)
    x[..., 0] = rng.uniform(0.0, 1.0, size=(n, T))
    rows = np.arange(n)
    first = rng.integers(0, T // 2, size=n)
    second = rng.integers(T // 2, T, size=n)
    x[rows, first, 1] = 1.0
    x[rows, second, 1] = 1.0
    y = (x[rows, first, 0].astype(np.float64) + x[rows, second, 0]).astype(dtype)
    return SyntheticSequences(x, np.full(n, T, dtype=np.int64), y)
