"""Reader of pre-trained word vectors in the plain-text formats of GloVe and word2vec.

Format: one word per line, the word then its D numbers, separated by spaces:

    the 0.418 0.24968 -0.41242 ...

word2vec's text format adds a first line `<count> <D>`, which is recognised and checked
(the count must match the lines read). D is set by the header or the first vector line;
the word is everything before the last D fields, so words holding spaces (GloVe 840B has a
few) are read whole. Files ending in `.gz` are decompressed on the fly. A line with another
number of fields, an empty word, or a value that is not a finite number in the dtype (NaN,
inf, 1e39 in float32) is an error naming the file and line.

Memory: pass `keep` (e.g. a vocabulary) to keep only the words needed; a 400k x 300 file is
then read in one pass without holding it all.
"""

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstmkit.data.damaged_files import reading


@dataclass
class WordVectors:
    """Words and their vectors: `vectors[k]` is the vector of `words[k]`."""

    words: list
    vectors: np.ndarray  # (n, D)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def table(self, vocabulary, lowercase_fallback=True) -> tuple[np.ndarray, np.ndarray]:
        """(rows (V, D), found (V,) bool) for the tokens of `vocabulary` (a `Vocabulary`, or a
        list of tokens), in id order. A token missing as written is looked up lowercased when
        `lowercase_fallback`; rows of missing tokens are zero."""
        tokens = getattr(vocabulary, "tokens", vocabulary)
        index = {word: k for k, word in enumerate(self.words)}
        rows = np.zeros((len(tokens), self.dim), self.vectors.dtype)
        found = np.zeros(len(tokens), bool)
        for position, token in enumerate(tokens):
            k = index.get(token)
            if k is None and lowercase_fallback:
                k = index.get(token.lower())
            if k is not None:
                rows[position], found[position] = self.vectors[k], True
        return rows, found

    def coverage(self, vocabulary, lowercase_fallback=True) -> dict:
        """How many of the vocabulary's non-special tokens have a vector:
        {"found", "total", "fraction", "missing_examples" (up to 10, most frequent first)}."""
        tokens = list(getattr(vocabulary, "tokens", vocabulary))
        specials = len(getattr(vocabulary, "specials", ()))
        _, found = self.table(tokens[specials:], lowercase_fallback)
        missing = [t for t, hit in zip(tokens[specials:], found, strict=True) if not hit]
        total = len(found)
        return {
            "found": int(found.sum()),
            "total": total,
            "fraction": float(found.sum() / total) if total else 0.0,
            "missing_examples": missing[:10],
        }


def read_word_vectors(path, keep=None, dtype=np.float32) -> WordVectors:
    """Read a GloVe / word2vec text file (see the module docstring).

    keep: None (every word) or a collection of words (with a `tokens` list, such as a
    `Vocabulary`, or any iterable): only these words and their lowercased forms are kept.
    """
    path = Path(path)
    if keep is not None:
        keep = set(getattr(keep, "tokens", keep))
        keep |= {word.lower() for word in keep}
    opener = gzip.open if path.suffix == ".gz" else open
    words, rows, dim, declared = [], [], None, None
    with reading(path), opener(path, "rt", encoding="utf-8", errors="strict") as file:
        for number, line in enumerate(file, start=1):
            fields = line.rstrip("\r\n").split(" ")
            if (
                number == 1
                and len(fields) == 2
                and all(f.isascii() and f.isdigit() and len(f) <= 18 for f in fields)
            ):
                declared, dim = int(fields[0]), int(fields[1])
                if dim < 1:
                    raise ValueError(f"{path}, line 1: the header declares {dim} dimensions")
                continue
            if not line.strip():
                continue
            while fields and fields[-1] == "":  # GloVe files often end lines with a space
                fields.pop()
            if dim is None:
                dim = len(fields) - 1
                if dim < 1:
                    raise ValueError(f"{path}, line {number}: expected a word and numbers")
            if len(fields) < dim + 1:
                raise ValueError(
                    f"{path}, line {number}: expected a word and {dim} numbers; got "
                    f"{len(fields)} fields"
                )
            word = " ".join(fields[:-dim])
            if not word:  # the line began with a space: no token is empty
                raise ValueError(
                    f"{path}, line {number}: the word is empty (the line begins with a space)"
                )
            if keep is not None and word not in keep:
                words.append(None)  # counted for the header check, not kept
                continue
            rows.append(_vector(path, number, word, fields[-dim:], dtype))
            words.append(word)
    if declared is not None and declared != len(words):
        raise ValueError(
            f"{path}: the header declares {declared} vectors; the file holds {len(words)}"
        )
    if dim is None or not words:
        raise ValueError(f"{path}: no word vectors found")
    kept = [word for word in words if word is not None]
    vectors = np.stack(rows) if rows else np.zeros((0, dim), dtype)
    return WordVectors(kept, vectors)


def _vector(path, number, word, fields, dtype) -> np.ndarray:
    """The numbers of one line as a vector; a value that is not a number, or that is not
    finite in `dtype` (NaN, inf, 1e39 in float32), is an error naming the line."""
    try:
        with np.errstate(over="ignore"):
            vector = np.array(fields, dtype=dtype)  # one conversion per line, the usual case
    except ValueError:
        vector = None
    if vector is not None and np.isfinite(vector).all():
        return vector
    faults = ((text, _fault(text, dtype)) for text in fields)
    text, problem = next(fault for fault in faults if fault[1] is not None)
    raise ValueError(f"{path}, line {number}: {text!r} {problem} (word {word!r})")


def _fault(text, dtype) -> str | None:
    """What is wrong with one value of a vector, or None."""
    try:
        with np.errstate(over="ignore"):
            value = np.array(text, dtype=dtype)
    except ValueError:
        return "is not a number"
    return None if np.isfinite(value) else f"is not a finite number in {np.dtype(dtype).name}"
