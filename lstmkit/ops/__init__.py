"""Stateless numeric kernels shared by the cells and layers."""

from lstmkit.ops.activations import (
    sigmoid,
    sigmoid_,
    sigmoid_grad_from_output,
    tanh,
    tanh_,
    tanh_grad_from_output,
)
from lstmkit.ops.softmax import log_softmax, softmax

__all__ = [
    "log_softmax",
    "sigmoid",
    "sigmoid_",
    "sigmoid_grad_from_output",
    "softmax",
    "tanh",
    "tanh_",
    "tanh_grad_from_output",
]
