"""Data utilities: readers of .ts and CSV series, padding variable-length sequences and
batching them by length."""

from lstmkit.data.batching import length_batches
from lstmkit.data.csv_series import Series, read_csv_series
from lstmkit.data.sequences import SequenceBatch, SequenceData, pad_sequences
from lstmkit.data.ts_format import TSData, read_ts

__all__ = [
    "SequenceBatch",
    "SequenceData",
    "Series",
    "TSData",
    "length_batches",
    "pad_sequences",
    "read_csv_series",
    "read_ts",
]
