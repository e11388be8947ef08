"""Evaluation mode, padding, streaming, the fused-kernel rule and the input checks of the
regularised / normalised LSTM options (gradients: test_lstm_regularised_gradients.py and
test_lstm_regularised_torch.py)."""

import numpy as np
import pytest

from lstmkit import GRU, LSTM
from lstmkit.ops import jit
from lstmkit.recurrent import gru_scan, lstm_scan

DROPOUTS = {"dropout_input": 0.5, "dropout_output": 0.5, "dropout_state": 0.5, "weight_drop": 0.5}
IN_CELL = {"layer_norm": True, "zoneout_cell": 0.3, "zoneout_hidden": 0.2, "dropout_state": 0.2}
GRU_IN_CELL = {"layer_norm": True, "zoneout_hidden": 0.2, "dropout_state": 0.2}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "structure",
    [{}, {"num_layers": 2, "bidirectional": True, "proj_size": 2}],
    ids=["single", "2layer-bidirectional-proj"],
)
def test_dropout_variants_are_the_plain_layer_in_evaluation_mode(structure, dtype):
    regularised = LSTM(3, 4, dtype=dtype, seed=0, **structure, **DROPOUTS)
    plain = LSTM(3, 4, dtype=dtype, seed=0, **structure)
    for name, value in plain.params.items():
        np.testing.assert_array_equal(regularised.params[name], value)
    x = np.random.default_rng(1).standard_normal((3, 5, 3))
    lengths = np.array([5, 2, 4])
    training = regularised(x, lengths=lengths)[0]
    assert not np.array_equal(training, plain(x, lengths=lengths)[0])  # the masks act
    y, (h_n, c_n) = regularised.eval()(x, lengths=lengths)
    y_plain, (h_plain, c_plain) = plain.eval()(x, lengths=lengths)
    np.testing.assert_array_equal(y, y_plain)  # exactly: the same path, bit for bit
    np.testing.assert_array_equal(h_n, h_plain)
    np.testing.assert_array_equal(c_n, c_plain)
    assert regularised.last_masks() == {}


def test_gru_dropout_variants_are_the_plain_layer_in_evaluation_mode():
    options = {"dropout_input": 0.5, "dropout_output": 0.5, "weight_drop": 0.5}
    regularised = GRU(3, 4, seed=0, bidirectional=True, **options).eval()
    plain = GRU(3, 4, seed=0, bidirectional=True).eval()
    x = np.random.default_rng(1).standard_normal((2, 5, 3))
    np.testing.assert_array_equal(regularised(x)[0], plain(x)[0])
    assert not np.array_equal(regularised.train()(x)[0], plain(x)[0])


def test_zoneout_evaluation_is_the_expectation_of_training():
    """The mean over many training-mode passes approaches the evaluation output (for one step
    from a given state, zoneout is linear in its mask, so the expectation is exact)."""
    model = LSTM(2, 3, dtype="float64", seed=0, zoneout_cell=0.4, zoneout_hidden=0.3)
    x = np.random.default_rng(1).standard_normal((1, 1, 2))
    state = tuple(np.random.default_rng(2).standard_normal((2, 1, 1, 3)))
    expected, (_, expected_c) = model.eval()(x, state)
    model.train()
    runs = [model(x, state) for _ in range(4000)]
    mean_y = np.mean([y for y, _ in runs], axis=0)
    mean_c = np.mean([c for _, (_, c) in runs], axis=0)
    spread = np.abs(state[0] - expected).max() + np.abs(state[1] - expected_c).max()
    assert np.abs(mean_y - expected).max() < 0.05 * spread
    assert np.abs(mean_c - expected_c).max() < 0.05 * spread


def _states(result):
    return result if isinstance(result, tuple) else (result,)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cls, options", [(LSTM, IN_CELL), (GRU, GRU_IN_CELL)], ids=["LSTM", "GRU"])
def test_a_padded_batch_equals_each_sequence_alone_in_evaluation_mode(cls, options, dtype):
    model = cls(3, 4, num_layers=2, bidirectional=True, dtype=dtype, seed=0, **options).eval()
    rng = np.random.default_rng(1)
    lengths = np.array([2, 5, 3])
    x = rng.standard_normal((3, 5, 3))
    y, finals = model(x, lengths=lengths)
    tolerance = 1e-5 if dtype == "float32" else 1e-13  # float32: BLAS sums by batch shape
    for n, length in enumerate(lengths):
        alone, finals_alone = model(x[n : n + 1, :length])
        np.testing.assert_allclose(y[n, :length], alone[0], rtol=tolerance, atol=tolerance)
        for final, final_alone in zip(_states(finals), _states(finals_alone), strict=True):
            np.testing.assert_allclose(
                final[:, n], final_alone[:, 0], rtol=tolerance, atol=tolerance
            )
        assert not np.any(y[n, length:])


