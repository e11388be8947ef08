"""Hostile model files: every one is refused by `lstmkit.load` with lstmkit's error naming the file.

Each case below makes one bad file in the test's folder, from a valid file of a tiny model
(a layer, a classifier or a forecaster) damaged at one level: the safetensors container (its
length prefix, header JSON, offsets, dtypes, shapes), the lstmkit metadata (format, version,
class, configuration), the configuration against the tensors (sizes, names, shapes, dtypes,
values), or an estimator's fitted state. Whatever the damage, loading raises a ValueError
(`SafetensorsError` is one) whose message names the file: never a MemoryError,
RecursionError, KeyError or TypeError, and never a model. Issue 23 items 1, 2, 5, 7, 10, 14
and 22 are held here; `lstmkit predict` on a few of these files prints one line and exits 1.
"""

import json
import math
import os
import tracemalloc

import numpy as np
import pytest

import lstmkit
from lstmkit import LSTM
from lstmkit.cli import main
from lstmkit.io import read_safetensors, write_safetensors
from lstmkit.models.forecaster import Forecaster
from lstmkit.models.sequence_classifier import SequenceClassifier
from lstmkit.models.sequence_tagger import SequenceTagger
from lstmkit.nn import Linear, Sequential

# ---- valid files of tiny models, damaged by the cases -------------------------------------


@pytest.fixture(scope="module")
def valid(tmp_path_factory) -> dict:
    """{kind: path of a valid file}: "layer" (an LSTM), "classifier", "forecaster", "tagger"."""
    folder = tmp_path_factory.mktemp("valid")
    rng = np.random.default_rng(0)
    paths = {
        kind: folder / f"{kind}.safetensors"
        for kind in ("layer", "classifier", "forecaster", "tagger")
    }
    lstmkit.save(LSTM(2, 3, seed=0), paths["layer"])
    classifier = SequenceClassifier(hidden_size=4, epochs=1, ensemble=1, seed=0)
    classifier.fit(rng.standard_normal((8, 5, 2)), ["a", "b"] * 4).save(paths["classifier"])
    forecaster = Forecaster(hidden_size=4, epochs=1, ensemble=1, horizon=3, seed=0)
    forecaster.fit(np.sin(np.arange(60) / 3) + 2).save(paths["forecaster"])
    tagger = SequenceTagger(hidden_size=4, word_dim=4, char_dim=2, char_hidden_size=2, epochs=1)
    tagger.fit([["a", "dog"], ["the", "cat"]], [["D", "N"], ["D", "N"]]).save(paths["tagger"])
    return paths


def split(path) -> tuple[dict, bytes]:
    """(header JSON, data bytes) of a safetensors file, read without any check."""
    raw = path.read_bytes()
    size = int.from_bytes(raw[:8], "little")
    return json.loads(raw[8 : 8 + size]), raw[8 + size :]


def assemble(path, header, data: bytes = b"") -> None:
    """Write a safetensors file from a header (dict, or str / bytes used as they are)."""
    if isinstance(header, dict):
        header = json.dumps(header)
    if isinstance(header, str):
        header = header.encode("utf-8")
    path.write_bytes(len(header).to_bytes(8, "little") + header + data)


def with_header(change):
    """A case that edits the raw safetensors header of the valid layer file."""

    def make(valid, path):
        header, data = split(valid["layer"])
        change(header)
        assemble(path, header, data)

    return make


def with_metadata(change, kind="layer"):
    """A case that edits the lstmkit metadata (`info`) and the tensors of a valid file."""

    def make(valid, path):
        tensors, metadata = read_safetensors(valid[kind])
        info = json.loads(metadata["lstmkit"])
        change(info, tensors)
        write_safetensors(path, tensors, {"lstmkit": json.dumps(info)})

    return make


def with_bytes(change):
    """A case that edits the bytes of the valid layer file."""

    def make(valid, path):
        path.write_bytes(change(valid["layer"].read_bytes()))

    return make


