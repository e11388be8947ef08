"""Stacked, bidirectional, variable-length recurrent layers: one mechanism for every cell.

A concrete layer (LSTM; later GRU and RNN) supplies the parameter shapes of one direction of
one layer and the scan of its cell over time (`*_scan.py`); this class owns everything else:
input checks, the batch layout (time-major, sorted by length), initial and final states,
stacking, the reverse direction, dropout between layers, and the backward pass through all of
it. Parameters follow PyTorch's layout: keys `{name}_l{k}` and `{name}_l{k}_reverse`.

Composition, with `reverse` flipping each sequence's valid prefix in time (`layout.py`):

    forward direction:    y_f = scan(x)
    reverse direction:    y_b = reverse(scan(reverse(x)))
    bidirectional layer:  y   = concat([y_f, y_b], features)
    stack:                x_{k+1} = dropout(y_k)      (training mode, between layers only)

so the backward pass is the same composition read backwards.
"""

import warnings
from dataclasses import dataclass

import numpy as np

from lstmkit.errors import NoForwardPassError
from lstmkit.module import Module
from lstmkit.ops.jit import fused_for, fused_kernels
from lstmkit.recurrent.layout import BatchLayout
from lstmkit.recurrent.validation import (
    check_array,
    check_lengths,
    check_positive_int,
    check_sequences,
    check_state_tuple,
    resolve_dtype,
)


@dataclass
class _ForwardRecord:
    """What the last forward pass left for backward."""

    layout: BatchLayout
    batch: int
    steps: int
    layers: list  # per layer: (dropout mask or None, [cache per direction])


