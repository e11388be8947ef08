"""The synthetic long-time-lag tasks match their definitions (Hochreiter and Schmidhuber 1997)."""

import re

import numpy as np
import pytest

from lstmkit.data.synthetic import (
    REBER_SYMBOLS,
    TEMPORAL_SYMBOLS,
    adding_problem,
    copy_task,
    embedded_reber,
    fixed_adding_problem,
    reber_correct,
    temporal_order,
)
from lstmkit.data.synthetic.reber import legal_next_symbols

# the Reber grammar written out as a regular expression from the paper's diagram, independent
# of the transition table the generator uses
_REBER = r"B(TS*X(XT*VP)*(SE|XT*VVE)|PT*V(VE|P(XT*VP)*(SE|XT*VVE)))"
EMBEDDED_REBER = re.compile(rf"B(T{_REBER}T|P{_REBER}P)E")


@pytest.mark.parametrize("T", [20, 100, 500])
def test_adding_problem_follows_the_paper(T):
    data = adding_problem(600, T, seed=1)
    assert data.x.shape == (600, data.lengths.max(), 2) and data.y.shape == (600,)
    assert data.lengths.min() >= T and data.lengths.max() <= T + T // 10
    for x, length, y in zip(data.x, data.lengths, data.y, strict=True):
        value, marker = x[:length, 0], x[:length, 1]
        assert np.all(x[length:] == 0) and np.all(np.abs(value) <= 1)
        marked = np.flatnonzero(marker == 1)
        assert len(marked) == 2
        first, second = marked if marked[0] < 10 else marked[::-1]
        assert first < 10
        # the second mark is one of the first T/2 - 1 steps that are not the first mark
        assert second - (second > first) < T // 2 - 1
        ends = {0, length - 1} - set(marked)
        assert all(marker[k] == -1 for k in ends)
        assert np.count_nonzero(marker == 0) == length - 2 - len(ends)
        if 0 in marked:
            assert value[0] == 0
        np.testing.assert_allclose(y, 0.5 + value[marked].sum() / 4, rtol=1e-6)


def test_adding_problem_statistics_and_seed():
    data = adding_problem(5000, 40, seed=2)
    # P(step p is marked): p < 10: 1/10 (first mark) + 9/10 * 1/19 (second mark, uniform over
    # the 19 = T/2 - 1 first steps other than the first mark); 10 <= p < 20: 1/19; else 0
    counts = (data.x[..., 1] == 1).sum(axis=0)
    expected = np.r_[np.full(10, 0.1 + 0.9 / 19), np.full(10, 1 / 19), np.zeros(24)] * 5000
    assert np.all(np.abs(counts - expected) < 100), counts
    values = data.x[:, 1:39, 0]
    assert abs(values.mean()) < 0.01 and abs(values.var() - 1 / 3) < 0.01  # U[-1, 1]
    assert 0 <= data.y.min() and data.y.max() <= 1
    assert abs(data.y.var() - (2 / 3) / 16) < 0.003  # var(X1 + X2) / 16
    again = adding_problem(5000, 40, seed=2)
    assert np.array_equal(again.x, data.x) and np.array_equal(again.y, data.y)
    assert not np.array_equal(adding_problem(5000, 40, seed=3).x[:, :40], data.x[:, :40])


def test_fixed_adding_problem():
    data = fixed_adding_problem(300, 30, seed=0)
    assert data.x.shape == (300, 30, 2) and np.all(data.lengths == 30)
    marks = data.x[..., 1]
    assert np.all(marks[:, :15].sum(1) == 1) and np.all(marks[:, 15:].sum(1) == 1)
    np.testing.assert_allclose(data.y, (data.x[..., 0] * marks).sum(1), rtol=1e-6)
    assert data.x[..., 0].min() >= 0 and data.x[..., 0].max() <= 1


