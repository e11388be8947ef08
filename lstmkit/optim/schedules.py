"""Learning-rate schedules: they set `optimizer.lr` epoch by epoch, as torch.optim.lr_scheduler.

Use: build the schedule on an optimizer (which may already change its lr: LinearLR starts at
`start_factor * lr`), then call `schedule.step()` once per epoch after the epoch's optimizer
steps (ReduceLROnPlateau: `schedule.step(metric)` with the epoch's validation metric).

Like torch's (in their normal use, one `step()` per epoch), the epoch schedules are
*chainable*: each step computes the new lr from the optimizer's current `lr`, not from a
closed form, so a change made from outside between two steps (e.g. the Trainer halving the lr
after a non-finite loss) is carried forward instead of being overwritten. The formulas below
are the ones torch uses, with `lr` the optimizer's current lr and `epoch` the number of
`step()` calls so far (`last_epoch`); the learning rates equal torch's for the same calls.

The optimizer has one lr, so `get_last_lr()` returns a float (torch: a list, one per group).

`state_dict()` is JSON (class, hyperparameters, counters); `load_state_dict` checks class and
hyperparameters and restores the counters. It does not set the optimizer's lr: the
optimizer's own state dict carries that, so restore both (as `lstmkit.io` checkpoints do).
"""

import math

from lstmkit.optim.base import integer, is_int, is_real, json_value, non_negative, real


class Schedule:
    """Base class of the schedules. Subclasses set their hyperparameters (named in
    `HYPERPARAMETERS`) before calling `Schedule.__init__` and implement `_next_lr(lr)`."""

    HYPERPARAMETERS: tuple[str, ...] = ()

    def __init__(self, optimizer) -> None:
        lr = getattr(optimizer, "lr", None)
        if not is_real(lr):
            raise TypeError(
                "optimizer must have a numeric `lr` attribute (an lstmkit Optimizer); "
                f"got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.base_lr = float(lr)
        self.last_epoch = 0
        optimizer.lr = self._initial_lr(self.base_lr)
        self._last_lr = float(optimizer.lr)

    def _initial_lr(self, lr: float) -> float:
        """The lr set when the schedule is built (epoch 0)."""
        return lr

    def _next_lr(self, lr: float) -> float:
        raise NotImplementedError(f"{type(self).__name__} does not implement _next_lr")

    def step(self) -> None:
        """End an epoch: advance `last_epoch` and set the optimizer's lr for the next one."""
        self.last_epoch += 1
        self.optimizer.lr = self._next_lr(float(self.optimizer.lr))
        self._last_lr = float(self.optimizer.lr)

    def get_last_lr(self) -> float:
        """The lr this schedule set last (at construction or at the last `step`)."""
        return self._last_lr

    # ---- state ------------------------------------------------------------------------------

    def hyperparameters(self) -> dict:
        return {name: json_value(getattr(self, name)) for name in self.HYPERPARAMETERS}

    def _counters(self) -> dict:
        """The changing state, as JSON values (infinities as the strings 'inf', '-inf')."""
        return {"base_lr": self.base_lr, "last_epoch": self.last_epoch, "last_lr": self._last_lr}

    def _set_counters(self, counters: dict) -> None:
        self.base_lr = float(counters["base_lr"])
        self.last_epoch = int(counters["last_epoch"])
        self._last_lr = float(counters["last_lr"])

    def state_dict(self) -> dict:
        """{"class", "hyperparameters", and the counters}: JSON values only."""
        return {
            "class": type(self).__name__,
            "hyperparameters": self.hyperparameters(),
            **self._counters(),
        }

    def load_state_dict(self, state_dict) -> None:
        """Restore what `state_dict()` returned; ValueError listing what differs otherwise.

        Class and hyperparameters must equal this schedule's; nothing changes on error.
        """
        if not isinstance(state_dict, dict):
            raise ValueError(f"state_dict must be a dict; got {type(state_dict).__name__}")
        problems = []
        name = type(self).__name__
        if state_dict.get("class") != name:
            problems.append(f"saved by {state_dict.get('class')!r}, loaded into {name!r}")
        given = state_dict.get("hyperparameters")
        mine = self.hyperparameters()
        if not isinstance(given, dict):
            problems.append(f"hyperparameters must be a dict; got {given!r}")
        else:
            for key in sorted(set(mine) | set(given)):
                if json_value(given.get(key)) != mine.get(key):
                    problems.append(
                        f"{key}: this schedule has {mine.get(key)!r}, saved {given.get(key)!r}"
                    )
        for key, value in self._counters().items():
            saved = state_dict.get(key)
            if is_int(value) and not (is_int(saved) and saved >= 0):
                problems.append(f"{key} must be an integer >= 0; got {saved!r}")
            elif not is_int(value) and not _is_number(saved):
                problems.append(f"{key} must be a number; got {saved!r}")
        unexpected = set(state_dict) - {"class", "hyperparameters", *self._counters()}
        if unexpected:
            problems.append(f"unexpected keys {sorted(unexpected)}")
        if problems:
            raise ValueError(f"state_dict does not fit this {name}: " + "; ".join(problems))
        self._set_counters(state_dict)

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.HYPERPARAMETERS)
        return f"{type(self).__name__}({settings})"


