"""Graphs for the text models, whose inputs are a vocabulary's ids (tokenizing stays outside
the graph: `model.vocabulary_.encode(tokens)` gives the ids, 0 being <pad>).

    TextClassifier      ids (N, T) int64 [, lengths (N,)] -> probabilities (N, K), label (N,)
    CharLanguageModel   ids (N, T), h_0 (L, N, H), c_0 (L, N, H) -> logits (N, T, V), h_n, c_n
    SequenceTagger      word_ids (N, T), lengths (N,), char_ids (N, T, C), char_lengths (N, T)
                        -> emissions (N, T, K), and tags (N, T) (argmax) without a CRF, or the
                        CRF's transitions (K, K), start (K,), end (K,) with one

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


def sequence_tagger_graph(g, model, with_lengths: bool) -> None:
    """Per-word tag scores of a SequenceTagger; decoding stays outside the graph.

    Inputs: `word_ids` (N, T): `word_vocabulary_.encode` of the words (lowercased when the
    model's `lowercase`), 0 (<pad>) past each sentence; `lengths` (N,) the sentence lengths
    (with `lengths=False` every sentence has T words); `char_ids` (N, T, C) and `char_lengths`
    (N, T): each word's characters as `lstmkit.nn.char_encoder.encode_words(words,
    model.char_vocabulary_, model.max_word_length)` gives them, padded with 0; a padding
    position takes char_lengths 1 (any value in 1..C: its features are never used).

    With a CRF the tags are the Viterbi path: `model.network_.crf_head.decode(emissions,
    lengths)` in lstmkit, or any Viterbi over the exported transitions, start and end scores
    (score = start[y_0] + sum_t emissions[t, y_t] + sum_t transitions[y_{t-1}, y_t] +
    end[y_{L-1}]). Without one they are the argmax of the emissions (output `tags`).
    """
    model._check_fitted()
    network = model.network_
    word_ids = g.add_input("word_ids", "int64", ["N", "T"])
    lengths = Lengths(g, g.add_input("lengths", "int64", ["N"]) if with_lengths else None)
    char_ids = g.add_input("char_ids", "int64", ["N", "T", "C"])
    char_lengths = g.add_input("char_lengths", "int64", ["N", "T"])
    words_tm = g.op("Transpose", [word_ids], perm=[1, 0])
    w = emit_embedding(g, network.words, words_tm)  # (T, N, Ew)
    c = _char_features(
        g,
        network.chars,
        g.op("Transpose", [char_ids], perm=[1, 0, 2]),
        g.op("Transpose", [char_lengths], perm=[1, 0]),
    )
    y_tm, _ = emit_recurrent(g, network.encoder, g.op("Concat", [w, c], axis=2), lengths)
    emissions = g.op("Transpose", [emit_linear(g, network.output, y_tm)], perm=[1, 0, 2])
    K = network.num_tags
    g.add_output(emissions, "emissions", "float", ["N", "T", K])
    crf = network.crf_head
    if crf is None:
        g.add_output(g.op("ArgMax", [emissions], axis=2, keepdims=0), "tags", "int64", ["N", "T"])
        return
    for name, shape in (("transitions", [K, K]), ("start", [K]), ("end", [K])):
        g.add_output(g.constant(crf.params[name], f"crf_{name}"), name, "float", shape)


def _char_features(g, chars, char_ids_tm: str, char_lengths_tm: str) -> str:
    """CharEncoder on every position: (T, N, C) ids -> (T, N, 2 Hc) = [forward final state,
    reverse final state] of the character BiLSTM over each word's own characters."""
    width = g.op("Shape", [char_ids_tm], start=2)  # [C]
    flat_shape = g.op("Concat", [g.constant([-1], "minus_one"), width], axis=0)
    flat = g.op("Reshape", [char_ids_tm, flat_shape])
    # (T*N, C) -> (C, T*N, E): characters are the time axis of the character LSTM
    x = emit_embedding(g, chars.embedding, g.op("Transpose", [flat], perm=[1, 0]))
    word_lengths = Lengths(g, g.op("Reshape", [char_lengths_tm, g.constant([-1], "shape")]))
    _, (h_n, _) = emit_recurrent(g, chars.lstm, x, word_lengths)  # h_n (2, T*N, Hc)
    features = g.op("Transpose", [h_n], perm=[1, 0, 2])  # (T*N, 2, Hc)
    leading = g.op("Shape", [char_lengths_tm])  # [T, N]
    shape = g.op("Concat", [leading, g.constant([-1], "minus_one")], axis=0)
    return g.op("Reshape", [features, shape])


# builders by class name: these models live in modules export.py need not import
BUILDERS = {
    "TextClassifier": text_classifier_graph,
    "CharLanguageModel": char_language_model_graph,
    "SequenceTagger": sequence_tagger_graph,
}