@pytest.mark.parametrize(
    "model",
    [
        LSTM(3, 4, bidirectional=True, dtype="float64", seed=0, **{**IN_CELL, **DROPOUTS}),
        GRU(3, 4, bidirectional=True, dtype="float64", seed=0, **{**GRU_IN_CELL, **DROPOUTS}),
    ],
    ids=["LSTM", "GRU"],
)
def test_padded_steps_change_nothing_in_training_mode(model):
    """With the masks replayed, garbage in the padded steps changes neither outputs nor
    gradients."""
    rng = np.random.default_rng(1)
    lengths = np.array([2, 5, 3])
    x = rng.standard_normal((3, 5, 3))
    garbage = x.copy()
    for n, length in enumerate(lengths):
        garbage[n, length:] = 1e3 * rng.standard_normal((5 - length, 3))
    dy = rng.standard_normal((3, 5, 8))
    results = []
    replay = model.rng_states()
    for inputs in (x, garbage):
        model.set_rng_states(replay)
        model.zero_grad()
        y, _ = model(inputs, lengths=lengths)
        dx, _ = model.backward(dy)
        results.append((y, dx, {k: g.copy() for k, g in model.grads.items()}))
    (y, dx, grads), (y_g, dx_g, grads_g) = results
    np.testing.assert_array_equal(y, y_g)
    np.testing.assert_array_equal(dx, dx_g)
    for name in grads:
        np.testing.assert_array_equal(grads[name], grads_g[name])


