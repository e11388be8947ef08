"""The Module base: named parameters and gradients, child modules, train/eval, state dicts.

It lives at the bottom of the package (below `recurrent/` and `nn/`) because every layer,
the recurrent ones included, is a Module; `lstmkit.nn` re-exports it for users.

Contract:
- A module registers its own parameters with `add_parameter(name, array)`; assigning a Module
  to an attribute registers it as a child under that attribute's name.
- State that is saved but not learned (BatchNorm1d's running statistics) is a buffer,
  registered with `add_buffer(name, array)`: `buffers` collects them like `params`, state
  dicts and files carry them after the parameters, and optimizers never see them.
- `params` and `grads` are dicts with the same keys, the module's own names first and then
  every child's with a dotted prefix (`encoder.weight_ih_l0`); their values are the arrays
  themselves, not copies. `backward` adds into the gradients (so gradients of several losses
  accumulate) and `zero_grad()` resets them.
- Parameter arrays are updated in place (by `load_state_dict`, by optimizers), never replaced,
  so anything holding a reference to one stays valid.
- A layer makes each parameter's array with `parameter_array` and draws its initial values in
  `reset_parameters`, so that loading a file (`restore_state`) can first learn the shapes a
  configuration declares at no cost and then build the model without drawing weights that
  the file replaces.
"""

import contextlib
import contextvars
import functools
import inspect
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from lstmkit.registry import register_class


