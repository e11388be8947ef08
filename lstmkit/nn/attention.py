"""Attention over a padded encoder output: additive (Bahdanau) and multiplicative (Luong).

Shape legend: N batch, S source steps, K key (encoder output) size, Q query size, A the
additive attention's hidden size. The keys are also the values.

    scores e_s (N, S), one per source position s, for a query q (N, Q) and keys k_s (N, S, K):
        "luong_dot":      e_s = q . k_s                                    (Q = K)
        "luong_general":  e_s = q . (weight k_s)          weight (Q, K)
        "bahdanau":       e_s = v . tanh(weight_query q + weight_key k_s + bias)
                                weight_query (A, Q), weight_key (A, K), bias (A,), v (A,)
    weights  a = softmax over s of e, with e_s = -inf where mask[n, s] is False
    context  c = sum_s a_s k_s                                            (N, K)

Masked (padded) positions get a weight of exactly 0 (exp(-inf) = 0) and so no gradient; every
row needs at least one valid position. The part of the scores that depends on the keys only,
`projected` = weight k (general) or weight_key k + bias (additive), is the same for every
query: `memory(keys, mask)` computes it once per source batch and a decoder then calls `step`
once per output step. Backward, for dc = dL/dc and da = dL/da (if the weights are used too):

    da_s += dc . k_s            de_s = a_s * (da_s - sum_r a_r da_r)     dk_s += a_s dc
    dot:      dq = sum_s de_s k_s                  dk_s += de_s q
    general:  dq = sum_s de_s p_s                  dp_s = de_s q   (p = projected)
    additive: u = tanh(p_s + weight_query q),      du = de_s v * (1 - u^2),  dv += sum de_s u
              dq = (sum_s du) weight_query         dp_s = du
    and at the end, over all steps:  dweight += dp^T k,  dk += dp weight  (general),
                                     dweight_key += dp^T k, dbias += sum dp, dk += dp weight_key

`step_backward` accumulates dp and dk in the memory and the query-side parameter gradients in
the module; `memory_backward` adds the key-side ones and returns dL/dkeys.
"""

from dataclasses import dataclass

import numpy as np

from lstmkit.errors import NoForwardPassError
from lstmkit.module import Module, parameter_array
from lstmkit.random import as_generator
from lstmkit.validation import check_positive_int, resolve_dtype

KINDS = ("bahdanau", "luong_dot", "luong_general")


@dataclass
class AttentionMemory:
    """The keys of one source batch, with what every query reuses and gradient accumulators."""

    keys: np.ndarray  # (N, S, K)
    mask: np.ndarray  # (N, S) bool, True at valid positions
    projected: np.ndarray | None  # (N, S, A) additive, (N, S, Q) general, None for dot
    dkeys: np.ndarray | None = None  # (N, S, K) accumulated by step_backward
    dprojected: np.ndarray | None = None  # like projected


@dataclass
class AttentionStepCache:
    """What one query's step keeps for its backward pass."""

    query: np.ndarray  # (N, Q)
    weights: np.ndarray  # (N, S)
    hidden: np.ndarray | None  # (N, S, A) u = tanh(...) of the additive score


