"""Ctrl-C while the command is still importing NumPy and the models ends as one line, status
130, as it does later (issue 23, item 20): the interrupt is simulated by a `numpy` package,
found first on PYTHONPATH, whose import raises KeyboardInterrupt."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

CONSOLE_SCRIPT = Path(sys.executable).parent / "lstmkit"


@pytest.fixture
def interrupting_numpy(tmp_path):
    """An environment in which `import numpy` raises KeyboardInterrupt."""
    package = tmp_path / "numpy"
    package.mkdir()
    (package / "__init__.py").write_text("raise KeyboardInterrupt\n")
    return {**os.environ, "PYTHONPATH": str(tmp_path)}


def run(command, environment):
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60)


def test_python_dash_m_lstmkit(interrupting_numpy):
    result = run([sys.executable, "-m", "lstmkit", "trace"], interrupting_numpy)
    assert result.stderr.splitlines() == ["lstmkit: interrupted"]
    assert result.returncode == 130


@pytest.mark.skipif(not CONSOLE_SCRIPT.is_file(), reason="the console script is not installed")
def test_the_console_script(interrupting_numpy):
    result = run([sys.executable, str(CONSOLE_SCRIPT), "trace"], interrupting_numpy)
    assert result.stderr.splitlines() == ["lstmkit: interrupted"]
    assert result.returncode == 130


def test_a_program_importing_lstmkit_keeps_pythons_own_handling(interrupting_numpy):
    result = run([sys.executable, "-c", "import lstmkit"], interrupting_numpy)
    assert "Traceback (most recent call last):" in result.stderr
    assert result.stderr.strip().endswith("KeyboardInterrupt")
    assert result.returncode != 130
