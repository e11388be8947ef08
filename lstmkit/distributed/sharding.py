"""Which part of a global batch each rank trains on.

Every rank draws the same global batches (the batch order comes from the same seed on every
rank), and rank r of K takes the contiguous block `share(n, r, K)` of each batch's n items:
blocks differ in size by at most one, the first `n % K` ranks holding one more, so rank 0
always has an item when the batch has one. A rank whose block is empty (a batch of fewer than
K items) trains on nothing that step and weighs 0 in the gradient average.
"""


def share(n: int, rank: int, size: int) -> slice:
    """The slice of items [0, n) that rank `rank` of `size` takes (see the module docstring)."""
    base, extra = divmod(n, size)
    start = rank * base + min(rank, extra)
    return slice(start, start + base + (1 if rank < extra else 0))


class ShardedData:
    """A data set (`len`, `lengths`, `batch(indices)`, as `lstmkit.data.SequenceData`) whose
    batches are this rank's share of the batch asked for: batching (by length, shuffled) sees
    every item, as in one process, and only the building of a batch is split.

    `batch(indices)` is `data.batch(indices[share(len(indices), rank, size)])`, or None when
    that share is empty.
    """

    def __init__(self, data, rank: int, size: int):
        self.data, self.rank, self.size = data, rank, size

    def __len__(self) -> int:
        return len(self.data)

    @property
    def lengths(self):
        return self.data.lengths

    def batch(self, indices):
        part = indices[share(len(indices), self.rank, self.size)]
        return self.data.batch(part) if len(part) else None
