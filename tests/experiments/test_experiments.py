"""The experiment machinery: matched sizes, the criterion, training end to end on a tiny budget,
and the gradient-norm measurement against finite differences."""

import numpy as np
import pytest

from lstmkit.data.synthetic import adding_problem
from lstmkit.experiments import (
    TaskNetwork,
    evaluate,
    get_task,
    gradient_norms,
    input_gradients,
    matched_hidden_size,
    parameter_count,
    run_experiment,
)
from lstmkit.experiments.gradients import probe_sequences


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_parameter_count_is_the_networks(cell):
    network = TaskNetwork(3, 2, cell, 5, seed=0)
    assert sum(v.size for v in network.params.values()) == parameter_count(cell, 3, 5, 2)


def test_matched_sizes_are_comparable():
    budget = parameter_count("lstm", 2, 32, 1)
    for cell in ("gru", "rnn"):
        size = matched_hidden_size(cell, 2, 1, budget)
        count = parameter_count(cell, 2, size, 1)
        assert abs(count - budget) <= abs(parameter_count(cell, 2, size + 1, 1) - budget)
        assert abs(count - budget) <= abs(parameter_count(cell, 2, size - 1, 1) - budget)
        assert abs(count / budget - 1) < 0.05


def test_adding_criterion_counts_errors_of_0_04():
    task = get_task("adding", 20)
    test = adding_problem(10, 20, seed=0)

    class Fixed:
        def __init__(self, out):
            self.out = out

        def eval(self):
            pass

        def train(self):
            pass

        def forward(self, x, lengths):
            return self.out

    out = test.y[:, None].astype(np.float64).copy()
    out[:3, 0] += [0.039, -0.041, 0.5]
    wrong, error = evaluate(Fixed(out), task, test)
    assert wrong == 2
    assert error == pytest.approx((0.039**2 + 0.041**2 + 0.5**2) / 10, rel=1e-5)


def test_run_experiment_end_to_end(tmp_path):
    rows = run_experiment(
        "adding", 10, budget=96, models=("lstm", "rnn"), seeds=(0,), hidden_size=4,
        batch_size=16, eval_every=48, test_size=64, out=tmp_path,
    )  # fmt: skip
    assert [r.model for r in rows] == ["lstm", "rnn"]
    for r in rows:
        assert r.sequences_seen == 96 and r.test_size == 64
        assert r.test_correct == 1 - r.test_wrong / 64 and r.solved == (r.test_wrong <= 3)
    assert rows[1].hidden_size == matched_hidden_size("rnn", 2, 1, rows[0].parameters)
    text = (tmp_path / "results.csv").read_text().splitlines()
    assert text[0].startswith("task,T,model") and len(text) == 3
    assert (tmp_path / "lstm_seed0.safetensors").exists()
    again = run_experiment(
        "adding", 10, budget=96, models=("lstm",), hidden_size=4, batch_size=16,
        eval_every=48, test_size=64,
    )  # fmt: skip
    assert again[0].final_error == rows[0].final_error  # seeded: the same run twice


@pytest.mark.parametrize("name", ["reber", "temporal-order", "copy"])
def test_every_task_trains_a_step(name):
    rows = run_experiment(
        name, None if name != "copy" else 5, budget=8, models=("gru",), hidden_size=3,
        batch_size=8, test_size=16,
    )  # fmt: skip
    assert rows[0].sequences_seen == 8 and np.isfinite(rows[0].final_error)


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="task must be one of"):
        get_task("parity")
    with pytest.raises(ValueError, match="models must be some of"):
        run_experiment("adding", 10, models=("lstm", "transformer"))


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_input_gradients_match_finite_differences(cell):
    network = TaskNetwork(2, 1, cell, 3, dtype="float64", seed=1)
    x, y = probe_sequences(10, n=2, seed=0)
    dx = input_gradients(network, x, y)

    def total_loss(inputs):
        return 0.5 * np.sum((network.forward(inputs)[:, 0] - y) ** 2)

    eps = 1e-6
    numeric = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += eps
        minus[index] -= eps
        numeric[index] = (total_loss(plus) - total_loss(minus)) / (2 * eps)
    np.testing.assert_allclose(dx, numeric, rtol=1e-6, atol=1e-10)
    # the per-step norms are the norms of those gradients, averaged over the sequences
    norms = gradient_norms(network=network, T=10, n=2, seed=0)
    np.testing.assert_allclose(
        norms, np.linalg.norm(numeric, axis=2).mean(0), rtol=1e-6, atol=1e-10
    )


def test_forget_bias_keeps_the_gradient_alive():
    # the measurement the docs explain: at initialisation the gradient reaching 60 steps
    # back is orders of magnitude larger through an LSTM with forget bias 1 than without
    plain = gradient_norms("lstm", 60, forget_bias=0.0, hidden_size=8, n=2)
    biased = gradient_norms("lstm", 60, forget_bias=1.0, hidden_size=8, n=2)
    rnn = gradient_norms("rnn", 60, hidden_size=8, n=2)
    assert biased[0] / biased[-1] > 1e3 * plain[0] / plain[-1]
    assert rnn[0] < 1e-6 * rnn[-1]
