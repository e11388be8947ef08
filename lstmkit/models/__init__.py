"""Task models (estimators with scikit-learn's contract) built on the layers."""

from lstmkit.models.base import Estimator, NotFittedError

__all__ = ["Estimator", "NotFittedError"]
