"""`train_network` is the Trainer on fresh batches: the same run, bit for bit, as the online
loop it replaced (written out here), the test check as validation, the criterion as an early
stop, the progress report, and non-finite steps refused."""

from dataclasses import replace

import numpy as np
import pytest

from lstmkit.experiments import TaskNetwork, evaluate, get_task, train_network
from lstmkit.experiments import training as module
from lstmkit.optim import Adam, clip_grad_norm
from lstmkit.random import as_generator, child
from lstmkit.training import NonFiniteError, OnlineBatches, Trainer

SETTINGS = {"budget": 112, "batch_size": 16, "lr": 1e-2, "eval_every": 40}


def online_loop(network, task, test, budget, batch_size, lr, eval_every, seed):
    """The loop train_network ran before the Trainer: a fresh batch per step, a test check
    every `eval_every` sequences, stop at the criterion -> (curve, sequences seen)."""
    rng = as_generator(child(seed, 0))
    optimizer = Adam(network, lr=lr)
    seen, curve = 0, []
    while seen < budget:
        data = task.generate(batch_size, int(rng.integers(2**63)))
        network.zero_grad()
        _, doutputs = task.loss(network.forward(data.x, data.lengths), data)
        network.backward(doutputs)
        clip_grad_norm(network, 1.0)
        optimizer.step()
        seen += batch_size
        if seen % eval_every < batch_size or seen >= budget:
            curve.append((seen, *evaluate(network, task, test)))
            if curve[-1][1] <= task.allowed_wrong:
                break
    return curve, seen


def network(cell="lstm"):
    return TaskNetwork(2, 1, cell, 4, forget_bias=3.0, input_bias=-3.0, seed=5)


@pytest.mark.parametrize("allowed_wrong", [-1, 64])  # never met; met at the first check
def test_the_same_run_as_the_online_loop_bit_for_bit(allowed_wrong):
    task = replace(get_task("adding", 12), test_size=64, allowed_wrong=allowed_wrong)
    test = task.generate(64, 99)
    expected = network()
    curve, seen = online_loop(expected, task, test, seed=3, **SETTINGS)
    got = network()
    summary = train_network(got, task, seed=3, test=test, **SETTINGS)
    assert summary["curve"] == curve and summary["sequences_seen"] == seen
    # checks at 48, 80 and 112 (the budget) sequences, 16 a step; the first meets 64 wrong
    assert [c[0] for c in curve] == ([48] if allowed_wrong == 64 else [48, 80, 112])
    assert summary["sequences_to_criterion"] == (48 if allowed_wrong == 64 else None)
    assert (summary["test_wrong"], summary["final_error"]) == curve[-1][1:]
    for name, value in expected.state_dict().items():
        np.testing.assert_array_equal(got.state_dict()[name], value, err_msg=name)


def test_it_trains_through_the_trainer_on_online_batches(monkeypatch):
    fits = []

    class Spy(Trainer):
        def fit(self, model, step, train, validation=None, resume_from=None):
            fits.append((self, train, validation))
            return super().fit(model, step, train, validation, resume_from)

    monkeypatch.setattr(module, "Trainer", Spy)
    task = replace(get_task("adding", 12), test_size=32)
    summary = train_network(network(), task, seed=0, **SETTINGS)
    ((trainer, train, validation),) = fits
    assert isinstance(train, OnlineBatches) and train.ends == [48, 80, 112]
    assert trainer.epochs == 3 and not trainer.restore_best and trainer.monitor == "val_wrong"
    assert [len(batch) for batch in validation.epoch(None)] == [32]  # the whole test set
    assert [c[0] for c in summary["curve"]] == train.ends


def test_progress_reports_each_check_with_the_mean_training_loss():
    plain = get_task("adding", 12)
    losses = []

    def recorded_loss(outputs, data):
        loss, doutputs = plain.loss(outputs, data)
        losses.append(float(loss))
        return loss, doutputs

    task = replace(plain, test_size=32, loss=recorded_loss)
    reports = []
    summary = train_network(
        network(), task, seed=0, progress=lambda *report: reports.append(report), **SETTINGS
    )
    steps = [losses[0:3], losses[3:5], losses[5:7]]  # 48, 80 and 112 sequences, 16 a step
    means = [sum(loss * 16 for loss in part) / (16 * len(part)) for part in steps]
    assert [r[1] for r in reports] == means
    assert [(r[0], r[2], r[3]) for r in reports] == summary["curve"]


def test_a_nonfinite_loss_stops_the_run():
    task = get_task("adding", 12)

    def nan_loss(outputs, data):
        return float("nan"), np.zeros_like(outputs)

    task = replace(task, test_size=16, loss=nan_loss)
    with pytest.raises(NonFiniteError, match="non-finite loss nan at epoch 1"):
        train_network(network(), task, seed=0, **SETTINGS)


def test_the_budget_is_checked():
    task = replace(get_task("adding", 12), test_size=16)
    with pytest.raises(ValueError, match="budget must be a positive integer; got 0"):
        train_network(network(), task, budget=0, seed=0)
