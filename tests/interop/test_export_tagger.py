"""The SequenceTagger's graph: emissions from word ids and per-word characters, against
lstmkit in onnxruntime and in `load`; the tags (argmax, or the CRF's Viterbi over the exported
emissions) equal `predict`'s."""

import numpy as np
import pytest

from lstmkit.interop.onnx import export, load
from lstmkit.models.sequence_tagger import SequenceTagger
from lstmkit.nn.char_encoder import encode_words

TOL = dict(rtol=1e-5, atol=1e-5)


def _tagger_feeds(model, sentences):
    """The graph's inputs for `sentences`, built as docs/interop.md describes."""
    count, steps = len(sentences), max(map(len, sentences))
    encoded = [encode_words(s, model.char_vocabulary_, model.max_word_length) for s in sentences]
    width = max(ids.shape[1] for ids, _ in encoded)
    word_ids = np.zeros((count, steps), np.int64)
    char_ids = np.zeros((count, steps, width), np.int64)
    char_lengths = np.ones((count, steps), np.int64)
    for n, (sentence, (ids, lengths)) in enumerate(zip(sentences, encoded, strict=True)):
        forms = [w.lower() for w in sentence] if model.lowercase else sentence
        word_ids[n, : len(sentence)] = model.word_vocabulary_.encode(forms)
        char_ids[n, : len(sentence), : ids.shape[1]] = ids
        char_lengths[n, : len(sentence)] = lengths
    lengths = np.array([len(s) for s in sentences], np.int64)
    return dict(word_ids=word_ids, lengths=lengths, char_ids=char_ids, char_lengths=char_lengths)


@pytest.mark.parametrize("crf", [True, False])
def test_sequence_tagger(helpers, tmp_path, onnx, onnxruntime, crf):
    sentences = [["The", "cat", "sat"], ["A", "dog", "ran", "fast"], ["Cats", "run"]] * 5
    tags = [["D", "N", "V"], ["D", "N", "V", "R"], ["N", "V"]] * 5
    model = SequenceTagger(
        crf=crf, word_dim=6, char_dim=4, char_hidden_size=3, hidden_size=8, epochs=2, seed=0
    ).fit(sentences, tags)
    path = export(model, tmp_path / "tagger.onnx")
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    session = helpers.ort_session(onnxruntime, path)
    for batch in (
        [["Dogs"]],
        [["The", "dog", "runs", "fast", "today"], ["Cat"], ["unknownwordhere", "sat"]],
    ):
        feeds = _tagger_feeds(model, batch)
        outputs = session.run(None, feeds)
        data = model._data(batch)
        expected = model.network_.eval().forward(data.batch(np.arange(len(batch))))
        valid = np.arange(expected.shape[1]) < feeds["lengths"][:, None]
        np.testing.assert_allclose(outputs[0][valid], expected[valid], **TOL)
        np.testing.assert_allclose(load(path).run(None, feeds)[0], outputs[0], **TOL)
        if crf:
            paths = model.network_.crf_head.decode(outputs[0], feeds["lengths"])[0]
        else:
            paths = outputs[1]
        predicted = [[model.classes_[k] for k in paths[n, : len(s)]] for n, s in enumerate(batch)]
        assert predicted == model.predict(batch)
