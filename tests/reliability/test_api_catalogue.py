"""A catalogue of bad inputs to the Python API (issue 23): every one is refused by a `raise`
in lstmkit with the expected exception type and a message naming the argument and what came.

Each entry is one parametrized case: `call` gets the estimators of
`tests.models.estimator_cases`, fitted once for the module on the cases' tiny data, and must
raise `error` with a message matching `match` (searched; most are anchored with ^ and $).
The contract tests already walk every declared hyperparameter's generic bad values and one
bad `fit` input per estimator; this catalogue holds the inputs users meet: strings for numbers
or flags, dicts, None, ragged lists, NaN, empty or overflowing data, wrong lengths in `score`,
wrong feature counts after `fit`, bad prediction options, use before `fit`, and the layers'
own checks.
"""

import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import lstmkit
from lstmkit import models, nn
from lstmkit.data.text_batches import pad_ids
from lstmkit.models.backtest import cross_validation
from tests.models.estimator_cases import CASES

PACKAGE = Path(lstmkit.__file__).resolve().parent  # where every raise must be

# the cases' own data, tiny and fast; one epoch is enough to be fitted
CASE = {case.cls: case for case in CASES}
FAST = {
    models.SequenceClassifier: dict(epochs=1, ensemble=1),
    models.Forecaster: dict(epochs=1, ensemble=1),
    models.TextClassifier: dict(epochs=1),
    models.SequenceTagger: dict(epochs=1),
    models.CharLanguageModel: dict(epochs=1),
    models.Seq2Seq: dict(epochs=1),
}


def build(cls, **changes):
    """An unfitted estimator of the case's tiny shape."""
    return CASE[cls].build(**{**FAST[cls], **changes})


def data(cls):
    """The positional arguments of the case's `fit`."""
    return CASE[cls].fit_args()


@dataclass(frozen=True)
class Bad:
    id: str
    call: Callable  # fitted {class: estimator} -> must raise
    error: type
    match: str


X, Y = data(models.SequenceClassifier)
SERIES = data(models.Forecaster)[0]
TEXTS, LABELS = data(models.TextClassifier)
SENTENCES, TAGS = data(models.SequenceTagger)
SOURCES, TARGETS = data(models.Seq2Seq)
TEXT = data(models.CharLanguageModel)[0]


def fit_classifier(X_, y_=None, **changes):
    return lambda f: build(models.SequenceClassifier, **changes).fit(
        X_, Y[: len(X_)] if y_ is None else y_
    )


def fit_forecaster(series, **changes):
    return lambda f: build(models.Forecaster, **changes).fit(series)


def fit_text(texts, labels=None, **changes):
    return lambda f: build(models.TextClassifier, **changes).fit(
        texts, LABELS if labels is None else labels
    )


def hyperparameter(cls, name, value):
    """`cls(name=value).fit(...)` is refused at fit, naming the estimator, the argument and
    the value."""
    return Bad(
        f"{cls.__name__}-{name}={value!r}",
        lambda f: build(cls, **{name: value}).fit(*data(cls)),
        ValueError,
        rf"^{cls.__name__}: {name} must be .*; got {re.escape(repr(value))}",
    )


def spoiled(values, where, value=np.nan):
    """A float copy of `values` holding `value` (NaN by default) at `where`."""
    values = np.array(values, dtype=float)
    values[where] = value
    return values


