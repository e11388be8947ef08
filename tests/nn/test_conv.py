"""Conv1d: finite-difference gradients, parity with torch.nn.Conv1d, padded batches against
each series alone, output lengths, initialisation, saving and input checks."""

import itertools

import numpy as np
import pytest

import lstmkit
from lstmkit.errors import NoForwardPassError
from lstmkit.nn import Conv1d
from lstmkit.testing import gradient_errors, relative_error

TOLERANCE = 1e-6
LENGTHS = np.array([7, 5, 6])  # unsorted, the longest = T, the shortest one valid window

# (stride, dilation, groups, padding): "same" only with stride 1, as torch
GRID = [
    (stride, dilation, groups, padding)
    for stride, dilation, groups, padding in itertools.product(
        [1, 2], [1, 2], [1, 2], ["same", "valid", 1]
    )
    if not (padding == "same" and stride != 1)
]


def _grid_id(options) -> str:
    stride, dilation, groups, padding = options
    return f"s{stride}-d{dilation}-g{groups}-{padding}"


@pytest.mark.parametrize("lengths", [LENGTHS, None], ids=["lengths", "full"])
@pytest.mark.parametrize("options", GRID, ids=_grid_id)
def test_every_gradient_matches_finite_differences(options, lengths):
    stride, dilation, groups, padding = options
    layer = Conv1d(4, 4, 3, stride, padding, dilation, groups, dtype="float64", seed=1)
    x = np.random.default_rng(0).standard_normal((3, 7, 4))

    def backward(upstream):
        return {"x": layer.backward(*upstream)}

    errors = gradient_errors(layer, lambda: layer(x, lengths), backward, {"x": x})
    assert set(errors) == {"input x", "weight", "bias"}
    worst = {name: error for name, error in errors.items() if not error < TOLERANCE}
    assert not worst, f"relative errors above {TOLERANCE}: {worst}"
    if lengths is not None:  # padded steps take no gradient
        dx = layer.backward(np.ones(layer(x, lengths).shape))
        for n, length in enumerate(lengths):
            assert not dx[n, length:].any()


# (kernel_size, stride, padding, dilation, groups): odd and even kernels with "same" (torch
# puts the odd padding step on the right), strides, dilations, groups, explicit padding
TORCH_CASES = [
    (3, 1, "same", 1, 1),
    (4, 1, "same", 1, 1),
    (2, 1, "same", 3, 2),
    (4, 1, "same", 2, 4),
    (5, 2, "valid", 1, 1),
    (3, 3, 2, 2, 2),
    (1, 1, 0, 1, 4),
]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # torch's note
@pytest.mark.parametrize("batch_first", [True, False], ids=["batch_first", "time_major"])
@pytest.mark.parametrize("options", TORCH_CASES, ids=str)
def test_matches_torch_forward_and_backward(torch, options, batch_first):
    kernel_size, stride, padding, dilation, groups = options
    rng = np.random.default_rng(3)
    layer = Conv1d(
        4,
        8,
        kernel_size,
        stride,
        padding,
        dilation,
        groups,
        dtype="float64",
        seed=2,
        batch_first=batch_first,
    )
    twin = torch.nn.Conv1d(
        4, 8, kernel_size, stride, padding, dilation, groups, dtype=torch.float64
    )
    with torch.no_grad():
        for name, value in layer.params.items():
            getattr(twin, name).copy_(torch.from_numpy(value))
    x = rng.standard_normal((2, 11, 4))  # (N, T, C)
    x_t = torch.from_numpy(x.transpose(0, 2, 1).copy()).requires_grad_(True)  # (N, C, T)
    y_t = twin(x_t)
    dy = rng.standard_normal(tuple(y_t.shape))  # (N, O, T_out)
    y_t.backward(torch.from_numpy(dy))

    to_layout = (
        (lambda a: a.transpose(0, 2, 1)) if batch_first else (lambda a: a.transpose(2, 0, 1))
    )
    y = layer(x if batch_first else x.transpose(1, 0, 2))
    dx = layer.backward(to_layout(dy))
    assert y.dtype == np.float64 and dx.dtype == np.float64
    assert relative_error(y, to_layout(y_t.detach().numpy())) < 1e-10
    expected_dx = x_t.grad.numpy().transpose(0, 2, 1)
    assert (
        relative_error(dx, expected_dx if batch_first else expected_dx.transpose(1, 0, 2)) < 1e-10
    )
    for name, grad in layer.grads.items():
        assert relative_error(grad, getattr(twin, name).grad.numpy()) < 1e-10, name


