"""Ctrl-C during Trainer.fit: the best epoch's weights are put back and the history handed over."""

import numpy as np
import pytest

from lstmkit import LSTM, Module
from lstmkit.data import SequenceData
from lstmkit.losses import cross_entropy
from lstmkit.nn import LastStep, Linear
from lstmkit.training import StepResult, Trainer, TrainingInterrupted


class Tiny(Module):
    def __init__(self, seed=0):
        super().__init__()
        self.seed = seed
        self.lstm = LSTM(1, 4, seed=seed)
        self.last = LastStep()
        self.out = Linear(4, 2, seed=seed + 1)

    def forward(self, x, lengths):
        return self.out(self.last(self.lstm(x, lengths=lengths)[0], lengths))

    def backward(self, dlogits):
        self.lstm.backward(self.last.backward(self.out.backward(dlogits)))


def data(seed):
    rng = np.random.default_rng(seed)
    sequences = [rng.standard_normal((6, 1)) for _ in range(24)]
    return SequenceData(sequences, np.array([int(s.sum() > 0) for s in sequences]))


def make_step(model, interrupt_at_call=None):
    calls = []

    def step(batch, training):
        calls.append(training)
        if interrupt_at_call is not None and len(calls) == interrupt_at_call:
            raise KeyboardInterrupt
        loss, dlogits = cross_entropy(model.forward(batch.x, batch.lengths), batch.y)
        return StepResult(float(loss), len(batch.y), backward=lambda: model.backward(dlogits))

    return step


def test_interrupt_after_epochs_restores_the_best_epoch():
    model = Tiny()
    snapshots = []

    def callback(epoch, values):
        snapshots.append(model.state_dict())
        if epoch == 6:
            raise KeyboardInterrupt

    trainer = Trainer(lr=0.2, epochs=50, batch_size=8, verbose=0, seed=0, callbacks=[callback])
    with pytest.raises(TrainingInterrupted) as caught:
        trainer.fit(model, make_step(model), data(0), data(1))
    history = caught.value.history
    assert history.epochs == 6
    best = int(np.argmin(history["val_loss"]))
    assert best != 5  # the run's last epoch is not the best: the restore is visible
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, snapshots[best][name])
    assert isinstance(caught.value, KeyboardInterrupt)


def test_interrupt_in_the_first_epoch_hands_an_empty_history():
    model = Tiny()
    trainer = Trainer(epochs=5, batch_size=8, verbose=0, seed=0)
    with pytest.raises(TrainingInterrupted) as caught:
        trainer.fit(model, make_step(model, interrupt_at_call=2), data(0), data(1))
    assert caught.value.history.epochs == 0
