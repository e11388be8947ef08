"""The vanilla (Elman) RNN layer: PyTorch's constructor, shapes and parameter layout."""

from lstmkit.cells.rnn import DEFAULT_RNN_OPTIONS, RNNOptions, rnn_step
from lstmkit.ops.activation_set import RELU, TANH
from lstmkit.recurrent.base import SingleStateLayer, step_biases
from lstmkit.recurrent.rnn_scan import rnn_scan_backward, rnn_scan_forward
from lstmkit.recurrent.validation import check_clip

NONLINEARITIES = {"tanh": TANH, "relu": RELU}


class RNN(SingleStateLayer):
    """Elman RNN layer: h' = act(W_ih x + b_ih + W_hh h + b_hh), act = tanh or relu.

    Arguments, shapes, `lengths`, dropout, clip, dtype and seed are those of `lstmkit.GRU`;
    `nonlinearity` is "tanh" (default) or "relu". Parameters: `weight_ih_l{k}` (H, in),
    `weight_hh_l{k}` (H, H), `bias_ih_l{k}`, `bias_hh_l{k}` (H,), exactly as `torch.nn.RNN`.
    """

    gates = 1
    scan_forward = staticmethod(rnn_scan_forward)
    scan_backward = staticmethod(rnn_scan_backward)

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
        clip=None,
        dtype="float32",
        seed=None,
    ):
        if nonlinearity not in NONLINEARITIES:
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu'; got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        self.clip = check_clip(clip)
        self.options = RNNOptions(activation=NONLINEARITIES[nonlinearity], clip=self.clip)
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

    def _fused_step_allowed(self):
        return self.options == DEFAULT_RNN_OPTIONS

    def _step_slot(self, params, x, states, outs):
        kernels = self._step_kernels()
        if kernels is not None and x.shape[0] <= self._STEP_KERNEL_MAX_BATCH:
            biases = step_biases(params, self.hidden_size, self.dtype)
            weights = params["weight_ih"], params["weight_hh"]
            return kernels.rnn_step(x, states[0], *weights, *biases, outs[0])
        outs[0][...] = rnn_step(x, states[0], params, self.options)[0]
        return False

    def _extra_repr(self) -> str:
        extra = super()._extra_repr()
        return extra if self.nonlinearity == "tanh" else extra + ", nonlinearity='relu'"
