"""The LSTM and the input sequence that `lstmkit trace --model` and `lstmkit inspect` read
(`lstmkit explore --model` reads the LSTM).

Both commands take a model file (a SequenceClassifier or a bare LSTM layer) and one sequence,
given inline ('1,0; 0,1') or as a sequence of a file; this module turns them into the LSTM
layer and the (T, I) array that layer reads. It sits below both commands so that neither
imports the other.
"""

import numpy as np

from lstmkit.cli.common import UsageError, first_network


def parse_sequence(text: str) -> np.ndarray:
    """'1,0; 0,1' -> array (T, I); every step must have the same number of features."""
    try:
        steps = [[float(v) for v in step.split(",")] for step in text.split(";") if step.strip()]
    except ValueError:
        raise UsageError(f"--input must be numbers like '1,0; 0,1'; got {text!r}") from None
    if not steps or len({len(step) for step in steps}) != 1:
        raise UsageError(f"--input needs steps of equal size, like '1,0; 0,1'; got {text!r}")
    return np.array(steps)


def lstm_and_input(model_name, input_text, index=0):
    """(LSTM layer, the sequence (T, I) it reads) for a model file and an input.

    For a SequenceClassifier the input is standardised as the classifier does before its
    encoder; a bare LSTM reads the input as given.
    """
    model, layer = model_lstm(model_name)
    sequence = read_one_sequence(input_text, index)
    x = sequence if model is layer else model._standardise([sequence])[0]
    if x.shape[1] != layer.input_size:
        raise ValueError(
            f"the input has {x.shape[1]} features per step; the model reads {layer.input_size}"
        )
    return layer, x


def model_lstm(model_name):
    """(the model in the file, its LSTM): a bare LSTM layer is both; a SequenceClassifier's
    LSTM is its encoder (the first member's, for an ensemble). Anything else is refused."""
    from lstmkit.cli.model_io import load_model_or_module
    from lstmkit.recurrent.lstm import LSTM

    model = load_model_or_module(model_name)
    if isinstance(model, LSTM):
        return model, model
    if type(model).__name__ == "SequenceClassifier":
        network = first_network(model)
        if not isinstance(network.encoder, LSTM):
            raise ValueError(
                f"{model_name}: the classifier's encoder is a {model.cell}, not an LSTM"
            )
        return model, network.encoder
    raise ValueError(
        f"{model_name} holds a {type(model).__name__}; trace, inspect and explore read a "
        "SequenceClassifier or an LSTM layer file"
    )


def read_one_sequence(text, index) -> np.ndarray:
    """Sequence `index` of a file, or an inline sequence '1,0; 0,1' -> (T, I) float64."""
    from pathlib import Path

    from lstmkit.cli.sequence_files import read_sequences
    from lstmkit.datasets import NAMES

    if not Path(text).exists() and text not in NAMES and any(ch in text for ch in ",;"):
        return parse_sequence(text)
    data = read_sequences(text, labels=False)
    if not 0 <= index < len(data):
        raise UsageError(f"--index must lie in 0..{len(data) - 1} for {text}; got {index}")
    return data.X[index]
