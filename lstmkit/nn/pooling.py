"""Heads that reduce a padded batch of sequences (N, T, F) to one vector per sequence (N, F).

Each takes optional `lengths` (N,) ints in 1..T: only the first lengths[n] steps of sequence n
are valid; the steps past it (padding) never reach the output and get zero gradient.

Which head for which encoder: for a unidirectional recurrent layer the output at the last
valid step has read the whole sequence, so `LastStep` fits. For a bidirectional one it does
not: at the last valid step the reverse direction has seen only that one step (its full-
sequence state is at step 0), so use `MeanPool` or `MaxPool`, or the layer's final state h_n.
"""

import numpy as np

from lstmkit.errors import NoForwardPassError
from lstmkit.module import Module
from lstmkit.validation import check_array, check_flag, check_lengths


class _SequencePool(Module):
    """Shared checks and layout; subclasses define `_pool` and `_unpool` on (N, T, F) arrays."""

    def __init__(self, batch_first=True):
        super().__init__()
        self.batch_first = check_flag(batch_first, "batch_first")
        self._cache = None

    def forward(self, y, lengths=None):
        """out (N, F) for y (N, T, F) (or (T, N, F) with batch_first=False) and lengths (N,)."""
        y = np.asarray(y)
        y = check_array(y, "y", y.shape, y.dtype if y.dtype in _FLOATS else np.float32)
        layout = "(N, T, F)" if self.batch_first else "(T, N, F)"
        if y.ndim != 3 or 0 in y.shape:
            raise ValueError(
                f"y must have shape {layout} with batch_first={self.batch_first}, no axis "
                f"empty; got {y.shape}"
            )
        if not self.batch_first:
            y = y.transpose(1, 0, 2)
        batch, steps = y.shape[:2]
        lengths = check_lengths(lengths, batch, steps)
        if lengths is None:
            lengths = np.full(batch, steps, dtype=np.int64)
        out, saved = self._pool(y, lengths)
        self._cache = (y.shape, y.dtype, lengths, saved)
        return out

    def backward(self, dout):
        """dy (same layout as y) for dout = dL/dout (N, F); zero at padded steps."""
        if self._cache is None:
            raise NoForwardPassError(
                f"{type(self).__name__}.backward called before forward: run forward(y) first"
            )
        shape, dtype, lengths, saved = self._cache
        dout = check_array(dout, "dout", (shape[0], shape[2]), dtype)
        dy = self._unpool(dout, shape, lengths, saved)
        return dy if self.batch_first else dy.transpose(1, 0, 2)

    def _pool(self, y, lengths):
        raise NotImplementedError

    def _unpool(self, dout, shape, lengths, saved):
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({'' if self.batch_first else 'batch_first=False'})"


_FLOATS = (np.float32, np.float64)


def _valid_steps(lengths: np.ndarray, steps: int) -> np.ndarray:
    """(N, T) bool: True at t < lengths[n]."""
    return np.arange(steps)[None, :] < lengths[:, None]


class LastStep(_SequencePool):
    """The output at each sequence's last valid step.

    Equations (n over the batch):

        out[n] = y[n, lengths[n] - 1]          (y[n, T - 1] without lengths)
        dy[n, lengths[n] - 1] = dout[n];  dy = 0 elsewhere

    Meant for unidirectional encoders: for a bidirectional LSTM the last valid step's output
    holds the reverse direction's state after only one step (that direction starts there), so
    use `MeanPool` / `MaxPool` or the final state h_n instead.

    Args:
        batch_first: y is (N, T, F) if True (the default), else (T, N, F).

    Float32 and float64 inputs keep their dtype; other real inputs are cast to float32.
    """

    def _pool(self, y, lengths):
        last = lengths - 1
        return y[np.arange(y.shape[0]), last].copy(), last

    def _unpool(self, dout, shape, lengths, last):
        dy = np.zeros(shape, dout.dtype)
        dy[np.arange(shape[0]), last] = dout
        return dy


class MeanPool(_SequencePool):
    """The mean of each sequence's outputs over its valid steps.

    Equations (n over the batch, L = lengths[n], T without lengths):

        out[n] = (1 / L) sum_{t < L} y[n, t]
        dy[n, t] = dout[n] / L for t < L;  dy[n, t] = 0 for t >= L

    Suits bidirectional encoders (every step contributes both directions' views), and
    unidirectional ones.

    Args:
        batch_first: y is (N, T, F) if True (the default), else (T, N, F).

    Float32 and float64 inputs keep their dtype; other real inputs are cast to float32.
    """

    def _pool(self, y, lengths):
        valid = _valid_steps(lengths, y.shape[1])
        total = np.where(valid[:, :, None], y, 0).sum(axis=1)
        return total / lengths[:, None].astype(y.dtype), None

    def _unpool(self, dout, shape, lengths, saved):
        valid = _valid_steps(lengths, shape[1])
        share = dout / lengths[:, None].astype(dout.dtype)
        return np.where(valid[:, :, None], share[:, None, :], 0).astype(dout.dtype, copy=False)


class MaxPool(_SequencePool):
    """The element-wise maximum of each sequence's outputs over its valid steps.

    Equations (n over the batch, f over features, L = lengths[n], T without lengths):

        argmax[n, f] = the first t < L where y[n, t, f] is largest
        out[n, f]    = y[n, argmax[n, f], f]
        dy[n, argmax[n, f], f] = dout[n, f];  dy = 0 elsewhere (ties: the first step only)

    Suits bidirectional encoders, and unidirectional ones.

    Args:
        batch_first: y is (N, T, F) if True (the default), else (T, N, F).

    Float32 and float64 inputs keep their dtype; other real inputs are cast to float32.
    """

    def _pool(self, y, lengths):
        valid = _valid_steps(lengths, y.shape[1])
        masked = np.where(valid[:, :, None], y, -np.inf)
        argmax = masked.argmax(axis=1)  # (N, F); argmax returns the first maximum
        out = np.take_along_axis(y, argmax[:, None, :], axis=1)[:, 0, :]
        return out, argmax

    def _unpool(self, dout, shape, lengths, argmax):
        dy = np.zeros(shape, dout.dtype)
        np.put_along_axis(dy, argmax[:, None, :], dout[:, None, :], axis=1)
        return dy
