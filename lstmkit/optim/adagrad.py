"""Adagrad, step for step as torch.optim.Adagrad."""

import numpy as np

from lstmkit.optim.base import Optimizer, flag, non_negative


class Adagrad(Optimizer):
    """Adagrad: gradient steps divided by the root of all squared gradients so far (Duchi).

    For every parameter `param` with gradient `grad`, on step `t` (`step_count`, from 1):

        g = -grad if maximize else grad
        g = g + weight_decay * param                     (weight_decay != 0)
        clr = lr / (1 + (t - 1) * lr_decay)
        sum = sum + g * g                                (sum starts at initial_accumulator_value)
        param = param - clr * g / (sqrt(sum) + eps)

    Args:
        model: anything with `params` and `grads` dicts (a Module).
        lr: learning rate, >= 0.
        lr_decay: decay of the learning rate with the step count, >= 0.
        weight_decay: L2 penalty added to the gradient, >= 0.
        initial_accumulator_value: the starting value of `sum`, >= 0.
        eps: added to the denominator, >= 0.
        maximize: ascend the objective instead of descending.

    State per parameter: `sum`.
    """

    HYPERPARAMETERS = ("lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize")

    def __init__(
        self,
        model,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        maximize: bool = False,
    ) -> None:
        non_negative("lr", lr)
        self.lr_decay = non_negative("lr_decay", lr_decay)
        self.weight_decay = non_negative("weight_decay", weight_decay)
        self.initial_accumulator_value = non_negative(
            "initial_accumulator_value", initial_accumulator_value
        )
        self.eps = non_negative("eps", eps)
        self.maximize = flag("maximize", maximize)
        super().__init__(model, lr)

    def _slot_names(self) -> tuple[str, ...]:
        return ("sum",)

    def _initial_slot_value(self, slot: str) -> float:
        return self.initial_accumulator_value

    def _update(self, param, grad, state) -> None:
        g = -grad if self.maximize else grad
        if self.weight_decay != 0:
            g = g + self.weight_decay * param
        clr = self.lr / (1 + (self.step_count - 1) * self.lr_decay)
        accumulated = state["sum"]
        accumulated += g * g
        std = np.sqrt(accumulated)
        std += self.eps
        update = -clr * g
        update /= std
        param += update
