"""report.html of `lstmkit charlm train`: the text, the training and validation loss per
epoch (both in nats per character), the validation score beside a uniform guess, and the
sample the command wrote (sample.txt).

A model that spreads its probability evenly over the V characters of its vocabulary scores

    ln V nats per character    (log2 V bits)

on any text: the reference that says how much the network learned.
"""

import math

from lstmkit.report import html
from lstmkit.report.card import card_rows
from lstmkit.report.curves import Curves, records_of
from lstmkit.report.document import Report, write_report

SAMPLE_SHOWN = 500  # characters of sample.txt shown


def language_report(folder, args, model, result: dict, counts, sample: str, seconds):
    """Write the report; `result` is the model's evaluation on the validation text
    ({"nats_per_char", "bits_per_char"}), `counts` the (training, validation) characters."""
    size = len(model.vocabulary_)
    data = [
        ("text", args.text),
        ("training characters", counts[0]),
        ("validation characters (the end of the text)", counts[1]),
        ("vocabulary", f"{size} characters"),
    ]
    header = ["model", "nats/char", "bits/char"]
    rows = [
        ("LSTM language model", html.number(result["nats_per_char"]),
         html.number(result["bits_per_char"])),
        ("uniform over the vocabulary", html.number(math.log(size)),
         html.number(math.log2(size))),
    ]  # fmt: skip
    curves = Curves(
        {"model": records_of(model.history_)},
        monitor="val_nats_per_char",
        losses=("loss", "val_nats_per_char"),
        units={"loss": "nats/char (training)", "val_nats_per_char": "validation"},
    )
    report = Report(
        title="lstmkit charlm train",
        data=data,
        card=card_rows(args, seconds, model=model),
        curves=curves,
        tables=[
            ("validation loss", header, rows),
            ("sample (temperature 0.8)", ["text"], [[sample[:SAMPLE_SHOWN]]]),
        ],
    )
    return write_report(folder, report)
