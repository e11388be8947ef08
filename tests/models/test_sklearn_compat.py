"""scikit-learn's view of the estimators: its own checks, model selection, pipelines.

`NOT_APPLICABLE` is the one list of scikit-learn checks that cannot apply to a sequence model,
each with its reason; every other check scikit-learn yields must pass. The text estimators
(TextClassifier, SequenceTagger, CharLanguageModel, Seq2Seq) declare string input, for which
scikit-learn's checks yield nothing (they need a 2-D numeric X); their contract is held by
`test_estimator_contract.py` instead.
"""

import os
import warnings

import numpy as np
import pytest

if os.environ.get("LSTMKIT_REQUIRE_REFERENCES") != "1":  # CI must have it: fail there instead
    pytest.importorskip("sklearn", reason="scikit-learn is not installed (pip install '.[dev]')")
from sklearn.base import is_classifier
from sklearn.model_selection import GridSearchCV, check_cv, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import parametrize_with_checks

from lstmkit.metrics import mase, smape
from lstmkit.models import Forecaster, SequenceClassifier, TextClassifier

# A 2-D X given to a sequence estimator is N univariate sequences of T steps: its columns are
# time steps, not features.
COLUMNS_ARE_TIME = (
    "a 2-D X is N univariate sequences whose columns are time steps: n_features_in_ counts "
    "channels (1), and predicting on fewer columns is predicting on shorter sequences, which "
    "is valid"
)
# The Forecaster follows the forecasting protocol fit(series) / predict(horizon): a 2-D array
# is one series of T rows and K channels, the second argument of fit is covariates, and
# predict forecasts forward in time instead of mapping rows of X to outputs.
FORECASTING_PROTOCOL = (
    "Forecaster.fit(series, covariates) / predict(horizon) is the forecasting protocol, not "
    "fit(X, y) / predict(X): checks that pass y as the second argument or predict on X "
    "cannot apply"
)

NOT_APPLICABLE = {
    "SequenceClassifier": {
        "check_n_features_in": COLUMNS_ARE_TIME,
        "check_n_features_in_after_fitting": COLUMNS_ARE_TIME,
        "check_classifiers_train": COLUMNS_ARE_TIME,
        "check_estimators_empty_data_messages": (
            "X of shape (12, 0) is 12 sequences of 0 time steps, refused as such ('X has 0 "
            "time steps'), not in scikit-learn's words for 0 features"
        ),
        "check_supervised_y_2d": (
            "a column-vector y is refused with an error naming its shape instead of raveled "
            "with scikit-learn's DataConversionWarning (lstmkit does not import scikit-learn)"
        ),
    },
    "Forecaster": {
        name: FORECASTING_PROTOCOL
        for name in (
            "check_dict_unchanged",
            "check_dont_overwrite_parameters",
            "check_dtype_object",
            "check_estimator_sparse_array",
            "check_estimators_dtypes",
            "check_estimators_empty_data_messages",
            "check_estimators_nan_inf",
            "check_estimators_pickle",
            "check_f_contiguous_array_estimator",
            "check_fit1d",
            "check_fit2d_1feature",
            "check_fit2d_1sample",
            "check_fit2d_predict1d",
            "check_fit_idempotent",
            "check_fit_score_takes_y",
            "check_methods_sample_order_invariance",
            "check_methods_subset_invariance",
            "check_n_features_in",
            "check_n_features_in_after_fitting",
            "check_pipeline_consistency",
        )
    },
}


def not_applicable(estimator) -> dict:
    return NOT_APPLICABLE.get(type(estimator).__name__, {})


@parametrize_with_checks(
    [
        SequenceClassifier(hidden_size=8, epochs=30, patience=5, ensemble=1, seed=0),
        Forecaster(horizon=2, hidden_size=4, epochs=3, ensemble=1, seed=0),
        TextClassifier(embedding_dim=4, hidden_size=4, epochs=2, seed=0),
    ],
    expected_failed_checks=not_applicable,
    xfail_strict=True,  # a check listed here that passes must leave the list
)
def test_scikit_learn_checks(estimator, check):
    check(estimator)


