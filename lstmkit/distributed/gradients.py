"""Gradient averaging over ranks through ONE flat buffer and ONE in-place Allreduce.

Rank r computed `grads_r`, the gradient of the mean loss over its n_r items of the global
batch of N = sum_r n_r items. The gradient of the mean over the whole global batch is

    grad = sum_r (n_r / N) * grads_r = (1 / N) * sum_r n_r * grads_r

so each rank writes n_r * grads_r into `buffer` (every parameter's gradient side by side), one
Allreduce sums the buffers, and buffer / N is copied back into every gradient. Weighting by n_r
(not 1 / K) keeps the result equal to the one-process gradient when the shares are uneven, as
in a last batch smaller than the others. One message for all parameters, instead of one per
array, pays the network's latency once per step.
"""

import numpy as np


class FlatGradients:
    """The reusable flat buffer of one model's gradients (allocated on first use)."""

    def __init__(self):
        self.buffer = None

    def average(self, communicator, grads: dict, count: int, total: int) -> None:
        """Replace every gradient in `grads` (in place) by its N-weighted mean over the ranks:
        this rank's gradient is that of the mean loss over its `count` items, `total` the
        items of the global batch."""
        arrays = list(grads.values())
        self._allocate(arrays)
        offset = 0
        for grad in arrays:
            part = self.buffer[offset : offset + grad.size]
            np.multiply(grad.reshape(-1), count, out=part)
            offset += grad.size
        communicator.sum_in_place(self.buffer)
        self.buffer /= total
        offset = 0
        for grad in arrays:
            grad[...] = self.buffer[offset : offset + grad.size].reshape(grad.shape)
            offset += grad.size

    def _allocate(self, arrays: list) -> None:
        """A buffer of the gradients' common dtype holding all of them (kept between steps)."""
        size = sum(grad.size for grad in arrays)
        dtype = np.result_type(*arrays)
        if self.buffer is None or self.buffer.size != size or self.buffer.dtype != dtype:
            self.buffer = np.empty(size, dtype=dtype)
