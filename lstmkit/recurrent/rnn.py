"""The vanilla (Elman) RNN layer: PyTorch's constructor, shapes and parameter layout."""

from lstmkit.cells.rnn import RNNCellSpec, RNNOptions
from lstmkit.ops.activation_set import RELU, TANH
from lstmkit.recurrent.base import SingleStateLayer
from lstmkit.recurrent.validation import check_clip

NONLINEARITIES = {"tanh": TANH, "relu": RELU}


class RNN(SingleStateLayer):
    """Elman RNN layer: h' = act(W_ih x + b_ih + W_hh h + b_hh), act = tanh or relu.

    Arguments, shapes, `lengths`, dropout, clip, dtype and seed are those of `lstmkit.GRU`;
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
            RNNCellSpec(self.options),
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

    def _extra_repr(self) -> str:
        extra = super()._extra_repr()
        return extra if self.nonlinearity == "tanh" else extra + ", nonlinearity='relu'"
