"""The temporal order problem (Hochreiter and Schmidhuber 1997, section 5.6, experiment 6).

Symbols, one-hot over 8 inputs in this order: E, B, a, b, c, d, X, Y (TEMPORAL_SYMBOLS).
A sequence starts with E, ends with B (the trigger) and is otherwise random symbols from
{a, b, c, d}, except at two (6a, 4 classes) or three (6b, 8 classes) positions holding X or Y.
Positions below are the paper's, counted from 1:

    6a  length in [100, 110], t1 in [10, 20], t2 in [50, 60]
        classes  X,X -> Q   X,Y -> R   Y,X -> S   Y,Y -> U        (class ids 0..3)
    6b  length in [100, 110], t1 in [10, 20], t2 in [33, 43], t3 in [66, 76]
        classes  XXX -> Q, XXY -> R, XYX -> S, XYY -> U, YXX -> V, YXY -> A, YYX -> B,
                 YYY -> C                                         (class ids 0..7)

so the class id is the X/Y pattern read as a binary number (X = 0, Y = 1). The target is given
only at the sequence end; a sequence is classified correctly when the absolute error of every
output unit is below 0.3 (TEMPORAL_ORDER_TOLERANCE) against the one-hot target.
`scale` stretches all lengths and positions (scale 2: length 200-220, ...) for longer lags.
"""

import numpy as np

from lstmkit.data.synthetic.base import SyntheticSequences, check_count, one_hot
from lstmkit.random import as_generator

TEMPORAL_SYMBOLS = ("E", "B", "a", "b", "c", "d", "X", "Y")
TEMPORAL_ORDER_TOLERANCE = 0.3

# 1-based inclusive ranges of the relevant positions, per number of classes
_POSITIONS = {4: ((10, 20), (50, 60)), 8: ((10, 20), (33, 43), (66, 76))}
_LENGTH = (100, 110)


def temporal_order(n, classes=4, *, scale=1, seed=None, dtype="float32") -> SyntheticSequences:
    """n sequences of task 6a (classes=4) or 6b (classes=8): x (n, L_max, 8), y (n,) class ids."""
    n = check_count(n, "n")
    scale = check_count(scale, "scale")
    if classes not in _POSITIONS:
        raise ValueError(f"classes must be 4 or 8; got {classes!r}")
    rng = as_generator(seed)
    lengths = rng.integers(_LENGTH[0] * scale, _LENGTH[1] * scale, endpoint=True, size=n)
    steps = int(lengths.max())
    ids = rng.integers(2, 6, size=(n, steps))  # a, b, c, d
    rows = np.arange(n)
    ids[:, 0] = 0  # E
    ids[rows, lengths - 1] = 1  # B, the trigger
    ids[np.arange(steps)[None, :] >= lengths[:, None]] = -1  # padding
    y = np.zeros(n, dtype=np.int64)
    for low, high in _POSITIONS[classes]:
        position = rng.integers(low * scale, high * scale, endpoint=True, size=n) - 1
        bit = rng.integers(0, 2, size=n)
        ids[rows, position] = 6 + bit  # X or Y
        y = 2 * y + bit
    return SyntheticSequences(one_hot(ids, len(TEMPORAL_SYMBOLS), dtype), lengths, y)
