"""lstmkit.save / lstmkit.load: round trips, PyTorch interop, and files that must be refused."""

import json

import numpy as np
import pytest

import lstmkit
from lstmkit import GRU, LSTM, RNN
from lstmkit.io import SafetensorsError, read_safetensors, write_safetensors


@pytest.mark.parametrize(
    "model",
    [
        LSTM(
            3,
            4,
            num_layers=2,
            bidirectional=True,
            proj_size=2,
            peepholes=True,
            clip=3.0,
            dtype="float64",
            seed=1,
        ),
        GRU(3, 5, linear_before_reset=False, batch_first=False, seed=2),
        RNN(2, 3, nonlinearity="relu", num_layers=3, seed=3),
    ],
    ids=repr,
)
def test_round_trip_gives_the_same_model(tmp_path, model):
    path = tmp_path / "model.safetensors"
    lstmkit.save(model, path)
    loaded = lstmkit.load(path)
    assert type(loaded) is type(model) and repr(loaded) == repr(model)
    assert loaded.get_config() == model.get_config()
    x = np.random.default_rng(0).standard_normal((2, 5, model.input_size))
    np.testing.assert_array_equal(loaded(x)[0], model(x)[0])


def test_a_saved_layer_loads_into_torch(tmp_path, torch):
    from safetensors.torch import load_file

    model = LSTM(3, 4, num_layers=2, bidirectional=True, seed=0)
    lstmkit.save(model, tmp_path / "m.safetensors")
    twin = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    twin.load_state_dict(load_file(str(tmp_path / "m.safetensors")))
    x = np.random.default_rng(1).standard_normal((2, 6, 3)).astype(np.float32)
    with torch.no_grad():
        expected = twin(torch.from_numpy(x))[0].numpy()
    np.testing.assert_allclose(model(x)[0], expected, rtol=0, atol=1e-6)


def _rewrite_metadata(path, change):
    tensors, metadata = read_safetensors(path)
    info = json.loads(metadata["lstmkit"])
    change(info, tensors)
    write_safetensors(path, tensors, {"lstmkit": json.dumps(info)})


def test_newer_format_wrong_keys_and_foreign_files_are_refused(tmp_path):
    path = tmp_path / "m.safetensors"
    lstmkit.save(LSTM(2, 3), path)
    _rewrite_metadata(path, lambda info, t: info.update(format_version=99))
    with pytest.raises(SafetensorsError, match="format version 99 is newer than this lstmkit"):
        lstmkit.load(path)

    lstmkit.save(LSTM(2, 3), path)
    _rewrite_metadata(path, lambda info, t: t.pop("bias_hh_l0"))
    with pytest.raises(ValueError, match=r"cannot rebuild LSTM: .*missing keys \['bias_hh_l0'\]"):
        lstmkit.load(path)

    lstmkit.save(LSTM(2, 3), path)
    _rewrite_metadata(path, lambda info, t: t.update(weight_hh_l0=np.zeros((12, 4), np.float32)))
    with pytest.raises(ValueError, match=r"weight_hh_l0: expected shape \(12, 3\), got \(12, 4\)"):
        lstmkit.load(path)

    lstmkit.save(LSTM(2, 3), path)
    _rewrite_metadata(path, lambda info, t: info.update({"class": "os.system"}))
    with pytest.raises(ValueError, match="names class 'os.system', which is not defined here"):
        lstmkit.load(path)

    write_safetensors(path, {"w": np.zeros(2)})
    with pytest.raises(SafetensorsError, match="not one written by lstmkit"):
        lstmkit.load(path)


def test_save_refuses_what_it_cannot_save(tmp_path):
    with pytest.raises(TypeError, match="needs an lstmkit Module or estimator; got dict"):
        lstmkit.save({"a": 1}, tmp_path / "x")