class RecurrentLayer(Module):
    """Base of the recurrent layers. Subclasses define the hooks marked below."""

    # Names of the state tensors, e.g. ("h", "c") for the LSTM, ("h",) for GRU and RNN.
    state_names: tuple = ("h",)

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers,
        bias,
        batch_first,
        dropout,
        bidirectional,
        dtype,
        seed,
    ):
        super().__init__()
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.num_layers = check_positive_int(num_layers, "num_layers")
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = _check_dropout(dropout, self.num_layers)
        self.bidirectional = bool(bidirectional)
        self.dtype = resolve_dtype(dtype)
        self._rng = np.random.default_rng(seed)
        self._record = None
        self._build_params()
        self.reset_parameters()

    # ---- hooks for subclasses -------------------------------------------------------------

    def _direction_shapes(self, layer_input_size: int) -> dict:
        """Ordered {name: shape} of one direction of one layer (names without suffix)."""
        raise NotImplementedError

    def _state_sizes(self) -> tuple:
        """Feature size of each state tensor, in `state_names` order."""
        raise NotImplementedError

    def _scan_forward(self, params, x, states, layout):
        """Run one direction over x (T, N, I) -> (y (T, N, out), final states tuple, cache)."""
        raise NotImplementedError

    def _scan_backward(self, params, grads, cache, dy, dstates, layout):
        """Backward of `_scan_forward` -> (dx, initial-state gradients tuple)."""
        raise NotImplementedError

    # ---- parameters -------------------------------------------------------------------------

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def output_size(self) -> int:
        """Features per direction in the output (the first state's size)."""
        return self._state_sizes()[0]

    def _build_params(self) -> None:
        self._slots = []  # per (layer, direction): (params view, grads view) without suffixes
        for layer in range(self.num_layers):
            layer_input = self.input_size if layer == 0 else self.num_directions * self.output_size
            for direction in range(self.num_directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                views, grad_views = {}, {}
                for name, shape in self._direction_shapes(layer_input).items():
                    views[name] = self.add_parameter(name + suffix, np.zeros(shape, self.dtype))
                    grad_views[name] = self._own_grads[name + suffix]
                self._slots.append((views, grad_views))

    def reset_parameters(self) -> None:
        """PyTorch's initialisation: every parameter ~ U(-1/sqrt(H), 1/sqrt(H)).

        Draws from the layer's generator in `params` order, so a seed fixes the model.
        """
        bound = 1.0 / np.sqrt(self.hidden_size)
        for value in self.params.values():
            value[...] = self._rng.uniform(-bound, bound, size=value.shape)

    # ---- forward and backward ---------------------------------------------------------------

    def _state_shapes(self, batch: int) -> tuple:
        slots = self.num_layers * self.num_directions
        return tuple((slots, batch, size) for size in self._state_sizes())

    def _run_forward(self, x, state, lengths):
        x = check_sequences(x, "x", self.input_size, self.batch_first, self.dtype)
        batch, steps = (x.shape[0], x.shape[1]) if self.batch_first else (x.shape[1], x.shape[0])
        lengths = check_lengths(lengths, batch, steps)
        names = tuple(f"{n}_0" for n in self.state_names)
        initial = check_state_tuple(state, "state", names, self._state_shapes(batch), self.dtype)
        layout = BatchLayout.build(lengths, batch, steps)

        initial = [
            np.zeros(shape, self.dtype) if s is None else layout.states_to_internal(s)
            for s, shape in zip(initial, self._state_shapes(batch), strict=True)
        ]
        final = [np.empty_like(s) for s in initial]
        layer_input = layout.to_internal(x, self.batch_first)
        records = []
        for layer in range(self.num_layers):
            mask = self._dropout_mask(layer, layer_input.shape)
            if mask is not None:
                layer_input = layer_input * mask
            outputs, caches = [], []
            for direction in range(self.num_directions):
                slot = layer * self.num_directions + direction
                reverse = layout.reverse if direction else _identity
                y, finals, cache = self._scan_forward(
                    self._slots[slot][0], reverse(layer_input), [s[slot] for s in initial], layout
                )
                for target, value in zip(final, finals, strict=True):
                    target[slot] = value
                outputs.append(reverse(y))
                caches.append(cache)
            layer_input = outputs[0] if len(outputs) == 1 else np.concatenate(outputs, axis=2)
            records.append((mask, caches))
        self._record = _ForwardRecord(layout, batch, steps, records)
        y = layout.to_user(layer_input, self.batch_first)
        return y, tuple(layout.states_to_user(s) for s in final)

    def _run_backward(self, dy, dstate):
        record = self._record
        if record is None:
            raise NoForwardPassError(
                f"{type(self).__name__}.backward called before forward: run forward(x) first"
            )
        layout, batch, steps = record.layout, record.batch, record.steps
        width = self.num_directions * self.output_size
        y_shape = (batch, steps, width) if self.batch_first else (steps, batch, width)
        dy = check_array(dy, "dy", y_shape, self.dtype)
        names = tuple(f"d{n}_n" for n in self.state_names)
        dfinal = check_state_tuple(dstate, "dstate", names, self._state_shapes(batch), self.dtype)
        dfinal = [
            np.zeros(shape, self.dtype) if s is None else layout.states_to_internal(s)
            for s, shape in zip(dfinal, self._state_shapes(batch), strict=True)
        ]
        dinitial = [np.empty_like(s) for s in dfinal]

        d_output = layout.to_internal(dy, self.batch_first)
        size = self.output_size
        for layer in range(self.num_layers - 1, -1, -1):
            mask, caches = record.layers[layer]
            d_input = None
            for direction in range(self.num_directions):
                slot = layer * self.num_directions + direction
                reverse = layout.reverse if direction else _identity
                params, grads = self._slots[slot]
                dx, dstates = self._scan_backward(
                    params,
                    grads,
                    caches[direction],
                    reverse(d_output[:, :, direction * size : (direction + 1) * size]),
                    [s[slot] for s in dfinal],
                    layout,
                )
                for target, value in zip(dinitial, dstates, strict=True):
                    target[slot] = value
                dx = reverse(dx)
                d_input = dx if d_input is None else d_input + dx
            if mask is not None:
                d_input *= mask
            d_output = d_input
        dx = layout.to_user(d_output, self.batch_first)
        return dx, tuple(layout.states_to_user(s) for s in dinitial)

    # Batch sizes up to this run a streaming step as one fused kernel per layer (products
    # included); larger ones use BLAS for the products.
    _STEP_KERNEL_MAX_BATCH = 4

    def _step_slot(self, params, x, states, outs) -> bool:
        """One step of one layer: x (N, in), states tuple -> the new states written into outs.

        Returns True when it verified that x and states are finite on the way (the fused
        kernels do, at no cost), False when it did not look.
        """
        raise NotImplementedError

    def _fused_step_allowed(self) -> bool:
        """Whether the layer's options are those the fused step kernels implement."""
        return False

    def _step_kernels(self):
        """The fused kernels for `step`, or None; decided once per layer (options are fixed)."""
        if "_step_fused" not in self.__dict__:  # a bool: the layer stays deep-copyable
            self._step_fused = fused_for(self.dtype, self._fused_step_allowed()) is not None
        return fused_kernels() if self._step_fused else None

    def _run_step(self, x, state):
        """The work of `step`: (y_t, tuple of new states), each state (L, N, size).

        Per-call overhead is the whole cost at N = 1, so finiteness is checked by the fused
        kernels as they read their inputs, and by the usual checks only when they did not.
        """
        if self.bidirectional:
            raise ValueError(
                "step needs a unidirectional layer: the reverse direction of a bidirectional "
                "layer reads each sequence from its end; use forward on the whole sequence"
            )
        array = np.asarray(x)
        if array.ndim != 2 or array.shape[1] != self.input_size:
            raise ValueError(
                f"x must have shape (N, {self.input_size}) for one time step; got {array.shape}"
            )
        x = check_array(array, "x", array.shape, self.dtype, finite=False)
        shapes = self._state_shapes(x.shape[0])
        names = self._step_state_names
        if isinstance(state, np.ndarray):
            state = (state,)  # a single-state layer's h
        if not _ready_states(state, shapes, self.dtype):
            state = check_state_tuple(state, "state", names, shapes, self.dtype, finite=False)
        states = [
            np.zeros(shape, self.dtype) if s is None else s
            for s, shape in zip(state, shapes, strict=True)
        ]
        new = [np.empty(shape, self.dtype) for shape in shapes]
        checked = True
        y = x
        for layer in range(self.num_layers):
            previous = [s[layer] for s in states]
            outs = [s[layer] for s in new]
            checked &= self._step_slot(self._slots[layer][0], y, previous, outs)
            y = outs[0]
        if not checked:
            check_array(x, "x", x.shape, self.dtype)
            check_state_tuple(tuple(states), "state", names, shapes, self.dtype)
        return y.copy(), tuple(new)

    @property
    def _step_state_names(self) -> tuple:
        return tuple(f"{n}_0" for n in self.state_names)

    def _dropout_mask(self, layer: int, shape: tuple):
        """Inverted-dropout mask for the input of `layer`, or None when dropout is off."""
        if layer == 0 or not self.training or self.dropout == 0.0:
            return None
        keep = 1.0 - self.dropout
        return (self._rng.random(shape) < keep).astype(self.dtype) / self.dtype.type(keep)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size}{self._extra_repr()})"

    def _extra_repr(self) -> str:
        defaults = {
            "num_layers": 1,
            "bias": True,
            "batch_first": True,
            "dropout": 0.0,
            "bidirectional": False,
        }
        parts = [
            f", {k}={getattr(self, k)!r}" for k, v in defaults.items() if getattr(self, k) != v
        ]
        if getattr(self, "clip", None) is not None:
            parts.append(f", clip={self.clip}")
        if self.dtype != np.float32:
            parts.append(f", dtype='{self.dtype.name}'")
        return "".join(parts)


