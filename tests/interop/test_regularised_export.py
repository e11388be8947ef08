"""ONNX export and torch conversion of the regularised / normalised recurrent layers (issue 21):
the dropout variants and weight_drop export and convert as the evaluation-mode layer (checked
in onnxruntime and torch against lstmkit's evaluation mode); layer_norm and zoneout, which act
inside the recurrence even in evaluation mode, export as a Scan of standard operators (checked
in onnxruntime) and are refused by to_torch with the option named (torch has no such layer)."""

import numpy as np
import pytest

from lstmkit.interop.onnx import export
from lstmkit.interop.onnx.graph import GraphBuilder
from lstmkit.interop.onnx.layers import Lengths, emit_recurrent
from lstmkit.interop.torch import to_torch
from lstmkit.nn import GRU, LSTM

DROPOUTS = {"dropout_input": 0.4, "dropout_output": 0.4, "weight_drop": 0.4}
LAYERS = [
    LSTM(3, 4, num_layers=2, bidirectional=True, seed=0, dropout_state=0.4, **DROPOUTS),
    GRU(3, 4, bidirectional=True, seed=1, dropout_state=0.4, **DROPOUTS),
]


def _train_once(layer, x):
    """One training-mode pass, so the masks have acted at least once before export."""
    layer.train()
    assert layer(x)[0].shape[0] == x.shape[0] and layer.last_masks()


@pytest.mark.parametrize("layer", LAYERS, ids=repr)
def test_dropout_variants_export_the_evaluation_mode_layer(
    helpers, tmp_path, onnx, onnxruntime, layer
):
    rng = np.random.default_rng(0)
    x, lengths = helpers.padded_batch(rng, 4, 6, 3)
    _train_once(layer, x)
    path = export(layer, tmp_path / "layer.onnx")
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    got = helpers.ort_session(onnxruntime, path).run(None, {"x": x, "lengths": lengths})
    expected_y, states = layer.eval()(x, lengths=lengths)
    states = states if isinstance(states, tuple) else (states,)
    np.testing.assert_allclose(got[0], expected_y, rtol=1e-5, atol=1e-5)
    for value, state in zip(got[1:], states, strict=True):
        np.testing.assert_allclose(value, state, rtol=1e-5, atol=1e-5)


NORMALISED = [
    LSTM(
        3,
        4,
        num_layers=2,
        bidirectional=True,
        seed=2,
        layer_norm=True,
        zoneout_cell=0.3,
        zoneout_hidden=0.2,
        **DROPOUTS,
    ),
    LSTM(3, 4, seed=3, zoneout_hidden=0.4, bias=False, batch_first=False),
    GRU(3, 4, num_layers=2, bidirectional=True, seed=4, layer_norm=True, zoneout_hidden=0.3),
    GRU(3, 4, seed=5, layer_norm=True, dtype="float64"),  # exported in float32
]


@pytest.mark.parametrize("with_lengths", [True, False])
@pytest.mark.parametrize("layer", NORMALISED, ids=repr)
def test_layer_norm_and_zoneout_export_as_a_scan_of_standard_operators(
    helpers, tmp_path, onnx, onnxruntime, layer, with_lengths
):
    """Their evaluation mode (zoneout's expectation) runs in onnxruntime as lstmkit computes
    it, for several batch sizes and lengths, with no LSTM / GRU operator in the graph."""
    path = export(layer.eval(), tmp_path / "layer.onnx", lengths=with_lengths)
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert {"Scan"} <= {n.op_type for n in model.graph.node}
    assert not {"LSTM", "GRU"} & {n.op_type for n in model.graph.node}
    session = helpers.ort_session(onnxruntime, path)
    rng = np.random.default_rng(0)
    for batch, steps in helpers.SHAPES:
        x, lengths = helpers.padded_batch(rng, batch, steps, 3)
        x = x if layer.batch_first else x.transpose(1, 0, 2)
        feeds = {"x": x, "lengths": lengths} if with_lengths else {"x": x}
        expected_y, states = layer(x, lengths=lengths if with_lengths else None)
        states = states if isinstance(states, tuple) else (states,)
        got = session.run(None, feeds)
        np.testing.assert_allclose(got[0], expected_y, rtol=1e-5, atol=1e-5)
        for value, state in zip(got[1:], states, strict=True):
            np.testing.assert_allclose(value, state, rtol=1e-5, atol=1e-5)


def test_the_scan_export_starts_from_given_states(onnx, onnxruntime, helpers):
    """emit_recurrent's initial states (as a decoder's graph passes them) reach the Scan."""
    layer = LSTM(3, 4, bidirectional=True, seed=6, layer_norm=True, zoneout_cell=0.2).eval()
    g = GraphBuilder()
    x = g.add_input("x", "float", ["T", "N", 3])
    initial = [g.add_input(name, "float", [2, "N", 4]) for name in ("h_0", "c_0")]
    lengths = Lengths(g, g.add_input("lengths", "int64", ["N"]))
    y, finals = emit_recurrent(g, layer, x, lengths, initial)
    g.add_output(y, "y", "float", ["T", "N", 8])
    for state, name in zip(finals, ("h_n", "c_n"), strict=True):
        g.add_output(state, name, "float", [2, "N", 4])
    session = onnxruntime.InferenceSession(
        g.model().SerializeToString(), providers=["CPUExecutionProvider"]
    )
    rng = np.random.default_rng(1)
    x_value, lengths_value = helpers.padded_batch(rng, 3, 5, 3)
    x_value = x_value.transpose(1, 0, 2).copy()
    states = [rng.standard_normal((2, 3, 4)).astype(np.float32) for _ in range(2)]
    got = session.run(
        None, {"x": x_value, "h_0": states[0], "c_0": states[1], "lengths": lengths_value}
    )
    expected_y, (h_n, c_n) = layer(x_value.transpose(1, 0, 2), tuple(states), lengths_value)
    np.testing.assert_allclose(got[0], expected_y.transpose(1, 0, 2), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got[1], h_n, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got[2], c_n, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("make", [lambda: LAYERS[0], lambda: LAYERS[1]], ids=["LSTM", "GRU"])
def test_dropout_variants_convert_to_torch_as_their_evaluation_weights(torch, make):
    layer = make()
    x = np.random.default_rng(2).standard_normal((3, 5, 3)).astype(np.float32)
    _train_once(layer, x)
    twin = to_torch(layer.eval())
    assert set(twin.state_dict()) == set(layer.params)
    with torch.no_grad():
        y, _ = twin(torch.from_numpy(x))
    np.testing.assert_allclose(y.numpy(), layer(x)[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "cls, option",
    [(LSTM, "layer_norm"), (LSTM, "zoneout_cell"), (LSTM, "zoneout_hidden"), (GRU, "layer_norm")],
)
def test_layer_norm_and_zoneout_do_not_convert_to_torch(torch, cls, option):
    value = True if option == "layer_norm" else 0.1
    name = cls.__name__
    with pytest.raises(ValueError, match=f"has {option}, which torch.nn.{name} does not support"):
        to_torch(cls(3, 4, **{option: value}))
