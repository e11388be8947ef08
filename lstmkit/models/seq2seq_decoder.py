"""The decoder of `Seq2Seq`: one LSTM or GRU cell stepped over the output, with attention.

Shape legend: N batch, T output steps, S source steps, K key size (encoder output), E
embedding size, H hidden size, V output vocabulary. Per step t, from the previous output token
y_{t-1} (the given target in teacher forcing, a prediction otherwise) and the previous state:

    e_t  = embedding[y_{t-1}]                                          (N, E)
    x_t  = [e_t, ht_{t-1}]   with input feeding (Luong et al. 2015), else e_t
    h_t  = cell(x_t, h_{t-1})          (c_t too for the LSTM)          `lstmkit.nn.LSTMCell`
    c_t, a_t = attention(h_t, keys, source mask)                       `lstmkit.nn.Attention`
    ht_t = tanh(combine [c_t, h_t])    the attentional state; ht_t = h_t without attention
    logits_t = output ht_t                                             (N, V)

Backward is exact BPTT through all of it: the loop runs in reverse carrying dh (and dc) of
the cell and, with input feeding, d ht_{t-1} from the next step's input. The cell is a
`lstmkit.nn.LSTMCell` / `GRUCell` (child `rnn_cell`; the decoder keeps each step's cache and
calls its `step_backward`). The output projection and the combine layer's parameter gradients
are one product each over all steps.
The decoder never looks at the target lengths: steps past a target's end get zero loss
gradient, and as they come later they cannot change the earlier steps.
"""

from dataclasses import dataclass

import numpy as np

from lstmkit.errors import NoForwardPassError
from lstmkit.models.network_inputs import check_ids
from lstmkit.module import Module
from lstmkit.nn.attention import Attention
from lstmkit.nn.cells import GRUCell, LSTMCell
from lstmkit.nn.embedding import Embedding
from lstmkit.nn.linear import Linear
from lstmkit.random import as_generator
from lstmkit.validation import check_array, resolve_dtype

CELLS = {"lstm": LSTMCell, "gru": GRUCell}
CELL_PARAMS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


@dataclass
class DecoderState:
    """The recurrent state between steps: h (N, H), c (N, H) or None, the fed ht (N, H)."""

    h: np.ndarray
    c: np.ndarray | None
    feed: np.ndarray | None

    def select(self, rows) -> "DecoderState":
        """The states of the given rows (beam search reorders hypotheses with it)."""
        return DecoderState(
            self.h[rows],
            None if self.c is None else self.c[rows],
            None if self.feed is None else self.feed[rows],
        )


