"""lstmkit: LSTM networks from their equations, in NumPy, exact and verified."""

from lstmkit import cells, data, losses, models, nn, onnx_ops, ops, optim, training
from lstmkit._version import __version__
from lstmkit.io import load, save
from lstmkit.module import Module
from lstmkit.recurrent import GRU, LSTM, RNN

__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "Module",
    "__version__",
    "cells",
    "data",
    "load",
    "losses",
    "models",
    "nn",
    "onnx_ops",
    "ops",
    "optim",
    "save",
    "training",
]
