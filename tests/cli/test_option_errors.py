"""Option values that make no sense are usage errors (status 2), caught before any work."""

import pytest

import lstmkit
from lstmkit import LSTM
from lstmkit.cli import main


@pytest.mark.parametrize(
    "command, message",
    [
        (["forecast", "--seed", "-1"], "argument --seed: must be a non-negative integer; got '-1'"),
        (["classify", "--seed", "abc"], "argument --seed: must be a non-negative integer"),
        (["predict", "m.safetensors", "--horizon", "-3"], "--horizon: must be a positive integer"),
        (["seq2seq", "--beam-size", "0"], "argument --beam-size: must be a positive integer"),
        (["inspect", "m.safetensors", "--layer", "-1"], "--layer: must be a non-negative integer"),
        # an option given twice (issue 20): refused instead of keeping the last silently
        (["forecast", "--epochs", "3", "--epochs", "4"], "--epochs given more than once"),
        (["forecast", "--quiet", "--quiet"], "--quiet given more than once"),
        (["forecast", "--horizon", "3", "--horizon=4"], "--horizon given more than once"),
        (["tag", "t.tsv", "--column", "1", "--column", "2"], "--column given more than once"),
        (["charlm", "sample", "m", "--length", "3", "--length=4"], "--length given more than"),
        (["trace", "--hidden-size", "2", "--hidden-s", "3"], "--hidden-size given more than"),
        (["classify", "--quiet", "--verbose"], "--verbose: not allowed with argument --quiet"),
        (["tag", "--verbose", "--quiet", "t"], "--quiet: not allowed with argument --verbose"),
    ],
)
def test_bad_option_values_exit_2_naming_the_option(capsys, command, message):
    with pytest.raises(SystemExit) as stop:
        main(command)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("lstmkit: error: ") and err.count("\n") == 1
    assert message in err


def test_a_layer_the_model_does_not_have_is_a_usage_error(tmp_path, capsys):
    lstmkit.save(LSTM(12, 4, num_layers=2), tmp_path / "lstm.safetensors")
    command = ["inspect", str(tmp_path / "lstm.safetensors"), "japanese-vowels-test"]
    assert main([*command, "--layer", "5", "--out", str(tmp_path / "out")]) == 2
    assert "--layer must lie in 0..1; got 5" in capsys.readouterr().err
