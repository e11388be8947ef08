"""Checks of user input at any public boundary, on the bottom floor: every floor may use them.

Each error names the argument, what was expected and what came. Internals trust what passed
these checks and do not check again. Checks that belong to one floor (the recurrent layers'
sequences, states and clip) live on that floor and build on these.
"""

import numbers
from collections.abc import Mapping, Set

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


def check_flag(value, name: str) -> bool:
    """True or False (NumPy's too); a string such as "false", which bool() reads as True, or a
    number is refused naming `name`."""
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def check_non_negative_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer; got {value!r}")
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
    array = as_array(value, name, "an array of real numbers")
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
    array = as_array(values, name, "an array of integers")
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


def describe(value) -> str:
    """What came, in words for an error message: the type, with a short repr where it helps
    ("None", "a dict {'a': 1}", "a string 'abc'", "an array of shape (3,) and dtype <U1")."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, np.generic):  # np.str_('a') reads better as 'a'
        value = value.item()
    kind = "string" if isinstance(value, str) else type(value).__name__
    article = "an" if kind[0] in "aeiou" else "a"
    shown = repr(value)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return f"{article} {kind} {shown}"


def as_list(values, name: str, expected: str) -> list:
    """`values` (a list, tuple, array or other iterable, in order) as a list; None, a single
    string, a mapping, a set or something not iterable is refused with a TypeError saying
    `name` must be `expected` (e.g. "a list of strings") and what came."""
    unordered = isinstance(values, str | bytes | Mapping | Set)
    if values is None or unordered or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be {expected}; got {describe(values)}")
    return list(values)


def float_array(values, name: str) -> np.ndarray:
    """`values` (an array or nested lists of numbers) as a float64 array.

    Errors name `name` and what came: something that is no array at all (None, a dict, a
    string), a sparse matrix, complex numbers, nested lists of different lengths, or the first
    entry that is not a number, with its index. Numbers given as strings ("1.5") convert, as
    NumPy converts them.
    """
    array = as_array(values, name, "an array of numbers")
    if np.iscomplexobj(array):
        raise ValueError(
            f"Complex data not supported: {name} must hold real numbers; got dtype {array.dtype}"
        )
    try:
        return array.astype(np.float64)
    except (TypeError, ValueError) as error:
        raise _not_a_number(array, name, error) from None


def as_array(values, name: str, expected: str) -> np.ndarray:
    """np.asarray(values), refusing what is no array at all (None, a string, a mapping, a set,
    a sparse matrix) and nested lists of different lengths, naming `name` and `expected`."""
    if values is None or isinstance(values, str | bytes | Mapping | Set):
        raise TypeError(f"{name} must be {expected}; got {describe(values)}")
    if type(values).__module__.startswith("scipy.sparse"):
        raise TypeError(
            f"{name} is a scipy sparse matrix; sparse input is not supported: pass a dense "
            f"array ({name}.toarray())"
        )
    try:
        return np.asarray(values)
    except ValueError:  # NumPy's "inhomogeneous shape": nested lists of different lengths
        raise ValueError(f"{name} is ragged: {_ragged_entry(values, name)}") from None


def _not_a_number(array: np.ndarray, name: str, error: Exception) -> Exception:
    """The error for the first entry of `array` that float() refuses (ValueError for a
    string, TypeError for any other object; the latter keeps Python's reason, which
    scikit-learn's checks look for)."""
    for index in np.ndindex(array.shape):
        item = array[index]
        try:
            float(item)
        except (TypeError, ValueError) as reason:
            where = f"{name}{_position(index)} holds {describe(item)}; expected numbers"
            if isinstance(item, str | bytes):
                return ValueError(where)
            return TypeError(where if item is None else f"{where} ({reason})")
    return TypeError(f"{name} must hold numbers; {error}")


def _ragged_entry(values, name: str) -> str:
    """Where nested lists first stop matching the shape their first entries give (depth first),
    e.g. "X[1] has 1 entry where X[0] has 2"."""
    expected, first = [], values
    while _is_list(first):
        expected.append(len(first))
        if not len(first):
            break
        first = first[0]

    def walk(item, index: tuple):
        depth = len(index)
        if depth < len(expected) and not _is_list(item):
            return f"{name}{_position(index)} is {describe(item)} where a list was expected"
        if depth >= len(expected):
            if _is_list(item):
                return f"{name}{_position(index)} is a list where a number was expected"
            return None
        if len(item) != expected[depth]:
            return (
                f"{name}{_position(index)} has {len(item)} "
                f"{'entry' if len(item) == 1 else 'entries'} where "
                f"{name}{_position((0,) * depth)} has {expected[depth]}"
            )
        for position, entry in enumerate(item):
            found = walk(entry, index + (position,))
            if found:
                return found
        return None

    return walk(values, ()) or "its nested lists differ in length"


def _is_list(value) -> bool:
    return isinstance(value, list | tuple) or (isinstance(value, np.ndarray) and value.ndim > 0)


def _position(index: tuple) -> str:
    return "".join(f"[{i}]" for i in index)


def check_observed(columns: np.ndarray, name: str) -> None:
    """Raise ValueError when a column of the 2-D `columns` (rows: observations, columns:
    channels of `name`) holds only NaN: a model fitted to it learns nothing from that
    channel, and would read it unscaled at prediction."""
    empty = np.flatnonzero(np.all(np.isnan(columns), axis=0))
    if empty.size and empty.size == columns.shape[1]:
        raise ValueError(f"{name} holds no finite value: every value is NaN; nothing to learn from")
    if empty.size:
        raise ValueError(
            f"{name} holds no finite value in channel {empty[0]} (it is NaN everywhere); "
            "drop that channel or fill it"
        )


def check_spread(spread: np.ndarray, name: str, what: str) -> None:
    """Raise ValueError when a standard deviation computed from `name` (of its `what`)
    overflowed: values past about 1e154 overflow float64 when squared, and dividing by an
    infinite scale would silently turn every value into 0."""
    if np.all(np.isfinite(spread)):
        return
    where = tuple(int(i) for i in np.argwhere(~np.isfinite(spread))[0])
    raise ValueError(
        f"{name} holds values too large to scale: the standard deviation of its {what} "
        f"overflows float64 (first at index {where}); divide {name} by a power of ten first"
    )
