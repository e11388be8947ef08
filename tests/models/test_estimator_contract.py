"""The estimator contract, checked on every public estimator (`estimator_cases.CASES`).

Declared hyperparameters are exactly `__init__`'s and are checked at the start of `fit`;
input of the wrong shape or type is refused naming the argument; `fit` returns self; using
an estimator before `fit` raises NotFittedError (also scikit-learn's); `clone` gives an
unfitted equal estimator; the same seed gives the same model bit for bit (an int or a
Generator); save/load round trips exactly and sets only the declared fitted state; `score`
works on every estimator.
"""

import inspect
import os

import numpy as np
import pytest

if os.environ.get("LSTMKIT_REQUIRE_REFERENCES") != "1":  # CI must have it: fail there instead
    pytest.importorskip("sklearn", reason="scikit-learn is not installed (pip install '.[dev]')")
from sklearn.base import clone
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.utils.validation import check_is_fitted

import lstmkit.models
from lstmkit.models import Estimator, NotFittedError
from lstmkit.models.hyperparameters import Choice, Flag, Integer, Jobs, OneOf, Real, Seed, Text
from tests.models.estimator_cases import CASES

IDS = [case.cls.__name__ for case in CASES]


def test_every_public_estimator_has_a_case():
    public = {
        getattr(lstmkit.models, name)
        for name in lstmkit.models.__all__
        if inspect.isclass(getattr(lstmkit.models, name))
        and issubclass(getattr(lstmkit.models, name), Estimator)
        and getattr(lstmkit.models, name) is not Estimator
    }
    assert public == {case.cls for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_hyperparameters_are_declared_once_and_defaults_pass(case):
    cls = case.cls
    assert set(cls.hyperparameters) == set(cls._get_param_names())
    assert getattr(cls.fit, "checks_hyperparameters", False)
    cls().check_hyperparameters()  # the defaults satisfy their own declarations
    case.build().check_hyperparameters()


def bad_values(declaration) -> list:
    """Values `declaration` must refuse."""
    if isinstance(declaration, Integer):
        low = declaration.low if declaration.low is not None else 0
        return [low - 1, 2.5, True, "3"]
    if isinstance(declaration, Real):
        low = declaration.low if declaration.low is not None else 0
        below = low if declaration.low_open else low - 1
        return [below, float("nan"), "0.1", True]
    if isinstance(declaration, Choice):
        return ["no-such-option", 3]
    if isinstance(declaration, Flag):
        return ["yes", 1]
    if isinstance(declaration, Seed):
        return [-1, 1.5, "0", True]
    if isinstance(declaration, Text):
        return [3]
    if isinstance(declaration, Jobs):
        return [0, 1.5, "2", True]
    if isinstance(declaration, OneOf):  # what every alternative refuses
        refused = [v for a in declaration.alternatives for v in bad_values(a)]
        return [v for v in refused if not declaration.accepts(v)]
    raise AssertionError(f"no bad values for {declaration!r}")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fit_refuses_every_bad_hyperparameter_before_reading_data(case):
    for name, declaration in case.cls.hyperparameters.items():
        for value in bad_values(declaration):
            model = case.build(**{name: value})
            pattern = rf"^{case.cls.__name__}: {name} must be .*; got "
            with pytest.raises(ValueError, match=pattern):
                # no data at all: the hyperparameters are checked first
                model.fit(*[None] * len(case.fit_args()))
            assert not model.is_fitted


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_input_of_the_wrong_shape_gets_the_designs_error(case):
    arguments, message = case.bad_fit
    model = case.build()
    with pytest.raises(ValueError, match=message):
        model.fit(*arguments)
    assert not model.is_fitted


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_not_fitted_error_is_lstmkits_and_scikit_learns(case):
    model = case.build()
    for error in (NotFittedError, SklearnNotFittedError, ValueError, AttributeError):
        with pytest.raises(error, match="is not fitted yet"):
            case.output(model)
    with pytest.raises(SklearnNotFittedError):
        check_is_fitted(model)


@pytest.fixture(scope="module")
def fitted():
    """Each case fitted once (seed 0), shared by the tests below."""
    return {case.cls: case.build().fit(*case.fit_args()) for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fit_returns_self_and_clone_is_unfitted_and_equal(case, fitted):
    model = fitted[case.cls]
    assert model.is_fitted
    check_is_fitted(model)
    twin = clone(model)
    assert type(twin) is case.cls and not twin.is_fitted
    assert twin.get_params() == model.get_params()
    assert not [name for name in vars(twin) if name.endswith("_")]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_same_seed_same_model_bit_for_bit(case, fitted):
    again = case.build().fit(*case.fit_args())
    assert_same_output(case.output(again), case.output(fitted[case.cls]))
    generator_one = case.build(seed=np.random.default_rng(7)).fit(*case.fit_args())
    generator_two = case.build(seed=np.random.default_rng(7)).fit(*case.fit_args())
    assert_same_output(case.output(generator_one), case.output(generator_two))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_save_load_round_trip_is_exact(case, fitted, tmp_path):
    model = fitted[case.cls]
    model.save(tmp_path / "model.safetensors")
    loaded = case.cls.load(tmp_path / "model.safetensors")
    assert loaded.get_params() == model.get_params()
    assert set(case.cls.fitted_state) <= set(vars(loaded))
    for name in case.cls.fitted_state:
        assert_same_value(getattr(loaded, name), getattr(model, name))
    assert_same_output(case.output(loaded), case.output(model))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_score_is_a_finite_number(case, fitted):
    value = fitted[case.cls].score(*case.score_args())
    assert isinstance(value, float) and np.isfinite(value)


def test_a_file_sets_only_declared_state(tmp_path):
    case = CASES[0]
    model = case.build().fit(*case.fit_args())
    arrays, config = model.export_state()
    config["fitted"]["planted_"] = 1
    with pytest.raises(ValueError, match=r"sets \['planted_'\], which .* does not declare"):
        case.cls.restore_state(config, arrays)
    arrays, config = model.export_state()
    config["params"]["hidden_size"] = -3
    with pytest.raises(ValueError, match="hidden_size must be a positive integer; got -3"):
        case.cls.restore_state(config, arrays)


def assert_same_output(a, b):
    if isinstance(a, list):
        assert a == b
    else:
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def assert_same_value(a, b):
    if hasattr(a, "to_json"):
        assert a.to_json() == b.to_json()
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b
