"""`lstmkit predict MODEL INPUT`: a saved model's predictions for new input."""

from lstmkit.cli.common import UsageError, add_common_arguments, output_dir, positive_int, say
from lstmkit.cli.model_io import handler_for, load_model
from lstmkit.cli.output import files_written
from lstmkit.cli.sequence_files import add_sequence_file_arguments
from lstmkit.cli.summary import table
from lstmkit.io.atomic import write_csv


def add_model_arguments(parser, data, data_help, run, optional=False) -> None:
    """MODEL, the data argument, the options some models' readers use, the common ones."""
    parser.add_argument("model", metavar="MODEL", help="a saved model (.safetensors)")
    parser.add_argument(data.lower(), nargs="?" if optional else None, metavar=data, help=data_help)
    add_sequence_file_arguments(parser)
    parser.add_argument(
        "--column",
        action="append",
        help="CSV value column (forecasters); once per column for a forecaster of several",
    )
    parser.add_argument("--horizon", type=positive_int, default=None, help="steps (forecasters)")
    parser.add_argument(
        "--length", type=int, default=200, help="characters to sample (language models)"
    )
    parser.add_argument(
        "--temperature", type=float, default=1.0, help="sampling temperature (language models)"
    )
    add_common_arguments(parser)
    parser.set_defaults(run=run)


# the predictions' columns that hold numbers (the table holds them as formatted text; a forecast
# of several columns numbers them: "forecast 2"); a label or id stays text, as it was read
NUMBER_COLUMNS = ("forecast", "lower", "upper", "probability")


def numbers_as_numbers(prediction: dict) -> dict:
    """One prediction for --json: its number columns as numbers."""
    return {
        key: float(value) if key.split(" ")[0] in NUMBER_COLUMNS else value
        for key, value in prediction.items()
    }


def handled_inputs() -> str:
    """What INPUT / DATA are for each model class (from the handlers), for --help."""
    from lstmkit.cli.model_io import HANDLERS

    return "By model: " + "; ".join(f"{name}: {h.input_help}" for name, h in HANDLERS.items())


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "predict",
        help="predictions of a saved model for new input",
        description="Load a model saved by a training command (--out DIR/model.safetensors) "
        "and predict for INPUT. Prints the predictions as a table, or writes "
        "DIR/predictions.csv with --out. " + handled_inputs(),
    )
    add_model_arguments(parser, "INPUT", "the input file", run, optional=True)


def run(args) -> dict:
    model = load_model(args.model)
    handler = handler_for(model)
    if args.input is None and handler.input_required:
        raise UsageError(f"INPUT is required for a {type(model).__name__}: {handler.input_help}")
    header, rows = handler.predict(model, args.input, args)
    folder = output_dir(args)
    results = {
        "model": args.model,
        "model_class": type(model).__name__,
        "predictions": [numbers_as_numbers(dict(zip(header, row, strict=True))) for row in rows],
    }
    if folder is None:
        print(table(header, rows))
        return {**results, "files": []}
    write_csv(folder / "predictions.csv", header, rows)
    say(
        args,
        f"{len(rows)} predictions of the {type(model).__name__} in {folder / 'predictions.csv'}",
    )
    return {**results, "files": files_written(folder, "predictions.csv")}
