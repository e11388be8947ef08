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
from lstmkit.data.damaged_files import reading


@dataclass(frozen=True)
class Handler:
    input_help: str
    predict: Callable
    evaluate: Callable
    input_required: bool = True


def model_path(name) -> Path:
    """The path of model file `name`, refused with a clear error when there is no such file
    or it is no regular file (a folder, a device such as /dev/zero, a pipe: never read)."""
    path = Path(name)
    if not path.exists():
        raise FileNotFoundError(f"no such model file: {name}")
    if not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file"
        raise ValueError(f"{name} is not a model file: it is {kind}")
    return path


def load_model_or_module(name):
    """Whatever lstmkit object `name` holds; one clear error when the file is not one."""
    from lstmkit.io import load

    path = model_path(name)
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

    return read_sequences(
        name, args.label_column, args.id_column, labels=labels, layout=args.layout
    )


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
    if model.input_kind_ in ("vectors", "matrices"):  # many series (a list, a dict, a panel)
        raise ValueError(
            f"the model forecasts {model.history_.shape[0]} series (it was fitted on several); "
            "predict prints one series' forecast: use `lstmkit forecast --id-column ...` "
            "(its forecast.csv) or Forecaster.predict in Python"
        )
    horizon = args.horizon or model.horizon
    predicted = model.predict(horizon=horizon, return_intervals=True)
    parts = [np.reshape(a, (horizon, -1)) for a in predicted]  # forecast, lower, upper: (h, K)
    channels = parts[0].shape[1]
    header = ["forecast", "lower", "upper"]
    if channels > 1:  # several columns forecast together: the three for each, numbered
        header = [f"{name} {k + 1}" for k in range(channels) for name in header]
    rows = [
        (step, *(f"{part[t, k]:#.6g}" for k in range(channels) for part in parts))  # "#": keep
        for t, step in enumerate(range(1, horizon + 1))  # trailing zeros
    ]
    return ["step", *header], rows


def _forecaster_evaluate(model, name, args, folder):
    """DATA: a CSV holding the values that followed the training series, found by their dates
    (see `lstmkit.cli.forecast_dates`)."""
    from lstmkit.cli.forecast import forecast_metrics, metric_rows
    from lstmkit.cli.forecast_dates import values_after_training
    from lstmkit.cli.summary import table
    from lstmkit.data.csv_series import read_csv_series
    from lstmkit.datasets import resolve

    channels = model.history_.shape[2]
    series = read_csv_series(resolve(name), args.column)
    _check_columns(series, channels, name, args.column)
    actual, which = values_after_training(model, series, name)
    forecast = np.reshape(model.predict(horizon=len(actual)), (len(actual), channels))
    print(f"the model's forecast of {which}:")
    header = ["method", "MAE", "RMSE", "MAPE %", "sMAPE %", f"MASE (m={model.period_})"]
    by_column = {}
    for k, column in enumerate(series.columns):
        metrics = forecast_metrics(actual[:, k], forecast[:, k])
        metrics["MASE"] = _saved_mase(model, metrics["MAE"], k)
        if channels > 1:
            print(f"{column}:")
        print(table(header, metric_rows({"lstm": metrics})))
        by_column[column] = metrics
    scores = by_column[series.columns[0]] if channels == 1 else {"columns": by_column}
    shown = forecast[:, 0] if channels == 1 else forecast
    return {**scores, "n": len(actual), "forecast": shown.tolist()}


def _check_columns(series, channels, name, columns) -> None:
    """DATA's value columns must be as many as the model forecasts (one, or K together)."""
    found = series.values.shape[1]
    if found == channels:
        return
    if columns is not None:
        raise UsageError(
            f"--column names {_columns(len(columns))}, but the model forecasts "
            f"{_columns(channels)}; give --column once per column it forecasts"
        )
    raise UsageError(
        f"{name} has {found} value columns ({', '.join(series.columns)}), but the model "
        f"forecasts {_columns(channels)}; choose them with --column (once per column)"
    )


def _columns(count) -> str:
    return f"{count} column{'' if count == 1 else 's'}"


