"""The regularisers of the recurrent layer as options of the training commands (charlm train,
tag, textclf): one set of options, named as the models' hyperparameters with dashes.

    --layer-norm                   layer_norm=True
    --dropout-input P              dropout_input=P      (likewise --dropout-output,
    --weight-drop P                weight_drop=P         --dropout-state, --zoneout-cell,
                                                         --zoneout-hidden)

A probability outside [0, 1) is argparse's usage error, naming the option and the value
(`argument --weight-drop: must be a number in [0, 1); got '1'`). The equations and what each
regularises: docs/lstm.md section 3a.
"""

import argparse
import math

from lstmkit.cli.common import UsageError

# (option's name in the models, help) of the probabilities; layer_norm is the one flag
PROBABILITIES = (
    ("dropout_input", "variational dropout on the LSTM's input, one mask per sequence"),
    ("dropout_output", "variational dropout on the LSTM's output, one mask per sequence"),
    ("dropout_state", "variational dropout on the recurrent state h, one mask per sequence"),
    ("weight_drop", "DropConnect on the hidden-to-hidden weights (AWD-LSTM)"),
    ("zoneout_cell", "zoneout of the cell state: each unit keeps its value with probability P"),
    ("zoneout_hidden", "zoneout of the hidden state"),
)


def probability(text: str) -> float:
    """argparse type: a number in [0, 1) (1 would drop everything)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1); got {text!r}")
    return value


def add_regulariser_arguments(parser) -> None:
    """--layer-norm and the six probabilities, all off by default (the plain LSTM)."""
    group = parser.add_argument_group(
        "regularisers of the LSTM (docs/lstm.md section 3a; all off by default)"
    )
    group.add_argument(
        "--layer-norm", action="store_true", help="layer normalisation inside the cell"
    )
    for name, explanation in PROBABILITIES:
        group.add_argument(
            "--" + name.replace("_", "-"),
            type=probability,
            default=0.0,
            metavar="P",
            help=f"{explanation} (default 0: off)",
        )


def regulariser_options(args, cell: str = "lstm") -> dict:
    """{hyperparameter: value} of the regulariser options, for a model whose recurrent layer
    is `cell`: UsageError for an option that cell lacks (the GRU has no cell state to zone
    out; the plain RNN has none of them)."""
    options = {"layer_norm": args.layer_norm}
    options.update((name, getattr(args, name)) for name, _ in PROBABILITIES)
    given = ["--" + name.replace("_", "-") for name, value in options.items() if value]
    if cell == "rnn" and given:
        raise UsageError(
            f"{', '.join(given)}: the plain RNN (--cell rnn) has no regularisers; "
            "use --cell lstm or gru"
        )
    if cell == "gru" and options["zoneout_cell"]:
        raise UsageError("--zoneout-cell needs --cell lstm (the GRU has no cell state)")
    return options
