"""Hyperparameter declarations: each estimator states once what every argument may be.

An estimator lists its hyperparameters in a class attribute,

    hyperparameters = declare(
        *ENCODER, *TRAINING,                    # names declared once in SHARED (below)
        head=Choice("max", "mean", "last"),     # and the estimator's own
        ensemble=Integer(low=1),
    )

with exactly the names its `__init__` takes (a test holds every estimator to that).
`Estimator.fit` checks them all before it touches the data, so a bad value is reported the
same way by every estimator, naming the estimator, the argument, what it may be and what
came:

    ValueError: SequenceClassifier: hidden_size must be a positive integer; got 0

`__init__` stays a plain store of its arguments (scikit-learn's contract: `set_params` and
`clone` must not be able to skip a check that only `__init__` ran).
"""

import numbers
from dataclasses import dataclass

import numpy as np

from lstmkit.parallel import check_n_jobs
from lstmkit.random import check_seed
from lstmkit.recurrent.regularisers import REGULARISERS as LAYER_PROBABILITIES


class Hyperparameter:
    """What one hyperparameter may be: `check(value)` returns None or what it expected."""

    none_ok: bool = False

    def expected(self) -> str:
        raise NotImplementedError

    def accepts(self, value) -> bool:
        raise NotImplementedError

    def problem(self, value):
        """None when `value` is acceptable, else the description of what was expected."""
        if value is None and self.none_ok:
            return None
        if self.accepts(value):
            return None
        return self.expected() + (" or None" if self.none_ok else "")


