"""torch -> lstmkit -> torch: from_torch gives the same outputs as the torch module (padded
batches with lengths, bidirectional stacks), to_torch gives back the same weights; and
what cannot be converted is refused with the reason."""

import subprocess
import sys

import numpy as np
import pytest

from lstmkit.interop.torch import from_torch, to_torch
from lstmkit.nn import GRU, LSTM, RNN, Dropout, Embedding, LayerNorm, Linear, Sequential

TOL = dict(rtol=1e-5, atol=1e-6)


def _recurrent_modules(torch):
    torch.manual_seed(0)
    nn = torch.nn
    return [
        nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True),
        nn.LSTM(3, 5, num_layers=2, proj_size=2, batch_first=True),
        nn.GRU(3, 5, num_layers=2, bidirectional=True, batch_first=True),
        nn.RNN(3, 5, num_layers=2, bidirectional=True, nonlinearity="relu", batch_first=True),
        nn.LSTM(3, 4, bias=False).double(),
    ]


def _torch_run(torch, module, x, lengths):
    """torch's output for a padded batch: pack_padded_sequence, run, pad back."""
    rnn = torch.nn.utils.rnn
    batch_first = module.batch_first
    packed = rnn.pack_padded_sequence(
        torch.from_numpy(x), torch.from_numpy(lengths), batch_first, enforce_sorted=False
    )
    with torch.no_grad():
        y, state = module(packed)
    y, _ = rnn.pad_packed_sequence(y, batch_first, total_length=x.shape[1 if batch_first else 0])
    state = state if isinstance(state, tuple) else (state,)
    return y.numpy(), [s.numpy() for s in state]


def test_recurrent_round_trips(helpers, torch):
    rng = np.random.default_rng(0)
    for module in _recurrent_modules(torch):
        layer = from_torch(module)
        dtype = layer.dtype
        for batch, steps in helpers.SHAPES:
            x, lengths = helpers.padded_batch(rng, batch, steps, 3)
            x = x.astype(dtype) if layer.batch_first else x.transpose(1, 0, 2).astype(dtype)
            expected_y, expected_states = _torch_run(torch, module, x, lengths)
            y, states = layer(x, lengths=lengths)
            states = states if isinstance(states, tuple) else (states,)
            np.testing.assert_allclose(y, expected_y, **TOL)
            for got, expected in zip(states, expected_states, strict=True):
                np.testing.assert_allclose(got, expected, **TOL)
        back = to_torch(layer)
        assert type(back) is type(module)
        assert back.weight_ih_l0.dtype == module.weight_ih_l0.dtype
        for name, value in module.state_dict().items():
            assert torch.equal(back.state_dict()[name], value), name


def test_lstmkit_to_torch_to_lstmkit(torch):
    layer = GRU(4, 3, num_layers=2, bidirectional=True, batch_first=False, seed=0)
    twin = to_torch(layer)
    assert isinstance(twin, torch.nn.GRU) and not twin.batch_first
    x = np.random.default_rng(1).standard_normal((6, 2, 4)).astype(np.float32)
    with torch.no_grad():
        expected, _ = twin(torch.from_numpy(x))
    np.testing.assert_allclose(layer(x)[0], expected.numpy(), **TOL)
    again = from_torch(twin)
    for name, value in layer.params.items():
        np.testing.assert_array_equal(again.params[name], value)


def test_sequential_stacks_convert_both_ways(torch):
    torch.manual_seed(1)
    nn = torch.nn
    module = nn.Sequential(
        nn.Embedding(10, 6, padding_idx=0), nn.LayerNorm(6), nn.Dropout(0.2), nn.Linear(6, 3)
    ).eval()
    converted = from_torch(module)
    assert isinstance(converted, Sequential) and not converted.training
    assert [type(m) for m in converted] == [Embedding, LayerNorm, Dropout, Linear]
    ids = np.random.default_rng(2).integers(0, 10, size=(2, 7))
    with torch.no_grad():
        expected = module(torch.from_numpy(ids)).numpy()
    np.testing.assert_allclose(converted(ids), expected, **TOL)
    back = to_torch(converted)
    assert [type(m) for m in back] == [type(m) for m in module] and not back.training
    assert back[0].padding_idx == 0
    for name, value in module.state_dict().items():
        assert torch.equal(back.state_dict()[name], value), name


def test_what_cannot_convert_is_refused(torch):
    with pytest.raises(ValueError, match="linear_before_reset=False, which torch.nn.GRU"):
        to_torch(GRU(2, 3, linear_before_reset=False))
    with pytest.raises(ValueError, match="peepholes, clip"):
        to_torch(LSTM(2, 3, peepholes=True, clip=3.0))
    with pytest.raises(TypeError, match=r"nn.Sequential\[1\]: from_torch cannot convert ReLU"):
        from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU()))
    with pytest.raises(ValueError, match="dtype float16"):
        from_torch(torch.nn.Linear(2, 2).half())
    with pytest.raises(TypeError, match="to_torch cannot convert str"):
        to_torch("RNN")
    assert isinstance(to_torch(RNN(2, 3, nonlinearity="relu")), torch.nn.RNN)


def test_importing_lstmkit_does_not_import_torch_or_onnx():
    code = (
        "import sys, lstmkit, lstmkit.interop.torch, lstmkit.interop.onnx; "
        "print('torch' in sys.modules, 'onnx' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["False", "False"], result.stderr
