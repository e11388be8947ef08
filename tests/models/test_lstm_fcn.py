"""LSTM-FCN and ALSTM-FCN (issue 22): the network's gradients, padding, and the classifier."""

import numpy as np
import pytest

import lstmkit
from lstmkit.models import SequenceClassifier
from lstmkit.models.fcn_network import ARCHITECTURES, FCNNetwork, auto_conv_stride
from lstmkit.models.step_chunks import auto_recurrent_stride, chunk_steps
from lstmkit.testing import gradient_errors

TOLERANCE = 1e-6
LENGTHS = np.array([9, 4, 6])  # unsorted, the longest = T


def _network(architecture, **changes):
    options = dict(hidden_size=3, filters=2, head="max", dtype="float64", seed=0)
    return FCNNetwork(2, 3, architecture, **{**options, **changes})


# (recurrent_stride, conv_stride): step by step; chunks of 4 (9 steps -> 3 chunks, the last
# one part padding); one chunk longer than every series (the "dimension shuffle"); a strided
# first convolution (9, 4, 6 steps -> 4, 2, 3 after it at stride 2, 4, 2, 3 at stride 3)
STRIDES = [(1, 1), (4, 1), (12, 1), (1, 2), (4, 3)]


def _strides_id(strides):
    return "recurrent{}-conv{}".format(*strides)


@pytest.mark.parametrize("strides", STRIDES, ids=_strides_id)
@pytest.mark.parametrize("bidirectional", [True, False], ids=["bidirectional", "forward"])
@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_every_gradient_matches_finite_differences_with_lengths(
    architecture, bidirectional, strides
):
    recurrent, conv = strides
    network = _network(
        architecture,
        bidirectional=bidirectional,
        head="mean",
        recurrent_stride=recurrent,
        conv_stride=conv,
    )
    x = np.random.default_rng(1).standard_normal((3, 9, 2))

    def backward(upstream):
        return {"x": network.backward(*upstream)}

    # eps 1e-4, not 1e-6: the query's gradients through attention after the head are ~1e-4,
    # where the loss's rounding (~1e-15 / eps) dominates a small step (at stride 4 the error is
    # 6e-6, 1e-6 and 8e-8 for eps 1e-6, 1e-5 and 1e-4: it shrinks as the step grows, which a
    # wrong gradient would not do); the truncation error is ~eps^2
    errors = gradient_errors(network, lambda: network(x, LENGTHS), backward, {"x": x}, eps=1e-4)
    assert "input x" in errors and "conv2.weight" in errors and "norm1.weight" in errors
    if architecture == "alstm-fcn":
        assert "attention.v" in errors
    worst = {name: error for name, error in errors.items() if not error < TOLERANCE}
    assert not worst, f"relative errors above {TOLERANCE}: {worst}"
    dx = network.backward(np.ones((3, 3)))
    for n, length in enumerate(LENGTHS):  # padded steps take no gradient
        assert not dx[n, length:].any()


@pytest.mark.parametrize("strides", STRIDES, ids=_strides_id)
@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_a_padded_batch_predicts_what_each_series_gets_alone(architecture, strides):
    recurrent, conv = strides
    network = _network(architecture, recurrent_stride=recurrent, conv_stride=conv)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 9, 2))
    network.train()
    network(x, LENGTHS)  # running statistics away from their start
    network.eval()
    x[1, LENGTHS[1] :] = 1e3  # the padding must not matter, whatever it holds
    batch = network(x, LENGTHS)
    for n, length in enumerate(LENGTHS):
        alone = network(x[n : n + 1, :length], np.array([length]))
        np.testing.assert_allclose(batch[n], alone[0], rtol=1e-12, atol=1e-12)