def test_deeply_nested_json_is_refused_not_a_traceback(tmp_path):
    path = tmp_path / "nested.safetensors"
    nested = "[" * 100_000 + "]" * 100_000
    write_safetensors(path, {"w": np.zeros(2)}, {"lstmkit": nested})
    with pytest.raises(SafetensorsError, match="lstmkit metadata nests JSON too deeply"):
        lstmkit.load(path)
    header = ('{"a": ' + nested + "}").encode()
    path.write_bytes(len(header).to_bytes(8, "little") + header)
    with pytest.raises(SafetensorsError, match="header nests JSON too deeply"):
        lstmkit.load(path)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"format_version": True}, "format_version must be a positive integer; got True"),
        ({"format_version": 0}, "format_version must be a positive integer; got 0"),
        ({"class": ["LSTM"]}, r"must give 'class' as a JSON string; got \['LSTM'\]"),
        ({"class": None}, "must give 'class' as a JSON string; got None"),
        ({"config": "x"}, "must give 'config' as a JSON object; got 'x'"),
    ],
)
def test_header_values_of_the_wrong_json_type_are_refused_naming_the_file(
    tmp_path, change, message
):
    path = tmp_path / "m.safetensors"
    lstmkit.save(LSTM(2, 3), path)
    _rewrite_metadata(path, lambda info, t: info.update(change))
    with pytest.raises(SafetensorsError, match=rf"m.safetensors: .*{message}"):
        lstmkit.load(path)


def test_a_tensor_dtype_of_the_wrong_json_type_is_refused(tmp_path):
    path = tmp_path / "m.safetensors"
    write_safetensors(path, {"w": np.zeros(2, np.float32)})
    raw = path.read_bytes()
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + size])
    header["w"]["dtype"] = ["F32"]
    text = json.dumps(header).encode()
    path.write_bytes(len(text).to_bytes(8, "little") + text + raw[8 + size :])
    with pytest.raises(SafetensorsError, match=r"tensor 'w' has unsupported dtype \['F32'\]"):
        read_safetensors(path)


def test_nan_weights_are_not_saved_since_they_could_never_be_loaded(tmp_path):
    layer = LSTM(2, 3)
    layer.params["weight_hh_l0"][0, 0] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinite values in \['weight_hh_l0'\]"):
        lstmkit.save(layer, tmp_path / "m.safetensors")
    assert not (tmp_path / "m.safetensors").exists()


def test_values_that_overflow_the_parameter_dtype_are_refused():
    layer = LSTM(2, 3)  # float32
    state = {name: value.astype(np.float64) for name, value in layer.state_dict().items()}
    state["bias_ih_l0"][0] = 1e39  # finite in float64, inf in float32
    before = layer.state_dict()
    with pytest.raises(ValueError, match=r"NaN or infinite values in \['bias_ih_l0'\]"):
        layer.load_state_dict(state)
    for name, value in layer.state_dict().items():
        np.testing.assert_array_equal(value, before[name])
    state["bias_ih_l0"] = state["bias_ih_l0"].astype(str)
    with pytest.raises(ValueError, match="bias_ih_l0: expected numbers, got dtype <U"):
        layer.load_state_dict(state)


@pytest.mark.parametrize(
    "labels",
    [np.array(["a", "b"] * 4, dtype=object), np.array([0.0, 1.0] * 4)],
    ids=["object-strings", "whole-floats"],
)
def test_a_classifier_of_any_accepted_label_type_loads_back(tmp_path, labels):
    """Labels given as an object array (pandas) or as whole floats were saved with a dtype that
    load refused: a model that could never be read back."""
    from lstmkit.models.sequence_classifier import SequenceClassifier

    X = np.random.default_rng(0).standard_normal((8, 5, 2))
    model = SequenceClassifier(hidden_size=4, epochs=1, ensemble=1, seed=0).fit(X, labels)
    model.save(tmp_path / "m.safetensors")
    loaded = lstmkit.load(tmp_path / "m.safetensors")
    assert loaded.classes_.tolist() == model.classes_.tolist()
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
