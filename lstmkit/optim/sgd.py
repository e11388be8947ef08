"""Stochastic gradient descent with (Nesterov) momentum, step for step as torch.optim.SGD."""

from lstmkit.optim.base import Optimizer, flag, non_negative, real


class SGD(Optimizer):
    """Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay.

    For every parameter `param` with gradient `grad`, on step `t` (`step_count`, from 1):

        g = -grad if maximize else grad
        g = g + weight_decay * param                          (weight_decay != 0)
        buf = g                                       (t == 1, momentum != 0)
        buf = momentum * buf + (1 - dampening) * g    (t > 1,  momentum != 0)
        g = g + momentum * buf if nesterov else buf           (momentum != 0)
        param = param - lr * g

    The first momentum step copies the gradient into `buf` undamped, as torch does.

    Args:
        model: anything with `params` and `grads` dicts (a Module).
        lr: learning rate, >= 0.
        momentum: momentum factor, >= 0 (0: plain SGD, no state).
        dampening: dampening of the gradient added to the momentum buffer.
        weight_decay: L2 penalty added to the gradient, >= 0.
        nesterov: Nesterov momentum; needs momentum > 0 and dampening == 0.
        maximize: ascend the objective instead of descending.

    State per parameter: `momentum_buffer` (when momentum != 0).
    """

    HYPERPARAMETERS = ("momentum", "dampening", "weight_decay", "nesterov", "maximize")

    def __init__(
        self,
        model,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        maximize: bool = False,
    ) -> None:
        non_negative("lr", lr)
        self.momentum = non_negative("momentum", momentum)
        self.dampening = real("dampening", dampening)
        self.weight_decay = non_negative("weight_decay", weight_decay)
        self.nesterov = flag("nesterov", nesterov)
        self.maximize = flag("maximize", maximize)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(
                "nesterov=True needs momentum > 0 and dampening == 0; "
                f"got momentum={momentum!r}, dampening={dampening!r}"
            )
        super().__init__(model, lr)

    def _slot_names(self) -> tuple[str, ...]:
        return ("momentum_buffer",) if self.momentum != 0 else ()

    def _update(self, param, grad, state) -> None:
        g = -grad if self.maximize else grad
        if self.weight_decay != 0:
            g = g + self.weight_decay * param
        if self.momentum != 0:
            buf = state["momentum_buffer"]
            if self.step_count == 1:
                buf[...] = g
            else:
                buf *= self.momentum
                buf += (1 - self.dampening) * g
            g = g + self.momentum * buf if self.nesterov else buf
        param -= self.lr * g
