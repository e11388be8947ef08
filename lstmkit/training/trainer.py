"""The fit loop: length-bucketed mini-batches, clipping, divergence handling, validation,
early stopping with best-weights restore, checkpoints, and exact resume.

The Trainer knows nothing of the task. The caller gives it
- `model`: a Module (its parameters are optimized, saved and restored);
- `step(batch, training) -> StepResult`: runs the model forward on a batch and returns the
  mean loss over the batch's `count` items and, when `training` is true, a `backward`
  callable that backpropagates that loss into the gradients. The Trainer calls it only when
  the loss is finite (the layers refuse NaN gradients), after zeroing the gradients.
  `metrics` are TOTALS over the batch's items (e.g. the number of correct predictions),
  reported per epoch as total / count;
- the training (and validation) data: a data set with `len()`, `lengths` and
  `batch(indices)` (`lstmkit.data.SequenceData`), batched by similar length and shuffled each
  epoch (validation: in length order), or any `lstmkit.training.Batches` for other batching.

When the batches `carries_state` (`StreamChunks`: consecutive chunks of parallel streams),
batch k + 1 continues batch k and the Trainer calls `step(batch, training, carry)`: `carry` is
None (zeros) for the first batch of each epoch and of each validation pass, and after a
skipped non-finite step; otherwise it is the `StepResult.carry` of the step before, e.g. the
final LSTM state of the previous chunk. The step's `backward` must not backpropagate into
`carry`: that is the cut of truncated backpropagation through time.

Each training step: zero gradients, `step`, check the loss and the gradient norm are finite,
clip the global gradient norm, optimizer step. A non-finite loss or gradient skips the update,
so the weights stay at their last good values; `on_nonfinite` says what happens next:
"reduce_lr" halves the learning rate and goes on, "skip" goes on, "raise" stops with
`NonFiniteError`. More than `max_nonfinite` such steps in a row also stop with it. Weights
are checked to be finite before every checkpoint, so no NaN ever reaches a saved file.

Shuffling for epoch e draws from child e of the seed (`lstmkit.random.child`), and
checkpoints hold the model's and optimizer's state and every dropout generator's state, so a
run resumed from the checkpoint of epoch e continues bit for bit as if it had never stopped
(with an int or SeedSequence seed: None and a Generator give new draws on every run).
"""

import math
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lstmkit.io.checkpoint import load_checkpoint, save_checkpoint
from lstmkit.random import as_generator, check_seed, child
from lstmkit.training.batches import Batches, LengthBatches
from lstmkit.training.history import History


class NonFiniteError(FloatingPointError):
    """Training met a NaN or infinite loss or gradient; the weights are the last good ones."""


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


OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop", "adagrad")