class Decoder(Module):
    """See the module docstring. `attention` is "bahdanau", "luong_dot", "luong_general" or
    None; the cell is the child `rnn_cell`, parameters `rnn_cell.weight_ih`, `weight_hh`,
    `bias_ih`, `bias_hh` (PyTorch's names; `upgrade_state_dict` reads older files)."""

    def __init__(
        self,
        vocab_size,
        embedding_size,
        hidden_size,
        key_size,
        cell="lstm",
        attention="bahdanau",
        input_feeding=True,
        dtype="float32",
        seed=None,
    ):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be 'lstm' or 'gru'; got {cell!r}")
        self.vocab_size, self.embedding_size = vocab_size, embedding_size
        self.hidden_size, self.key_size, self.cell = hidden_size, key_size, cell
        self.attention = attention
        self.input_feeding = bool(input_feeding) and attention is not None
        self.dtype = resolve_dtype(dtype)
        rng = as_generator(seed)
        self.embedding = Embedding(vocab_size, embedding_size, padding_idx=0, dtype=dtype, seed=rng)
        inputs = embedding_size + (hidden_size if self.input_feeding else 0)
        # draws weight_ih, weight_hh, bias_ih, bias_hh from rng, in that order
        self.rnn_cell = CELLS[cell](inputs, hidden_size, dtype=dtype, seed=rng)
        if cell == "lstm":
            self.rnn_cell.bias_ih[hidden_size : 2 * hidden_size] += 1.0  # forget bias
        if attention is not None:
            self.attend = Attention(hidden_size, key_size, attention, dtype=dtype, seed=rng)
            self.combine = Linear(key_size + hidden_size, hidden_size, dtype=dtype, seed=rng)
        self.output = Linear(hidden_size, vocab_size, dtype=dtype, seed=rng)
        self._record = None

    def get_config(self) -> dict:
        config = super().get_config()
        config["input_feeding"] = self.input_feeding
        config["dtype"] = self.dtype.name
        return config

    # ---- one step --------------------------------------------------------------------------------

    def initial_state(self, h0, c0=None) -> DecoderState:
        """The state before the first step from h0 (N, H) and, for the LSTM, c0 (N, H) or
        None (zeros); both cast to the decoder's dtype. A GRU decoder ignores c0."""
        h0 = np.asarray(h0)
        if h0.ndim != 2 or h0.shape[1] != self.hidden_size:
            raise ValueError(f"h0 must have shape (N, {self.hidden_size}); got {h0.shape}")
        h0 = check_array(h0, "h0", h0.shape, self.dtype)
        if self.cell != "lstm":
            c0 = None
        elif c0 is not None:
            c0 = check_array(c0, "c0", h0.shape, self.dtype)
        feed = np.zeros_like(h0) if self.input_feeding else None
        return DecoderState(h0, c0, feed)

    def memory(self, keys, mask):
        """What attention reuses over all steps of one source batch (None without attention)."""
        return None if self.attention is None else self.attend.memory(keys, mask)

    def advance(self, ids, state: DecoderState, memory):
        """One step from the previous tokens `ids` (N,): (ht (N, H), new state, attention
        weights (N, S) or None, cache for `step_backward`)."""
        x = np.take(self.embedding.weight, ids, axis=0)
        if self.input_feeding:
            x = np.concatenate([x, state.feed], axis=1)
        if self.cell == "lstm":
            (h, c), cell_cache = self.rnn_cell.step(x, (state.h, state.c))
        else:
            ((h,), cell_cache), c = self.rnn_cell.step(x, (state.h,)), None
        weights = attention_cache = joined = None
        ht = h
        if self.attention is not None:
            context, weights, attention_cache = self.attend.step(h, memory)
            joined = np.concatenate([context, h], axis=1)
            ht = np.tanh(joined @ self.combine.weight.T + self.combine.bias)
        new_state = DecoderState(h, c, ht if self.input_feeding else None)
        return ht, new_state, weights, (cell_cache, attention_cache, joined, ht)

    def logits(self, ht) -> np.ndarray:
        return ht @ self.output.weight.T + self.output.bias

    # ---- a whole target sequence (training) ------------------------------------------------------

    def forward(self, inputs, state: DecoderState, memory, sampling=0.0, rng=None):
        """logits (N, T, V) for the input tokens `inputs` (N, T) (<bos> then the target).

        With `sampling` p > 0 (scheduled sampling, Bengio et al. 2015), from step 1 on each
        item's input is, with probability p, the previous step's most probable token instead of
        the given one; the choice is not differentiated (the gradient flows through the chosen
        token's embedding and the states, as always).
        """
        inputs = check_ids(inputs, "inputs", batch=len(state.h), vocab_size=self.vocab_size)
        steps = inputs.shape[1]
        used = np.array(inputs, copy=True)
        states, caches, hts = [], [], []
        for t in range(steps):
            if sampling > 0 and t > 0:
                swap = rng.random(len(used)) < sampling
                previous = self.logits(hts[-1]).argmax(axis=1)
                used[:, t] = np.where(swap, previous, used[:, t])
            states.append(state)
            ht, state, _, cache = self.advance(used[:, t], state, memory)
            caches.append(cache)
            hts.append(ht)
        ht_all = np.stack(hts, axis=1)
        self._record = (used, states, caches, memory, ht_all)
        return self.output.forward(ht_all)

    def backward(self, dlogits):
        """Adds every parameter gradient; returns (dkeys or None, dh0, dc0 or None)."""
        if self._record is None:
            raise NoForwardPassError("Decoder.backward called before forward")
        used, states, caches, memory, ht_all = self._record
        dht_all = self.output.backward(dlogits)  # (N, T, H), and output's gradients
        batch, steps, hidden = dht_all.shape
        dembedded = np.zeros((batch, steps, self.embedding_size), self.dtype)
        dpre_all = np.zeros_like(dht_all) if self.attention is not None else None
        dh_next = np.zeros((batch, hidden), self.dtype)
        dc_next = np.zeros_like(dh_next) if self.cell == "lstm" else None
        dfeed = None
        for t in range(steps - 1, -1, -1):
            cell_cache, attention_cache, _, ht = caches[t]
            dht = dht_all[:, t] if dfeed is None else dht_all[:, t] + dfeed
            if self.attention is not None:
                dpre = dht * (1.0 - ht * ht)
                dpre_all[:, t] = dpre
                djoined = dpre @ self.combine.weight
                dcontext, dh = djoined[:, : self.key_size], djoined[:, self.key_size :]
                dh = dh + self.attend.step_backward(dcontext, attention_cache, memory)
            else:
                dh = dht
            dh = dh + dh_next
            if self.cell == "lstm":
                dx, (dh_next, dc_next) = self.rnn_cell.step_backward(cell_cache, (dh, dc_next))
            else:
                dx, (dh_next,) = self.rnn_cell.step_backward(cell_cache, (dh,))
            dembedded[:, t] = dx[:, : self.embedding_size]
            dfeed = dx[:, self.embedding_size :] if self.input_feeding else None
        self.embedding.forward(used)
        self.embedding.backward(dembedded)
        dkeys = None
        if self.attention is not None:
            joined = np.stack([cache[2] for cache in caches], axis=1)
            add_linear_grads(self.combine, joined, dpre_all)
            dkeys = self.attend.memory_backward(memory)
        return dkeys, dh_next, dc_next


def add_linear_grads(linear: Linear, x, dy) -> None:
    """Adds a Linear layer's parameter gradients for inputs x (..., I) and dL/dy (..., O)."""
    x_rows, dy_rows = x.reshape(-1, x.shape[-1]), dy.reshape(-1, dy.shape[-1])
    grads = linear.grads
    grads["weight"] += dy_rows.T @ x_rows
    grads["bias"] += dy_rows.sum(axis=0)


def upgrade_state_dict(state_dict, prefix: str = "decoder."):
    """A state dict with the decoder cell's keys of files written before the cell was a module
    (`{prefix}weight_ih`, ...) renamed to today's (`{prefix}rnn_cell.weight_ih`, ...); every
    other key, and a state dict that has no old keys, is left as it is."""
    if not hasattr(state_dict, "keys") or not any(
        prefix + name in state_dict for name in CELL_PARAMS
    ):
        return state_dict
    old = {prefix + name: f"{prefix}rnn_cell.{name}" for name in CELL_PARAMS}
    return {old.get(key, key): state_dict[key] for key in state_dict.keys()}
