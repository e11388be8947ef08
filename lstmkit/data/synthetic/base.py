"""What every synthetic task generator returns, and the checks they share."""

import numbers
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SyntheticSequences:
    """A padded batch of generated sequences.

    x (N, T_max, I) float: the inputs, zero past each sequence's length.
    lengths (N,) int: the valid steps of each sequence.
    y: the targets; (N,) floats for regression at the sequence end, (N,) class ids for
        classification at the end, (N, T_max) symbol ids for per-step targets (-1 past the
        length and wherever the step has no target).
    legal (N, T_max, C) bool or None: for next-symbol prediction, the symbols that may legally
        come next after each step (the embedded Reber grammar).
    """

    x: np.ndarray
    lengths: np.ndarray
    y: np.ndarray
    legal: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.lengths)


def check_count(value, name: str, minimum: int = 1) -> int:
    """An integer >= minimum, or a ValueError naming the argument."""
    valid = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not valid or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def one_hot(ids: np.ndarray, size: int, dtype) -> np.ndarray:
    """(N, T) ids in 0..size-1 (or -1 for none) -> (N, T, size), rows of -1 all zero."""
    out = np.zeros((*ids.shape, size), dtype=dtype)
    n, t = np.nonzero(ids >= 0)
    out[n, t, ids[n, t]] = 1
    return out