class Trainer:
    """Trains a model by mini-batch gradient descent. See the module docstring.

    Args:
        optimizer: "adam" (default), "adamw", "sgd", "rmsprop", "adagrad", or a callable
            `model -> optimizer` for full control.
        lr, weight_decay: the optimizer's learning rate and weight decay.
        epochs: passes over the training data.
        batch_size: sequences per mini-batch (batched by similar length) when the data are
            data sets; a `Batches` decides its own batches.
        clip_norm: clip the global gradient norm to this (None: no clipping).
        schedule: None or a callable `optimizer -> schedule` (lstmkit.optim schedules);
            ReduceLROnPlateau is stepped with the monitored value, others once per epoch.
        patience: early stopping after this many epochs without improvement (None: never).
        monitor: "val_loss" (default when there is validation data, else "loss") or another
            history key.
        mode: "min" or "max": whether the monitored value improves by going down or up;
            "auto" (default) minimises a name containing "loss" and maximises any other.
        restore_best: at the end, put back the weights of the best epoch.
        checkpoint_dir: if set, `last.safetensors` every epoch and `best.safetensors` at each
            improvement are written there.
        on_nonfinite, max_nonfinite: divergence handling (see the module docstring).
        max_time: seconds; once a training step ends past this long after `fit` began, its
            epoch ends there (validated and recorded as usual) and training stops (None: no
            limit).
        verbose: 0 silent; 1 (default) a bar over the epochs on a terminal and one summary
            line at the end; 2 a bar over each epoch's batches and a line per epoch. All of it
            goes to stderr.
        seed: seed of the batch shuffling: None (fresh each epoch), an int, a SeedSequence
            or a np.random.Generator (drawn from, so advanced, at each epoch).
        callbacks: callables `callback(epoch, values)` run after each epoch with its number
            (from 1) and its history values; one returning True stops training.
    """

    def __init__(
        self,
        *,
        optimizer="adam",
        lr=1e-3,
        weight_decay=0.0,
        epochs=20,
        batch_size=32,
        clip_norm=1.0,
        schedule=None,
        patience=None,
        monitor=None,
        mode="auto",
        restore_best=True,
        checkpoint_dir=None,
        on_nonfinite="reduce_lr",
        max_nonfinite=10,
        max_time=None,
        verbose=1,
        seed=None,
        callbacks=(),
    ):
        if not callable(optimizer) and optimizer not in OPTIMIZERS:
            raise ValueError(
                f"optimizer must be one of {OPTIMIZERS} or a callable; got {optimizer!r}"
            )
        if on_nonfinite not in ("reduce_lr", "skip", "raise"):
            raise ValueError(
                f"on_nonfinite must be 'reduce_lr', 'skip' or 'raise'; got {on_nonfinite!r}"
            )
        for name, value in (("epochs", epochs), ("batch_size", batch_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer; got {value!r}")
        if clip_norm is not None and not clip_norm > 0:
            raise ValueError(f"clip_norm must be positive or None; got {clip_norm!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max'; got {mode!r}")
        if max_time is not None and not max_time > 0:
            raise ValueError(
                f"max_time must be a positive number of seconds or None; got {max_time!r}"
            )
        self.mode, self.max_time = mode, max_time
        self.optimizer, self.lr, self.weight_decay = optimizer, lr, weight_decay
        self.epochs, self.batch_size, self.clip_norm = epochs, batch_size, clip_norm
        self.schedule, self.patience, self.monitor = schedule, patience, monitor
        self.restore_best, self.on_nonfinite, self.max_nonfinite = (
            restore_best,
            on_nonfinite,
            max_nonfinite,
        )
        self.checkpoint_dir = None if checkpoint_dir is None else Path(checkpoint_dir)
        self.verbose, self.seed, self.callbacks = verbose, check_seed(seed), tuple(callbacks)

    # ---- public ------------------------------------------------------------------------------

    def fit(self, model, step, train, validation=None, resume_from=None) -> History:
        """Train `model` on `train`; returns the History. `resume_from`: a checkpoint path.

        `train` and `validation` (optional): data sets or `Batches` (module docstring)."""
        if len(train) == 0:
            what = "batch" if isinstance(train, Batches) else "sequence"
            raise ValueError(f"train must hold at least one {what}; got an empty data set")
        train = self.batches(train, shuffle=True)
        if validation is not None:
            validation = self.batches(validation, shuffle=False)
            if validation.carries_state != train.carries_state:
                raise ValueError(
                    "validation must carry state between batches as train does "
                    f"(carries_state {train.carries_state}); got {validation.carries_state}"
                )
        run = _Run(self, model, step, train, validation)
        if resume_from is not None:
            run.resume(resume_from)
        return run.go()

    def batches(self, data, shuffle: bool) -> Batches:
        """`data` itself if it is a `Batches`, else its `LengthBatches` of `batch_size`."""
        if isinstance(data, Batches):
            return data
        return LengthBatches(data, self.batch_size, shuffle=shuffle)

    def make_optimizer(self, model):
        from lstmkit import optim

        if callable(self.optimizer):
            return self.optimizer(model)
        cls = {
            "adam": optim.Adam,
            "adamw": optim.AdamW,
            "sgd": optim.SGD,
            "rmsprop": optim.RMSprop,
            "adagrad": optim.Adagrad,
        }[self.optimizer]
        return cls(model, lr=self.lr, weight_decay=self.weight_decay)


class _Run:
    """The state of one `fit` call."""

    def __init__(self, trainer: Trainer, model, step, train, validation):
        self.trainer, self.model, self.step = trainer, model, step
        self.train_batches, self.validation = train, validation
        self.optimizer = trainer.make_optimizer(model)
        self.schedule = None if trainer.schedule is None else trainer.schedule(self.optimizer)
        self.monitor = trainer.monitor or ("val_loss" if validation is not None else "loss")
        mode = trainer.mode
        self.maximize = mode == "max" or (mode == "auto" and "loss" not in self.monitor)
        self.history = History()
        self.epoch = 0
        self.best_score, self.best_state, self.waited = None, None, 0
        self.nonfinite_in_a_row = 0
        self.started, self.out_of_time = time.perf_counter(), False

    def resume(self, path) -> None:
        checkpoint = load_checkpoint(path)
        checkpoint.restore(self.model, self.optimizer, self.schedule)
        state = checkpoint.state
        self.epoch = int(state["epoch"])
        self.history = History(state["history"])
        self.best_score, self.waited = state["best_score"], int(state["waited"])
        self.best_state = checkpoint.extra_arrays or None

    def go(self) -> History:
        self.epochs_bar = _progress(
            self.trainer.epochs, "training", self.trainer.verbose == 1, initial=self.epoch
        )
        self.started = time.perf_counter()
        try:
            self.loop()
        except KeyboardInterrupt:
            self.restore()
            raise TrainingInterrupted(self.history) from None
        finally:
            self.epochs_bar.close()
        self.restore()
        self.summarize(time.perf_counter() - self.started)
        return self.history

    def restore(self) -> None:
        if self.trainer.restore_best and self.best_state is not None:
            self.model.load_state_dict(self.best_state)

    def loop(self) -> None:
        trainer = self.trainer
        while self.epoch < trainer.epochs:
            started = time.perf_counter()
            train_values = self.train_epoch()
            values = {**train_values}
            if self.validation is not None:
                values.update({f"val_{k}": v for k, v in self.evaluate().items()})
            values["lr"] = float(self.optimizer.lr)
            values["time"] = time.perf_counter() - started
            self.history.append(values)
            self.epoch += 1
            improved = self.track_best(values)
            self.step_schedule(values)
            self.save_checkpoints(improved)
            self.report(values)
            stop_requested = any([callback(self.epoch, values) for callback in trainer.callbacks])
            if stop_requested or self.out_of_time:
                break
            if trainer.patience is not None and self.waited >= trainer.patience:
                break

    # ---- one epoch ---------------------------------------------------------------------------

    def train_epoch(self) -> dict:
        """One pass over the training batches -> mean loss and metrics of the updates made."""
        trainer, model = self.trainer, self.model
        rng = as_generator(child(trainer.seed, self.epoch))
        batches = self.train_batches.epoch(rng)
        totals, count, carry = {"loss": 0.0}, 0, None
        model.train()
        bar = _progress(
            len(batches), f"epoch {self.epoch + 1}/{trainer.epochs}", trainer.verbose >= 2
        )
        for batch in batches:
            result, carry = self.train_step(batch, carry)
            bar.update(1)
            if result is not None:
                totals["loss"] += result.loss * result.count
                for name, value in result.metrics.items():
                    totals[name] = totals.get(name, 0.0) + float(value)
                count += result.count
                bar.set_postfix({k: f"{v / max(count, 1):.4g}" for k, v in totals.items()})
            if (
                trainer.max_time is not None
                and time.perf_counter() - self.started > trainer.max_time
            ):
                self.out_of_time = True
                break
        bar.close()
        if count == 0:
            return {name: float("nan") for name in totals}
        return {name: value / count for name, value in totals.items()}

    def train_step(self, batch, carry) -> tuple[StepResult | None, object]:
        """Zero the gradients, `step`, check, clip, update -> (the StepResult, or None when
        the update was skipped as non-finite; the carry for the next batch)."""
        from lstmkit.optim import clip_grad_norm

        trainer, model = self.trainer, self.model
        model.zero_grad()
        result = self.call_step(batch, True, carry)
        norm = math.nan
        if math.isfinite(result.loss):
            result.backward()
            # one pass computes the norm for both checks: clip_grad_norm leaves non-finite
            # gradients untouched and returns their norm
            norm = (
                _global_norm(model.grads)
                if trainer.clip_norm is None
                else clip_grad_norm(model, trainer.clip_norm)
            )
        if not math.isfinite(norm):
            self.handle_nonfinite(result.loss, norm)
            return None, None  # the state a diverged step ended in is not carried on
        self.nonfinite_in_a_row = 0
        self.optimizer.step()
        return result, result.carry

    def call_step(self, batch, training: bool, carry) -> StepResult:
        if self.train_batches.carries_state:
            return self.step(batch, training, carry)
        return self.step(batch, training)

    def evaluate(self) -> dict:
        """Mean loss and metrics over the validation data (eval mode, no gradients used)."""
        self.model.eval()
        totals, count, carry = {"loss": 0.0}, 0, None
        for batch in self.validation.epoch(None):
            result = self.call_step(batch, False, carry)
            carry = result.carry
            totals["loss"] += result.loss * result.count
            for name, value in result.metrics.items():
                totals[name] = totals.get(name, 0.0) + float(value)
            count += result.count
        self.model.train()
        return {name: value / max(count, 1) for name, value in totals.items()}

    def handle_nonfinite(self, loss: float, norm: float) -> None:
        trainer = self.trainer
        self.nonfinite_in_a_row += 1
        what = f"loss {loss}" if not math.isfinite(loss) else f"gradient norm {norm}"
        message = (
            f"non-finite {what} at epoch {self.epoch + 1}: update skipped, weights kept "
            "at their last good values"
        )
        if trainer.on_nonfinite == "raise" or self.nonfinite_in_a_row > trainer.max_nonfinite:
            raise NonFiniteError(
                message
                + (
                    f" ({self.nonfinite_in_a_row} in a row)"
                    if trainer.on_nonfinite != "raise"
                    else ""
                )
            )
        if trainer.on_nonfinite == "reduce_lr":
            self.optimizer.lr *= 0.5
            message += f"; learning rate halved to {self.optimizer.lr:.3g}"
        if trainer.verbose:
            warnings.warn(message, RuntimeWarning, stacklevel=2)

    # ---- bookkeeping --------------------------------------------------------------------------

    def track_best(self, values: dict) -> bool:
        score = values.get(self.monitor)
        if score is None or not math.isfinite(score):
            self.waited += 1
            return False
        better = self.best_score is None or (
            score > self.best_score if self.maximize else score < self.best_score
        )
        if better:
            self.best_score, self.waited = float(score), 0
            self.best_state = self.model.state_dict()
        else:
            self.waited += 1
        return better

    def step_schedule(self, values: dict) -> None:
        if self.schedule is None:
            return
        if type(self.schedule).__name__ == "ReduceLROnPlateau":
            self.schedule.step(values.get(self.monitor))
        else:
            self.schedule.step()

    def save_checkpoints(self, improved: bool) -> None:
        folder = self.trainer.checkpoint_dir
        if folder is None:
            return
        bad = [k for k, v in self.model.params.items() if not np.all(np.isfinite(v))]
        if bad:
            raise NonFiniteError(f"weights became non-finite ({bad[:3]}...): not saving them")
        state = {
            "epoch": self.epoch,
            "history": self.history.to_json(),
            "best_score": self.best_score,
            "waited": self.waited,
        }
        save_checkpoint(
            folder / "last.safetensors",
            self.model,
            self.optimizer,
            self.schedule,
            state,
            extra_arrays=self.best_state,
        )
        if improved:
            save_checkpoint(folder / "best.safetensors", self.model, state=state)

    def report(self, values: dict) -> None:
        shown = ", ".join(f"{k} {v:.4g}" for k, v in values.items() if k not in ("time", "lr"))
        if self.trainer.verbose == 1:
            self.epochs_bar.set_postfix_str(shown, refresh=False)
            self.epochs_bar.update(1)
        elif self.trainer.verbose >= 2:
            print(
                f"epoch {self.epoch}/{self.trainer.epochs}: {shown}, lr {values['lr']:.4g} "
                f"({values['time']:.1f} s)",
                file=sys.stderr,
            )

    def summarize(self, seconds: float) -> None:
        """One line at the end of a verbose=1 fit: epochs run, the best monitored value."""
        if self.trainer.verbose != 1 or not self.history.epochs:
            return
        best = "" if self.best_score is None else f", best {self.monitor} {self.best_score:.4g}"
        print(f"trained {self.epoch} epochs in {seconds:.1f} s{best}", file=sys.stderr)


def _global_norm(grads: dict) -> float:
    total = 0.0
    for grad in grads.values():
        total += float(np.vdot(grad, grad).real)
    return math.sqrt(total) if math.isfinite(total) else math.inf


def _progress(total: int, description: str, shown: bool, initial: int = 0):
    """A transient tqdm bar on stderr; drawn only when `shown` and stderr is a terminal."""
    from tqdm.auto import tqdm

    # disable=None: tqdm draws only on a terminal, so logs and pipes get no carriage returns
    return tqdm(
        total=total,
        initial=initial,
        desc=description,
        leave=False,
        disable=None if shown else True,
        file=sys.stderr,
    )