class Module:
    """Base class of every lstmkit layer and model."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        register_class(cls)
        if "reset_parameters" in vars(cls):  # a file's weights replace it: skipped on load
            cls.reset_parameters = while_initialising(cls.reset_parameters)

    def __init__(self) -> None:
        object.__setattr__(self, "_own_params", {})
        object.__setattr__(self, "_own_grads", {})
        object.__setattr__(self, "_own_buffers", {})
        object.__setattr__(self, "_children", {})
        self.training = True

    def __setattr__(self, name, value) -> None:
        children = self.__dict__.get("_children")
        if isinstance(value, Module):
            if children is None:
                raise AttributeError(
                    f"{type(self).__name__}: call Module.__init__() before assigning submodules"
                )
            children[name] = value
        elif children is not None:
            children.pop(name, None)
        object.__setattr__(self, name, value)

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        """The module's output for its inputs (each subclass defines it; `module(x)` calls it)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def backward(self, *args, **kwargs):
        """Gradients of the inputs from those of the outputs of the last forward; the
        parameters' gradients are added into `grads` (each subclass defines it)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement backward")

    # ---- parameters and children ------------------------------------------------------------

    def add_parameter(self, name: str, value: np.ndarray) -> np.ndarray:
        """Register `value` (kept, not copied) as a parameter with a zero gradient."""
        if "." in name:
            raise ValueError(f"parameter names cannot contain '.'; got {name!r}")
        self._own_params[name] = value
        self._own_grads[name] = parameter_grad(value)
        return value

    def add_buffer(self, name: str, value: np.ndarray) -> np.ndarray:
        """Register `value` (kept, not copied) as a buffer: saved and loaded with the
        parameters, updated in place by the module itself, without a gradient."""
        if "." in name:
            raise ValueError(f"buffer names cannot contain '.'; got {name!r}")
        self._own_buffers[name] = value
        return value

    def children(self):
        """(name, module) of the direct children, in registration order."""
        return list(self._children.items())

    def named_modules(self, prefix: str = ""):
        """(dotted name, module) of this module ('' for itself) and all its descendants."""
        yield prefix, self
        for name, child in self._children.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    @property
    def params(self) -> dict:
        """Every parameter array of this module and its descendants, by dotted name."""
        return self._collect("_own_params")

    @property
    def grads(self) -> dict:
        """The gradient array of each parameter, by the same dotted names as `params`."""
        return self._collect("_own_grads")

    @property
    def buffers(self) -> dict:
        """Every buffer array (saved state that is not learned), by dotted name."""
        return self._collect("_own_buffers")

    def _state_arrays(self) -> dict:
        """What a state dict holds: the parameters, then the buffers."""
        return {**self.params, **self.buffers}

    def _collect(self, attribute: str) -> dict:
        collected = dict(getattr(self, attribute))
        for name, child in self._children.items():
            collected.update({f"{name}.{k}": v for k, v in child._collect(attribute).items()})
        return collected

    def zero_grad(self) -> None:
        """Set every gradient to zero (in place)."""
        for grad in self.grads.values():
            grad.fill(0)

    def train(self, mode: bool = True) -> "Module":
        """Switch training mode (dropout active) on or off, children included; returns self."""
        self.training = bool(mode)
        for child in self._children.values():
            child.train(mode)
        return self

    def eval(self) -> "Module":
        """Switch to evaluation mode (no dropout); returns self."""
        return self.train(False)

    # ---- configuration, saving and random state ------------------------------------------

    def get_config(self) -> dict:
        """The constructor's keyword arguments (JSON values) that rebuild this module's shape.

        By default each `__init__` parameter is read from the attribute of the same name; the
        seed is left out (a loaded model takes its weights from the file). Modules whose
        constructor arguments are not stored that way override this.
        """
        config = {}
        for name in inspect.signature(type(self).__init__).parameters:
            if name in ("self", "seed"):
                continue
            if not hasattr(self, name):
                raise NotImplementedError(
                    f"{type(self).__name__} stores no attribute {name!r}: override get_config"
                )
            config[name] = _json_value(getattr(self, name))
        return config

    def export_state(self) -> tuple[dict, dict]:
        """(arrays, JSON config) for `lstmkit.save`."""
        return self.state_dict(), {"init": self.get_config()}

    @classmethod
    def from_config(cls, init: dict) -> "Module":
        """A module built from what `get_config` returned (`restore_state` fills its weights)."""
        if not isinstance(init, dict):
            raise ValueError(
                f"the configuration of {cls.__name__} must be an object; got {init!r:.60}"
            )
        return cls(**init)

    @classmethod
    def restore_state(cls, config: dict, arrays: dict) -> "Module":
        """Inverse of `export_state`, used by `lstmkit.load`.

        The file's tensors are first compared (names, shapes, dtypes) with what the
        configuration declares, learned without allocating or drawing a single weight, so a
        configuration declaring more than the file holds costs nothing before it is refused.
        Then the module is built without random initialisation and the tensors copied in.
        """
        if not isinstance(config, dict) or "init" not in config:
            raise ValueError(f"the configuration of {cls.__name__} must give 'init'")
        check_declared_state(cls.__name__, lambda: cls.from_config(config["init"]), arrays)
        with skipping_initialisation():
            module = cls.from_config(config["init"])
        module.load_state_dict(arrays)
        return module

    def rng_states(self) -> dict:
        """{module name: generator state} of every module that keeps a generator in `_rng`."""
        return {
            name: module._rng.bit_generator.state
            for name, module in self.named_modules()
            if isinstance(getattr(module, "_rng", None), np.random.Generator)
        }

    def set_rng_states(self, states: dict) -> None:
        """Restore what `rng_states` returned, so that dropout masks continue exactly."""
        modules = dict(self.named_modules())
        for name, state in states.items():
            if name not in modules or not hasattr(modules[name], "_rng"):
                raise ValueError(f"rng state for {name!r}, which has no generator here")
            modules[name]._rng.bit_generator.state = state

    # ---- state dicts ------------------------------------------------------------------------

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter and then every buffer, keyed by dotted name, in a stable
        order."""
        return {name: value.copy() for name, value in self._state_arrays().items()}

    def load_state_dict(self, state_dict) -> None:
        """Copy parameters (and buffers) in from a mapping of name -> array-like.

        The key set must equal `state_dict()`'s exactly and every shape must match; otherwise a
        ValueError lists the missing, unexpected and misshapen keys (and any non-finite values),
        and nothing is changed. Values are cast to each parameter's dtype.
        """
        if not hasattr(state_dict, "keys"):
            raise TypeError(
                f"state_dict must be a mapping of parameter name to array; "
                f"got {type(state_dict).__name__}"
            )
        params = self._state_arrays()
        arrays = {name: np.asarray(state_dict[name]) for name in state_dict.keys()}
        problems = state_dict_mismatches(params, arrays)
        if not problems:
            arrays, problems = _cast_to(params, arrays)
        if not problems:
            # checked after the cast: a float64 1e39 is finite, but inf as a float32 weight
            non_finite = [name for name in params if not np.all(np.isfinite(arrays[name]))]
            if non_finite:
                problems.append(
                    f"NaN or infinite values in {non_finite} (in the parameters' dtype)"
                )
        if problems:
            raise ValueError(
                f"state_dict does not fit {type(self).__name__}: " + "; ".join(problems)
            )
        for name, target in params.items():
            target[...] = arrays[name]


def _cast_to(params: dict, arrays: dict) -> tuple[dict, list[str]]:
    """`arrays` cast to their parameters' dtypes, and the names that are not numbers."""
    cast, problems = {}, []
    for name, target in params.items():
        if arrays[name].dtype.kind not in "biuf":
            problems.append(f"{name}: expected numbers, got dtype {arrays[name].dtype}")
            continue
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below
            cast[name] = arrays[name].astype(target.dtype, copy=False)
    return cast, problems


def state_dict_mismatches(expected: dict, given: dict, noun: str = "keys") -> list[str]:
    """Human-readable list of how `given` differs from `expected` in keys and shapes."""
    problems = []
    missing = [name for name in expected if name not in given]
    unexpected = [name for name in given if name not in expected]
    if missing:
        problems.append(f"missing {noun} {missing}")
    if unexpected:
        problems.append(f"unexpected {noun} {unexpected}")
    misshapen = [
        f"{name}: expected shape {tuple(expected[name].shape)}, got {tuple(given[name].shape)}"
        for name in expected
        if name in given and tuple(given[name].shape) != tuple(expected[name].shape)
    ]
    if misshapen:
        problems.append("wrong shapes: " + ", ".join(misshapen))
    return problems


