"""Readers of tagged-sentence files: CoNLL-U, and TSV/BIO files with one token per line.

Both return `TaggedSentences(sentences, tags)`: two lists of lists of strings, one word form
and one tag per token, sentence by sentence (unpack as `sentences, tags = read_...(path)`).
Files ending in `.gz` are read through gzip; text is UTF-8 (a byte-order mark is skipped).

Line rules shared by both formats (the line ending, "\\n" or "\\r\\n", is removed first):
- a TOKEN line is any line that contains a TAB. Word forms may begin with "#" (a hashtag, the
  symbol itself), so "starts with #" does not make a token line a comment;
- a blank line (nothing but spaces) ends the current sentence;
- a line without a TAB that starts with "#" is a comment when it comes between sentences
  (`# sent_id = ...`, `# text = ...`); inside a sentence, or not starting with "#", a line
  without a TAB is an error.
Malformed lines raise ValueError naming the file and the line number.

CoNLL-U (https://universaldependencies.org/format.html): 10 columns ID FORM LEMMA UPOS XPOS
FEATS HEAD DEPREL DEPS MISC. Multiword-token ranges (ID `1-2`, whose parts follow as words)
and empty nodes (ID `1.1`) are skipped, so the words are the syntactic words that carry the
tags. Word IDs must run 1, 2, 3... in each sentence.

TSV/BIO: `FORM<TAB>TAG[<TAB>more columns]`; `column` picks the tag column (1, the second, by
default), e.g. UPOS or XPOS of a `FORM UPOS XPOS` file, or the IOB2 tags of an NER file.
"""

import gzip
from pathlib import Path
from typing import NamedTuple

from lstmkit.data.damaged_files import reading

CONLLU_COLUMNS = ("id", "form", "lemma", "upos", "xpos", "feats", "head", "deprel", "deps", "misc")
FORMATS = ("conllu", "tsv")


class TaggedSentences(NamedTuple):
    """Sentences as lists of word forms and, aligned with them, lists of tags."""

    sentences: list
    tags: list


def read_conllu(path, column="upos") -> TaggedSentences:
    """Words and the tags of `column` ("upos" default, "xpos", "deprel"..., or a 0-based
    index) of a CoNLL-U file (or `.conllu.gz`)."""
    index = _conllu_column(column)
    reader = _SentenceReader(path)
    for number, fields in reader.token_lines():
        if len(fields) != 10:
            reader.fail(
                number, f"a CoNLL-U token line needs 10 TAB-separated columns; got {len(fields)}"
            )
        word_id = fields[0]
        if "-" in word_id or "." in word_id:  # multiword-token range or empty node
            continue
        expected = len(reader.words) + 1
        if word_id != str(expected):
            reader.fail(number, f"expected word ID {expected} in this sentence; got {word_id!r}")
        reader.add(number, fields[1], fields[index])
    return reader.result()


def read_tagged_tsv(path, column=1) -> TaggedSentences:
    """Words (first column) and tags (column `column`, 0-based, default 1) of a TSV/BIO
    file (or `.gz`) with one `FORM<TAB>TAG[<TAB>...]` line per token, blank lines between
    sentences."""
    if isinstance(column, bool) or not isinstance(column, int) or column < 1:
        raise ValueError(f"column must be an integer >= 1 (0 holds the word); got {column!r}")
    reader = _SentenceReader(path)
    for number, fields in reader.token_lines():
        if len(fields) <= column:
            reader.fail(
                number,
                f"expected FORM<TAB>TAG with the tag in column {column} (0-based), so at least "
                f"{column + 1} TAB-separated columns; got {len(fields)}",
            )
        reader.add(number, fields[0], fields[column])
    return reader.result()


def read_tagging_file(path, format=None, column=None) -> TaggedSentences:
    """`read_conllu` or `read_tagged_tsv`; `format` None means "conllu" for names ending in
    `.conllu` / `.conllu.gz` and "tsv" otherwise. `column` None takes each reader's default."""
    if format is None:
        name = Path(path).name.removesuffix(".gz")
        format = "conllu" if name.endswith(".conllu") else "tsv"
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS} or None; got {format!r}")
    reader = read_conllu if format == "conllu" else read_tagged_tsv
    return reader(path) if column is None else reader(path, column)


def _conllu_column(column) -> int:
    if isinstance(column, str) and column.lower() in CONLLU_COLUMNS:
        index = CONLLU_COLUMNS.index(column.lower())
    elif isinstance(column, int) and not isinstance(column, bool) and 0 <= column < 10:
        index = column
    else:
        raise ValueError(f"column must be one of {CONLLU_COLUMNS} or an index 0..9; got {column!r}")
    if index in (0, 1):
        raise ValueError(f"column must be a tag column, not {CONLLU_COLUMNS[index]!r}")
    return index


class _SentenceReader:
    """Splits a file into token lines and sentences; collects words and tags."""

    def __init__(self, path):
        self.path = Path(path)
        self.sentences, self.tags = [], []
        self.words, self.word_tags = [], []

    def fail(self, number: int, message: str):
        raise ValueError(f"{self.path}, line {number}: {message}")

    def token_lines(self):
        """(line number, fields) of every token line; sentences end at blank lines."""
        for number, line in self._lines():
            if "\t" in line:
                yield number, line.split("\t")
            elif not line.strip():
                self.end_sentence()
            elif not line.startswith("#"):
                self.fail(number, f"expected a TAB-separated token line; got {line!r}")
            elif self.words:
                self.fail(
                    number,
                    "a line without a TAB inside a sentence (comments go between "
                    f"sentences); got {line!r}",
                )
        self.end_sentence()

    def _lines(self):
        """(number, text without its line ending); bytes are decoded line by line so that a
        bad byte is reported at its own line."""
        opener = gzip.open if self.path.name.endswith(".gz") else open
        with reading(self.path), opener(self.path, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
                except UnicodeDecodeError as error:
                    self.fail(number, f"not UTF-8 text ({error.reason})")
                yield number, text.rstrip("\r\n")

    def add(self, number: int, form: str, tag: str) -> None:
        if not form.strip():
            self.fail(number, "the word form is empty")
        if not tag.strip():
            self.fail(number, "the tag is empty")
        self.words.append(form)
        self.word_tags.append(tag.strip())

    def end_sentence(self) -> None:
        if self.words:
            self.sentences.append(self.words)
            self.tags.append(self.word_tags)
            self.words, self.word_tags = [], []

    def result(self) -> TaggedSentences:
        if not self.sentences:
            raise ValueError(f"{self.path}: no tagged sentences found")
        return TaggedSentences(self.sentences, self.tags)
