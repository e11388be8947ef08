"""lstmkit.save / lstmkit.load of the regularised / normalised layers (issue 21): the new
parameters and options round-trip, and a file written before the options existed (its
configuration without their keys) still loads as the plain layer."""

import json

import numpy as np
import pytest

import lstmkit
from lstmkit import GRU, LSTM
from lstmkit.io import read_safetensors, write_safetensors

OPTIONS = {
    "layer_norm": True,
    "dropout_input": 0.1,
    "dropout_output": 0.2,
    "dropout_state": 0.3,
    "weight_drop": 0.4,
    "zoneout_cell": 0.15,
    "zoneout_hidden": 0.25,
}


@pytest.mark.parametrize(
    "model",
    [
        LSTM(
            3, 4, num_layers=2, bidirectional=True, proj_size=2, dtype="float64", seed=1, **OPTIONS
        ),
        GRU(
            3,
            5,
            seed=2,
            layer_norm=True,
            dropout_input=0.1,
            dropout_output=0.2,
            dropout_state=0.25,
            weight_drop=0.3,
            zoneout_hidden=0.35,
        ),
    ],
    ids=["LSTM", "GRU"],
)
def test_options_and_parameters_round_trip(tmp_path, model):
    path = tmp_path / "model.safetensors"
    for name, value in model.params.items():  # trained-looking values, not the initial 1 / 0
        value += np.random.default_rng(len(name)).standard_normal(value.shape) * 0.1
    lstmkit.save(model, path)
    loaded = lstmkit.load(path)
    assert repr(loaded) == repr(model) and loaded.get_config() == model.get_config()
    assert list(loaded.params) == list(model.params)
    for name, value in model.params.items():
        np.testing.assert_array_equal(loaded.params[name], value)
    x = np.random.default_rng(0).standard_normal((2, 5, 3))
    np.testing.assert_array_equal(loaded.eval()(x)[0], model.eval()(x)[0])
    # training mode too: the same generator state gives the same masks and outputs
    loaded.train().set_rng_states(model.train().rng_states())
    np.testing.assert_array_equal(loaded(x)[0], model(x)[0])


def test_a_file_from_before_the_options_loads_as_the_plain_layer(tmp_path):
    model = LSTM(3, 4, bidirectional=True, seed=0)
    path = tmp_path / "old.safetensors"
    lstmkit.save(model, path)
    tensors, metadata = read_safetensors(path)
    header = json.loads(metadata["lstmkit"])
    init = header["config"]["init"]
    new_keys = set(OPTIONS)
    assert new_keys <= set(init)  # today's files carry them ...
    for key in new_keys:
        del init[key]  # ... a file of the previous version did not
    write_safetensors(path, tensors, {"lstmkit": json.dumps(header)})
    loaded = lstmkit.load(path)
    assert not loaded.layer_norm and loaded.weight_drop == 0.0 and loaded.zoneout_cell == 0.0
    x = np.random.default_rng(1).standard_normal((2, 4, 3))
    np.testing.assert_array_equal(loaded(x)[0], model(x)[0])


def test_a_file_missing_the_layer_norm_parameters_is_refused(tmp_path):
    model = LSTM(3, 4, seed=0, layer_norm=True)
    path = tmp_path / "model.safetensors"
    lstmkit.save(model, path)
    tensors, metadata = read_safetensors(path)
    del tensors["ln_c_weight_l0"]
    write_safetensors(path, tensors, metadata)
    with pytest.raises(ValueError, match="ln_c_weight_l0"):
        lstmkit.load(path)