@pytest.mark.parametrize(
    "options",
    [{}, {"kernel_size": 4}, {"stride": 2, "padding": "valid"}, {"stride": 3, "padding": 2}],
    ids=str,
)
def test_padded_batch_gives_each_series_what_it_gives_alone(options):
    options = {"kernel_size": 3, **options}
    rng = np.random.default_rng(4)
    layer = Conv1d(3, 5, dtype="float64", seed=0, dilation=2, **options)
    x = rng.standard_normal((3, 9, 3))
    lengths = np.array([9, 6, 7])
    x[1, 6:] = 1e3  # padding: must reach neither the outputs nor the gradients
    out_lengths = layer.output_lengths(lengths)
    y = layer(x, lengths)
    dy = rng.standard_normal(y.shape)
    dx = layer.backward(dy)
    batch_grads = {name: grad.copy() for name, grad in layer.grads.items()}

    layer.zero_grad()
    for n, (length, out_length) in enumerate(zip(lengths, out_lengths, strict=True)):
        alone = layer(x[n : n + 1, :length])
        assert alone.shape[1] == out_length
        np.testing.assert_allclose(y[n, :out_length], alone[0], rtol=1e-12, atol=1e-12)
        assert not y[n, out_length:].any()
        dx_alone = layer.backward(dy[n : n + 1, :out_length])
        np.testing.assert_allclose(dx[n, :length], dx_alone[0], rtol=1e-12, atol=1e-12)
        assert not dx[n, length:].any()
    for name, grad in layer.grads.items():  # the runs alone accumulated their gradients
        np.testing.assert_allclose(batch_grads[name], grad, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "options", [(3, 1, "same", 1), (4, 1, "same", 1), (5, 2, "valid", 1), (3, 3, 2, 2)], ids=str
)
def test_output_lengths_are_the_output_steps_of_each_length(options):
    kernel_size, stride, padding, dilation = options
    layer = Conv1d(2, 2, kernel_size, stride, padding, dilation)
    lengths = np.arange(5, 15)
    expected = [layer(np.zeros((1, length, 2))).shape[1] for length in lengths]
    np.testing.assert_array_equal(layer.output_lengths(lengths), expected)
    left, right = layer.pads()
    formula = (lengths + left + right - dilation * (kernel_size - 1) - 1) // stride + 1
    np.testing.assert_array_equal(layer.output_lengths(lengths), formula)


def test_same_padding_keeps_the_length_and_puts_the_odd_step_on_the_right():
    assert Conv1d(1, 1, 4).pads() == (1, 2)
    assert Conv1d(1, 1, 3, dilation=2).pads() == (2, 2)
    assert Conv1d(1, 1, 3, padding="valid").pads() == (0, 0)
    assert Conv1d(1, 1, 3, padding=2).pads() == (2, 2)
    np.testing.assert_array_equal(Conv1d(1, 1, 4).output_lengths([1, 6]), [1, 6])


def test_dtypes_and_gradients_accumulate():
    layer = Conv1d(2, 3, 3, seed=0)
    x = np.random.default_rng(1).standard_normal((2, 6, 2))
    y = layer(x)
    assert y.dtype == np.float32 and layer.backward(np.ones(y.shape)).dtype == np.float32
    once = layer.grads["weight"].copy()
    layer(x)
    layer.backward(np.ones(y.shape))
    np.testing.assert_allclose(layer.grads["weight"], 2 * once, rtol=1e-6)
    layer.zero_grad()
    assert not layer.grads["weight"].any() and not layer.grads["bias"].any()


def test_without_bias():
    layer = Conv1d(2, 3, 3, bias=False, dtype="float64", seed=0)
    assert list(layer.params) == ["weight"] and layer.bias is None
    np.testing.assert_array_equal(layer(np.zeros((1, 4, 2))), np.zeros((1, 4, 3)))
    layer.backward(np.ones((1, 4, 3)))
    assert "bias=False" in repr(layer)


def test_initialisation_is_torchs_uniform_and_seeded():
    layer = Conv1d(64, 50, 5, groups=2, seed=0)
    assert layer.weight.shape == (50, 32, 5) and layer.bias.shape == (50,)
    bound = 1 / np.sqrt(32 * 5)  # fan_in = in_channels / groups * kernel_size
    for value in layer.params.values():
        assert value.dtype == np.float32
        assert np.abs(value).max() <= bound
    assert np.abs(layer.weight).max() > 0.99 * bound  # spread over the whole interval
    assert abs(float(layer.weight.std()) - bound / np.sqrt(3)) < 0.02 * bound
    np.testing.assert_array_equal(Conv1d(64, 50, 5, groups=2, seed=0).weight, layer.weight)
    assert not np.array_equal(Conv1d(64, 50, 5, groups=2, seed=1).weight, layer.weight)