class StepLR(Schedule):
    """Multiply the lr by `gamma` every `step_size` epochs.

        lr = lr * gamma      if epoch % step_size == 0
        lr = lr              otherwise

    Args:
        optimizer: an lstmkit Optimizer.
        step_size: epochs between decays, >= 1.
        gamma: the decay factor, >= 0.
    """

    HYPERPARAMETERS = ("step_size", "gamma")

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = integer("step_size", step_size, minimum=1)
        self.gamma = non_negative("gamma", gamma)
        super().__init__(optimizer)

    def _next_lr(self, lr: float) -> float:
        return lr * self.gamma if self.last_epoch % self.step_size == 0 else lr


class ExponentialLR(Schedule):
    """Multiply the lr by `gamma` every epoch: lr = lr * gamma.

    Args:
        optimizer: an lstmkit Optimizer.
        gamma: the decay factor, >= 0.
    """

    HYPERPARAMETERS = ("gamma",)

    def __init__(self, optimizer, gamma: float) -> None:
        self.gamma = non_negative("gamma", gamma)
        super().__init__(optimizer)

    def _next_lr(self, lr: float) -> float:
        return lr * self.gamma


class CosineAnnealingLR(Schedule):
    """Anneal the lr from its starting value `base_lr` to `eta_min` along half a cosine.

    The closed form is (SGDR, without restarts)

        lr(epoch) = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2

    and, as in torch, it is reached by the recursion

        lr = eta_min + (lr - eta_min) * (1 + cos(pi * epoch / T_max))
                                      / (1 + cos(pi * (epoch - 1) / T_max))

    except at epoch = T_max + 1 (mod 2 T_max), where that ratio is 0 / 0 and

        lr = lr + (base_lr - eta_min) * (1 - cos(pi / T_max)) / 2

    so past T_max the lr rises again along the cosine. The recursion, with torch's operation
    order, gives torch's values to the last bit and follows outside changes of the lr.

    Args:
        optimizer: an lstmkit Optimizer.
        T_max: epochs of the half period, >= 1.
        eta_min: the smallest lr, >= 0.
    """

    HYPERPARAMETERS = ("T_max", "eta_min")

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = integer("T_max", T_max, minimum=1)
        self.eta_min = non_negative("eta_min", eta_min)
        super().__init__(optimizer)

    def _next_lr(self, lr: float) -> float:
        epoch, T_max, eta_min = self.last_epoch, self.T_max, self.eta_min
        if (epoch - 1 - T_max) % (2 * T_max) == 0:
            return lr + (self.base_lr - eta_min) * (1 - math.cos(math.pi / T_max)) / 2
        ratio = (1 + math.cos(math.pi * epoch / T_max)) / (
            1 + math.cos(math.pi * (epoch - 1) / T_max)
        )
        return ratio * (lr - eta_min) + eta_min


class LinearLR(Schedule):
    """Linear warm-up (or decay): the lr factor goes from `start_factor` to `end_factor`.

    At construction lr = lr * start_factor; then, for epoch = 1 ... total_iters,

        lr = lr * (1 + (end_factor - start_factor)
                       / (total_iters * start_factor + (epoch - 1) * (end_factor - start_factor)))

    so that lr(epoch) = base_lr * (start_factor + (end_factor - start_factor)
    * min(epoch, total_iters) / total_iters); after total_iters the lr is left alone.

    Args:
        optimizer: an lstmkit Optimizer.
        start_factor: the factor at epoch 0, in (0, 1].
        end_factor: the factor from epoch total_iters on, in [0, 1].
        total_iters: epochs of the ramp, >= 1.
    """

    HYPERPARAMETERS = ("start_factor", "end_factor", "total_iters")

    def __init__(
        self,
        optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
    ) -> None:
        self.start_factor = real("start_factor", start_factor)
        if not 0 < self.start_factor <= 1:
            raise ValueError(f"start_factor must be in (0, 1]; got {start_factor!r}")
        self.end_factor = real("end_factor", end_factor)
        if not 0 <= self.end_factor <= 1:
            raise ValueError(f"end_factor must be in [0, 1]; got {end_factor!r}")
        self.total_iters = integer("total_iters", total_iters, minimum=1)
        super().__init__(optimizer)

    def _initial_lr(self, lr: float) -> float:
        return lr * self.start_factor

    def _next_lr(self, lr: float) -> float:
        if self.last_epoch > self.total_iters:
            return lr
        return lr * (
            1.0
            + (self.end_factor - self.start_factor)
            / (
                self.total_iters * self.start_factor
                + (self.last_epoch - 1) * (self.end_factor - self.start_factor)
            )
        )


