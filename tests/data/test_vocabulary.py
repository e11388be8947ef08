import json

import numpy as np
import pytest

from lstmkit.data import Vocabulary, pad_ids


def test_build_orders_specials_then_frequency_then_first_appearance():
    vocab = Vocabulary.build([["b", "a", "c"], ["a", "c", "d"], ["a"]])
    # a: 3, c: 2, then b and d once each, b seen first
    assert vocab.tokens == ["<pad>", "<unk>", "a", "c", "b", "d"]
    assert (vocab.pad_id, vocab.unk_id) == (0, 1)
    assert len(vocab) == 6 and "c" in vocab and "z" not in vocab


def test_min_freq_and_max_size():
    sequences = [["a", "a", "a", "b", "b", "c"]]
    assert Vocabulary.build(sequences, min_freq=2).tokens == ["<pad>", "<unk>", "a", "b"]
    assert Vocabulary.build(sequences, max_size=3).tokens == ["<pad>", "<unk>", "a"]
    with pytest.raises(ValueError, match="min_freq"):
        Vocabulary.build(sequences, min_freq=0)
    with pytest.raises(ValueError, match="max_size"):
        Vocabulary.build(sequences, max_size=1)


def test_custom_specials_and_their_ids():
    vocab = Vocabulary.build([["x", "<bos>"]], specials=("<pad>", "<unk>", "<bos>", "<eos>"))
    assert vocab.tokens == ["<pad>", "<unk>", "<bos>", "<eos>", "x"]  # corpus <bos> not repeated
    assert vocab.id_of_special("<eos>") == 3
    with pytest.raises(ValueError, match="<sep>"):
        vocab.id_of_special("<sep>")


def test_encode_decode_and_unknown_tokens():
    vocab = Vocabulary(["the", "cat"])
    ids = vocab.encode(["the", "dog", "cat"])
    assert ids.dtype == np.int64
    np.testing.assert_array_equal(ids, [2, 1, 3])
    assert vocab.decode(ids) == ["the", "cat"]
    assert vocab.decode(ids, skip_specials=False) == ["the", "<unk>", "cat"]
    with pytest.raises(ValueError, match="not a string"):
        vocab.encode("the cat")
    with pytest.raises(ValueError, match="0..3; got 7"):
        vocab.decode([7])


def test_without_unk_unknown_token_is_an_error_naming_it():
    vocab = Vocabulary(["a"], specials=("<pad>",))
    assert vocab.unk_id is None and vocab.pad_id == 0
    with pytest.raises(ValueError, match="'zebra'"):
        vocab.id_of("zebra")


def test_json_round_trip_and_atomic_save(tmp_path):
    vocab = Vocabulary.build([["é", "b", "é"]], specials=("<pad>", "<unk>", "<bos>"))
    assert Vocabulary.from_json(json.loads(json.dumps(vocab.to_json()))) == vocab
    path = tmp_path / "vocab.json"
    vocab.save(path)
    loaded = Vocabulary.load(path)
    assert loaded == vocab and loaded.tokens == vocab.tokens
    assert list(tmp_path.iterdir()) == [path]  # no temporary left behind
    path.write_text('{"tokens": []}')
    with pytest.raises(ValueError, match="vocab.json"):
        Vocabulary.load(path)


def test_bad_arguments():
    with pytest.raises(ValueError, match="tokens must be strings"):
        Vocabulary([1, 2])
    with pytest.raises(ValueError, match="sequences\\[0\\]"):
        Vocabulary.build(["a text, not tokens"])
    with pytest.raises(ValueError, match="distinct"):
        Vocabulary(specials=("<pad>", "<pad>"))


def test_pad_ids():
    ids, lengths = pad_ids([np.array([5, 6, 7]), np.array([8])], pad_id=0)
    assert ids.dtype == np.int64 and lengths.dtype == np.int64
    np.testing.assert_array_equal(ids, [[5, 6, 7], [8, 0, 0]])
    np.testing.assert_array_equal(lengths, [3, 1])
    with pytest.raises(ValueError, match="sequences\\[1\\]"):
        pad_ids([np.array([1]), np.array([0.5])], pad_id=0)
    with pytest.raises(ValueError, match="pad_id"):
        pad_ids([np.array([1])], pad_id=-1)


@pytest.mark.parametrize(
    ("content", "message"),
    [  # issue 23 (fuzzing): a KeyError and a RecursionError escaped without the file's name
        (b'{"format": "lstmkit.vocabulary", "tokens": ["a"]}', "'specials' must be a list"),
        (b'{"format": "lstmkit.vocabulary", "specials": [], "tokens": 3}', "'tokens' must be"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"format": "caf\xe9"}', "line 1: not UTF-8 text"),
    ],
)
def test_a_damaged_vocabulary_file_is_named(tmp_path, content, message):
    path = tmp_path / "vocab.json"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=f"vocab.json.*{message}"):
        Vocabulary.load(path)
