"""The GRU layer: PyTorch's constructor, shapes and parameter layout, exact BPTT."""

from lstmkit.cells.gru import GRUCellSpec, GRUOptions
from lstmkit.cells.gru_regularised import RegularisedGRUCellSpec
from lstmkit.recurrent.base import SingleStateLayer
from lstmkit.recurrent.regularisers import refuse_clashes
from lstmkit.recurrent.validation import check_clip, check_flag, check_probability


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

    Regularised and normalised variants (keyword only, off by default; as in `lstmkit.LSTM`,
    equations in `lstmkit.cells.gru_regularised`):
        layer_norm: zx = LN(W_ih x), zh = LN(W_hh h) over the 3H gate rows, then the gates
            as above with a = zx + b_ih, b = zh + b_hh; parameters `ln_ih_weight_l{k}`,
            `ln_ih_bias_l{k}`, `ln_hh_weight_l{k}`, `ln_hh_bias_l{k}` (3H,), gain 1, bias 0.
        dropout_input, dropout_output: variational dropout of every layer's input and of y.
        dropout_state: the same on the copy of h in the recurrent product (the update
            h' = (1 - z) * n + z * h uses the unmasked h).
        weight_drop: DropConnect on weight_hh, one mask per forward call.
        zoneout_hidden: h' = d * h + (1 - d) * h^ (training: d a fresh 0/1 mask per step;
            evaluation: d = zoneout_hidden).
    There is no zoneout_cell (the GRU has no cell state). In evaluation mode the dropouts are
    off and the layer is the plain GRU exactly. layer_norm, dropout_state and zoneout_hidden
    need linear_before_reset=True and no clip, and run a NumPy time loop (no fused kernels).
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
        layer_norm=False,
        dropout_input=0.0,
        dropout_output=0.0,
        dropout_state=0.0,
        weight_drop=0.0,
        zoneout_hidden=0.0,
    ):
        self.linear_before_reset = check_flag(linear_before_reset, "linear_before_reset")
        self.clip = check_clip(clip)
        self.options = GRUOptions(linear_before_reset=self.linear_before_reset, clip=self.clip)
        self.layer_norm = check_flag(layer_norm, "layer_norm")
        self.dropout_state = check_probability(dropout_state, "dropout_state")
        self.zoneout_hidden = check_probability(zoneout_hidden, "zoneout_hidden")
        self._plain_cell = cell = GRUCellSpec(self.options)
        if self._in_recurrence_options():
            clashes = {
                "linear_before_reset=False": not self.linear_before_reset,
                "clip": self.clip is not None,
            }
            refuse_clashes(self._in_recurrence_options(), clashes)
            cell = RegularisedGRUCellSpec(
                layer_norm=self.layer_norm, zoneout_hidden=self.zoneout_hidden
            )
        super().__init__(
            cell,
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
