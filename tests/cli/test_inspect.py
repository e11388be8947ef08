"""`lstmkit inspect` and `lstmkit trace --model`: the gates of a trained LSTM, checked against
the layer's own forward pass."""

import numpy as np
import pytest

from lstmkit import LSTM, save
from lstmkit.cli import main
from lstmkit.models import SequenceClassifier
from lstmkit.viz.gates import layer_gates


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inspect")
    layer = LSTM(2, 3, num_layers=2, bidirectional=True, dtype="float64", seed=1)
    save(layer, folder / "layer.safetensors")
    rng = np.random.default_rng(0)
    X = [rng.standard_normal((5, 2)) for _ in range(12)]
    y = np.array([int(x.sum() > 0) for x in X])
    classifier = SequenceClassifier(hidden_size=3, epochs=2, seed=0).fit(X, y)
    classifier.save(folder / "classifier.safetensors")
    np.savez(folder / "data.npz", X=np.stack(X), y=y)
    return folder, layer, classifier, X


@pytest.mark.parametrize(("index", "reverse"), [(0, False), (0, True), (1, False), (1, True)])
def test_gates_reproduce_the_layers_output(models, index, reverse):
    _, layer, _, _ = models
    x = np.random.default_rng(2).standard_normal((6, 2))
    gates = layer_gates(layer, x, index, reverse)
    # the top layer's h is the layer's output y (forward half, then reverse half)
    y, (_, c_n) = layer(x[None])
    if index == 1:
        half = slice(3, 6) if reverse else slice(0, 3)
        np.testing.assert_allclose(gates["h"], y[0, :, half], atol=1e-12)
    # the final cell state matches c_n of that layer and direction (reverse ends at t = 0)
    state = index * 2 + int(reverse)
    np.testing.assert_allclose(gates["c"][0 if reverse else -1], c_n[state, 0], atol=1e-12)
    # c_t = f_t * c_{t-1} + i_t * g_t, step by step
    order = range(len(x) - 2, -1, -1) if reverse else range(1, len(x))
    for t in order:
        before = t + 1 if reverse else t - 1
        expected = gates["f"][t] * gates["c"][before] + gates["i"][t] * gates["g"][t]
        np.testing.assert_allclose(gates["c"][t], expected, atol=1e-12)


def test_inspect_writes_a_png_and_the_arrays(models, tmp_path, capsys):
    folder = models[0]
    code = main(
        ["inspect", str(folder / "layer.safetensors"), "1,0; 0,1; 1,1", "--out", str(tmp_path)]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "layer 0, forward direction; 3 steps" in out and "forget gate: on average" in out
    arrays = np.load(tmp_path / "gates.npz")
    assert sorted(arrays.files) == ["c", "f", "g", "h", "i", "o", "x"]
    assert arrays["f"].shape == (3, 3)
    png = tmp_path / "gates.png"
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert pytest.importorskip("matplotlib.image").imread(png).ndim == 3


def test_inspect_classifier_reads_the_standardised_sequence(models, tmp_path, capsys):
    folder, _, classifier, X = models
    arguments = ["inspect", str(folder / "classifier.safetensors"), str(folder / "data.npz")]
    assert main([*arguments, "--index", "4", "--out", str(tmp_path), "--quiet"]) == 0
    arrays = np.load(tmp_path / "gates.npz")
    expected = (X[4] - classifier.mean_) / classifier.scale_
    np.testing.assert_allclose(arrays["x"], expected, rtol=1e-5, atol=1e-6)


def test_trace_model_prints_the_trained_cell(models, capsys):
    folder, _, classifier, X = models
    assert (
        main(
            [
                "trace",
                "--model",
                str(folder / "classifier.safetensors"),
                "--input",
                str(folder / "data.npz"),
                "--index",
                "1",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    h_lines = [line for line in out.splitlines() if line.strip().startswith("h ")]
    assert len(h_lines) == len(X[1])
    network = classifier.network_
    network = network.member(0) if hasattr(network, "member") else network  # an ensemble's first
    gates = layer_gates(network.encoder, classifier._standardise([X[1]])[0])
    last = [float(v) for v in h_lines[-1].split("=", 1)[1].strip(" []").split(",")]
    np.testing.assert_allclose(last, gates["h"][-1], atol=5e-5)


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (["{f}/layer.safetensors", "1,0,1; 0,1,1"], 1, "the input has 3 features"),
        (["{f}/layer.safetensors", "1,0", "--layer", "2"], 2, "--layer must lie in 0..1; got 2"),
        (["{f}/classifier.safetensors", "{f}/data.npz", "--index", "99"], 2, "--index must lie"),
        (["{f}/data.npz", "1,0"], 1, "is not an lstmkit model file"),
    ],
)
def test_inspect_errors(models, tmp_path, capsys, arguments, code, message):
    filled = [a.format(f=models[0]) for a in arguments]
    assert main(["inspect", *filled, "--out", str(tmp_path)]) == code
    err = capsys.readouterr().err.strip()
    assert err.startswith("lstmkit: error: ") and "\n" not in err and message in err
