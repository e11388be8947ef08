"""--n-jobs N on the commands that train ensembles (classify, forecast; issue 18): one shared
option (lstmkit/cli/jobs.py) that reaches the model as n_jobs, with the same model for every
N. The bad values are in tests/reliability/test_cli_catalogue.py."""

import importlib.util

import numpy as np
import pytest

from lstmkit.cli import main
from lstmkit.models import Forecaster, SequenceClassifier
from tests.cli.test_classify import write_npz


@pytest.fixture(autouse=True)
def parallel_extra(joblib):
    """--n-jobs 2 needs joblib and threadpoolctl (skipped, or failed under CI)."""


def fitted_models(cls, monkeypatch) -> list:
    """The models that `cls.fit` fits from now on."""
    fitted = []
    fit = cls.fit

    def recording_fit(self, *args, **kwargs):
        fitted.append(self)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(cls, "fit", recording_fit)
    return fitted


def same_weights(one, two) -> bool:
    a, b = one.network_.state_dict(), two.network_.state_dict()
    return list(a) == list(b) and all(np.array_equal(a[k], b[k]) for k in a)


def test_classify_n_jobs_reaches_the_model_and_changes_nothing(tmp_path, monkeypatch):
    write_npz(tmp_path / "train.npz")
    fitted = fitted_models(SequenceClassifier, monkeypatch)
    line = ["classify", str(tmp_path / "train.npz"), "--epochs", "2", "--hidden-size", "4"]
    for jobs in ("1", "2"):
        assert main([*line, "--ensemble", "2", "--quiet", "--n-jobs", jobs]) == 0
    assert [model.n_jobs for model in fitted] == [1, 2]
    assert same_weights(*fitted)


def test_forecast_n_jobs_reaches_the_model_and_changes_nothing(monkeypatch):
    fitted = fitted_models(Forecaster, monkeypatch)
    line = ["forecast", "--epochs", "2", "--hidden-size", "4", "--ensemble", "2", "--quiet"]
    for jobs in ("1", "-1"):
        assert main([*line, "--holdout", "0", "--n-jobs", jobs]) == 0
    assert [model.n_jobs for model in fitted] == [1, -1]
    assert same_weights(*fitted)


def test_n_jobs_without_joblib_is_a_usage_error_naming_the_extra(tmp_path, monkeypatch, capsys):
    write_npz(tmp_path / "train.npz")
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "joblib" else find_spec(name)
    )
    assert main(["classify", str(tmp_path / "train.npz"), "--n-jobs", "2"]) == 2
    error = capsys.readouterr().err.splitlines()
    assert error == [
        'lstmkit: error: --n-jobs 2 needs joblib: pip install "lstmkit[parallel]" (or --n-jobs 1)'
    ]
