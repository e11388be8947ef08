"""The Trainer over batches that carry state (StreamChunks): truncated BPTT with the state
handed from chunk to chunk, equal to the loop written by hand; resume, max_time and the
monitor's mode."""

import itertools
import math

import numpy as np
import pytest

from lstmkit import LSTM, Module
from lstmkit.losses import cross_entropy
from lstmkit.nn import Dropout, Embedding, Linear
from lstmkit.optim import Adam, clip_grad_norm
from lstmkit.training import StepResult, StreamChunks, Trainer

VOCAB = 5


class TinyLM(Module):
    """Embedding -> LSTM (state in and out) -> dropout -> linear: scores of the next id."""

    def __init__(self, dropout=0.0, seed=0):
        super().__init__()
        self.dropout, self.seed = dropout, seed
        self.embedding = Embedding(VOCAB, 3, seed=seed)
        self.lstm = LSTM(3, 6, seed=seed + 1)
        self.drop = Dropout(dropout, seed=seed + 2)
        self.out = Linear(6, VOCAB, seed=seed + 3)

    def forward(self, ids, state=None):
        y, state = self.lstm(self.embedding(ids), state)
        return self.out(self.drop(y)), state

    def backward(self, dlogits):
        de, _ = self.lstm.backward(self.drop.backward(self.out.backward(dlogits)))
        self.embedding.backward(de)  # the gradient into the initial state is dropped: the cut


def text_chunks(seed, rows=4, width=41, length=6, random_offset=True):
    """A repeating pattern with noise, as `rows` streams of `width` + 1 ids."""
    rng = np.random.default_rng(seed)
    ids = (np.arange(rows * (width + 1)) % 4 + (rng.random(rows * (width + 1)) < 0.1)) % VOCAB
    ids = ids.reshape(rows, width + 1)
    return StreamChunks(ids[:, :-1], ids[:, 1:], length, random_offset=random_offset)


def make_step(model, log=None):
    """The step of a TinyLM; `log` gets (training, chunk start, carry in, carry out)."""

    def step(chunk, training, carry):
        logits, state = model(chunk.inputs, carry)
        loss, dlogits = cross_entropy(logits, chunk.targets, mask=chunk.mask)
        if log is not None:
            log.append((training, chunk.start, carry, state))
        backward = (lambda: model.backward(dlogits)) if training else None
        return StepResult(float(loss), chunk.targets.size, backward=backward, carry=state)

    return step


def passes(log):
    """The log cut into its passes: runs of training steps and runs of validation steps."""
    runs = []
    for entry in log:
        if not runs or runs[-1][0][0] != entry[0]:
            runs.append([])
        runs[-1].append(entry)
    return runs


def test_each_step_starts_from_the_state_the_step_before_ended_in():
    model, log = TinyLM(seed=1), []
    trainer = Trainer(lr=0.01, epochs=3, seed=0, verbose=0)
    trainer.fit(model, make_step(model, log), text_chunks(0), text_chunks(1, random_offset=False))
    runs = passes(log)
    assert [run[0][0] for run in runs] == [True, False] * 3  # epoch, validation, ...
    for run in runs:
        assert run[0][2] is None  # zeros at the start of each epoch and each validation
        for before, after in itertools.pairwise(run):
            assert after[2] is before[3]  # handed on as is
            assert after[1] == before[1] + 6  # the next chunk of the same streams
    assert {run[0][1] for run in runs if not run[0][0]} == {0}
    training_offsets = [run[0][1] for run in runs if run[0][0]]
    assert all(0 <= o < 6 for o in training_offsets) and len(set(training_offsets)) > 1


def test_the_trainer_equals_truncated_bptt_written_by_hand():
    model, log = TinyLM(dropout=0.2, seed=2), []
    trainer = Trainer(lr=0.02, epochs=3, clip_norm=0.5, seed=4, verbose=0, restore_best=False)
    history = trainer.fit(model, make_step(model, log), text_chunks(0))
    starts = []  # each epoch's chunk starts; an epoch begins where the carry is None
    for _, start, carry, _ in log:
        if carry is None:
            starts.append([])
        starts[-1].append(start)
    assert len(starts) == 3

    by_hand = TinyLM(dropout=0.2, seed=2)
    optimizer = Adam(by_hand, lr=0.02)
    data, losses = text_chunks(0), []
    for epoch_starts in starts:
        by_hand.train()
        state, total, count = None, 0.0, 0
        for start in epoch_starts:
            x, y = data.inputs[:, start : start + 6], data.targets[:, start : start + 6]
            by_hand.zero_grad()
            logits, state = by_hand(x, state)
            loss, dlogits = cross_entropy(logits, y)
            by_hand.backward(dlogits)
            clip_grad_norm(by_hand, 0.5)
            optimizer.step()
            total, count = total + float(loss) * y.size, count + y.size
        losses.append(total / count)
    for name, value in by_hand.params.items():
        np.testing.assert_array_equal(model.params[name], value, err_msg=name)
    assert history["loss"] == losses
    assert losses[-1] < losses[0]  # it learns the pattern


