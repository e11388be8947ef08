import unicodedata

import pytest

from lstmkit.data import WORD_PATTERN, char_tokenize, word_tokenize


def test_word_tokenize_words_numbers_punctuation():
    text = "Don't stop: it's 3.14, 1,000 state-of-the-art l’été! 😀 ..."
    assert word_tokenize(text) == [
        "Don't", "stop", ":", "it's", "3.14", ",", "1,000", "state-of-the-art", "l’été",
        "!", "😀", ".", ".", ".",
    ]  # fmt: skip


def test_word_tokenize_lowercase_and_unicode_letters():
    assert word_tokenize("Größe ÜBER Straße", lowercase=True) == ["größe", "über", "straße"]
    assert word_tokenize("  \t\n ") == []
    assert word_tokenize("trailing- 'quoted'") == ["trailing", "-", "'", "quoted", "'"]


def test_nfc_normalisation_merges_combining_forms():
    decomposed = "cafe\u0301"  # e + combining acute accent
    assert unicodedata.normalize("NFC", decomposed) != decomposed
    assert char_tokenize(decomposed) == ["c", "a", "f", "é"]
    assert word_tokenize(decomposed) == ["café"]


def test_char_tokenize_one_token_per_code_point():
    assert char_tokenize("a b\n") == ["a", " ", "b", "\n"]
    assert char_tokenize("") == []


def test_pattern_is_exported_and_non_strings_rejected():
    assert WORD_PATTERN.findall("a-b c") == ["a-b", "c"]
    with pytest.raises(ValueError, match="text must be a str"):
        word_tokenize(["a"])
    with pytest.raises(ValueError, match="text must be a str"):
        char_tokenize(b"bytes")
