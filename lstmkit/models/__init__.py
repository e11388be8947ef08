"""Task models (estimators with scikit-learn's contract) built on the layers."""

from lstmkit.models.base import Estimator, NotFittedError
from lstmkit.models.forecaster import Forecaster
from lstmkit.models.sequence_classifier import SequenceClassifier
from lstmkit.models.sequence_network import SequenceNetwork

__all__ = ["Estimator", "Forecaster", "NotFittedError", "SequenceClassifier", "SequenceNetwork"]
