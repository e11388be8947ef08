"""The fit loop: a model learns, resume is exact, divergence never corrupts weights."""

import numpy as np
import pytest

from lstmkit import LSTM, Module
from lstmkit.data import SequenceData
from lstmkit.io import load_checkpoint
from lstmkit.losses import cross_entropy
from lstmkit.nn import Dropout, LastStep, Linear
from lstmkit.optim import StepLR
from lstmkit.training import NonFiniteError, StepResult, Trainer


class SumSign(Module):
    """LSTM -> last valid step -> dropout -> linear: which of three bands the sum lies in."""

    def __init__(self, hidden_size=16, num_layers=1, dropout=0.0, seed=0):
        super().__init__()
        self.hidden_size, self.num_layers, self.dropout, self.seed = (
            hidden_size,
            num_layers,
            dropout,
            seed,
        )
        self.lstm = LSTM(1, hidden_size, num_layers=num_layers, dropout=dropout, seed=seed)
        self.head = LastStep()
        self.drop = Dropout(dropout, seed=seed + 1)
        self.out = Linear(hidden_size, 3, seed=seed + 2)

    def forward(self, x, lengths):
        y, _ = self.lstm(x, lengths=lengths)
        return self.out(self.drop(self.head(y, lengths)))

    def backward(self, dlogits):
        self.lstm.backward(self.head.backward(self.drop.backward(self.out.backward(dlogits))))


def make_data(count, seed):
    rng = np.random.default_rng(seed)
    sequences = [rng.standard_normal((int(n), 1)) for n in rng.integers(4, 16, size=count)]
    sums = np.array([s.sum() for s in sequences])
    return SequenceData(sequences, targets=np.digitize(sums, [-1.5, 1.5]))


def make_step(model, calls=None, nan_at=None):
    def step(batch, training):
        logits = model.forward(batch.x, batch.lengths)
        loss, dlogits = cross_entropy(logits, batch.y)
        if calls is not None:
            calls.append(training)
            if training and len([c for c in calls if c]) == nan_at:
                loss = float("nan")
        correct = int((logits.argmax(axis=1) == batch.y).sum())
        return StepResult(
            float(loss),
            len(batch.y),
            {"accuracy": correct},
            backward=lambda: model.backward(dlogits),
        )

    return step


def test_a_small_lstm_learns_the_task_in_seconds():
    model = SumSign(seed=0)
    train, validation = make_data(600, 1), make_data(200, 2)
    trainer = Trainer(lr=0.01, epochs=12, batch_size=32, seed=0, verbose=0)
    history = trainer.fit(model, make_step(model), train, validation)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    chance = np.bincount(validation.targets).max() / len(validation)
    assert max(history["val_accuracy"]) > max(0.85, chance + 0.3), history["val_accuracy"]


def _run(tmp_path, name, epochs, resume=False, model_seed=3):
    model = SumSign(hidden_size=8, num_layers=2, dropout=0.3, seed=model_seed)
    trainer = Trainer(
        lr=0.01,
        epochs=epochs,
        batch_size=16,
        seed=5,
        verbose=0,
        checkpoint_dir=tmp_path / name,
        restore_best=False,
        schedule=lambda opt: StepLR(opt, step_size=1, gamma=0.7),
    )
    resume_from = tmp_path / name / "last.safetensors" if resume else None
    history = trainer.fit(
        model, make_step(model), make_data(120, 7), make_data(40, 8), resume_from=resume_from
    )
    return model, history


def test_resume_is_bit_for_bit(tmp_path):
    straight, straight_history = _run(tmp_path, "straight", 4)
    _run(tmp_path, "split", 2)
    assert load_checkpoint(tmp_path / "split" / "last.safetensors").state["epoch"] == 2
    resumed, resumed_history = _run(tmp_path, "split", 4, resume=True, model_seed=99)
    for name, value in straight.params.items():
        np.testing.assert_array_equal(resumed.params[name], value, err_msg=name)
    for key in ("loss", "val_loss", "lr", "accuracy"):
        assert resumed_history[key] == straight_history[key], key


def test_a_nonfinite_step_is_skipped_and_the_learning_rate_halved():
    model = SumSign(seed=1)
    calls = []
    trainer = Trainer(lr=0.01, epochs=1, batch_size=50, seed=0, verbose=0)
    history = trainer.fit(model, make_step(model, calls, nan_at=3), make_data(200, 3))
    assert history["lr"] == [0.005]
    assert all(np.all(np.isfinite(v)) for v in model.params.values())
    assert np.isfinite(history["loss"][0])


