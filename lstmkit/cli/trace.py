"""`lstmkit trace`: one LSTM cell stepped over a tiny input, every gate printed."""

import numpy as np

from lstmkit.cells.trace import trace_lstm_cell
from lstmkit.cli.common import UsageError, add_common_arguments
from lstmkit.cli.lstm_input import lstm_and_input, parse_sequence
from lstmkit.cli.parser import refuse_without

EQUATIONS = """\
  i  = sigmoid(W_ii x + b_ii + W_hi h + b_hi)     input gate: how much of g to write
  f  = sigmoid(W_if x + b_if + W_hf h + b_hf)     forget gate: how much of c to keep
  g  = tanh(W_ig x + b_ig + W_hg h + b_hg)        candidate cell value
  o  = sigmoid(W_io x + b_io + W_ho h + b_ho)     output gate: how much of tanh(c') to show
  c' = f * c + i * g                              cell state: additive update
  h' = o * tanh(c')                               hidden state (the output)"""

DEFAULT_INPUT = "1,0; 0,1; 0,0; 1,1"
NAMES = ("x", "i", "f", "g", "o", "c", "h")  # the vectors printed per step


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "trace",
        help="step one LSTM cell over a tiny input and print its gates",
        description="Step one LSTM cell with seeded random weights over a tiny input and print, "
        "per step, the input, forget and output gates, the candidate, the cell state and the "
        "hidden state.",
    )
    parser.add_argument(
        "--input",
        default=DEFAULT_INPUT,
        help="steps separated by ';', features by ',' (default: %(default)r)",
    )
    parser.add_argument("--hidden-size", type=int, default=3, help="cell size H (default: 3)")
    parser.add_argument(
        "--forget-bias",
        type=float,
        default=1.0,
        help="added to the forget gate's bias (default: 1.0)",
    )
    parser.add_argument(
        "--model",
        help="a saved SequenceClassifier or LSTM: trace its first layer's cell instead, over "
        "--input (inline steps, or a sequence file with --index)",
    )
    parser.add_argument("--index", type=int, default=0, help="with --model: sequence of a file")
    parser.add_argument(
        "--units", type=int, default=8, help="with --model: units printed per vector (default 8)"
    )
    add_common_arguments(parser, out=False)
    parser.set_defaults(run=run)


def run(args) -> dict:
    from lstmkit.recurrent.lstm import LSTM

    for option in ("index", "units"):
        refuse_without(args, option, "model", "it selects what a saved model's trace shows")
    if args.model is not None:
        return run_model(args)
    x = parse_sequence(args.input)
    if args.hidden_size < 1:
        raise UsageError(f"--hidden-size must be a positive integer; got {args.hidden_size}")
    layer = LSTM(
        x.shape[1], args.hidden_size, forget_bias=args.forget_bias, dtype="float64", seed=args.seed
    )
    params = {name.removesuffix("_l0"): value for name, value in layer.params.items()}
    print(
        f"One LSTM cell, input size {x.shape[1]}, hidden size {args.hidden_size}, "
        f"seeded weights (seed {args.seed}), h and c start at 0:\n"
    )
    print(EQUATIONS + "\n")
    records = trace_lstm_cell(x, params)
    print_records(records)
    return traced(x.shape[1], args.hidden_size, records)


def traced(input_size, hidden_size, records, units=None) -> dict:
    """The results for --json: the sizes and, per step, the vectors printed."""
    steps = [{name: record[name][: None if name == "x" else units] for name in NAMES}
             for record in records]  # fmt: skip
    return {"input_size": input_size, "hidden_size": hidden_size, "steps": steps}


def run_model(args) -> dict:
    """The first layer (forward direction) of a trained model's LSTM over --input."""
    from lstmkit.viz.gates import direction_params

    layer, x = lstm_and_input(args.model, args.input, args.index)
    print(
        f"The first LSTM layer of {args.model} (input size {layer.input_size}, hidden size "
        f"{layer.hidden_size}, forward direction) over {len(x)} steps, h and c start at 0:\n"
    )
    print(EQUATIONS + "\n")
    if args.units < 1:
        raise UsageError(f"--units must be a positive integer; got {args.units}")
    if args.units < layer.hidden_size:
        print(f"(the first {args.units} of {layer.hidden_size} units; --units N for more)\n")
    records = trace_lstm_cell(x, direction_params(layer, 0, False), options=layer.options)
    print_records(records, args.units)
    return {"model": args.model, **traced(layer.input_size, layer.hidden_size, records, args.units)}


def print_records(records, units=None) -> None:
    for t, record in enumerate(records):
        print(f"t = {t}")
        for name in NAMES:
            shown = record[name] if name == "x" else record[name][:units]
            print(f"  {name:<2} = {format_vector(shown)}")
    print("\nThe forget gate multiplies the cell state c (not h), and c' uses this step's f.")


def format_vector(values: np.ndarray) -> str:
    return "[" + ", ".join(f"{v:+.4f}" for v in values) + "]"
