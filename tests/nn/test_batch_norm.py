"""BatchNorm1d: finite-difference gradients, parity with torch.nn.BatchNorm1d, statistics over
the valid steps only, running statistics as buffers (saved, never optimised), errors."""

import numpy as np
import pytest

import lstmkit
from lstmkit.errors import NoForwardPassError
from lstmkit.nn import BatchNorm1d, Linear, Sequential
from lstmkit.optim import Adam
from lstmkit.testing import gradient_errors, relative_error

TOLERANCE = 1e-6
PARITY = 1e-10
LENGTHS = np.array([4, 2, 3])


def randomised(layer, rng):
    """The layer with weight, bias and running statistics away from their starting values."""
    if layer.affine:
        layer.weight[...] = rng.uniform(0.5, 1.5, size=layer.num_features)
        layer.bias[...] = rng.standard_normal(layer.num_features)
    layer.running_mean[...] = rng.standard_normal(layer.num_features)
    layer.running_var[...] = rng.uniform(0.5, 2.0, size=layer.num_features)
    return layer


def valid_rows(x, lengths):
    """The valid steps of a batch-first x (N, T, C), concatenated into rows (M, C)."""
    return np.concatenate([x[n, :length] for n, length in enumerate(lengths)])


def torch_twin(torch, layer):
    """torch.nn.BatchNorm1d in float64 with the layer's hyperparameters and current values."""
    twin = torch.nn.BatchNorm1d(
        layer.num_features, eps=layer.eps, momentum=layer.momentum, dtype=torch.float64
    )
    with torch.no_grad():
        twin.weight.copy_(torch.from_numpy(layer.weight))
        twin.bias.copy_(torch.from_numpy(layer.bias))
        twin.running_mean.copy_(torch.from_numpy(layer.running_mean))
        twin.running_var.copy_(torch.from_numpy(layer.running_var))
    return twin


def torch_step(torch, twin, x_ncl, dy_ncl):
    """(y, dx) of torch's layer on x (N, C, L) for the upstream gradient dy."""
    x_t = torch.from_numpy(x_ncl.copy()).requires_grad_(True)
    y_t = twin(x_t)
    y_t.backward(torch.from_numpy(dy_ncl.copy()))
    return y_t.detach().numpy(), x_t.grad.numpy()


def assert_torch_state(layer, twin):
    for name in ("weight", "bias"):
        assert relative_error(layer.grads[name], getattr(twin, name).grad.numpy()) < PARITY, name
    for name in ("running_mean", "running_var"):
        assert relative_error(getattr(layer, name), getattr(twin, name).numpy()) < PARITY, name
    assert int(layer.num_batches_tracked) == int(twin.num_batches_tracked)


# ---- gradients ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mode, x_shape, lengths",
    [
        ("train", (3, 4, 2), None),
        ("train", (3, 4, 2), LENGTHS),
        ("train", (5, 2), None),
        ("eval", (3, 4, 2), LENGTHS),
        ("eval", (5, 2), None),
    ],
    ids=["train", "train-lengths", "train-2d", "eval-lengths", "eval-2d"],
)
def test_every_gradient_matches_finite_differences(mode, x_shape, lengths):
    rng = np.random.default_rng(0)
    layer = randomised(BatchNorm1d(2, eps=1e-3, dtype="float64"), rng)
    if mode == "eval":
        layer.eval()
    x = 2 * rng.standard_normal(x_shape) + 1
    errors = gradient_errors(
        layer, lambda: layer(x, lengths), lambda dy: {"x": layer.backward(*dy)}, {"x": x}
    )
    assert set(errors) == {"input x", "weight", "bias"}
    worst = {name: error for name, error in errors.items() if not error < TOLERANCE}
    assert not worst, f"relative errors above {TOLERANCE}: {worst}"


# ---- parity with torch ----------------------------------------------------------------------


