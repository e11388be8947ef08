"""How `lstmkit predict` and `lstmkit evaluate` read input and write output for each kind of
saved model: one `Handler` per estimator class in `HANDLERS`, found by the loaded model's class.

A handler gives:
- `input_help`: what INPUT / DATA are for this model (shown in errors and --help);
- `predict(model, input, args) -> (header, rows)`: predictions as a table (printed, or written
  to predictions.csv with --out);
- `evaluate(model, data, args, folder) -> metrics`: prints and returns the metrics (and writes
  any plot into `folder`).
Adding a model is one entry in `HANDLERS`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstmkit.cli.common import UsageError


@dataclass(frozen=True)
class Handler:
    input_help: str
    predict: Callable
    evaluate: Callable
    input_required: bool = True


def load_model_or_module(name):
    """Whatever lstmkit object `name` holds; one clear error when the file is not one."""
    from lstmkit.io import load

    path = Path(name)
    if not path.is_file():
        raise FileNotFoundError(f"no such model file: {name}")
    try:
        return load(path)
    except ValueError as error:
        reason = str(error).removeprefix(f"{path}: ")
        raise ValueError(f"{name} is not an lstmkit model file ({reason})") from None


def load_model(name):
    """The estimator (trained task model) saved in `name`."""
    from lstmkit.models.base import Estimator

    model = load_model_or_module(name)
    if not isinstance(model, Estimator):
        raise ValueError(
            f"{name} holds a {type(model).__name__} layer, not a trained model (an estimator)"
        )
    return model


def handler_for(model) -> Handler:
    handler = HANDLERS.get(type(model).__name__)
    if handler is None:
        raise ValueError(
            f"predict/evaluate do not handle a {type(model).__name__} yet; "
            f"they handle {', '.join(sorted(HANDLERS))}"
        )
    return handler


# ---- SequenceClassifier: sequences in (.ts, .csv, .npz), labels out ------------------------------


def _classifier_input(args, name, labels):
    from lstmkit.cli.sequence_files import read_sequences

    return read_sequences(name, args.label_column, args.id_column, labels=labels)


def _classifier_predict(model, name, args):
    data = _classifier_input(args, name, labels=False)
    probabilities = model.predict_proba(data.X)
    predicted = model.classes_[probabilities.argmax(axis=1)]
    rows = [
        (i, p, f"{q:.4f}")
        for i, p, q in zip(data.ids, predicted, probabilities.max(axis=1), strict=True)
    ]
    return ["id", "predicted", "probability"], rows


def _classifier_evaluate(model, name, args, folder):
    from lstmkit.cli.classify import report_classification

    data = _classifier_input(args, name, labels=True)
    return report_classification(args, model, data, folder, "evaluation")


# ---- Forecaster: nothing in (it continues its own series), the forecast out ---------------------


def _forecaster_predict(model, name, args):
    if name is not None:
        raise UsageError(
            "a Forecaster forecasts from the end of the series it was fitted on: give no "
            "INPUT (to forecast another series, fit it with `lstmkit forecast FILE`)"
        )
    horizon = args.horizon or model.horizon
    forecast, lower, upper = model.predict(horizon=horizon, return_intervals=True)
    rows = [
        (step, f"{f:.6g}", f"{lo:.6g}", f"{hi:.6g}")
        for step, f, lo, hi in zip(range(1, horizon + 1), forecast, lower, upper, strict=True)
    ]
    return ["step", "forecast", "lower", "upper"], rows


def _forecaster_evaluate(model, name, args, folder):
    """DATA: a CSV of the values that followed the training series (its first `horizon`)."""
    from lstmkit.cli.forecast import forecast_metrics, metric_rows
    from lstmkit.cli.summary import table
    from lstmkit.data.csv_series import read_csv_series
    from lstmkit.datasets import resolve

    series = read_csv_series(resolve(name), args.column)
    if series.values.shape[1] > 1:
        raise UsageError(
            f"{name} has several value columns ({', '.join(series.columns)}); choose --column"
        )
    actual = series.values[: model.horizon, 0]
    forecast = model.predict(horizon=len(actual))
    metrics = forecast_metrics(actual, forecast)
    print(f"the model's forecast of the {len(actual)} values in {name}:")
    rows = metric_rows({"lstm": metrics})
    print(table(["method", "MAE", "RMSE", "MAPE %", "sMAPE %", "MASE"], rows))
    return {**metrics, "n": len(actual), "forecast": np.asarray(forecast).tolist()}


# ---- CharLanguageModel: a text file primes a sample; a text file is scored -----------------------


def _read_text(name) -> str:
    from lstmkit.datasets import resolve

    with open(resolve(name), encoding="utf-8") as handle:
        return handle.read()


def _char_lm_predict(model, name, args):
    prime = "" if name is None else _read_text(name)
    text = model.sample(prime, length=args.length, temperature=args.temperature, seed=args.seed)
    return ["sample"], [(text,)]


def _char_lm_evaluate(model, name, args, folder):
    metrics = model.evaluate(_read_text(name))
    print(
        f"{metrics['chars']} characters of {name}: {metrics['nats_per_char']:.4f} nats/char "
        f"({metrics['bits_per_char']:.4f} bits/char)"
    )
    return metrics


HANDLERS = {
    "SequenceClassifier": Handler(
        "a .ts, .ts.gz, .csv or .npz file of sequences (see lstmkit classify --help)",
        _classifier_predict,
        _classifier_evaluate,
    ),
    "Forecaster": Handler(
        "predict: no INPUT; evaluate: a CSV of the values that followed the training series",
        _forecaster_predict,
        _forecaster_evaluate,
        input_required=False,
    ),
    "CharLanguageModel": Handler(
        "predict: optional text file to continue (the prime); evaluate: a text file to score",
        _char_lm_predict,
        _char_lm_evaluate,
        input_required=False,
    ),
}
