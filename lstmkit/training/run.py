"""One `Trainer.fit` call as a state machine: the epochs, each training step (zero, step,
check, clip, update), validation, divergence handling, best-weights tracking and restore,
the schedule, checkpoints and resume, and what is shown while it runs. The Trainer's module
docstring states the contract; this is its implementation."""

import math
import sys
import time
import warnings

import numpy as np

from lstmkit.io.checkpoint import load_checkpoint, save_checkpoint
from lstmkit.random import as_generator, child
from lstmkit.training.divergence import divergence_error, exploded_update, put_back, snapshot
from lstmkit.training.history import History
from lstmkit.training.step import NonFiniteError, StepResult, TrainingInterrupted
from lstmkit.validation import NonFiniteValuesError


class Run:
    """The state of one `Trainer.fit` call (`trainer` holds its settings)."""

    def __init__(self, trainer, model, step, train, validation, replicas):
        self.trainer, self.model, self.step = trainer, model, step
        # the processes trained on (lstmkit.distributed): one, or the ranks of an MPI job,
        # of which rank 0 alone shows progress and writes files
        self.replicas = replicas
        self.verbose = trainer.verbose if replicas.writes_files else 0
        self.train_batches, self.validation = train, validation
        self.optimizer = trainer.make_optimizer(model)
        self.schedule = None if trainer.schedule is None else trainer.schedule(self.optimizer)
        self.monitor = trainer.monitor or ("val_loss" if validation is not None else "loss")
        mode = trainer.mode
        self.maximize = mode == "max" or (mode == "auto" and "loss" not in self.monitor)
        self.history = History()
        self.epoch = 0
        self.best_score, self.best_state, self.waited = None, None, 0
        self.nonfinite_in_a_row, self.diverged_steps, self.updates = 0, 0, 0
        self.first_lr = float(self.optimizer.lr)  # named by the error when training diverges
        # max_time is read on the Trainer's clock (wall time unless it says otherwise)
        self.clock = trainer.clock
        self.started, self.out_of_time = self.clock(), False

    def resume(self, path) -> None:
        checkpoint = load_checkpoint(path)
        checkpoint.restore(self.model, self.optimizer, self.schedule)
        state = checkpoint.state
        self.epoch = int(state["epoch"])
        self.replicas.check_same(self.epoch, "the epoch of resume_from")
        self.history = History(state["history"])
        self.best_score, self.waited = state["best_score"], int(state["waited"])
        self.best_state = checkpoint.extra_arrays or None
        self.first_lr = float(self.optimizer.lr)

    def go(self) -> History:
        self.epochs_bar = _progress(
            self.trainer.epochs, "training", self.verbose == 1, initial=self.epoch
        )
        self.started = self.clock()
        try:
            self.loop()
        except KeyboardInterrupt:
            self.restore()
            raise TrainingInterrupted(self.history) from None
        finally:
            self.epochs_bar.close()
        self.check_learned()
        self.restore()
        self.summarize(self.clock() - self.started)
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
        bar = _progress(len(batches), f"epoch {self.epoch + 1}/{trainer.epochs}", self.verbose >= 2)
        for batch in batches:
            result, carry = self.train_step(batch, carry)
            bar.update(1)
            if result is not None:
                totals["loss"] += result.loss * result.count
                for name, value in result.metrics.items():
                    totals[name] = totals.get(name, 0.0) + float(value)
                count += result.count
                bar.set_postfix({k: f"{v / max(count, 1):.4g}" for k, v in totals.items()})
            if trainer.max_time is not None and self.replicas.any(
                self.clock() - self.started > trainer.max_time
            ):
                self.out_of_time = True
                break
        bar.close()
        totals, count = self.replicas.sum_totals(totals, count)
        if count == 0:
            return {name: float("nan") for name in totals}
        return {name: value / count for name, value in totals.items()}

    def train_step(self, batch, carry) -> tuple[StepResult | None, object]:
        """Zero the gradients, `step`, check, clip, update, check the update -> (the
        StepResult, or None when the step diverged and its update was skipped or undone; the
        carry for the next batch). What counts as diverged: `lstmkit.training.divergence`."""
        self.model.zero_grad()
        try:
            result, loss, norm = self.forward_backward(batch, carry)
        except NonFiniteValuesError as error:
            if self.updates == 0:
                raise  # the weights are those the run began with: not divergence
            return self.diverged(f"NaN or infinite values inside the network ({error})")
        if not math.isfinite(loss):
            return self.diverged(f"non-finite loss {loss}")
        if not math.isfinite(norm):
            return self.diverged(f"non-finite gradient norm {norm}")
        before = snapshot(self.model.params)
        self.optimizer.step()
        exploded = exploded_update(self.model.params, before)
        if exploded is not None:
            put_back(self.model.params, before)
            return self.diverged(exploded)
        self.nonfinite_in_a_row = 0
        self.updates += 1
        return result, result.carry

    def forward_backward(self, batch, carry) -> tuple[StepResult, float, float]:
        """`step` and, when its loss is finite, backward, the gradients averaged over the
        ranks, and clipping -> (this process's StepResult, the mean loss over the global
        batch, the global gradient norm before clipping: NaN when there was no backward
        pass). In one process the global batch is the batch and nothing is averaged."""
        from lstmkit.optim import clip_grad_norm

        result, error = self.local_step(batch, carry)
        loss, total = self.replicas.reduce_step(result, error)  # raises when a step raised
        if not math.isfinite(loss):
            return result, loss, math.nan
        self.replicas.average_gradients(self.model.grads, result.count, total)
        # one pass computes the norm for both checks: clip_grad_norm leaves non-finite
        # gradients untouched and returns their norm
        if self.trainer.clip_norm is None:
            return result, loss, _global_norm(self.model.grads)
        return result, loss, clip_grad_norm(self.model, self.trainer.clip_norm)

    def local_step(self, batch, carry) -> tuple[StepResult, Exception | None]:
        """`step` on this process's batch and, when its loss is finite, its backward ->
        (the StepResult, None), or (an empty result, the error the step raised), so that
        every rank learns of it (`replicas.reduce_step`). A rank whose share of a small
        global batch is empty (batch None) trains on no item."""
        if batch is None:
            return StepResult(0.0, 0), None
        try:
            result = self.call_step(batch, True, carry)
            if math.isfinite(result.loss):
                result.backward()
        except Exception as error:
            return StepResult(math.nan, 0), error
        return result, None

    def diverged(self, what: str) -> tuple[None, None]:
        """Apply `on_nonfinite` to a diverged step -> (no result, no carry: the state a
        diverged step ended in is not carried on)."""
        self.handle_nonfinite(what)
        return None, None

    def call_step(self, batch, training: bool, carry) -> StepResult:
        if self.train_batches.carries_state:
            return self.step(batch, training, carry)
        return self.step(batch, training)

    def evaluate(self) -> dict:
        """Mean loss and metrics over the validation data (eval mode, no gradients used);
        an infinite loss (metrics NaN) when NaN or infinite values arose inside the network."""
        self.model.eval()
        totals, count, carry, overflowed = {"loss": 0.0}, 0, None, False
        for batch in self.validation.epoch(None):
            if batch is None:  # this rank's share of a small batch is empty
                continue
            try:
                result = self.call_step(batch, False, carry)
            except NonFiniteValuesError:
                if self.updates == 0:
                    raise  # the weights are those the run began with: not divergence
                overflowed, carry = True, None
                continue
            carry = result.carry
            totals["loss"] += result.loss * result.count
            for name, value in result.metrics.items():
                totals[name] = totals.get(name, 0.0) + float(value)
            count += result.count
        self.model.train()
        totals, count = self.replicas.sum_totals(totals, count)
        # an overflow on any rank: an infinite loss, never the best epoch, and no metric
        if self.replicas.any(overflowed):
            return {name: math.inf if name == "loss" else math.nan for name in totals}
        return {name: value / max(count, 1) for name, value in totals.items()}

    def handle_nonfinite(self, what: str) -> None:
        """Count the diverged step `what`; raise, or halve the learning rate, or go on, as
        `on_nonfinite` and `max_nonfinite` say (a warning tells when verbose)."""
        trainer = self.trainer
        self.nonfinite_in_a_row += 1
        self.diverged_steps += 1
        self.last_divergence = f"{what} at epoch {self.epoch + 1}"
        message = f"{self.last_divergence}: update skipped, weights kept at their last good values"
        if trainer.on_nonfinite == "raise":
            raise NonFiniteError(
                f"{message} (training started with lr={self.first_lr:.3g}: lower lr)"
            )
        if self.nonfinite_in_a_row > trainer.max_nonfinite:
            raise self.divergence(f"{self.nonfinite_in_a_row} steps in a row diverged")
        if trainer.on_nonfinite == "reduce_lr":
            self.optimizer.lr *= 0.5
            message += f"; learning rate halved to {self.optimizer.lr:.3g}"
        if self.verbose:
            warnings.warn(message, RuntimeWarning, stacklevel=2)

    def check_learned(self) -> None:
        """Refuse a run in which every step diverged: its model is the one it started with,
        not a trained one (an absurd learning rate on few batches never reaches
        `max_nonfinite` in a row)."""
        if self.updates == 0 and self.diverged_steps > 0:
            raise self.divergence(f"all {self.diverged_steps} of its steps diverged")

    def divergence(self, summary: str) -> NonFiniteError:
        """The error of a run that could not recover (`summary`: how many steps diverged)."""
        return divergence_error(
            summary, self.last_divergence, self.first_lr, float(self.optimizer.lr)
        )

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
        if bad:  # raised on every rank alike: the replicas hold the same weights
            raise NonFiniteError(f"weights became non-finite ({bad[:3]}...): not saving them")
        if not self.replicas.writes_files:
            return
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
        if self.verbose == 1:
            self.epochs_bar.set_postfix_str(shown, refresh=False)
            self.epochs_bar.update(1)
        elif self.verbose >= 2:
            print(
                f"epoch {self.epoch}/{self.trainer.epochs}: {shown}, lr {values['lr']:.4g} "
                f"({values['time']:.1f} s)",
                file=sys.stderr,
            )

    def summarize(self, seconds: float) -> None:
        """One line at the end of a verbose=1 fit: epochs run, the best monitored value."""
        if self.verbose != 1 or not self.history.epochs:
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
