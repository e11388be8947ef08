"""The agreement a loaded Forecaster's fitted values must show before it may predict.

Each fitted value of a model file is checked on its own by its declaration (a positive
lookback_, a finite scale_); this checks them against each other and against the network, so
that a hostile or damaged file is refused when it is loaded instead of failing at `predict` as
an IndexError, a broadcast error or "x contains NaN" (a period_ of 10**30, a history_ of the
wrong rank, a scale_ of 0). With S series of C channels, K covariates and lookback L:

    history_             (S, L, C)      scale_        (S, C), every value > 0
    history_covariates_  (S, L, K)      naive_error_  (S, C) or absent (older files)
    covariate_mean_      (K,)           covariate_scale_  (K,), every value > 0
    period_ <= L (fit refuses a lookback shorter than the period)
    the network: input_size 2C + K, C outputs, the Forecaster's horizon, future_size horizon*K
    input_kind_ "vector" / "matrix": S = 1; "vector" / "vectors": C = 1
"""

import numpy as np


def check_restored_forecaster(forecaster) -> None:
    """Raise ValueError naming the first fitted value that disagrees (see the module doc)."""
    S, L, C = _shape_of(forecaster, "history_", 3)
    if S == 0 or C == 0:
        raise ValueError(f"fitted history_ holds no series or no channel; shape {(S, L, C)}")
    K = _shape_of(forecaster, "history_covariates_", 3)[2]
    expected = {
        "history_": (S, forecaster.lookback_, C),
        "history_covariates_": (S, L, K),
        "scale_": (S, C),
        "covariate_mean_": (K,),
        "covariate_scale_": (K,),
    }
    if forecaster.naive_error_ is not None:
        expected["naive_error_"] = (S, C)
    for name, shape in expected.items():
        found = np.shape(getattr(forecaster, name))
        if found != shape:
            raise ValueError(
                f"fitted {name} has shape {found}; the other fitted values need {shape}"
            )
    for name in ("scale_", "covariate_scale_"):
        if not np.all(getattr(forecaster, name) > 0):
            raise ValueError(f"fitted {name} must be positive (it divides the inputs)")
    if forecaster.period_ > L:
        raise ValueError(f"fitted period_ ({forecaster.period_}) exceeds the lookback_ ({L})")
    _check_input_kind(forecaster.input_kind_, S, C)
    _check_network(forecaster, C, K)


def _shape_of(forecaster, name: str, ndim: int) -> tuple:
    shape = np.shape(getattr(forecaster, name))
    if len(shape) != ndim:
        raise ValueError(f"fitted {name} must have {ndim} dimensions; got shape {shape}")
    return shape


def _check_input_kind(kind: str, series: int, channels: int) -> None:
    if kind in ("vector", "matrix") and series != 1:
        raise ValueError(f"fitted input_kind_ {kind!r} is one series; history_ holds {series}")
    if kind in ("vector", "vectors") and channels != 1:
        raise ValueError(f"fitted input_kind_ {kind!r} is one channel; history_ holds {channels}")


def _check_network(forecaster, channels: int, covariates: int) -> None:
    network = forecaster.network_
    needs = {
        "input_size": 2 * channels + covariates,
        "outputs": channels,
        "horizon": forecaster.horizon,
        "future_size": forecaster.horizon * covariates,
    }
    for attribute, value in needs.items():
        found = getattr(network, attribute, value)
        if found != value:
            raise ValueError(
                f"the file's network has {attribute} {found}; its fitted values need {value}"
            )
