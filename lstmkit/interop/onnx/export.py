"""`export(model, path, opset=17, lengths=True)`: an lstmkit layer or model as an ONNX file.

The graph computes what the model computes in evaluation mode (dropout off), in float32
(float64 weights are cast), for any batch size and sequence length. What each graph takes and
gives is listed in `lstmkit.interop.onnx.models` (layers, SequenceNetwork, SequenceEnsemble,
SequenceClassifier, Forecaster) and `lstmkit.interop.onnx.text_models` (TextClassifier,
CharLanguageModel, SequenceTagger). The model is checked with `onnx.checker` (full check)
before the file is written, and the file is written atomically.
"""

from lstmkit.interop.onnx import models, text_models
from lstmkit.interop.onnx.graph import DEFAULT_OPSET, GraphBuilder, save_model
from lstmkit.interop.onnx.layers import CELL_OPS
from lstmkit.models.forecaster import Forecaster
from lstmkit.models.sequence_classifier import SequenceClassifier
from lstmkit.models.sequence_ensemble import SequenceEnsemble
from lstmkit.models.sequence_network import SequenceNetwork
from lstmkit.nn.dropout import Dropout
from lstmkit.nn.embedding import Embedding
from lstmkit.nn.layer_norm import LayerNorm
from lstmkit.nn.linear import Linear
from lstmkit.nn.pooling import LastStep, MaxPool, MeanPool
from lstmkit.nn.sequential import Sequential


def _builder_for(model):
    """(graph builder function, description) for `model`, or a TypeError listing what works."""
    if type(model) in CELL_OPS:
        return models.recurrent_graph
    if isinstance(model, (LastStep, MeanPool, MaxPool)):
        return models.pool_graph
    if isinstance(model, (Linear, Embedding, LayerNorm, Dropout)):
        return lambda g, m, with_lengths: models.chain_graph(g, [m], with_lengths)
    if isinstance(model, Sequential):
        if len(model) == 0:
            raise ValueError("cannot export an empty Sequential")
        return lambda g, m, with_lengths: models.chain_graph(g, list(m), with_lengths)
    exact = {
        SequenceNetwork: models.network_graph,
        SequenceEnsemble: models.ensemble_graph,
        SequenceClassifier: models.classifier_graph,
        Forecaster: models.forecaster_graph,
    }
    for cls, builder in exact.items():
        if isinstance(model, cls):
            return builder
    if type(model).__name__ in text_models.BUILDERS:
        return text_models.BUILDERS[type(model).__name__]
    raise TypeError(
        f"no ONNX export for {type(model).__name__}; exportable: LSTM, GRU, RNN, Linear, "
        "Embedding, LayerNorm, Dropout, LastStep, MeanPool, MaxPool, Sequential, "
        "SequenceNetwork, SequenceEnsemble, SequenceClassifier, Forecaster, TextClassifier, "
        "CharLanguageModel, SequenceTagger"
    )


def to_onnx(model, opset: int = DEFAULT_OPSET, lengths: bool = True):
    """The checked onnx.ModelProto of `model` (see `export`)."""
    builder = _builder_for(model)
    g = GraphBuilder(opset)
    builder(g, model, bool(lengths))
    return g.model(doc=f"lstmkit export of {type(model).__name__}")


def export(model, path, opset: int = DEFAULT_OPSET, lengths: bool = True):
    """Write `model` to `path` as ONNX; returns the path.

    Args:
        model: an lstmkit layer (LSTM without proj_size, GRU, RNN; Linear, Embedding,
            LayerNorm, Dropout; a pooling head LastStep, MeanPool or MaxPool; a non-empty
            Sequential of Linear, Embedding, LayerNorm and Dropout), a SequenceNetwork or
            SequenceEnsemble, or a fitted SequenceClassifier, Forecaster, TextClassifier,
            CharLanguageModel or SequenceTagger. Any other type raises TypeError.
        path: the .onnx file to write (atomically: a crash never leaves half a file).
        opset: the ONNX opset, 17..21 (default 17).
        lengths: give the graphs of the recurrent layers, pooling heads, SequenceNetwork,
            SequenceEnsemble, SequenceClassifier, TextClassifier and SequenceTagger an input
            `lengths` (N,) int64, the valid steps of each padded sequence (every sequence must
            then have at least one step). With False every sequence is taken to be T steps
            long. The other graphs have no `lengths` input either way: the Forecaster reads
            windows of one length, the CharLanguageModel's streams advance together, and the
            other layers act on each position alone.
    """
    return save_model(to_onnx(model, opset, lengths), path)
