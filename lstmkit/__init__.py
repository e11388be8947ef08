"""lstmkit: LSTM networks from their equations, in NumPy, exact and verified."""

# ruff: noqa: E402 (the imports below follow the call that must run before them)
from lstmkit.cli.startup import quiet_interrupts_when_the_command

quiet_interrupts_when_the_command()  # first: Ctrl-C during the imports below (the command)

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