@pytest.mark.parametrize("cls, options", [(LSTM, IN_CELL), (GRU, GRU_IN_CELL)], ids=["LSTM", "GRU"])
def test_step_streams_the_evaluation_mode_layer(cls, options):
    model = cls(3, 4, num_layers=2, dtype="float64", seed=0, **options).eval()
    x = np.random.default_rng(1).standard_normal((2, 5, 3))
    y, finals = model(x)
    state = None
    for t in range(5):
        y_t, state = model.step(x[:, t], state)
        np.testing.assert_allclose(y_t, y[:, t], rtol=1e-13, atol=1e-13)
    for streamed, final in zip(_states(state), _states(finals), strict=True):
        np.testing.assert_allclose(streamed, final, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize(
    "cls, parts, gates", [(LSTM, ("ih", "hh", "c"), 4), (GRU, ("ih", "hh"), 3)]
)
def test_layer_norm_parameters_start_at_gain_one_and_bias_zero(cls, parts, gates):
    model = cls(3, 4, bidirectional=True, seed=0, layer_norm=True)
    names = [n for n in model.params if n.startswith("ln_")]
    assert names == [
        f"ln_{part}_{kind}_l0{suffix}"
        for suffix in ("", "_reverse")
        for part in parts
        for kind in ("weight", "bias")
    ]
    for name in names:
        size = 4 if name.startswith("ln_c") else 4 * gates
        expected = np.ones(size) if "_weight" in name else np.zeros(size)
        np.testing.assert_array_equal(model.params[name], expected)


def test_masks_are_one_per_sequence_and_drawn_from_the_seed():
    model = LSTM(3, 4, seed=5, **DROPOUTS, zoneout_cell=0.5)
    x = np.ones((2, 6, 3))
    model(x)
    masks = model.last_masks()
    assert masks["input_l0"].shape == (2, 3) and masks["state_l0"].shape == (2, 4)
    assert set(np.unique(masks["input_l0"])) <= {0.0, 2.0}  # inverted scaling, 1 / (1 - p)
    assert masks["zone_c_l0"].shape == (2, 6, 4)  # a fresh zoneout mask at every step
    assert not np.all(masks["zone_c_l0"] == masks["zone_c_l0"][:, :1])
    again = LSTM(3, 4, seed=5, **DROPOUTS, zoneout_cell=0.5)
    again(x)
    for name, mask in again.last_masks().items():
        np.testing.assert_array_equal(mask, masks[name])


def test_sorted_batches_keep_each_sequence_its_own_mask():
    """Masks are drawn in the user's batch order: the rows the layer sorts by length get
    the masks that last_masks reports for them."""
    model = LSTM(2, 3, dtype="float64", seed=0, dropout_output=0.5, dropout_input=0.5)
    x = np.random.default_rng(1).standard_normal((3, 4, 2))
    lengths = np.array([1, 4, 2])
    y, _ = model(x, lengths=lengths)
    masks = model.last_masks()
    plain = LSTM(2, 3, dtype="float64", seed=0)
    for n, length in enumerate(lengths):
        alone, _ = plain(x[n : n + 1, :length] * masks["input_l0"][n])
        np.testing.assert_allclose(y[n, :length], alone[0] * masks["output"][n], rtol=1e-13)


class _KernelSpy:
    """Counts the time loops that ran on the numba kernels (`lstm_scan._kernels`,
    `gru_scan._kernels`)."""

    def __init__(self, monkeypatch):
        self.fused = 0
        for module in (lstm_scan, gru_scan):
            monkeypatch.setattr(module, "_kernels", self._spy(module._kernels))

    def _spy(self, original):
        def spy(*args):
            kernels = original(*args)
            self.fused += kernels is not None
            return kernels

        return spy


@pytest.mark.skipif(jit.fused_kernels() is None, reason="numba not installed")
@pytest.mark.parametrize(
    "options, training, fused",
    [
        ({}, True, True),
        ({"dropout_input": 0.3, "dropout_output": 0.3, "weight_drop": 0.3}, True, True),
        ({"dropout_state": 0.3}, False, True),
        ({"dropout_state": 0.3}, True, False),
        ({"layer_norm": True}, False, False),
        ({"zoneout_cell": 0.3}, False, False),
    ],
    ids=["default", "outside-the-loop", "dropout_state-eval", "dropout_state", "ln", "zoneout"],
)
@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_the_fused_kernels_run_by_the_documented_rule(cls, options, training, fused, monkeypatch):
    spy = _KernelSpy(monkeypatch)
    if cls is GRU and "zoneout_cell" in options:
        options = {"zoneout_hidden": options["zoneout_cell"]}
    model = cls(3, 4, seed=0, **options).train(training)
    y, _ = model(np.ones((2, 3, 3), np.float32))
    if training:
        model.backward(np.ones_like(y))
    assert (spy.fused > 0) == fused


@pytest.mark.parametrize(
    "options, message",
    [
        ({"dropout_input": 1.0}, "dropout_input must be a number in \\[0, 1\\); got 1.0"),
        ({"weight_drop": -0.1}, "weight_drop must be a number in \\[0, 1\\); got -0.1"),
        ({"zoneout_cell": "0.2"}, "zoneout_cell must be a number in \\[0, 1\\); got '0.2'"),
        ({"dropout_state": True}, "dropout_state must be a number"),
        ({"layer_norm": 1}, "layer_norm"),
        ({"layer_norm": True, "peepholes": True}, "layer_norm cannot be combined with peep"),
        ({"zoneout_hidden": 0.1, "clip": 3.0}, "zoneout_hidden cannot be combined with clip"),
        (
            {"dropout_state": 0.1, "input_forget": True},
            "dropout_state cannot be combined with input_forget",
        ),
    ],
)
def test_bad_options_are_refused_by_name(options, message):
    with pytest.raises(ValueError, match=message):
        LSTM(3, 4, **options)


@pytest.mark.parametrize(
    "options, message",
    [
        (
            {"layer_norm": True, "linear_before_reset": False},
            "layer_norm cannot be combined with linear_before_reset=False",
        ),
        ({"zoneout_hidden": 0.2, "clip": 1.0}, "zoneout_hidden cannot be combined with clip"),
        ({"dropout_state": 1.5}, "dropout_state must be a number in \\[0, 1\\); got 1.5"),
    ],
)
def test_bad_gru_options_are_refused_by_name(options, message):
    with pytest.raises(ValueError, match=message):
        GRU(3, 4, **options)


def test_the_gru_has_no_zoneout_cell():
    with pytest.raises(TypeError, match="zoneout_cell"):
        GRU(3, 4, zoneout_cell=0.1)


def test_repr_names_the_options():
    text = repr(LSTM(3, 4, layer_norm=True, weight_drop=0.25, zoneout_hidden=0.1))
    assert "layer_norm=True" in text and "weight_drop=0.25" in text
    assert "zoneout_hidden=0.1" in text


@pytest.mark.parametrize(
    "cls, options",
    [(LSTM, {**IN_CELL, **DROPOUTS, "dropout_state": 0.1}), (GRU, {**GRU_IN_CELL, **DROPOUTS})],
    ids=["LSTM", "GRU"],
)
def test_a_regularised_layer_learns_to_recall_its_first_input(cls, options):
    """Behaviour: with every option on, Adam drives the loss of "repeat x[0] after 6 steps"
    (read from h_n's first unit) well below what predicting 0 gives, in evaluation mode."""
    from lstmkit.optim import Adam

    model = cls(1, 6, seed=0, **{**options, "dropout_input": 0.0, "dropout_output": 0.1})
    rng = np.random.default_rng(0)
    x = rng.choice([-1.0, 1.0], size=(32, 6, 1)).astype(np.float32)
    target = 0.5 * x[:, 0, 0]
    optimizer = Adam(model, lr=0.05)

    def loss_and_gradient():
        y, state = model(x)
        h_n = _states(state)[0]
        error = h_n[0, :, 0] - target
        dh_n = np.zeros_like(h_n)
        dh_n[0, :, 0] = 2 * error / len(error)
        return float(np.mean(error**2)), y, dh_n

    for _ in range(150):  # untrained: 0.51 against the baseline 0.25
        model.zero_grad()
        _, y, dh_n = loss_and_gradient()
        dstate = (dh_n, None) if cls is LSTM else dh_n
        model.backward(np.zeros_like(y), dstate)
        optimizer.step()
    model.eval()
    loss, _, _ = loss_and_gradient()
    assert loss < 0.1 * float(np.mean(target**2))
