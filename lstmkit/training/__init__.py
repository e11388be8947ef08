"""The fit loop and what it reports."""

from lstmkit.training.history import History
from lstmkit.training.trainer import NonFiniteError, StepResult, Trainer, TrainingInterrupted

__all__ = ["History", "NonFiniteError", "StepResult", "Trainer", "TrainingInterrupted"]
