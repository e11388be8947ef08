"""The Optimizer base: captured parameters, guarded in-place steps, exact state dicts.

An optimizer is built on a model: anything with `params` and `grads` dicts of the same keys
holding the arrays themselves (a `Module`, or a small object of your own). The two dicts are
read once, at construction; the arrays in them are shared, never copied, so that

    model.backward(...)      # fills model.grads
    clip_grad_norm(model, 1.0)
    optimizer.step()         # changes model.params' arrays in place
    optimizer.zero_grad()

works on the model's own arrays. `lr` is a plain attribute that schedules (and users) change
between steps.

Per-parameter state arrays ("slots", named as in torch.optim: `exp_avg`, `momentum_buffer`...)
are allocated at construction, zero-filled (Adagrad's `sum`: `initial_accumulator_value`), with
the parameter's dtype, so the set of state arrays is fixed by the hyperparameters and a state
dict can be checked against it. One step counter `step_count` serves every parameter (torch
keeps one per parameter; they are equal here because every parameter has a gradient on every
step).

A step first checks that every gradient is finite. A NaN or infinite gradient raises
FloatingPointError naming the parameters concerned before anything is changed: parameters,
state arrays and `step_count` stay as they were, so the caller can lower the learning rate or
skip the batch and go on.

`state_dict()` returns `{"config": {...}, "arrays": {...}}`: the config holds JSON values only
(class name, hyperparameters, lr, step count); the arrays are copies of the slots keyed
`"<parameter name>.<slot>"`, e.g. `"encoder.weight_ih_l0.exp_avg"`. `load_state_dict` checks
class, hyperparameters, keys and shapes, says everything that differs, and then restores the
state exactly: training continued after a save and load is bit for bit the training that was
never interrupted.
"""

import numbers

import numpy as np

from lstmkit.module import state_dict_mismatches


class Optimizer:
    """Base class of lstmkit's optimizers.

    Subclasses set their hyperparameters (named in `HYPERPARAMETERS`) before calling
    `Optimizer.__init__`, and implement `_slot_names()` and `_update(param, grad, state)`,
    which changes `param` and the `state` arrays in place. `self.step_count` is already
    incremented (1 on the first step) when `_update` runs.
    """

    HYPERPARAMETERS: tuple[str, ...] = ()

    def __init__(self, model, lr: float) -> None:
        self.params, self.grads = _captured_arrays(model)
        self.lr = non_negative("lr", lr)
        self.step_count = 0
        self.state = {
            name: {
                slot: np.full_like(param, self._initial_slot_value(slot))
                for slot in self._slot_names()
            }
            for name, param in self.params.items()
        }

    # ---- what subclasses provide ------------------------------------------------------------

    def _slot_names(self) -> tuple[str, ...]:
        """Names of the state arrays each parameter gets (they depend on hyperparameters)."""
        return ()

    def _initial_slot_value(self, slot: str) -> float:
        return 0.0

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not implement _update")

    # ---- stepping ---------------------------------------------------------------------------

    def step(self) -> None:
        """Apply the current gradients to the parameters, in place.

        Raises FloatingPointError, and changes nothing, when a gradient holds NaN or inf.
        """
        if not self.lr >= 0:
            raise ValueError(f"lr must be >= 0; got {self.lr!r}")
        bad = [name for name, grad in self.grads.items() if not np.isfinite(grad).all()]
        if bad:
            others = f" (so do those of {bad[1:]})" if len(bad) > 1 else ""
            raise FloatingPointError(
                f"{type(self).__name__}.step: the gradient of {bad[0]!r} has NaN or infinite "
                f"values{others}; no parameter or optimizer state was changed"
            )
        self.step_count += 1
        for name, param in self.params.items():
            self._update(param, self.grads[name], self.state[name])

    def zero_grad(self) -> None:
        """Set every gradient of the model to zero (in place)."""
        for grad in self.grads.values():
            grad.fill(0)

    # ---- configuration and state ------------------------------------------------------------

    def hyperparameters(self) -> dict:
        """The hyperparameters other than lr, as JSON values (tuples become lists)."""
        return {name: json_value(getattr(self, name)) for name in self.HYPERPARAMETERS}

    def state_dict(self) -> dict:
        """{"config": JSON values, "arrays": copies of the state arrays by dotted name}."""
        config = {
            "class": type(self).__name__,
            "hyperparameters": self.hyperparameters(),
            "lr": float(self.lr),
            "step_count": int(self.step_count),
        }
        arrays = {
            f"{name}.{slot}": array.copy()
            for name, slots in self.state.items()
            for slot, array in slots.items()
        }
        return {"config": config, "arrays": arrays}

    def load_state_dict(self, state_dict) -> None:
        """Restore what `state_dict()` returned (its config may have been through JSON).

        Class, hyperparameters, array keys and array shapes must match this optimizer;
        otherwise a ValueError lists every difference and nothing is changed. Arrays are cast
        to the parameters' dtype; lr and step_count are restored.
        """
        if not hasattr(state_dict, "keys") or set(state_dict.keys()) != {"config", "arrays"}:
            raise ValueError(
                "state_dict must be a mapping with exactly the keys 'config' and 'arrays' "
                "(what Optimizer.state_dict() returns)"
            )
        config, given = state_dict["config"], state_dict["arrays"]
        problems = self._config_mismatches(config)
        arrays = {key: np.asarray(given[key]) for key in given.keys()}
        expected = {
            f"{name}.{slot}": array
            for name, slots in self.state.items()
            for slot, array in slots.items()
        }
        problems += state_dict_mismatches(expected, arrays, noun="arrays")
        if problems:
            raise ValueError(
                f"state_dict does not fit this {type(self).__name__}: " + "; ".join(problems)
            )
        for key, target in expected.items():
            target[...] = arrays[key]
        self.lr = float(config["lr"])
        self.step_count = int(config["step_count"])

    def _config_mismatches(self, config) -> list[str]:
        if not isinstance(config, dict):
            return [f"config must be a dict; got {type(config).__name__}"]
        problems = []
        keys = {"class", "hyperparameters", "lr", "step_count"}
        if set(config) != keys:
            problems.append(f"config keys {sorted(config)}, expected {sorted(keys)}")
        name = type(self).__name__
        if config.get("class") != name:
            problems.append(f"saved by {config.get('class')!r}, loaded into {name!r}")
        given = config.get("hyperparameters")
        if not isinstance(given, dict):
            problems.append(f"hyperparameters must be a dict; got {given!r}")
        else:
            mine = self.hyperparameters()
            for key in sorted(set(mine) | set(given)):
                if key not in given:
                    problems.append(f"hyperparameter {key!r} is missing")
                elif key not in mine:
                    problems.append(f"unexpected hyperparameter {key!r}")
                elif json_value(given[key]) != mine[key]:
                    problems.append(
                        f"{key}: this optimizer has {mine[key]!r}, saved {given[key]!r}"
                    )
        lr = config.get("lr")
        if not is_real(lr) or not lr >= 0:
            problems.append(f"lr must be a number >= 0; got {lr!r}")
        step_count = config.get("step_count")
        if not is_int(step_count) or step_count < 0:
            problems.append(f"step_count must be an integer >= 0; got {step_count!r}")
        return problems

    def __repr__(self) -> str:
        settings = ", ".join(
            f"{name}={getattr(self, name)!r}" for name in ("lr", *self.HYPERPARAMETERS)
        )
        return f"{type(self).__name__}({settings})"


