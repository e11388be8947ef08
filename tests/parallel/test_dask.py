"""n_jobs on a Dask cluster (issue 18): `with joblib.parallel_backend("dask"):` sends the same
member fits to a `distributed.LocalCluster` of 2 worker processes, which give the same
predictions, bit for bit, as n_jobs=1 in this process.

Skipped without `distributed` (the `dask` extra), failed then under
LSTMKIT_REQUIRE_REFERENCES=1 (tests/conftest.py).
"""

import numpy as np
import pytest

from lstmkit.models import Forecaster, SequenceClassifier


@pytest.fixture(scope="module")
def client(distributed, joblib):
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, distributed.Client(cluster) as connected:
        yield connected


def test_sequence_classifier_on_dask_equals_n_jobs_1(client, joblib, distributed):
    rng = np.random.default_rng(0)
    X = [rng.standard_normal((int(rng.integers(4, 9)), 2)) for _ in range(16)]
    y = np.array(["a", "b"] * 8)
    settings = dict(hidden_size=4, epochs=2, ensemble=2, batch_size=8, seed=11)
    here = SequenceClassifier(**settings).fit(X, y)
    with distributed.get_task_stream(client) as tasks, joblib.parallel_backend("dask"):
        remote = SequenceClassifier(**settings, n_jobs=-1).fit(X, y)
    # the members were trained by the cluster's workers, not here
    workers = {task["worker"] for task in tasks.data}
    assert len(tasks.data) >= 2 and workers <= set(client.scheduler_info()["workers"])
    assert np.array_equal(here.predict_proba(X), remote.predict_proba(X))


def test_forecaster_on_dask_equals_n_jobs_1(client, joblib):
    t = np.arange(48.0)
    y = 10 + np.sin(2 * np.pi * t / 6) + 0.05 * t
    settings = dict(horizon=3, period=6, hidden_size=4, epochs=2, ensemble=2, seed=11)
    here = Forecaster(**settings).fit(y)
    with joblib.parallel_backend("dask"):
        remote = Forecaster(**settings, n_jobs=2).fit(y)
    for a, b in zip(
        here.predict(return_intervals=True), remote.predict(return_intervals=True), strict=True
    ):
        assert np.array_equal(a, b)
