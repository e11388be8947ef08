"""The estimator contract: hyperparameters, not-fitted errors, save and load."""

import numpy as np
import pytest

from lstmkit import LSTM
from lstmkit.models import Estimator, NotFittedError
from lstmkit.models.fitted_state import Numbers, Value
from lstmkit.models.hyperparameters import Integer, Seed


class MeanOfLastState(Estimator):
    """A tiny estimator: an LSTM whose last state's mean is the prediction."""

    hyperparameters = {"hidden_size": Integer(low=1), "seed": Seed()}
    fitted_state = {"n_features_in_": Value(), "offset_": Numbers()}

    def __init__(self, hidden_size=4, seed=None):
        self.hidden_size = hidden_size
        self.seed = seed

    def fit(self, X, y):
        X = np.asarray(X)
        self.n_features_in_ = int(X.shape[2])
        self.network_ = LSTM(self.n_features_in_, self.hidden_size, seed=self.seed)
        self.offset_ = np.asarray(y, dtype=np.float64).mean(keepdims=True)
        return self

    def predict(self, X):
        self._check_fitted()
        y, _ = self.network_(X)
        return y[:, -1].mean(axis=1) + self.offset_[0]


def test_params_round_trip_and_unknown_names():
    model = MeanOfLastState(hidden_size=7)
    assert model.get_params() == {"hidden_size": 7, "seed": None}
    assert model.set_params(seed=3) is model and model.seed == 3
    with pytest.raises(ValueError, match=r"has no hyperparameters \['hidden'\]"):
        model.set_params(hidden=2)
    assert repr(model) == "MeanOfLastState(hidden_size=7, seed=3)"


def test_not_fitted_error_is_value_and_attribute_error():
    with pytest.raises(NotFittedError, match="not fitted yet: call fit"):
        MeanOfLastState().predict(np.zeros((1, 2, 3)))
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)


def test_fit_returns_self_and_save_load_round_trip(tmp_path):
    X = np.random.default_rng(0).standard_normal((3, 5, 2))
    model = MeanOfLastState(hidden_size=3, seed=1)
    assert model.fit(X, [1.0, 2.0, 3.0]) is model
    model.save(tmp_path / "m.safetensors")
    loaded = MeanOfLastState.load(tmp_path / "m.safetensors")
    assert loaded.get_params() == model.get_params()
    assert loaded.n_features_in_ == 2
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    with pytest.raises(NotFittedError):
        MeanOfLastState().save(tmp_path / "x.safetensors")
