"""Input checks and the masked reduction shared by the losses of this package."""

import numbers

import numpy as np

REDUCTIONS = ("mean", "sum", "none")


# ---------------------------------------------------------------------------------------------
# Checks at the public boundary, shared by the losses of this package.


def index_of_first(bad: np.ndarray) -> tuple[int, ...]:
    """The index (as a tuple of ints) of the first True of a boolean array."""
    return tuple(int(i) for i in np.unravel_index(int(np.flatnonzero(bad)[0]), bad.shape))


def check_reduction(reduction) -> str:
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none'; got {reduction!r}")
    return reduction


def as_float_array(x, name: str, dtype=None) -> np.ndarray:
    """x as a finite floating array: in `dtype`, or in x's own floating dtype when None."""
    try:
        array = np.asarray(x)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array of real numbers; got {error}") from None
    if array.dtype.kind not in "fiu":
        raise TypeError(f"{name} must hold real numbers; got dtype {array.dtype}")
    array = array.astype(np.result_type(array, np.float32) if dtype is None else dtype, copy=False)
    bad = ~np.isfinite(array)
    if bad.any():
        index = index_of_first(bad)
        raise ValueError(f"{name} must be finite; got {array[index]} at index {index}")
    return array


def check_same_shape(array: np.ndarray, name: str, shape: tuple, reference: str) -> None:
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape} ({reference}); got {array.shape}")


def check_mask(mask, shape: tuple, name_of_shape: str, exact: bool = False) -> np.ndarray | None:
    """None, or a boolean mask of `shape` (exact) or of a leading part of it (not exact)."""
    if mask is None:
        return None
    array = np.asarray(mask)
    if array.dtype != np.bool_:
        raise TypeError(
            f"mask must be a boolean array (True = valid); got dtype {array.dtype} "
            "(convert with mask.astype(bool))"
        )
    if exact:
        check_same_shape(array, "mask", shape, name_of_shape)
    elif array.shape != shape[: array.ndim]:
        raise ValueError(
            f"mask must have {name_of_shape} {shape} or a leading part of it "
            f"(e.g. {shape[:2]}); got {array.shape}"
        )
    return array


def check_positive_float(value, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not np.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"{name} must be a positive finite number; got {value!r}")
    return float(value)


# ---------------------------------------------------------------------------------------------
# The masked reduction shared by the element-wise losses.


def expand_mask(mask: np.ndarray | None, ndim: int) -> np.ndarray | None:
    """A leading-axes mask with axes of size 1 appended up to `ndim` (broadcastable)."""
    if mask is None:
        return None
    return mask.reshape(mask.shape + (1,) * (ndim - mask.ndim))


def valid_count(mask: np.ndarray | None, shape: tuple) -> int:
    """|V|: the number of elements of `shape` that a leading-axes mask leaves valid."""
    if mask is None:
        return int(np.prod(shape, dtype=np.int64))
    return int(mask.sum()) * int(np.prod(shape[mask.ndim :], dtype=np.int64))


def reduce_elementwise(
    values: np.ndarray, grads: list[np.ndarray], mask: np.ndarray | None, reduction: str
):
    """Apply a reduction to element losses `values` and their element gradients `grads`.

    Masked elements are zeroed in both. "mean" divides the sum and every gradient by |V| (the
    number of valid elements), or returns 0 and zero gradients when |V| = 0. The gradients are
    modified in place and returned as a tuple.
    """
    dtype = values.dtype
    valid = expand_mask(mask, values.ndim)
    if valid is not None:
        values = np.where(valid, values, dtype.type(0))
        invalid = ~valid
        for grad in grads:
            np.copyto(grad, 0, where=invalid)
    if reduction == "none":
        return (values, *grads)
    total = values.sum(dtype=np.float64)
    if reduction == "sum":
        return (dtype.type(total), *grads)
    count = valid_count(mask, values.shape)
    if count == 0:
        for grad in grads:
            grad.fill(0)
        return (dtype.type(0), *grads)
    for grad in grads:
        grad /= dtype.type(count)
    return (dtype.type(total / count), *grads)
