"""ONNX -> lstmkit: `lstmkit.interop.onnx.load` runs lstmkit's own exports (round trip
lstmkit -> ONNX -> lstmkit) and the files `torch.onnx.export` writes for nn.LSTM / nn.GRU /
nn.RNN followed by nn.Linear (TorchScript exporter, dynamo=False: the dynamo exporter needs
onnxscript, which is not installed here), padded batches with pack_padded_sequence included."""

import warnings

import numpy as np
import pytest

from lstmkit.interop.onnx import export, load, to_onnx
from lstmkit.nn import GRU, LSTM, RNN, Embedding, LayerNorm, Linear, MaxPool, Sequential

TOL = dict(rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "layer",
    [
        LSTM(3, 4, num_layers=2, bidirectional=True, peepholes=True, seed=0),
        GRU(3, 4, num_layers=2, bidirectional=True, seed=1),
        GRU(3, 4, linear_before_reset=False, clip=1.5, seed=2),
        RNN(3, 4, num_layers=2, bidirectional=True, nonlinearity="relu", seed=3),
    ],
    ids=repr,
)
def test_lstmkit_onnx_lstmkit_round_trip_of_layers(helpers, tmp_path, layer):
    model = load(export(layer, tmp_path / "layer.onnx"))
    rng = np.random.default_rng(0)
    for batch, steps in helpers.SHAPES:
        x, lengths = helpers.padded_batch(rng, batch, steps, 3)
        y, states = layer(x, lengths=lengths)
        got = model(x, lengths)
        np.testing.assert_allclose(got[0], y, **TOL)
        expected_states = states if isinstance(states, tuple) else (states,)
        for value, state in zip(got[1:], expected_states, strict=True):
            np.testing.assert_allclose(value, state, **TOL)


def test_round_trip_of_pooling_and_simple_layers(tmp_path):
    rng = np.random.default_rng(1)
    y = rng.standard_normal((3, 5, 4)).astype(np.float32)
    lengths = np.array([5, 1, 3])
    head = load(export(MaxPool(), tmp_path / "h.onnx"))
    np.testing.assert_allclose(head(y, lengths), MaxPool()(y, lengths), **TOL)
    chain = Sequential(Embedding(9, 4, seed=0), LayerNorm(4), Linear(4, 3, seed=1))
    ids = rng.integers(0, 9, size=(2, 6))
    np.testing.assert_allclose(load(export(chain, tmp_path / "c.onnx"))(ids), chain(ids), **TOL)


@pytest.mark.parametrize("opset", [17, 18, 21])
def test_round_trip_of_a_classifier_at_several_opsets(helpers, tmp_path, onnxruntime, opset):
    model = helpers.small_classifier(num_layers=2)
    path = export(model, tmp_path / "c.onnx", opset=opset)
    x, lengths = helpers.padded_batch(np.random.default_rng(2), 4, 6, 3)
    probabilities, label = load(path)(x, lengths)
    np.testing.assert_allclose(probabilities, model.predict_proba(x, lengths), **TOL)
    np.testing.assert_array_equal(label, model.predict(x, lengths))
    runtime = helpers.ort_session(onnxruntime, path).run(None, {"x": x, "lengths": lengths})
    np.testing.assert_allclose(runtime[0], probabilities, **TOL)
    # the classifier's network alone: the ensemble's probabilities of standardised features
    ensemble = load(export(model.network_, tmp_path / "e.onnx", opset=opset))
    z = ((x - model.mean_) / model.scale_).astype(np.float32)
    expected = model.network_.probabilities(z, lengths)
    np.testing.assert_allclose(ensemble(z, lengths), expected, **TOL)


def test_round_trip_of_a_forecaster(helpers, tmp_path):
    model, series = helpers.small_forecaster()
    window = series[-model.lookback_ :][None, :, None].astype(np.float32)
    forecast = load(export(model, tmp_path / "f.onnx"))(window, np.zeros(1, np.int64))
    np.testing.assert_allclose(forecast[0, :, 0], model.predict(), **TOL)


def _torch_model(torch, cell, packed):
    nn = torch.nn
    pack, unpack = nn.utils.rnn.pack_padded_sequence, nn.utils.rnn.pad_packed_sequence

    class RecurrentThenLinear(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = cell(3, 5, num_layers=2, bidirectional=True, batch_first=True)
            self.fc = nn.Linear(10, 2)

        def forward(self, x, lengths):
            if packed:
                y, _ = self.rnn(pack(x, lengths, batch_first=True, enforce_sorted=False))
                y, _ = unpack(y, batch_first=True, total_length=x.shape[1])
            else:
                y, _ = self.rnn(x)
            return self.fc(y)

    torch.manual_seed(0)
    return RecurrentThenLinear().eval()


@pytest.mark.parametrize("packed", [False, True], ids=["full", "packed"])
@pytest.mark.parametrize("cell", ["LSTM", "GRU", "RNN"])
def test_torch_onnx_export_runs_in_lstmkit(tmp_path, torch, onnx, cell, packed):
    module = _torch_model(torch, getattr(torch.nn, cell), packed)
    path = tmp_path / "torch.onnx"
    example = (torch.randn(2, 5, 3), torch.tensor([5, 3]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            example,
            str(path),
            dynamo=False,
            opset_version=17,
            input_names=["x", "lengths"],
            output_names=["y"],
            dynamic_axes={"x": {0: "N", 1: "T"}, "lengths": {0: "N"}},
        )
    model = load(path)
    ops = {node.op_type for node in onnx.load(str(path)).graph.node}
    assert cell in ops and ({"MatMul", "Gemm"} & ops)
    rng = np.random.default_rng(3)
    for batch, steps in [(1, 1), (3, 7), (4, 2)]:
        x = rng.standard_normal((batch, steps, 3)).astype(np.float32)
        lengths = rng.integers(1, steps + 1, size=batch)
        lengths[0] = steps
        with torch.no_grad():
            expected = module(torch.from_numpy(x), torch.from_numpy(lengths)).numpy()
        feeds = {"x": x, "lengths": lengths} if packed else {"x": x}
        (y,) = model.run(None, feeds)
        np.testing.assert_allclose(y, expected, **TOL)


def test_an_unsupported_node_is_named(tmp_path, onnx):
    helper = onnx.helper
    graph = helper.make_graph(
        [helper.make_node("Einsum", ["x", "x"], ["y"], name="mystery", equation="ij,ij->i")],
        "g",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [2, 2])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [2])],
    )
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    with pytest.raises(ValueError, match=r"node 'mystery' \(op_type Einsum\) is not supported"):
        load(path)


def test_bad_feeds_and_files_are_reported(tmp_path):
    model = load(export(LSTM(2, 3, seed=0), tmp_path / "m.onnx"))
    with pytest.raises(ValueError, match=r"missing \['lengths'\], unknown \['z'\]"):
        model.run(None, {"x": np.zeros((1, 2, 2), np.float32), "z": 1})
    (tmp_path / "junk.onnx").write_bytes(b"\x00not a model")
    with pytest.raises(ValueError, match="junk.onnx: not a readable ONNX model"):
        load(tmp_path / "junk.onnx")


def test_what_cannot_be_exported_is_refused(tmp_path):
    with pytest.raises(ValueError, match="proj_size > 0 has no ONNX LSTM equivalent"):
        export(LSTM(3, 4, proj_size=2), tmp_path / "p.onnx")
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a temporary file
    with pytest.raises(TypeError, match="no ONNX export for str"):
        to_onnx("model")
    with pytest.raises(ValueError, match="opset must lie in 17..21; got 12"):
        to_onnx(LSTM(3, 4), opset=12)
