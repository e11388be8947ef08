"""Stateless numeric kernels shared by the cells and layers."""

from lstmkit.ops.activations import (
    sigmoid,
    sigmoid_,
    sigmoid_grad_from_output,
    tanh,
    tanh_,
    tanh_grad_from_output,
)

__all__ = [
    "sigmoid",
    "sigmoid_",
    "sigmoid_grad_from_output",
    "tanh",
    "tanh_",
    "tanh_grad_from_output",
]
