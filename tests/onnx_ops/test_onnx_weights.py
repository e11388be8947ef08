"""The layout mapping between lstmkit layers and the ONNX operators, both ways."""

import numpy as np
import pytest

from lstmkit import GRU, LSTM, RNN, onnx_ops
from lstmkit.onnx_ops.weights import lstmkit_to_onnx, onnx_to_lstmkit, reorder_blocks


def test_reorder_blocks_moves_whole_gate_blocks():
    a = np.repeat(np.arange(4), 2)  # blocks [0 0 | 1 1 | 2 2 | 3 3]
    np.testing.assert_array_equal(reorder_blocks(a, (0, 2, 3, 1)), [0, 0, 2, 2, 3, 3, 1, 1])


def test_lstm_gate_order_by_hand():
    """ONNX i, o, f, c  ->  lstmkit i, f, g, o, checked on labelled rows."""
    W = np.array([["i"], ["o"], ["f"], ["c"]])
    assert onnx_to_lstmkit("lstm", W, W)["weight_ih"].ravel().tolist() == ["i", "f", "c", "o"]
    P = np.array(["pi", "po", "pf"])
    assert onnx_to_lstmkit("lstm", W, W, P=P)["weight_ch"].ravel().tolist() == ["pi", "pf", "po"]
    G = np.array([["z"], ["r"], ["h"]])
    assert onnx_to_lstmkit("gru", G, G)["weight_hh"].ravel().tolist() == ["r", "z", "h"]


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_round_trip(cell):
    rng = np.random.default_rng(0)
    gates = {"lstm": 4, "gru": 3, "rnn": 1}[cell]
    params = {
        "weight_ih": rng.standard_normal((gates * 3, 2)),
        "weight_hh": rng.standard_normal((gates * 3, 3)),
        "bias_ih": rng.standard_normal(gates * 3),
        "bias_hh": rng.standard_normal(gates * 3),
    }
    if cell == "lstm":
        params["weight_ch"] = rng.standard_normal((3, 3))
    onnx = lstmkit_to_onnx(cell, params)
    back = onnx_to_lstmkit(cell, onnx["W"], onnx["R"], onnx["B"], onnx.get("P"))
    assert set(back) == set(params)
    for k in params:
        np.testing.assert_array_equal(back[k], params[k])


def test_projection_is_refused():
    with pytest.raises(ValueError, match="proj_size > 0 has no ONNX LSTM equivalent"):
        lstmkit_to_onnx("lstm", {"weight_ih": 0, "weight_hh": 0, "weight_hr": 0})


def _onnx_inputs(layer, cell):
    """The layer's weights as ONNX W, R, B (and P), directions stacked."""
    suffixes = ["_l0", "_l0_reverse"] if layer.bidirectional else ["_l0"]
    per_direction = [
        lstmkit_to_onnx(
            cell, {k.removesuffix(s): v for k, v in layer.params.items() if k.endswith(s)}
        )
        for s in suffixes
    ]
    return {name: np.stack([d[name] for d in per_direction]) for name in per_direction[0]}


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize(
    "make, cell, options",
    [
        (
            lambda bi: LSTM(
                3,
                4,
                bidirectional=bi,
                peepholes=True,
                clip=0.8,
                input_forget=True,
                dtype="float64",
                seed=1,
            ),
            "lstm",
            {"clip": 0.8, "input_forget": 1},
        ),
        (
            lambda bi: GRU(3, 4, bidirectional=bi, dtype="float64", seed=2),
            "gru",
            {"linear_before_reset": 1},
        ),
        (
            lambda bi: GRU(
                3, 4, bidirectional=bi, linear_before_reset=False, dtype="float64", seed=3
            ),
            "gru",
            {},
        ),
        (
            lambda bi: RNN(3, 4, bidirectional=bi, nonlinearity="relu", dtype="float64", seed=4),
            "rnn",
            {"activations": ["Relu"]},
        ),
    ],
)
def test_layer_equals_onnx_operator_with_mapped_weights(make, cell, options, bidirectional):
    layer = make(bidirectional)
    if "activations" in options:
        options = {**options, "activations": options["activations"] * (1 + bidirectional)}
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 6, 3))
    lengths = np.array([6, 3])
    y, finals = layer(x, lengths=lengths)
    outputs = getattr(onnx_ops, cell)(
        x,
        **_onnx_inputs(layer, cell),
        sequence_lens=lengths,
        layout=1,
        direction="bidirectional" if bidirectional else "forward",
        **options,
    )
    Y = outputs[0]  # [batch, seq, num_directions, hidden]
    np.testing.assert_allclose(Y.reshape(2, 6, -1), y, rtol=0, atol=1e-12)
    h_n = finals[0] if cell == "lstm" else finals
    np.testing.assert_allclose(outputs[1].transpose(1, 0, 2), h_n, rtol=0, atol=1e-12)
    if cell == "lstm":
        np.testing.assert_allclose(outputs[2].transpose(1, 0, 2), finals[1], rtol=0, atol=1e-12)


def test_one_direction_takes_a_two_direction_activation_list_and_uses_the_first():
    """The RNN schema's default activations list two names even for one direction."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 2, 4)).astype(np.float32)
    W = rng.standard_normal((1, 5, 4)).astype(np.float32)
    R = rng.standard_normal((1, 5, 5)).astype(np.float32)
    two = onnx_ops.rnn(X, W, R, activations=["Relu", "Tanh"])
    one = onnx_ops.rnn(X, W, R, activations=["Relu"])
    np.testing.assert_array_equal(two[0], one[0])
    with pytest.raises(ValueError, match="activations must list 1 activation names"):
        onnx_ops.rnn(X, W, R, activations=["Relu", "Tanh", "Tanh"])
