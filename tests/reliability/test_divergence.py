"""Divergence is detected where it happens (issue 23 item 4).

Each task model, given an absurd learning rate, either recovers to finite, sensible output or
stops with a NonFiniteError naming the learning rate: never garbage (before: forecasts of
1e-39 or inf, or "x contains NaN or infinite values", which blamed the data). At the Trainer
level: an overflow reaching a layer's input is a skipped step, an exploding update is undone,
and ordinary training is bit for bit what it was without the checks.

Only the tests of the rule itself import `lstmkit.training.divergence` (which the fix added), so
that the others run against the code before the fix, and fail there.
"""

import math
import re

import numpy as np
import pytest

from lstmkit import Module
from lstmkit.data import SequenceData
from lstmkit.losses import mse
from lstmkit.models import CharLanguageModel, Forecaster
from lstmkit.nn import Linear
from lstmkit.training import NonFiniteError, StepResult, Trainer
from tests.models.estimator_cases import CASES

# ---- every task model with an absurd learning rate ------------------------------------------


@pytest.mark.parametrize("lr", [1e3, 1e30])
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.cls.__name__)
def test_an_absurd_learning_rate_stops_with_an_error_naming_it(case, lr):
    model = case.build(lr=lr, verbose=0)
    with pytest.raises(NonFiniteError) as caught:
        model.fit(*case.fit_args())
    message = str(caught.value)
    assert f"lr={lr:.3g}" in message and message.endswith("Lower lr"), message
    assert "training diverged and could not recover" in message
    assert "exploding update" in message


def _diverged_then_recovered(fit) -> list[str]:
    """Run `fit`, return the Trainer's divergence warnings (there must be some)."""
    with pytest.warns(RuntimeWarning) as caught:
        fit()
    messages = [str(w.message) for w in caught if "learning rate halved" in str(w.message)]
    assert messages, "expected diverged steps before recovery"
    return messages


def _case(cls):
    (case,) = [case for case in CASES if case.cls is cls]
    return case


def test_a_forecaster_recovers_from_a_high_learning_rate_to_sensible_forecasts():
    case = _case(Forecaster)
    model = case.build(lr=3.0, verbose=1)
    messages = _diverged_then_recovered(lambda: model.fit(*case.fit_args()))
    assert all("exploding update" in m for m in messages)
    (series,) = case.fit_args()
    forecast = np.asarray(case.output(model))
    span = series.max() - series.min()  # near the series, not 1e-39 or inf
    assert np.all(np.abs(forecast - series[-6:].mean()) < span), forecast


def test_a_language_model_recovers_from_a_high_learning_rate_to_a_sensible_score():
    case = _case(CharLanguageModel)
    model = case.build(lr=10.0, verbose=1)
    _diverged_then_recovered(lambda: model.fit(*case.fit_args()))
    score = case.output(model)  # mean log-likelihood per character
    (text,) = case.fit_args()
    assert math.isfinite(score)
    assert score > -math.log(len(set(text))), "no better than guessing uniformly"


# ---- the Trainer with a toy model -----------------------------------------------------------


class TwoLayers(Module):
    """Linear -> (times `gain`) -> Linear: `gain` lets a test overflow the second layer's input."""

    def __init__(self, seed=0):
        super().__init__()
        self.seed = seed
        self.first = Linear(2, 4, seed=seed)
        self.second = Linear(4, 1, seed=seed + 1)
        self.gain = 1.0

    def forward(self, x):
        with np.errstate(over="ignore"):  # the overflow is the point; the layer's check sees it
            hidden = self.first(x) * self.gain
        return self.second(hidden)

    def backward(self, dy):
        self.first.backward(self.second.backward(dy) * self.gain)