class ReduceLROnPlateau(Schedule):
    """Multiply the lr by `factor` when a metric has stopped improving for `patience` epochs.

    On `step(metric)`:

        better = metric < best * (1 - threshold)     (mode "min", threshold_mode "rel")
                 metric < best - threshold           (mode "min", threshold_mode "abs")
                 metric > best * (1 + threshold)     (mode "max", threshold_mode "rel")
                 metric > best + threshold           (mode "max", threshold_mode "abs")
        if better: best = metric; num_bad_epochs = 0
        else:      num_bad_epochs += 1
        if cooldown_counter > 0: cooldown_counter -= 1; num_bad_epochs = 0
        if num_bad_epochs > patience:
            new_lr = max(lr * factor, min_lr)
            if lr - new_lr > eps: lr = new_lr
            cooldown_counter = cooldown; num_bad_epochs = 0

    `best` starts at +inf (mode "min") or -inf (mode "max"); a NaN metric is never better, so
    it counts as a bad epoch.

    Args:
        optimizer: an lstmkit Optimizer.
        mode: "min" (lower metric is better, e.g. a loss) or "max" (e.g. an accuracy).
        factor: the lr multiplier on a reduction, in [0, 1).
        patience: bad epochs tolerated before a reduction, >= 0.
        threshold: the least improvement that counts, >= 0.
        threshold_mode: "rel" (threshold is relative to best) or "abs".
        cooldown: epochs after a reduction during which bad epochs are not counted, >= 0.
        min_lr: the lr is never reduced below this, >= 0.
        eps: reductions smaller than this are skipped, >= 0.
    """

    HYPERPARAMETERS = (
        "mode",
        "factor",
        "patience",
        "threshold",
        "threshold_mode",
        "cooldown",
        "min_lr",
        "eps",
    )

    def __init__(
        self,
        optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float = 0.0,
        eps: float = 1e-8,
    ) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max'; got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold_mode must be 'rel' or 'abs'; got {threshold_mode!r}")
        self.mode, self.threshold_mode = mode, threshold_mode
        self.factor = real("factor", factor)
        if not 0 <= self.factor < 1:
            raise ValueError(f"factor must be in [0, 1); got {factor!r}")
        self.patience = integer("patience", patience, minimum=0)
        self.threshold = non_negative("threshold", threshold)
        self.cooldown = integer("cooldown", cooldown, minimum=0)
        self.min_lr = non_negative("min_lr", min_lr)
        self.eps = non_negative("eps", eps)
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        super().__init__(optimizer)

    def step(self, metric) -> None:  # type: ignore[override]
        """End an epoch whose monitored value was `metric` (a real number)."""
        if isinstance(metric, (str, bytes, bool)):
            raise TypeError(f"metric must be a real number; got {metric!r}")
        try:
            current = float(metric)
        except (TypeError, ValueError):
            raise TypeError(f"metric must be a real number; got {metric!r}") from None
        self.last_epoch += 1
        if self._is_better(current):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            lr = float(self.optimizer.lr)
            new_lr = max(lr * self.factor, self.min_lr)
            if lr - new_lr > self.eps:
                self.optimizer.lr = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = float(self.optimizer.lr)

    def _is_better(self, current: float) -> bool:
        if self.mode == "min":
            if self.threshold_mode == "rel":
                return current < self.best * (1.0 - self.threshold)
            return current < self.best - self.threshold
        if self.threshold_mode == "rel":
            return current > self.best * (self.threshold + 1.0)
        return current > self.best + self.threshold

    def _counters(self) -> dict:
        return {
            **super()._counters(),
            "best": self.best if math.isfinite(self.best) else str(self.best),
            "num_bad_epochs": self.num_bad_epochs,
            "cooldown_counter": self.cooldown_counter,
        }

    def _set_counters(self, counters: dict) -> None:
        super()._set_counters(counters)
        self.best = float(counters["best"])
        self.num_bad_epochs = int(counters["num_bad_epochs"])
        self.cooldown_counter = int(counters["cooldown_counter"])


def _is_number(value) -> bool:
    """A real number, or one of the strings that stand for non-finite floats in the JSON."""
    return is_real(value) or value in ("inf", "-inf", "nan")