@pytest.mark.parametrize("momentum", [0.1, None])
def test_matches_torch_over_several_training_steps_and_in_eval(torch, momentum):
    """Forward, backward, gradients and running statistics after each of three training
    steps, then evaluation outputs and gradients, all against torch on (N, C, T)."""
    rng = np.random.default_rng(1)
    layer = randomised(BatchNorm1d(3, eps=1e-4, momentum=momentum, dtype="float64"), rng)
    twin = torch_twin(torch, layer)
    for _ in range(3):
        x = rng.standard_normal((4, 5, 3)) * 2 + 0.5
        dy = rng.standard_normal((4, 5, 3))
        y_t, dx_t = torch_step(torch, twin, x.transpose(0, 2, 1), dy.transpose(0, 2, 1))
        y, dx = layer(x), layer.backward(dy)
        assert relative_error(y, y_t.transpose(0, 2, 1)) < PARITY
        assert relative_error(dx, dx_t.transpose(0, 2, 1)) < PARITY
        assert_torch_state(layer, twin)
    layer.eval()
    twin.eval()
    twin.zero_grad()
    layer.zero_grad()
    x = rng.standard_normal((2, 6, 3))
    dy = rng.standard_normal((2, 6, 3))
    y_t, dx_t = torch_step(torch, twin, x.transpose(0, 2, 1), dy.transpose(0, 2, 1))
    y, dx = layer(x), layer.backward(dy)
    assert relative_error(y, y_t.transpose(0, 2, 1)) < PARITY
    assert relative_error(dx, dx_t.transpose(0, 2, 1)) < PARITY
    assert_torch_state(layer, twin)  # eval mode left the running statistics as they were


def test_with_lengths_equals_torch_on_the_valid_steps_alone(torch):
    """A padded batch with lengths gives what torch gives on the concatenation of the valid
    steps only: outputs, input gradients, parameter gradients and running statistics; the
    padded steps give zero output and take zero gradient."""
    rng = np.random.default_rng(2)
    layer = randomised(BatchNorm1d(3, dtype="float64"), rng)
    twin = torch_twin(torch, layer)
    x = rng.standard_normal((3, 4, 3)) + 1
    x[0, 2:] = x[1, 2:] = 1e6  # padding far from the data: it would dominate the statistics
    dy = rng.standard_normal((3, 4, 3))
    rows, drows = valid_rows(x, LENGTHS), valid_rows(dy, LENGTHS)
    y_t, dx_t = torch_step(torch, twin, rows.T[None], drows.T[None])
    y, dx = layer(x, LENGTHS), layer.backward(dy)
    assert relative_error(valid_rows(y, LENGTHS), y_t[0].T) < PARITY
    assert relative_error(valid_rows(dx, LENGTHS), dx_t[0].T) < PARITY
    assert_torch_state(layer, twin)
    padding = np.arange(4)[None, :] >= LENGTHS[:, None]
    assert not np.any(y[padding]) and not np.any(dx[padding])


def test_padded_batch_has_the_statistics_of_its_unpadded_concatenation():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 4, 2)) * 3 - 1
    padded, unpadded = BatchNorm1d(2, dtype="float64"), BatchNorm1d(2, dtype="float64")
    y = padded(x, LENGTHS)
    y_rows = unpadded(valid_rows(x, LENGTHS))
    np.testing.assert_array_equal(padded.running_mean, unpadded.running_mean)
    np.testing.assert_array_equal(padded.running_var, unpadded.running_var)
    np.testing.assert_array_equal(valid_rows(y, LENGTHS), y_rows)
    rows = valid_rows(y, LENGTHS)  # normalised over the valid steps: mean 0, biased var 1
    np.testing.assert_allclose(rows.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(rows.var(axis=0), 1, rtol=1e-5)  # eps = 1e-5 in the variance


def test_time_major_layout_equals_batch_first():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 4, 2))
    dy = rng.standard_normal((3, 4, 2))
    first = BatchNorm1d(2, dtype="float64")
    major = BatchNorm1d(2, dtype="float64", batch_first=False)
    y, dx = first(x, LENGTHS), first.backward(dy)
    y_major = major(x.transpose(1, 0, 2), LENGTHS)
    dx_major = major.backward(dy.transpose(1, 0, 2))
    np.testing.assert_allclose(y_major.transpose(1, 0, 2), y, rtol=0, atol=1e-14)
    np.testing.assert_allclose(dx_major.transpose(1, 0, 2), dx, rtol=0, atol=1e-14)
    np.testing.assert_array_equal(major.running_var, first.running_var)


