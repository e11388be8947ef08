"""The Module base: named parameters, their gradients, train/eval mode, and state dicts.

It lives at the bottom of the package (below `recurrent/` and `nn/`) because every layer,
the recurrent ones included, is a Module; `lstmkit.nn` re-exports it for users.

Contract:
- `params` and `grads` are dicts with the same keys whose values are NumPy arrays of the same
  shapes; `backward` adds into `grads` (so gradients of several losses accumulate) and
  `zero_grad()` resets them.
- The arrays in `params` are updated in place (by `load_state_dict`, by optimizers), never
  replaced, so anything holding a reference to them stays valid.
"""

import numpy as np


class Module:
    """Base class of every lstmkit layer and model."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.training = True

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def backward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not implement backward")

    def zero_grad(self) -> None:
        """Set every gradient to zero (in place)."""
        for grad in self.grads.values():
            grad.fill(0)

    def train(self, mode: bool = True) -> "Module":
        """Switch training mode (dropout active) on or off; returns self."""
        self.training = bool(mode)
        return self

    def eval(self) -> "Module":
        """Switch to evaluation mode (no dropout); returns self."""
        return self.train(False)

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter, keyed by name, in a stable order."""
        return {name: value.copy() for name, value in self.params.items()}

    def load_state_dict(self, state_dict) -> None:
        """Copy parameters in from a mapping of name -> array-like.

        The key set must equal `params`' exactly and every shape must match; otherwise a
        ValueError lists the missing, unexpected and misshapen keys (and any non-finite values),
        and nothing is changed.
        Values are cast to the module's dtype.
        """
        if not hasattr(state_dict, "keys"):
            raise TypeError(
                f"state_dict must be a mapping of parameter name to array; "
                f"got {type(state_dict).__name__}"
            )
        arrays = {name: np.asarray(state_dict[name]) for name in state_dict.keys()}
        problems = _state_dict_mismatches(self.params, arrays)
        if not problems:
            non_finite = [name for name in self.params if not np.all(np.isfinite(arrays[name]))]
            if non_finite:
                problems.append(f"NaN or infinite values in {non_finite}")
        if problems:
            raise ValueError(
                f"state_dict does not fit {type(self).__name__}: " + "; ".join(problems)
            )
        for name, target in self.params.items():
            target[...] = arrays[name]


def _state_dict_mismatches(expected: dict, given: dict) -> list[str]:
    """Human-readable list of how `given` differs from `expected` in keys and shapes."""
    problems = []
    missing = [name for name in expected if name not in given]
    unexpected = [name for name in given if name not in expected]
    if missing:
        problems.append(f"missing keys {missing}")
    if unexpected:
        problems.append(f"unexpected keys {unexpected}")
    misshapen = [
        f"{name}: expected shape {tuple(expected[name].shape)}, got {tuple(given[name].shape)}"
        for name in expected
        if name in given and tuple(given[name].shape) != tuple(expected[name].shape)
    ]
    if misshapen:
        problems.append("wrong shapes: " + ", ".join(misshapen))
    return problems
