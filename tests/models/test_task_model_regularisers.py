"""The regularisers of issue 21 as hyperparameters of the three task models (CharLanguageModel,
SequenceTagger, TextClassifier): declared once (`hyperparameters.REGULARISERS`), off by
default with the defaults' results unchanged, passed to the recurrent layer, saved and loaded
with the model, and files written before they existed still load."""

import numpy as np
import pytest

import lstmkit
from lstmkit.io.model_file import MODEL_FORMAT, header_json
from lstmkit.io.safetensors import write_safetensors
from lstmkit.models import CharLanguageModel, SequenceTagger, TextClassifier
from lstmkit.models.hyperparameters import REGULARISERS, SHARED
from tests.models.estimator_cases import CASES
from tests.models.test_text_classifier import keyword_task

# each model's recurrent layer, the one the options go to
RECURRENT_LAYER = {
    TextClassifier: lambda network: network.encoder.encoder,
    SequenceTagger: lambda network: network.encoder,
    CharLanguageModel: lambda network: network.lstm,
}
TASK_CASES = [case for case in CASES if case.cls in RECURRENT_LAYER]
IDS = [case.cls.__name__ for case in TASK_CASES]

# the training loss of each epoch of the case's fit with lr 0.03 and 3 epochs (so that the
# weights move), recorded at commit bae0728, before these options existed
DEFAULT_LOSSES = {
    TextClassifier: [0.7006808519363403, 0.6961727738380432, 0.6932430863380432],
    SequenceTagger: [1.0776726495297182, 1.021242437085935, 0.9604191634626615],
    CharLanguageModel: [2.2547945424130087, 1.7721845752314518, 1.3406599651100815],
}
ALL_OFF = dict(
    layer_norm=False,
    dropout_input=0.0,
    dropout_output=0.0,
    dropout_state=0.0,
    weight_drop=0.0,
    zoneout_cell=0.0,
    zoneout_hidden=0.0,
)
ALL_ON = dict(
    layer_norm=True,
    dropout_input=0.1,
    dropout_output=0.2,
    dropout_state=0.3,
    weight_drop=0.25,
    zoneout_cell=0.15,
    zoneout_hidden=0.05,
)


def epoch_losses(model) -> list:
    history = model.history_  # the char LM's is a list of records
    return [r["loss"] for r in history] if isinstance(history, list) else list(history["loss"])


def same_output(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.fixture(scope="module", params=TASK_CASES, ids=IDS)
def case(request):
    return request.param


@pytest.fixture(scope="module")
def default(case):
    return case.build().fit(*case.fit_args())


@pytest.fixture(scope="module")
def regularised(case):
    return case.build(**ALL_ON).fit(*case.fit_args())


def test_the_options_are_declared_once_with_the_layers_names():
    assert REGULARISERS == tuple(ALL_OFF)
    for cls in RECURRENT_LAYER:
        for name in REGULARISERS:
            assert cls.hyperparameters[name] is SHARED[name]
            assert cls().get_params()[name] == ALL_OFF[name]


def test_a_default_fit_is_the_same_as_before_the_options(case, default):
    moving = case.build(lr=0.03, epochs=3).fit(*case.fit_args())
    # rtol: a kernel summing in another order moves float32 losses by rounding (~1e-7); any
    # change to the default fit moves them by more (weight_drop=0.01: by 2e-6 to 2e-3)
    assert epoch_losses(moving) == pytest.approx(DEFAULT_LOSSES[case.cls], rel=1e-6)
    explicit = case.build(**ALL_OFF).fit(*case.fit_args())
    assert same_output(case.output(explicit), case.output(default))
    for name, weight in default.network_.state_dict().items():
        assert weight.tobytes() == explicit.network_.state_dict()[name].tobytes(), name


def test_the_options_reach_the_recurrent_layer_and_change_the_fit(case, default, regularised):
    layer = RECURRENT_LAYER[case.cls](regularised.network_)
    for name, value in ALL_ON.items():
        assert getattr(layer, name) == value, name
    assert "ln_c_weight_l0" in layer.params  # the layer-normalised cell's own parameters
    assert not same_output(case.output(regularised), case.output(default))


def test_a_regularised_model_round_trips_through_a_file(case, regularised, tmp_path):
    path = tmp_path / "model.safetensors"
    regularised.save(path)
    loaded = type(regularised).load(path)
    assert {n: loaded.get_params()[n] for n in REGULARISERS} == ALL_ON
    layer = RECURRENT_LAYER[case.cls](loaded.network_)
    assert {name: getattr(layer, name) for name in ALL_ON} == ALL_ON
    assert same_output(case.output(loaded), case.output(regularised))


def test_a_file_written_before_the_options_loads_as_the_plain_model(case, default, tmp_path):
    """Such a file's params and network configuration have none of the new keys."""
    arrays, config = default.export_state()
    for name in REGULARISERS:
        del config["params"][name]
    del config["network"]["config"]["init"]["regularisers"]
    path = tmp_path / "old.safetensors"
    write_safetensors(path, arrays, {"lstmkit": header_json(MODEL_FORMAT, default, config)})
    loaded = lstmkit.load(path)
    assert {n: loaded.get_params()[n] for n in REGULARISERS} == ALL_OFF
    assert same_output(case.output(loaded), case.output(default))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            dict(cell="rnn", dropout_state=0.2, weight_drop=0.1),
            r"^TextClassifier: \['dropout_state', 'weight_drop'\] need cell='lstm' or 'gru'",
        ),
        (
            dict(cell="gru", zoneout_cell=0.1),
            r"^TextClassifier: zoneout_cell needs cell='lstm' \(the GRU has no cell state\)",
        ),
    ],
)
def test_text_classifier_refuses_options_its_cell_lacks(changes, message):
    case = next(c for c in TASK_CASES if c.cls is TextClassifier)
    with pytest.raises(ValueError, match=message):
        case.build(**changes).fit(*case.fit_args())


def test_a_gru_text_classifier_takes_the_options_it_has():
    case = next(c for c in TASK_CASES if c.cls is TextClassifier)
    options = {**ALL_ON, "zoneout_cell": 0.0}
    model = case.build(cell="gru", **options).fit(*case.fit_args())
    layer = model.network_.encoder.encoder
    assert type(layer).__name__ == "GRU" and layer.layer_norm and layer.weight_drop == 0.25


def test_a_regularised_text_classifier_still_learns_a_keyword_task():
    """Weight drop + variational dropout + layer norm in place of the ordinary dropouts: far
    above chance (1/3) on new texts (seeds 0-2 gave 0.96-1.0)."""
    (texts, labels), (new_texts, new_labels) = keyword_task(240, 0), keyword_task(150, 1)
    model = TextClassifier(
        embedding_dim=12,
        hidden_size=12,
        epochs=12,
        lr=1e-2,
        seed=0,
        dropout=0.0,
        embedding_dropout=0.0,
        layer_norm=True,
        dropout_input=0.1,
        dropout_state=0.2,
        weight_drop=0.2,
    ).fit(texts, labels)
    assert model.score(new_texts, new_labels) > 0.9
