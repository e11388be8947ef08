"""An ensemble's combination of its members (ForecastEnsemble.gaussian) against the members'
own outputs combined by hand."""

import numpy as np
import pytest

from lstmkit.models.forecast_network import ForecastEnsemble


@pytest.fixture(scope="module")
def ensemble_and_members():
    ensemble = ForecastEnsemble(input_size=2, horizon=2, hidden_size=4, members=3, seed=0)
    x = np.random.default_rng(0).standard_normal((4, 5, 2)).astype(np.float32)
    members = [ensemble.member(k).gaussian(x) for k in range(3)]
    return ensemble, x, members


def test_median_combination_by_hand(ensemble_and_members):
    ensemble, x, members = ensemble_and_members
    (m0, v0), (m1, v1), (m2, v2) = members
    # the middle one of three, element by element
    middle = np.maximum(np.minimum(m0, m1), np.minimum(np.maximum(m0, m1), m2))
    spread = ((m0 - middle) ** 2 + (m1 - middle) ** 2 + (m2 - middle) ** 2) / 3
    center, var = ensemble.gaussian(x, combine="median")
    np.testing.assert_array_equal(center, middle)
    np.testing.assert_allclose(var, (v0 + v1 + v2) / 3 + spread, rtol=1e-14)


def test_mean_combination_is_the_mixture(ensemble_and_members):
    ensemble, x, members = ensemble_and_members
    (m0, v0), (m1, v1), (m2, v2) = members
    mean = (m0 + m1 + m2) / 3
    spread = ((m0 - mean) ** 2 + (m1 - mean) ** 2 + (m2 - mean) ** 2) / 3
    center, var = ensemble.gaussian(x)
    np.testing.assert_allclose(center, mean, rtol=1e-14)
    np.testing.assert_allclose(var, (v0 + v1 + v2) / 3 + spread, rtol=1e-14)


def test_unknown_combination_is_refused(ensemble_and_members):
    ensemble, x, _ = ensemble_and_members
    with pytest.raises(ValueError, match="combine must be one of mean, median; got 'mode'"):
        ensemble.gaussian(x, combine="mode")