def _is_integer(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


@dataclass(frozen=True)
class Integer(Hyperparameter):
    """An integer in [low, high] (either bound may be None: unbounded)."""

    low: int | None = None
    high: int | None = None
    none_ok: bool = False

    def expected(self) -> str:
        if self.high is None and self.low in (0, 1):
            return "a positive integer" if self.low == 1 else "a non-negative integer"
        return "an integer" + _bounds(self.low, self.high, False, False)

    def accepts(self, value) -> bool:
        return _is_integer(value) and _within(value, self.low, self.high, False, False)


@dataclass(frozen=True)
class Real(Hyperparameter):
    """A real number between low and high, each bound closed unless `*_open`."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    none_ok: bool = False

    def expected(self) -> str:
        return "a number" + _bounds(self.low, self.high, self.low_open, self.high_open)

    def accepts(self, value) -> bool:
        return (
            _is_real(value)
            and bool(np.isfinite(value))
            and _within(value, self.low, self.high, self.low_open, self.high_open)
        )


class Choice(Hyperparameter):
    """One of a fixed set of values (strings, True/False, None)."""

    def __init__(self, *values):
        self.values = values  # None among them is accepted like any other value

    def expected(self) -> str:
        shown = [repr(v) for v in self.values]
        if len(shown) <= 2:
            return " or ".join(shown)
        return "one of " + ", ".join(shown[:-1]) + " or " + shown[-1]

    def accepts(self, value) -> bool:
        # `is` for True/False/None so that 1 is not taken for True
        return any(
            value is v or (isinstance(v, str) and isinstance(value, str) and value == v)
            for v in self.values
        )


@dataclass(frozen=True)
class Flag(Hyperparameter):
    """True or False (NumPy booleans too)."""

    none_ok: bool = False

    def expected(self) -> str:
        return "True or False"

    def accepts(self, value) -> bool:
        return isinstance(value, bool | np.bool_)


@dataclass(frozen=True)
class Seed(Hyperparameter):
    """None (fresh entropy), an integer >= 0, a `np.random.Generator` or `SeedSequence`."""

    none_ok: bool = True

    def expected(self) -> str:
        return "an integer >= 0, a numpy Generator or SeedSequence"

    def accepts(self, value) -> bool:
        try:
            check_seed(value)  # the one definition of a seed (lstmkit.random)
        except (TypeError, ValueError):
            return False
        return True


@dataclass(frozen=True)
class Jobs(Hyperparameter):
    """n_jobs, as in scikit-learn: None or 1 (one process), k workers, -1 every core, -2 all
    but one (`lstmkit.parallel`)."""

    none_ok: bool = True

    def expected(self) -> str:
        return "a nonzero integer (-1: every core, -2: all but one)"

    def accepts(self, value) -> bool:
        try:
            check_n_jobs(value)  # the one definition of n_jobs (lstmkit.parallel)
        except ValueError:
            return False
        return True


@dataclass(frozen=True)
class Text(Hyperparameter):
    """A string (e.g. a file path)."""

    none_ok: bool = False

    def expected(self) -> str:
        return "a string"

    def accepts(self, value) -> bool:
        return isinstance(value, str)


class OneOf(Hyperparameter):
    """Any value one of `alternatives` accepts (e.g. "auto" or a positive integer)."""

    def __init__(self, *alternatives: Hyperparameter):
        self.alternatives = alternatives

    def expected(self) -> str:
        return " or ".join(a.expected() for a in self.alternatives)

    def accepts(self, value) -> bool:
        return any(a.accepts(value) for a in self.alternatives)


def check_hyperparameters(estimator) -> None:
    """Raise ValueError for the first hyperparameter of `estimator` outside its declaration."""
    owner = type(estimator).__name__
    for name, declaration in type(estimator).hyperparameters.items():
        value = getattr(estimator, name)
        expected = declaration.problem(value)
        if expected is not None:
            raise ValueError(f"{owner}: {name} must be {expected}; got {value!r}")


def _within(value, low, high, low_open: bool, high_open: bool) -> bool:
    if low is not None and (value <= low if low_open else value < low):
        return False
    return not (high is not None and (value >= high if high_open else value > high))


def _bounds(low, high, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low}"
    if high is not None:
        return f" {'<' if high_open else '<='} {high}"
    return ""


_PROBABILITY = Real(low=0, high=1, high_open=True)  # a regulariser's: 1 would drop everything

# Arguments several estimators take, declared once so that each name means the same thing in
# every estimator (an estimator with other needs declares its own, e.g. Seq2Seq's cell).
SHARED = {
    "cell": Choice("lstm", "gru", "rnn"),
    "hidden_size": Integer(low=1),
    "num_layers": Integer(low=1),
    "bidirectional": Flag(),
    "dropout": Real(low=0, high=1, high_open=True),
    "lr": Real(low=0, low_open=True),
    "epochs": Integer(low=1),
    "batch_size": Integer(low=1),
    "weight_decay": Real(low=0),
    "clip_norm": Real(low=0, low_open=True, none_ok=True),
    "patience": Integer(low=1, none_ok=True),
    "validation_fraction": Real(low=0, high=1, high_open=True),
    "seed": Seed(),
    # how many processes train independent networks (ensemble members) at once
    "n_jobs": Jobs(),
    # None: this process trains alone; "mpi": data-parallel over the ranks of an MPI job
    # (lstmkit.training.ranks, docs/scaling.md)
    "distributed": Choice(None, "mpi"),
    "verbose": Integer(low=0),
    # the regularisers of the recurrent layer (issue 21; docs/lstm.md section 3a), each named
    # as on `lstmkit.LSTM` and off by default
    "layer_norm": Flag(),
    **dict.fromkeys(LAYER_PROBABILITIES, _PROBABILITY),  # dropout_input ... zoneout_hidden
}


# the shared names most estimators take together
ENCODER = ("cell", "hidden_size", "num_layers", "bidirectional", "dropout")
TRAINING = (
    "lr",
    "epochs",
    "batch_size",
    "clip_norm",
    "patience",
    "validation_fraction",
    "seed",
    "verbose",
)

# the options of the recurrent layer that the task models pass on to it unchanged
REGULARISERS = ("layer_norm", *LAYER_PROBABILITIES)


def regularisers(estimator) -> dict:
    """{name: value} of the REGULARISERS that `estimator` turns on, as plain JSON values, for
    its recurrent layer's keyword arguments; {} when all are off (the plain layer)."""
    chosen = {}
    for name in REGULARISERS:
        value = getattr(estimator, name)
        if value:
            chosen[name] = True if name == "layer_norm" else float(value)
    return chosen


def declare(*shared: str, **specific: Hyperparameter) -> dict:
    """An estimator's declarations: the named `SHARED` ones plus its own."""
    return {**{name: SHARED[name] for name in shared}, **specific}
