"""Checks of user input at the recurrent layers' public boundary.

Each error names the argument, what was expected and what came. Internals trust what passed
these checks and do not check again.
"""

import numbers

import numpy as np

FLOAT_DTYPES = {"float32": np.float32, "float64": np.float64}


def resolve_dtype(dtype) -> np.dtype:
    """'float32' / 'float64' (or the NumPy types) -> np.dtype."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved.name not in FLOAT_DTYPES:
        raise ValueError(f"dtype must be 'float32' or 'float64'; got {dtype!r}")
    return resolved


def check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def check_sequences(x, name: str, feature_size: int, batch_first: bool, dtype) -> np.ndarray:
    """A 3-D finite array with `feature_size` features, cast to `dtype`."""
    layout = "(N, T, {})" if batch_first else "(T, N, {})"
    expected = layout.format(feature_size)
    try:
        array = np.asarray(x)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array of shape {expected}; got {error}") from None
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
    _check_finite(array, name)
    return array


def check_lengths(lengths, batch: int, steps: int) -> np.ndarray | None:
    """None, or an (N,) integer array with values in 1..T."""
    if lengths is None:
        return None
    array = np.asarray(lengths)
    if array.shape != (batch,):
        raise ValueError(
            f"lengths must have shape ({batch},), one length per sequence; got {array.shape}"
        )
    if array.dtype.kind not in "iu":
        if array.dtype.kind != "f" or not np.all(array == np.round(array)):
            raise TypeError(f"lengths must be integers; got dtype {array.dtype}")
    array = array.astype(np.int64)
    bad = np.flatnonzero((array < 1) | (array > steps))
    if bad.size:
        raise ValueError(
            f"lengths must lie in 1..{steps} (the number of time steps); got "
            f"lengths[{bad[0]}] = {array[bad[0]]}"
        )
    return array


def check_array(value, name: str, shape: tuple, dtype, finite: bool = True) -> np.ndarray:
    """An array of exactly `shape` (finite unless finite=False, cast to dtype)."""
    array = np.asarray(value)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"{name} must hold real numbers; got dtype {array.dtype}")
    if array.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}; got {array.shape}")
    array = array.astype(dtype, copy=False)
    if finite:
        _check_finite(array, name)
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


def _check_finite(array: np.ndarray, name: str) -> None:
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise ValueError(f"{name} contains NaN or infinite values (first at index {where})")


def check_clip(clip) -> float | None:
    """None, or a positive bound for the gate pre-activations."""
    if clip is None:
        return None
    if isinstance(clip, bool) or not isinstance(clip, numbers.Real) or not clip > 0:
        raise ValueError(f"clip must be None or a positive number; got {clip!r}")
    return float(clip)
