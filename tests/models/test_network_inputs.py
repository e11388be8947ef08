"""The task networks' boundary: ids, indices, lengths and states refused by their own names
(lstmkit.models.network_inputs), backward before forward, and the forecast networks' dtype.

The contract harness (tests/contract) checks every network's wrong shapes and dtypes; these
tests cover what it does not reach: values out of range, batches that disagree, the forecast
networks' old files, and backward before forward where the harness's own backward calls
another module first.
"""

import json

import numpy as np
import pytest

import lstmkit
from lstmkit.errors import NoForwardPassError
from lstmkit.io.model_file import MODEL_FORMAT, header_json
from lstmkit.io.safetensors import write_safetensors
from lstmkit.models.char_lm_network import CharLMNetwork
from lstmkit.models.forecast_network import ForecastEnsemble, ForecastNetwork
from lstmkit.models.network_inputs import check_ids, check_index
from lstmkit.models.seq2seq_decoder import Decoder
from lstmkit.models.seq2seq_network import Seq2SeqNetwork
from lstmkit.models.tagger_network import TaggerBatch, TaggerNetwork
from lstmkit.models.text_network import TextNetwork

# ---- check_ids and check_index --------------------------------------------------------------


def test_check_ids_returns_the_array():
    ids = check_ids([[1, 2], [3, 0]], "ids", batch=2, vocab_size=4)
    assert ids.shape == (2, 2) and ids.dtype.kind == "i"


@pytest.mark.parametrize(
    "ids, options, message",
    [
        (np.ones(3, int), {}, r"^ids must have shape \(N, T\); got \(3,\)$"),
        (np.ones((2, 3, 1), int), {}, r"^ids must have shape \(N, T\); got \(2, 3, 1\)$"),
        (np.ones((3, 2), int), {"batch": 2}, r"^ids must have shape \(2, T\); got \(3, 2\)$"),
        (np.ones((2, 0), int), {}, r"at least one sequence and one step; got \(2, 0\)"),
        (np.array([[1, 4]]), {"vocab_size": 4}, r"ids must lie in 0\.\.3 .*ids\[\(0, 1\)\] = 4"),
        (np.array([[-1, 0]]), {"vocab_size": 4}, r"ids\[\(0, 0\)\] = -1"),
    ],
)
def test_check_ids_refuses(ids, options, message):
    with pytest.raises(ValueError, match=message):
        check_ids(ids, "ids", **options)


@pytest.mark.parametrize("ids", [np.ones((2, 2)), [["a", "b"]], None])
def test_check_ids_refuses_what_is_not_integers(ids):
    with pytest.raises(TypeError, match=r"^ids must"):
        check_ids(ids, "ids")


def test_check_ids_names_where_ragged_ids_differ():
    with pytest.raises(
        ValueError, match=r"^ids is ragged: ids\[1\] has 1 entry where ids\[0\] has 2$"
    ):
        check_ids([[1, 2], [3]], "ids")


def test_check_index_names_the_shape_and_the_value():
    with pytest.raises(ValueError, match=r"^index must have shape \(2, 3\); got \(3, 2\)$"):
        check_index(np.zeros((3, 2), int), "index", (2, 3), 4, "the size")
    with pytest.raises(ValueError, match=r"index must lie in 0\.\.3 \(the size = 4\)"):
        check_index(np.full((2, 3), 4), "index", (2, 3), 4, "the size")


# ---- ids through the networks ---------------------------------------------------------------


def test_text_and_char_lm_networks_name_ids_of_the_wrong_rank():
    text = TextNetwork(6, 3, 2, hidden_size=2, seed=0)
    with pytest.raises(ValueError, match=r"^ids must have shape \(N, T\); got \(3,\)$"):
        text(np.array([1, 2, 3]))
    char_lm = CharLMNetwork(5, 2, 2, num_layers=1, seed=0)
    with pytest.raises(ValueError, match=r"^ids must have shape \(N, T\); got \(3,\)$"):
        char_lm(np.array([1, 2, 3]))


def small_seq2seq(**options):
    return Seq2SeqNetwork(6, 5, embedding_size=2, hidden_size=4, seed=0, **options)


SOURCE, SOURCE_LENGTHS, TARGET = (
    np.array([[1, 2, 3], [4, 5, 0]]),
    np.array([3, 2]),
    np.ones((2, 2), int),
)


@pytest.mark.parametrize(
    "arguments, message",
    [
        ((SOURCE, [3, 4], TARGET), r"^source_lengths must lie in 1\.\.3 .*source_lengths\[1\] = 4"),
        ((SOURCE, [[3, 2]], TARGET), r"^source_lengths must have shape \(2,\)"),
        ((SOURCE + 5, SOURCE_LENGTHS, TARGET), r"^source_ids must lie in 0\.\.5"),
        ((SOURCE, SOURCE_LENGTHS, TARGET + 4), r"^target_inputs must lie in 0\.\.4"),
        (
            (SOURCE, SOURCE_LENGTHS, np.ones((3, 2), int)),
            r"^target_inputs must have shape \(2, T\)",
        ),
    ],
)
def test_seq2seq_names_its_arguments(arguments, message):
    with pytest.raises(ValueError, match=message):
        small_seq2seq()(*arguments)


def test_seq2seq_start_checks_the_source_too():
    with pytest.raises(ValueError, match=r"^source_ids must have shape \(N, T\); got \(3,\)$"):
        small_seq2seq().start(np.array([1, 2, 3]), [3])