def test_save_and_load_round_trip(tmp_path):
    layer = Conv1d(
        4,
        6,
        3,
        stride=2,
        padding=1,
        dilation=2,
        groups=2,
        bias=True,
        seed=0,
        dtype="float64",
        batch_first=False,
    )
    lstmkit.save(layer, tmp_path / "conv.safetensors")
    loaded = lstmkit.load(tmp_path / "conv.safetensors")
    assert isinstance(loaded, Conv1d) and loaded.get_config() == layer.get_config()
    assert repr(loaded) == repr(layer)
    for name, value in layer.params.items():
        np.testing.assert_array_equal(loaded.params[name], value)
    x = np.random.default_rng(0).standard_normal((9, 2, 4))
    np.testing.assert_array_equal(loaded(x, [9, 5]), layer(x, [9, 5]))


def test_repr_and_config():
    assert repr(Conv1d(1, 4, 3)) == "Conv1d(1, 4, 3, padding='same')"
    assert Conv1d(2, 4, 3, stride=2, padding="valid", groups=2).get_config() == {
        "in_channels": 2,
        "out_channels": 4,
        "kernel_size": 3,
        "stride": 2,
        "padding": "valid",
        "dilation": 1,
        "groups": 2,
        "bias": True,
        "dtype": "float32",
        "batch_first": True,
    }


@pytest.mark.parametrize(
    "options, message",
    [
        ({"in_channels": 0}, r"in_channels must be a positive integer; got 0"),
        ({"out_channels": 2.0}, r"out_channels must be a positive integer; got 2\.0"),
        ({"kernel_size": "3"}, r"kernel_size must be a positive integer; got '3'"),
        ({"stride": 0, "padding": "valid"}, r"stride must be a positive integer; got 0"),
        ({"dilation": -1}, r"dilation must be a positive integer; got -1"),
        ({"groups": 3}, r"groups must divide in_channels \(4\) and out_channels \(6\); got 3"),
        ({"padding": "full"}, r"padding must be 'same', 'valid' or a non-negative .*'full'"),
        ({"padding": -1}, r"padding must be 'same', 'valid' or a non-negative .*got -1"),
        ({"padding": True}, r"padding must be 'same', 'valid' or a non-negative .*got True"),
        ({"stride": 2}, r"padding='same' needs stride 1 \(as torch\); got stride=2"),
        ({"bias": "no"}, r"bias must be True or False; got 'no'"),
        ({"batch_first": 1}, r"batch_first must be True or False; got 1"),
        ({"dtype": "int8"}, r"dtype must be 'float32' or 'float64'; got 'int8'"),
    ],
    ids=lambda value: str(value)[:30],
)
def test_bad_hyperparameters_are_refused_naming_them(options, message):
    arguments = {"in_channels": 4, "out_channels": 6, "kernel_size": 3, **options}
    with pytest.raises(ValueError, match=message):
        Conv1d(**arguments)


def test_bad_inputs_are_refused_naming_them():
    layer = Conv1d(3, 2, 3, padding="valid")
    with pytest.raises(NoForwardPassError, match="before forward"):
        layer.backward(np.zeros((2, 3, 2)))
    with pytest.raises(
        ValueError, match=r"x must have shape \(N, T, C\) .*C = 3 .*got \(2, 5, 4\)"
    ):
        layer(np.zeros((2, 5, 4)))
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, C\) .*got \(5, 3\)"):
        layer(np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"x must have shape .*got \(2, 0, 3\)"):
        layer(np.zeros((2, 0, 3)))
    with pytest.raises(
        ValueError, match=r"x must have at least 3 time steps .*got shape \(2, 2, 3\)"
    ):
        layer(np.zeros((2, 2, 3)))
    with pytest.raises(TypeError, match="x must hold real numbers"):
        layer(np.array([[["a", "b", "c"]]]))
    with pytest.raises(ValueError, match=r"x must have shape \(T, N, C\)"):
        Conv1d(3, 2, 3, batch_first=False)(np.zeros((5, 3)))
    x = np.zeros((2, 5, 3))
    with pytest.raises(ValueError, match=r"lengths must have shape \(2,\)"):
        layer(x, [5])
    with pytest.raises(ValueError, match=r"lengths must lie in 1\.\.5 .*lengths\[1\] = 6"):
        layer(x, [5, 6])
    with pytest.raises(TypeError, match="lengths must be integers"):
        layer(x, [5, 2.5])
    with pytest.raises(ValueError, match=r"lengths\[1\] = 2 is shorter than one window .*least 3"):
        layer(x, [5, 2])
    with pytest.raises(ValueError, match=r"length = 1 is shorter than one window"):
        layer.output_lengths(1)
    layer(x, [5, 3])
    with pytest.raises(ValueError, match=r"dy must have shape \(2, 3, 2\); got \(2, 5, 2\)"):
        layer.backward(np.zeros((2, 5, 2)))
