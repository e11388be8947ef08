"""SequenceClassifier on real data: JapaneseVowels (UEA), default settings, one seed."""

from lstmkit.data import read_ts
from lstmkit.models import SequenceClassifier


def test_japanese_vowels_with_default_settings(shared_data):
    folder = shared_data / "timeseries"
    train = read_ts(folder / "JapaneseVowels_TRAIN.ts")
    test = read_ts(folder / "JapaneseVowels_TEST.ts")
    model = SequenceClassifier(seed=0).fit(train.X, train.y)
    # published: FCN 0.993, MLP 0.976, echo-state RNN 0.965; 5-seed mean 0.980 (docs/benchmarks.md)
    assert model.score(test.X, test.y) > 0.96
