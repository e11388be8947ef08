"""What a step function hands the Trainer for one mini-batch, and the two exceptions that end
a `Trainer.fit` early (divergence, Ctrl-C)."""

from collections.abc import Callable
from dataclasses import dataclass, field

from lstmkit.training.history import History


class NonFiniteError(FloatingPointError):
    """Training diverged and stopped (a NaN or infinite loss, gradient or value inside the
    network, or an exploding update: `lstmkit.training.divergence`); the weights are the last
    good ones."""


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during `Trainer.fit`. With `restore_best`, the model already holds the weights of
    the best epoch so far (so the caller can save them); `history` holds the epochs completed
    (none: the model's weights are those of the interrupted first epoch)."""

    def __init__(self, history: History):
        super().__init__(f"training interrupted after {history.epochs} complete epochs")
        self.history = history


@dataclass
class StepResult:
    """What a step function returns for one mini-batch."""

    loss: float  # mean over `count` items
    count: int
    metrics: dict = field(default_factory=dict)  # totals over the batch's items
    backward: Callable[[], None] | None = None  # training only: backpropagate `loss`
    carry: object = None  # batches that carry state: what the next step starts from
