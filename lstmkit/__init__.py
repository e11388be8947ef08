"""lstmkit: LSTM networks from their equations, in NumPy, exact and verified."""

from lstmkit import cells, onnx_ops, ops
from lstmkit.io import load, save
from lstmkit.module import Module
from lstmkit.recurrent import GRU, LSTM, RNN

__version__ = "0.1.0"

__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "Module",
    "cells",
    "load",
    "onnx_ops",
    "ops",
    "save",
    "__version__",
]
