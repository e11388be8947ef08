"""The task models' distributed fits, run as `mpiexec -n 2 python task_models.py fits OUT`.

`fit(name, batch_size, distributed)` fits SequenceClassifier, Forecaster or CharLanguageModel
on tiny data; the MPI job fits each with distributed="mpi" and the per-rank batch B, and rank
0 saves every model's weights and its rank's spread (the largest difference between the two
ranks' weights, 0.0 for identical replicas) to OUT/task_models.npz. The test fits the same
models in one process with batch 2B and compares.
"""

import sys
from pathlib import Path

import numpy as np

from lstmkit.models import CharLanguageModel, Forecaster, SequenceClassifier

MODELS = ("classifier", "forecaster", "charlm")
PER_RANK_BATCH = 4


def _classifier(batch_size, distributed):
    rng = np.random.default_rng(0)
    X = [rng.standard_normal((rng.integers(4, 9), 2)) for _ in range(30)]
    y = np.array(["a", "b", "c"] * 10)
    model = SequenceClassifier(
        architecture="lstm",
        hidden_size=4,
        epochs=2,
        batch_size=batch_size,
        ensemble=2,
        patience=None,
        dropout=0.0,
        seed=3,
        distributed=distributed,
        lr=1e-2,
    )
    return model.fit(X, y)


def _forecaster(batch_size, distributed):
    rng = np.random.default_rng(1)
    series = [10 + np.cumsum(rng.standard_normal(40)) * 0.1 for _ in range(3)]
    model = Forecaster(
        horizon=3,
        period=1,
        lookback=6,
        hidden_size=4,
        epochs=3,
        batch_size=batch_size,
        ensemble=2,
        max_windows=20,
        seed=4,
        distributed=distributed,
    )
    return model.fit(series)


def _charlm(batch_size, distributed):
    rng = np.random.default_rng(2)
    text = "".join(rng.choice(list("abcde \n"), 600))
    model = CharLanguageModel(
        embedding_dim=4,
        hidden_size=6,
        num_layers=1,
        epochs=2,
        batch_size=batch_size,
        seq_len=8,
        dropout=0.0,
        seed=5,
        distributed=distributed,
    )
    return model.fit(text)


FITS = {"classifier": _classifier, "forecaster": _forecaster, "charlm": _charlm}


def fit(name: str, batch_size: int, distributed=None):
    return FITS[name](batch_size, distributed)


def main(out: Path) -> None:
    from lstmkit.distributed import MPICommunicator, MPIReplicas

    replicas = MPIReplicas(MPICommunicator())
    saved = {}
    for name in MODELS:
        params = fit(name, PER_RANK_BATCH, "mpi").network_.params
        saved[f"{name}/spread"] = replicas.spread(params)
        saved.update({f"{name}/weight/{key}": value for key, value in params.items()})
    if replicas.rank == 0:
        np.savez(out / "task_models.npz", **saved)


if __name__ == "__main__":
    main(Path(sys.argv[2]))