class Attention(Module):
    """Attention of a query over encoder outputs (see the module docstring for the equations).

    Args:
        query_size: Q, the size of the query (the decoder state).
        key_size: K, the size of the keys (the encoder outputs); must equal Q for "luong_dot".
        kind: "bahdanau" (additive, default), "luong_dot" or "luong_general".
        attention_size: A, the hidden size of the additive score (default: K).
        dtype: "float32" (default) or "float64".
        seed: None, an int, a np.random.Generator or a SeedSequence (lstmkit.random);
            parameters start U(-1/sqrt(fan_in), ...).

    `forward(query, keys, mask=None, lengths=None)` attends with one query per item and returns
    (context (N, K), weights (N, S)); `backward(dcontext, dweights=None)` returns
    (dquery, dkeys). Decoders use `memory`, `step`, `step_backward` and `memory_backward`.
    """

    def __init__(
        self, query_size, key_size, kind="bahdanau", attention_size=None, dtype="float32", seed=None
    ):
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
        self.query_size = check_positive_int(query_size, "query_size")
        self.key_size = check_positive_int(key_size, "key_size")
        if kind == "luong_dot" and self.query_size != self.key_size:
            raise ValueError(
                f"kind='luong_dot' needs query_size == key_size; got {query_size} and {key_size}"
            )
        self.kind = kind
        self.attention_size = (
            None if attention_size is None else check_positive_int(attention_size, "attention_size")
        )
        self.dtype = resolve_dtype(dtype)
        self._init_rng = as_generator(seed)
        size = self.attention_size or self.key_size
        shapes = {}
        if kind == "luong_general":
            shapes = {"weight": (self.query_size, self.key_size)}
        elif kind == "bahdanau":
            shapes = {
                "weight_query": (size, self.query_size),
                "weight_key": (size, self.key_size),
                "bias": (size,),
                "v": (size,),
            }
        for name, shape in shapes.items():
            self.add_parameter(name, parameter_array(shape, self.dtype))
        self._record = None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every parameter ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), in declaration order; fan_in
        is a matrix's last axis and the attention size for the vectors."""
        size = self.attention_size or self.key_size
        for value in self._own_params.values():
            bound = 1.0 / np.sqrt(value.shape[-1] if value.ndim == 2 else size)
            value[...] = self._init_rng.uniform(-bound, bound, size=value.shape)

    # ---- the decoder's interface -----------------------------------------------------------------

    def memory(self, keys, mask=None, lengths=None) -> AttentionMemory:
        """Checks the keys (N, S, K) and the mask or lengths; precomputes the key-side part."""
        keys = np.asarray(keys, dtype=self.dtype)
        if keys.ndim != 3 or keys.shape[2] != self.key_size or 0 in keys.shape:
            raise ValueError(f"keys must have shape (N, S, {self.key_size}); got {keys.shape}")
        mask = _resolve_mask(mask, lengths, keys.shape[:2])
        params = self._own_params
        projected = None
        if self.kind == "luong_general":
            projected = keys @ params["weight"].T
        elif self.kind == "bahdanau":
            projected = keys @ params["weight_key"].T + params["bias"]
        return AttentionMemory(keys=keys, mask=mask, projected=projected)

    def step(self, query, memory: AttentionMemory):
        """(context (N, K), weights (N, S), cache) for one query (N, Q)."""
        params = self._own_params
        hidden = None
        if self.kind == "luong_dot":
            scores = np.einsum("nsk,nk->ns", memory.keys, query)
        elif self.kind == "luong_general":
            scores = np.einsum("nsq,nq->ns", memory.projected, query)
        else:
            hidden = np.tanh(memory.projected + (query @ params["weight_query"].T)[:, None, :])
            scores = hidden @ params["v"]
        weights = masked_softmax(scores, memory.mask)
        context = np.einsum("ns,nsk->nk", weights, memory.keys)
        return context, weights, AttentionStepCache(query=query, weights=weights, hidden=hidden)

    def step_backward(self, dcontext, cache: AttentionStepCache, memory, dweights=None):
        """dL/dquery (N, Q); accumulates dL/dkeys and dL/dprojected in `memory` and the
        query-side parameter gradients (v, weight_query) in `grads`."""
        if memory.dkeys is None:
            memory.dkeys = np.zeros_like(memory.keys)
            if memory.projected is not None:
                memory.dprojected = np.zeros_like(memory.projected)
        a = cache.weights
        da = np.einsum("nk,nsk->ns", dcontext, memory.keys)
        if dweights is not None:
            da = da + dweights
        memory.dkeys += a[:, :, None] * dcontext[:, None, :]
        dscores = a * (da - (a * da).sum(axis=1, keepdims=True))
        if self.kind == "luong_dot":
            memory.dkeys += dscores[:, :, None] * cache.query[:, None, :]
            return np.einsum("ns,nsk->nk", dscores, memory.keys)
        if self.kind == "luong_general":
            memory.dprojected += dscores[:, :, None] * cache.query[:, None, :]
            return np.einsum("ns,nsq->nq", dscores, memory.projected)
        params, grads = self._own_params, self._own_grads
        u = cache.hidden
        grads["v"] += np.einsum("ns,nsa->a", dscores, u)
        dpre = dscores[:, :, None] * params["v"] * (1.0 - u * u)  # (N, S, A)
        memory.dprojected += dpre
        dquery_projected = dpre.sum(axis=1)  # (N, A)
        grads["weight_query"] += dquery_projected.T @ cache.query
        return dquery_projected @ params["weight_query"]

    def memory_backward(self, memory: AttentionMemory) -> np.ndarray:
        """dL/dkeys (N, S, K) after every step's backward; adds the key-side parameter grads."""
        if memory.dkeys is None:
            return np.zeros_like(memory.keys)
        dkeys = memory.dkeys
        if memory.dprojected is not None:
            dp = memory.dprojected.reshape(-1, memory.dprojected.shape[-1])
            keys = memory.keys.reshape(-1, self.key_size)
            name = "weight" if self.kind == "luong_general" else "weight_key"
            self._own_grads[name] += dp.T @ keys
            if self.kind == "bahdanau":
                self._own_grads["bias"] += dp.sum(axis=0)
            dkeys = dkeys + (dp @ self._own_params[name]).reshape(dkeys.shape)
        return dkeys

    # ---- one query per item, as a layer ----------------------------------------------------------

    def forward(self, query, keys, mask=None, lengths=None):
        """(context (N, K), weights (N, S)) for query (N, Q) over keys (N, S, K)."""
        memory = self.memory(keys, mask, lengths)
        query = np.asarray(query, dtype=self.dtype)
        if query.shape != (memory.keys.shape[0], self.query_size):
            raise ValueError(
                f"query must have shape ({memory.keys.shape[0]}, {self.query_size}); "
                f"got {query.shape}"
            )
        context, weights, cache = self.step(query, memory)
        self._record = (memory, cache)
        return context, weights

    def backward(self, dcontext, dweights=None):
        """(dquery, dkeys) for dcontext = dL/dcontext and optional dweights = dL/dweights."""
        if self._record is None:
            raise NoForwardPassError(
                "Attention.backward called before forward: run forward(query, keys) first"
            )
        memory, cache = self._record
        memory.dkeys = memory.dprojected = None
        dquery = self.step_backward(np.asarray(dcontext, self.dtype), cache, memory, dweights)
        return dquery, self.memory_backward(memory)

    def get_config(self) -> dict:
        return {
            "query_size": self.query_size,
            "key_size": self.key_size,
            "kind": self.kind,
            "attention_size": self.attention_size,
            "dtype": self.dtype.name,
        }