def test_a_skipped_nonfinite_step_hands_on_no_state():
    model, log = TinyLM(seed=3), []
    inner = make_step(model, log)

    def step(chunk, training, carry):
        result = inner(chunk, training, carry)
        if len(log) == 3:
            result.loss = math.nan
        return result

    trainer = Trainer(lr=0.01, epochs=1, seed=0, verbose=0)
    history = trainer.fit(model, step, text_chunks(0))
    assert log[1][2] is log[0][3] and log[2][2] is log[1][3]
    assert log[3][2] is None  # the state of the diverged step is not carried on
    assert log[4][2] is log[3][3]
    assert history["lr"] == [0.005]


def run(tmp_path, name, epochs, resume=False, model_seed=5):
    model = TinyLM(dropout=0.3, seed=model_seed)
    trainer = Trainer(
        lr=0.01, epochs=epochs, seed=6, verbose=0, restore_best=False,
        checkpoint_dir=tmp_path / name,
    )  # fmt: skip
    resume_from = tmp_path / name / "last.safetensors" if resume else None
    history = trainer.fit(
        model, make_step(model), text_chunks(0), text_chunks(1, random_offset=False),
        resume_from=resume_from,
    )  # fmt: skip
    return model, history


def test_resume_over_stream_chunks_is_bit_for_bit(tmp_path):
    straight, straight_history = run(tmp_path, "straight", 4)
    run(tmp_path, "split", 2)
    resumed, resumed_history = run(tmp_path, "split", 4, resume=True, model_seed=99)
    for name, value in straight.params.items():
        np.testing.assert_array_equal(resumed.params[name], value, err_msg=name)
    for key in ("loss", "val_loss", "lr"):
        assert resumed_history[key] == straight_history[key], key


def test_max_time_ends_the_epoch_after_the_step_that_ran_past_it():
    model, log = TinyLM(seed=7), []
    trainer = Trainer(lr=0.01, epochs=5, seed=0, verbose=0, max_time=1e-9)
    history = trainer.fit(
        model, make_step(model, log), text_chunks(0), text_chunks(1, random_offset=False)
    )
    assert history.epochs == 1 and "val_loss" in history  # the short epoch is validated
    assert [entry[0] for entry in log].count(True) == 1


def test_mode_min_minimises_a_metric_whose_name_says_nothing():
    model, snapshots = TinyLM(seed=8), []
    inner = make_step(model)

    def step(chunk, training, carry):
        result = inner(chunk, training, carry)
        result.metrics = {"nll": result.loss * result.count}
        return result

    def keep(epoch, values):
        snapshots.append(model.state_dict())

    trainer = Trainer(
        lr=0.05, epochs=6, seed=0, verbose=0, monitor="val_nll", mode="min", callbacks=[keep]
    )
    validation = text_chunks(1, random_offset=False)
    history = trainer.fit(model, step, text_chunks(0), validation)
    best = int(np.argmin(history["val_nll"]))
    assert best != int(np.argmax(history["val_nll"]))
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, snapshots[best][name], err_msg=name)


def test_stream_arguments_are_checked():
    model = TinyLM()
    data = Recording()
    with pytest.raises(ValueError, match="validation must carry state between batches"):
        Trainer(verbose=0).fit(model, make_step(model), text_chunks(0), data)
    with pytest.raises(ValueError, match="mode must be 'auto', 'min' or 'max'; got 'up'"):
        Trainer(mode="up")
    with pytest.raises(ValueError, match="max_time must be a positive number of seconds"):
        Trainer(max_time=0)


class Recording:
    """A data set of two sequences (no state carried between its batches)."""

    lengths = np.array([3, 4])

    def __len__(self):
        return 2

    def batch(self, indices):
        return indices