@pytest.mark.parametrize(
    ("classes", "ranges"),
    [(4, [(10, 20), (50, 60)]), (8, [(10, 20), (33, 43), (66, 76)])],
)
def test_temporal_order(classes, ranges):
    data = temporal_order(2000, classes, seed=4)
    ids = data.x.argmax(-1)
    assert np.all(data.x.sum(-1)[np.arange(data.x.shape[1]) < data.lengths[:, None]] == 1)
    assert data.lengths.min() >= 100 and data.lengths.max() <= 110
    names = np.array(TEMPORAL_SYMBOLS)
    for row, length, label in zip(ids, data.lengths, data.y, strict=True):
        text = "".join(names[row[:length]])
        assert text[0] == "E" and text[-1] == "B"
        relevant = [k for k, s in enumerate(text) if s in "XY"]
        assert len(relevant) == len(ranges)
        for k, (low, high) in zip(relevant, ranges, strict=True):
            assert low <= k + 1 <= high  # the paper counts positions from 1
        assert set(text[1:-1]) - set("XY") <= set("abcd")
        pattern = "".join(text[k] for k in relevant)
        assert label == int(pattern.replace("X", "0").replace("Y", "1"), 2)
    counts = np.bincount(data.y, minlength=classes)
    assert counts.min() > 0.7 * 2000 / classes


def test_legal_next_symbols_hand_worked():
    expected = ["TP", "B", "TP", "SX", "SX", "SX", "SX", "TV", "TV", "PV", "E", "T", "E", ""]
    assert legal_next_symbols("BTBTSSXXTVVETE") == [set(s) for s in expected]
    for bad in ("BTBTSSXXTVVEPE", "BTBTXTVVETE", "BPBPVVEPEE", "BTBTSE"):
        with pytest.raises(ValueError, match="not an embedded Reber string"):
            legal_next_symbols(bad)


def test_embedded_reber_strings_are_legal_and_targets_consistent():
    data = embedded_reber(300, seed=5)
    names = np.array(REBER_SYMBOLS)
    allowed_after, seen_after = {}, {}
    for x, y, legal, length in zip(data.x, data.y, data.legal, data.lengths, strict=True):
        inputs = x[:length].argmax(-1)
        text = "".join(names[inputs]) + names[y[length - 1]]
        assert EMBEDDED_REBER.fullmatch(text), text
        assert np.array_equal(y[: length - 1], inputs[1:]) and np.all(y[length:] == -1)
        assert np.all(legal[np.arange(length), y[:length]])  # the true next symbol is legal
        assert not legal[length:].any() and not x[length:].any()
        expected = legal_next_symbols(text)
        for t in range(length):
            allowed_after[text[: t + 1]] = set(names[legal[t]])
            assert allowed_after[text[: t + 1]] == expected[t]
            seen_after.setdefault(text[: t + 1], set()).add(text[t + 1])
    # every continuation the data shows is legal, and the legal sets of the prefixes that
    # occur often (the first steps) are all seen
    for prefix, nexts in seen_after.items():
        assert nexts <= allowed_after[prefix]
        if len(prefix) <= 3:
            assert nexts == allowed_after[prefix], prefix
    again = embedded_reber(300, seed=5)
    assert np.array_equal(again.x, data.x) and np.array_equal(again.legal, data.legal)


def test_reber_correct_is_top_k():
    legal = np.zeros((2, 2, 7), dtype=bool)
    legal[:, 0, [1, 2]] = True
    legal[:, 1, 0] = True
    scores = np.zeros((2, 2, 7))
    scores[0, 0, [1, 2]] = [3.0, 2.0]  # both legal ones on top
    scores[0, 1, 0] = 1.0
    scores[1, 0, [1, 3]] = [3.0, 2.0]  # an illegal symbol beats a legal one
    scores[1, 1, 0] = 1.0
    assert reber_correct(scores, legal, np.array([2, 2])).tolist() == [True, False]
    # a wrong step past the length does not count
    assert reber_correct(scores, legal, np.array([2, 1])).tolist() == [True, False]
    scores[1, 0, 2] = 5.0
    assert reber_correct(scores, legal, np.array([2, 2])).tolist() == [True, True]


def test_copy_task():
    data = copy_task(50, 20, length=5, symbols=6, seed=0)
    assert data.x.shape == (50, 30, 8)
    ids = data.x.argmax(-1)
    assert np.all(ids[:, :5] < 6) and np.all(ids[:, 5:24] == 6) and np.all(ids[:, 24] == 7)
    assert np.all(ids[:, 25:] == 6)
    assert np.array_equal(data.y[:, 25:], ids[:, :5]) and np.all(data.y[:, :25] == 6)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: adding_problem(0, 100), "n must be an integer >= 1; got 0"),
        (lambda: adding_problem(5, 2), "T must be an integer >= 10; got 2"),
        (lambda: temporal_order(5, 5), "classes must be 4 or 8; got 5"),
        (lambda: copy_task(5, 0), "lag must be an integer >= 1; got 0"),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()
