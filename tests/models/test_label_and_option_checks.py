"""Labels, option combinations and prediction options that used to pass silently or crash."""

import numpy as np
import pytest

from lstmkit.models import Forecaster, SequenceClassifier, TextClassifier
from lstmkit.models.class_labels import class_labels

X = np.random.default_rng(0).standard_normal((12, 5, 2))


@pytest.mark.parametrize(
    "labels, message",
    [
        (np.array([0, 1, None] * 4, object), r"y\[2\] is None: every sequence needs a label \(4"),
        ([0.0, 1.0, np.nan] * 4, r"y\[2\] is np.float64\(nan\): every sequence needs a label"),
        (np.array(["a", 1, "b"] * 4, object), "y must hold labels of one type; got int, str"),
        ([0.5, 1.0, 2.0] * 4, "Unknown label type: continuous"),
        ([3] * 12, r"at least two classes; got 1 class: \[3\]"),
    ],
)
def test_missing_mixed_and_continuous_labels_are_refused(labels, message):
    with pytest.raises(ValueError, match=message):
        class_labels(labels, 12)


def test_whole_floats_are_labels_and_come_back_as_given():
    classes, targets = class_labels([1.0, 2.0, 1.0], 3)
    assert classes.tolist() == [1.0, 2.0] and targets.tolist() == [0, 1, 0]


def test_text_labels_are_checked_the_same_way():
    with pytest.raises(ValueError, match=r"labels\[1\] is None: every text needs a label"):
        TextClassifier(epochs=1).fit(["a b", "c d", "e f"], np.array(["x", None, "y"], object))


def test_last_step_head_with_a_bidirectional_encoder_is_refused():
    with pytest.raises(ValueError, match="head='last' needs bidirectional=False"):
        SequenceClassifier(head="last", bidirectional=True).fit(X, [0, 1] * 6)
    with pytest.raises(ValueError, match="pooling='last' needs bidirectional=False"):
        TextClassifier(pooling="last").fit(["a", "b"], [0, 1])
    model = SequenceClassifier(head="last", bidirectional=False, epochs=1, ensemble=1, seed=0)
    assert model.fit(X, [0, 1] * 6).is_fitted


def test_forecaster_interval_level_must_lie_strictly_between_0_and_1():
    series = 10 + np.sin(np.arange(60.0) * 2 * np.pi / 6)
    model = Forecaster(horizon=3, period=6, hidden_size=4, epochs=2, ensemble=1, seed=0)
    model.fit(series)
    for level in (-0.5, 0.0, 1.0, float("nan"), "95%"):
        with pytest.raises(ValueError, match=r"level must be a number in \(0, 1\); got"):
            model.predict(level=level, return_intervals=True)
    _, lower, upper = model.predict(level=0.8, return_intervals=True)
    assert np.all(lower < upper)


def test_a_nan_scaler_is_neither_saved_nor_loaded(tmp_path):
    model = SequenceClassifier(epochs=1, ensemble=1, hidden_size=4, seed=0).fit(X, [0, 1] * 6)
    arrays, config = model.export_state()
    arrays["fitted.mean_"] = np.full_like(arrays["fitted.mean_"], np.nan)
    with pytest.raises(ValueError, match="fitted mean_ holds NaN or infinite values"):
        SequenceClassifier.restore_state(config, arrays)
    model.mean_ = np.full_like(model.mean_, np.nan)
    with pytest.raises(ValueError, match="cannot save: a fitted array holds NaN .*: mean_"):
        model.save(tmp_path / "m.safetensors")


@pytest.mark.parametrize("series", [[5.0], [1.0, 2.0], [3.0, 1.0, 2.0, 4.0, 2.0]])
def test_a_series_too_short_for_the_window_is_still_forecast(series):
    # a single value used to end in NumPy's "SVD did not converge" from the period detection;
    # then such series were refused; since issue 17 they are padded and forecast
    model = Forecaster(horizon=3, hidden_size=4, epochs=2, ensemble=1, seed=0).fit(series)
    forecast = model.predict()
    assert forecast.shape == (3,) and np.all(np.isfinite(forecast))


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("lookback_", -5, "fitted lookback_ must be a positive integer; got -5"),
        ("period_", "12", "fitted period_ must be a positive integer; got '12'"),
        ("log_", "yes", "fitted log_ must be True or False; got 'yes'"),
        ("input_kind_", "cube", "fitted input_kind_ must be one of 'vector', .*; got 'cube'"),
    ],
)
def test_a_file_cannot_hand_the_forecaster_inconsistent_fitted_values(name, value, message):
    series = 10 + np.sin(np.arange(60.0) * 2 * np.pi / 6)
    model = Forecaster(horizon=3, period=6, hidden_size=4, epochs=1, ensemble=1, seed=0)
    arrays, config = model.fit(series).export_state()
    config["fitted"][name] = value
    with pytest.raises(ValueError, match=message):
        Forecaster.restore_state(config, arrays)


def test_a_file_cannot_say_twelve_features():
    model = SequenceClassifier(epochs=1, ensemble=1, hidden_size=4, seed=0).fit(X, [0, 1] * 6)
    arrays, config = model.export_state()
    config["fitted"]["n_features_in_"] = "twelve"
    with pytest.raises(ValueError, match="fitted n_features_in_ must be a positive integer"):
        SequenceClassifier.restore_state(config, arrays)
