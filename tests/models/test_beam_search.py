"""Greedy and beam search over a tiny Seq2SeqNetwork, checked against brute force."""

import itertools

import numpy as np
import pytest

from lstmkit.models.beam_search import beam_search, greedy_decode
from lstmkit.models.seq2seq_network import Seq2SeqNetwork
from lstmkit.ops.softmax import log_softmax

PAD, UNK, BOS, EOS = 0, 1, 2, 3
OPTIONS = {"bos": BOS, "eos": EOS, "banned": [PAD, UNK, BOS]}


def _network(attention="bahdanau", cell="lstm", seed=0, vocab=6):
    network = Seq2SeqNetwork(
        5,
        vocab,
        cell=cell,
        embedding_size=4,
        hidden_size=6,
        attention=attention,
        dtype="float64",
        seed=seed,
    )
    for value in network.params.values():
        value *= 4  # sharper distributions: the choice of hypothesis matters
    return network


def _sequence_logprob(network, source, output):
    """log p(output | source) by one teacher-forced pass (a different code path)."""
    inputs = np.array([[BOS, *output[:-1]]])
    logits = network.forward(source[None], np.array([len(source)]), inputs)
    logp = log_softmax(logits[0].astype(np.float64), axis=-1)
    return float(sum(logp[t, token] for t, token in enumerate(output)))


def _brute_force(network, source, max_length, length_penalty, tokens):
    best = None
    for length in range(max_length + 1):
        for body in itertools.product(tokens, repeat=length):
            output = [*body, EOS]
            score = _sequence_logprob(network, source, output) / len(output) ** length_penalty
            if best is None or score > best[1]:
                best = (output, score)
    return best


@pytest.mark.parametrize("attention", ["bahdanau", None])
@pytest.mark.parametrize("length_penalty", [0.0, 1.0])
def test_a_wide_beam_finds_the_best_sequence_found_by_brute_force(attention, length_penalty):
    network = _network(attention, seed=3)
    network.eval()
    tokens, max_length = [4, 5], 3
    sources = [np.array([2, 3, 4]), np.array([4, 4])]
    found = beam_search(
        network,
        np.array([[2, 3, 4], [4, 4, 0]]),  # one padded batch
        np.array([3, 2]),
        max_length=max_length,
        beam_size=2**max_length,
        length_penalty=length_penalty,
        **OPTIONS,
    )
    for source, result in zip(sources, found, strict=True):
        expected_ids, expected_score = _brute_force(
            network, source, max_length, length_penalty, tokens
        )
        assert result.ids == expected_ids
        assert result.score == pytest.approx(expected_score, rel=1e-10)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_beam_of_one_equals_greedy(cell):
    network = _network("luong_general", cell=cell, seed=1, vocab=8)
    rng = np.random.default_rng(0)
    lengths = np.array([5, 2, 4, 1])
    sources = rng.integers(2, 5, size=(4, 5))
    greedy = greedy_decode(network, sources, lengths, max_length=6, length_penalty=0.7, **OPTIONS)
    beams = beam_search(
        network, sources, lengths, max_length=6, beam_size=1, length_penalty=0.7, **OPTIONS
    )
    for beam, expected in zip(beams, greedy, strict=True):
        assert beam.ids == expected.ids
        assert beam.score == pytest.approx(expected.score, rel=1e-12)
        np.testing.assert_allclose(beam.attention, expected.attention, rtol=1e-12)


def test_a_batch_of_beams_equals_each_source_searched_alone():
    network = _network("bahdanau", seed=5, vocab=8)
    rng = np.random.default_rng(3)
    lengths = np.array([5, 2, 4])
    sources = rng.integers(2, 5, size=(3, 5))
    options = dict(max_length=5, beam_size=3, length_penalty=1.0, **OPTIONS)
    together = beam_search(network, sources, lengths, **options)
    for n in range(3):
        [alone] = beam_search(
            network, sources[n : n + 1, : lengths[n]], lengths[n : n + 1], **options
        )
        assert alone.ids == together[n].ids
        assert alone.score == pytest.approx(together[n].score, rel=1e-10)
        np.testing.assert_allclose(alone.attention, together[n].attention, rtol=1e-10, atol=1e-12)


def test_outputs_end_with_eos_within_max_length_and_avoid_banned_tokens():
    network = _network(seed=2, vocab=8)
    sources = np.array([[2, 3, 4], [4, 2, 0]])
    results = greedy_decode(network, sources, np.array([3, 2]), max_length=3, **OPTIONS)
    for result, length in zip(results, [3, 2], strict=True):
        assert result.ids[-1] == EOS and len(result.ids) <= 4
        assert not set(result.ids) & {PAD, UNK, BOS}
        assert result.attention.shape == (len(result.ids), length)
        np.testing.assert_allclose(result.attention.sum(axis=1), 1.0)
