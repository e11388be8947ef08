"""The seq2seq decoder steps an `lstmkit.nn` cell module; files from before that still load."""

import numpy as np
import pytest

from lstmkit.models.seq2seq_decoder import CELL_PARAMS, Decoder, upgrade_state_dict
from lstmkit.models.seq2seq_network import Seq2SeqNetwork
from lstmkit.nn import GRUCell, LSTMCell


def _network(cell, seed):
    return Seq2SeqNetwork(7, 6, cell=cell, embedding_size=3, hidden_size=4, seed=seed)


@pytest.mark.parametrize("cell, cls", [("lstm", LSTMCell), ("gru", GRUCell)])
def test_the_decoder_cell_is_a_cell_module(cell, cls):
    decoder = Decoder(9, 3, 4, 4, cell=cell, attention="bahdanau", seed=0)
    assert isinstance(decoder.rnn_cell, cls)
    assert decoder.rnn_cell.input_size == 3 + 4  # embedding and the fed attentional state
    keys = [k for k in decoder.params if k.startswith("rnn_cell.")]
    assert keys == [f"rnn_cell.{name}" for name in CELL_PARAMS]
    assert decoder.get_config()["cell"] == cell
    if cell == "lstm":  # the forget bias starts at U(-1/2, 1/2) + 1
        assert np.all(decoder.rnn_cell.bias_ih[4:8] > 0.49)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_a_state_dict_with_the_old_decoder_keys_loads(cell):
    network = _network(cell, seed=0)
    old = {}
    for key, value in network.state_dict().items():
        old[key.replace("decoder.rnn_cell.", "decoder.")] = value
    assert "decoder.weight_ih" in old and "decoder.rnn_cell.weight_ih" not in old
    other = _network(cell, seed=1)
    other.load_state_dict(old)
    for key, value in network.params.items():
        np.testing.assert_array_equal(other.params[key], value)


def test_upgrade_leaves_new_and_unrelated_keys_alone():
    current = {"decoder.rnn_cell.weight_ih": 1, "encoder.weight_ih_l0": 2}
    assert upgrade_state_dict(current) is current
    old = {"decoder.weight_ih": 1, "decoder.output.weight": 3}
    assert upgrade_state_dict(old) == {"decoder.rnn_cell.weight_ih": 1, "decoder.output.weight": 3}


def test_a_wrong_state_dict_is_still_refused_with_its_keys():
    network = _network("gru", seed=0)
    state = network.state_dict()
    del state["decoder.rnn_cell.bias_hh"]
    with pytest.raises(ValueError, match=r"missing keys \['decoder.rnn_cell.bias_hh'\]"):
        network.load_state_dict(state)
