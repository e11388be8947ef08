"""n_jobs (issue 18): independent fits through joblib give the same numbers, bit for bit, as
n_jobs=1 (which runs in this process without importing joblib); each worker's BLAS runs on
one thread; bad values are refused naming n_jobs; Ctrl-C keeps the members finished.

Skipped without joblib and threadpoolctl (the `parallel` extra), failed then under
LSTMKIT_REQUIRE_REFERENCES=1 (tests/conftest.py).
"""

import signal
import sys

import numpy as np
import pytest

from lstmkit.models import Forecaster, SequenceClassifier
from lstmkit.models.backtest import cross_validation
from lstmkit.models.member_fits import MemberFit, train_members
from lstmkit.models.sequence_ensemble import SequenceEnsemble
from lstmkit.parallel import Interrupted, check_n_jobs, map_in_order
from lstmkit.training import History, TrainingInterrupted


@pytest.fixture(scope="module", autouse=True)
def parallel_extra(joblib):
    """Every test here needs joblib and threadpoolctl (skipped, or failed under CI)."""


def sequences(count=24, seed=0):
    rng = np.random.default_rng(seed)
    X = [rng.standard_normal((int(rng.integers(4, 9)), 2)) for _ in range(count)]
    y = np.array(["a", "b"] * (count // 2))
    return X, y


def series(length=48):
    t = np.arange(float(length))
    return 10 + np.sin(2 * np.pi * t / 6) + 0.05 * t


CLASSIFIER = dict(hidden_size=4, epochs=2, ensemble=3, batch_size=8, seed=7)
FORECASTER = dict(horizon=3, period=6, hidden_size=4, epochs=2, ensemble=3, seed=7)


def assert_same_weights(a, b):
    one, two = a.network_.state_dict(), b.network_.state_dict()
    assert list(one) == list(two)
    for name in one:
        assert np.array_equal(one[name], two[name]), name


def assert_same_histories(one, two):
    """Every recorded value but the wall-clock seconds, exactly."""
    assert len(one) == len(two)
    for a, b in zip(one, two, strict=True):
        assert {k: v for k, v in a.records.items() if k != "time"} == {
            k: v for k, v in b.records.items() if k != "time"
        }


def test_sequence_classifier_n_jobs_2_equals_n_jobs_1():
    X, y = sequences()
    one = SequenceClassifier(**CLASSIFIER).fit(X, y)
    two = SequenceClassifier(**CLASSIFIER, n_jobs=2).fit(X, y)
    assert_same_weights(one, two)
    assert_same_histories(one.member_histories_, two.member_histories_)
    assert np.array_equal(one.predict_proba(X), two.predict_proba(X))


def test_a_generator_seed_gives_the_same_members_for_every_n_jobs():
    # a Generator is drawn from for each member's seeds: all are drawn before dispatch, in
    # member order, as the serial loop drew them
    X, y = sequences()
    settings = {**CLASSIFIER, "ensemble": 2}
    one = SequenceClassifier(**{**settings, "seed": np.random.default_rng(3)}).fit(X, y)
    two = SequenceClassifier(**{**settings, "seed": np.random.default_rng(3)}, n_jobs=-1)
    assert_same_weights(one, two.fit(X, y))


def test_forecaster_ensemble_n_jobs_2_equals_n_jobs_1():
    y = series()
    one = Forecaster(**FORECASTER).fit(y)
    two = Forecaster(**FORECASTER, n_jobs=2).fit(y)
    assert_same_weights(one, two)
    assert_same_histories(one.member_histories_, two.member_histories_)
    for a, b in zip(
        one.predict(return_intervals=True), two.predict(return_intervals=True), strict=True
    ):
        assert np.array_equal(a, b)


def test_forecaster_panel_n_jobs_2_equals_n_jobs_1():
    panel = {"north": series(), "south": 3 * series(40)[::-1]}
    one = Forecaster(**FORECASTER).fit(panel)
    two = Forecaster(**FORECASTER, n_jobs=2).fit(panel)
    assert_same_weights(one, two)
    forecasts = one.predict(), two.predict()
    assert list(forecasts[0]) == ["north", "south"] == list(forecasts[1])
    for key in forecasts[0]:
        assert np.array_equal(forecasts[0][key], forecasts[1][key])


def test_cross_validation_n_jobs_2_equals_n_jobs_1():
    data = [series(), series(40)]
    settings = {**FORECASTER, "ensemble": 1}
    serial, parallel = Forecaster(**settings), Forecaster(**settings)
    one = cross_validation(serial, data, 3, n_windows=3, level=0.8)
    two = cross_validation(parallel, data, 3, n_windows=3, level=0.8, n_jobs=2)
    assert list(one) == list(two)
    for column in one:
        assert np.array_equal(one[column], two[column]), column
    # the forecaster is left fitted on the last window, as the serial loop leaves it
    assert_same_weights(serial, parallel)


def test_cross_validation_refuses_a_generator_seed_with_n_jobs():
    forecaster = Forecaster(**{**FORECASTER, "seed": np.random.default_rng(0)})
    with pytest.raises(ValueError, match=r"n_jobs=2 .* seed must be an int"):
        cross_validation(forecaster, series(), 3, n_windows=2, n_jobs=2)


@pytest.mark.parametrize("bad", [0, 1.5, "2", True])
def test_bad_n_jobs_is_refused_naming_it(bad):
    with pytest.raises(ValueError, match=rf"^n_jobs must be a nonzero integer .*; got {bad!r}"):
        check_n_jobs(bad)
    with pytest.raises(ValueError, match=rf"^SequenceClassifier: n_jobs must be .*; got {bad!r}"):
        SequenceClassifier(n_jobs=bad).fit(*sequences())
    with pytest.raises(ValueError, match=r"^n_jobs must be"):
        cross_validation(Forecaster(), series(), 3, n_jobs=bad)


def test_each_worker_runs_blas_on_one_thread():
    from threadpoolctl import threadpool_info

    pools = map_in_order(threadpool_info, [(), ()], n_jobs=2)
    threads = [pool["num_threads"] for worker in pools for pool in worker]
    assert threads and set(threads) == {1}


def test_ctrl_c_is_ignored_in_workers_only(joblib):
    # the parent stops the workers on Ctrl-C; where joblib runs the tasks in the caller's own
    # process (n_jobs that comes to one core, the sequential backend), Ctrl-C must still work
    here = signal.getsignal(signal.SIGINT)
    assert map_in_order(signal.getsignal, [(signal.SIGINT,)] * 2, 2) == [signal.SIG_IGN] * 2
    with joblib.parallel_backend("sequential"):
        assert map_in_order(signal.getsignal, [(signal.SIGINT,)], 2) == [here]
    assert signal.getsignal(signal.SIGINT) == here


def test_results_come_back_in_task_order():
    arrived = []
    results = map_in_order(pow, [(2, k) for k in range(6)], 2, lambda k, r: arrived.append(k))
    assert results == [1, 2, 4, 8, 16, 32] and arrived == list(range(6))


def test_n_jobs_1_runs_without_joblib_and_other_values_name_the_extra(monkeypatch):
    for name in ("joblib", "threadpoolctl"):
        monkeypatch.setitem(sys.modules, name, None)  # `import joblib` now fails
    X, y = sequences(8)
    SequenceClassifier(**{**CLASSIFIER, "ensemble": 2, "epochs": 1}, n_jobs=1).fit(X, y)
    with pytest.raises(ImportError, match=r'pip install "lstmkit\[parallel\]"'):
        SequenceClassifier(**CLASSIFIER, n_jobs=2).fit(X, y)


def test_verbose_gives_one_line_per_member_not_progress_bars(capsys):
    X, y = sequences()
    SequenceClassifier(**CLASSIFIER, n_jobs=2, verbose=1).fit(X, y)
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(":")[0] for line in lines] == [f"member {k} of 3" for k in (1, 2, 3)]


def fake_parallel(finished):
    """A map_in_order whose Ctrl-C comes after the first `finished` members were in."""

    def run(function, tasks, n_jobs, on_result=None):
        done = []
        for k, task in enumerate(tasks[:finished]):
            done.append(function(*task))
            on_result(k, done[-1])
        raise Interrupted(done)

    return run


def ensemble_and_fits(members=3):
    X, y = sequences(8)
    ensemble = SequenceEnsemble(2, 2, hidden_size=4, members=members, seed=0)
    model = SequenceClassifier(**CLASSIFIER)
    model.network_ = ensemble
    from lstmkit.data import SequenceData

    data = SequenceData([x.astype(np.float32) for x in X], (y == "b").astype(np.int64))
    trainer = dict(epochs=1, batch_size=4, seed=0)
    return ensemble, [
        MemberFit(ensemble.member(k), model._step_for, trainer, data) for k in range(members)
    ]


def test_ctrl_c_in_parallel_keeps_the_members_finished(monkeypatch):
    monkeypatch.setattr("lstmkit.models.member_fits.map_in_order", fake_parallel(2))
    ensemble, fits = ensemble_and_fits()
    with pytest.raises(TrainingInterrupted, match="kept the 2 of 3 members") as caught:
        train_members(ensemble, fits, n_jobs=2)
    assert ensemble.members == 2 and not hasattr(ensemble, "member2")
    assert isinstance(caught.value.history, History) and caught.value.history.epochs == 1


def test_ctrl_c_in_parallel_before_any_member_finished_says_so(monkeypatch):
    monkeypatch.setattr("lstmkit.models.member_fits.map_in_order", fake_parallel(0))
    ensemble, fits = ensemble_and_fits()
    with pytest.raises(
        KeyboardInterrupt, match="with 0 of the 3 ensemble members .* finished"
    ) as caught:
        train_members(ensemble, fits, n_jobs=2)
    assert not isinstance(caught.value, TrainingInterrupted)
