"""CRF: log-partition, NLL and Viterbi against brute force over all K^T paths; finite
differences for every gradient; a padded batch equals its sequences run alone."""

import itertools

import numpy as np
import pytest

from lstmkit.errors import NoForwardPassError
from lstmkit.nn import CRF
from lstmkit.testing import numerical_gradient, relative_error


def random_crf(k, seed=0, dtype="float64"):
    crf = CRF(k, dtype=dtype)
    rng = np.random.default_rng(seed)
    for value in crf.params.values():
        value[...] = rng.standard_normal(value.shape)
    return crf


def brute_force_scores(crf, e):
    """{path: score} of every path over one sequence's emissions e (L, K), by the definition."""
    length, k = e.shape
    scores = {}
    for path in itertools.product(range(k), repeat=length):
        s = crf.start[path[0]] + crf.end[path[-1]]
        s += sum(e[t, path[t]] for t in range(length))
        s += sum(crf.transitions[path[t - 1], path[t]] for t in range(1, length))
        scores[path] = float(s)
    return scores


@pytest.mark.parametrize("k, length", [(1, 3), (2, 1), (3, 4), (4, 3)])
def test_log_partition_nll_and_viterbi_match_brute_force(k, length):
    crf = random_crf(k, seed=k + length)
    rng = np.random.default_rng(1)
    e = 2 * rng.standard_normal((1, length, k))
    scores = brute_force_scores(crf, e[0])
    values = np.array(list(scores.values()))
    log_z = np.log(np.exp(values - values.max()).sum()) + values.max()
    np.testing.assert_allclose(crf.log_partition(e), [log_z], rtol=1e-12)
    tags = rng.integers(0, k, size=(1, length))
    nll = crf(e, tags, reduction="none")
    np.testing.assert_allclose(nll, [log_z - scores[tuple(tags[0])]], rtol=1e-12, atol=1e-12)
    paths, best = crf.decode(e)
    best_path = max(scores, key=scores.get)
    assert tuple(paths[0]) == best_path
    np.testing.assert_allclose(best, [scores[best_path]], rtol=1e-12)


