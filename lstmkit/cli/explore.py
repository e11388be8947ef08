"""`lstmkit explore`: an interactive LSTM cell as one self-contained HTML page.

The cell has seeded weights (--input-size, --hidden-size, --seed), or is the first LSTM layer
(forward direction) of a saved model (--model: a SequenceClassifier with an LSTM encoder, or a
saved LSTM layer). A classifier's page steps through test sequences picked from --data (by
default the built-in JapaneseVowels test set when the model reads its 12 channels), each
standardised as the classifier standardises it; otherwise through built-in example sequences.
"""

from pathlib import Path

import numpy as np

from lstmkit.cli.common import UsageError, add_common_arguments, positive_int, say
from lstmkit.cli.parser import refuse_together, refuse_without

MOST_SEQUENCES = 20  # listed on the page, taken in turn from each class
DEFAULT_FILE = "explore.html"
JAPANESE_VOWELS_CHANNELS = 12


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "explore",
        help="an interactive LSTM cell in the browser: every gate drawn as x, h and c change "
        "(one HTML file)",
        description="Write one self-contained HTML page (no network needed) with an LSTM cell: "
        "edit x, h and c and watch the gates i, f, g, o and the new c and h, with the "
        "equations beside them; step through a whole sequence; and see what two common "
        "tutorial mistakes compute instead. Seeded weights, or a trained model's with --model.",
    )
    parser.add_argument(
        "--out",
        metavar="PATH",
        default=DEFAULT_FILE,
        help=f"the HTML file to write (a folder: {DEFAULT_FILE} in it; default {DEFAULT_FILE})",
    )
    parser.add_argument(
        "--model",
        metavar="FILE",
        help="a saved SequenceClassifier with an LSTM encoder, or a saved LSTM layer: show its "
        "first layer's cell",
    )
    parser.add_argument(
        "--data",
        metavar="FILE",
        help=f"with --model: sequences to step through (.ts, .csv, .npz; the first "
        f"{MOST_SEQUENCES}, taken in turn from each class)",
    )
    parser.add_argument(
        "--input-size", type=positive_int, default=2, help="seeded cell: features I (default 2)"
    )
    parser.add_argument(
        "--hidden-size", type=positive_int, default=3, help="seeded cell: units H (default 3)"
    )
    add_common_arguments(parser, out=False)
    parser.set_defaults(run=run)


def run(args) -> dict:
    from lstmkit.explore import seeded_cell, write_explorer

    for option in ("input_size", "hidden_size", "seed"):
        refuse_together(args, option, "model", "a saved model brings its own weights and sizes")
    refuse_without(args, "data", "model", "the sequences are for a trained model's cell")
    path = _out_path(args.out)
    if args.model is None:
        cell = seeded_cell(args.input_size, args.hidden_size, args.seed)
    else:
        cell = _model_cell(args)
    write_explorer(path, cell)
    say(
        args,
        f"wrote {path}: {cell.title}, input size {cell.input_size}, hidden size "
        f"{cell.hidden_size}, {len(cell.sequences)} sequences to step through; open it in a "
        "browser",
    )
    return {
        "input_size": cell.input_size,
        "hidden_size": cell.hidden_size,
        "sequences": [name for name, _ in cell.sequences],
        "files": [str(path)],
    }


def _out_path(out) -> Path:
    path = Path(out)
    if path.is_dir():
        return path / DEFAULT_FILE
    if path.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"--out must be an .html file or a folder; got {out!r}")
    return path


def _model_cell(args):
    from lstmkit.cli.lstm_input import model_lstm
    from lstmkit.explore import example_sequences, layer_cell

    model, layer = model_lstm(args.model)
    title = f"the first LSTM layer of {Path(args.model).name} (forward direction)"
    if model is layer:  # a bare layer reads its input as given
        sequences = example_sequences(layer.input_size)
        if args.data is not None:
            sequences = _listed(args.data, layer.input_size, lambda xs: xs, None)
        return layer_cell(layer, title, sequences)
    if layer.input_size != model.n_features_in_:
        raise ValueError(
            f"{args.model}: the classifier's LSTM reads {layer.input_size} features per step, "
            f"not the sequence's {model.n_features_in_} (architecture {model.architecture}); "
            "explore steps an LSTM through the sequence itself"
        )
    data = args.data
    if data is None and model.n_features_in_ == JAPANESE_VOWELS_CHANNELS:
        data = "japanese-vowels-test"
    if data is None:
        return layer_cell(layer, title, example_sequences(layer.input_size))
    return layer_cell(layer, title, _listed(data, layer.input_size, model._standardise, model))


def _listed(name, input_size, standardise, classifier) -> list:
    """(name, (T, I) float64 array) for up to MOST_SEQUENCES sequences of the file `name`,
    standardised as the model reads them; a classifier's predicted label is in the name."""
    from lstmkit.cli.sequence_files import read_sequences

    data = read_sequences(name, labels=False)
    features = data.X[0].shape[1]
    if features != input_size:
        raise ValueError(
            f"{name}: its sequences have {features} features per step; the model reads {input_size}"
        )
    chosen = _in_turn(data.y, len(data))
    raw = [data.X[k] for k in chosen]
    predicted = None if classifier is None else classifier.predict(raw)
    xs = standardise(raw)
    names = []
    for n, k in enumerate(chosen):
        parts = [f"case {data.ids[k]}"]
        if data.y is not None:
            parts.append(f"label {data.y[k]}")
        if predicted is not None:
            parts.append(f"predicted {predicted[n]}")
        names.append(", ".join(parts))
    return [(label, np.asarray(x, np.float64)) for label, x in zip(names, xs, strict=True)]


def _in_turn(labels, count) -> list[int]:
    """Up to MOST_SEQUENCES indices: the first of each class, then the second of each, ..."""
    if labels is None:
        return list(range(min(count, MOST_SEQUENCES)))
    by_class = [list(np.flatnonzero(labels == value)) for value in dict.fromkeys(labels)]
    chosen = []
    for rank in range(max(len(members) for members in by_class)):
        chosen += [members[rank] for members in by_class if rank < len(members)]
    return sorted(chosen[:MOST_SEQUENCES])
