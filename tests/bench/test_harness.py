"""The benchmark harness (bench/harness.py, bench/run.py, bench/e2e.py) on hand-made timings:
its statistics, its interleaving, its random shapes, and one short end-to-end run of each
script. The benchmarks themselves are never run here; only their method is checked."""

import importlib.util
import sys
import types
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load(name: str):
    """A bench/ script as a module (bench/ is not a package; the scripts import their
    neighbours `harness` and `lstm_vs_torch` from bench/ on sys.path)."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


harness = _load("harness")


# ---------------------------------------------------------------------------- statistics


def test_spread_of_an_odd_count_takes_tukeys_hinges():
    s = harness.spread([5.0, 1.0, 4.0, 2.0, 3.0])
    assert (s.median, s.q1, s.q3, s.low, s.high, s.count) == (3.0, 2.0, 4.0, 1.0, 5.0, 5)


def test_spread_of_an_even_count_splits_in_halves():
    s = harness.spread([4.0, 1.0, 3.0, 2.0, 10.0, 0.5])
    # ordered 0.5 1 2 | 3 4 10: halves' medians 1 and 4, median (2 + 3) / 2
    assert (s.median, s.q1, s.q3, s.low, s.high) == (2.5, 1.0, 4.0, 0.5, 10.0)


def test_spread_of_one_value_is_that_value_everywhere():
    s = harness.spread([0.7])
    assert (s.median, s.q1, s.q3, s.low, s.high, s.count) == (0.7, 0.7, 0.7, 0.7, 0.7, 1)
    assert s.text() == "0.70 (0.70-0.70; 0.70-0.70)"


def test_spread_refuses_no_values():
    with pytest.raises(ValueError, match="at least one value"):
        harness.spread([])


def test_round_ratios_divide_the_medians_of_each_round():
    mine = [[2.0, 4.0, 6.0], [3.0, 9.0, 3.0], [1.0, 1.0, 1.0]]
    theirs = [[1.0, 10.0, 2.0], [6.0, 6.0, 6.0], [4.0, 4.0, 4.0]]
    assert harness.round_ratios(mine, theirs) == [2.0, 0.5, 0.25]


def test_round_ratios_need_the_same_rounds():
    with pytest.raises(ValueError, match="same number of rounds"):
        harness.round_ratios([[1.0]], [[1.0], [2.0]])


def test_median_ms_pools_every_call_of_every_round():
    assert harness.median_ms([[0.001, 0.003], [0.002]]) == 2.0


# ---------------------------------------------------------------------------- interleaving


class FakeMachine:
    """Callables whose 'time' is a cost read from a per-contender list, on a virtual clock;
    every call is logged as (case, name)."""

    def __init__(self, costs: dict):
        self.now = 0.0
        self.log = []
        self.costs = {key: list(values) for key, values in costs.items()}

    def clock(self) -> float:
        return self.now

    def call(self, case, name):
        def run():
            self.log.append((case, name))
            self.now += self.costs[(case, name)].pop(0)

        return run


def test_run_rounds_times_each_call_and_leaves_the_warm_ups_out():
    costs = {
        # first value: the warm-up call, never to appear in the samples
        ("a", "lstmkit"): [1000.0, 1.0, 5.0, 3.0, 2.0, 2.0, 8.0],
        ("a", "torch"): [1000.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0],
    }
    machine = FakeMachine(costs)
    calls = {"a": {n: machine.call("a", n) for n in ("lstmkit", "torch")}}
    samples = harness.run_rounds(calls, rounds=2, calls_per_round=3, warmups=1, seed=0,
                                 clock=machine.clock)  # fmt: skip
    assert samples == {
        "a": {"lstmkit": [[1.0, 5.0, 3.0], [2.0, 2.0, 8.0]],
              "torch": [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]},
    }  # fmt: skip
    ratios = harness.round_ratios(samples["a"]["lstmkit"], samples["a"]["torch"])
    assert ratios == [3.0, 1.0]
    s = harness.spread(ratios)
    assert (s.median, s.low, s.high) == (2.0, 1.0, 3.0)


def test_every_round_visits_every_shape_and_alternates_both_libraries():
    cases, names, rounds, calls_per_round = ["s1", "s2", "s3"], ["lstmkit", "torch"], 12, 3
    costs = {(c, n): [1.0] * (1 + rounds * calls_per_round) for c in cases for n in names}
    machine = FakeMachine(costs)
    calls = {c: {n: machine.call(c, n) for n in names} for c in cases}
    harness.run_rounds(calls, rounds, calls_per_round, warmups=1, seed=3, clock=machine.clock)
    timed = machine.log[len(cases) * len(names) :]  # after one warm-up call each
    per_round = len(cases) * len(names) * calls_per_round
    case_orders, first_names = set(), set()
    for r in range(rounds):
        log = timed[r * per_round : (r + 1) * per_round]
        # each shape once per round, its calls together, both libraries alternating
        visited = [case for case, _ in log[:: len(names) * calls_per_round]]
        assert sorted(visited) == cases
        case_orders.add(tuple(visited))
        for k, case in enumerate(visited):
            block = log[k * len(names) * calls_per_round : (k + 1) * len(names) * calls_per_round]
            assert {c for c, _ in block} == {case}
            order = [n for _, n in block[: len(names)]]
            assert sorted(order) == names
            assert [n for _, n in block] == order * calls_per_round
            first_names.add(order[0])
    # the orders are drawn per round: over 12 rounds both vary
    assert len(case_orders) > 1
    assert first_names == set(names)


def test_round_orders_are_reproducible_from_the_seed():
    contenders = {"x": ["a", "b", "c"], "y": ["a", "b"]}
    first = harness.round_orders(["x", "y"], contenders, 5, seed=11)
    assert first == harness.round_orders(["x", "y"], contenders, 5, seed=11)
    for round_plan in first:
        assert sorted(case for case, _ in round_plan) == ["x", "y"]
        for case, names in round_plan:
            assert sorted(names) == sorted(contenders[case])


def test_run_rounds_refuses_no_rounds():
    with pytest.raises(ValueError, match="rounds and calls per round must be at least 1"):
        harness.run_rounds({"a": {"f": lambda: None}}, 0, 1, 0, seed=0)


# ---------------------------------------------------------------------------- random shapes


def test_random_shapes_are_drawn_from_the_stated_ranges():
    assert harness.RANGES == {
        "batch": (1, 64),
        "steps": (20, 300),
        "input_size": (8, 256),
        "hidden_size": (32, 384),
    }
    shapes = harness.random_shapes(400, seed=5)
    assert len(shapes) == 400
    for n, t, i, h in shapes:
        assert 1 <= n <= 64 and 20 <= t <= 300 and 8 <= i <= 256 and 32 <= h <= 384
    # the draws cover the ranges, not one corner of them
    columns = list(zip(*shapes, strict=True))
    assert [min(c) for c in columns] < [5, 40, 20, 50] and [max(c) for c in columns] > [
        60,
        280,
        240,
        360,
    ]


def test_random_shapes_are_reproducible_from_the_seed():
    assert harness.random_shapes(6, seed=42) == harness.random_shapes(6, seed=42)
    assert harness.random_shapes(6, seed=42) != harness.random_shapes(6, seed=43)
    assert harness.random_shapes(3, seed=42) == harness.random_shapes(6, seed=42)[:3]
    assert harness.random_shapes(0, seed=42) == []


def test_random_shapes_refuse_a_negative_count():
    with pytest.raises(ValueError, match="count must be at least 0"):
        harness.random_shapes(-1, seed=0)


# ---------------------------------------------------------------------------- the machine


def test_cpu_model_is_read_from_cpuinfo():
    text = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) X 2.1GHz\n"
    assert harness.cpu_model(text) == "Intel(R) Xeon(R) X 2.1GHz"


def test_openblas_kernel_variables_are_cleared_together():
    environ = {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512", "PATH": "/bin"}
    removed = harness.clear_openblas_kernel_vars(environ)
    assert removed == {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512"}
    assert environ == {"PATH": "/bin"}


# ---------------------------------------------------------------------------- run.py


def test_targets_judge_every_shape_on_its_median_ratio():
    run = _load("run")
    rows = []
    for label, infer, train in (
        ("a", [0.9, 1.1, 0.95], [0.8] * 3),
        ("b", [1.2, 1.3, 1.4], [0.9] * 3),
    ):
        row = run.Row("lstm", run.Config(2, 5, 4, 8), 1, False, source=label)
        row.ratios = {"infer": harness.spread(infer), "train": harness.spread(train)}
        rows.append(row)
    found = {target: (measured, met) for target, measured, met in run.targets(rows, {}, {})}
    measured, met = found["LSTM inference <= 1.0 of torch, every shape"]
    assert not met and "worst 1.30 (1.25-1.35; 1.20-1.40)" in measured and "1 of 2" in measured
    assert found["LSTM training <= 1.0 of torch, every shape"][1] is True


def test_run_quick_runs_end_to_end_on_one_tiny_shape(torch):
    run = _load("run")
    text = run.main(["--quick", "--cells", "lstm", "--shapes", "2,5,4,8", "--random-shapes", "0",
                     "--tables-only"])  # fmt: skip
    assert "- CPU: " in text and "thread pool: " in text and "versions: " in text
    rows = [line for line in text.splitlines() if line.startswith("| N=2 T=5 I=4 H=8 |")]
    assert len(rows) == 1 and "| grid | 3 x 2 |" in rows[0]
    assert "LSTM training <= 1.0 of torch, every shape" in text
    assert torch.get_num_threads() >= 1


# ---------------------------------------------------------------------------- e2e.py


def test_e2e_quick_builds_torch_networks_with_lstmkit_parameter_counts(torch):
    e2e = _load("e2e")
    results, text = e2e.main(["--quick", "--epochs", "1", "--chars", "2000", "--no-warmup"])
    counts = {r.task: r.parameters for r in results}
    # hand-counted, the default LSTM-FCN on JapaneseVowels (12 channels, 9 classes, at most 29
    # steps: both strides 1): bidirectional LSTM 12 -> 64, 2 x (4*64*(12+64) + 2*4*64) = 39936;
    # convolutions without bias 64*12*8 = 6144, 128*64*5 = 40960, 64*128*3 = 24576; batch
    # norms' weight and bias 2*64 + 2*128 + 2*64 = 512; Linear (128 + 64) -> 9, 192*9 + 9 = 1737
    assert counts["classifier"] == (113865, 113865)
    # LSTM 2 -> 32 (4*32*(2+32) + 2*4*32) + Linear 32 -> 24 (2 x 12 months)
    assert counts["forecaster"] == (5400, 5400)
    # Embedding V x 64 + LSTM 64 -> 256 -> 256 (329728 + 526336) + Linear 256 -> V
    text_used, _ = e2e.task_text(None, 2000)
    trained = text_used[: len(text_used) - int(len(text_used) * 0.05)]
    vocabulary = len(set(trained)) + 1  # and <unk>
    expected = 64 * vocabulary + 329728 + 526336 + 257 * vocabulary
    assert counts["charlm"] == (expected, expected)
    assert all(r.parity <= e2e.PARITY_TOLERANCE for r in results)
    assert "| classifier | JapaneseVowels train |" in text


def _fcn_and_batch(architecture, head, bidirectional, strides, cell):
    """A tiny FCNNetwork whose batch norms have tracked two training batches, and a batch of
    four sequences of lengths 13, 7, 10, 9 with 5.0 (not zero) past each length."""
    import numpy as np

    from lstmkit.models.fcn_network import FCNNetwork

    network = FCNNetwork(3, 4, architecture, cell=cell, hidden_size=5, bidirectional=bidirectional,
                         head=head, dropout=0.3, filters=4, recurrent_stride=strides[0],
                         conv_stride=strides[1], seed=1)  # fmt: skip
    lengths = np.array([13, 7, 10, 9])
    x = np.random.default_rng(0).standard_normal((4, 13, 3)).astype(np.float32)
    x[np.arange(13)[None, :] >= lengths[:, None]] = 5.0
    network.train()
    network.forward(x, lengths)
    network.forward(x[::-1].copy(), lengths[::-1].copy())
    return network, types.SimpleNamespace(x=x, lengths=lengths, y=np.arange(4))


@pytest.mark.parametrize(
    "architecture, head, bidirectional, strides, cell",
    [
        ("lstm-fcn", "max", True, (1, 1), "lstm"),
        ("alstm-fcn", "mean", True, (3, 2), "gru"),
        ("lstm-fcn", "last", False, (2, 3), "rnn"),
    ],
)
def test_fcn_twin_computes_lstmkit_outputs_and_statistics_in_both_modes(
    torch, architecture, head, bidirectional, strides, cell
):
    e2e, twins = _load("e2e"), _load("torch_twins")
    network, batch = _fcn_and_batch(architecture, head, bidirectional, strides, cell)
    model = twins.twin(network)
    # strict load inside: every parameter and buffer name and shape of lstmkit's, no other
    assert e2e.check_parity(network, model, batch) <= e2e.PARITY_TOLERANCE
    assert twins.follows_training(model)  # so the training-mode pass and statistics were compared
    assert e2e.torch_parameter_count(model) == e2e.parameter_count(network)
    # the fitted network keeps its state: the training-mode check ran on copies
    assert int(network.buffers["norm0.num_batches_tracked"]) == 2


def test_fcn_twin_parity_check_stops_on_a_different_network(torch):
    e2e, twins = _load("e2e"), _load("torch_twins")
    network, batch = _fcn_and_batch("alstm-fcn", "max", True, (2, 2), "lstm")
    model = twins.twin(network)
    model.norm1.eps = 0.5  # lstmkit's is 1e-5
    with pytest.raises(SystemExit, match="twin of FCNNetwork disagrees"):
        e2e.check_parity(network, model, batch)