def test_marginals_match_brute_force():
    crf = random_crf(3, seed=5)
    e = np.random.default_rng(2).standard_normal((1, 4, 3))
    scores = brute_force_scores(crf, e[0])
    values = np.array(list(scores.values()))
    p = np.exp(values - values.max())
    p /= p.sum()
    expected = np.zeros((4, 3))
    for prob, path in zip(p, scores, strict=True):
        for t, tag in enumerate(path):
            expected[t, tag] += prob
    np.testing.assert_allclose(crf.marginals(e)[0], expected, rtol=1e-10)
    np.testing.assert_allclose(crf.marginals(e).sum(axis=2), 1.0, rtol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_every_gradient_matches_finite_differences(reduction):
    k = 3
    crf = random_crf(k, seed=3)
    rng = np.random.default_rng(4)
    lengths = np.array([4, 1, 3])
    e = rng.standard_normal((3, 4, k))
    tags = rng.integers(0, k, size=(3, 4))
    tags[1, 1:] = -1  # padding: ignored past the length
    dloss = rng.standard_normal(3) if reduction == "none" else 0.7

    def loss():
        return float(np.sum(crf(e, tags, lengths, reduction=reduction) * dloss))

    crf(e, tags, lengths, reduction=reduction)
    crf.zero_grad()
    de = crf.backward(dloss)
    assert not de[1, 1:].any() and not de[2, 3:].any()
    analytic = {"emissions": de, **{name: g.copy() for name, g in crf.grads.items()}}
    for name, array in {"emissions": e, **crf.params}.items():
        error = relative_error(analytic[name], numerical_gradient(loss, array))
        assert error < 1e-6, f"gradient of {name}: relative error {error:.2e}"


def test_large_scores_stay_finite():
    crf = random_crf(3, seed=0)
    e = np.full((1, 5, 3), 1000.0)
    e[0, :, 1] = -1000.0
    loss = crf(e, np.zeros((1, 5), int))
    assert np.isfinite(loss) and np.all(np.isfinite(crf.backward()))


def test_padded_batch_equals_items_run_alone():
    k = 4
    crf = random_crf(k, seed=7)
    rng = np.random.default_rng(8)
    lengths = np.array([5, 2, 1, 4])
    e = rng.standard_normal((4, 5, k))
    tags = rng.integers(0, k, size=(4, 5))
    nll = crf(e, tags, lengths, reduction="none")
    crf.zero_grad()
    de = crf.backward(np.ones(4))
    batch_grads = {name: g.copy() for name, g in crf.grads.items()}
    paths, best = crf.decode(e, lengths)
    summed = {name: np.zeros_like(g) for name, g in batch_grads.items()}
    for n, length in enumerate(lengths):
        one_e, one_tags = e[n : n + 1, :length], tags[n : n + 1, :length]
        np.testing.assert_allclose(crf(one_e, one_tags, reduction="sum"), nll[n], rtol=1e-12)
        crf.zero_grad()
        np.testing.assert_allclose(crf.backward(), de[n : n + 1, :length], atol=1e-14)
        for name, g in crf.grads.items():
            summed[name] += g
        one_path, one_best = crf.decode(one_e)
        np.testing.assert_array_equal(paths[n, :length], one_path[0])
        assert (paths[n, length:] == -1).all()
        np.testing.assert_allclose(best[n], one_best[0], rtol=1e-12)
    for name, g in batch_grads.items():
        np.testing.assert_allclose(g, summed[name], atol=1e-13)


def test_float32_matches_float64():
    e = np.random.default_rng(0).standard_normal((2, 6, 5))
    tags = np.random.default_rng(1).integers(0, 5, size=(2, 6))
    wide, narrow = random_crf(5, seed=2), CRF(5)
    narrow.load_state_dict(wide.state_dict())
    np.testing.assert_allclose(narrow(e, tags), wide(e, tags), rtol=1e-5)
    np.testing.assert_allclose(narrow.backward(), wide.backward(), atol=1e-6)


def test_learns_a_transition_rule():
    # tag = previous tag + 1 mod 3 whatever the emissions: only transitions can learn it
    crf = CRF(3, dtype="float64")
    rng = np.random.default_rng(0)
    tags = (rng.integers(0, 3, size=(16, 1)) + np.arange(6)) % 3
    e = np.zeros((16, 6, 3))
    e[:, 0] = 3 * np.eye(3)[tags[:, 0]]  # the first tag is shown
    for _ in range(200):
        crf.zero_grad()
        crf(e, tags)
        crf.backward()
        for name, value in crf.params.items():
            value -= 0.5 * crf.grads[name]
    paths, _ = crf.decode(e)
    np.testing.assert_array_equal(paths, tags)


def test_bad_input_is_reported():
    crf = CRF(3)
    with pytest.raises(NoForwardPassError):
        crf.backward()
    with pytest.raises(ValueError, match=r"emissions must have shape \(N, T, 3\)"):
        crf(np.zeros((2, 4, 2)), np.zeros((2, 4), int))
    with pytest.raises(ValueError, match=r"tags must lie in 0..2.*tags\[1, 0\] = 3"):
        crf(np.zeros((2, 4, 3)), np.array([[0] * 4, [3, 0, 0, 0]]))
    with pytest.raises(ValueError, match="lengths must lie in 1..4"):
        crf(np.zeros((2, 4, 3)), np.zeros((2, 4), int), lengths=[0, 4])
    with pytest.raises(ValueError, match="reduction must be one of"):
        crf(np.zeros((1, 2, 3)), np.zeros((1, 2), int), reduction="avg")
    with pytest.raises(ValueError, match="num_tags must be a positive integer"):
        CRF(0)
