"""The regulariser options of the training commands (charlm train, tag, textclf; issue 21):
one shared set (lstmkit/cli/regularisers.py) that reaches the model as its hyperparameters.
The bad values are in tests/reliability/test_cli_catalogue.py."""

import pytest

from lstmkit.cli import main
from lstmkit.models import CharLanguageModel, SequenceTagger, TextClassifier
from tests.cli.test_tag import write_bio
from tests.cli.test_textclf import write_task
from tests.models.test_task_model_regularisers import ALL_OFF, ALL_ON

# every option on, with the values the models' test gives the hyperparameters
OPTIONS = ["--layer-norm"]
for name, value in ALL_ON.items():
    if name != "layer_norm":
        OPTIONS += ["--" + name.replace("_", "-"), str(value)]


def charlm(tmp_path):
    text = tmp_path / "text.txt"
    text.write_text("to be or not to be, that is the question. " * 10, encoding="utf-8")
    return CharLanguageModel, ["charlm", "train", str(text), "--hidden-size", "4", "--layers", "1"]


def tag(tmp_path):
    return SequenceTagger, ["tag", str(write_bio(tmp_path / "train.tsv", 10)), "--hidden-size", "4"]


def textclf(tmp_path):
    train = write_task(tmp_path / "train.tsv")
    return TextClassifier, ["textclf", str(train), "--hidden-size", "4"]


@pytest.mark.parametrize("command", [charlm, tag, textclf])
@pytest.mark.parametrize(("options", "expected"), [(OPTIONS, ALL_ON), ([], ALL_OFF)])
def test_the_options_reach_the_model(command, options, expected, tmp_path, monkeypatch, capsys):
    cls, line = command(tmp_path)
    fitted = []
    fit = cls.fit

    def recording_fit(self, *args, **kwargs):
        fitted.append(self)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(cls, "fit", recording_fit)
    assert main([*line, "--epochs", "1", "--quiet", *options]) == 0
    (model,) = fitted
    assert {name: model.get_params()[name] for name in expected} == expected
