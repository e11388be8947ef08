"""`lstmkit inspect MODEL INPUT`: heatmaps of an LSTM's gates and states over one sequence."""

import numpy as np

from lstmkit.cli.common import UsageError, add_common_arguments, output_dir, pyplot, say
from lstmkit.cli.summary import table


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "inspect",
        help="heatmaps of an LSTM's gates and cell state over one input sequence (PNG)",
        description="Run one input sequence through a saved model's LSTM (a sequence "
        "classifier's encoder, or a saved LSTM layer) and draw, per unit and time step, the "
        "input, forget and output gates, the candidate, the cell state and the hidden state. "
        "Writes DIR/gates.png and the arrays as DIR/gates.npz (DIR: --out, default the "
        "current folder).",
    )
    parser.add_argument("model", metavar="MODEL", help="a saved SequenceClassifier or LSTM")
    parser.add_argument(
        "input",
        metavar="INPUT",
        help="a sequence file (.ts, .csv, .npz; see classify) or inline steps like '1,0; 0,1'",
    )
    parser.add_argument("--index", type=int, default=0, help="which sequence of the file (0)")
    parser.add_argument("--layer", type=int, default=0, help="which layer, from 0 (default 0)")
    parser.add_argument(
        "--reverse", action="store_true", help="the reverse direction of a bidirectional LSTM"
    )
    add_common_arguments(parser, seed=False)
    parser.set_defaults(run=run, out=".")


def lstm_and_input(model_name, input_text, index=0):
    """(LSTM layer, the sequence (T, I) it reads, a description) for a model file and input.

    For a SequenceClassifier the input is standardised as the classifier does before its
    encoder; a bare LSTM reads the input as given.
    """
    from lstmkit.cli.model_io import load_model_or_module
    from lstmkit.recurrent.lstm import LSTM

    model = load_model_or_module(model_name)
    sequence = read_one_sequence(input_text, index)
    if isinstance(model, LSTM):
        layer, x = model, sequence
    elif type(model).__name__ == "SequenceClassifier":
        network = model.network_
        if hasattr(network, "member"):  # an ensemble of networks: its first member
            network = network.member(0)
        layer = network.encoder
        if not isinstance(layer, LSTM):
            raise ValueError(
                f"{model_name}: the classifier's encoder is a {model.cell}, not an LSTM"
            )
        x = model._standardise([sequence])[0]
    else:
        raise ValueError(
            f"{model_name} holds a {type(model).__name__}; inspect reads a SequenceClassifier "
            "or an LSTM layer file"
        )
    if x.shape[1] != layer.input_size:
        raise ValueError(
            f"the input has {x.shape[1]} features per step; the model reads {layer.input_size}"
        )
    return layer, x


def read_one_sequence(text, index) -> np.ndarray:
    """Sequence `index` of a file, or an inline sequence '1,0; 0,1' -> (T, I) float64."""
    from pathlib import Path

    from lstmkit.cli.sequence_files import read_sequences
    from lstmkit.cli.trace import parse_sequence
    from lstmkit.datasets import NAMES

    if not Path(text).exists() and text not in NAMES and any(ch in text for ch in ",;"):
        return parse_sequence(text)
    data = read_sequences(text, labels=False)
    if not 0 <= index < len(data):
        raise UsageError(f"--index must lie in 0..{len(data) - 1} for {text}; got {index}")
    return data.X[index]


def run(args) -> None:
    from lstmkit.viz.gates import layer_gates, plot_gates

    layer, x = lstm_and_input(args.model, args.input, args.index)
    gates = layer_gates(layer, x, args.layer, args.reverse)
    folder = output_dir(args)
    direction = "reverse" if args.reverse else "forward"
    what = f"layer {args.layer}, {direction} direction"
    say(args, f"{args.model}: LSTM of {layer.hidden_size} units; {what}; {len(x)} steps")
    rows = []
    for name in ("i", "f", "g", "o", "c", "h"):
        values = gates[name]
        rows.append((name, f"{values.mean():+.3f}", f"{values.min():+.3f}", f"{values.max():+.3f}"))
    print(table(["", "mean", "min", "max"], rows))
    keep = np.prod(gates["f"], axis=0)
    say(
        args,
        f"forget gate: on average f = {gates['f'].mean():.2f} per step; the unit that keeps "
        f"most (unit {int(keep.argmax())}) keeps {keep.max():.2g} of its first cell value "
        f"over all {len(x)} steps",
    )
    save_npz(folder / "gates.npz", gates)
    plt = pyplot(args)
    if plt is not None:
        plot_gates(plt, folder / "gates.png", gates, f"{args.model}: {what}")
        say(args, f"wrote {folder / 'gates.png'} and {folder / 'gates.npz'}")
    else:
        say(args, f"wrote {folder / 'gates.npz'}")


def save_npz(path, arrays: dict) -> None:
    """np.savez into memory, then one atomic write (no half-written file on a crash)."""
    import io

    from lstmkit.io.safetensors import atomic_write

    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    atomic_write(path, [buffer.getvalue()])
