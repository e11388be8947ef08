"""Optimizers, gradient clipping and learning-rate schedules, step for step as torch.optim.

    optimizer = Adam(model, lr=1e-3)              # model: a Module (params and grads dicts)
    schedule = CosineAnnealingLR(optimizer, T_max=50)
    for epoch in range(50):
        for batch in batches:
            optimizer.zero_grad()
            ...                                    # forward and backward fill model.grads
            clip_grad_norm(model, 1.0)
            optimizer.step()                       # updates model.params in place
        schedule.step()

Every optimizer follows torch.optim's update rule and defaults, so the same gradients give
the same parameters (tests compare 100 steps of every option with torch).
"""

from lstmkit.optim.adagrad import Adagrad
from lstmkit.optim.adam import Adam, AdamW
from lstmkit.optim.base import Optimizer
from lstmkit.optim.clip import clip_grad_norm, clip_grad_value
from lstmkit.optim.rmsprop import RMSprop
from lstmkit.optim.schedules import (
    CosineAnnealingLR,
    ExponentialLR,
    LinearLR,
    ReduceLROnPlateau,
    Schedule,
    StepLR,
)
from lstmkit.optim.sgd import SGD

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "CosineAnnealingLR",
    "ExponentialLR",
    "LinearLR",
    "Optimizer",
    "RMSprop",
    "ReduceLROnPlateau",
    "Schedule",
    "StepLR",
    "clip_grad_norm",
    "clip_grad_value",
]
