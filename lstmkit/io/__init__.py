"""Saving and loading: safetensors weights with JSON configuration, atomic writes, no pickle."""

from lstmkit.io.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from lstmkit.io.model_file import load, save
from lstmkit.io.safetensors import SafetensorsError, read_safetensors, write_safetensors

__all__ = [
    "Checkpoint",
    "SafetensorsError",
    "load",
    "load_checkpoint",
    "read_safetensors",
    "save",
    "save_checkpoint",
    "write_safetensors",
]
