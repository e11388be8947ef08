"""Attention: exact gradients (finite differences in float64), masking, shapes and errors."""

import numpy as np
import pytest

from lstmkit.nn.attention import Attention, masked_softmax
from lstmkit.testing import numerical_gradient, relative_error

KINDS = ["bahdanau", "luong_dot", "luong_general"]


def _setup(kind, seed=0):
    rng = np.random.default_rng(seed)
    n, s, k = 3, 5, 4
    q = 4 if kind == "luong_dot" else 3
    att = Attention(q, k, kind=kind, attention_size=6, dtype="float64", seed=seed)
    query = rng.standard_normal((n, q))
    keys = rng.standard_normal((n, s, k))
    lengths = np.array([5, 2, 3])
    wc = rng.standard_normal((n, k))
    ww = rng.standard_normal((n, s))
    return att, query, keys, lengths, wc, ww


def _check(att, loss, inputs):
    """Every (analytic gradient, input) pair and every parameter against finite differences."""
    analytic = {name: grad.copy() for name, grad in att.grads.items()}
    for gradient, value in inputs:
        assert relative_error(gradient, numerical_gradient(loss, value)) < 1e-6
    for name, value in att.params.items():
        assert relative_error(analytic[name], numerical_gradient(loss, value)) < 1e-6, name


@pytest.mark.parametrize("kind", KINDS)
def test_gradients_match_finite_differences(kind):
    att, query, keys, lengths, wc, ww = _setup(kind)

    def loss():
        context, weights = att.forward(query, keys, lengths=lengths)
        return float((context * wc).sum() + (weights * ww).sum())

    loss()
    att.zero_grad()
    dquery, dkeys = att.backward(wc, ww)
    _check(att, loss, [(dquery, query), (dkeys, keys)])


@pytest.mark.parametrize("kind", KINDS)
def test_several_steps_accumulate_into_one_memory(kind):
    """Two queries over one memory: the summed gradients equal finite differences."""
    att, query, keys, lengths, wc, _ = _setup(kind, seed=1)
    query2 = query[::-1].copy()

    def loss():
        memory = att.memory(keys, lengths=lengths)
        c1, _, _ = att.step(query, memory)
        c2, _, _ = att.step(query2, memory)
        return float((c1 * wc).sum() + (c2 * c2).sum())

    memory = att.memory(keys, lengths=lengths)
    c1, _, cache1 = att.step(query, memory)
    c2, _, cache2 = att.step(query2, memory)
    att.zero_grad()
    dq2 = att.step_backward(2 * c2, cache2, memory)
    dq1 = att.step_backward(wc, cache1, memory)
    dkeys = att.memory_backward(memory)
    _check(att, loss, [(dq1, query), (dq2, query2), (dkeys, keys)])


@pytest.mark.parametrize("kind", KINDS)
def test_masked_positions_get_exactly_zero_weight_and_do_not_matter(kind):
    att, query, keys, lengths, wc, _ = _setup(kind)
    context, weights = att.forward(query, keys, lengths=lengths)
    for n, length in enumerate(lengths):
        assert np.all(weights[n, length:] == 0.0)
        assert weights[n, :length].sum() == pytest.approx(1.0, abs=1e-12)
    # changing padded keys changes nothing, and they receive no gradient
    changed = keys.copy()
    changed[1, 2:] = 1e3
    context2, weights2 = att.forward(query, changed, lengths=lengths)
    np.testing.assert_array_equal(context, context2)
    np.testing.assert_array_equal(weights, weights2)
    _, dkeys = att.backward(wc)
    assert np.all(dkeys[1, 2:] == 0.0)


def test_mask_and_lengths_agree_and_item_alone_equals_batch():
    att, query, keys, lengths, _, _ = _setup("bahdanau")
    mask = np.arange(keys.shape[1])[None, :] < lengths[:, None]
    c1, w1 = att.forward(query, keys, lengths=lengths)
    c2, w2 = att.forward(query, keys, mask=mask)
    np.testing.assert_array_equal(c1, c2)
    c_one, w_one = att.forward(query[1:2], keys[1:2, :2])
    np.testing.assert_allclose(c_one[0], c1[1], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(w_one[0], w1[1, :2], rtol=1e-12, atol=1e-14)


def test_luong_dot_by_hand():
    att = Attention(2, 2, kind="luong_dot", dtype="float64")
    keys = np.array([[[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]]])
    context, weights = att.forward(np.array([[2.0, 0.0]]), keys, lengths=np.array([2]))
    e = np.exp([2.0, 0.0])
    np.testing.assert_allclose(weights[0], [e[0] / e.sum(), e[1] / e.sum(), 0.0])
    np.testing.assert_allclose(context[0], [e[0] / e.sum(), e[1] / e.sum()])


def test_masked_softmax_large_scores_are_finite():
    w = masked_softmax(np.array([[1e4, -1e4, 3.0]]), np.array([[True, True, False]]))
    np.testing.assert_array_equal(w, [[1.0, 0.0, 0.0]])


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="kind must be one of"):
        Attention(3, 3, kind="cosine")
    with pytest.raises(ValueError, match="luong_dot.*query_size == key_size"):
        Attention(3, 4, kind="luong_dot")
    att = Attention(3, 4)
    with pytest.raises(ValueError, match=r"keys must have shape \(N, S, 4\)"):
        att.forward(np.zeros((2, 3)), np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match="lengths must lie in 1..5; got 0 at index 1"):
        att.forward(np.zeros((2, 3)), np.zeros((2, 5, 4)), lengths=np.array([2, 0]))
    with pytest.raises(ValueError, match="row 0 has none"):
        att.forward(np.zeros((1, 3)), np.zeros((1, 2, 4)), mask=np.zeros((1, 2), bool))
    with pytest.raises(ValueError, match="backward called before forward"):
        Attention(3, 4).backward(np.zeros((1, 4)))


def test_seed_and_config_round_trip():
    a = Attention(3, 4, kind="luong_general", seed=5)
    b = Attention(**a.get_config(), seed=5)
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
