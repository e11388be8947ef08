"""ONNX export and torch conversion of the regularised / normalised recurrent layers (issue 21):
the dropout variants and weight_drop export and convert as the evaluation-mode layer (checked
in onnxruntime and torch against lstmkit's evaluation mode); layer_norm and zoneout, which act
inside the recurrence even in evaluation mode, are refused with the option named."""

import numpy as np
import pytest

from lstmkit.interop.onnx import export
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


@pytest.mark.parametrize(
    "cls, options, named",
    [
        (LSTM, {"layer_norm": True}, "layer_norm acts inside the recurrence"),
        (LSTM, {"zoneout_cell": 0.2}, "zoneout_cell acts inside"),
        (LSTM, {"zoneout_hidden": 0.2, "layer_norm": True}, "layer_norm and zoneout_hidden act"),
        (GRU, {"layer_norm": True}, "layer_norm acts inside the recurrence"),
        (GRU, {"zoneout_hidden": 0.2, "dropout_state": 0.2}, "zoneout_hidden acts inside"),
    ],
)
def test_layer_norm_and_zoneout_exports_are_refused(tmp_path, cls, options, named):
    with pytest.raises(ValueError, match=named):
        export(cls(3, 4, seed=0, **options), tmp_path / "layer.onnx")
    assert not (tmp_path / "layer.onnx").exists()


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
