"""Task models (estimators with scikit-learn's contract) built on the layers."""

from lstmkit.models.base import Estimator, NotFittedError
from lstmkit.models.char_language_model import CharLanguageModel
from lstmkit.models.forecaster import Forecaster
from lstmkit.models.seq2seq import Seq2Seq
from lstmkit.models.sequence_classifier import SequenceClassifier
from lstmkit.models.sequence_network import SequenceNetwork
from lstmkit.models.sequence_tagger import SequenceTagger
from lstmkit.models.text_classifier import TextClassifier

__all__ = [
    "CharLanguageModel",
    "Estimator",
    "Forecaster",
    "NotFittedError",
    "Seq2Seq",
    "SequenceClassifier",
    "SequenceNetwork",
    "SequenceTagger",
    "TextClassifier",
]