def test_without_running_stats_eval_uses_the_batch_statistics(torch):
    rng = np.random.default_rng(5)
    layer = BatchNorm1d(3, affine=False, track_running_stats=False, dtype="float64").eval()
    assert layer.params == {} and layer.buffers == {}
    x = rng.standard_normal((4, 5, 3))
    twin = torch.nn.BatchNorm1d(3, affine=False, track_running_stats=False).double().eval()
    expected = twin(torch.from_numpy(x.transpose(0, 2, 1).copy())).numpy().transpose(0, 2, 1)
    assert relative_error(layer(x), expected) < PARITY


# ---- buffers: saved with the parameters, never optimised ------------------------------------


def test_starting_values_and_buffers():
    layer = BatchNorm1d(4)
    assert list(layer.params) == ["weight", "bias"]
    assert list(layer.buffers) == ["running_mean", "running_var", "num_batches_tracked"]
    assert list(layer.state_dict()) == [*layer.params, *layer.buffers]
    np.testing.assert_array_equal(layer.weight, np.ones(4, np.float32))
    np.testing.assert_array_equal(layer.bias, np.zeros(4, np.float32))
    np.testing.assert_array_equal(layer.running_mean, np.zeros(4, np.float32))
    np.testing.assert_array_equal(layer.running_var, np.ones(4, np.float32))
    assert layer.num_batches_tracked.shape == () and layer.num_batches_tracked.dtype == np.int64
    assert layer(np.arange(8).reshape(2, 4)).dtype == np.float32


def test_reset_parameters_restores_the_starting_values():
    layer = randomised(BatchNorm1d(2, dtype="float64"), np.random.default_rng(6))
    layer(np.random.default_rng(7).standard_normal((3, 2)))
    layer.reset_parameters()
    fresh = BatchNorm1d(2, dtype="float64")
    for name, value in fresh.state_dict().items():
        np.testing.assert_array_equal(layer.state_dict()[name], value, err_msg=name)


def trained_model(rng):
    """Linear then BatchNorm1d, after two training steps (running statistics moved)."""
    model = Sequential(Linear(3, 2, dtype="float64", seed=0), BatchNorm1d(2, dtype="float64"))
    for _ in range(2):
        model(rng.standard_normal((4, 3)))
    return model


def test_save_and_load_carry_the_running_statistics(tmp_path):
    rng = np.random.default_rng(8)
    model = trained_model(rng)
    state = model.state_dict()
    assert int(state["1.num_batches_tracked"]) == 2
    assert not np.array_equal(state["1.running_var"], np.ones(2))
    path = tmp_path / "model.safetensors"
    lstmkit.save(model, path)
    loaded = lstmkit.load(path)
    for name, value in state.items():
        assert loaded.state_dict()[name].tobytes() == value.tobytes(), name
    x = rng.standard_normal((5, 3))
    np.testing.assert_array_equal(loaded.eval()(x), model.eval()(x))


def test_load_state_dict_checks_the_buffers():
    model = trained_model(np.random.default_rng(9))
    state = model.state_dict()
    del state["1.running_mean"]
    with pytest.raises(ValueError, match=r"missing keys \['1.running_mean'\]"):
        Sequential(Linear(3, 2, dtype="float64"), BatchNorm1d(2, dtype="float64")).load_state_dict(
            state
        )


