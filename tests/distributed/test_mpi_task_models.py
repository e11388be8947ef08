"""The task models with distributed="mpi" under `mpiexec -n 2`, against one process.

`_workers/task_models.py` fits SequenceClassifier (two members, one after another), Forecaster
(its epoch-choosing fit, then two members) and CharLanguageModel on 2 ranks with per-rank
batch B; here each is fitted in one process with batch 2B. The task models train in float32:
within 1e-5 (the issue's float32 tolerance), and the ranks' replicas bit-identical.
"""

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from lstmkit import datasets
from lstmkit.cli import main
from lstmkit.models import CharLanguageModel, Forecaster, SequenceClassifier
from tests.cli.test_classify import write_npz

HERE = Path(__file__).resolve().parent


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# the MPI launch of test_mpi_training (the tests import in importlib mode: no sibling import)
launch = _load("mpi_launch", HERE / "test_mpi_training.py")
models = _load("task_models", HERE / "_workers" / "task_models.py")
mpiexec = launch.mpiexec  # the fixture


@pytest.fixture(scope="module")
def two_ranks(mpiexec, tmp_path_factory):
    out = tmp_path_factory.mktemp("task_models")
    done = launch.run_workers(mpiexec, "fits", out, script="task_models.py")
    assert done.returncode == 0, done.stdout[-3000:]
    return np.load(out / "task_models.npz")


@pytest.mark.parametrize("name", models.MODELS)
def test_two_ranks_of_batch_b_fit_the_model_of_one_process_of_batch_2b(two_ranks, name):
    params = models.fit(name, 2 * models.PER_RANK_BATCH).network_.params
    assert two_ranks[f"{name}/spread"] == 0.0
    assert sorted(f"{name}/weight/{key}" for key in params) == sorted(
        key for key in two_ranks.files if key.startswith(f"{name}/weight/")
    )
    largest = max(
        float(np.max(np.abs(value - two_ranks[f"{name}/weight/{key}"])))
        for key, value in params.items()
    )
    assert largest <= 1e-5


def test_mpi_with_n_jobs_is_refused_naming_both():
    model = SequenceClassifier(distributed="mpi", n_jobs=2, seed=0)
    with pytest.raises(ValueError, match=r"one after another.*must be None or 1.*got n_jobs=2"):
        model.fit([np.zeros((3, 1))] * 4, [0, 1, 0, 1])


def test_mpi_without_a_seed_is_refused():
    with pytest.raises(ValueError, match=r"distributed='mpi' needs a fixed seed.*got seed=None"):
        CharLanguageModel(distributed="mpi").fit("abcdefgh" * 20)


def test_distributed_must_be_none_or_mpi_on_the_task_models():
    with pytest.raises(ValueError, match=r"distributed must be None or 'mpi'; got 'dask'"):
        CharLanguageModel(distributed="dask", seed=0).fit("abcdefgh" * 20)


# ---- the CLI: --distributed mpi ------------------------------------------------------------


def test_forecast_distributed_mpi_writes_once_the_model_of_one_process_of_batch_2b(
    mpiexec, tmp_path
):
    out = tmp_path / "out"
    line = ["forecast", "--epochs", "2", "--hidden-size", "4", "--ensemble", "2", "--holdout", "0"]
    arguments = ["-m", "lstmkit", *line, "--distributed", "mpi", "--json", "--out", str(out)]
    done = launch.run_ranks(mpiexec, arguments, merge=False)
    assert done.returncode == 0, done.stderr[-3000:]
    # rank 0 alone printed its one JSON document and wrote the files (rank 1: no --out)
    files = json.loads(done.stdout)["files"]
    assert sorted(Path(p).name for p in files) == sorted(p.name for p in out.iterdir())
    saved = Forecaster.load(out / "model.safetensors")
    assert saved.distributed == "mpi" and saved.batch_size == 32
    # the same model in this process, with the global batch of 2 ranks x 32 windows
    settings = {**saved.get_params(), "batch_size": 64, "distributed": None, "verbose": 0}
    here = Forecaster(**settings).fit(datasets.load_airline().values[:, 0])
    mine, theirs = here.network_.state_dict(), saved.network_.state_dict()
    assert list(mine) == list(theirs)
    assert max(float(np.max(np.abs(mine[k] - theirs[k]))) for k in mine) <= 1e-5


def write_text(path):
    path.write_text("the quick brown fox jumps over the lazy dog\n" * 12, encoding="utf-8")


COMMANDS = {
    # dropout is on in these commands' models, so only who writes what is compared here
    "classify": (
        lambda folder: write_npz(folder / "train.npz"),
        ["classify", "{folder}/train.npz", "--architecture", "lstm", "--ensemble", "1"],
        SequenceClassifier,
    ),
    "charlm": (
        lambda folder: write_text(folder / "text.txt"),
        ["charlm", "train", "{folder}/text.txt", "--layers", "1", "--seq-len", "8"],
        CharLanguageModel,
    ),
}


@pytest.mark.parametrize("command", COMMANDS)
def test_classify_and_charlm_distributed_mpi_write_their_files_once(mpiexec, tmp_path, command):
    write, line, cls = COMMANDS[command]
    write(tmp_path)
    line = [*line, "--epochs", "1", "--hidden-size", "4", "--distributed", "mpi", "--json"]
    out = tmp_path / "out"
    arguments = ["-m", "lstmkit", *[a.format(folder=tmp_path) for a in line]]
    done = launch.run_ranks(mpiexec, [*arguments, "--out", str(out)], merge=False)
    assert done.returncode == 0, done.stderr[-3000:]
    files = json.loads(done.stdout)["files"]  # one document: rank 1 printed nothing
    assert sorted(Path(p).name for p in files) == sorted(p.name for p in out.iterdir())
    assert cls.load(out / "model.safetensors").distributed == "mpi"


def test_distributed_beside_n_jobs_is_a_usage_error(capsys):
    assert main(["forecast", "--n-jobs", "2", "--distributed", "mpi"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "lstmkit: error: --distributed mpi trains the ensemble's networks one after another, "
        "each on every rank; it cannot be used with --n-jobs 2 (use --n-jobs 1)"
    ]


def test_distributed_without_mpi4py_is_a_usage_error_naming_the_extra(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import mpi4py fails
    assert main(["charlm", "train", "any.txt", "--distributed", "mpi"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "lstmkit: error: --distributed mpi needs mpi4py and an MPI library: pip install "
        '"lstmkit[mpi]" (run the command under mpiexec -n K)'
    ]
