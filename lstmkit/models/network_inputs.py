"""Checks of the task networks' integer inputs (token ids, indices) at their public boundary.

A network embeds its ids before its recurrent layer sees them, so the layer would refuse ids of
the wrong rank as its own "x" with the embedded shape; the networks check the ids first, in
the design's words (DESIGN.md section 5): `ids must have shape (N, T); got (3,)`. Float inputs,
lengths and states are checked by `lstmkit.validation` and by the layers themselves.
"""

import numpy as np

from lstmkit.validation import check_index_range, integer_array


def check_ids(ids, name: str, batch: int | None = None, vocab_size: int | None = None):
    """`ids` as an integer array of shape (N, T) with N, T >= 1.

    `batch`: the N it must have (None: any); `vocab_size`: when given, every id must lie in
    0..vocab_size-1 (for callers that look ids up without an `Embedding`, which checks them).
    """
    array = integer_array(ids, name)
    rows = "N" if batch is None else str(batch)
    if array.ndim != 2 or (batch is not None and array.shape[0] != batch):
        raise ValueError(f"{name} must have shape ({rows}, T); got {array.shape}")
    if 0 in array.shape:
        raise ValueError(f"{name} must have at least one sequence and one step; got {array.shape}")
    if vocab_size is not None:
        check_index_range(array, name, vocab_size, "the vocabulary size")
    return array


def check_index(index, name: str, shape: tuple, size: int, size_name: str) -> np.ndarray:
    """`index` as an integer array of exactly `shape` with values in 0..size-1 (`size_name`
    says what `size` counts, for the error)."""
    array = integer_array(index, name)
    if array.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}; got {array.shape}")
    check_index_range(array, name, size, size_name)
    return array
