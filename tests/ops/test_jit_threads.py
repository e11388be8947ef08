"""SciPy's BLAS, which the compiled time loops call, is limited with the other thread pools.

threadpoolctl limits only the pools loaded when its limit is entered, and SciPy's would load
at the first layer run; `lstmkit.ops.jit.preload_loops` loads it first. Checked in a fresh
interpreter, where nothing has loaded SciPy yet.
"""

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("numba")
pytest.importorskip("scipy")
pytest.importorskip("threadpoolctl")

_WORKER = """
import json, sys
import numpy as np
from threadpoolctl import threadpool_info
from lstmkit import LSTM
from lstmkit.ops import jit
from lstmkit.parallel.threads import one_thread

assert "scipy.linalg.cython_blas" not in sys.modules, "SciPy loaded too early to test"
with one_thread():
    LSTM(3, 4, seed=0).forward(np.ones((3, 5, 3), np.float32), lengths=np.array([5, 2, 4]))
    pools = [(p["filepath"], p["num_threads"]) for p in threadpool_info()]
print(json.dumps({"loops": jit.loops_for(np.float32, True) is not None, "pools": pools}))
"""


def test_one_thread_limits_the_blas_of_the_compiled_loops():
    # no thread variables: each pool would start its default threads (one per core)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    result = subprocess.run(
        [sys.executable, "-c", _WORKER], capture_output=True, text=True, check=True, env=env
    )
    report = json.loads(result.stdout)
    if not report["loops"]:
        pytest.skip("the compiled loops are switched off (LSTMKIT_JIT=0)")
    assert len(report["pools"]) >= 2, report["pools"]  # NumPy's BLAS and SciPy's at least
    assert all(threads == 1 for _, threads in report["pools"]), report["pools"]
