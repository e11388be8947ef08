"""Padding of token-id sequences into one (N, T) array."""

import numpy as np

from lstmkit.data.sequences import pad_sequences
from lstmkit.validation import as_array, as_list


def pad_ids(sequences, pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """A list of 1-D integer id arrays -> (ids (N, T_max) int64, lengths (N,) int64).

    Positions past a sequence's length hold `pad_id`; nothing is truncated. Sequences must be
    non-empty (an empty text has no step to run a recurrent layer on).
    """
    if isinstance(pad_id, bool) or not isinstance(pad_id, (int, np.integer)) or pad_id < 0:
        raise ValueError(f"pad_id must be a non-negative integer; got {pad_id!r}")
    arrays = [
        as_array(s, f"sequences[{index}]", "a 1-D integer id array")
        for index, s in enumerate(as_list(sequences, "sequences", "a list of id arrays"))
    ]
    for index, array in enumerate(arrays):
        if array.ndim != 1 or (array.size and not np.issubdtype(array.dtype, np.integer)):
            raise ValueError(
                f"sequences[{index}] must be a 1-D integer id array; "
                f"got shape {array.shape}, dtype {array.dtype}"
            )
    return pad_sequences(arrays, dtype=np.int64, value=pad_id)
