"""The text models' graphs: TextClassifier (ids -> probabilities and label) and
CharLanguageModel (one chunk of a stream, state in and out) against lstmkit, in onnxruntime
and in `load`, for several batch sizes and lengths."""

import numpy as np

from lstmkit.data.text_batches import pad_ids
from lstmkit.data.tokenizers import word_tokenize
from lstmkit.interop.onnx import export, load
from lstmkit.models.char_language_model import CharLanguageModel
from lstmkit.models.text_classifier import TextClassifier

TOL = dict(rtol=1e-5, atol=1e-5)


def _check(onnx, path):
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)


def test_text_classifier(helpers, tmp_path, onnx, onnxruntime):
    texts = ["good film", "bad film", "great fun here", "awful plot", "good fun", "bad plot"] * 4
    labels = ["pos", "neg", "pos", "neg", "pos", "neg"] * 4
    model = TextClassifier(hidden_size=8, embedding_dim=6, epochs=2, seed=0).fit(texts, labels)
    path = export(model, tmp_path / "text.onnx")
    _check(onnx, path)
    session = helpers.ort_session(onnxruntime, path)
    for batch in (["good plot"], ["a bad, bad film", "fun", "unseen words only here"]):
        ids = [model.vocabulary_.encode(word_tokenize(t, lowercase=True)) for t in batch]
        x, lengths = pad_ids(ids, model.vocabulary_.pad_id)
        feeds = {"ids": x, "lengths": np.asarray(lengths, np.int64)}
        probabilities, label = session.run(None, feeds)
        np.testing.assert_allclose(probabilities, model.predict_proba(batch), **TOL)
        np.testing.assert_array_equal(label, model.predict(batch))
        np.testing.assert_allclose(load(path).run(None, feeds)[0], probabilities, **TOL)


def test_char_language_model_streams_with_state(helpers, tmp_path, onnx, onnxruntime):
    text = "the cat sat on the mat. the dog sat on the log.\n" * 20
    model = CharLanguageModel(
        embedding_dim=8, hidden_size=12, num_layers=2, epochs=1, batch_size=4, seq_len=16, seed=0
    ).fit(text)
    path = export(model, tmp_path / "lm.onnx")
    _check(onnx, path)
    session, loaded = helpers.ort_session(onnxruntime, path), load(path)
    network = model.network_.eval()
    rng = np.random.default_rng(0)
    for batch, steps in [(1, 1), (2, 6), (3, 4)]:
        ids = rng.integers(0, len(model.vocabulary_), size=(batch, steps))
        state = [rng.standard_normal((2, batch, 12)).astype(np.float32) for _ in range(2)]
        feeds = {"ids": ids, "h_0": state[0], "c_0": state[1]}
        logits, (h_n, c_n) = network(ids, tuple(state))
        for outputs in (session.run(None, feeds), loaded.run(None, feeds)):
            for got, expected in zip(outputs, (logits, h_n, c_n), strict=True):
                np.testing.assert_allclose(got, expected, **TOL)
