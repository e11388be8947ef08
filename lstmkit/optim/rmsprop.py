"""RMSprop, step for step as torch.optim.RMSprop."""

import numpy as np

from lstmkit.optim.base import Optimizer, flag, lerp_, non_negative


class RMSprop(Optimizer):
    """RMSprop: gradient steps divided by a running root mean square of the gradient (Hinton).

    For every parameter `param` with gradient `grad`, on every step:

        g = -grad if maximize else grad
        g = g + weight_decay * param                          (weight_decay != 0)
        square_avg = alpha * square_avg + (1 - alpha) * g * g
        grad_avg = lerp(grad_avg, g, 1 - alpha)               (centered)
        avg = sqrt(square_avg - grad_avg * grad_avg) + eps    (centered)
        avg = sqrt(square_avg) + eps                          (not centered)
        buf = momentum * buf + g / avg                        (momentum > 0)
        param = param - lr * buf                              (momentum > 0)
        param = param - lr * g / avg                          (momentum == 0)

    Note that eps is added outside the square root, as torch does.

    Args:
        model: anything with `params` and `grads` dicts (a Module).
        lr: learning rate, >= 0.
        alpha: smoothing constant of the averages, >= 0.
        eps: added to the denominator, >= 0.
        weight_decay: L2 penalty added to the gradient, >= 0.
        momentum: momentum factor, >= 0.
        centered: divide by an estimate of the gradient's variance instead of its second moment.
        maximize: ascend the objective instead of descending.

    State per parameter: `square_avg`, `grad_avg` (centered), `momentum_buffer` (momentum > 0).
    """

    HYPERPARAMETERS = ("alpha", "eps", "weight_decay", "momentum", "centered", "maximize")

    def __init__(
        self,
        model,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        maximize: bool = False,
    ) -> None:
        non_negative("lr", lr)
        self.alpha = non_negative("alpha", alpha)
        self.eps = non_negative("eps", eps)
        self.weight_decay = non_negative("weight_decay", weight_decay)
        self.momentum = non_negative("momentum", momentum)
        self.centered = flag("centered", centered)
        self.maximize = flag("maximize", maximize)
        super().__init__(model, lr)

    def _slot_names(self) -> tuple[str, ...]:
        slots = ("square_avg",)
        if self.centered:
            slots += ("grad_avg",)
        if self.momentum > 0:
            slots += ("momentum_buffer",)
        return slots

    def _update(self, param, grad, state) -> None:
        g = -grad if self.maximize else grad
        if self.weight_decay != 0:
            g = g + self.weight_decay * param
        square_avg = state["square_avg"]
        square_avg *= self.alpha
        square_avg += (1 - self.alpha) * g * g
        if self.centered:
            grad_avg = state["grad_avg"]
            lerp_(grad_avg, g, 1 - self.alpha)
            avg = square_avg - grad_avg * grad_avg
            np.sqrt(avg, out=avg)
        else:
            avg = np.sqrt(square_avg)
        avg += self.eps
        if self.momentum > 0:
            buf = state["momentum_buffer"]
            buf *= self.momentum
            buf += g / avg
            param -= self.lr * buf
        else:
            update = -self.lr * g
            update /= avg
            param += update
