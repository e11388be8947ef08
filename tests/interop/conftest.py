"""Shared pieces of the interop tests (random padded batches, small fitted models), offered
through the `helpers` fixture (tests import nothing from each other under importlib mode)."""

import types

import numpy as np
import pytest

from lstmkit.models import Forecaster, SequenceClassifier

SHAPES = [(1, 1), (3, 7), (5, 4)]  # (batch, steps): several batch sizes and lengths


def padded_batch(rng, batch, steps, features):
    """x (N, T, F) float32 and lengths (N,) int64 with the longest equal to T."""
    x = rng.standard_normal((batch, steps, features)).astype(np.float32)
    lengths = rng.integers(1, steps + 1, size=batch).astype(np.int64)
    lengths[rng.integers(batch)] = steps
    return x, lengths


def ort_session(onnxruntime, path):
    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def small_classifier(**options) -> SequenceClassifier:
    rng = np.random.default_rng(0)
    sequences = [rng.standard_normal((int(rng.integers(3, 9)), 3)) * 2 + 1 for _ in range(24)]
    labels = np.array(["up", "down", "flat"] * 8)
    settings = dict(hidden_size=6, epochs=2, batch_size=8, validation_fraction=0, seed=0)
    settings.update(options)
    return SequenceClassifier(**settings).fit(sequences, labels)


def small_forecaster(series=None, covariates=None, **options) -> tuple[Forecaster, object]:
    if series is None:
        t = np.arange(80)
        series = 50 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12)
    settings = dict(horizon=4, hidden_size=5, epochs=2, ensemble=2, patience=2, seed=0)
    settings.update(options)
    return Forecaster(**settings).fit(series, covariates), series


@pytest.fixture(scope="session")
def helpers():
    return types.SimpleNamespace(
        SHAPES=SHAPES,
        padded_batch=padded_batch,
        ort_session=ort_session,
        small_classifier=small_classifier,
        small_forecaster=small_forecaster,
    )
