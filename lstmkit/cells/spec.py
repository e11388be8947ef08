"""The cell protocol: what a recurrent cell declares so that one machinery can run any cell.

A cell is ONE time step (it knows nothing about time, layers or directions). Its spec is a
frozen, stateless object holding the cell's configuration (its options), which declares

    state_names     the state tuple, e.g. ("h", "c") for the LSTM, ("h",) for GRU and RNN;
                    the first state is also the step's output (what a layer emits as y)
    gates           blocks of rows in weight_ih / weight_hh (4 LSTM, 3 GRU, 1 RNN)
    parameter_shapes(input_size, hidden_size, bias) -> {name: shape}, PyTorch's names without
                    the layer suffix (weight_ih, weight_hh, bias_ih, bias_hh, ...)
    state_sizes(hidden_size) -> the feature size of each state, in state_names order

and computes, with every state ALWAYS a tuple of (N, size) arrays in state_names order:

    step(params, x, state)              -> (state', cache)           x (N, I)
    step_backward(params, cache, dstate') -> (dx, dstate, grads)     grads keyed like params

`dstate'` is the gradient arriving at every new state (entries may be None for zero); the
gradient of the step's output is part of dstate'[0], since the output is state'[0].
`step_backward` returns new arrays and never writes into its arguments.

The recurrent layers (`lstmkit.recurrent.RecurrentLayer`) and the ONNX operators compose any
spec into stacked, bidirectional, variable-length recurrences; the built-in cells also have
fused time loops (`lstmkit.recurrent.scans`), which compute the same as stepping the spec.
The idea is flax's `RNNCellBase` (a cell declares its carry and steps; `RNN` scans it).
"""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np


@dataclass(frozen=True)
class StepNoise:
    """Random masks of one training-mode call that a cell's step may take (None: absent).

    A layer draws them (`lstmkit.recurrent.RecurrentLayer`) and hands them to the cell in its
    parameters under the key "noise"; a cell without such options never sees them.

        state   (N, P) inverted-dropout mask on h in the recurrent product (dropout_state),
                the same at every step
        zone_c  (N, H) for one step, or (T, N, H) for a whole scan: 1 where the unit of c
                keeps its previous value (zoneout_cell), else 0
        zone_h  (N, P), or (T, N, P): the same for h (zoneout_hidden)
    """

    state: np.ndarray | None = None
    zone_c: np.ndarray | None = None
    zone_h: np.ndarray | None = None


class CellSpec:
    """Base of the cell specs; subclasses are frozen dataclasses of their options."""

    state_names: ClassVar[tuple] = ("h",)
    gates: ClassVar[int] = 1
    # the name of the cell in the ONNX operator tables (`lstmkit.onnx_ops.weights`)
    kind: ClassVar[str] = ""

    def parameter_shapes(self, input_size: int, hidden_size: int, bias: bool = True) -> dict:
        """{name: shape} of one direction of one layer: the weights of `gates` row blocks."""
        rows = self.gates * hidden_size
        shapes = {"weight_ih": (rows, input_size), "weight_hh": (rows, hidden_size)}
        if bias:
            shapes.update(bias_ih=(rows,), bias_hh=(rows,))
        return shapes

    def state_sizes(self, hidden_size: int) -> tuple:
        """The feature size of each state, in `state_names` order."""
        return (hidden_size,) * len(self.state_names)

    def step(self, params, x, state):
        """One step: (state', cache); see the module docstring."""
        raise NotImplementedError(f"{type(self).__name__} does not implement step")

    def step_backward(self, params, cache, dstate):
        """Backward of `step`: (dx, dstate, grads); see the module docstring."""
        raise NotImplementedError(f"{type(self).__name__} does not implement step_backward")

    def zero_state(self, batch: int, hidden_size: int, dtype) -> tuple:
        """The zero state tuple for a batch of `batch`."""
        return tuple(np.zeros((batch, size), dtype) for size in self.state_sizes(hidden_size))
