"""`lstmkit inspect MODEL INPUT`: heatmaps of an LSTM's gates and states over one sequence."""

import numpy as np

from lstmkit.cli.common import (
    UsageError,
    add_common_arguments,
    non_negative_int,
    output_dir,
    pyplot,
    say,
)
from lstmkit.cli.lstm_input import lstm_and_input
from lstmkit.cli.output import files_written
from lstmkit.cli.summary import table
from lstmkit.io.atomic import write_npz


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
    parser.add_argument(
        "--layer", type=non_negative_int, default=0, help="which layer, from 0 (default 0)"
    )
    parser.add_argument(
        "--reverse", action="store_true", help="the reverse direction of a bidirectional LSTM"
    )
    add_common_arguments(parser, seed=False)
    parser.set_defaults(run=run, out=".")


def run(args) -> dict:
    from lstmkit.viz.gates import layer_gates, plot_gates

    layer, x = lstm_and_input(args.model, args.input, args.index)
    if args.layer >= layer.num_layers:
        raise UsageError(f"--layer must lie in 0..{layer.num_layers - 1}; got {args.layer}")
    gates = layer_gates(layer, x, args.layer, args.reverse)
    folder = output_dir(args)
    direction = "reverse" if args.reverse else "forward"
    what = f"layer {args.layer}, {direction} direction"
    say(args, f"{args.model}: LSTM of {layer.hidden_size} units; {what}; {len(x)} steps")
    summary = {
        name: {"mean": gates[name].mean(), "min": gates[name].min(), "max": gates[name].max()}
        for name in ("i", "f", "g", "o", "c", "h")
    }
    rows = [(name, *(f"{v:+.3f}" for v in s.values())) for name, s in summary.items()]
    print(table(["", "mean", "min", "max"], rows))
    keep = np.prod(gates["f"], axis=0)
    say(
        args,
        f"forget gate: on average f = {gates['f'].mean():.2f} per step; the unit that keeps "
        f"most (unit {int(keep.argmax())}) keeps {keep.max():.2g} of its first cell value "
        f"over all {len(x)} steps",
    )
    write_npz(folder / "gates.npz", gates)
    plt = pyplot(args)
    if plt is not None:
        plot_gates(plt, folder / "gates.png", gates, f"{args.model}: {what}")
        say(args, f"wrote {folder / 'gates.png'} and {folder / 'gates.npz'}")
    else:
        say(args, f"wrote {folder / 'gates.npz'}")
    return {
        "model": args.model,
        "layer": args.layer,
        "direction": direction,
        "hidden_size": layer.hidden_size,
        "steps": len(x),
        "gates": summary,
        "files": files_written(folder, "gates.npz", "gates.png"),
    }