def make_pipe(path) -> None:
    """A named pipe at `path`: reading it would wait for a writer forever."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this system")
    os.mkfifo(path)


def setting(mapping_of, **values):
    """A metadata change that updates the mapping `mapping_of(info)` with `values`."""
    return lambda info, tensors: mapping_of(info).update(values)


def init(info):
    return info["config"]["init"]


def fitted(info):
    return info["config"]["fitted"]


def network_init(info):
    return info["config"]["network"]["config"]["init"]


def offsets(header, name: str) -> list:
    return header[name]["data_offsets"]


# ---- the cases: id -> (how to make the file, what the message says) -----------------------

NESTED = "[" * 50_000 + "]" * 50_000

CASES = {
    # the container: length prefix, header JSON, entries, offsets
    "a-folder": (lambda valid, path: path.mkdir(), "not a regular file"),
    "a-pipe": (lambda valid, path: make_pipe(path), "not a regular file"),
    "empty-file": (with_bytes(lambda raw: b""), "too short for a header"),
    "five-bytes": (with_bytes(lambda raw: raw[:5]), "too short for a header"),
    "header-length-past-the-end": (
        with_bytes(lambda raw: (len(raw)).to_bytes(8, "little") + raw[8:]),
        "exceeds the file",
    ),
    "header-length-2**63": (
        with_bytes(lambda raw: (2**63).to_bytes(8, "little") + raw[8:]),
        "exceeds the file",
    ),
    "header-not-utf8": (lambda valid, path: assemble(path, b"\xff\xfe{}"), "not valid JSON"),
    "header-not-json": (lambda valid, path: assemble(path, "{'a': 1"), "not valid JSON"),
    "header-a-list": (lambda valid, path: assemble(path, "[1, 2]"), "must be a JSON object"),
    "header-nested-deeply": (
        lambda valid, path: assemble(path, '{"a": ' + NESTED + "}"),
        "nests JSON too deeply",
    ),
    "data-truncated": (with_bytes(lambda raw: raw[:-7]), "truncated"),
    "data-trailing-bytes": (with_bytes(lambda raw: raw + b"\0" * 16), "trailing bytes"),
    "offsets-overlapping": (
        with_header(lambda h: h["bias_hh_l0"].update(data_offsets=offsets(h, "bias_ih_l0"))),
        "holes or overlaps",
    ),
    "offsets-out-of-range": (
        with_header(lambda h: h["bias_hh_l0"].update(data_offsets=[10**6, 10**6 + 48])),
        "holes or overlaps",
    ),
    "offsets-reversed": (
        with_header(lambda h: h["bias_hh_l0"].update(data_offsets=[336, 288])),
        "invalid data_offsets",
    ),
    "offsets-negative": (
        with_header(lambda h: h["weight_ih_l0"].update(data_offsets=[-96, 0])),
        "invalid data_offsets",
    ),
    "offsets-a-string": (
        with_header(lambda h: h["weight_ih_l0"].update(data_offsets="0-96")),
        "invalid data_offsets",
    ),
    "dtype-unknown": (
        with_header(lambda h: h["weight_ih_l0"].update(dtype="F128")),
        "unsupported dtype 'F128'",
    ),
    "dtype-a-list": (
        with_header(lambda h: h["weight_ih_l0"].update(dtype=["F32"])),
        r"unsupported dtype \['F32'\]",
    ),
    "shape-disagrees-with-bytes": (
        with_header(lambda h: h["weight_ih_l0"].update(shape=[12, 3])),
        "declares shape",
    ),
    "shape-huge": (
        with_header(lambda h: h["weight_ih_l0"].update(shape=[10**12, 10**12])),
        "declares shape",
    ),
    "shape-negative": (
        with_header(lambda h: h["weight_ih_l0"].update(shape=[-12, -2])),
        "invalid shape",
    ),
    "entry-without-offsets": (
        with_header(lambda h: h["weight_ih_l0"].pop("data_offsets")),
        "must have dtype, shape, data_offsets",
    ),
    "metadata-not-strings": (
        with_header(lambda h: h.update(__metadata__={"lstmkit": {"class": "LSTM"}})),
        "must map strings to strings",
    ),
    # the lstmkit metadata
    "no-lstmkit-metadata": (
        lambda valid, path: write_safetensors(path, {"w": np.zeros(2)}),
        "not one written by lstmkit",
    ),
    "metadata-not-json": (
        lambda valid, path: write_safetensors(path, {}, {"lstmkit": "{format"}),
        "metadata is not valid JSON",
    ),
    "metadata-nested-deeply": (
        lambda valid, path: write_safetensors(path, {}, {"lstmkit": NESTED}),
        "metadata nests JSON too deeply",
    ),
    "format-other": (
        with_metadata(lambda info, t: info.update(format="pickle")),
        "expected an lstmkit-model file",
    ),
    "format-version-true": (
        with_metadata(lambda info, t: info.update(format_version=True)),
        "format_version must be a positive integer; got True",
    ),
    "format-version-0": (
        with_metadata(lambda info, t: info.update(format_version=0)),
        "format_version must be a positive integer; got 0",
    ),
    "format-version-string": (
        with_metadata(lambda info, t: info.update(format_version="1")),
        "format_version must be a positive integer; got '1'",
    ),
    "format-version-999": (
        with_metadata(lambda info, t: info.update(format_version=999)),
        "format version 999 is newer",
    ),
    "class-a-list": (
        with_metadata(lambda info, t: info.update({"class": ["LSTM"]})),
        "must give 'class' as a JSON string",
    ),
    "config-missing": (
        with_metadata(lambda info, t: info.pop("config")),
        "must give 'config' as a JSON object",
    ),
    "class-unregistered": (
        with_metadata(lambda info, t: info.update({"class": "NoSuchModel"})),
        "names class 'NoSuchModel', which is not defined here",
    ),
    "class-dotted-path-os-system": (
        with_metadata(lambda info, t: info.update({"class": "os.system"})),
        "names class 'os.system', which is not defined here",
    ),
    "class-dotted-path-builtins-eval": (
        with_metadata(lambda info, t: info.update({"class": "builtins.eval"})),
        "which is not defined here",
    ),
    # the configuration against the tensors
    "init-missing": (with_metadata(lambda info, t: info["config"].pop("init")), "must give 'init'"),
    "init-a-list": (
        with_metadata(lambda info, t: info["config"].update(init=[2, 3])),
        "configuration of LSTM must be an object",
    ),
    "init-unknown-argument": (
        with_metadata(setting(init, evil="rm -rf")),
        "unexpected keyword argument 'evil'",
    ),
    "hidden-size-8000": (with_metadata(setting(init, hidden_size=8000)), "far more weights"),
    "hidden-size-10**9": (with_metadata(setting(init, hidden_size=10**9)), "far more weights"),
    "hidden-size-10**400": (with_metadata(setting(init, hidden_size=10**400)), "far more weights"),
    "num-layers-10**9": (with_metadata(setting(init, num_layers=10**9)), "far more weights"),
    "hidden-size-negative": (with_metadata(setting(init, hidden_size=-3)), "hidden_size"),
    "hidden-size-a-string": (with_metadata(setting(init, hidden_size="3")), "hidden_size"),
    "tensor-missing": (
        with_metadata(lambda info, t: t.pop("bias_hh_l0")),
        r"missing keys \['bias_hh_l0'\]",
    ),
    "tensor-extra": (
        with_metadata(lambda info, t: t.update(__dict__=np.zeros(1, np.float32))),
        r"unexpected keys \['__dict__'\]",
    ),
    "tensor-wrong-shape": (
        with_metadata(lambda info, t: t.update(weight_hh_l0=np.zeros((12, 4), np.float32))),
        r"weight_hh_l0: expected shape \(12, 3\), got \(12, 4\)",
    ),
    "tensor-wrong-dtype": (
        with_metadata(lambda info, t: t.update(weight_hh_l0=t["weight_hh_l0"].astype(np.float64))),
        "weight_hh_l0: expected float32, got float64",
    ),
    "tensor-1e39-in-float64": (
        with_metadata(lambda info, t: t.update(bias_hh_l0=np.full(12, 1e39))),
        "bias_hh_l0: expected float32, got float64",
    ),
    "weights-nan": (
        with_metadata(lambda info, t: t["weight_hh_l0"].fill(np.nan)),
        r"NaN or infinite values in \['weight_hh_l0'\]",
    ),
    "weights-inf": (
        with_metadata(lambda info, t: t["bias_ih_l0"].fill(np.inf)),
        r"NaN or infinite values in \['bias_ih_l0'\]",
    ),
    "sequential-module-class-a-list": (
        lambda valid, path: write_safetensors(
            path, {}, {"lstmkit": _sequential_of('{"class": ["Linear"], "init": {}}')}
        ),
        r"must name a class with a string; got \['Linear'\]",
    ),
    "sequential-nested-deeply": (
        lambda valid, path: write_safetensors(path, {}, {"lstmkit": _nested_sequential(330)}),
        "nested too deeply|nests JSON too deeply|missing keys",
    ),
    # an estimator's configuration and fitted state
    "params-a-list": (
        with_metadata(lambda info, t: info["config"].update(params=[1]), "classifier"),
        "'params' of SequenceClassifier must be an object",
    ),
    "params-unknown": (
        with_metadata(setting(lambda info: info["config"]["params"], evil=1), "classifier"),
        r"hyperparameters \['evil'\] that SequenceClassifier lacks",
    ),
    "params-bad-value": (
        with_metadata(setting(lambda info: info["config"]["params"], epochs=-1), "classifier"),
        "epochs",
    ),
    "network-missing": (
        with_metadata(lambda info, t: info["config"].pop("network"), "classifier"),
        "'network' of SequenceClassifier must name its class",
    ),
    "network-an-estimator": (
        with_metadata(
            setting(lambda info: info["config"]["network"], **{"class": "SequenceClassifier"}),
            "classifier",
        ),
        "names 'SequenceClassifier' as a network; it is not a Module",
    ),
    "network-os-system": (
        with_metadata(
            setting(lambda info: info["config"]["network"], **{"class": "os.system"}),
            "classifier",
        ),
        "names class 'os.system', which is not defined here",
    ),
    "network-hidden-size-8000": (
        with_metadata(setting(network_init, hidden_size=8000), "classifier"),
        "far more weights",
    ),
    "network-members-10**9": (
        with_metadata(setting(network_init, members=10**9), "classifier"),
        "far more weights",
    ),
    "tensor-outside-network-and-fitted": (
        with_metadata(lambda info, t: t.update(evil=np.zeros(1, np.float32)), "classifier"),
        r"tensors \['evil'\] that SequenceClassifier has no use for",
    ),
    "fitted-a-list": (
        with_metadata(
            lambda info, t: info["config"].update(fitted=[["classes_", 1]]), "classifier"
        ),
        "the file's 'fitted' must be an object",
    ),
    "fitted-__dict__": (
        with_metadata(setting(fitted, __dict__={"predict": 1}), "classifier"),
        r"sets \['__dict__'\], which SequenceClassifier does not declare",
    ),
    "fitted-fit": (
        with_metadata(setting(fitted, fit=None), "classifier"),
        r"sets \['fit'\], which SequenceClassifier does not declare",
    ),
    "fitted-predict-tensor": (
        with_metadata(
            lambda info, t: t.update({"fitted.predict": np.zeros(1, np.float32)}), "classifier"
        ),
        r"sets \['predict'\], which SequenceClassifier does not declare",
    ),
    "fitted-missing": (
        with_metadata(lambda info, t: fitted(info).pop("n_features_in_"), "classifier"),
        "lacks the fitted state 'n_features_in_'",
    ),
    "n-features-in-null": (
        with_metadata(setting(fitted, n_features_in_=None), "classifier"),
        "fitted n_features_in_ must be a positive integer; got None",
    ),
    "classes-null": (
        with_metadata(setting(fitted, classes_=None), "classifier"),
        "fitted classes_ must be a stored label array; got None",
    ),
    "lookback-null": (
        with_metadata(setting(fitted, lookback_=None), "forecaster"),
        "fitted lookback_ must be",
    ),
    "n-features-in-twelve": (
        with_metadata(setting(fitted, n_features_in_="twelve"), "classifier"),
        "fitted n_features_in_ must be",
    ),
    "classes-dtype-U50000000": (
        with_metadata(
            lambda info, t: fitted(info)["classes_"].update(dtype="<U50000000"), "classifier"
        ),
        "far wider than the labels stored",
    ),
    "classes-dtype-object": (
        with_metadata(lambda info, t: fitted(info)["classes_"].update(dtype="|O"), "classifier"),
        "label arrays hold text, integers, booleans or floats",
    ),
    "classes-dtype-a-list": (
        with_metadata(lambda info, t: fitted(info)["classes_"].update(dtype=["<U1"]), "classifier"),
        "label arrays hold text, integers, booleans or floats",
    ),
    "classes-nested-lists": (
        with_metadata(
            lambda info, t: fitted(info)["classes_"].update(ndarray=[["a"], ["b"]]), "classifier"
        ),
        r"fitted classes_\[0\] is \['a'\]: expected a string",
    ),
    "classes-int-out-of-range": (
        with_metadata(
            lambda info, t: fitted(info)["classes_"].update(ndarray=[0, 2**70], dtype="<i8"),
            "classifier",
        ),
        r"fitted classes_\[1\] is .*out of the range of int64",
    ),
    "classes-one-too-many": (
        with_metadata(
            lambda info, t: fitted(info)["classes_"].update(ndarray=["a", "b", "c"]), "classifier"
        ),
        r"the file's classes_ \(3\) disagrees with its network's output_size \(2\)",
    ),
    "n-features-in-disagrees-with-network": (
        with_metadata(setting(fitted, n_features_in_=3), "classifier"),
        r"the file's n_features_in_ \(3\) disagrees with its network's input_size \(2\)",
    ),
    "scaler-mean-one-too-many": (
        with_metadata(lambda info, t: t.update({"fitted.mean_": np.zeros(3)}), "classifier"),
        r"the file's mean_ \(3\) disagrees with its network's input_size \(2\)",
    ),
    "classes-nan-label": (
        with_metadata(
            lambda info, t: fitted(info)["classes_"].update(ndarray=[0.0, math.nan], dtype="<f8"),
            "classifier",
        ),
        r"fitted classes_\[1\] is nan: expected a finite number",
    ),
    "scaler-mean-nan": (
        with_metadata(lambda info, t: t["fitted.mean_"].fill(np.nan), "classifier"),
        "fitted mean_ holds NaN or infinite values",
    ),
    "scaler-mean-strings": (
        with_metadata(
            lambda info, t: t.update({"fitted.mean_": np.zeros(2, np.bool_)}), "classifier"
        ),
        "fitted mean_ must be a numeric array",
    ),
    "lookback-negative": (
        with_metadata(setting(fitted, lookback_=-5), "forecaster"),
        "fitted lookback_ must be",
    ),
    "period-a-string": (
        with_metadata(setting(fitted, period_="12"), "forecaster"),
        "fitted period_ must be",
    ),
    "input-kind-unknown": (
        with_metadata(setting(fitted, input_kind_="pickle"), "forecaster"),
        "fitted input_kind_ must be",
    ),
    # fitted values that are valid alone but disagree with each other or with the network:
    # before, these loaded and failed at predict (IndexError, broadcast error, "x contains NaN")
    "period-beyond-the-lookback": (
        with_metadata(setting(fitted, period_=10**30), "forecaster"),
        r"fitted period_ \(10{30}\) exceeds the lookback_",
    ),
    "history-of-the-wrong-rank": (
        with_metadata(
            lambda info, t: t.update({"fitted.history_": np.zeros((1, 12))}), "forecaster"
        ),
        "fitted history_ must have 3 dimensions",
    ),
    "lookback-disagrees-with-history": (
        with_metadata(
            lambda info, t: fitted(info).update(lookback_=fitted(info)["lookback_"] + 1),
            "forecaster",
        ),
        r"fitted history_ has shape \(1, \d+, 1\); the other fitted values need",
    ),
    "scale-zero": (
        with_metadata(lambda info, t: t["fitted.scale_"].fill(0), "forecaster"),
        "fitted scale_ must be positive",
    ),
    "forecaster-network-of-two-channels": (
        with_metadata(lambda info, t: t.update({"fitted.scale_": np.ones((1, 2))}), "forecaster"),
        r"fitted scale_ has shape \(1, 2\); the other fitted values need \(1, 1\)",
    ),
    "classes-twice": (
        with_metadata(
            lambda info, t: fitted(info)["classes_"].update(ndarray=["a", "a"]), "classifier"
        ),
        "fitted classes_ names a label more than once",
    ),
    "tags-not-a-list": (
        with_metadata(setting(fitted, classes_="NOUN"), "tagger"),
        "fitted classes_ must be a list of strings",
    ),
    "tags-twice": (
        with_metadata(setting(fitted, classes_=["NOUN", "NOUN"]), "tagger"),
        "fitted classes_ must be a list of distinct strings",
    ),
    "tags-one-too-many": (
        with_metadata(setting(fitted, classes_=["A", "B", "C"]), "tagger"),
        r"the file's classes_ \(3\) disagrees with its network's num_tags \(2\)",
    ),
}


def _nested_sequential(depth: int) -> str:
    """lstmkit metadata of a Sequential holding a Sequential, `depth` deep, a Linear at the
    bottom (as text: json.dumps itself refuses to nest that deep)."""
    spec = '{"class": "Linear", "init": {"in_features": 2, "out_features": 2}}'
    for _ in range(depth - 1):
        spec = '{"class": "Sequential", "init": {"modules": [' + spec + "]}}"
    return _sequential_of(spec)


def _sequential_of(spec: str) -> str:
    """lstmkit metadata of a Sequential of one module given by its JSON `spec`."""
    header = '"format": "lstmkit-model", "format_version": 1, "class": "Sequential"'
    return "{" + header + ', "config": {"init": {"modules": [' + spec + "]}}}"


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_file_is_refused_naming_the_file(tmp_path, valid, case):
    make, message = CASES[case]
    path = tmp_path / f"hostile-{case}.safetensors"
    make(valid, path)
    with pytest.raises(ValueError, match=message) as refused:
        lstmkit.load(path)
    assert str(path) in str(refused.value)


def test_the_valid_files_the_cases_start_from_load(valid):
    """The cases are damaged copies of these: each loads as it is."""
    for path in valid.values():
        lstmkit.load(path)


def test_there_are_at_least_30_hostile_files():
    assert len(CASES) >= 30


# ---- absurd declared sizes cost nothing before they are refused (item 1) -------------------


@pytest.mark.parametrize("hidden_size", [8000, 10**9])
def test_an_absurd_declared_size_allocates_nothing_before_it_is_refused(
    tmp_path, valid, hidden_size
):
    """Before, hidden_size 8000 in a 1 KB file allocated and initialised 3.9 GB (10 s) before
    the tensors were compared, and 10**9 ended in a MemoryError."""
    path = tmp_path / "huge.safetensors"
    with_metadata(setting(init, hidden_size=hidden_size))(valid, path)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="far more weights"):
            lstmkit.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20, f"{peak} bytes allocated while refusing the file"


class CountingLinear(Linear):
    """A Linear that counts its initialisations."""

    initialisations = 0

    def reset_parameters(self) -> None:
        CountingLinear.initialisations += 1
        super().reset_parameters()


def test_loading_draws_no_initial_weights(tmp_path):
    """Every weight comes from the file, so loading never runs a layer's initialisation."""
    path = tmp_path / "m.safetensors"
    model = Sequential(CountingLinear(2, 3, seed=0), CountingLinear(3, 1, seed=0))
    lstmkit.save(model, path)
    CountingLinear.initialisations = 0
    loaded = lstmkit.load(path)
    assert CountingLinear.initialisations == 0
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(loaded.state_dict()[name], value)


def test_a_label_dtype_wider_than_its_labels_still_loads_within_the_budget(tmp_path, valid):
    """Labels narrower than their dtype (as NumPy keeps them from a wider y) are not refused."""
    path = tmp_path / "wide.safetensors"
    with_metadata(lambda info, t: fitted(info)["classes_"].update(dtype="<U40"), "classifier")(
        valid, path
    )
    assert lstmkit.load(path).classes_.dtype == np.dtype("<U40")


# ---- the command line: one line, exit status 1 ----------------------------------------------


@pytest.mark.parametrize(
    "case", ["hidden-size-10**9", "classes-dtype-U50000000", "class-dotted-path-os-system"]
)
def test_predict_with_a_hostile_model_prints_one_line_and_exits_1(tmp_path, valid, capsys, case):
    make, _ = CASES[case]
    path = tmp_path / "hostile.safetensors"
    make(valid, path)
    data = tmp_path / "input.npz"
    np.savez(data, X=np.zeros((2, 5, 2)))
    status = main(["predict", str(path), str(data)])
    err = capsys.readouterr().err
    assert status == 1
    assert err.startswith("lstmkit: error: ") and err.count("\n") == 1, err
    assert str(path) in err
