"""Embedding: a lookup table from integer ids to learned vectors."""

import numbers

import numpy as np

from lstmkit.errors import NoForwardPassError
from lstmkit.module import Module, parameter_array
from lstmkit.random import as_generator
from lstmkit.validation import (
    check_array,
    check_index_range,
    check_positive_int,
    integer_array,
    resolve_dtype,
)


class Embedding(Module):
    """A table of `num_embeddings` vectors of size `embedding_dim`, looked up by integer id.

    Equations (V = num_embeddings, E = embedding_dim, `...` any shape of ids):

        y[..., :] = weight[ids[...], :]               ids (...) ints in 0..V-1, y (..., E)

    Backward, for dy = dL/dy: every id's row of the gradient receives the sum of its
    positions' dy (ids that occur several times accumulate, through `np.add.at`):

        dweight[v] += sum of dy[...] over the positions where ids[...] == v  (v != padding_idx)

    The ids are not differentiable, so `backward` returns None.

    Args:
        num_embeddings: V, the number of rows (the vocabulary size).
        embedding_dim: E, the size of each vector.
        padding_idx: None or a row (negative counts from the end, as in torch): that row starts
            at zero and never receives gradient, so it stays what it is (zero unless loaded).
        dtype: "float32" (default) or "float64".
        seed: None, an int, a np.random.Generator or a SeedSequence (lstmkit.random): the
            initialisation draws from it only (a Generator is used, so advanced).

    `weight` starts N(0, 1), as torch.nn.Embedding's.

    Example:
        >>> m = Embedding(10, 3, padding_idx=0, seed=0)
        >>> m(np.array([[1, 2, 0]])).shape
        (1, 3, 3)
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, dtype="float32", seed=None):
        super().__init__()
        self.num_embeddings = check_positive_int(num_embeddings, "num_embeddings")
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        self.padding_idx = _check_padding_idx(padding_idx, self.num_embeddings)
        self.dtype = resolve_dtype(dtype)
        self._init_rng = as_generator(seed)
        shape = (self.num_embeddings, self.embedding_dim)
        self.weight = self.add_parameter("weight", parameter_array(shape, self.dtype))
        self._ids = None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight ~ N(0, 1), then the padding row set to zero."""
        self.weight[...] = self._init_rng.standard_normal(self.weight.shape)
        if self.padding_idx is not None:
            self.weight[self.padding_idx] = 0

    def forward(self, ids):
        """y (..., embedding_dim) for integer ids of any shape."""
        ids = self._check_ids(ids)
        self._ids = ids
        return np.take(self.weight, ids, axis=0)  # a copy, even for a single id

    def backward(self, dy):
        """Adds dL/dweight into `grads` for dy = dL/dy; returns None (ids have no gradient)."""
        if self._ids is None:
            raise NoForwardPassError(
                "Embedding.backward called before forward: run forward(ids) first"
            )
        ids = self._ids
        dy = check_array(dy, "dy", ids.shape + (self.embedding_dim,), self.dtype)
        rows = ids.reshape(-1)
        dy_rows = dy.reshape(-1, self.embedding_dim)
        if self.padding_idx is not None:
            keep = rows != self.padding_idx
            rows, dy_rows = rows[keep], dy_rows[keep]
        np.add.at(self._own_grads["weight"], rows, dy_rows)
        return None

    def _check_ids(self, ids) -> np.ndarray:
        array = integer_array(ids, "ids")
        check_index_range(array, "ids", self.num_embeddings, "num_embeddings")
        return array.astype(np.intp, copy=False)

    def __repr__(self) -> str:
        extra = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        if self.dtype != np.float32:
            extra += f", dtype='{self.dtype.name}'"
        return f"Embedding({self.num_embeddings}, {self.embedding_dim}{extra})"


def _check_padding_idx(padding_idx, num_embeddings: int) -> int | None:
    if padding_idx is None:
        return None
    valid = isinstance(padding_idx, numbers.Integral) and not isinstance(padding_idx, bool)
    if not valid or not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(
            f"padding_idx must be None or an integer in -{num_embeddings}..{num_embeddings - 1} "
            f"(num_embeddings = {num_embeddings}); got {padding_idx!r}"
        )
    return int(padding_idx) % num_embeddings
