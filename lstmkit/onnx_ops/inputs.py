"""Checks of the ONNX recurrent operators' inputs and attributes.

Every error names the ONNX input or attribute, what was expected and what came.
"""

import numpy as np

DIRECTIONS = {"forward": (False,), "reverse": (True,), "bidirectional": (False, True)}


def check_direction(direction) -> tuple:
    """'forward' | 'reverse' | 'bidirectional' -> per-direction 'runs reversed' flags."""
    if direction not in DIRECTIONS:
        raise ValueError(
            f"direction must be 'forward', 'reverse' or 'bidirectional'; got {direction!r}"
        )
    return DIRECTIONS[direction]


def check_flag(value, name: str) -> bool:
    if value not in (0, 1) or isinstance(value, float):
        raise ValueError(f"{name} must be 0 or 1; got {value!r}")
    return bool(value)


def check_X(X, layout: int) -> np.ndarray:
    """X: 3-D float32/float64, [seq_length, batch_size, input_size] (layout 0) or
    [batch_size, seq_length, input_size] (layout 1)."""
    if layout not in (0, 1) or isinstance(layout, (bool, float)):
        raise ValueError(f"layout must be 0 or 1; got {layout!r}")
    X = np.asarray(X)
    if X.dtype not in (np.float32, np.float64):
        raise TypeError(f"X must be float32 or float64; got dtype {X.dtype}")
    expected = (
        "[seq_length, batch_size, input_size]"
        if layout == 0
        else ("[batch_size, seq_length, input_size]")
    )
    if X.ndim != 3 or 0 in X.shape:
        raise ValueError(
            f"X must be a non-empty 3-D tensor {expected} (layout={layout}); got shape {X.shape}"
        )
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinite values")
    return X


def check_tensor(value, name: str, shape: tuple, dtype, meaning: str) -> np.ndarray | None:
    """An optional input of exactly `shape`, cast to dtype; None stays None."""
    if value is None:
        return None
    array = np.asarray(value)
    if array.dtype.kind not in "fiu":
        raise TypeError(f"{name} must hold numbers; got dtype {array.dtype}")
    if array.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {list(shape)} {meaning}; got {list(array.shape)}")
    array = array.astype(dtype, copy=False)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def hidden_size_of(W, R, gates: int, hidden_size) -> int:
    """The hidden size implied by W and R, checked against the attribute when given."""
    W, R = np.asarray(W), np.asarray(R)
    if W.ndim != 3 or W.shape[1] % gates:
        raise ValueError(
            f"W must have shape [num_directions, {gates}*hidden_size, input_size]; "
            f"got {list(W.shape)}"
        )
    hidden = W.shape[1] // gates
    if hidden_size is not None and hidden_size != hidden:
        raise ValueError(
            f"hidden_size attribute is {hidden_size} but W's shape {list(W.shape)} implies "
            f"{hidden} ({gates} gates)"
        )
    if R.ndim != 3 or R.shape[1:] != (gates * hidden, hidden):
        raise ValueError(
            f"R must have shape [num_directions, {gates * hidden}, {hidden}] "
            f"([num_directions, {gates}*hidden_size, hidden_size]); got {list(R.shape)}"
        )
    return hidden


def check_sequence_lens(sequence_lens, batch: int, steps: int) -> np.ndarray | None:
    """None, or (batch,) integers in 1..seq_length."""
    if sequence_lens is None:
        return None
    lens = np.asarray(sequence_lens)
    if lens.shape != (batch,) or lens.dtype.kind not in "iu":
        raise ValueError(
            f"sequence_lens must be an integer tensor of shape [{batch}] (batch_size); got "
            f"shape {list(lens.shape)} of {lens.dtype}"
        )
    bad = np.flatnonzero((lens < 1) | (lens > steps))
    if bad.size:
        raise ValueError(
            f"sequence_lens must lie in 1..{steps} (seq_length); got sequence_lens[{bad[0]}] = "
            f"{lens[bad[0]]}"
        )
    return lens.astype(np.int64)