def test_seq2seq_without_source_lengths_reads_every_source_to_its_end():
    network = small_seq2seq().eval()
    full = np.array([[1, 2, 3], [4, 5, 1]])
    without = network(full, None, TARGET)
    with_lengths = network(full, np.array([3, 3]), TARGET)
    assert without.tobytes() == with_lengths.tobytes()


def small_decoder(cell="lstm", dtype="float32"):
    return Decoder(5, 2, 3, 3, cell=cell, attention=None, dtype=dtype, seed=0)


def test_decoder_names_h0_c0_and_inputs():
    decoder = small_decoder()
    with pytest.raises(ValueError, match=r"^h0 must have shape \(N, 3\); got \(2, 4\)$"):
        decoder.initial_state(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"^c0 must have shape \(2, 3\); got \(2, 4\)$"):
        decoder.initial_state(np.zeros((2, 3)), np.zeros((2, 4)))
    state = decoder.initial_state(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"^inputs must have shape \(2, T\); got \(2,\)$"):
        decoder(np.array([1, 2]), state, None)
    with pytest.raises(ValueError, match=r"^inputs must lie in 0\.\.4 .*inputs\[\(1, 0\)\] = 5"):
        decoder(np.array([[1], [5]]), state, None)


def test_decoder_initial_state_is_in_the_decoders_dtype():
    state = small_decoder(dtype="float64").initial_state(np.zeros((2, 3), np.float32))
    assert state.h.dtype == np.float64 and state.c is None
    gru_state = small_decoder("gru").initial_state(np.zeros((2, 3)), np.zeros((2, 3)))
    assert gru_state.h.dtype == np.float32 and gru_state.c is None  # a GRU has no cell state


# ---- the tagger -----------------------------------------------------------------------------


def small_tagger():
    return TaggerNetwork(6, 5, 3, word_dim=3, char_dim=2, char_hidden_size=3, hidden_size=2, seed=0)


def tagger_batch(**changes):
    fields = {
        "word_ids": np.array([[1, 2, 3], [4, 0, 0]]),
        "lengths": np.array([3, 1]),
        "char_ids": np.ones((4, 2), int),
        "char_lengths": np.array([2, 1, 2, 2]),
        "word_index": np.array([[0, 1, 2], [3, 0, 0]]),
        "tags": None,
        "indices": np.arange(2),
    }
    return TaggerBatch(**{**fields, **changes})


def test_tagger_backward_before_forward_says_so():
    with pytest.raises(NoForwardPassError, match="TaggerNetwork.backward called before forward"):
        small_tagger().backward(np.zeros((2, 3, 3), np.float32))


def test_tagger_names_word_ids_and_word_index():
    tagger = small_tagger()
    with pytest.raises(ValueError, match=r"^word_ids must have shape \(N, T\); got \(3,\)$"):
        tagger(tagger_batch(word_ids=np.array([1, 2, 3])))
    with pytest.raises(ValueError, match=r"^word_index must have shape \(2, 3\); got \(2, 2\)$"):
        tagger(tagger_batch(word_index=np.zeros((2, 2), int)))
    with pytest.raises(ValueError, match=r"word_index\[\(1, 0\)\] = 4"):  # 4 forms: 0..3
        tagger(tagger_batch(word_index=np.array([[0, 1, 2], [4, 0, 0]])))


# ---- the forecast networks ------------------------------------------------------------------


WINDOW = np.random.default_rng(0).standard_normal((2, 3, 3))


def test_forecast_future_is_required_exactly_when_declared():
    network = ForecastNetwork(3, 2, future_size=2, hidden_size=2, seed=0)
    with pytest.raises(ValueError, match=r"^future must have shape \(2, 2\) .*; got None$"):
        network(WINDOW)
    with pytest.raises(ValueError, match=r"^future must have shape \(2, 2\); got \(2, 3\)$"):
        network(WINDOW, np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"^future must be None: .*future_size=0"):
        ForecastNetwork(3, 2, hidden_size=2, seed=0)(WINDOW, np.zeros((2, 2)))


@pytest.mark.parametrize("cls", [ForecastNetwork, ForecastEnsemble])
def test_forecast_networks_in_float64(cls, tmp_path):
    network = cls(3, 2, future_size=2, hidden_size=2, dtype="float64", seed=0)
    assert network.get_config()["dtype"] == "float64"
    assert all(value.dtype == np.float64 for value in network.params.values())
    mean, var = network.gaussian(WINDOW, np.ones((2, 2)))
    assert mean.shape == var.shape == (2, 2, 1)
    lstmkit.save(network, tmp_path / "network.safetensors")
    loaded = lstmkit.load(tmp_path / "network.safetensors")
    assert all(value.dtype == np.float64 for value in loaded.params.values())


@pytest.mark.parametrize("cls", [ForecastNetwork, ForecastEnsemble])
def test_forecast_file_saved_without_dtype_loads_as_float32(cls, tmp_path):
    """A file written before the dtype argument existed: its config has no "dtype"."""
    network = cls(3, 2, hidden_size=2, seed=0)
    arrays, config = network.export_state()
    del config["init"]["dtype"]
    path = tmp_path / "old.safetensors"
    write_safetensors(path, arrays, {"lstmkit": header_json(MODEL_FORMAT, network, config)})
    assert "dtype" not in json.dumps(config)
    loaded = lstmkit.load(path)
    assert loaded.get_config() == network.get_config()
    assert all(value.dtype == np.float32 for value in loaded.params.values())
    expected, got = network.eval().gaussian(WINDOW), loaded.eval().gaussian(WINDOW)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(expected, got, strict=True))
