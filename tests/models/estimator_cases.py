"""One tiny, fast case per public estimator: how to build it, fit it and read its output.

The contract tests walk `CASES`; `test_every_public_estimator_has_a_case` fails when an
estimator is added to `lstmkit.models` without one, so nothing new escapes the contract.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lstmkit.models import (
    CharLanguageModel,
    Forecaster,
    Seq2Seq,
    SequenceClassifier,
    SequenceTagger,
    TextClassifier,
)


@dataclass
class Case:
    cls: type
    params: dict  # small and fast; seed included
    fit_args: Callable[[], tuple]  # () -> the positional arguments of fit
    output: Callable  # fitted estimator -> an array-like that characterises it
    score_args: Callable[[], tuple]  # () -> the positional arguments of score
    bad_fit: tuple  # (positional arguments of fit of the wrong shape or type, message regex)

    def build(self, **changes):
        return self.cls(**{**self.params, **changes})


def _sequences():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 6, 2))
    y = np.array(["up", "down"] * 6)
    X[y == "up"] += 1.0
    return X, y


def _series():
    t = np.arange(60.0)
    return (10 + np.sin(2 * np.pi * t / 6) + 0.05 * t,)


def _texts():
    texts = ["good fun film", "bad dull film", "great good", "awful bad"] * 3
    return texts, ["pos", "neg", "pos", "neg"] * 3


def _tagged():
    sentences = [["the", "cat", "sat"], ["a", "dog", "ran"]] * 4
    return sentences, [["D", "N", "V"]] * 8


def _pairs():
    sources = ["ab", "ba", "abc", "cab", "bca", "aab"] * 2
    return sources, [s[::-1] for s in sources]


CASES = [
    Case(
        SequenceClassifier,
        dict(hidden_size=4, epochs=3, ensemble=2, patience=2, seed=0),
        _sequences,
        lambda m: m.predict_proba(_sequences()[0]),
        _sequences,
        ((np.zeros((2, 3, 4, 5)), [0, 1]), r"X must be .*; got shape \(2, 3, 4, 5\)"),
    ),
    Case(
        Forecaster,
        dict(horizon=3, period=6, hidden_size=4, epochs=3, ensemble=2, patience=2, seed=0),
        _series,
        lambda m: m.predict(),
        lambda: (_series()[0][-3:],),
        ((np.zeros((3, 4, 5)),), r"series must be a non-empty \(T,\) or \(T, K\) array; got \(3"),
    ),
    Case(
        TextClassifier,
        dict(embedding_dim=4, hidden_size=4, epochs=2, patience=2, seed=0),
        _texts,
        lambda m: m.predict_proba(_texts()[0]),
        _texts,
        (("one text", ["a"]), "texts must be a list of strings, not one string"),
    ),
    Case(
        SequenceTagger,
        dict(word_dim=4, char_dim=3, char_hidden_size=3, hidden_size=4, epochs=2, seed=0),
        _tagged,
        lambda m: m.predict(_tagged()[0]),
        _tagged,
        ((["a", "b"], [["X"], ["Y"]]), r"sentences\[0\] must be a list of words, not a string"),
    ),
    Case(
        CharLanguageModel,
        dict(
            embedding_dim=4, hidden_size=8, num_layers=1, epochs=2, seq_len=8, batch_size=2, seed=0
        ),
        lambda: ("hello world, hello there. " * 8,),
        lambda m: m.score("hello world"),
        lambda: ("hello world",),
        ((123,), "text must be a str; got int"),
    ),
    Case(
        Seq2Seq,
        dict(embedding_size=4, hidden_size=8, epochs=2, batch_size=4, seed=0),
        _pairs,
        lambda m: m.predict(_pairs()[0]),
        _pairs,
        ((["ab"], ["ba", "x"]), "sources and targets must be lists of equal length"),
    ),
]
