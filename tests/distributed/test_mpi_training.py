"""Trainer(distributed="mpi") under `mpiexec -n 2`, against one process.

The workers (`_workers/train.py`) run as a real MPI job of 2 ranks in a subprocess (with a
timeout: a hang fails the test); the one-process reference trains the same runs
(`_workers/cases.py`) in the test process with batch 2B where each rank had B. Skipped without
mpi4py, failed then under LSTMKIT_REQUIRE_REFERENCES=1 (tests/conftest.py).
"""

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest

import lstmkit
from lstmkit.distributed import ShardedData, share
from lstmkit.training import OnlineBatches, StreamChunks, Trainer

WORKERS = Path(__file__).resolve().parent / "_workers"
# float64: rounding alone (the sums of the gradient run in another order); float32 as the issue
TOLERANCE = {"float64": 1e-10, "float32": 1e-5}


def _load_cases():
    spec = importlib.util.spec_from_file_location("distributed_cases", WORKERS / "cases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cases = _load_cases()


def find_mpiexec() -> str | None:
    """The mpiexec beside this Python (where the mpich wheel installs it), else on PATH."""
    beside = Path(sysconfig.get_path("scripts")) / "mpiexec"
    return str(beside) if beside.is_file() else shutil.which("mpiexec")


@pytest.fixture(scope="module")
def mpiexec(mpi4py):
    found = find_mpiexec()
    if found is None:
        message = 'no mpiexec beside this Python nor on PATH (pip install "lstmkit[mpi]")'
        if os.environ.get("LSTMKIT_REQUIRE_REFERENCES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


def run_workers(mpiexec: str, mode: str, out: Path, timeout: float = 120, script="train.py"):
    """`mpiexec -n 2 python SCRIPT mode out` -> the CompletedProcess (output in .stdout)."""
    return run_ranks(mpiexec, [str(WORKERS / script), mode, str(out)], timeout)


def run_ranks(mpiexec: str, arguments: list, timeout: float = 120, merge: bool = True):
    """`mpiexec -n 2 python *arguments` -> the CompletedProcess (output in .stdout, and
    stderr in it too when `merge`)."""
    # the workers import the lstmkit this test imported (not another installed copy), and
    # each rank uses one BLAS thread (two ranks on two cores)
    source = str(Path(lstmkit.__file__).resolve().parents[1])
    path = os.pathsep.join([source, *filter(None, [os.environ.get("PYTHONPATH")])])
    env = {**os.environ, "PYTHONPATH": path, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(
        [mpiexec, "-n", str(cases.RANKS), sys.executable, *arguments],
        stdin=subprocess.DEVNULL,  # mpiexec forwards its input to rank 0: none here
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge else subprocess.PIPE,
        text=True,
        timeout=timeout,
        env=env,
    )


def run_ok(mpiexec: str, mode: str, out: Path):
    done = run_workers(mpiexec, mode, out)
    assert done.returncode == 0, done.stdout[-3000:]
    return np.load(out / f"{mode}.npz")


@pytest.fixture(scope="module")
def equivalence(mpiexec, tmp_path_factory):
    return run_ok(mpiexec, "equivalence", tmp_path_factory.mktemp("equivalence"))


def one_process(case: str, dtype: str, **changes):
    """The reference: the run of `case` in this process, with batch K * B -> (network, history)."""
    network, step, train, validation, settings = cases.build(case, dtype, 1)
    history = Trainer(**{**settings, **changes}).fit(network, step, train, validation)
    return network, history


def largest_difference(params: dict, saved, prefix: str = "") -> float:
    return max(float(np.max(np.abs(v - saved[f"{prefix}{k}"]))) for k, v in params.items())


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", cases.CASES)
def test_two_ranks_of_batch_b_train_as_one_process_of_batch_2b(equivalence, case, dtype):
    network, history = one_process(case, dtype)
    key = f"{case}-{dtype}"
    assert largest_difference(network.params, equivalence, f"{key}/weight/") <= TOLERANCE[dtype]
    # the reduced losses and metrics, on which early stopping and the schedule decide
    for name, values in history.records.items():
        if name != "time":
            reduced = equivalence[f"{key}/history/{name}"]
            np.testing.assert_allclose(reduced, values, rtol=0, atol=TOLERANCE[dtype])


def test_the_replicas_are_bit_identical_before_every_step(equivalence):
    for case in cases.CASES:
        for dtype in ("float64", "float32"):
            spreads = equivalence[f"{case}-{dtype}/spread"]
            # before each of the 20 steps (after each of the 4 epochs where a rank may have
            # no share of a batch, so no step to measure in), and at the end
            assert len(spreads) == (5 if case in cases.EMPTY_SHARES else 21)
            assert np.all(spreads == 0.0), (case, dtype, spreads)


def test_resume_under_mpi_continues_as_one_uninterrupted_run(mpiexec, tmp_path):
    saved = run_ok(mpiexec, "resume", tmp_path)
    assert sorted(p.name for p in (tmp_path / "rank0").iterdir()) == [
        "best.safetensors",
        "last.safetensors",
    ]
    assert not (tmp_path / "rank1").exists()  # rank 0 alone writes
    network, _ = one_process("classifier", "float64")  # 4 epochs without a stop
    assert largest_difference(network.params, saved) <= TOLERANCE["float64"]
    assert len(saved["spread"]) == 10 and np.all(saved["spread"] == 0.0)  # epochs 3-4


def test_a_step_diverging_on_one_rank_is_skipped_on_every_rank(mpiexec, tmp_path):
    saved = run_ok(mpiexec, "diverge", tmp_path)
    # two diverged steps in epoch 1 (a NaN loss, an overflow), each skipped on both ranks and
    # halving the learning rate there: 0.01 -> 0.0025, kept for the 3 epochs after
    assert saved["lr"].tolist() == [0.0025] * 4
    assert len(saved["spread"]) == 21 and np.all(saved["spread"] == 0.0)


FAILURES = {
    # a step raising on rank 1: every rank learns of it in the step's Allreduce and raises
    "fail-step": (
        "RankFailedError: rank 1 of 2 failed in its training step: RuntimeError: a step "
        "failing on purpose",
        ["rank0.error", "rank1.error"],
    ),
    # ranks resuming from checkpoints of different epochs would run different steps and wait
    # for each other forever: every rank refuses
    "fail-resume": (
        "RankFailedError: the ranks disagree on the epoch of resume_from: from 1 to 2",
        ["rank0.error", "rank1.error"],
    ),
    # a callback raising on rank 1 alone, which rank 0 cannot learn of: MPI Abort ends both
    # before any error goes up (rank 1 prints the message)
    "fail-alone": (
        "lstmkit: error: rank 1 of 2 failed, ending every rank: RuntimeError: a callback "
        "failing on purpose",
        [],
    ),
}


@pytest.mark.parametrize("mode", FAILURES)
def test_a_failing_rank_ends_the_job_with_its_error_never_a_hang(mpiexec, tmp_path, mode):
    message, raised = FAILURES[mode]
    done = run_workers(mpiexec, mode, tmp_path, timeout=60)  # a hang fails on the timeout
    assert done.returncode != 0
    errors = {path.name: path.read_text() for path in tmp_path.glob("rank*.error")}
    assert sorted(errors) == raised, done.stdout[-3000:]
    assert all(text.startswith(message) for text in errors.values()), errors
    if not raised:
        assert message in done.stdout, done.stdout[-3000:]


# ---- without MPI: how a batch is split -----------------------------------------------------


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_share_cuts_a_batch_into_contiguous_blocks_of_near_equal_size(size):
    for n in range(12):
        blocks = [range(n)[share(n, rank, size)] for rank in range(size)]
        assert [i for block in blocks for i in block] == list(range(n))
        assert max(map(len, blocks)) - min(map(len, blocks)) <= 1
        assert n == 0 or len(blocks[0]) > 0  # rank 0 holds an item of every batch


def test_sharded_data_builds_this_ranks_share_and_none_when_it_is_empty():
    class Items:
        lengths = np.arange(5)

        def __len__(self):
            return 5

        def batch(self, indices):
            return list(indices)

    indices = np.array([4, 0, 3])
    assert ShardedData(Items(), 0, 2).batch(indices) == [4, 0]
    assert ShardedData(Items(), 1, 2).batch(indices) == [3]
    assert ShardedData(Items(), 1, 2).batch(indices[:1]) is None
    assert list(ShardedData(Items(), 1, 2).lengths) == list(range(5))


class TwoRanks:
    """What Trainer.batches reads of the replicas of a distributed fit (rank 1 of 2)."""

    rank, size = 1, 2


def test_a_distributed_fit_takes_this_ranks_streams():
    ids = np.arange(5 * 9).reshape(5, 9)
    chunks = Trainer().batches(StreamChunks(ids[:, :-1], ids[:, 1:], 4), True, TwoRanks())
    assert np.array_equal(chunks.inputs, ids[3:, :-1])  # rows 3-4: the second block of 5


def test_a_distributed_fit_refuses_batches_it_cannot_split():
    online = OnlineBatches(lambda n, seed: None, batch_size=2, budget=4, every=2)
    with pytest.raises(ValueError, match="splits data sets, LengthBatches and StreamChunks"):
        Trainer().batches(online, True, TwoRanks())
    one_stream = StreamChunks(np.zeros((1, 4)), np.zeros((1, 4)), 2)
    with pytest.raises(ValueError, match="StreamChunks of 1 streams cannot be split between 2"):
        Trainer().batches(one_stream, True, TwoRanks())


def test_without_mpi4py_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import mpi4py fails
    with pytest.raises(ImportError, match=r'needs mpi4py .*pip install "lstmkit\[mpi\]"'):
        Trainer(distributed="mpi")


def test_distributed_must_be_none_or_mpi():
    with pytest.raises(ValueError, match="distributed must be None or 'mpi'; got 'dask'"):
        Trainer(distributed="dask")
