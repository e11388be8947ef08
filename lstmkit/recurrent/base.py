"""Stacked, bidirectional, variable-length recurrent layers: one mechanism for every cell.

A layer is a cell spec (`lstmkit.cells.spec`: the state tuple, the parameter shapes, one
step forward and backward) composed by this class, which owns everything else: input checks,
the batch layout (time-major, sorted by length), initial and final states, stacking, the
directions (`directions.py`, shared with the ONNX operators), dropout between layers, and the
backward pass through all of it. The time loop of each direction is the cell's fused scan or
its steps one by one (`scans.py`). Parameters follow PyTorch's layout: keys `{name}_l{k}` and
`{name}_l{k}_reverse`. LSTM, GRU and RNN are this class with their cell and constructor.

Composition, with `reverse` flipping each sequence's valid prefix in time (`layout.py`):

    forward direction:    y_f = scan(x)
    reverse direction:    y_b = reverse(scan(reverse(x)))
    bidirectional layer:  y   = concat([y_f, y_b], features)
    stack:                x_{k+1} = dropout(y_k)      (training mode, between layers only)

so the backward pass is the same composition read backwards.

Regularisers of every cell, training mode only (all off by default; `regularisers.py`):

    dropout_input:   x_k  <- x_k * m_k    one (N, I_k) mask per layer k, the same at every step
    dropout_output:  y    <- y * m_y      one (N, D*P) mask, the same at every step
    weight_drop:     weight_hh <- weight_hh * M   one mask per layer, direction and forward call
                     (DropConnect, as AWD-LSTM); the gradient of weight_hh is dW * M

A cell with options inside the recurrence (the regularised LSTM and GRU) also receives the
masks of `StepNoise` (`_draw_noise`). Every mask draws from the layer's own generator, so
`rng_states()` / `set_rng_states()` replay them exactly, and `last_masks()` returns them.
"""

import warnings
from dataclasses import dataclass

import numpy as np

