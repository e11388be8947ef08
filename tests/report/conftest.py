"""The seven training commands run once each (tiny), for every report test to read."""

import importlib.util
import os
from pathlib import Path

import pytest


def load_tiny_runs():
    """tests/report/tiny_runs.py as a module (the tests import by path, not as a package)."""
    path = Path(__file__).with_name("tiny_runs.py")
    spec = importlib.util.spec_from_file_location("report_tiny_runs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def tiny_runs():
    return load_tiny_runs()


@pytest.fixture(scope="session")
def report_folders(tmp_path_factory, tiny_runs):
    """{command: its --out folder} after one tiny run of each."""
    if os.environ.get("LSTMKIT_REQUIRE_REFERENCES") == "1":
        import matplotlib  # noqa: F401  (CI: a missing plot extra fails, never skips)
    pytest.importorskip("matplotlib")
    folder = tmp_path_factory.mktemp("reports")
    return {command: make(folder) for command, make in tiny_runs.RUNS.items()}
