"""Task models (estimators with scikit-learn's contract) built on the layers."""

from lstmkit.models.base import Estimator, NotFittedError
from lstmkit.models.forecaster import Forecaster
from lstmkit.models.seq2seq import Seq2Seq
from lstmkit.models.sequence_classifier import SequenceClassifier
from lstmkit.models.sequence_network import SequenceNetwork

__all__ = [
    "Estimator",
    "Forecaster",
    "NotFittedError",
    "Seq2Seq",
    "SequenceClassifier",
    "SequenceNetwork",
]
