"""How a padded batch is arranged inside a recurrent layer.

Inside the layer, sequences are time-major `(T, N, F)` and sorted by decreasing length, so the
sequences still running at step t are the first `batch_sizes[t]` rows: every per-step operation
works on a contiguous prefix `[:n]`, and rows that have ended are simply left alone (their state
stays frozen at its last valid step, their outputs stay zero). Users never see the sorting:
`to_internal` and `to_user` apply and undo it.

The reverse direction runs over each sequence's own valid prefix, backwards: `reverse` maps
time step t of sequence j to `lengths[j] - 1 - t` for t < lengths[j] and leaves the padding
where it is. It is its own inverse, so the same call flips inputs in and outputs back.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BatchLayout:
    """The sorting and per-step batch sizes of one padded batch of N sequences of T steps."""

    order: np.ndarray | None  # sorted row -> user row; None when no reordering is needed
    lengths: np.ndarray  # (N,) lengths in sorted order (non-increasing)
    batch_sizes: tuple  # (T,) number of sequences still running at each step
    reverse_index: np.ndarray | None  # (T, N) time index of `reverse`; None: plain flip

    @classmethod
    def build(cls, lengths: np.ndarray | None, batch: int, steps: int) -> "BatchLayout":
        """Layout for user `lengths` (already validated: ints in 1..steps), or all full."""
        if lengths is None or np.all(lengths == steps):
            full = np.full(batch, steps, dtype=np.int64)
            return cls(order=None, lengths=full, batch_sizes=(batch,) * steps, reverse_index=None)
        order = np.argsort(-lengths, kind="stable")
        sorted_lengths = lengths[order]
        batch_sizes = tuple(
            int(n) for n in (sorted_lengths[None, :] > np.arange(steps)[:, None]).sum(1)
        )
        t = np.arange(steps)[:, None]
        reverse_index = np.where(t < sorted_lengths[None, :], sorted_lengths[None, :] - 1 - t, t)
        return cls(
            order=order,
            lengths=sorted_lengths,
            batch_sizes=batch_sizes,
            reverse_index=reverse_index,
        )

    @property
    def inverse_order(self) -> np.ndarray | None:
        return None if self.order is None else np.argsort(self.order)

    def to_internal(self, x: np.ndarray, batch_first: bool) -> np.ndarray:
        """User sequences (N, T, F) or (T, N, F) -> a new time-major, sorted (T, N, F) array."""
        time_major = x.transpose(1, 0, 2) if batch_first else x
        if self.order is not None:
            return np.ascontiguousarray(time_major[:, self.order])
        return np.array(time_major, order="C", copy=True)

    def to_user(self, x: np.ndarray, batch_first: bool) -> np.ndarray:
        """Inverse of `to_internal`: a new array in the user's layout and batch order."""
        if self.order is not None:
            x = x[:, self.inverse_order]
        return np.ascontiguousarray(x.transpose(1, 0, 2) if batch_first else x)

    def states_to_internal(self, states: np.ndarray) -> np.ndarray:
        """(L, N, F) states in user batch order -> a new array in sorted order."""
        return states[:, self.order] if self.order is not None else states.copy()

    def states_to_user(self, states: np.ndarray) -> np.ndarray:
        """(L, N, F) states in sorted order -> user batch order."""
        return states[:, self.inverse_order] if self.order is not None else states

    def reverse(self, x: np.ndarray) -> np.ndarray:
        """Reverse each sequence's valid prefix in time; (T, N, F) -> new (T, N, F)."""
        if self.reverse_index is None:
            return np.ascontiguousarray(x[::-1])
        return x[self.reverse_index, np.arange(x.shape[1])[None, :]]

    def zero_padding(self, sequence: np.ndarray) -> None:
        """Set every row past its sequence's length of a time-major (T, N, ...) array to 0."""
        if self.order is None:
            return  # every sequence is full: there is no padding
        ended = self.lengths[None, :] <= np.arange(sequence.shape[0])[:, None]
        sequence[ended] = 0

    def final(self, sequence: np.ndarray) -> np.ndarray:
        """(T+1, N, F) states over time, with the initial state at 0 -> (N, F) last valid."""
        return sequence[self.lengths, np.arange(sequence.shape[1])]


def contiguous_t(weight: np.ndarray) -> np.ndarray:
    """weight.T as a C-contiguous copy, for the products `h @ weight.T` of the time loops.

    OpenBLAS runs `h @ W` with a contiguous (H, G*H) right operand 1.1-1.6x faster than with the
    transposed view W.T at the recurrent shapes (N = 32-128, H = 128-512, one thread): the copy,
    made once per forward pass, is paid back within a step or two.
    """
    return np.ascontiguousarray(weight.T)


def gradient_buffer(dy: np.ndarray, dy_writable: bool, layout: BatchLayout) -> np.ndarray:
    """dy's values (T, N, H) in an array a backward scan may write its per-step gradients
    over: dy itself when its caller gave it up (`dy_writable`) and it is C-contiguous, else a
    copy. The rows past each length are zeroed (dy may hold anything there, and the weight
    gradients sum over every row).

    A scan that reads dy[t] before writing its own gradient of step t there then needs no
    second (T, N, H) array: a training step's peak memory is one such array lower.
    """
    if not (dy_writable and dy.flags.c_contiguous):
        dy = np.array(dy, order="C", copy=True)
    layout.zero_padding(dy)
    return dy