def masked_softmax(scores: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """softmax over the last axis with masked positions at exactly 0."""
    shifted = np.where(mask, scores, -np.inf)
    shifted = shifted - shifted.max(axis=-1, keepdims=True)
    e = np.exp(shifted)  # exp(-inf) = 0 exactly
    return e / e.sum(axis=-1, keepdims=True)


def _resolve_mask(mask, lengths, shape) -> np.ndarray:
    batch, steps = shape
    if mask is not None and lengths is not None:
        raise ValueError("give either mask or lengths, not both")
    if lengths is not None:
        lengths = np.asarray(lengths)
        if lengths.shape != (batch,) or lengths.dtype.kind not in "iu":
            raise ValueError(
                f"lengths must have shape ({batch},), one integer per item; got "
                f"{lengths.dtype} of shape {lengths.shape}"
            )
        bad = np.flatnonzero((lengths < 1) | (lengths > steps))
        if bad.size:
            raise ValueError(
                f"lengths must lie in 1..{steps}; got {lengths[bad[0]]} at index {bad[0]}"
            )
        return np.arange(steps)[None, :] < lengths[:, None]
    if mask is None:
        return np.ones(shape, bool)
    mask = np.asarray(mask)
    if mask.shape != shape or mask.dtype != bool:
        raise ValueError(
            f"mask must be a bool array of shape {shape}; got {mask.dtype} {mask.shape}"
        )
    empty = np.flatnonzero(~mask.any(axis=1))
    if empty.size:
        raise ValueError(f"mask must keep at least one position per row; row {empty[0]} has none")
    return mask
