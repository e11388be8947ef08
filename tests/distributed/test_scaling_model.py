"""bench/scaling.py's cost model (docs/scaling.md), against numbers worked out by hand."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "scaling.py"


@pytest.fixture(scope="module")
def scaling():
    spec = importlib.util.spec_from_file_location("bench_scaling", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_allreduce_time_is_the_ring_volume_over_bandwidth_plus_latency_per_round(scaling):
    # 8 ranks, 4 MB, 10 Gbit/s = 1.25e9 B/s: 2 * 7/8 * 4e6 / 1.25e9 = 5.6 ms; 3 rounds of 50 us
    assert scaling.allreduce_seconds(4e6, 8, 10, 50e-6) == pytest.approx(5.75e-3, rel=1e-12)
    assert scaling.allreduce_seconds(4e6, 1, 10, 50e-6) == 0.0


def test_the_projection_of_a_measured_step(scaling):
    # 8 ranks at 10 Gbit/s, 4 MB: allreduce 5.75 ms; a 50 ms step at batch 16 takes 55.75 ms,
    # 8 * 50 / 55.75 = 7.17x, 90 % needs 16 * 9 * 5.75 / 50 = 16.56 -> 17 per rank
    row = next(scaling.rows(4e6, 50e-6, 0.9, step_seconds=0.05, batch=16))
    assert row == {
        "ranks": 8,
        "network": "10 Gbit/s",
        "allreduce": "5.75 ms",
        "step": "55.8 ms",
        "speed-up": "7.2x",
        "efficiency": "90%",
        "batch for 90%": "17",
    }