from lstmkit.errors import NoForwardPassError
from lstmkit.module import Module, parameter_array
from lstmkit.ops.jit import fused_for, fused_kernels
from lstmkit.random import as_generator
from lstmkit.recurrent.directions import Direction, directions_backward, run_directions
from lstmkit.recurrent.layout import BatchLayout
from lstmkit.recurrent.regularisers import (
    REGULARISERS,
    LayerRegularisers,
    fold_weight_drop,
    inverted_mask,
)
from lstmkit.recurrent.scans import fused_step_applies, scan_for
from lstmkit.recurrent.validation import (
    check_array,
    check_flag,
    check_lengths,
    check_positive_int,
    check_probability,
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
    # per layer: (input mask or None, [cache per direction], the directions that ran,
    # [(weight_hh gradient, gradient of the dropped weight_hh, weight-drop mask)])
    layers: list
    output_mask: np.ndarray | None = None  # (1, N, D*P) dropout_output, batch-sorted
    masks: dict | None = None  # name -> mask as drawn, for `last_masks`


class RecurrentLayer(LayerRegularisers, Module):
    """A stacked, bidirectional, variable-length layer of any cell (`lstmkit.cells.spec`).

    `cell` is a cell spec (e.g. `lstmkit.cells.GRUCellSpec()`); every layer and direction runs
    it with its own parameters, `{name}_l{k}` and `{name}_l{k}_reverse` for each name of
    `cell.parameter_shapes`. The other arguments are those of `lstmkit.LSTM`.

    `forward(x, state=None, lengths=None)` returns `y, state_n` and `backward(dy, dstate=None)`
    returns `dx, dstate_0`, where a state is a tuple of (D*num_layers, N, size) arrays in the
    cell's `state_names` order, or the array itself for a cell with one state (GRU, RNN).
    y is the first state of the last layer at every step, y (N, T, D*out).
    """

    def __init__(
        self,
        cell,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=True,
        dropout=0.0,
        bidirectional=False,
        dtype="float32",
        seed=None,
        *,
        dropout_input=0.0,
        dropout_output=0.0,
        weight_drop=0.0,
    ):
        super().__init__()
        self.cell = cell
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.num_layers = check_positive_int(num_layers, "num_layers")
        self.bias = check_flag(bias, "bias")
        self.batch_first = check_flag(batch_first, "batch_first")
        self.dropout = _check_dropout(dropout, self.num_layers)
        self.bidirectional = check_flag(bidirectional, "bidirectional")
        self.dtype = resolve_dtype(dtype)
        self.dropout_input = check_probability(dropout_input, "dropout_input")
        self.dropout_output = check_probability(dropout_output, "dropout_output")
        self.weight_drop = check_probability(weight_drop, "weight_drop")
        self._sizes = tuple(cell.state_sizes(self.hidden_size))
        self._rng = as_generator(seed)
        self._record = None
        self._build_params()
        self.reset_parameters()

    # ---- the cell ---------------------------------------------------------------------------

    @property
    def state_names(self) -> tuple:
        """Names of the state tensors, e.g. ("h", "c") for the LSTM, ("h",) for GRU and RNN."""
        return self.cell.state_names

    def _state_sizes(self) -> tuple:
        """Feature size of each state tensor, in `state_names` order."""
        return self._sizes

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
        self._directions = []  # per layer: its directions (`directions.Direction`)
        for layer in range(self.num_layers):
            layer_input = self.input_size if layer == 0 else self.num_directions * self.output_size
            shapes = self.cell.parameter_shapes(layer_input, self.hidden_size, self.bias)
            directions = []
            for direction in range(self.num_directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                views, grad_views = {}, {}
                for name, shape in shapes.items():
                    views[name] = self.add_parameter(
                        name + suffix, parameter_array(shape, self.dtype)
                    )
                    grad_views[name] = self._own_grads[name + suffix]
                self._slots.append((views, grad_views))
                directions.append(Direction(self.cell, views, bool(direction), grad_views))
            self._directions.append(directions)

    def reset_parameters(self) -> None:
        """PyTorch's initialisation: every parameter ~ U(-1/sqrt(H), 1/sqrt(H)); the
        layer-norm parameters (`ln_*`) then start at gain 1 and bias 0.

        Draws from the layer's generator in `params` order, so a seed fixes the model.
        """
        bound = 1.0 / np.sqrt(self.hidden_size)
        for value in self.params.values():
            value[...] = self._rng.uniform(-bound, bound, size=value.shape)
        for name, value in self.params.items():
            if name.startswith("ln_"):
                value.fill(1 if "_weight" in name else 0)

    # ---- forward and backward ---------------------------------------------------------------

    def forward(self, x, state=None, lengths=None):
        """y, state_n for x (N, T, I) from state (None: zeros); see the class docstring."""
        y, states = self._run_forward(x, state, lengths)
        return y, self._user_state(states)

    def backward(self, dy, dstate=None):
        """dx, dstate_0 for dy = dL/dy and dstate = dL/dstate_n (None: zeros)."""
        dx, dstates = self._run_backward(dy, dstate)
        return dx, self._user_state(dstates)

    def step(self, x, state=None):
        """One time step for streaming: `y_t, state = m.step(x_t, state)` (None: zeros).

        x (N, I) is one step's input; the state has forward's shapes with num_layers rows and
        y_t is the first state of the last layer, so stepping through a sequence gives
        forward's y[:, t] and final state. Inference only (nothing is kept for backward; no
        dropout); unidirectional layers only.
        """
        y, states = self._run_step(x, state)
        return y, states[0] if len(states) == 1 else states

    def _user_state(self, states: tuple):
        """A state tuple as users see it: the array itself for a one-state cell."""
        return states[0] if len(states) == 1 else tuple(states)

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
        records, masks = [], {}
        for layer in range(self.num_layers):
            mask = self._input_mask(layer, layer_input.shape, layout, masks)
            if mask is not None:
                layer_input = layer_input * mask
            rows = self._rows(layer)
            directions, folds = self._call_directions(layer, layout, masks)
            outputs, finals, caches = run_directions(
                directions, layer_input, [s[rows] for s in initial], layout
            )
            for target, value in zip(final, finals, strict=True):
                target[rows] = value
            layer_input = outputs[0] if len(outputs) == 1 else np.concatenate(outputs, axis=2)
            records.append((mask, caches, directions, folds))
        output_mask = None
        if self.training and self.dropout_output > 0:
            output_mask = self._sequence_mask(self.dropout_output, layer_input.shape[1:], layout)
            masks["output"] = output_mask
            output_mask = output_mask[None]
            layer_input = layer_input * output_mask
        self._record = _ForwardRecord(layout, batch, steps, records, output_mask, masks)
        y = layout.to_user(layer_input, self.batch_first)
        return y, tuple(layout.states_to_user(s) for s in final)

    def _rows(self, layer: int) -> slice:
        """The state rows of `layer`'s directions: k*D + d, as in torch."""
        return slice(layer * self.num_directions, (layer + 1) * self.num_directions)

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

        d_output = layout.to_internal(dy, self.batch_first)  # the backward pass's own array
        if record.output_mask is not None:
            d_output *= record.output_mask
        size = self.output_size
        for layer in range(self.num_layers - 1, -1, -1):
            mask, caches, directions, folds = record.layers[layer]
            rows = self._rows(layer)
            # views of d_output, the backward pass's own array: the scans may write over them
            d_outputs = [
                d_output[:, :, d * size : (d + 1) * size] for d in range(self.num_directions)
            ]
            d_input, dstates = directions_backward(
                directions, caches, d_outputs, [s[rows] for s in dfinal], layout
            )
            fold_weight_drop(folds)
            for target, value in zip(dinitial, dstates, strict=True):
                target[rows] = value
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
        kernel = self._step_kernel()
        if kernel is not None and x.shape[0] <= self._STEP_KERNEL_MAX_BATCH:
            biases = step_biases(params, params["weight_hh"].shape[0], self.dtype)
            return kernel(x, *states, params["weight_ih"], params["weight_hh"], *biases, *outs)
        new, _ = self._inference_cell().step(params, x, tuple(states))
        for out, value in zip(outs, new, strict=True):
            out[...] = value
        return False

    def _step_kernel(self):
        """The fused kernel of one step, or None; decided once per layer (the cell is fixed)."""
        if "_step_fused" not in self.__dict__:  # a name or None: the layer stays deep-copyable
            cell = self._inference_cell()
            applies = fused_for(self.dtype, fused_step_applies(cell)) is not None
            self._step_fused = scan_for(cell).step_kernel if applies else None
        return None if self._step_fused is None else getattr(fused_kernels(), self._step_fused)

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
        if isinstance(state, np.ndarray):
            state = (state,)  # a single-state layer's h
        if not _ready_states(state, shapes, self.dtype):
            names = self._step_state_names
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
            check_state_tuple(tuple(states), "state", self._step_state_names, shapes, self.dtype)
        return y.copy(), tuple(new)

    @property
    def _step_state_names(self) -> tuple:
        return tuple(f"{n}_0" for n in self.state_names)

    def _dropout_mask(self, layer: int, shape: tuple):
        """Inverted-dropout mask for the input of `layer`, or None when dropout is off."""
        if layer == 0 or not self.training or self.dropout == 0.0:
            return None
        return inverted_mask(self._rng, shape, self.dropout, self.dtype)

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
        if self.layer_norm:
            parts.append(", layer_norm=True")
        for name in REGULARISERS:
            if getattr(self, name):
                parts.append(f", {name}={getattr(self, name)}")
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

    Kept as the common base of GRU and RNN; all the work is `RecurrentLayer`'s.
    """
