"""Checks of user input at any public boundary, on the bottom floor: every floor may use them.

Each error names the argument, what was expected and what came. Internals trust what passed
these checks and do not check again. Checks that belong to one floor (the recurrent layers'
sequences, states and clip) live on that floor and build on these.
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


def check_lengths(lengths, batch: int, steps: int, name: str = "lengths") -> np.ndarray | None:
    """None, or an (N,) integer array with values in 1..T; errors call it `name`."""
    if lengths is None:
        return None
    array = np.asarray(lengths)
    if array.shape != (batch,):
        raise ValueError(
            f"{name} must have shape ({batch},), one length per sequence; got {array.shape}"
        )
    if array.dtype.kind not in "iu":
        if array.dtype.kind != "f" or not np.all(array == np.round(array)):
            raise TypeError(f"{name} must be integers; got dtype {array.dtype}")
    array = array.astype(np.int64)
    bad = np.flatnonzero((array < 1) | (array > steps))
    if bad.size:
        raise ValueError(
            f"{name} must lie in 1..{steps} (the number of time steps); got "
            f"{name}[{bad[0]}] = {array[bad[0]]}"
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
        check_finite(array, name)
    return array


class NonFiniteValuesError(ValueError):
    """An array met a finiteness check holding NaN or infinite values.

    Its own class so that the Trainer can tell, during a training step, an overflow inside the
    network (divergence: the data were checked at fit) from other errors of the step.
    """


def check_finite(array: np.ndarray, name: str) -> None:
    """Raise NonFiniteValuesError naming the first NaN or infinite entry of a float array."""
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise NonFiniteValuesError(
            f"{name} contains NaN or infinite values (first at index {where})"
        )


def integer_array(values, name: str) -> np.ndarray:
    """`values` as an array of integers (ids, indices); an empty list counts as integers."""
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array of integers; got {error}") from None
    if array.dtype.kind not in "iu":
        if array.size == 0 and array.dtype.kind == "f":  # np.asarray([]) is float64
            return array.astype(np.int64)
        raise TypeError(f"{name} must hold integers; got dtype {array.dtype}")
    return array


def check_index_range(array: np.ndarray, name: str, size: int, size_name: str) -> None:
    """Raise ValueError naming the first entry of the integer `array` outside 0..size-1
    (`size_name` says what `size` counts)."""
    bad = np.argwhere((array < 0) | (array >= size))
    if bad.size:
        where = tuple(int(i) for i in bad[0])
        raise ValueError(
            f"{name} must lie in 0..{size - 1} ({size_name} = {size}); "
            f"got {name}[{where}] = {array[where]}"
        )
