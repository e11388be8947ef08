"""Data utilities: readers of .ts and CSV series, padding variable-length sequences and
batching them by length."""

from lstmkit.data.batching import length_batches
from lstmkit.data.csv_series import Series, read_csv_series
from lstmkit.data.sequences import SequenceBatch, SequenceData, pad_sequences
from lstmkit.data.string_tasks import addition_pairs, date_pairs
from lstmkit.data.synthetic import adding_problem, embedded_reber, temporal_order
from lstmkit.data.tagging_files import (
    TaggedSentences,
    read_conllu,
    read_tagged_tsv,
    read_tagging_file,
)
from lstmkit.data.text_batches import pad_ids
from lstmkit.data.tokenizers import WORD_PATTERN, char_tokenize, word_tokenize
from lstmkit.data.ts_format import TSData, read_ts
from lstmkit.data.vocabulary import Vocabulary

__all__ = [
    "SequenceBatch",
    "SequenceData",
    "Series",
    "TSData",
    "TaggedSentences",
    "Vocabulary",
    "WORD_PATTERN",
    "addition_pairs",
    "adding_problem",
    "char_tokenize",
    "date_pairs",
    "embedded_reber",
    "length_batches",
    "pad_ids",
    "pad_sequences",
    "read_conllu",
    "read_csv_series",
    "read_tagged_tsv",
    "read_tagging_file",
    "read_ts",
    "temporal_order",
    "word_tokenize",
]
