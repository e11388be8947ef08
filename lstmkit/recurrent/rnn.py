"""The vanilla (Elman) RNN layer: PyTorch's constructor, shapes and parameter layout."""

from lstmkit.cells.rnn import RNNOptions
from lstmkit.ops.activation_set import RELU, TANH
from lstmkit.recurrent.base import RecurrentLayer
from lstmkit.recurrent.rnn_scan import rnn_scan_backward, rnn_scan_forward

NONLINEARITIES = {"tanh": TANH, "relu": RELU}


class RNN(RecurrentLayer):
    """Elman RNN layer: h' = act(W_ih x + b_ih + W_hh h + b_hh), act = tanh or relu.

    Arguments, shapes, `lengths`, dropout, dtype and seed are those of `lstmkit.GRU`;
    `nonlinearity` is "tanh" (default) or "relu". Parameters: `weight_ih_l{k}` (H, in),
    `weight_hh_l{k}` (H, H), `bias_ih_l{k}`, `bias_hh_l{k}` (H,), exactly as `torch.nn.RNN`.
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        nonlinearity="tanh",
        bias=True,
        batch_first=True,
        dropout=0.0,
        bidirectional=False,
        dtype="float32",
        seed=None,
    ):
        if nonlinearity not in NONLINEARITIES:
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu'; got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        self.options = RNNOptions(activation=NONLINEARITIES[nonlinearity])
        super().__init__(
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype,
            seed,
        )

    def forward(self, x, state=None, lengths=None):
        """y, h_n for x (N, T, I) from state = h_0 (None: zeros)."""
        y, (h_n,) = self._run_forward(x, state, lengths)
        return y, h_n

    def backward(self, dy, dstate=None):
        """dx, dh_0 for dy = dL/dy and dstate = dL/dh_n."""
        dx, (dh_0,) = self._run_backward(dy, dstate)
        return dx, dh_0

    def _direction_shapes(self, layer_input_size):
        hidden = self.hidden_size
        shapes = {"weight_ih": (hidden, layer_input_size), "weight_hh": (hidden, hidden)}
        if self.bias:
            shapes.update(bias_ih=(hidden,), bias_hh=(hidden,))
        return shapes

    def _state_sizes(self):
        return (self.hidden_size,)

    def _scan_forward(self, params, x, states, layout):
        y, h_n, cache = rnn_scan_forward(params, x, states[0], layout, self.options)
        return y, (h_n,), cache

    def _scan_backward(self, params, grads, cache, dy, dstates, layout):
        dx, dh_0 = rnn_scan_backward(params, grads, cache, dy, dstates[0], layout, self.options)
        return dx, (dh_0,)

    def _extra_repr(self) -> str:
        extra = super()._extra_repr()
        return extra if self.nonlinearity == "tanh" else extra + ", nonlinearity='relu'"
