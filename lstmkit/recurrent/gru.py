"""The GRU layer: PyTorch's constructor, shapes and parameter layout, exact BPTT."""

from lstmkit.cells.gru import GRUCellSpec, GRUOptions
from lstmkit.recurrent.base import SingleStateLayer
from lstmkit.recurrent.validation import check_clip, check_flag


class GRU(SingleStateLayer):
    """Gated recurrent unit layer (stacked, bidirectional, variable-length).

    Per step, for every layer and direction (equations of `lstmkit.cells.gru`):

        r  = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
        z  = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
        n  = tanh(W_in x + b_in + r * (W_hn h + b_hn))     linear_before_reset=True (torch)
        n  = tanh(W_in x + b_in + W_hn (r * h) + b_hn)     linear_before_reset=False (ONNX default)
        h' = (1 - z) * n + z * h

    Arguments, shapes, `lengths`, dropout, clip, dtype and seed are those of `lstmkit.LSTM`,
    with one state tensor: `forward(x, state=None, lengths=None)` returns `y, h_n` with
    h_n (D*num_layers, N, H), and `backward(dy, dstate=None)` (dstate = dh_n) returns
    `dx, dh_0`. Parameters: `weight_ih_l{k}` (3H, in), `weight_hh_l{k}` (3H, H), `bias_ih_l{k}`,
    `bias_hh_l{k}` (3H,), rows in the order r, z, n, exactly as `torch.nn.GRU`.

    Regularisers (keyword only, training mode, off by default; as in `lstmkit.LSTM`):
    `dropout_input` and `dropout_output` (variational: one mask per sequence and feature, the
    same at every step) and `weight_drop` (DropConnect on weight_hh, one mask per forward
    call). In evaluation mode the layer is the plain GRU exactly. Not offered for the GRU:
    `dropout_state` (the state h enters both the gates' product and the update
    h' = (1 - z) * n + z * h, so a mask on h alone has no single placement) and zoneout and
    layer_norm, which would need a GRU step of their own.
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
        clip=None,
        dtype="float32",
        seed=None,
        *,
        dropout_input=0.0,
        dropout_output=0.0,
        weight_drop=0.0,
    ):
        self.linear_before_reset = check_flag(linear_before_reset, "linear_before_reset")
        self.clip = check_clip(clip)
        self.options = GRUOptions(linear_before_reset=self.linear_before_reset, clip=self.clip)
        super().__init__(
            GRUCellSpec(self.options),
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype,
            seed,
            dropout_input=dropout_input,
            dropout_output=dropout_output,
            weight_drop=weight_drop,
        )

    def _extra_repr(self) -> str:
        extra = super()._extra_repr()
        return extra if self.linear_before_reset else extra + ", linear_before_reset=False"