def test_buffer_names_cannot_contain_dots():
    layer = BatchNorm1d(2)
    with pytest.raises(ValueError, match=r"buffer names cannot contain '.'; got 'a.b'"):
        layer.add_buffer("a.b", np.zeros(2))


def test_optimizers_leave_the_buffers_alone():
    rng = np.random.default_rng(10)
    layer = BatchNorm1d(2, dtype="float64")
    layer(rng.standard_normal((4, 3, 2)))
    layer.backward(rng.standard_normal((4, 3, 2)))
    before = {name: value.copy() for name, value in layer.buffers.items()}
    optimizer = Adam(layer, lr=0.1)
    optimizer.step()
    assert not np.array_equal(layer.weight, np.ones(2))  # the parameters moved
    for name, value in before.items():
        np.testing.assert_array_equal(layer.buffers[name], value, err_msg=name)


# ---- configuration and errors ---------------------------------------------------------------


def test_repr_and_config():
    assert repr(BatchNorm1d(8)) == "BatchNorm1d(8)"
    assert repr(BatchNorm1d(8, momentum=None, affine=False, dtype="float64")) == (
        "BatchNorm1d(8, momentum=None, affine=False, dtype='float64')"
    )
    assert BatchNorm1d(8).get_config() == {
        "num_features": 8,
        "eps": 1e-5,
        "momentum": 0.1,
        "affine": True,
        "track_running_stats": True,
        "dtype": "float32",
        "batch_first": True,
    }


def test_input_errors_name_the_argument():
    layer = BatchNorm1d(3)
    with pytest.raises(NoForwardPassError, match="before forward"):
        layer.backward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, C\) or \(N, C\) with C = "):
        layer(np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match=r"num_features = 3, no axis empty; got \(3,\)"):
        layer(np.zeros(3))
    with pytest.raises(ValueError, match=r"\(T, N, C\) or \(N, C\).*got \(0, 3\)"):
        BatchNorm1d(3, batch_first=False)(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="x contains NaN"):
        layer(np.full((2, 3), np.nan))
    with pytest.raises(ValueError, match=r"lengths applies to sequences .*; x has shape \(2, 3\)"):
        layer(np.zeros((2, 3)), lengths=[1, 1])
    with pytest.raises(ValueError, match=r"lengths must have shape \(2,\)"):
        layer(np.zeros((2, 4, 3)), lengths=[4, 4, 4])
    with pytest.raises(ValueError, match=r"lengths must lie in 1..4"):
        layer(np.zeros((2, 4, 3)), lengths=[5, 1])
    with pytest.raises(ValueError, match="more than one value per channel .*got 1"):
        layer(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="more than one value per channel .*got 1"):
        layer(np.zeros((1, 4, 3)), lengths=[1])
    layer(np.zeros((2, 4, 3)))
    with pytest.raises(ValueError, match=r"dy must have shape \(2, 4, 3\); got \(2, 3\)"):
        layer.backward(np.zeros((2, 3)))


@pytest.mark.parametrize(
    "options, message",
    [
        ({"num_features": 0}, "num_features must be a positive integer; got 0"),
        ({"eps": 0}, "eps must be a positive number; got 0"),
        ({"momentum": 1.5}, r"momentum must be a number in \[0, 1\] or None; got 1.5"),
        ({"momentum": "0.1"}, r"momentum must be a number in \[0, 1\] or None; got '0.1'"),
        ({"affine": "no"}, "affine must be True or False; got 'no'"),
        ({"track_running_stats": 1}, "track_running_stats must be True or False; got 1"),
        ({"dtype": "int32"}, "dtype must be 'float32' or 'float64'"),
        ({"batch_first": None}, "batch_first must be True or False; got None"),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else "",
)
def test_constructor_errors_name_the_argument(options, message):
    with pytest.raises(ValueError, match=message):
        BatchNorm1d(**{"num_features": 3, **options})
