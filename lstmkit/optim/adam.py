"""Adam and AdamW, step for step as torch.optim.Adam and torch.optim.AdamW."""

import numpy as np

from lstmkit.optim.base import Optimizer, flag, lerp_, non_negative, real


class Adam(Optimizer):
    """Adam: gradient steps scaled by running first and second moments (Kingma & Ba, 2015).

    For every parameter `param` with gradient `grad`, on step `t` (`step_count`, from 1):

        g = -grad if maximize else grad
        g = g + weight_decay * param                 (weight_decay != 0; Adam: L2 in the gradient)
        param = param * (1 - lr * weight_decay)      (weight_decay != 0; AdamW: decoupled decay,
                                                      instead of the line above)
        exp_avg = lerp(exp_avg, g, 1 - beta1)        (= beta1 * exp_avg + (1 - beta1) * g)
        exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * g * g
        max_exp_avg_sq = maximum(max_exp_avg_sq, exp_avg_sq)     (amsgrad)
        bias_correction1 = 1 - beta1 ** t
        bias_correction2 = 1 - beta2 ** t
        step_size = lr / bias_correction1
        denom = sqrt(max_exp_avg_sq if amsgrad else exp_avg_sq) / sqrt(bias_correction2) + eps
        param = param - step_size * exp_avg / denom

    As in torch's implementation, amsgrad keeps the maximum of the raw `exp_avg_sq` and
    bias-corrects it afterwards, and `lerp(a, b, w)` is `a + w * (b - a)` for w < 0.5 and
    `b - (b - a) * (1 - w)` otherwise.

    Args:
        model: anything with `params` and `grads` dicts (a Module).
        lr: learning rate, >= 0.
        betas: (beta1, beta2), the decay rates of the moment averages, each in [0, 1).
        eps: added to the denominator, >= 0.
        weight_decay: >= 0; Adam adds `weight_decay * param` to the gradient.
        amsgrad: normalise by the running maximum of the second moment.
        maximize: ascend the objective instead of descending.

    State per parameter: `exp_avg`, `exp_avg_sq`, and `max_exp_avg_sq` (amsgrad).
    """

    HYPERPARAMETERS = ("betas", "eps", "weight_decay", "amsgrad", "maximize")
    decoupled_weight_decay = False

    def __init__(
        self,
        model,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        non_negative("lr", lr)
        self.eps = non_negative("eps", eps)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2); got {betas!r}")
        for index, beta in enumerate(betas):
            if not 0 <= real(f"betas[{index}]", beta) < 1:
                raise ValueError(f"betas[{index}] must be in [0, 1); got {beta!r}")
        self.betas = (float(betas[0]), float(betas[1]))
        self.weight_decay = non_negative("weight_decay", weight_decay)
        self.amsgrad = flag("amsgrad", amsgrad)
        self.maximize = flag("maximize", maximize)
        super().__init__(model, lr)

    def _slot_names(self) -> tuple[str, ...]:
        return ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if self.amsgrad else ())

    def _update(self, param, grad, state) -> None:
        beta1, beta2 = self.betas
        g = -grad if self.maximize else grad
        if self.weight_decay != 0:
            if self.decoupled_weight_decay:
                param *= 1 - self.lr * self.weight_decay
            else:
                g = g + self.weight_decay * param
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        lerp_(exp_avg, g, 1 - beta1)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * g * g

        bias_correction1 = 1 - beta1**self.step_count
        bias_correction2 = 1 - beta2**self.step_count
        step_size = self.lr / bias_correction1
        second = exp_avg_sq
        if self.amsgrad:
            second = state["max_exp_avg_sq"]
            np.maximum(second, exp_avg_sq, out=second)
        denom = np.sqrt(second)
        denom /= bias_correction2**0.5
        denom += self.eps
        update = -step_size * exp_avg
        update /= denom
        param += update


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as torch.optim.AdamW.

    The update is Adam's (see `Adam`) except for the weight decay, which shrinks the parameter
    directly instead of entering the gradient and the moments:

        param = param * (1 - lr * weight_decay)

    before the moment updates. Same arguments and state as `Adam`; `weight_decay` defaults to
    1e-2.
    """

    decoupled_weight_decay = True

    def __init__(
        self,
        model,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(model, lr, betas, eps, weight_decay, amsgrad, maximize)
