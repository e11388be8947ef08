"""The estimator base the task models share: scikit-learn's contract, declared once.

Every estimator states three things as class attributes, and this class does the rest:

- `hyperparameters`: {name: declaration} for exactly the arguments of `__init__`
  (`lstmkit.models.hyperparameters`). `__init__` only stores them, unchanged, under their own
  names; `fit` checks them all before anything else (the check wraps every subclass's `fit`,
  so no estimator can forget it), naming the estimator, the argument, what it may be and what
  came.
- `fitted_state`: {name: declaration} of what `fit` learns besides `network_`
  (`lstmkit.models.fitted_state`); `save` writes exactly that and `load` sets exactly that.
- `estimator_type`, `input_kind`, `requires_y`, `allows_nan`: what scikit-learn's tags say
  (`lstmkit.models.sklearn_tags`), so that `clone`, `cross_val_score` (stratified for
  classifiers), `GridSearchCV`, `Pipeline` and `check_is_fitted` work.

Also: `fit` returns `self`; learned state lives in attributes ending in `_`; using an
estimator before `fit` raises `NotFittedError` (a ValueError and AttributeError, and
scikit-learn's NotFittedError where scikit-learn is installed); `get_params()` /
`set_params(**params)` read and change hyperparameters (unknown names are an error naming
them); `score` is defined by each task (accuracy, exact match, -MASE...).
"""

import functools
import inspect

import numpy as np

from lstmkit.models.fitted_state import export_fitted, restore_fitted
from lstmkit.models.hyperparameters import check_hyperparameters
from lstmkit.models.sklearn_tags import (
    NotFittedError,
    legacy_tags,
    not_fitted_error,
    sklearn_tags,
)
from lstmkit.module import Module
from lstmkit.random import seed_to_json
from lstmkit.registry import class_key, lookup, register_class

__all__ = ["Estimator", "NotFittedError"]


class Estimator:
    """Base class of the task models (see the module docstring)."""

    hyperparameters: dict = {}
    fitted_state: dict = {}
    estimator_type = None  # "classifier", "regressor" or None
    input_kind = "sequences"  # "sequences", "series" or "text"
    requires_y = True
    allows_nan = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        register_class(cls)
        if "fit" in vars(cls):
            cls.fit = _checking_hyperparameters(cls.fit)
        # scikit-learn < 1.6 reads the kind from this attribute
        cls._estimator_type = cls.estimator_type

    # ---- hyperparameters -----------------------------------------------------------------------

    @classmethod
    def _get_param_names(cls) -> list[str]:
        """The arguments of `__init__`, sorted (scikit-learn's name for this method)."""
        signature = inspect.signature(cls.__init__)
        names = []
        for name, parameter in signature.parameters.items():
            if name == "self":
                continue
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                raise TypeError(f"{cls.__name__}.__init__ must take explicit keyword arguments")
            names.append(name)
        return sorted(names)

    def get_params(self, deep: bool = True) -> dict:
        """Hyperparameters by name, as given to `__init__`."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params) -> "Estimator":
        """Change hyperparameters by name; returns self. Unknown names are a ValueError."""
        valid = self._get_param_names()
        unknown = sorted(set(params) - set(valid))
        if unknown:
            raise ValueError(
                f"{type(self).__name__} has no hyperparameters {unknown}; valid ones: {valid}"
            )
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def check_hyperparameters(self) -> None:
        """Raise ValueError for the first hyperparameter outside its declaration, or for a
        combination the estimator cannot use (`fit` runs this first)."""
        check_hyperparameters(self)
        self._check_combination()

    def _check_combination(self) -> None:
        """Subclasses: raise ValueError for values that are valid alone but not together."""

    def __repr__(self) -> str:
        defaults = {
            name: p.default for name, p in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = [
            f"{name}={value!r}"
            for name, value in self.get_params().items()
            if not _same(value, defaults.get(name))
        ]
        return f"{type(self).__name__}({', '.join(changed)})"

    # ---- fitted state --------------------------------------------------------------------------

    @property
    def is_fitted(self) -> bool:
        """Whether `fit` has run (or the estimator was loaded from a file)."""
        return "network_" in vars(self)

    def __sklearn_is_fitted__(self) -> bool:
        return self.is_fitted

    def _check_fitted(self) -> None:
        if not self.is_fitted:
            raise not_fitted_error(self)

    def score(self, X, y) -> float:
        """The estimator's score on (X, y), higher is better (each estimator defines it)."""
        raise NotImplementedError(f"{type(self).__name__} does not define score")

    # ---- scikit-learn's tags -------------------------------------------------------------------

    def __sklearn_tags__(self):
        return sklearn_tags(self)

    def _more_tags(self) -> dict:
        return legacy_tags(self)

    # ---- saving --------------------------------------------------------------------------------

    def save(self, path) -> None:
        """Write the fitted estimator to `path` (one safetensors file, atomically)."""
        from lstmkit.io import save

        self._check_fitted()
        save(self, path)

    @classmethod
    def load(cls, path) -> "Estimator":
        """Read an estimator saved with `save`; it must be of this class (or a subclass)."""
        from lstmkit.io import load

        estimator = load(path)
        if not isinstance(estimator, cls):
            raise ValueError(f"{path} holds a {type(estimator).__name__}, not a {cls.__name__}")
        return estimator

    def export_state(self) -> tuple[dict, dict]:
        """(arrays, config): what `lstmkit.save` writes, the network's and fitted arrays and
        the hyperparameters, network configuration and fitted values as JSON."""
        network_arrays, network_config = self.network_.export_state()
        arrays = {f"network.{k}": v for k, v in network_arrays.items()}
        fitted, fitted_arrays = export_fitted(self)
        arrays.update(fitted_arrays)
        params = self.get_params()
        if "seed" in params:  # a Generator or SeedSequence is saved as None (lstmkit.random)
            params["seed"] = seed_to_json(params["seed"])
        config = {
            "params": params,
            "network": {"class": class_key(type(self.network_)), "config": network_config},
            "fitted": fitted,
        }
        return arrays, config

    @classmethod
    def restore_state(cls, config: dict, arrays: dict) -> "Estimator":
        """The estimator that `export_state` described, each part checked (`lstmkit.load`)."""
        params, network = _restored_parts(cls, config)
        stray = sorted(name for name in arrays if not name.startswith(("network.", "fitted.")))
        if stray:
            raise ValueError(f"the file holds tensors {stray} that {cls.__name__} has no use for")
        unknown = sorted(set(params) - set(cls._get_param_names()))
        if unknown:
            raise ValueError(f"the file sets hyperparameters {unknown} that {cls.__name__} lacks")
        estimator = cls(**params)
        estimator.check_hyperparameters()
        restore_fitted(estimator, config, arrays)
        estimator.network_ = network.restore_state(
            config["network"]["config"],
            {k[len("network.") :]: v for k, v in arrays.items() if k.startswith("network.")},
        )
        _check_restored_against_network(estimator)
        estimator._check_restored()
        return estimator

    def _check_restored(self) -> None:
        """Refuse a loaded estimator whose fitted values disagree with each other or with its
        network (each value was checked on its own by its declaration): an estimator with
        such state overrides this, raising ValueError. Runs after `network_` is set."""


