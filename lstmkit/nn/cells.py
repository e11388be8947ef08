"""LSTMCell, GRUCell, RNNCell: one recurrent step as a module, for models that step by hand.

PyTorch's contract (`torch.nn.LSTMCell`, `GRUCell`, `RNNCell`): parameters `weight_ih`
(G*H, I), `weight_hh` (G*H, H), `bias_ih`, `bias_hh` (G*H,) with G = 4 (rows i, f, g, o),
3 (r, z, n) or 1, all initialised U(-1/sqrt(H), 1/sqrt(H)); the equations are those of
`lstmkit.cells` (and of `lstmkit.LSTM` / `GRU` / `RNN`, whose one step these cells are).

    LSTMCell:  h, c = cell(x, (h, c))        GRUCell / RNNCell:  h = cell(x, h)

x (N, I); h and c (N, H); a state of None means zeros.

Backward, two ways:

- `forward` in training mode pushes its step's cache onto the cell's tape, and
  `backward(dstate)` pops the newest one: for a sequence of steps run by hand, call backward
  once per forward, newest step first, with dstate the gradient at that step's outputs (what
  arrived from the loss and from the next step): `dx, dstate_prev = cell.backward(dstate)`.
  Evaluation mode records nothing (no memory grows while decoding); `clear()` drops the tape.
- `step(x, state) -> (state', cache)` and `step_backward(cache, dstate') -> (dx, dstate)` keep
  nothing: the caller holds the caches (a decoder that keeps its own per-step records), and
  states are always tuples, (h, c) or (h,).

Either backward adds the parameter gradients into `grads` (so the steps of a sequence sum).
"""

import numpy as np

from lstmkit.cells.gru import GRUCellSpec
from lstmkit.cells.lstm import LSTMCellSpec
from lstmkit.cells.rnn import RNNCellSpec, RNNOptions
from lstmkit.errors import NoForwardPassError
from lstmkit.module import Module, parameter_array
from lstmkit.random import as_generator
from lstmkit.recurrent.rnn import NONLINEARITIES
from lstmkit.recurrent.validation import check_state_tuple
from lstmkit.validation import check_array, check_flag, check_positive_int, resolve_dtype


class RecurrentCell(Module):
    """A cell spec (`lstmkit.cells.spec`) with its own parameters; see the module docstring."""

    def __init__(self, spec, input_size, hidden_size, bias=True, dtype="float32", seed=None):
        super().__init__()
        self.spec = spec
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.bias = check_flag(bias, "bias")
        self.dtype = resolve_dtype(dtype)
        self._init_rng = as_generator(seed)
        shapes = spec.parameter_shapes(self.input_size, self.hidden_size, self.bias)
        for name, shape in shapes.items():
            setattr(self, name, self.add_parameter(name, parameter_array(shape, self.dtype)))
        self._tape = []
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every parameter ~ U(-1/sqrt(H), 1/sqrt(H)), drawn in `params` order (torch's)."""
        bound = 1.0 / np.sqrt(self.hidden_size)
        for value in self._own_params.values():
            value[...] = self._init_rng.uniform(-bound, bound, size=value.shape)

    # ---- stateless steps -----------------------------------------------------------------

    def step(self, x, state=None):
        """One step: (state', cache), state' a tuple in `spec.state_names` order."""
        x, state = self._check_inputs(x, state)
        return self.spec.step(self._own_params, x, state)

    def step_backward(self, cache, dstate):
        """Backward of `step` for the gradient `dstate` at state' (a tuple; None entries are
        zeros): (dx, dstate) and the parameter gradients added into `grads`."""
        dx, dprevious, grads = self.spec.step_backward(self._own_params, cache, tuple(dstate))
        for name, grad in grads.items():
            self._own_grads[name] += grad
        return dx, dprevious

    # ---- PyTorch's call, with a tape for backward ------------------------------------------

    def forward(self, x, state=None):
        """The new state, as torch returns it: (h, c) for the LSTM, h otherwise."""
        new, cache = self.step(x, state)
        if self.training:
            self._tape.append((cache, new[0].shape[0]))
        return self._as_user(new)

    def backward(self, dstate):
        """Backward of the newest recorded `forward`: (dx, dstate_prev), dstate and
        dstate_prev shaped like forward's state ((dh, dc) for the LSTM, either may be None;
        dh otherwise)."""
        if not self._tape:
            raise NoForwardPassError(
                f"{type(self).__name__}.backward has no recorded step: call it once per "
                "forward, newest first (forward records in training mode only)"
            )
        cache, batch = self._tape[-1]
        names = tuple(f"d{name}" for name in self.spec.state_names)
        shapes = tuple((batch, size) for size in self.spec.state_sizes(self.hidden_size))
        dstate = check_state_tuple(dstate, "dstate", names, shapes, self.dtype)
        self._tape.pop()
        dx, dprevious = self.step_backward(cache, dstate)
        return dx, self._as_user(dprevious)

    def clear(self) -> None:
        """Drop every recorded step (e.g. after forward passes not followed by backward)."""
        self._tape.clear()

    # ---- helpers -------------------------------------------------------------------------

    def _as_user(self, states: tuple):
        return states[0] if len(states) == 1 else tuple(states)

    def _check_inputs(self, x, state) -> tuple:
        """x (N, I) and the state tuple (zeros for None), checked and cast to the dtype."""
        array = np.asarray(x)
        if array.ndim != 2 or array.shape[1] != self.input_size:
            raise ValueError(f"x must have shape (N, {self.input_size}); got {array.shape}")
        x = check_array(array, "x", array.shape, self.dtype)
        batch = x.shape[0]
        sizes = self.spec.state_sizes(self.hidden_size)
        names = self.spec.state_names
        state = check_state_tuple(
            state, "state", names, tuple((batch, size) for size in sizes), self.dtype
        )
        zeros = self.spec.zero_state(batch, self.hidden_size, self.dtype)
        return x, tuple(z if s is None else s for s, z in zip(state, zeros, strict=True))

    def __repr__(self) -> str:
        extra = "" if self.bias else ", bias=False"
        if self.dtype != np.float32:
            extra += f", dtype='{self.dtype.name}'"
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size}{extra})"