# ---- helpers shared by the optimizers and schedules: argument checks, lerp ----------------


def real(name: str, value) -> float:
    """`value` as a float; TypeError naming `name` when it is not a real number."""
    if not is_real(value):
        raise TypeError(f"{name} must be a real number; got {value!r}")
    return float(value)


def non_negative(name: str, value) -> float:
    """`value` as a float >= 0 (NaN refused); errors name `name`."""
    number = real(name, value)
    if not number >= 0:
        raise ValueError(f"{name} must be >= 0; got {value!r}")
    return number


def integer(name: str, value, minimum: int) -> int:
    """`value` as an int >= `minimum`; errors name `name`."""
    if not is_int(value):
        raise TypeError(f"{name} must be an integer; got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value!r}")
    return int(value)


def flag(name: str, value) -> bool:
    """`value` as a bool (Python or NumPy bool only); TypeError naming `name` otherwise."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """start <- start + weight * (end - start), in place, rounded as torch.lerp_ rounds it."""
    scalar = start.dtype.type
    difference = end - start
    if abs(weight) < 0.5:
        difference *= scalar(weight)
        start += difference
    else:
        difference *= scalar(1) - scalar(weight)
        np.subtract(end, difference, out=start)


def is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def json_value(value):
    if isinstance(value, (tuple, list)):
        return [json_value(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _captured_arrays(model) -> tuple[dict, dict]:
    """The model's params and grads dicts (arrays shared), checked to fit each other."""
    params, grads = getattr(model, "params", None), getattr(model, "grads", None)
    if not isinstance(params, dict) or not isinstance(grads, dict):
        raise TypeError(
            "model must have `params` and `grads` dicts of arrays (e.g. an lstmkit Module); "
            f"got {type(model).__name__}"
        )
    if not params:
        raise ValueError("model has no parameters to optimize")
    if list(params) != list(grads):
        raise ValueError(
            f"model.params and model.grads must have the same keys; params has {list(params)}, "
            f"grads has {list(grads)}"
        )
    for name, param in params.items():
        grad = grads[name]
        if not isinstance(param, np.ndarray) or not isinstance(grad, np.ndarray):
            raise TypeError(f"parameter {name!r} and its gradient must be NumPy arrays")
        if not np.issubdtype(param.dtype, np.floating):
            raise TypeError(f"parameter {name!r} must be a floating-point array; got {param.dtype}")
        if not param.flags.writeable:
            raise ValueError(f"parameter {name!r} is read-only; optimizers update it in place")
        if grad.shape != param.shape:
            raise ValueError(
                f"the gradient of {name!r} has shape {grad.shape}, the parameter {param.shape}"
            )
    return params, grads