def _json_value(value):
    """Constructor values as JSON: NumPy dtypes by name, NumPy scalars as Python numbers."""
    if isinstance(value, np.dtype):
        return value.name
    if isinstance(value, np.generic):
        return value.item()
    return value


# ---- building from a file: the declared shapes first, and no random initialisation -----------

# While a file is loaded: None (an ordinary build), or the budget of the current build. Under
# a budget, parameters are stand-ins that cost no memory (`check_declared_state`); with
# `_NO_BUDGET`, they are real but `reset_parameters` draws nothing (the file's values follow).
_LOADING = contextvars.ContextVar("lstmkit_loading", default=None)
_NO_BUDGET = "no budget"


class _Budget:
    """What a file holds for one module: a build declaring far more tensors or bytes stops there.

    The slack (twice the file, plus `SLACK_BYTES` and `SLACK_TENSORS`) lets a declaration
    that misses by a little finish, so that the exact comparison can name the tensors that
    differ; stand-ins cost nothing, so only absurd declarations need stopping early.
    """

    SLACK_BYTES = 2**20
    SLACK_TENSORS = 64

    def __init__(self, arrays: dict):
        self.tensors = len(arrays)
        self.bytes = sum(np.asarray(value).nbytes for value in arrays.values())
        self.tensors_declared = self.bytes_declared = 0

    def charge(self, shape: tuple, dtype: np.dtype) -> None:
        """Count one more declared parameter; ValueError once the declaration exceeds the file."""
        self.tensors_declared += 1
        self.bytes_declared += math.prod(shape) * dtype.itemsize  # Python ints: no overflow
        if (
            self.tensors_declared > 2 * self.tensors + self.SLACK_TENSORS
            or self.bytes_declared > 2 * self.bytes + self.SLACK_BYTES
        ):
            raise ValueError(
                f"its configuration declares far more weights than the file holds (the file has "
                f"{self.tensors} tensors of {self.bytes} bytes in all; the configuration's "
                f"tensor {self.tensors_declared} has shape {shape}, {self.bytes_declared} "
                "bytes so far): refused before allocating any"
            )


@contextlib.contextmanager
def _loading(budget):
    token = _LOADING.set(budget)
    try:
        yield
    finally:
        _LOADING.reset(token)


def skipping_initialisation():
    """Context in which modules are built without drawing initial weights (a file gives them)."""
    return _loading(_NO_BUDGET)


def parameter_array(shape, dtype, fill=0) -> np.ndarray:
    """A new parameter's array: `np.full(shape, fill, dtype)`.

    While `check_declared_state` learns what a configuration declares, the declared size is
    first charged to the file's budget and the array is a stand-in of that shape and dtype
    whose elements all share one value in memory, so that even an absurd declared size costs
    nothing.
    """
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    dtype = np.dtype(dtype)
    budget = _LOADING.get()
    if not isinstance(budget, _Budget):
        return np.full(shape, fill, dtype)
    budget.charge(shape, dtype)
    return _stand_in(shape, dtype, fill)


def parameter_grad(value: np.ndarray) -> np.ndarray:
    """A zero gradient for the parameter `value` (a stand-in for a stand-in)."""
    if isinstance(_LOADING.get(), _Budget):
        return _stand_in(value.shape, value.dtype, 0)
    return np.zeros_like(value)


def _stand_in(shape: tuple, dtype: np.dtype, fill) -> np.ndarray:
    """A writable array of `shape` whose elements are all one element (strides of zero)."""
    return as_strided(np.full(1, fill, dtype), shape, strides=(0,) * len(shape))


def while_initialising(reset_parameters):
    """`reset_parameters`, skipped while a module is built from a file (its values follow)."""

    @functools.wraps(reset_parameters)
    def reset_unless_loading(self, *args, **kwargs):
        if _LOADING.get() is None:
            reset_parameters(self, *args, **kwargs)

    return reset_unless_loading


def check_declared_state(owner: str, build, arrays: dict) -> None:
    """Refuse a file's tensors `arrays` unless they are exactly the parameters (names, shapes,
    dtypes) of the module `build()` makes from the file's configuration.

    `build` runs with stand-in parameters charged to a budget of what the file holds, so a
    configuration declaring more is stopped at its first excess, before any allocation; no
    initial weights are drawn.
    """
    with _loading(_Budget(arrays)):
        declared = build()._state_arrays()
    given = {name: np.asarray(value) for name, value in arrays.items()}
    problems = state_dict_mismatches(declared, given)
    wrong_dtypes = [
        f"{name}: expected {declared[name].dtype}, got {given[name].dtype}"
        for name in declared
        if name in given and given[name].dtype != declared[name].dtype
    ]
    if wrong_dtypes:
        problems.append("wrong dtypes: " + ", ".join(wrong_dtypes))
    if problems:
        raise ValueError(
            f"the file's tensors do not fit the {owner} its configuration declares: "
            + "; ".join(problems)
        )
