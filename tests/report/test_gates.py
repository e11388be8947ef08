"""Gate heatmaps in the reports of classify and charlm train (issue 25): the section holds the
image, and the values drawn are the model's: the input row is the sequence as the LSTM reads
it (standardised, chunked by recurrent_stride; a character's embedding), built here by hand,
and the traced h and c are what the layer's own forward pass gives for that input."""

import csv

import numpy as np
import pytest

from lstmkit.report import REPORT
from lstmkit.report.gates import GATES, traceable

GATE_NAMES = ("x", "i", "f", "g", "o", "c", "h")


@pytest.fixture
def drawn(monkeypatch):
    """Every gates dict handed to `plot_gates` while the test runs (the plot still drawn)."""
    pytest.importorskip("matplotlib")
    from lstmkit.viz import gates

    calls, draw = [], gates.plot_gates

    def record(plt, path, values, title=""):
        calls.append(values)
        draw(plt, path, values, title)

    monkeypatch.setattr(gates, "plot_gates", record)
    return calls


def gate_figure(folder):
    """The <img> of the gates in the report: its alt text (the caption); None when absent."""
    from html import unescape
    from html.parser import HTMLParser

    found = []

    class Images(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "img" and attrs["alt"].startswith("gates and states of the LSTM"):
                assert attrs["src"].startswith("data:image/png;base64,")
                found.append(unescape(attrs["alt"]))

    Images().feed((folder / REPORT).read_text(encoding="utf-8"))
    assert len(found) <= 1
    return found[0] if found else None


def assert_traced_by_the_layer(gates, layer, x):
    """The drawn x is `x`; h at every step and the last c are the layer's forward output, of
    its forward direction where it has two (float32 sums in another order: float32 rounding
    apart)."""
    assert np.array_equal(gates["x"], x)
    y, (h_n, c_n) = layer.eval()(x[None])
    forward = y[0, :, : layer.hidden_size]
    np.testing.assert_allclose(gates["h"], forward, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gates["c"][-1], c_n[0, 0], rtol=1e-5, atol=1e-6)
    assert all(gates[name].shape[0] == len(x) for name in GATE_NAMES)
    for name in ("i", "f", "o"):
        assert ((gates[name] > 0) & (gates[name] < 1)).all()


def first_test_sequence(folder, npz):
    """The raw first test sequence of a classify run (predictions.csv lists the test part in
    order; its ids index the .npz file)."""
    with open(folder / "predictions.csv", newline="") as handle:
        first = int(next(csv.DictReader(handle))["id"])
    data = np.load(npz)
    length = data["lengths"][first] if "lengths" in data else data["X"].shape[1]
    return first, data["X"][first, :length]


def classifier_and_lstm(folder):
    from lstmkit.cli.lstm_input import model_lstm

    return model_lstm(str(folder / "model.safetensors"))  # the LSTM `lstmkit inspect` reads


def test_classify_draws_the_gates_of_its_lstm_over_the_first_test_sequence(
    tiny_runs, tmp_path, drawn
):
    folder = tiny_runs.classify(tmp_path)  # LSTM-FCN, 2 members, sequences of 5 to 8 steps
    [gates] = drawn
    model, layer = classifier_and_lstm(folder)
    first, raw = first_test_sequence(folder, tmp_path / "train.npz")
    x = ((raw - model.mean_) / model.scale_).astype(np.float32)  # stride 1: step by step
    assert_traced_by_the_layer(gates, layer, x)
    assert (folder / GATES).is_file()
    caption = gate_figure(folder)
    assert caption.startswith(
        "gates and states of the LSTM (first layer, forward direction; the first ensemble "
        "member's) over test "
        f"sequence {first} (label "
    )
    assert "recurrent_stride" not in caption


def test_classify_with_a_recurrent_stride_draws_the_chunks_the_lstm_reads(
    tiny_runs, tmp_path, drawn
):
    """40 steps: the automatic recurrent_stride is 2, so the LSTM reads 20 chunks of two
    steps, each chunk the two steps' channels side by side."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((12, 40, 2)) + np.arange(12)[:, None, None] % 2
    y = np.array(["odd" if n % 2 else "even" for n in range(12)])
    np.savez(tmp_path / "long.npz", X=X, y=y)
    folder = tiny_runs.run(tmp_path, "classify", tmp_path / "long.npz", "--epochs", 1,
                           "--hidden-size", 4, "--ensemble", 1)  # fmt: skip
    [gates] = drawn
    model, layer = classifier_and_lstm(folder)
    assert model.network_.member(0).recurrent_stride == 2
    _, raw = first_test_sequence(folder, tmp_path / "long.npz")
    z = ((raw - model.mean_) / model.scale_).astype(np.float32)
    chunks = np.concatenate([z[0::2], z[1::2]], axis=1)  # chunk j: steps 2j and 2j + 1
    assert chunks.shape == (20, 4)
    assert_traced_by_the_layer(gates, layer, chunks)
    caption = gate_figure(folder)
    assert "(first layer, forward direction) over test sequence" in caption  # one member
    assert caption.endswith(
        "with recurrent_stride 2 the LSTM reads 2 consecutive steps as one, so its 20 steps "
        "are chunks of the sequence's 40"
    )


def test_charlm_draws_the_gates_of_its_lstm_over_the_start_of_the_validation_text(
    tiny_runs, tmp_path, drawn
):
    from lstmkit.models import CharLanguageModel

    folder = tiny_runs.charlm(tmp_path)
    [gates] = drawn
    text = (tmp_path / "<script>.txt").read_text()
    validation = text[len(text) - int(len(text) * 0.1) :]  # the default --validation-fraction
    model = CharLanguageModel.load(folder / "model.safetensors")
    ids = [model.vocabulary_.id_of(character) for character in validation[:40]]
    embedded = model.network_.embedding.params["weight"][ids]
    assert_traced_by_the_layer(gates, model.network_.lstm, embedded)
    assert gate_figure(folder).startswith(
        f"gates and states of the LSTM (first layer) over the first 40 characters of the "
        f"validation text, {validation[:40]!r}, from a zero state"
    )


def test_only_a_plain_lstm_is_traced():
    """The trace steps the plain LSTM cell: a GRU, or an LSTM normalised or zoned out inside
    its recurrence (which evaluation runs as such), gets no heatmap."""
    from lstmkit.recurrent import GRU, LSTM

    assert traceable(LSTM(2, 3, dropout_state=0.5, weight_drop=0.5))  # training-time only
    assert not traceable(GRU(2, 3))
    assert not traceable(LSTM(2, 3, layer_norm=True))
    assert not traceable(LSTM(2, 3, zoneout_cell=0.1))
    assert not traceable(LSTM(2, 3, zoneout_hidden=0.1))
