"""The GRU layer: PyTorch's constructor, shapes and parameter layout, exact BPTT."""

from lstmkit.cells.gru import GRUOptions
from lstmkit.recurrent.base import RecurrentLayer
from lstmkit.recurrent.gru_scan import gru_scan_backward, gru_scan_forward


class GRU(RecurrentLayer):
    """Gated recurrent unit layer (stacked, bidirectional, variable-length).

    Per step, for every layer and direction (equations of `lstmkit.cells.gru`):

        r  = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
        z  = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
        n  = tanh(W_in x + b_in + r * (W_hn h + b_hn))     linear_before_reset=True (torch)
        n  = tanh(W_in x + b_in + W_hn (r * h) + b_hn)     linear_before_reset=False (ONNX default)
        h' = (1 - z) * n + z * h

    Arguments, shapes, `lengths`, dropout, dtype and seed are those of `lstmkit.LSTM`, with one
    state tensor: `forward(x, state=None, lengths=None)` returns `y, h_n` with
    h_n (D*num_layers, N, H), and `backward(dy, dstate=None)` (dstate = dh_n) returns
    `dx, dh_0`. Parameters: `weight_ih_l{k}` (3H, in), `weight_hh_l{k}` (3H, H), `bias_ih_l{k}`,
    `bias_hh_l{k}` (3H,), rows in the order r, z, n, exactly as `torch.nn.GRU`.
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=True,
        dropout=0.0,
        bidirectional=False,
        linear_before_reset=True,
        dtype="float32",
        seed=None,
    ):
        self.linear_before_reset = bool(linear_before_reset)
        self.options = GRUOptions(linear_before_reset=self.linear_before_reset)
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
        gates, hidden = 3 * self.hidden_size, self.hidden_size
        shapes = {"weight_ih": (gates, layer_input_size), "weight_hh": (gates, hidden)}
        if self.bias:
            shapes.update(bias_ih=(gates,), bias_hh=(gates,))
        return shapes

    def _state_sizes(self):
        return (self.hidden_size,)

    def _scan_forward(self, params, x, states, layout):
        y, h_n, cache = gru_scan_forward(params, x, states[0], layout, self.options)
        return y, (h_n,), cache

    def _scan_backward(self, params, grads, cache, dy, dstates, layout):
        dx, dh_0 = gru_scan_backward(params, grads, cache, dy, dstates[0], layout, self.options)
        return dx, (dh_0,)

    def _extra_repr(self) -> str:
        extra = super()._extra_repr()
        return extra if self.linear_before_reset else extra + ", linear_before_reset=False"