def _restored_parts(cls, config) -> tuple[dict, type]:
    """(hyperparameters, network class) named by an estimator file's configuration, checked
    for their JSON types; the network class must be a Module (a file cannot name an estimator,
    or anything else registered, as a network)."""
    params, network = config.get("params"), config.get("network")
    if not isinstance(params, dict):
        raise ValueError(f"the file's 'params' of {cls.__name__} must be an object")
    if not isinstance(network, dict) or not isinstance(network.get("class"), str):
        raise ValueError(f"the file's 'network' of {cls.__name__} must name its class")
    network_class = lookup(network["class"])
    if not issubclass(network_class, Module):
        raise ValueError(f"the file names {network['class']!r} as a network; it is not a Module")
    return params, network_class


# (fitted state, the network's attribute, the fitted value's size) that must agree in a loaded
# classifier: its network scores one output per class (other classes_ would index past them, or
# never be predicted) and reads n_features_in_ features per step, each scaled by mean_, scale_
_CLASSIFIER_SIZES = (
    ("classes_", "output_size", len),
    ("n_features_in_", "input_size", int),
    ("mean_", "input_size", np.size),
    ("scale_", "input_size", np.size),
)


def _check_restored_against_network(estimator) -> None:
    """Refuse a loaded classifier whose fitted sizes disagree with its network's."""
    if estimator.estimator_type != "classifier":
        return
    for fitted, attribute, size in _CLASSIFIER_SIZES:
        value, expected = (
            getattr(estimator, fitted, None),
            getattr(estimator.network_, attribute, None),
        )
        if value is not None and expected is not None and size(value) != expected:
            raise ValueError(
                f"the file's {fitted} ({size(value)}) disagrees with its network's "
                f"{attribute} ({expected})"
            )


def _checking_hyperparameters(fit):
    """`fit`, preceded by the check of every declared hyperparameter."""

    @functools.wraps(fit)
    def checked_fit(self, *args, **kwargs):
        self.check_hyperparameters()
        return fit(self, *args, **kwargs)

    checked_fit.checks_hyperparameters = True
    return checked_fit


def _same(a, b) -> bool:
    try:
        return bool(a == b) if not isinstance(a, np.ndarray) else False
    except (TypeError, ValueError):
        return False