def class_sorted_sequences(count=24, steps=8, channels=2):
    """Sequences sorted by class (the case where unstratified folds hold one class)."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((count, steps, channels))
    y = np.repeat(["a", "b"], count // 2)
    X[y == "b"] += 1.5
    return X, y


def small_classifier(**changes):
    return SequenceClassifier(
        **{"hidden_size": 6, "epochs": 30, "lr": 1e-2, "ensemble": 1, "seed": 0, **changes}
    )


def test_tags_make_a_classifier_and_folds_stratified():
    model = small_classifier()
    X, y = class_sorted_sequences()
    assert is_classifier(model) and get_tags(model).estimator_type == "classifier"
    assert get_tags(model).input_tags.three_d_array and get_tags(model).input_tags.allow_nan
    for _, test in check_cv(3, y, classifier=is_classifier(model)).split(X, y):
        assert set(y[test]) == {"a", "b"}
    assert not is_classifier(Forecaster()) and get_tags(Forecaster()).target_tags.required is False


def test_cross_val_score_on_3d_arrays_and_on_lists_of_sequences():
    X, y = class_sorted_sequences()
    scores = cross_val_score(small_classifier(), X, y, cv=3, error_score="raise")
    assert np.all(np.isfinite(scores)) and scores.mean() > 0.7, scores
    ragged = [x[: 5 + i % 4] for i, x in enumerate(X)]
    scores = cross_val_score(small_classifier(), ragged, y, cv=3, error_score="raise")
    assert np.all(np.isfinite(scores)) and scores.mean() > 0.7, scores


def test_grid_search_and_pipeline():
    X, y = class_sorted_sequences()
    search = GridSearchCV(small_classifier(), {"hidden_size": [2, 6]}, cv=2, error_score="raise")
    search.fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_params_["hidden_size"] in (2, 6)
    ragged = [x[: 5 + i % 4] for i, x in enumerate(X)]
    search.fit(ragged, y)  # variable-length sequences as a list
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    pipeline = Pipeline(
        [("double", FunctionTransformer(lambda values: 2 * values)), ("model", small_classifier())]
    )
    scores = cross_val_score(pipeline, X, y, cv=3, error_score="raise")
    assert np.all(np.isfinite(scores)) and scores.mean() > 0.7, scores


def test_text_classifier_in_cross_validation():
    texts = ["good fine great", "bad awful poor"] * 6
    labels = ["pos", "neg"] * 6
    model = TextClassifier(embedding_dim=4, hidden_size=4, epochs=5, seed=0)
    assert is_classifier(model)
    scores = cross_val_score(model, texts, labels, cv=2, error_score="raise")
    assert np.all(np.isfinite(scores))


def test_layout_nct_reads_aeons_arrays_and_lists():
    X, y = class_sorted_sequences(count=12, steps=7, channels=3)
    reference = small_classifier(epochs=3).fit(X, y).predict_proba(X)
    nct = small_classifier(epochs=3, layout="NCT").fit(X.transpose(0, 2, 1), y)
    np.testing.assert_array_equal(nct.predict_proba(X.transpose(0, 2, 1)), reference)
    aeon_list = [x.T for x in X]  # aeon's unequal-length collection: (C, T_i) arrays
    listed = small_classifier(epochs=3, layout="NCT").fit(aeon_list, y)
    np.testing.assert_array_equal(listed.predict_proba(aeon_list), reference)
    with pytest.raises(ValueError, match="layout must be 'NTC' or 'NCT'; got 'TNC'"):
        small_classifier(layout="TNC").fit(X, y)


def test_ambiguous_shapes_warn_which_reading_was_used():
    X, y = class_sorted_sequences(count=12, steps=20, channels=3)
    basic_motions_like = X.transpose(0, 2, 1)  # (N, C=3, T=20), the aeon layout
    with pytest.warns(UserWarning, match=r"layout='NTC'.*3 steps with 20 channels.*'NCT'"):
        model = small_classifier(epochs=2).fit(basic_motions_like, y)
    assert model.n_features_in_ == 20
    with pytest.raises(ValueError, match=r"got \(3, 20\); if X is laid out \(N, C, T\)"):
        small_classifier(epochs=2).fit(X, y).predict(basic_motions_like)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # more steps than channels: no warning
        small_classifier(epochs=2, layout="NCT").fit(basic_motions_like, y)


def test_forecaster_score_names_its_metric():
    t = np.arange(72.0)
    series = 20 + 3 * np.sin(2 * np.pi * t / 12) + 0.1 * t
    train, test = series[:-6], series[-6:]
    model = Forecaster(horizon=6, period=12, hidden_size=4, epochs=5, ensemble=1, seed=0)
    model.fit(train)
    forecast = model.predict()
    assert model.score(test) == pytest.approx(-mase(test, forecast, train, 12), rel=1e-12)
    assert model.score(test, metric="neg_smape") == pytest.approx(-smape(test, forecast))
    assert model.score(test[:3], metric="neg_mae") == pytest.approx(
        -np.mean(np.abs(test[:3] - forecast[:3]))
    )
    # issue 17: the plain names give the error itself
    assert model.score(test, metric="mase") == -model.score(test)
    with pytest.raises(ValueError, match="metric must be one of neg_mase, .*; got 'r2'"):
        model.score(test, metric="r2")


def test_tags_for_scikit_learn_before_1_6():
    # scikit-learn 1.5 reads `_estimator_type` (is_classifier) and `_more_tags()`
    assert SequenceClassifier._estimator_type == "classifier"
    assert Forecaster._estimator_type is None
    tags = SequenceClassifier()._more_tags()
    assert tags["X_types"] == ["3darray", "2darray"] and tags["allow_nan"] is True
    assert TextClassifier()._more_tags()["X_types"] == ["string"]
    assert Forecaster()._more_tags()["requires_y"] is False