def test_an_infinite_gradient_is_caught_too():
    model = SumSign(seed=5)
    inner = make_step(model)
    calls = []

    def step(batch, training):
        result = inner(batch, training)
        calls.append(training)

        def backward():
            result_backward()
            if len(calls) == 2:
                model.out.grads["weight"][0, 0] = np.inf

        result_backward, result.backward = result.backward, backward
        return result

    before = []
    trainer = Trainer(lr=0.01, epochs=1, batch_size=100, seed=0, verbose=0, on_nonfinite="skip")
    history = trainer.fit(
        model, lambda b, t: before.append(model.state_dict()) or step(b, t), make_data(200, 3)
    )
    assert history["lr"] == [0.01]
    for name, value in before[1].items():  # the second (bad) step changed nothing
        np.testing.assert_array_equal(model.params[name], value)


def test_raise_on_nonfinite_leaves_the_last_good_weights(tmp_path):
    model = SumSign(seed=2)
    snapshots = []

    def recording_step(batch, training):
        snapshots.append(model.state_dict())
        return inner(batch, training)

    inner = make_step(model, [], nan_at=2)
    trainer = Trainer(
        lr=0.01,
        epochs=3,
        batch_size=50,
        seed=0,
        verbose=0,
        on_nonfinite="raise",
        checkpoint_dir=tmp_path,
    )
    with pytest.raises(NonFiniteError, match="non-finite loss nan at epoch 1: update skipped"):
        trainer.fit(model, recording_step, make_data(200, 3))
    for name, value in snapshots[1].items():  # the weights before the bad step
        np.testing.assert_array_equal(model.params[name], value)
    assert not (tmp_path / "last.safetensors").exists()


def test_early_stopping_restores_the_best_weights(capsys):
    model = SumSign(seed=4)
    trainer = Trainer(lr=0.05, epochs=30, batch_size=32, seed=0, verbose=0, patience=2)
    history = trainer.fit(model, make_step(model), make_data(200, 5), make_data(60, 6))
    assert history.epochs < 30, "should stop early on a task this small"
    best = int(np.argmin(history["val_loss"]))
    assert history.epochs == best + 1 + 2
    step = make_step(model)  # the restored weights reproduce the best validation loss
    model.eval()
    data = make_data(60, 6)
    batch = data.batch(np.arange(len(data)))
    assert step(batch, False).loss == pytest.approx(history["val_loss"][best], rel=1e-5)
    assert capsys.readouterr().err == "", "verbose=0 prints nothing"


def test_callbacks_see_every_epoch_and_can_stop(capsys):
    model = SumSign(seed=6)
    seen = []

    def callback(epoch, values):
        seen.append((epoch, sorted(values)))
        return epoch == 2

    trainer = Trainer(lr=0.01, epochs=5, batch_size=64, seed=0, verbose=2, callbacks=[callback])
    history = trainer.fit(model, make_step(model), make_data(128, 9), make_data(32, 10))
    assert history.epochs == 2
    assert seen[0] == (1, ["accuracy", "loss", "lr", "time", "val_accuracy", "val_loss"])
    assert "epoch 2/5: loss" in capsys.readouterr().err


@pytest.mark.parametrize(("verbose", "lines"), [(0, 0), (1, 1), (2, 4)])
def test_verbose_levels_print_nothing_one_summary_or_a_line_per_epoch(capsys, verbose, lines):
    model = SumSign(seed=6)
    trainer = Trainer(lr=0.01, epochs=4, batch_size=64, seed=0, verbose=verbose)
    trainer.fit(model, make_step(model), make_data(128, 9), make_data(32, 10))
    captured = capsys.readouterr()
    printed = captured.err.strip().splitlines()
    assert captured.out == "" and len(printed) == lines
    if verbose == 1:
        assert printed[0].startswith("trained 4 epochs in ") and "best val_loss " in printed[0]


def test_trainer_arguments_are_checked():
    with pytest.raises(ValueError, match="optimizer must be one of"):
        Trainer(optimizer="lion")
    with pytest.raises(ValueError, match="epochs must be a positive integer; got 0"):
        Trainer(epochs=0)
    with pytest.raises(ValueError, match="on_nonfinite must be 'reduce_lr', 'skip' or 'raise'"):
        Trainer(on_nonfinite="ignore")
