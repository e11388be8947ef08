"""The fit loop, where its batches come from, and what it reports."""

from lstmkit.training.batches import Batches, LengthBatches, StreamChunk, StreamChunks
from lstmkit.training.history import History
from lstmkit.training.trainer import NonFiniteError, StepResult, Trainer, TrainingInterrupted

__all__ = [
    "Batches",
    "History",
    "LengthBatches",
    "NonFiniteError",
    "StepResult",
    "StreamChunk",
    "StreamChunks",
    "Trainer",
    "TrainingInterrupted",
]