def _data(count=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((count, 1, 2))
    return SequenceData(list(x), targets=x[:, 0, :1] - x[:, 0, 1:])


def _step(model, before_call=None):
    """A regression step; `before_call(n)` runs before the n-th training call (from 1)."""
    calls = []

    def step(batch, training):
        if training:
            calls.append(None)
            if before_call is not None:
                before_call(len(calls))
        y = model.forward(batch.x[:, 0, :])
        loss, dy = mse(y, batch.y)
        return StepResult(float(loss), len(batch.y), backward=lambda: model.backward(dy))

    return step


def _weights(model) -> dict:
    return {name: value.copy() for name, value in model.params.items()}


def test_an_overflow_reaching_a_layer_input_is_a_skipped_step():
    model = TwoLayers()
    seen = {}

    def before_call(n):
        model.gain = 1e39 if n == 3 else 1.0  # float32 overflow on the third step only
        seen[n] = _weights(model)

    trainer = Trainer(optimizer="sgd", lr=0.1, epochs=1, batch_size=8, seed=0, verbose=1)
    with pytest.warns(RuntimeWarning) as caught:
        history = trainer.fit(model, _step(model, before_call), _data())
    (warning,) = [str(w.message) for w in caught if "update skipped" in str(w.message)]
    assert warning.startswith("NaN or infinite values inside the network (x contains NaN")
    assert "update skipped, weights kept at their last good values" in warning
    assert "learning rate halved to 0.05" in warning and "data" not in warning
    assert history["lr"] == [0.05]
    for name, value in seen[3].items():  # the bad step changed nothing
        np.testing.assert_array_equal(seen[4][name], value, err_msg=name)
    assert any(not np.array_equal(model.params[k], v) for k, v in seen[4].items())


def test_an_overflow_on_the_untouched_weights_is_raised_as_the_layers_error():
    """Before any update no learning rate is to blame: the layer's own error comes out."""
    model = TwoLayers()
    model.gain = 1e39
    trainer = Trainer(optimizer="sgd", lr=0.1, epochs=1, batch_size=8, seed=0, verbose=0)
    with pytest.raises(ValueError, match=r"^x contains NaN or infinite values"):
        trainer.fit(model, _step(model), _data())


def test_an_overflow_with_on_nonfinite_raise_names_the_learning_rate():
    model = TwoLayers()

    def before_call(n):
        model.gain = 1e39 if n == 2 else 1.0

    trainer = Trainer(optimizer="sgd", lr=0.1, epochs=1, batch_size=8, seed=0, verbose=0)
    trainer.on_nonfinite = "raise"
    with pytest.raises(NonFiniteError, match=r"inside the network .* \(training started with "):
        trainer.fit(model, _step(model, before_call), _data())


def test_an_exploding_update_is_undone_and_the_learning_rate_halved():
    model = TwoLayers()
    seen = {}

    def before_call(n):
        seen[n] = _weights(model)

    def step(batch, training):
        result = inner(batch, training)
        if training and len(seen) == 2:  # a finite but enormous gradient on the second step
            backward = result.backward

            def enormous():
                backward()
                for grad in model.grads.values():
                    grad *= 1e6

            result.backward = enormous
        return result

    inner = _step(model, before_call)
    trainer = Trainer(
        optimizer="sgd", lr=0.1, epochs=1, batch_size=8, clip_norm=None, seed=0, verbose=1
    )
    with pytest.warns(RuntimeWarning, match=r"^an exploding update \(norm .* on weights of norm"):
        history = trainer.fit(model, step, _data())
    assert history["lr"] == [0.05]
    for name, value in seen[2].items():
        np.testing.assert_array_equal(seen[3][name], value, err_msg=name)


def test_the_exploding_rule():
    from lstmkit.training.divergence import exploded_update

    weights = {"w": np.ones(4, np.float32)}  # norm 2
    before = {"w": weights["w"].copy()}
    assert exploded_update({"w": weights["w"] + 1.9 / 2}, before) is None  # change 1.9 < 2
    assert "exploding update" in exploded_update({"w": weights["w"] + 2.1 / 2}, before)
    small = {"w": np.full(4, 1e-3, np.float32)}  # norm below 1: a change up to 1 is ordinary
    assert exploded_update({"w": small["w"] + 0.45}, small) is None
    assert "exploding update" in exploded_update({"w": small["w"] + 0.55}, small)
    inf = {"w": np.array([1, np.inf, 1, 1], np.float32)}
    assert "made weight 'w' NaN or infinite" in exploded_update(inf, before)


def test_a_run_in_which_every_step_diverged_is_refused():
    model = TwoLayers()
    trainer = Trainer(optimizer="sgd", lr=1e3, epochs=1, batch_size=32, seed=0, verbose=0)

    def step(batch, training):
        result = _step(model)(batch, training)
        return StepResult(math.nan, result.count) if training else result

    with pytest.raises(NonFiniteError) as caught:
        trainer.fit(model, step, _data())
    assert re.search(
        r"all 2 of its steps diverged \(the last: non-finite loss nan", str(caught.value)
    )
    assert "lr=1e+03 and was halved to 250. Lower lr" in str(caught.value)


def test_too_many_diverged_steps_in_a_row_stop_training():
    model = TwoLayers()
    trainer = Trainer(
        optimizer="sgd", lr=0.1, epochs=1, batch_size=4, seed=0, verbose=0, max_nonfinite=3
    )

    def before_call(n):
        model.gain = 1e39 if n >= 2 else 1.0

    with pytest.raises(NonFiniteError, match=r"4 steps in a row diverged .* lr=0\.1 and was"):
        trainer.fit(model, _step(model, before_call), _data())


def test_an_overflow_on_validation_is_an_infinite_validation_loss():
    model = TwoLayers()

    def step(batch, training):
        model.gain = 1.0 if training else 1e39
        return inner(batch, training)

    inner = _step(model)
    trainer = Trainer(optimizer="sgd", lr=0.1, epochs=2, batch_size=8, seed=0, verbose=0)
    history = trainer.fit(model, step, _data(), _data(16, 1))
    assert history["val_loss"] == [math.inf, math.inf]
    assert all(math.isfinite(v) for v in history["loss"])


# ---- ordinary training is untouched ---------------------------------------------------------


@pytest.mark.parametrize("lr", [None, 0.1])
@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c.cls in (Forecaster, CharLanguageModel)],
    ids=lambda case: case.cls.__name__,
)
def test_ordinary_training_is_bit_for_bit_what_it_was_without_the_check(case, lr, monkeypatch):
    changes = {} if lr is None else {"lr": lr}

    def output():
        model = case.build(verbose=0, **changes)
        model.fit(*case.fit_args())
        return np.asarray(case.output(model), dtype=float)

    checked = output()
    monkeypatch.setattr(
        "lstmkit.training.run.exploded_update", lambda params, before: None, raising=True
    )
    np.testing.assert_array_equal(checked, output())