ESTIMATOR_CASES = [
    # ---- hyperparameters (item 13's reinterpretations, item 22's combinations, seeds) -------
    hyperparameter(models.Forecaster, "log", "false"),
    hyperparameter(models.Forecaster, "lookback", 0),
    hyperparameter(models.Forecaster, "period", 0),
    hyperparameter(models.Forecaster, "lookback", 2.7),
    hyperparameter(models.Forecaster, "horizon", "3"),
    hyperparameter(models.SequenceClassifier, "seed", "abc"),
    hyperparameter(models.SequenceClassifier, "hidden_size", 0),
    hyperparameter(models.SequenceClassifier, "dropout", 1.5),
    hyperparameter(models.SequenceClassifier, "bidirectional", "false"),
    hyperparameter(models.TextClassifier, "lr", -1.0),
    hyperparameter(models.TextClassifier, "epochs", 0),
    hyperparameter(models.SequenceTagger, "hidden_size", 2.5),
    hyperparameter(models.CharLanguageModel, "seq_len", 0),
    # the recurrent layer's regularisers (issue 21), declared once for the three task models
    hyperparameter(models.TextClassifier, "weight_drop", 1.0),
    hyperparameter(models.SequenceTagger, "layer_norm", "yes"),
    hyperparameter(models.CharLanguageModel, "zoneout_cell", -0.1),
    hyperparameter(models.CharLanguageModel, "dropout_state", float("nan")),
    Bad(
        "TextClassifier-rnn-with-dropout_state",
        fit_text(TEXTS, cell="rnn", dropout_state=0.2),
        ValueError,
        r"^TextClassifier: \['dropout_state'\] need cell='lstm' or 'gru'",
    ),
    hyperparameter(models.Seq2Seq, "batch_size", None),
    # n_jobs (issue 18), declared once: None or a nonzero integer, as in scikit-learn
    hyperparameter(models.SequenceClassifier, "n_jobs", 0),
    hyperparameter(models.Forecaster, "n_jobs", 1.5),
    Bad(
        "cross_validation-n_jobs=0",
        lambda f: cross_validation(build(models.Forecaster), SERIES, 3, n_jobs=0),
        ValueError,
        r"^n_jobs must be a nonzero integer \(-1: every core, -2: all but one\) or None; got 0$",
    ),
    Bad(
        "SequenceClassifier-head=last-with-bidirectional",
        fit_classifier(X, head="last", bidirectional=True),
        ValueError,
        r"head='last' needs bidirectional=False",
    ),
    # ---- SequenceClassifier: X ------------------------------------------------------------
    Bad(
        "SequenceClassifier-X-a-string",
        fit_classifier("abc"),
        TypeError,
        r"X must be .*; got a string 'abc'",
    ),
    Bad("SequenceClassifier-X-None", fit_classifier(None, Y), TypeError, r"X must be .*; got None"),
    Bad(
        "SequenceClassifier-X-dict",
        fit_classifier({"a": 1}, Y),
        TypeError,
        r"X must be .*; got a dict",
    ),
    Bad(
        "SequenceClassifier-X-string-in-list",
        fit_classifier([[1.0, 2.0], [3.0, "a"]]),
        ValueError,
        r"^X\[1\]\[1\] holds a string 'a'; expected numbers$",
    ),
    Bad(
        "SequenceClassifier-X-string-array",
        fit_classifier(np.array([["1", "2"], ["3", "x"]])),
        ValueError,
        r"^X\[1\]\[1\] holds a string 'x'; expected numbers$",
    ),
    Bad(
        "SequenceClassifier-X-dict-entry",
        fit_classifier(np.array([[1.0, {"k": 1}], [2.0, 3.0]], dtype=object)),
        TypeError,
        r"^X\[0\]\[1\] holds a dict \{'k': 1\}; expected numbers",
    ),
    Bad(
        "SequenceClassifier-X-ragged-sequence",
        fit_classifier([[[1.0, 2.0], [3.0]], [[1.0, 2.0]]]),
        ValueError,
        r"^X\[0\] is ragged: X\[0\]\[1\] has 1 entry where X\[0\]\[0\] has 2",
    ),
    Bad(
        "SequenceClassifier-X-complex",
        fit_classifier(X + 1j),
        ValueError,
        r"Complex data not supported: X must hold real numbers; got dtype complex128",
    ),
    Bad(
        "SequenceClassifier-X-4d",
        fit_classifier(np.zeros((12, 2, 2, 2))),
        ValueError,
        r"X must be a list of sequences, .*; got shape \(12, 2, 2, 2\)",
    ),
    Bad(
        "SequenceClassifier-X-zero-steps",
        fit_classifier(np.zeros((12, 0, 2))),
        ValueError,
        r"X has 0 time steps \(shape \(12, 0, 2\)\)",
    ),
    Bad(
        "SequenceClassifier-X-empty-list",
        fit_classifier([], []),
        ValueError,
        r"X must hold at least one sequence; got none",
    ),
    Bad(
        "SequenceClassifier-X-inf",
        fit_classifier(spoiled(X, (3, 1, 0), np.inf)),
        ValueError,
        r"X\[3\] contains infinite values",
    ),
    Bad(
        "SequenceClassifier-X-all-NaN",
        fit_classifier(np.full((12, 6, 2), np.nan)),
        ValueError,
        r"^X holds no finite value: every value is NaN",
    ),
    Bad(
        "SequenceClassifier-X-channel-all-NaN",
        fit_classifier(spoiled(X, (slice(None), slice(None), 1))),
        ValueError,
        r"^X holds no finite value in channel 1",
    ),
    Bad(
        "SequenceClassifier-X-1e300",
        fit_classifier(X * 1e300),
        ValueError,
        r"^X holds values too large to scale: the standard deviation of its values per "
        r"channel overflows float64",
    ),
    Bad(
        "SequenceClassifier-lengths-too-long",
        lambda f: build(models.SequenceClassifier).fit(X, Y, lengths=np.full(12, 9)),
        ValueError,
        r"lengths must be \(12,\) integers in 1..6",
    ),
    Bad(
        "SequenceClassifier-lengths-with-a-list",
        lambda f: build(models.SequenceClassifier).fit(list(X), Y, lengths=np.full(12, 6)),
        ValueError,
        r"lengths goes with a padded array X",
    ),
    Bad(
        "SequenceClassifier-layout",
        fit_classifier(X, layout="TNC"),
        ValueError,
        r"layout must be 'NTC' or 'NCT'; got 'TNC'",
    ),
    # ---- SequenceClassifier: y --------------------------------------------------------------
    Bad(
        "SequenceClassifier-y-None",
        lambda f: build(models.SequenceClassifier).fit(X, None),
        ValueError,
        r"requires y to be passed",
    ),
    Bad(
        "SequenceClassifier-y-wrong-length",
        lambda f: build(models.SequenceClassifier).fit(X, Y[:5]),
        ValueError,
        r"y must hold one label per sequence \(12\); got 5",
    ),
    Bad(
        "SequenceClassifier-y-NaN-label",
        fit_classifier(X, spoiled(np.arange(12) % 2, 4)),
        ValueError,
        r"y\[4\] is np.float64\(nan\): every sequence needs a label",
    ),
    Bad(
        "SequenceClassifier-y-continuous",
        fit_classifier(X, np.linspace(0, 1, 12)),
        ValueError,
        r"Unknown label type: continuous",
    ),
    Bad(
        "SequenceClassifier-y-one-class",
        fit_classifier(X, ["a"] * 12),
        ValueError,
        r"at least two classes; got 1 class",
    ),
    Bad(
        "SequenceClassifier-y-mixed-types",
        fit_classifier(X, np.array(["a", 1] * 6, dtype=object)),
        ValueError,
        r"y must hold labels of one type; got int, str",
    ),
    # ---- SequenceClassifier after fit ---------------------------------------------------------
    Bad(
        "SequenceClassifier-predict-wrong-channels",
        lambda f: f[models.SequenceClassifier].predict(np.zeros((2, 6, 3))),
        ValueError,
        r"X\[0\] must have shape \(T, 2\) .*; got \(6, 3\)",
    ),
    Bad(
        "SequenceClassifier-predict-string",
        lambda f: f[models.SequenceClassifier].predict([[[1.0, "b"]]]),
        ValueError,
        r"^X\[0\]\[0\]\[1\] holds a string 'b'; expected numbers$",
    ),
    Bad(
        "SequenceClassifier-predict-dict",
        lambda f: f[models.SequenceClassifier].predict({"x": X}),
        TypeError,
        r"X must be an array of numbers; got a dict",
    ),
    Bad(
        "SequenceClassifier-score-y-wrong-length",
        lambda f: f[models.SequenceClassifier].score(X, Y[:2]),
        ValueError,
        r"^y must hold one label per sequence \(12\); got 2$",
    ),
    Bad(
        "SequenceClassifier-score-y-a-string",
        lambda f: f[models.SequenceClassifier].score(X, "up"),
        ValueError,
        r"y must hold one label per sequence \(12\); got a string 'up'",
    ),
    # ---- Forecaster ---------------------------------------------------------------------------
    Bad(
        "Forecaster-series-string",
        fit_forecaster(list(SERIES[:10]) + ["a"] + list(SERIES[11:])),
        ValueError,
        r"^series\[10\] holds a string 'a'; expected numbers$",
    ),
    Bad(
        "Forecaster-series-dict-of-floats",  # issue 17: a dict is a panel {id: series}
        fit_forecaster({1.5: SERIES}),
        TypeError,
        r"series: series ids must be text or integers; got 1.5 \(float\)",
    ),
    Bad(
        "Forecaster-series-empty-dict",
        fit_forecaster({}),
        ValueError,
        r"series is empty: it holds no series to fit",
    ),
    Bad(
        "Forecaster-series-None",
        fit_forecaster(None),
        TypeError,
        r"series must be an array of numbers; got None",
    ),
    Bad(
        "Forecaster-series-ragged-matrix",
        fit_forecaster([[[1.0, 2.0], [3.0]]]),
        ValueError,
        r"^series\[0\] is ragged: series\[0\]\[1\] has 1 entry where series\[0\]\[0\] has 2",
    ),
    # issue 17: a series of one value is forecast (padded), no longer refused
    Bad(
        "Forecaster-series-empty",
        fit_forecaster([]),
        ValueError,
        r"series must be a non-empty \(T,\) or \(T, K\) array; got \(0, 1\)",
    ),
    Bad(
        "Forecaster-series-all-NaN",
        fit_forecaster(np.full(60, np.nan)),
        ValueError,
        r"series must be finite; got nan at row 0, column 0",
    ),
    Bad(
        "Forecaster-series-1e300",
        fit_forecaster(1e300 * np.sin(np.arange(60.0))),
        ValueError,
        r"^series holds values too large to scale: the standard deviation of its one-step "
        r"changes .* overflows float64",
    ),
    Bad(
        "Forecaster-series-channels-differ",
        fit_forecaster([np.zeros((60, 1)), np.zeros((60, 2))]),
        ValueError,
        r"every series of series must have the same number of channels; got \[1, 2\]",
    ),
    Bad(
        "Forecaster-log-true-with-negative-values",
        fit_forecaster(SERIES - 20, log=True),
        ValueError,
        r"log=True needs every value of series to be positive",
    ),
    Bad(
        "Forecaster-covariates-wrong-rows",
        lambda f: build(models.Forecaster).fit(SERIES, covariates=np.zeros((10, 1))),
        ValueError,
        r"covariates must have 60 rows \(one per row of series 0\); got 10",
    ),
    Bad(
        "Forecaster-predict-horizon-too-long",
        lambda f: f[models.Forecaster].predict(horizon=9),
        ValueError,
        r"horizon must lie in 1..3 \(the fitted horizon\); got 9",
    ),
    Bad(
        "Forecaster-predict-level-1",
        lambda f: f[models.Forecaster].predict(level=1.0),
        ValueError,
        r"level must be .*; got 1.0",
    ),
    Bad(
        "Forecaster-predict-future-covariates-unfitted",
        lambda f: f[models.Forecaster].predict(future_covariates=np.zeros((3, 1))),
        ValueError,
        r"future_covariates given, but the model was fitted without covariates",
    ),
    Bad(
        "Forecaster-score-y-too-long",
        lambda f: f[models.Forecaster].score(np.ones(5)),
        ValueError,
        r"^y must cover at most the fitted horizon \(3 steps\) after each series; got 5 steps$",
    ),
    Bad(
        "Forecaster-score-y-string",
        lambda f: f[models.Forecaster].score(["1.0", "b"]),
        ValueError,
        r"^y\[1\] holds a string 'b'; expected numbers$",
    ),
    Bad(
        "Forecaster-score-y-two-series",
        lambda f: f[models.Forecaster].score([np.ones(3), np.ones(3)]),
        ValueError,
        r"y must be shaped as the series given to fit \(vector, 1 series\); got vectors with 2",
    ),
    Bad(
        "Forecaster-score-metric",
        lambda f: f[models.Forecaster].score(np.ones(3), metric="r2"),
        ValueError,
        r"metric must be one of .*; got 'r2'",
    ),
    # ---- TextClassifier ---------------------------------------------------------------------
    Bad(
        "TextClassifier-texts-None",
        fit_text(None),
        TypeError,
        r"^texts must be a list of strings; got None$",
    ),
    Bad(
        "TextClassifier-texts-dict",
        fit_text({"a": 1}),
        TypeError,
        r"^texts must be a list of strings; got a dict",
    ),
    Bad(
        "TextClassifier-texts-a-number",
        fit_text(["good", 3.5] * 6),
        ValueError,
        r"texts\[1\] must be a str; got float",
    ),
    Bad(
        "TextClassifier-texts-empty-list",
        fit_text([], []),
        ValueError,
        r"texts must hold at least one text; got none",
    ),
    Bad(
        "TextClassifier-texts-all-empty",
        fit_text([""] * 20, ["pos", "neg"] * 10),
        ValueError,
        r"^texts must hold at least one word; every one of the 20 texts is empty$",
    ),
    Bad(
        "TextClassifier-labels-wrong-length",
        fit_text(TEXTS, LABELS[:3]),
        ValueError,
        r"labels must hold one label per text \(12\); got 3",
    ),
    Bad(
        "TextClassifier-predict-a-number",
        lambda f: f[models.TextClassifier].predict(5),
        TypeError,
        r"^texts must be a list of strings; got an int 5$",
    ),
    Bad(
        "TextClassifier-score-labels-wrong-length",
        lambda f: f[models.TextClassifier].score(TEXTS, ["pos"]),
        ValueError,
        r"^labels must hold one label per text \(12\); got 1$",
    ),
    Bad(
        "TextClassifier-pooling-last-with-bidirectional",
        fit_text(TEXTS, pooling="last", bidirectional=True),
        ValueError,
        r"pooling='last'",
    ),
    # ---- SequenceTagger ---------------------------------------------------------------------
    Bad(
        "SequenceTagger-sentences-dict",
        lambda f: build(models.SequenceTagger).fit({"the": 1}, TAGS),
        TypeError,
        r"^sentences must be a non-empty list of lists of words; got a dict",
    ),
    Bad(
        "SequenceTagger-word-a-number",
        lambda f: build(models.SequenceTagger).fit([["the", 7, "sat"]] + SENTENCES[1:], TAGS),
        ValueError,
        r"^sentences\[0\]\[1\] is an int 7; expected a word \(a string\)$",
    ),
    Bad(
        "SequenceTagger-tags-wrong-length",
        lambda f: build(models.SequenceTagger).fit(SENTENCES, TAGS[:3]),
        ValueError,
        r"tags must hold one list of tags per sentence \(8\); got 3",
    ),
    Bad(
        "SequenceTagger-tags-one-short",
        lambda f: build(models.SequenceTagger).fit(SENTENCES, [["D", "N"]] + TAGS[1:]),
        ValueError,
        r"tags\[0\] must have one tag per word \(3\); got 2",
    ),
    Bad(
        "SequenceTagger-predict-empty-sentence",
        lambda f: f[models.SequenceTagger].predict([[]]),
        ValueError,
        r"sentences\[0\] must be a non-empty list of strings; got none",
    ),
    Bad(
        "SequenceTagger-score-tags-wrong-length",
        lambda f: f[models.SequenceTagger].score(SENTENCES, TAGS[:2]),
        ValueError,
        r"^tags must hold one list of tags per sentence \(8\); got 2$",
    ),
    Bad(
        "SequenceTagger-score-tags-ragged",
        lambda f: f[models.SequenceTagger].score(SENTENCES, [["D"]] * 8),
        ValueError,
        r"^tags\[0\] must have one tag per word \(3\); got 1$",
    ),
    # ---- Seq2Seq ------------------------------------------------------------------------------
    Bad(
        "Seq2Seq-sources-None",
        lambda f: build(models.Seq2Seq).fit(None, TARGETS),
        TypeError,
        r"^sources must be a list of strings; got None$",
    ),
    Bad(
        "Seq2Seq-sources-an-int",
        lambda f: build(models.Seq2Seq).fit(5, TARGETS),
        TypeError,
        r"^sources must be a list of strings; got an int 5$",
    ),
    Bad(
        "Seq2Seq-targets-a-string",
        lambda f: build(models.Seq2Seq).fit(SOURCES, "ba"),
        TypeError,
        r"^targets must be a list of strings; got a string 'ba'$",
    ),
    Bad(
        "Seq2Seq-targets-wrong-length",
        lambda f: build(models.Seq2Seq).fit(SOURCES, TARGETS[:3]),
        ValueError,
        r"sources and targets must be lists of equal length; got 12 sources and 3 targets",
    ),
    Bad(
        "Seq2Seq-source-a-number",
        lambda f: build(models.Seq2Seq).fit([1.5] + SOURCES[1:], TARGETS),
        ValueError,
        r"sources\[0\] must be a string; got float",
    ),
    Bad(
        "Seq2Seq-predict-dict",
        lambda f: f[models.Seq2Seq].predict({"ab": "ba"}),
        TypeError,
        r"^sources must be a list of strings; got a dict",
    ),
    Bad(
        "Seq2Seq-predict-empty-source",
        lambda f: f[models.Seq2Seq].predict([""]),
        ValueError,
        r"sources\[0\] is empty",
    ),
    Bad(
        "Seq2Seq-predict-beam-size-0",
        lambda f: f[models.Seq2Seq].predict(SOURCES, beam_size=0),
        ValueError,
        r"beam_size must be a positive integer; got 0",
    ),
    Bad(
        "Seq2Seq-score-targets-wrong-length",
        lambda f: f[models.Seq2Seq].score(SOURCES, TARGETS[:2]),
        ValueError,
        r"^targets must hold one string per source \(12\); got 2$",
    ),
    # ---- CharLanguageModel --------------------------------------------------------------------
    Bad(
        "CharLanguageModel-text-dict",
        lambda f: build(models.CharLanguageModel).fit({"a": 1}),
        ValueError,
        r"text must be a str; got dict",
    ),
    Bad(
        "CharLanguageModel-text-list",
        lambda f: build(models.CharLanguageModel).fit([TEXT]),
        ValueError,
        r"text must be a str; got list",
    ),
    Bad(
        "CharLanguageModel-text-too-short",
        lambda f: build(models.CharLanguageModel).fit("ab"),
        ValueError,
        r"text must hold at least 2 characters per stream",
    ),
    Bad(
        "CharLanguageModel-sample-temperature",
        lambda f: f[models.CharLanguageModel].sample("h", 5, temperature=-1.0),
        ValueError,
        r"temperature must be a finite number >= 0; got -1.0",
    ),
    Bad(
        "CharLanguageModel-sample-length",
        lambda f: f[models.CharLanguageModel].sample("h", length=2.5),
        ValueError,
        r"length must be a non-negative integer; got 2.5",
    ),
    Bad(
        "CharLanguageModel-score-one-char",
        lambda f: f[models.CharLanguageModel].score("h"),
        ValueError,
        r"text must hold at least 2 characters; got 1",
    ),
    Bad(
        "CharLanguageModel-on_epoch-not-callable",
        lambda f: build(models.CharLanguageModel).fit(TEXT, on_epoch=5),
        TypeError,
        r"^on_epoch must be a function \(model, record\) or None; got an int 5$",
    ),
    Bad(
        "CharLanguageModel-evaluate-streams-0",
        lambda f: f[models.CharLanguageModel].evaluate(TEXT, streams=0),
        ValueError,
        r"^streams must be a positive integer; got 0$",
    ),
    Bad(
        "CharLanguageModel-evaluate-warmup-negative",
        lambda f: f[models.CharLanguageModel].evaluate(TEXT, warmup=-1),
        ValueError,
        r"^warmup must be a non-negative integer; got -1$",
    ),
    Bad(
        "CharLanguageModel-evaluate-chunk-0",
        lambda f: f[models.CharLanguageModel].evaluate(TEXT, chunk=0),
        ValueError,
        r"^chunk must be a positive integer; got 0$",
    ),
    Bad(
        "Seq2Seq-predict-length_penalty-string",
        lambda f: f[models.Seq2Seq].predict(SOURCES, length_penalty="x"),
        ValueError,
        r"^length_penalty must be a number >= 0; got 'x'$",
    ),
    Bad(
        "Forecaster-predict-horizon-2.7",
        lambda f: f[models.Forecaster].predict(horizon=2.7),
        ValueError,
        r"^horizon must lie in 1..3 \(the fitted horizon\); got 2.7$",
    ),
    Bad(
        "Forecaster-predict-horizon-string",
        lambda f: f[models.Forecaster].predict(horizon="2"),
        ValueError,
        r"^horizon must lie in 1..3 \(the fitted horizon\); got '2'$",
    ),
    Bad(
        "Forecaster-predict-return_intervals-string",
        lambda f: f[models.Forecaster].predict(return_intervals="no"),
        ValueError,
        r"^return_intervals must be True or False; got 'no'$",
    ),
    Bad(
        "Forecaster-covariates-dict-for-two-series",
        lambda f: build(models.Forecaster).fit([SERIES, SERIES], covariates={"a": 1}),
        TypeError,
        r"^covariates must be one array per series; got a dict",
    ),
    Bad(
        "pad_ids-sequences-None",
        lambda f: pad_ids(None, 0),
        TypeError,
        r"^sequences must be a list of id arrays; got None$",
    ),
    Bad(
        "pad_ids-ragged-sequence",
        lambda f: pad_ids([[1, 2], [[1], [2, 3]]], 0),
        ValueError,
        r"^sequences\[1\] is ragged: sequences\[1\]\[1\] has 2 entries",
    ),
    # ---- use before fit ---------------------------------------------------------------------
    Bad(
        "SequenceClassifier-predict-before-fit",
        lambda f: build(models.SequenceClassifier).predict(X),
        ValueError,
        r"is not fitted yet",
    ),
    Bad(
        "Forecaster-score-before-fit",
        lambda f: build(models.Forecaster).score(SERIES[:3]),
        ValueError,
        r"is not fitted yet",
    ),
    Bad(
        "Seq2Seq-predict-before-fit",
        lambda f: build(models.Seq2Seq).predict(SOURCES),
        ValueError,
        r"is not fitted yet",
    ),
]