def _saved_mase(model, mae, k=0):
    """MAE over the seasonal-naive in-sample error the model kept from its training series
    (column k); None when it kept none (a file saved before it did) or it is undefined."""
    scale = None if model.naive_error_ is None else float(model.naive_error_[0, k])
    return None if scale is None or not np.isfinite(scale) else mae / scale


# ---- CharLanguageModel: a text file primes a sample; a text file is scored -----------------------


def _read_text(name) -> str:
    from lstmkit.datasets import resolve

    path = resolve(name)
    with reading(path), open(path, encoding="utf-8") as handle:
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


# ---- text models: one text (sentence, source) per line in; a `text<TAB>label` file scored -------


def _lines(name) -> list[tuple[int, str]]:
    """(line number, text) of every non-blank line of a UTF-8 text file."""
    from lstmkit.datasets import resolve

    path = resolve(name)
    with reading(path), open(path, encoding="utf-8-sig") as handle:
        return [(n, line.strip()) for n, line in enumerate(handle, start=1) if line.strip()]


def _text_classifier_predict(model, name, args):
    lines = _lines(name)
    probabilities = model.predict_proba([text for _, text in lines])
    predicted = model.classes_[probabilities.argmax(axis=1)]
    rows = [
        (n, p, f"{q:.4f}")
        for (n, _), p, q in zip(lines, predicted, probabilities.max(axis=1), strict=True)
    ]
    return ["line", "predicted", "probability"], rows


def _text_classifier_evaluate(model, name, args, folder):
    from lstmkit.cli.classify import report_classification
    from lstmkit.cli.sequence_files import Sequences
    from lstmkit.data.labelled_text import read_labelled_text
    from lstmkit.datasets import resolve

    texts, labels = read_labelled_text(resolve(name))
    data = Sequences(texts, np.array(labels), [str(k) for k in range(len(texts))])
    return report_classification(args, model, data, folder, "evaluation")


def _tagger_predict(model, name, args):
    lines = _lines(name)
    sentences = [text.split() for _, text in lines]
    tags = model.predict(sentences)
    rows = [
        (n, " ".join(f"{w}/{t}" for w, t in zip(words, sentence_tags, strict=True)))
        for (n, _), words, sentence_tags in zip(lines, sentences, tags, strict=True)
    ]
    return ["line", "tagged"], rows


def _tagger_evaluate(model, name, args, folder):
    from lstmkit.data.tagging_files import read_tagging_file
    from lstmkit.datasets import resolve

    sentences, tags = read_tagging_file(resolve(name))
    accuracy = model.score(sentences, tags)
    tokens = sum(len(s) for s in sentences)
    print(f"token accuracy: {accuracy:.4f} ({len(sentences)} sentences, {tokens} tokens)")
    return {"token_accuracy": accuracy, "sentences": len(sentences), "tokens": tokens}


def _seq2seq_predict(model, name, args):
    lines = _lines(name)
    outputs = model.predict([text for _, text in lines])
    return ["source", "output"], [
        (text, out) for (_, text), out in zip(lines, outputs, strict=True)
    ]


def _seq2seq_evaluate(model, name, args, folder):
    from lstmkit.data.labelled_text import read_labelled_text
    from lstmkit.datasets import resolve

    sources, targets = read_labelled_text(resolve(name))
    accuracy = model.score(sources, targets)
    print(f"exact match: {accuracy:.4f} ({round(accuracy * len(sources))} of {len(sources)})")
    return {"exact_match": accuracy, "n": len(sources)}


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
    "TextClassifier": Handler(
        "predict: a text file, one text per line; evaluate: `text<TAB>label` lines",
        _text_classifier_predict,
        _text_classifier_evaluate,
    ),
    "SequenceTagger": Handler(
        "predict: one sentence per line, words separated by spaces; evaluate: a tagged file "
        "(CoNLL-U, or FORM<TAB>TAG lines with a blank line between sentences)",
        _tagger_predict,
        _tagger_evaluate,
    ),
    "Seq2Seq": Handler(
        "predict: one source per line; evaluate: `source<TAB>target` lines",
        _seq2seq_predict,
        _seq2seq_evaluate,
    ),
}
