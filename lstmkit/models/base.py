"""The estimator base the task models share: scikit-learn's contract, plus save and load.

- `__init__` only stores its keyword hyperparameters, unchanged, under their own names;
- `fit(...)` learns and returns `self`; learned state lives in attributes ending in `_`;
- `predict` and friends before `fit` raise `NotFittedError` (a ValueError and AttributeError,
  as scikit-learn's);
- `get_params()` / `set_params(**params)` read and change hyperparameters by name (unknown
  names are an error naming them), so scikit-learn's `clone` and grid search work;
- `score(X, y)` is defined by each task (accuracy, R^2...);
- `save(path)` / `Estimator.load(path)` go through `lstmkit.save` / `lstmkit.load`: the
  hyperparameters and the fitted state's JSON-able values in the header, arrays (weights,
  scalers) as tensors. Subclasses keep their network in `network_` (a Module, saved with its
  own class and configuration) and list what else they learn in `_fitted_json` (JSON values)
  and `_fitted_arrays` (numeric arrays). Arrays of labels (strings, ints) go in
  `_fitted_json`: they are stored as a JSON list with their dtype and come back as arrays.
"""

import inspect

import numpy as np

from lstmkit.registry import class_key, lookup, register_class


class NotFittedError(ValueError, AttributeError):
    """The estimator is used before `fit`."""


class Estimator:
    """Base class of the task models."""

    # names of fitted attributes stored in the file as JSON / as arrays (besides network_)
    _fitted_json: tuple = ()
    _fitted_arrays: tuple = ()
    # arrays added to `_fitted_arrays` after model files were first written: a file from before
    # lacks them, and they are restored as None (each class says what None means)
    _fitted_arrays_since_files: tuple = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        register_class(cls)

    @classmethod
    def _param_names(cls) -> list[str]:
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
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params) -> "Estimator":
        """Change hyperparameters by name; returns self. Unknown names are a ValueError."""
        valid = self._param_names()
        unknown = sorted(set(params) - set(valid))
        if unknown:
            raise ValueError(
                f"{type(self).__name__} has no hyperparameters {unknown}; valid ones: {valid}"
            )
        for name, value in params.items():
            setattr(self, name, value)
        return self

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

    # ---- fitted state ------------------------------------------------------------------------

    @property
    def is_fitted(self) -> bool:
        return any(name.endswith("_") and not name.startswith("_") for name in vars(self))

    def _check_fitted(self) -> None:
        if not self.is_fitted:
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet: call fit(...) before using it"
            )

    def score(self, X, y) -> float:
        raise NotImplementedError(f"{type(self).__name__} does not define score")

    # ---- saving ------------------------------------------------------------------------------

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
        network_arrays, network_config = self.network_.export_state()
        arrays = {f"network.{k}": v for k, v in network_arrays.items()}
        arrays.update(
            {f"fitted.{name}": np.asarray(getattr(self, name)) for name in self._fitted_arrays}
        )
        config = {
            "params": self.get_params(),
            "network": {"class": class_key(type(self.network_)), "config": network_config},
            "fitted": {name: _to_json(getattr(self, name)) for name in self._fitted_json},
        }
        return arrays, config

    @classmethod
    def restore_state(cls, config: dict, arrays: dict) -> "Estimator":
        estimator = cls(**config["params"])
        for name, value in config["fitted"].items():
            setattr(estimator, name, _from_json(value))
        for name in cls._fitted_arrays:
            key = f"fitted.{name}"
            if key not in arrays and name in cls._fitted_arrays_since_files:
                setattr(estimator, name, None)
                continue
            setattr(estimator, name, arrays[key])
        network = config["network"]
        estimator.network_ = lookup(network["class"]).restore_state(
            network["config"],
            {k[len("network.") :]: v for k, v in arrays.items() if k.startswith("network.")},
        )
        return estimator


def _same(a, b) -> bool:
    try:
        return bool(a == b) if not isinstance(a, np.ndarray) else False
    except (TypeError, ValueError):
        return False


def _to_json(value):
    """A fitted value as JSON; NumPy arrays (e.g. class labels) keep their dtype."""
    if isinstance(value, np.ndarray):
        return {"ndarray": value.tolist(), "dtype": value.dtype.str}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _from_json(value):
    if isinstance(value, dict) and set(value) == {"ndarray", "dtype"}:
        dtype = np.dtype(value["dtype"])
        if dtype.kind not in "Uiufb":
            raise ValueError(f"a stored array has dtype {dtype}; only numbers and text are allowed")
        return np.array(value["ndarray"], dtype=dtype)
    return value
