"""Checks of user input at the recurrent layers' public boundary.

Each error names the argument, what was expected and what came. Internals trust what passed
these checks and do not check again. The generic checks live in `lstmkit.validation` (the
bottom floor, so that nn/, data/ and models/ use them without importing this floor); they are
re-exported here for the recurrent modules that import them from this module.
"""

import numbers

import numpy as np

from lstmkit.validation import (
    FLOAT_DTYPES,
    as_array,
    check_array,
    check_finite,
    check_flag,
    check_lengths,
    check_positive_int,
    resolve_dtype,
)

__all__ = [
    "FLOAT_DTYPES",
    "check_array",
    "check_clip",
    "check_finite",
    "check_flag",
    "check_lengths",
    "check_positive_int",
    "check_probability",
    "check_sequences",
    "check_state_tuple",
    "resolve_dtype",
]


def check_sequences(x, name: str, feature_size: int, batch_first: bool, dtype) -> np.ndarray:
    """A 3-D finite array with `feature_size` features, cast to `dtype`."""
    layout = "(N, T, {})" if batch_first else "(T, N, {})"
    expected = layout.format(feature_size)
    array = as_array(x, name, f"an array of shape {expected}")
    if array.dtype.kind not in "fiub":
        raise TypeError(f"{name} must hold real numbers; got dtype {array.dtype}")
    if array.ndim != 3 or array.shape[2] != feature_size:
        raise ValueError(
            f"{name} must have shape {expected} with batch_first={batch_first}; "
            f"got {tuple(array.shape)}"
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"{name} must have at least one sequence and one step; got {array.shape}")
    array = array.astype(dtype, copy=False)
    check_finite(array, name)
    return array


def check_state_tuple(
    state, name: str, parts: tuple, shapes: tuple, dtype, finite: bool = True
) -> tuple:
    """None or a tuple of arrays (or Nones) -> a tuple of arrays or Nones, shapes checked.

    `parts` names the members, e.g. ("h_0", "c_0"); errors call them `state[1] (c_0)`. A
    single-member state is the array itself (a 1-tuple holding it is accepted too), so a pair
    of arrays given to a GRU is reported as an array of the wrong shape.
    """
    if state is None:
        return (None,) * len(parts)
    if len(parts) == 1:
        single = isinstance(state, tuple) and len(state) == 1
        state = state if single else (state,)
    if not isinstance(state, (tuple, list)) or len(state) != len(parts):
        got = type(state).__name__
        if isinstance(state, (tuple, list)):
            got += f" of length {len(state)}"
        raise TypeError(f"{name} must be a tuple ({', '.join(parts)}) or None; got {got}")
    labels = (
        [f"{name} ({parts[0]})"]
        if len(parts) == 1
        else [f"{name}[{k}] ({part})" for k, part in enumerate(parts)]
    )
    return tuple(
        None if value is None else check_array(value, label, shape, dtype, finite)
        for value, label, shape in zip(state, labels, shapes, strict=True)
    )


def check_clip(clip) -> float | None:
    """None, or a positive bound for the gate pre-activations."""
    if clip is None:
        return None
    if isinstance(clip, bool) or not isinstance(clip, numbers.Real) or not clip > 0:
        raise ValueError(f"clip must be None or a positive number; got {clip!r}")
    return float(clip)


def check_probability(p, name: str) -> float:
    """A probability in [0, 1) (a regulariser's; 1 would drop everything)."""
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p < 1:
        raise ValueError(f"{name} must be a number in [0, 1); got {p!r}")
    return float(p)