def lstm(**changes):
    return lstmkit.LSTM(3, 4, **{"seed": 0, **changes})


def x(*shape, dtype=np.float32):
    return np.ones(shape, dtype=dtype)


def layer_argument(cls, name, value, expected):
    """`cls(input_size=3, hidden_size=4, name=value)` is refused at construction; `expected`
    is the regex of what the message says the argument must be."""
    return Bad(
        f"{cls.__name__}-{name}={value!r}",
        lambda f: cls(**{"input_size": 3, "hidden_size": 4, name: value}),
        ValueError,
        rf"^{name} must be {expected}; got {re.escape(repr(value))}$",
    )


LAYER_CASES = [
    layer_argument(lstmkit.LSTM, "batch_first", "false", "True or False"),
    layer_argument(lstmkit.GRU, "bidirectional", "yes", "True or False"),
    layer_argument(lstmkit.RNN, "bias", 0, "True or False"),
    layer_argument(lstmkit.LSTM, "peepholes", "false", "True or False"),
    layer_argument(lstmkit.LSTM, "input_forget", "no", "True or False"),
    layer_argument(lstmkit.GRU, "linear_before_reset", 1, "True or False"),
    layer_argument(nn.LSTMCell, "bias", "false", "True or False"),
    Bad(
        "Linear-bias='false'",
        lambda f: nn.Linear(3, 4, bias="false"),
        ValueError,
        r"^bias must be True or False; got 'false'$",
    ),
    Bad(
        "LayerNorm-elementwise_affine='no'",
        lambda f: nn.LayerNorm(4, elementwise_affine="no"),
        ValueError,
        r"^elementwise_affine must be True or False; got 'no'$",
    ),
    layer_argument(lstmkit.LSTM, "hidden_size", 0, "a positive integer"),
    layer_argument(lstmkit.LSTM, "input_size", "3", "a positive integer"),
    layer_argument(lstmkit.LSTM, "dropout", 2.0, r"a number in \[0, 1\)"),
    layer_argument(lstmkit.LSTM, "dtype", "int32", "'float32' or 'float64'"),
    layer_argument(lstmkit.RNN, "nonlinearity", "sigmoid", "'tanh' or 'relu'"),
    Bad("LSTM-x-2d", lambda f: lstm()(x(2, 3)), ValueError, r"x must .*; got .*\(2, 3\)"),
    Bad(
        "LSTM-x-wrong-features",
        lambda f: lstm()(x(2, 5, 4)),
        ValueError,
        r"x must .*; got .*\(2, 5, 4\)",
    ),
    Bad(
        "LSTM-x-strings",
        lambda f: lstm()(np.full((2, 5, 3), "a")),
        TypeError,
        r"x must .*; got .*<U1",
    ),
    Bad(
        "LSTM-x-NaN",
        lambda f: lstm()(spoiled(x(2, 5, 3), (1, 2, 0))),
        ValueError,
        r"x contains NaN or infinite values \(first at index \(1, 2, 0\)\)",
    ),
    Bad(
        "LSTM-lengths-too-long",
        lambda f: lstm()(x(2, 5, 3), lengths=[5, 6]),
        ValueError,
        r"lengths must lie in 1..5 .*; got lengths\[1\] = 6",
    ),
    Bad(
        "LSTM-lengths-wrong-count",
        lambda f: lstm()(x(2, 5, 3), lengths=[5]),
        ValueError,
        r"lengths must have shape \(2,\).*; got \(1,\)",
    ),
    Bad(
        "LSTM-lengths-floats",
        lambda f: lstm()(x(2, 5, 3), lengths=[1.5, 2.0]),
        TypeError,
        r"lengths must be integers; got dtype float64",
    ),
    Bad(
        "LSTM-state-wrong-shape",
        lambda f: lstm()(x(2, 5, 3), state=(x(1, 2, 5), x(1, 2, 5))),
        ValueError,
        r"state\[0\] \(h_0\) must have shape \(1, 2, 4\); got \(1, 2, 5\)",
    ),
    Bad(
        "LSTM-backward-before-forward",
        lambda f: lstm().backward(x(2, 5, 4)),
        RuntimeError,
        r"backward .* before forward|forward",
    ),
    Bad(
        "LSTM-backward-wrong-shape",
        lambda f: (lambda layer: (layer(x(2, 5, 3)), layer.backward(x(2, 5, 3))))(lstm()),
        ValueError,
        r"dy must have shape \(2, 5, 4\); got \(2, 5, 3\)",
    ),
    Bad(
        "GRU-x-wrong-features",
        lambda f: lstmkit.GRU(3, 4)(x(2, 5, 2)),
        ValueError,
        r"x must .*; got .*\(2, 5, 2\)",
    ),
    Bad(
        "LSTMCell-x-wrong-features",
        lambda f: nn.LSTMCell(3, 4)(x(2, 5)),
        ValueError,
        r"x must have shape \(N, 3\); got \(2, 5\)",
    ),
    Bad(
        "LSTMCell-state-wrong-shape",
        lambda f: nn.LSTMCell(3, 4)(x(2, 3), (x(2, 4), x(3, 4))),
        ValueError,
        r"state\[1\] \(c\) must have shape \(2, 4\); got \(3, 4\)",
    ),
    Bad(
        "Linear-x-wrong-features",
        lambda f: nn.Linear(3, 2)(x(2, 4)),
        ValueError,
        r"x must .*3.*; got .*\(2, 4\)",
    ),
    Bad(
        "Embedding-ids-out-of-range",
        lambda f: nn.Embedding(5, 2)(np.array([[1, 5]])),
        ValueError,
        r"ids must lie in 0..4 .*; got ids\[\(0, 1\)\] = 5",
    ),
    Bad(
        "Embedding-ids-floats",
        lambda f: nn.Embedding(5, 2)(np.array([[1.5]])),
        TypeError,
        r"ids must hold integers; got dtype float64",
    ),
    Bad(
        "LSTM-x-None",
        lambda f: lstm()(None),
        TypeError,
        r"^x must be an array of shape \(N, T, 3\); got None$",
    ),
    Bad(
        "GRU-x-dict",
        lambda f: lstmkit.GRU(3, 4)({"x": 1}),
        TypeError,
        r"^x must be an array of shape \(N, T, 3\); got a dict",
    ),
    Bad(
        "RNN-x-ragged",
        lambda f: lstmkit.RNN(3, 4)([[[1, 2, 3]], [[1, 2, 3], [4, 5, 6]]]),
        ValueError,
        r"^x is ragged: x\[1\] has 2 entries where x\[0\] has 1$",
    ),
    Bad(
        "Linear-x-dict",
        lambda f: nn.Linear(3, 2)({"x": 1}),
        TypeError,
        r"^x must be an array of real numbers; got a dict",
    ),
    Bad(
        "Embedding-ids-ragged",
        lambda f: nn.Embedding(5, 2)([[1, 2], [3]]),
        ValueError,
        r"^ids is ragged: ids\[1\] has 1 entry where ids\[0\] has 2$",
    ),
    Bad(
        "Embedding-ids-None",
        lambda f: nn.Embedding(5, 2)(None),
        TypeError,
        r"^ids must be an array of integers; got None$",
    ),
]


@pytest.fixture(scope="module")
def fitted():
    """Each estimator of the catalogue fitted once on its case's tiny data."""
    return {cls: build(cls).fit(*data(cls)) for cls in CASE}


@pytest.mark.parametrize("bad", ESTIMATOR_CASES + LAYER_CASES, ids=lambda bad: bad.id)
def test_bad_input_is_refused_with_a_clear_message(bad, fitted):
    with pytest.raises(bad.error, match=bad.match) as caught:
        bad.call(fitted)
    raised_by = Path(traceback.extract_tb(caught.tb)[-1].filename).resolve()
    assert raised_by.is_relative_to(PACKAGE), f"raised outside lstmkit, in {raised_by}"


def test_the_catalogue_holds_at_least_60_cases_with_distinct_names():
    names = [bad.id for bad in ESTIMATOR_CASES + LAYER_CASES]
    assert len(names) >= 60 and len(set(names)) == len(names)
