"""Graphs for the text models, whose inputs are a vocabulary's ids (tokenizing stays outside
the graph: `model.vocabulary_.encode(tokens)` gives the ids, 0 being <pad>).

    TextClassifier      ids (N, T) int64 [, lengths (N,)] -> probabilities (N, K), label (N,)
    CharLanguageModel   ids (N, T), h_0 (L, N, H), c_0 (L, N, H) -> logits (N, T, V), h_n, c_n

The character model's graph is one chunk of a stream with the state in and out: feed the
prime's ids with zero states, then each drawn character's id (T = 1) with the states it gave
back; drawing from softmax(logits / temperature) stays with the caller.
"""

from lstmkit.interop.onnx.layers import Lengths, emit_embedding, emit_linear, emit_recurrent
from lstmkit.interop.onnx.models import network_logits, probabilities_and_label


def text_classifier_graph(g, model, with_lengths: bool) -> None:
    model._check_fitted()
    network = model.network_
    ids = g.add_input("ids", "int64", ["N", "T"])
    lengths = Lengths(g, g.add_input("lengths", "int64", ["N"]) if with_lengths else None)
    x_tm = emit_embedding(g, network.embedding, g.op("Transpose", [ids], perm=[1, 0]))
    logits = network_logits(g, network.encoder, x_tm, lengths)
    probabilities_and_label(g, g.op("Softmax", [logits], axis=-1), model.classes_)


def char_language_model_graph(g, model, with_lengths: bool) -> None:
    del with_lengths  # the streams of a batch advance together
    model._check_fitted()
    network = model.network_
    lstm = network.lstm
    ids = g.add_input("ids", "int64", ["N", "T"])
    slots = lstm.num_layers * lstm.num_directions
    initial = [g.add_input(n, "float", [slots, "N", lstm.hidden_size]) for n in ("h_0", "c_0")]
    x_tm = emit_embedding(g, network.embedding, g.op("Transpose", [ids], perm=[1, 0]))
    y_tm, (h_n, c_n) = emit_recurrent(g, lstm, x_tm, Lengths(g), initial=initial)
    logits = g.op("Transpose", [emit_linear(g, network.output, y_tm)], perm=[1, 0, 2])
    g.add_output(logits, "logits", "float", ["N", "T", network.vocab_size])
    g.add_output(h_n, "h_n", "float", [slots, "N", lstm.hidden_size])
    g.add_output(c_n, "c_n", "float", [slots, "N", lstm.hidden_size])


# builders by class name: these models live in modules export.py need not import
BUILDERS = {
    "TextClassifier": text_classifier_graph,
    "CharLanguageModel": char_language_model_graph,
}