def test_chunks_concatenate_consecutive_steps_and_zero_what_lies_past_a_length():
    x = np.arange(2 * 5 * 2, dtype=np.float64).reshape(2, 5, 2) + 1  # no zeros of its own
    chunks, lengths = chunk_steps(x, np.array([5, 3]), 2)
    assert chunks.shape == (2, 3, 4) and lengths.tolist() == [3, 2]
    np.testing.assert_array_equal(chunks[0, 1], [5, 6, 7, 8])  # steps 2 and 3 of series 0
    np.testing.assert_array_equal(chunks[0, 2], [9, 10, 0, 0])  # step 4, then past T
    np.testing.assert_array_equal(chunks[1, 1], [15, 16, 0, 0])  # step 2, then past length 3
    assert not chunks[1, 2].any()


def test_auto_recurrent_stride_reads_the_longest_series_in_at_most_32_steps():
    assert [auto_recurrent_stride(t) for t in (1, 32, 33, 64, 65, 1460)] == [1, 1, 2, 2, 3, 46]


def test_auto_conv_stride_keeps_the_wide_blocks_at_most_384_steps_long():
    assert [auto_conv_stride(t) for t in (1, 384, 385, 768, 769, 1460)] == [1, 1, 2, 2, 3, 4]


def test_the_classifier_resolves_auto_strides_on_the_longest_training_series():
    X, y = _two_rhythms(4, seed=0)
    X[0] = np.zeros((400, 1))  # 400 steps -> recurrent ceil(400 / 32) = 13, conv 2
    options = dict(hidden_size=2, filters=2, epochs=1, ensemble=1, validation_fraction=0, seed=0)
    member = SequenceClassifier(architecture="lstm-fcn", **options).fit(X, y).network_.member(0)
    assert (member.recurrent_stride, member.conv_stride) == (13, 2)
    chosen = SequenceClassifier(
        architecture="lstm-fcn", recurrent_stride=5, conv_stride=1, **options
    ).fit(X, y)
    assert (chosen.network_.member(0).recurrent_stride, chosen.network_.member(0).conv_stride) == (
        5,
        1,
    )


def _two_rhythms(count, seed):
    """Noisy sines of two periods (the classes), of lengths 8..16."""
    rng = np.random.default_rng(seed)
    labels = np.array(["slow", "fast"] * (count // 2))
    series = []
    for label in labels:
        steps = np.arange(rng.integers(8, 17))
        period = 3.0 if label == "fast" else 9.0
        wave = np.sin(2 * np.pi * steps / period + rng.uniform(0, 2 * np.pi))
        series.append((wave + 0.3 * rng.standard_normal(len(steps)))[:, None])
    return series, labels


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_the_classifier_learns_saves_and_loads(architecture, tmp_path):
    X, y = _two_rhythms(40, seed=0)
    X_test, y_test = _two_rhythms(20, seed=1)
    model = SequenceClassifier(
        architecture=architecture,
        hidden_size=4,
        filters=4,
        epochs=30,
        lr=1e-2,
        ensemble=1,
        validation_fraction=0,
        seed=0,
    ).fit(X, y)
    assert model.score(X_test, y_test) >= 0.8  # chance is 0.5
    assert isinstance(model.network_.member(0), FCNNetwork)
    path = tmp_path / "model.lstmkit"
    lstmkit.save(model, path)
    loaded = lstmkit.load(path)
    assert loaded.architecture == architecture
    np.testing.assert_array_equal(loaded.predict_proba(X_test), model.predict_proba(X_test))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"architecture": "fcn"}, "architecture must be one of 'lstm', 'lstm-fcn' or"),
        ({"filters": 0}, "filters must be a positive integer; got 0"),
        ({"recurrent_stride": 0}, "recurrent_stride must be 'auto' or a positive integer; got 0"),
        ({"conv_stride": "x"}, "conv_stride must be 'auto' or a positive integer; got 'x'"),
    ],
    ids=["architecture", "filters", "recurrent_stride", "conv_stride"],
)
def test_bad_fcn_hyperparameters_are_refused(change, message):
    X, y = _two_rhythms(4, seed=0)
    with pytest.raises(ValueError, match=message):
        SequenceClassifier(**change).fit(X, y)


def test_the_network_refuses_an_unknown_architecture():
    with pytest.raises(ValueError, match=r"architecture must be one of .*; got 'lstm'"):
        FCNNetwork(1, 2, "lstm")