class LSTMCell(RecurrentCell):
    """One LSTM step, as `torch.nn.LSTMCell`: `h, c = cell(x, (h, c))`.

        i = sigmoid(x W_ii^T + b_ii + h W_hi^T + b_hi)    f = sigmoid(... _if ... _hf)
        g = tanh(x W_ig^T + b_ig + h W_hg^T + b_hg)       o = sigmoid(... _io ... _ho)
        c' = f * c + i * g                                h' = o * tanh(c')

    Args:
        input_size: I; hidden_size: H; bias: with False, no bias_ih / bias_hh.
        dtype: "float32" (default) or "float64"; seed: None, an int, a Generator or a
            SeedSequence, the initialisation's only source.

    Example:
        >>> cell = LSTMCell(3, 5, seed=0)
        >>> h, c = cell(np.ones((2, 3)))
        >>> h, c = cell(np.ones((2, 3)), (h, c))
        >>> dx, (dh, dc) = cell.backward((np.ones((2, 5)), None))
        >>> dx, (dh, dc) = cell.backward((dh, dc))
        >>> dx.shape, cell.grads["weight_ih"].shape
        ((2, 3), (20, 3))
    """

    def __init__(self, input_size, hidden_size, bias=True, dtype="float32", seed=None):
        super().__init__(LSTMCellSpec(), input_size, hidden_size, bias, dtype, seed)


class GRUCell(RecurrentCell):
    """One GRU step, as `torch.nn.GRUCell`: `h = cell(x, h)`.

        r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)    z = sigmoid(... _iz ... _hz)
        n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))  h' = (1 - z) * n + z * h

    Arguments as `LSTMCell`'s.
    """

    def __init__(self, input_size, hidden_size, bias=True, dtype="float32", seed=None):
        super().__init__(GRUCellSpec(), input_size, hidden_size, bias, dtype, seed)


class RNNCell(RecurrentCell):
    """One Elman RNN step, as `torch.nn.RNNCell`: `h = cell(x, h)`,
    h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act = tanh (default) or relu.

    Arguments as `LSTMCell`'s, and `nonlinearity`: "tanh" or "relu".
    """

    def __init__(
        self, input_size, hidden_size, bias=True, nonlinearity="tanh", dtype="float32", seed=None
    ):
        if nonlinearity not in NONLINEARITIES:
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu'; got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        spec = RNNCellSpec(RNNOptions(activation=NONLINEARITIES[nonlinearity]))
        super().__init__(spec, input_size, hidden_size, bias, dtype, seed)

    def __repr__(self) -> str:
        text = super().__repr__()
        return text if self.nonlinearity == "tanh" else text[:-1] + ", nonlinearity='relu')"
