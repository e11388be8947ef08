import gzip

import numpy as np
import pytest

from lstmkit.data import Vocabulary
from lstmkit.data.word_vectors import read_word_vectors

GLOVE = "the 0.1 0.2 0.3 \ncat -1 2.5 3e-1\nNew York 1 1 1\n"


def test_glove_format_with_words_holding_spaces(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text(GLOVE)
    table = read_word_vectors(path)
    assert table.words == ["the", "cat", "New York"] and table.dim == 3
    assert table.vectors.dtype == np.float32
    np.testing.assert_array_equal(table.vectors[1], np.float32([-1, 2.5, 0.3]))


def test_word2vec_header_and_gzip(tmp_path):
    path = tmp_path / "v.txt.gz"
    with gzip.open(path, "wt") as file:
        file.write("2 2\nhello 1 2\nworld 3 4\n")
    table = read_word_vectors(path, dtype=np.float64)
    assert table.words == ["hello", "world"]
    np.testing.assert_array_equal(table.vectors, [[1, 2], [3, 4]])
    path = tmp_path / "w.txt"
    path.write_text("3 2\nhello 1 2\nworld 3 4\n")
    with pytest.raises(ValueError, match="declares 3 vectors; the file holds 2"):
        read_word_vectors(path)


def test_keep_table_and_coverage_with_lowercase_fallback(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text(GLOVE)
    vocabulary = Vocabulary(["The", "cat", "dog", "zebra"])
    table = read_word_vectors(path, keep=vocabulary)
    assert table.words == ["the", "cat"]  # "New York" dropped, "the" kept for "The"
    rows, found = table.table(vocabulary)
    assert found.tolist() == [False, False, True, True, False, False]
    np.testing.assert_array_equal(rows[2], np.float32([0.1, 0.2, 0.3]))
    assert not rows[~found].any()
    coverage = table.coverage(vocabulary)
    assert coverage == {
        "found": 2,
        "total": 4,
        "fraction": 0.5,
        "missing_examples": ["dog", "zebra"],
    }
    assert table.coverage(vocabulary, lowercase_fallback=False)["found"] == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a 1 2\nb 1\n", "line 2: expected a word and 2 numbers; got 2 fields"),
        ("a 1 2\nb 1 x\n", "line 2: 'x' is not a number (word 'b')"),
        ("\n\n", "no word vectors"),
        # issue 23 (fuzzing): non-finite values and empty headers were read silently
        ("a 1 nan\n", "line 1: 'nan' is not a finite number in float32 (word 'a')"),
        ("a 1 2\nb 1e39 2\n", "line 2: '1e39' is not a finite number in float32"),
        ("0 0\n", "line 1: the header declares 0 dimensions"),
        ("0 3\n", "no word vectors"),
        ("a 1\n 2\n", "line 2: the word is empty"),
    ],
)
def test_malformed_files_name_file_and_line(tmp_path, content, message):
    path = tmp_path / "bad.vec"
    path.write_text(content)
    with pytest.raises(ValueError, match="bad.vec") as error:
        read_word_vectors(path)
    assert message in str(error.value)
