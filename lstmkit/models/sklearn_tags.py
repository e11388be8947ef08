"""What scikit-learn needs to know about an estimator, without depending on scikit-learn.

scikit-learn reads an estimator's kind and inputs from its tags: `__sklearn_tags__()` (1.6 and
later, a `Tags` object) or `_more_tags()` and `_estimator_type` (before). `cross_val_score`
stratifies its folds only for classifiers, and `GridSearchCV`, `check_is_fitted` and
`Pipeline` call `__sklearn_tags__` on every estimator they are given. These functions build
both forms from three facts each lstmkit estimator declares:

- `estimator_type`: "classifier", "regressor" or None (a forecaster, a language model);
- `input_kind`: "sequences" (numeric: a list of (T_i, C) arrays, a 3-D array or a 2-D
  (N, T) array), "series" (numeric (T,) or (T, K)), or "text" (strings or token lists);
- `requires_y` and `allows_nan`.

scikit-learn is imported only when scikit-learn itself asks for the tags.
"""

import functools

NOT_FITTED_MESSAGE = "this {name} is not fitted yet: call fit(...) before using it"


class NotFittedError(ValueError, AttributeError):
    """The estimator is used before `fit`. Where scikit-learn is installed, the error raised
    is also a `sklearn.exceptions.NotFittedError` (see `not_fitted_error`)."""


def not_fitted_error(estimator) -> NotFittedError:
    """The error for using `estimator` before `fit`: lstmkit's NotFittedError and, where
    scikit-learn is installed, scikit-learn's too (so `except` clauses of either catch it)."""
    return _not_fitted_class()(NOT_FITTED_MESSAGE.format(name=type(estimator).__name__))


@functools.cache
def _not_fitted_class() -> type:
    """NotFittedError, or a subclass of it and scikit-learn's where that is installed (made
    on the first error, so that importing lstmkit never imports scikit-learn)."""
    try:
        from sklearn.exceptions import NotFittedError as SklearnNotFittedError
    except ImportError:
        return NotFittedError
    combined = type("NotFittedError", (NotFittedError, SklearnNotFittedError), {})
    combined.__module__ = __name__
    return combined


def _input_flags(estimator) -> dict:
    kind = estimator.input_kind
    return {
        "one_d_array": kind == "series",
        "two_d_array": kind in ("sequences", "series"),
        "three_d_array": kind == "sequences",
        "string": kind == "text",
        "allow_nan": bool(estimator.allows_nan),
    }


def sklearn_tags(estimator):
    """scikit-learn >= 1.6's `Tags` for `estimator`."""
    from sklearn.utils import ClassifierTags, InputTags, RegressorTags, Tags, TargetTags

    kind = estimator.estimator_type
    return Tags(
        estimator_type=kind,
        target_tags=TargetTags(required=bool(estimator.requires_y)),
        classifier_tags=ClassifierTags(multi_class=True) if kind == "classifier" else None,
        regressor_tags=RegressorTags() if kind == "regressor" else None,
        input_tags=InputTags(**_input_flags(estimator)),
        # a seed fixes every result; seed=None draws fresh entropy like scikit-learn's
        # random_state=None, which its checks do not count as non-deterministic
        non_deterministic=False,
        requires_fit=True,
    )


def legacy_tags(estimator) -> dict:
    """scikit-learn < 1.6's `_more_tags` dict for `estimator`."""
    flags = _input_flags(estimator)
    x_types = [
        name
        for name, key in (("3darray", "three_d_array"), ("2darray", "two_d_array"))
        if flags[key]
    ]
    if flags["one_d_array"]:
        x_types.append("1darray")
    if flags["string"]:
        x_types.append("string")
    return {
        "X_types": x_types,
        "allow_nan": flags["allow_nan"],
        "requires_y": bool(estimator.requires_y),
        "non_deterministic": False,
        "requires_fit": True,
    }
