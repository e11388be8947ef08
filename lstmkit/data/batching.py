"""Mini-batches of similar lengths, so that padding wastes little work.

The sequences are sorted by length with random tie-breaking, cut into batches of
`batch_size`, and the batches are shuffled: every epoch sees different batches and order,
but each batch holds sequences of nearly equal length. With `shuffle=False` the batches come
in length order (deterministic, for evaluation).
"""

import numpy as np

from lstmkit.random import as_generator


def length_batches(lengths, batch_size: int, rng=None, shuffle: bool = True) -> list[np.ndarray]:
    """Index arrays of mini-batches over items of the given `lengths`. `rng` (None, an int,
    a np.random.Generator or a SeedSequence) draws the tie-breaks and the batch order."""
    lengths = np.asarray(lengths)
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or batch_size < 1
    ):
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
    if shuffle:
        rng = as_generator(rng, "rng")
        tie_break = rng.random(len(lengths))
        order = np.lexsort((tie_break, lengths))
    else:
        order = np.argsort(lengths, kind="stable")
    batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    if shuffle:
        batches = [batches[k] for k in rng.permutation(len(batches))]
    return batches
