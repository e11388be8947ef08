"""The fit loop, where its batches come from, and what it reports."""

from lstmkit.training.batches import (
    Batches,
    LengthBatches,
    OnlineBatches,
    StreamChunk,
    StreamChunks,
)
from lstmkit.training.history import History
from lstmkit.training.step import NonFiniteError, StepResult, TrainingInterrupted
from lstmkit.training.trainer import Trainer

__all__ = [
    "Batches",
    "History",
    "LengthBatches",
    "NonFiniteError",
    "OnlineBatches",
    "StepResult",
    "StreamChunk",
    "StreamChunks",
    "Trainer",
    "TrainingInterrupted",
]
