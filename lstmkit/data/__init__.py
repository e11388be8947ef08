"""Data utilities: padding variable-length sequences and batching them by length."""

from lstmkit.data.batching import length_batches
from lstmkit.data.sequences import SequenceBatch, SequenceData, pad_sequences

__all__ = ["SequenceBatch", "SequenceData", "length_batches", "pad_sequences"]
