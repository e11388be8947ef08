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


def saved_models(cls, line, options, tmp_path) -> list:
    """The models that `lstmkit *line --n-jobs N --out DIR` saves, one per N of `options`."""
    models = []
    for k, jobs in enumerate(options):
        out = tmp_path / f"run{k}"
        assert main([*line, "--quiet", "--n-jobs", jobs, "--out", str(out)]) == 0
        models.append(cls.load(out / "model.safetensors"))
    return models


def same_weights(one, two) -> bool:
    a, b = one.network_.state_dict(), two.network_.state_dict()
    return list(a) == list(b) and all(np.array_equal(a[k], b[k]) for k in a)


def test_classify_n_jobs_reaches_the_model_and_changes_nothing(tmp_path):
    write_npz(tmp_path / "train.npz")
    line = ["classify", str(tmp_path / "train.npz"), "--epochs", "2", "--hidden-size", "4"]
    models = saved_models(SequenceClassifier, [*line, "--ensemble", "2"], ["1", "2"], tmp_path)
    assert [model.n_jobs for model in models] == [1, 2]
    assert same_weights(*models)


def test_forecast_n_jobs_reaches_the_model_and_changes_nothing(tmp_path):
    line = ["forecast", "--epochs", "2", "--hidden-size", "4", "--ensemble", "2", "--holdout", "0"]
    models = saved_models(Forecaster, line, ["1", "-1"], tmp_path)
    assert [model.n_jobs for model in models] == [1, -1]
    assert same_weights(*models)


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
