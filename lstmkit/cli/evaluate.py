"""`lstmkit evaluate MODEL DATA`: a saved model's metrics on labelled data."""

from lstmkit.cli.common import output_dir, say
from lstmkit.cli.model_io import handler_for, load_model
from lstmkit.cli.output import files_written
from lstmkit.cli.predict import add_model_arguments, handled_inputs
from lstmkit.io.atomic import write_json


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "evaluate",
        help="metrics of a saved model on labelled data",
        description="Load a model saved by a training command and measure it on DATA "
        "(accuracy and confusion matrix, forecast errors, bits per character, token accuracy "
        "or exact match, by model). --out writes metrics.json (and confusion.png for "
        "classifiers). " + handled_inputs(),
    )
    add_model_arguments(parser, "DATA", "the labelled data", run)


def run(args) -> dict:
    model = load_model(args.model)
    handler = handler_for(model)
    folder = output_dir(args)
    metrics = {
        "model": args.model,
        "data": args.data,
        **handler.evaluate(model, args.data, args, folder),
    }
    if folder is not None:
        write_json(folder / "metrics.json", metrics)
        say(args, f"metrics in {folder / 'metrics.json'}")
    names = ("metrics.json", "predictions.csv", "confusion.png")
    return {**metrics, "model_class": type(model).__name__, "files": files_written(folder, *names)}
