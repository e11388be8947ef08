"""Shared fixtures: reference packages and data that tests compare against.

Reference tests (PyTorch parity, onnxruntime, ../shared/data) skip when what they need is
missing, so a user's fresh checkout without the dev extra still runs the rest of the suite.
CI sets LSTMKIT_REQUIRE_REFERENCES=1, which turns such a skip into a failure: a CI run must
never pass because its references were silently absent.
"""

import importlib
import os
from pathlib import Path

import pytest


def _import_reference(name: str):
    try:
        return importlib.import_module(name)
    except ImportError as error:
        if os.environ.get("LSTMKIT_REQUIRE_REFERENCES") == "1":
            pytest.fail(f"reference package {name!r} is required here but not importable: {error}")
        pytest.skip(f"reference package {name!r} is not installed (pip install '.[dev]')")


@pytest.fixture(scope="session")
def torch():
    """The torch module (skips, or fails under CI, when it is not installed)."""
    return _import_reference("torch")


@pytest.fixture(scope="session")
def onnx():
    """The onnx module (skips, or fails under CI, when it is not installed)."""
    return _import_reference("onnx")


@pytest.fixture(scope="session")
def onnxruntime():
    """The onnxruntime module (skips, or fails under CI, when it is not installed)."""
    return _import_reference("onnxruntime")


@pytest.fixture(scope="session")
def safetensors_numpy():
    """safetensors.numpy (skips, or fails under CI, when safetensors is not installed)."""
    return _import_reference("safetensors.numpy")


@pytest.fixture(scope="session")
def mpi4py():
    """mpi4py, not initialised (skips, or fails under CI, when it is not installed): the
    distributed tests run their workers under mpiexec."""
    return _import_reference("mpi4py")


@pytest.fixture(scope="session")
def joblib():
    """joblib, with threadpoolctl (the `parallel` extra; skips, or fails under CI, when
    missing): n_jobs other than 1 dispatches through them."""
    _import_reference("threadpoolctl")
    return _import_reference("joblib")


@pytest.fixture(scope="session")
def distributed():
    """dask.distributed (the `dask` extra; skips, or fails under CI, when it is not
    installed): the n_jobs fits on a LocalCluster."""
    return _import_reference("distributed")


@pytest.fixture(scope="session")
def mkdocs():
    """mkdocs, with the site's theme and API plugin (skips, or fails under CI, when missing)."""
    module = _import_reference("mkdocs")  # first: the plugins' imports need it
    for name in ("material", "mkdocstrings_handlers.python"):
        _import_reference(name)
    return module


SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """`../shared/data` beside the checkout (skips when absent, fails under CI)."""
    if not SHARED_DATA.is_dir():
        message = f"shared data folder {SHARED_DATA} is absent"
        if os.environ.get("LSTMKIT_REQUIRE_REFERENCES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return SHARED_DATA