def step_biases(params, rows: int, dtype) -> tuple:
    """(bias_ih, bias_hh), zeros for a layer without biases (the fused kernels take both)."""
    if "bias_ih" in params:
        return params["bias_ih"], params["bias_hh"]
    zeros = np.zeros(rows, dtype)
    return zeros, zeros


def _ready_states(state, shapes, dtype) -> bool:
    """Whether `state` is already arrays of exactly `shapes` and `dtype` (step's fast path)."""
    if not isinstance(state, tuple) or len(state) != len(shapes):
        return False
    for s, shape in zip(state, shapes, strict=True):
        if type(s) is not np.ndarray or s.dtype != dtype or s.shape != shape:
            return False
    return True


def _identity(array):
    return array


def _check_dropout(dropout, num_layers: int) -> float:
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a number in [0, 1); got {dropout!r}")
    if dropout > 0 and num_layers == 1:
        warnings.warn(
            "dropout acts between stacked layers only, so it has no effect with num_layers=1",
            stacklevel=4,
        )
    return float(dropout)


class SingleStateLayer(RecurrentLayer):
    """A layer whose only state is h (GRU, RNN): `y, h_n = m(x)`, `dx, dh_0 = m.backward(dy)`.

    Subclasses set `gates` (blocks of rows per weight matrix), `options` (their cell options)
    and the two scan functions, which take and return h alone.
    """

    gates = 1
    # staticmethod(f) with f(params, x, h0, layout, options) -> (y, h_n, cache)
    scan_forward = None
    # staticmethod(f) with f(params, grads, cache, dy, dh_n, layout, options) -> (dx, dh_0)
    scan_backward = None

    def forward(self, x, state=None, lengths=None):
        """y, h_n for x (N, T, I) from state = h_0 (None: zeros)."""
        y, (h_n,) = self._run_forward(x, state, lengths)
        return y, h_n

    def backward(self, dy, dstate=None):
        """dx, dh_0 for dy = dL/dy and dstate = dL/dh_n."""
        dx, (dh_0,) = self._run_backward(dy, dstate)
        return dx, dh_0

    def step(self, x, state=None):
        """One time step for streaming: `y_t, h = m.step(x_t, h)` (h None: zeros).

        x (N, I) is one step's input; h has forward's shape (num_layers, N, H) and y_t = h of
        the last layer, so stepping through a sequence gives forward's y[:, t] and h_n.
        Inference only (nothing is kept for backward; no dropout); unidirectional layers only.
        """
        y, (h,) = self._run_step(x, state)
        return y, h

    def _direction_shapes(self, layer_input_size):
        rows, hidden = self.gates * self.hidden_size, self.hidden_size
        shapes = {"weight_ih": (rows, layer_input_size), "weight_hh": (rows, hidden)}
        if self.bias:
            shapes.update(bias_ih=(rows,), bias_hh=(rows,))
        return shapes

    def _state_sizes(self):
        return (self.hidden_size,)

    def _scan_forward(self, params, x, states, layout):
        y, h_n, cache = self.scan_forward(params, x, states[0], layout, self.options)
        return y, (h_n,), cache

    def _scan_backward(self, params, grads, cache, dy, dstates, layout):
        # dy is the backward pass's own array (`_run_backward` never passes a caller's), so the
        # scan may write over it
        dx, dh_0 = self.scan_backward(
            params, grads, cache, dy, dstates[0], layout, self.options, dy_writable=True
        )
        return dx, (dh_0,)
